#!/usr/bin/env bash
# Installs every Debian package tinytx needs, when missing. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
  gcc-riscv64-unknown-elf
  qemu-system-arm qemu-system-misc
  python3 python3-numpy python3-onnx
  libgtest-dev nlohmann-json3-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libunicorn-dev openocd openssl
  libsqlite3-dev libeigen3-dev
  libboost-dev nodejs npm
)

# only the tests need these (the ONNX importer's tests export models with PyTorch, the dashboard's
# run in Chromium); the Docker images, which run no tests, leave them out
test_packages=(python3-torch chromium)

missing=()
for p in "${packages[@]}" "${test_packages[@]}"; do
  # a node that is there already (e.g. NodeSource's nodejs, which carries npm) does: Debian's npm
  # would conflict with it
  case "$p" in nodejs | npm) command -v "${p/nodejs/node}" >/dev/null && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all $(( ${#packages[@]} + ${#test_packages[@]} )) packages present"
else
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# GVSoC for the gvsoc backend's tests (optional: skipped without it)
"$(dirname "${BASH_SOURCE[0]}")/setup_gvsoc.sh"
