#!/usr/bin/python3
"""The Builder's firmware_sources.txt must name exactly the sources CMake builds into the kernel
library and the firmware core, per CPU: a source added to one list and not the other fails here."""
import re
import sys

root = sys.argv[1]


def cmake_block(path, start):
    text = open(f"{root}/{path}").read()
    at = text.index(start)
    return text[at:text.index(")", at)]


def sources(block, prefix):
    return {prefix + s for s in re.findall(r"[\w/.-]+\.(?:c|S)\b", block)}


kernels = sources(cmake_block("kernels/CMakeLists.txt", "add_library(tinytx_kernels STATIC"), "kernels/")
fw = open(f"{root}/kernels/firmware/CMakeLists.txt").read()
core = sources(cmake_block("kernels/firmware/CMakeLists.txt", "add_library(tinytx_fw_core OBJECT"),
               "kernels/firmware/")
core = {s for s in core if "fw_arch_sources" not in s}
arch = {}
for cpu, body in re.findall(r'TINYTX_TARGET_CPU STREQUAL "([\w-]+)"\)\s*\n(?:\s*#[^\n]*\n)*\s*set\(fw_arch_sources ([^)]*)\)', fw):
    arch[cpu] = sources(body, "kernels/firmware/")
if set(arch) != {"rv32", "gap9", "cortex-m4", "cortex-m7"}:
    sys.exit(f"could not read fw_arch_sources for every CPU from kernels/firmware/CMakeLists.txt: {sorted(arch)}")
# the M7 adds cache_cortexm7.c on a separate line of the same set()
for m in re.finditer(r'STREQUAL "cortex-m7"\)\s*\n\s*set\(fw_arch_sources([^)]*)\)', fw):
    arch["cortex-m7"] = sources(m.group(1), "kernels/firmware/")

listed = {cpu: set() for cpu in arch}
for line in open(f"{root}/tuner/src/builder/firmware_sources.txt"):
    line = line.split("#")[0].split()
    if not line:
        continue
    cpus = list(arch) if line[0] == "all" else line[0].split(",")
    for cpu in cpus:
        listed[cpu].add(line[1])

failed = False
for cpu in sorted(arch):
    want = kernels | core | arch[cpu]
    for s in sorted(want - listed[cpu]):
        print(f"{cpu}: {s} is built by CMake but missing from tuner/src/builder/firmware_sources.txt")
        failed = True
    for s in sorted(listed[cpu] - want):
        print(f"{cpu}: {s} is in firmware_sources.txt but not built by CMake")
        failed = True
print("firmware_sources.txt", "differs from the CMake lists" if failed else "matches the CMake lists")
sys.exit(1 if failed else 0)
