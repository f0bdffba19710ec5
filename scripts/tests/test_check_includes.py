"""check_includes.py on a tiny tree of two components: it must find the one private include
across them and accept public headers, a component's own headers and its tests' includes."""
import contextlib
import io
import unittest

from file_tree import write_tree
import check_includes  # noqa: E402  (on the path file_tree sets)

FIXTURE = {
    # component a: a public header, a private one, a test that may use the private one
    "src/a/include/tinytx/a/api.h": '#include "a_private.h"\n',
    "src/a/a_private.h": "",
    "src/a/a.c": '#include "tinytx/a/api.h"\n#include "a_private.h"\n',
    "src/a/tests/test_a.c": '#include "a_private.h"\n#include "../a_private.h"\n',
    # component b: the public header of a (fine), a's private header (the violation)
    "src/b/b.c": '#include "tinytx/a/api.h"\n#include <stdio.h>\n\n  #  include "a_private.h"\n',
    "src/b/generated_elsewhere.c": '#include "made_at_build_time.h"\n',
}


class CheckIncludes(unittest.TestCase):
    def tree(self, files):
        return write_tree(self, files)

    def check(self, root):
        return check_includes.check(root, scanned=("src",), components=("src/*",), tests_of={})

    def test_finds_the_private_include_across_components(self):
        v = self.check(self.tree(FIXTURE))
        self.assertEqual(len(v), 1, v)
        self.assertTrue(v[0].startswith('src/b/b.c:4: #include "a_private.h" reaches src/a/a_private.h'), v[0])
        self.assertIn("private to src/a", v[0])

    def test_clean_without_it(self):
        files = dict(FIXTURE)
        files["src/b/b.c"] = '#include "tinytx/a/api.h"\n'
        self.assertEqual(self.check(self.tree(files)), [])

    def test_the_command_fails_on_a_violation(self):
        root = self.tree(FIXTURE)
        saved = check_includes.SCANNED, check_includes.COMPONENTS, check_includes.TESTS_OF
        check_includes.SCANNED, check_includes.COMPONENTS, check_includes.TESTS_OF = ("src",), ("src/*",), {}
        try:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(check_includes.main(["check_includes.py", root]), 1)
            self.assertIn("src/b/b.c:4", out.getvalue())
            fixed = dict(FIXTURE, **{"src/b/b.c": '#include "tinytx/a/api.h"\n'})
            with contextlib.redirect_stdout(io.StringIO()):
                self.assertEqual(check_includes.main(["check_includes.py", self.tree(fixed)]), 0)
        finally:
            check_includes.SCANNED, check_includes.COMPONENTS, check_includes.TESTS_OF = saved


if __name__ == "__main__":
    unittest.main()
