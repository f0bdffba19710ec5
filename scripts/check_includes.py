#!/usr/bin/env python3
"""Fails when a source includes another component's private headers (ARCHITECTURE.md, "Layers").

Every component reaches another only through its public headers, the ones under an `include/`
folder; the headers beside a component's sources are its own (its tests, in `tests/` below it,
may include them too). This resolves every quoted #include of the C, C++ and assembler sources
under kernels/, platform/, board-agents/ and tuner/ to a file of the tree and reports each one
that lands beside another component's sources.

A quoted include is resolved as a compiler would find it: relative to the including file, then
under any `include/` folder of the tree (public), then anywhere in the tree by its path (what an
include path into another folder would reach). What resolves nowhere is generated at build time
(protos, golden cases) and is not checked.

usage: check_includes.py ROOT      exit 0 when clean, 1 listing the violations
"""
import os
import re
import sys

SCANNED = ("kernels", "platform", "board-agents", "tuner")
SKIPPED_DIRS = {"build", "node_modules", "third_party", "__pycache__"}
SOURCE_SUFFIXES = (".c", ".h", ".cpp", ".hpp", ".cc", ".S", ".inc")

# The components, by folder (ARCHITECTURE.md, "Layers" and "Where each concept lives"); a file
# belongs to the deepest one holding it. A trailing "*" makes each subfolder a component.
COMPONENTS = (
    "kernels",                  # the kernel library: include/, src/
    "kernels/firmware",         # startup, mailbox, harness; public: include/tinytx/firmware/
    "kernels/bench",            # tinytx against CMSIS-NN (bench only)
    "platform",
    "board-agents",             # tinytx_agent_core: include/, src/
    "board-agents/rsp",
    "board-agents/backends/*",
    "board-agents/service",
    "tuner/src/*",              # one library per concept; public: tuner/include/tinytx/tuner/
    "tuner/cli",
    "tuner/farm",
    "tuner/dashboard",
    "tuner/http",
    "tuner/importer",
)

# Test folders that test more than the component holding them: what else they may see privately.
TESTS_OF = {
    "board-agents/tests": ("board-agents/service",),  # the service's calibration and gRPC tests
    # the kernels' tests on the target (fw_check, fw_gemm_sweep, fw_softmax_bench, fw_gap9_calib):
    # the golden cases and sweeps of kernels/tests, the kernels' internals they measure
    "kernels/firmware/apps": ("kernels",),
}

INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.MULTILINE)


def source_files(root, scanned):
    for top in scanned:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
            for f in sorted(filenames):
                if f.endswith(SOURCE_SUFFIXES):
                    yield os.path.relpath(os.path.join(dirpath, f), root)


def component_folders(root, components):
    folders = []
    for c in components:
        if c.endswith("/*"):
            base = c[:-2]
            folders += [base + "/" + d for d in sorted(os.listdir(os.path.join(root, base)))
                        if os.path.isdir(os.path.join(root, base, d))]
        else:
            folders.append(c)
    return folders


def component_of(rel, folders):
    """The deepest component folder holding rel, or None."""
    best = None
    for f in folders:
        if (rel + "/").startswith(f + "/") and (best is None or len(f) > len(best)):
            best = f
    return best


def is_public(rel):
    return "/include/" in "/" + rel


def check(root, scanned=None, components=None, tests_of=None):
    """Every violation as 'file:line: #include "x" reaches <header> (private to <component>)';
    the repository's folders, components and test exceptions unless given."""
    scanned = SCANNED if scanned is None else scanned
    components = COMPONENTS if components is None else components
    tests_of = TESTS_OF if tests_of is None else tests_of
    folders = component_folders(root, components)
    files = list(source_files(root, scanned))
    by_suffix = {}
    for f in files:
        parts = f.split("/")
        for i in range(len(parts)):
            by_suffix.setdefault("/".join(parts[i:]), []).append(f)
    include_dirs = sorted({f[:f.index("/include/") + len("/include")] for f in files if "/include/" in f})

    violations = []
    for f in files:
        own = component_of(f, folders)
        allowed = {own}
        for tests_dir, others in tests_of.items():
            if (f + "/").startswith(tests_dir + "/"):
                allowed.update(others)
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for m in INCLUDE_RE.finditer(text):
            inc = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            beside = os.path.normpath(os.path.join(os.path.dirname(f), inc))
            if os.path.isfile(os.path.join(root, beside)):
                targets = [beside]
            elif any(os.path.isfile(os.path.join(root, d, inc)) for d in include_dirs):
                continue  # a public header
            else:
                targets = by_suffix.get(inc, [])
                if any(component_of(t, folders) in allowed for t in targets):
                    continue  # its own header, through its own include path
            private = [t for t in targets if not is_public(t) and component_of(t, folders) not in allowed]
            if private:
                violations.append('%s:%d: #include "%s" reaches %s' % (
                    f, line, inc, " or ".join("%s (private to %s)" % (t, component_of(t, folders)) for t in private)))
    return violations


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    violations = check(argv[1])
    for v in violations:
        print(v)
    if violations:
        print("%d include(s) of another component's private headers: move the header under its "
              "component's include/tinytx/<component>/ or keep the use inside the component" % len(violations))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
