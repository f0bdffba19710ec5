"""Why an import stops: a refusal names the ONNX node (and op type) or the input at fault."""


class Refusal(Exception):
    """The model, or an input file, cannot be imported; str() is the whole message."""


def node_ref(node):
    """'name' (OpType), as every message names a node."""
    return "'%s' (%s)" % (node.name, node.op_type)


def node_list(nodes, most=8):
    refs = [node_ref(n) for n in nodes[:most]]
    if len(nodes) > most:
        refs.append("and %d more" % (len(nodes) - most))
    return ", ".join(refs)
