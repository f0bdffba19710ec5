"""A temporary tree of files for the checkers' self-tests: write_tree(test, {path: text}) makes it,
removed when the test ends, and returns its root."""
import os
import sys
import tempfile

# the checkers, one folder up, import as modules
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def write_tree(test, files):
    d = tempfile.TemporaryDirectory()
    test.addCleanup(d.cleanup)
    for rel, text in files.items():
        p = os.path.join(d.name, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
    return d.name
