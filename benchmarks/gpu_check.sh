#!/usr/bin/env bash
# The GPU part of the test matrix and the GPU benchmark, in one command.
#
#   bash benchmarks/gpu_check.sh [WHEEL_DIR]
#
# For a GPU machine that has CuPy, PyTorch and JAX (with CUDA) but no internet
# and no array-api-compat.  WHEEL_DIR (or $SELU_XP_WHEELS; default .whl) holds
# the wheels that benchmarks/build_wheels.sh makes: array-api-compat,
# array-api-extra, array-api-strict, pytest-benchmark and py-cpuinfo2, and
# selu_xp itself.  They are installed with pip --no-index --target into a
# temporary folder put first on PYTHONPATH, so an installed selu_xp wheel is
# what runs; without one, this tree's selu_xp runs.  Logs and results go to
# $OUT if it is set, else benchmarks/results/gpu: gpu_check.log (everything
# printed), results.json, results.md, results.png.
#
# Knobs (environment): PYTHON (default python3), TEST_TIMEOUT (default 150 s),
# BENCH_TIMEOUT (default 130 s), BENCH_BACKENDS (default cupy,torch-cuda,jax-gpu),
# BENCH_SIZES (default 1e6,1e7,1e8), BENCH_DTYPES (default float32,float64),
# TEST_FILTER (default "cupy or cuda or gpu").  Exit status: 0 when the tests
# passed (or none was selected) and the benchmark ran without error.
set -u -o pipefail

cd "$(dirname "$0")/.."
root="$PWD"
wheels="${1:-${SELU_XP_WHEELS:-.whl}}"
out="${OUT:-benchmarks/results/gpu}"
py="${PYTHON:-python3}"
mkdir -p "$out"
exec > >(tee "$out/gpu_check.log") 2>&1

echo "== gpu_check $(date -u +%Y-%m-%dT%H:%M:%SZ) in $root"
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
else
    echo "(no nvidia-smi)"
fi
"$py" -c 'import sys; print("python", sys.version.split()[0], sys.executable)'

site="$(mktemp -d "${TMPDIR:-/tmp}/selu_xp_site.XXXXXX")"
shopt -s nullglob
carried=("$wheels"/*.whl)
shopt -u nullglob
if ((${#carried[@]})); then
    echo "== installing ${#carried[@]} wheel(s) from $wheels into $site"
    "$py" -m pip install --quiet --no-index --no-deps --target "$site" "${carried[@]}" ||
        echo "!! pip install failed; going on with what is importable"
else
    echo "!! no wheels in $wheels (make them with benchmarks/build_wheels.sh)"
fi
# -P keeps the working directory off sys.path, so that PYTHONPATH decides:
# the carried wheels first, then this tree (for benchmarks/ and a selu_xp
# that no wheel provides).
export PYTHONPATH="$site:$root${PYTHONPATH:+:$PYTHONPATH}"
export XLA_PYTHON_CLIENT_PREALLOCATE=false
"$py" -P - <<'EOF'
import importlib
for name in ("selu_xp", "array_api_compat", "pytest_benchmark", "numpy", "cupy", "torch", "jax"):
    try:
        mod = importlib.import_module(name)
    except Exception as exc:
        print(f"{name}: not importable ({exc})")
    else:
        print(f"{name} {getattr(mod, '__version__', '?')} from {mod.__file__}")
EOF

echo "== tests: -k \"${TEST_FILTER:-cupy or cuda or gpu}\""
timeout "${TEST_TIMEOUT:-150}" "$py" -P -m pytest tests -q -p no:cacheprovider \
    -k "${TEST_FILTER:-cupy or cuda or gpu}" -rs
tests_rc=$?
case $tests_rc in
    0) tests_status="passed" ;;
    5) tests_status="none selected"; tests_rc=0 ;;
    124) tests_status="TIMED OUT" ;;
    *) tests_status="FAILED (exit $tests_rc)" ;;
esac

echo "== benchmark"
# SIGINT, not SIGTERM: pytest then ends the session and what was measured
# is written.
timeout -s INT -k 20 "${BENCH_TIMEOUT:-130}" "$py" -P -m benchmarks \
    --backends "${BENCH_BACKENDS:-cupy,torch-cuda,jax-gpu}" \
    --sizes "${BENCH_SIZES:-1e6,1e7,1e8}" \
    --dtypes "${BENCH_DTYPES:-float32,float64}" \
    --out "$out"
bench_rc=$?
case $bench_rc in
    0) bench_status="ran" ;;
    124) bench_status="TIMED OUT (partial results in $out)" ;;
    *) bench_status="FAILED (exit $bench_rc)" ;;
esac

echo "== summary: tests $tests_status; benchmark $bench_status; results in $out"
rm -rf "$site"
[ "$tests_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ]
