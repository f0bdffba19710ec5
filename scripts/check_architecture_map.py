#!/usr/bin/env python3
"""Fails when ARCHITECTURE.md's map names a folder or file the tree does not have.

The map is the section "Where each concept lives": tables whose rows are `| path | holds |`.
- The first cell names one folder or file, or several separated by commas; a name after the
  first that is not a path from the root sits beside the first one or one of its folders, the
  nearest that has it (`opt/` beside `kernels/src/ref/`, `src/` of
  `board-agents/include/tinytx/agent/`, `src/`). Each must exist.
- In the second cell, every backticked name that is a file (it has an extension the tree uses)
  or a folder (it ends in `/`) must be found: from the root when it is a path from there, else
  under the row's folders, else anywhere in the tree (a header of another folder the row cites),
  at any depth (`tinytx/agent/iss/semihosting.h` as a path's tail). Other backticked words
  (types, functions, options) are not checked.

usage: check_architecture_map.py ROOT      exit 0 when the map matches, 1 listing what is missing
"""
import os
import re
import sys

SECTION = "## Where each concept lives"
SKIPPED_DIRS = {"build", "node_modules", "__pycache__", ".git"}
FILE_SUFFIXES = (".h", ".c", ".cpp", ".S", ".py", ".cmake", ".md", ".json", ".proto", ".txt", ".ld", ".sh", ".in")
TICKED = re.compile(r"`([^`]+)`")


def map_rows(text):
    """(line number, first cell, second cell) of every table row of the map section."""
    rows = []
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            inside = line.strip() == SECTION
            continue
        if not inside or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2:
            rows.append((number, cells[0], "|".join(cells[1:])))
    return rows


def exists(root, rel):
    return os.path.exists(os.path.join(root, rel.rstrip("/")))


def row_paths(root, cell):
    """The row's folders and files, each as a path from the root."""
    names = TICKED.findall(cell)
    if not names:
        return []
    first = names[0]
    paths = [first]
    for n in names[1:]:
        if exists(root, n) or "/" in n.rstrip("/"):
            paths.append(n)
            continue
        folder = os.path.dirname(first.rstrip("/"))
        candidates = []
        while folder:
            candidates.append(folder + "/" + n)
            folder = os.path.dirname(folder)
        paths.append(next((c for c in candidates if exists(root, c)), candidates[0] if candidates else n))
    return paths


def tree_index(root, folders):
    """Every path under the folders, as paths from the root (files and folders, folders with '/')."""
    found = set()
    for folder in folders:
        top = os.path.join(root, folder.rstrip("/"))
        if os.path.isfile(top):
            found.add(folder)
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS]
            rel = os.path.relpath(dirpath, root)
            found.update(rel + "/" + d + "/" for d in dirnames)
            found.update(rel + "/" + f for f in filenames)
    return found


def is_checked_name(name):
    if " " in name or name.startswith(("-", "$")):
        return False
    return name.endswith("/") or name.endswith(FILE_SUFFIXES)


def found_in(name, paths):
    return any(p == name or p.endswith("/" + name) for p in paths)


def check(root, doc="ARCHITECTURE.md"):
    with open(os.path.join(root, doc), encoding="utf-8") as f:
        text = f.read()
    rows = map_rows(text)
    if not rows:
        return [f"{doc}: no table rows under '{SECTION}'"]
    whole_tree = None
    missing = []
    for number, first, holds in rows:
        paths = row_paths(root, first)
        for p in paths:
            if not exists(root, p):
                missing.append(f"{doc}:{number}: `{p}` does not exist")
        index = tree_index(root, [p for p in paths if exists(root, p)])
        for name in TICKED.findall(holds):
            if not is_checked_name(name):
                continue
            if exists(root, name) or found_in(name, index):
                continue
            if whole_tree is None:
                whole_tree = tree_index(root, [d + "/" for d in sorted(os.listdir(root))
                                               if os.path.isdir(os.path.join(root, d)) and d not in SKIPPED_DIRS])
            if not found_in(name, whole_tree):
                missing.append(f"{doc}:{number}: `{name}` is in none of {', '.join(paths)}, nor elsewhere in the tree")
    return missing


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    missing = check(argv[1])
    for m in missing:
        print(m)
    if missing:
        print(f"{len(missing)} name(s) of the map not found in the tree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
