#!/usr/bin/env bash
# Make the wheels that benchmarks/gpu_check.sh installs on an offline machine.
#
#   bash benchmarks/build_wheels.sh [DEST]        (default DEST: .whl)
#
# selu_xp is built from this tree; array-api-compat, array-api-extra,
# array-api-strict and the benchmark suite's pytest-benchmark (with its
# py-cpuinfo2) are pure Python, downloaded as py3-none-any wheels for the
# target's Python version (PYVER, default 3.12).  Rebuild after changing code.
set -euo pipefail

cd "$(dirname "$0")/.."
dest="${1:-.whl}"
pyver="${PYVER:-3.12}"
py="${PYTHON:-python}"
mkdir -p "$dest"
rm -f "$dest"/selu_xp-*.whl
"$py" -m pip wheel --quiet --no-deps -w "$dest" .
"$py" -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version "$pyver" --implementation py --platform any \
    -d "$dest" array-api-compat array-api-extra array-api-strict \
    pytest-benchmark py-cpuinfo2
ls -l "$dest"
