"""check_architecture_map.py on a tiny tree and map: it must report a folder the tree lacks and a
file no folder holds, and accept siblings named after the first path, tails of paths and words
that are not files."""
import os
import unittest

from file_tree import write_tree
import check_architecture_map  # noqa: E402  (on the path file_tree sets)

TREE = {
    "lib/src/ref/gemm_ref.c": "",
    "lib/src/opt/gemm_opt.c": "",
    "lib/include/tinytx/lib/api.h": "",
    "agent/include/tinytx/agent/backend.h": "",
    "agent/src/table_runs.cpp": "",
    "schemas/agent.proto": "",
}

MAP = """# Architecture
## Layers
| `nowhere/` | not the map: never checked |

## Where each concept lives
| path | holds |
|---|---|
| `lib/src/ref/`, `opt/` | one variant per file: `gemm_ref.c`, `gemm_opt.c`; `Gemm`, `tx_gemm()` |
| `agent/include/tinytx/agent/`, `src/` | `backend.h`, `table_runs.cpp`, `tinytx/lib/api.h`, `agent.proto` |
{extra}
## Conventions
| `also/not/the/map/` | never checked |
"""


class CheckArchitectureMap(unittest.TestCase):
    def tree(self, extra_rows=""):
        return write_tree(self, dict(TREE, **{"ARCHITECTURE.md": MAP.format(extra=extra_rows)}))

    def test_a_map_that_matches_the_tree_passes(self):
        self.assertEqual(check_architecture_map.check(self.tree()), [])

    def test_a_folder_the_tree_lacks_is_reported(self):
        missing = check_architecture_map.check(self.tree("| `lib/src/gone/` | nothing |\n"))
        self.assertEqual(len(missing), 1)
        self.assertIn("`lib/src/gone/` does not exist", missing[0])

    def test_a_file_no_folder_holds_is_reported(self):
        missing = check_architecture_map.check(self.tree("| `lib/src/opt/` | `gemm_fast.c`, `gemm_opt.c` |\n"))
        self.assertEqual(len(missing), 1)
        self.assertIn("`gemm_fast.c` is in none of lib/src/opt/", missing[0])

    def test_a_map_without_rows_fails(self):
        root = self.tree()
        with open(os.path.join(root, "ARCHITECTURE.md"), "w") as f:
            f.write("# Architecture\n## Where each concept lives\nno table\n")
        self.assertEqual(len(check_architecture_map.check(root)), 1)


if __name__ == "__main__":
    unittest.main()
