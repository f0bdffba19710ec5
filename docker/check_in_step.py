#!/usr/bin/env python3
"""The Docker images install the Debian packages scripts/setup.sh installs (no Docker engine
runs here, so this is how the two are kept in step). usage: check_in_step.py REPO_ROOT"""
import re
import sys

root = sys.argv[1]
setup = open(f"{root}/scripts/setup.sh").read()
m = re.search(r"packages=\(([^)]*)\)", setup, re.S)
if not m:
    sys.exit("scripts/setup.sh: no packages=( ... ) list found")
wanted = set(m.group(1).split())
bad = False
for name in ("Dockerfile.agent", "Dockerfile.farmd"):
    text = open(f"{root}/docker/{name}").read()
    first = text.split("apt-get install", 1)[1].split("&&", 1)[0]
    have = set(t for t in first.replace("\\", " ").split() if not t.startswith("-"))
    missing, extra = wanted - have, have - wanted
    if missing or extra:
        bad = True
        print(f"docker/{name}: missing {sorted(missing)}, not in setup.sh {sorted(extra)}")
print("docker images in step with scripts/setup.sh" if not bad else "out of step")
sys.exit(1 if bad else 0)
