"""The compiled kernel: correct rounding, the same bits at every dispatch
level and under NumPy's own SIMD levels, special values, and the ufunc's
behaviour (out=, strides, read-only and in-place inputs, no warnings)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import selu_xp
from benchmarks import rounding
from selu_xp._backends import numpy as numpy_backend
from selu_xp._constants import SELU_SCALE, SELU_SCALE_ALPHA
from selu_xp._family import BY_NAME
from selu_xp._kernels.coefficients import coefficient_pairs
from selu_xp.testing.oracle import max_ulp

from ._processes import run_command, run_python

_ufunc = pytest.importorskip(
    "selu_xp._kernels._ufunc", reason="the compiled kernel was not built here"
)

FUNCTIONS = list(rounding.FUNCTIONS)
LEVELS = list(_ufunc.levels())
ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def _at_level(name: str) -> Iterator[str]:
    """The kernel forced to dispatch level `name`, then set back."""
    previous = _ufunc.get_level()
    _ufunc.set_level(name)
    try:
        yield name
    finally:
        _ufunc.set_level(previous)


@pytest.fixture(params=LEVELS)
def level(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each dispatch level this CPU can run, forced for the test."""
    with _at_level(request.param) as name:
        yield name


def _float32_sample(n: int = 1_000_000) -> np.ndarray:
    """Random bit patterns and the regions where rounding is hardest."""
    rng = np.random.default_rng(20260101)
    bits = rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32)
    subnormal = np.arange(1, 2**23, 97, dtype=np.uint32)
    return np.concatenate(
        [
            bits.view(np.float32),
            subnormal.view(np.float32),
            -subnormal.view(np.float32),
            -np.geomspace(1e-38, 1e-3, 100_001).astype(np.float32),  # tiny
            np.linspace(-0.33, -0.29, 100_001, dtype=np.float32),  # near -0.31
            np.linspace(-104.0, -15.0, 100_001, dtype=np.float32),  # saturation
            np.asarray(
                [0.0, -0.0, np.inf, -np.inf, np.nan, 3.4e38, -3.4e38], np.float32
            ),
        ]
    )


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float32_correctly_rounded_on_a_sample(name: str, level: str) -> None:
    outcome = rounding.check(name, _float32_sample(), numpy_backend.kernel_ufunc(name))
    assert outcome.misrounded == 0, outcome


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float16_correctly_rounded_exhaustively(name: str) -> None:
    x = np.arange(2**16, dtype=np.uint16).view(np.float16)
    outcome = rounding.check(name, x, numpy_backend.kernel_ufunc(name), np.float16)
    assert outcome.misrounded == 0, outcome


def test_the_check_catches_a_misrounded_result() -> None:
    x = _float32_sample(10_000)
    f = numpy_backend.kernel_ufunc("selu")

    def one_off(v: np.ndarray) -> np.ndarray:
        y = f(v)
        y[123] = np.nextafter(y[123], np.float32(np.inf))
        return y

    assert rounding.check("selu", x, one_off).misrounded == 1
    # NumPy's own float32 expm1 is not correctly rounded (and on some CPUs
    # its SIMD loop flags NaN inputs as invalid).
    with np.errstate(invalid="ignore"):
        naive = rounding.check(
            "elu", x, lambda v: np.where(v > 0, v, np.expm1(np.minimum(v, 0)))
        )
    assert naive.misrounded > 0


def _float64_grid() -> np.ndarray:
    rng = np.random.default_rng(7)
    return np.concatenate(
        [
            np.linspace(-40.0, 5.0, 200_001),
            -np.geomspace(1e-300, 1.0, 20_001),
            -rng.uniform(0, 700, 50_000),  # normal results (subnormal below)
            rng.standard_normal(50_000),
        ]
    )


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float64_within_one_ulp(name: str, level: str) -> None:
    x = _float64_grid()[::7]  # the mpmath reference is the slow part
    y = numpy_backend.kernel_ufunc(name)(x)
    err = max_ulp(name, x, y, "float64")
    assert err <= 1.0, f"{name}: {err:.3f} ULP"


def _mixed(dtype: str) -> np.ndarray:
    if dtype == "float16":
        return np.arange(2**16, dtype=np.uint16).view(np.float16)
    if dtype == "float32":
        return _float32_sample(200_000)
    return np.concatenate([_float64_grid(), [np.inf, -np.inf, np.nan, -0.0, 1e308]])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_level_gives_the_same_bits(name: str, dtype: str) -> None:
    x = _mixed(dtype)
    f = numpy_backend.kernel_ufunc(name)
    results = {}
    for lvl in LEVELS:
        with _at_level(lvl):
            results[lvl] = f(x).view(f"u{x.itemsize}")
    for lvl in LEVELS[1:]:
        np.testing.assert_array_equal(results[lvl], results[LEVELS[0]], err_msg=lvl)


def test_level_switch_refuses_unknown_levels() -> None:
    with pytest.raises(ValueError, match="unknown kernel level"):
        _ufunc.set_level("sse9")
    assert _ufunc.get_level() in LEVELS


_NEG = 1.7580993408473768  # scale * alpha, rounded once
# input, then selu, elu, selu_derivative, elu_derivative there (the
# derivatives take the left branch at 0).
SPECIALS = [
    (-0.0, (-0.0, -0.0, _NEG, 1.0)),
    (0.0, (0.0, 0.0, _NEG, 1.0)),
    (np.inf, (np.inf, np.inf, selu_xp.SELU_SCALE, 1.0)),
    (-np.inf, (-_NEG, -1.0, 0.0, 0.0)),
]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("index", range(4))
def test_special_values(index: int, dtype: str) -> None:
    name = FUNCTIONS[index]
    f = getattr(selu_xp, name)
    for x, expected in SPECIALS:
        want = np.asarray(expected[index]).astype(dtype)
        with np.errstate(all="raise"):
            got = f(np.asarray([x], dtype=dtype))
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, [want])
        assert np.signbit(got[0]) == np.signbit(want)
    assert np.isnan(f(np.asarray([np.nan], dtype=dtype))[0])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_no_floating_point_warning_for_any_input(name: str) -> None:
    x = np.arange(0, 2**32, 4099, dtype=np.uint64).astype(np.uint32).view(np.float32)
    f = getattr(selu_xp, name)
    with np.errstate(invalid="ignore"):  # casting signalling NaNs
        x64 = x.astype(np.float64)
    with np.errstate(all="raise"):
        f(x)
        f(x64)
        f(np.asarray([1e308, -1e308, 5e-324, -5e-324, -800.0]))
        f(np.arange(2**16, dtype=np.uint16).view(np.float16))


# fesetround's modes, as glibc defines them on x86-64.
_ROUNDING_MODES = {"downward": 0x400, "upward": 0x800, "toward zero": 0xC00}


def _environment_inputs() -> list[np.ndarray]:
    """Subnormal, tiny and ordinary inputs, small and large enough to be
    split over the pool's threads."""
    rng = np.random.default_rng(17)
    small = np.asarray([-2.3e-39, -3.0, -1e-30, -0.5, -1e-45, -80.0, 2.5])
    n = numpy_backend.PARALLEL_MIN * 2 + 5
    large = -np.abs(rng.standard_normal(n)) * 10.0 ** rng.integers(-44, 2, n)
    subnormal64 = -np.abs(rng.standard_normal(1000)) * 1e-310
    out = []
    for dtype in ("float16", "float32", "float64"):
        with np.errstate(all="ignore"):
            out += [small.astype(dtype), large.astype(dtype)]
    return [*out, subnormal64]


def _all_bits(name: str, xs: list[np.ndarray]) -> list[np.ndarray]:
    f = getattr(selu_xp, name)
    return [f(x).view(f"u{x.itemsize}").copy() for x in xs]


@pytest.mark.skipif(
    sys.platform != "linux" or os.uname().machine != "x86_64",
    reason="the rounding-mode constants are glibc's on x86-64",
)
@pytest.mark.parametrize("mode", list(_ROUNDING_MODES))
@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_same_bits_in_any_rounding_mode(name: str, mode: str) -> None:
    """The shifter-based reductions need round-to-nearest: the kernel sets
    it, and gives the caller's mode back."""
    import ctypes

    libm = ctypes.CDLL("libm.so.6")
    xs = _environment_inputs()
    want = _all_bits(name, xs)
    assert libm.fesetround(_ROUNDING_MODES[mode]) == 0
    try:
        with selu_xp.num_threads(2):
            got = _all_bits(name, xs)
        still = libm.fegetround()
    finally:
        libm.fesetround(0)
    assert still == _ROUNDING_MODES[mode]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_same_bits_with_flush_to_zero(name: str) -> None:
    """Flush-to-zero and denormals-are-zero, as XLA's and TensorFlow's
    threads and -ffast-math libraries set them: subnormal inputs and results
    keep their values, and the caller's setting stays."""
    torch = pytest.importorskip(
        "torch", reason="torch.set_flush_denormal sets FTZ and DAZ here"
    )
    xs = _environment_inputs()
    want = _all_bits(name, xs)
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU has no flush-to-zero mode")
    try:
        with selu_xp.num_threads(2):
            got = _all_bits(name, xs)
        flushed = np.float32(1e-39) * np.float32(1.0)
    finally:
        torch.set_flush_denormal(False)
    assert flushed == 0.0  # the caller's mode is back
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert np.any(want[2].view(np.float32) != 0)  # subnormal results exist


def test_out_strides_read_only_and_in_place() -> None:
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((40, 30)) * 5).astype(np.float32)
    expected = selu_xp.selu(x)
    f = numpy_backend.kernel_ufunc("selu")
    np.testing.assert_array_equal(f(x[::2, ::3]), expected[::2, ::3])
    np.testing.assert_array_equal(f(x.T), expected.T)
    frozen = x.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(selu_xp.selu(frozen), expected)
    out = np.empty((30, 40), dtype=np.float32).T
    assert selu_xp.selu(x, out=out) is out
    np.testing.assert_array_equal(out, expected)
    y = x.copy()
    assert selu_xp.selu(y, out=y) is y
    np.testing.assert_array_equal(y, expected)
    # An output overlapping the input by a few elements: NumPy buffers.
    buf = x.reshape(-1).copy()
    shifted = buf[1:]
    selu_xp.selu(buf[:-1], out=shifted)
    np.testing.assert_array_equal(shifted, expected.reshape(-1)[:-1])


def _parts_on_workers(f: Callable[[], Any]) -> int:
    """Run `f` until the kernel's worker threads computed part of a call
    (a busy machine may let the calling thread take every part); returns
    how many parts they computed."""
    before = _ufunc.pool_stats()[1]
    for _ in range(200):
        f()
        done = _ufunc.pool_stats()[1] - before
        if done:
            return done
    return 0


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_threads_split_large_arrays_bit_for_bit(dtype: str) -> None:
    n = numpy_backend.PARALLEL_MIN * 3 + 17
    x = (np.random.default_rng(5).standard_normal(n) * 10).astype(dtype)
    with selu_xp.num_threads(3):
        whole = selu_xp.selu(x)
        assert _parts_on_workers(lambda: selu_xp.selu(x)) > 0
        assert _ufunc.pool_stats()[0] >= 2
    pieces = np.concatenate(
        [selu_xp.selu(x[i : i + 1000]) for i in range(0, n, 1000)]
    )  # small arrays: one thread each
    bits = f"u{x.itemsize}"
    np.testing.assert_array_equal(whole.view(bits), pieces.view(bits))
    with selu_xp.num_threads(1):
        np.testing.assert_array_equal(selu_xp.selu(x).view(bits), whole.view(bits))


def test_one_thread_keeps_calls_on_the_calling_thread() -> None:
    x = np.linspace(-5, 5, numpy_backend.PARALLEL_MIN * 4, dtype=np.float32)
    with selu_xp.num_threads(1):
        before = _ufunc.pool_stats()[1]
        for _ in range(20):
            selu_xp.selu(x)
        assert _ufunc.pool_stats()[1] == before


def test_thread_count_is_checked_and_restored() -> None:
    start = selu_xp.get_num_threads()
    for bad in (0, -1, 257, 2.0, True, "2"):
        with pytest.raises(ValueError, match="thread count must be an integer"):
            selu_xp.set_num_threads(bad)  # type: ignore[arg-type]
    with selu_xp.num_threads(2):
        assert selu_xp.get_num_threads() == 2
        assert _ufunc.get_num_threads() == 2
    assert selu_xp.get_num_threads() == start == _ufunc.get_num_threads()


@pytest.mark.parametrize(
    ("value", "expected"), [("3", "3"), ("", "cpus"), ("zero", "error")]
)
def test_thread_count_from_the_environment(value: str, expected: str) -> None:
    code = (
        "import os, selu_xp; "
        "print(selu_xp.get_num_threads(), len(os.sched_getaffinity(0)))"
    )
    run = run_python("-c", code, env={"SELU_XP_NUM_THREADS": value})
    if expected == "error":
        assert run.returncode != 0
        assert "SELU_XP_NUM_THREADS must be an integer" in run.stderr
        return
    got, cpus = run.stdout.split()
    assert got == (cpus if expected == "cpus" else expected), run.stderr


def test_the_first_call_takes_the_quick_entry() -> None:
    """A process's first call on an ndarray goes straight to the kernel: it
    does not import array-api-compat's NumPy namespace, whose first import
    loads every lazy NumPy submodule (the slow first call)."""
    code = (
        "import sys, numpy as np, selu_xp\n"
        "y = selu_xp.selu(np.linspace(-1, 1, 10**5, dtype=np.float32))\n"
        "print('array_api_compat.numpy' in sys.modules, 'numpy.f2py' in sys.modules)"
    )
    run = run_python("-c", code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "False"]


_THREADPOOLCTL = """
import sys
order = sys.argv[1].split(",")
for name in order:
    __import__(name)
import selu_xp, threadpoolctl
(entry,) = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "selu_xp"]
assert entry["internal_api"] == "selu_xp" and entry["version"] == selu_xp.__version__
assert entry["num_threads"] == selu_xp.get_num_threads() == 3, entry
with threadpoolctl.threadpool_limits(limits=1):
    assert selu_xp.get_num_threads() == 1
with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
    assert selu_xp.get_num_threads() == 3
with threadpoolctl.threadpool_limits(limits={"selu_xp": 2}):
    assert selu_xp.get_num_threads() == 2
    with selu_xp.num_threads(1):
        assert selu_xp.get_num_threads() == 1
    assert selu_xp.get_num_threads() == 2
assert selu_xp.get_num_threads() == 3
print("ok")
"""


@pytest.mark.parametrize("order", ["selu_xp,threadpoolctl", "threadpoolctl,selu_xp"])
def test_threadpoolctl_sees_and_limits_the_pool(order: str) -> None:
    """threadpoolctl lists the kernel's pool and its limits set the count,
    whichever of the two is imported first."""
    result = run_python("-c", _THREADPOOLCTL, order, env={"SELU_XP_NUM_THREADS": "3"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_threads_work_in_a_forked_child() -> None:
    x = np.linspace(-5, 5, numpy_backend.PARALLEL_MIN * 4, dtype=np.float32)
    with selu_xp.num_threads(2):
        expected = selu_xp.selu(x)  # the parent's workers exist now
        code = (
            "import os, sys, numpy as np, selu_xp\n"
            f"x = np.linspace(-5, 5, {x.size}, dtype=np.float32)\n"
            "selu_xp.set_num_threads(2)\n"
            "want = selu_xp.selu(x)\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    ok = all((selu_xp.selu(x) == want).all() for _ in range(50))\n"
            "    os._exit(0 if ok else 3)\n"
            "_, status = os.waitpid(pid, 0)\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n"
        )
        run = run_python("-c", code)
    assert run.returncode == 0, run.stderr
    assert expected.dtype == np.float32


def test_kernel_info_names_the_level() -> None:
    info = numpy_backend.kernel_info()
    assert _ufunc.get_level() in info
    assert "compiled kernel" in info


# NumPy's own dispatch (its expm1 and exp, used by the generic path and the
# reference) changes with its SIMD level: the accuracy tests must hold at
# the lowest one too.
_NUMPY_LOW = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"


@pytest.mark.skipif(
    not hasattr(np, "show_runtime") or sys.platform != "linux",
    reason="NumPy's dispatch names are checked on x86-64 Linux",
)
def test_accuracy_with_numpy_simd_disabled() -> None:
    from numpy._core._multiarray_umath import __cpu_dispatch__

    if not set(_NUMPY_LOW.split()) & set(__cpu_dispatch__):
        pytest.skip(f"this NumPy dispatches none of {_NUMPY_LOW} here")
    run = run_python(
        *("-m", "pytest", "-q", "-p", "no:cacheprovider"),
        *("tests/test_accuracy.py", "tests/test_kernel.py"),
        *("-k", "(numpy or strict or dask or float) and not simd_disabled"),
        env={"NPY_DISABLE_CPU_FEATURES": _NUMPY_LOW},
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout


def test_without_the_compiled_kernel_the_generic_path_runs() -> None:
    """As after an install without a C compiler: the extension is absent."""
    program = (
        "import sys\n"
        "sys.modules['selu_xp._kernels._ufunc'] = None  # makes the import fail\n"
        "import numpy as np, selu_xp\n"
        "from selu_xp._backends.numpy import kernel_info\n"
        "x = np.asarray([-1.0, 0.0, 2.0], dtype=np.float32)\n"
        "print(kernel_info())\n"
        "print(selu_xp.selu(x).tolist(), selu_xp.selu(x).dtype)\n"
    )
    run = run_python("-c", program)
    assert run.returncode == 0, run.stderr
    first, second = run.stdout.splitlines()
    assert first.startswith("generic array-API path (compiled kernel not built")
    with np.errstate(all="ignore"):
        expected = selu_xp.selu(np.asarray([-1.0, 0.0, 2.0], dtype=np.float32))
    assert second == f"{expected.tolist()} float32"


def test_every_derived_constant_is_rederived() -> None:
    """The header's constants block is exactly what derive.py computes now
    (the Remez fit, the table, the splits of ln2, the rounding test's
    width), so no constant of the kernel is typed by hand."""
    from selu_xp._kernels import derive

    text = derive.HEADER.read_text()
    assert derive.header_block(text) == derive.block()


def test_the_exact_evaluation_splits_ln2_as_the_kernel() -> None:
    """The generic path's exact evaluation (selu_xp._rounding) derives ln2's
    split itself, from a series in rationals: it is the kernel's."""
    from selu_xp import _rounding
    from selu_xp._kernels import derive

    splits = derive.ln2_splits()
    keys = ("SX_LN2_HI", "SX_LN2_LO", "SX_LN2_LO2", "SX_INV_LN2")
    assert _rounding.ln2_split() == tuple(splits[k] for k in keys)


def test_the_careful_port_reads_the_derived_constants() -> None:
    """selu_xp._careful (the float64 evaluation in array operations) reads
    the header's derived block: every constant and both tables, as
    derive.py computes them."""
    from selu_xp import _careful
    from selu_xp._kernels import derive

    read = _careful.kernel_constants()
    assert read["sx_exp2_table"] == tuple(derive.table())
    assert read["sx_exp2_table_lo"] == tuple(derive.table_lo())
    careful, _ = derive.careful_coefficients()
    assert [read[f"SX_D{i}"] for i in range(3, 8)] == list(careful)
    for name, value in derive.ln2_splits().items():
        assert read[name] == value


@pytest.mark.parametrize(("pos", "neg"), [(1.0, 1.0), (1.0, 0.25), (2.0, -3.5)])
def test_the_careful_port_has_the_float64_kernels_bits(pos: float, neg: float) -> None:
    """The float64 evaluation in NumPy operations (selu_xp._careful, the
    generic path's and TensorFlow's) against the kernel's float64 loop, for
    ELU-shaped coefficients other than SELU's, on random bit patterns and
    the clamps' neighbourhoods (SELU itself: tests/test_same_bits.py)."""
    from selu_xp import _careful
    from selu_xp._backends.numpy import kernel_ufunc_for

    rng = np.random.default_rng(64)
    x = np.concatenate(
        [
            rng.integers(0, 2**64, 10**5, dtype=np.uint64).view(np.float64),
            -rng.uniform(0, 800, 10**5),
            np.asarray([-60.0, -60.5, -760.0, -761.0, -745.2, -5e-324, -0.0, 0.0]),
        ]
    )
    kernel = {d: kernel_ufunc_for(pos, neg, d) for d in (False, True)}
    if kernel[False] is None:
        pytest.skip("coefficients outside the kernel's range")
    left = np.where(x > 0, 0.0, x)
    pair = (neg, 0.0)
    with np.errstate(all="ignore"):
        family = np.where(x > 0, pos * x, _careful.neg_expm1(left, pair, np))
        slope = np.where(x > 0, pos, _careful.neg_exp(left, pair, np))
        for got, want in ((family, kernel[False](x)), (slope, kernel[True](x))):
            same = (got.view(np.uint64) == want.view(np.uint64)) | (
                np.isnan(got) & np.isnan(want)
            )
            assert same.all(), x[~same][:4]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_exact_evaluation_rounds_the_hard_inputs_right(name: str) -> None:
    """selu_xp._rounding's exact evaluation, on NumPy, on every float32 input
    the exhaustive run decided with mpmath, and on float16 ones: the
    kernel's bits (which are correctly rounded)."""
    import json

    from selu_xp import _rounding

    record = json.loads(rounding.HARD_INPUTS.read_text())
    x = np.asarray(record["functions"][name], dtype=np.uint32).view(np.float32)
    member = BY_NAME[name]
    pairs = coefficient_pairs(member.pos, member.neg)
    derivative = member.derivative
    halves = _every_float16()
    halves = halves[~np.isnan(halves)]  # never flagged: NaN stays NaN
    for dtype, values in (("float32", x), ("float16", halves)):
        pair = _rounding.exact(values.astype(np.float64), pairs, derivative, np)
        got = _rounding.round_pair(pair, np.dtype(dtype), np)
        want = numpy_backend.kernel_ufunc(name)(values)
        bits = f"u{values.itemsize}"
        np.testing.assert_array_equal(got.view(bits), want.view(bits))


def _every_float16() -> np.ndarray:
    return np.arange(2**16, dtype=np.uint16).view(np.float16)


def _worst_expm1_error(
    coefficients: tuple[float, ...],
    form: Callable[[Any, Any], Any],
    rng: np.random.Generator,
    h: float,
) -> float:
    """The largest relative error against expm1, in mpmath, of ``form(r,
    q)`` with q the polynomial of `coefficients` at r, at 2,000 random
    points r of [-h, h]."""
    import mpmath

    worst = 0.0
    for r in rng.uniform(-h, h, 2000):
        rr = mpmath.mpf(float(r))
        q = mpmath.mpf(0)
        for c in reversed(coefficients):
            q = mpmath.mpf(c) + rr * q
        exact = mpmath.expm1(rr)
        worst = max(worst, float(abs((form(rr, q) - exact) / exact)))
    return worst


def test_the_derived_polynomial_and_bound_hold() -> None:
    """An independent look at the derived numbers: the table against
    2^(j/32) in mpmath, the polynomial's relative error at 2,000 random
    points of the reduced range, and the bound below the rounding test's
    half width."""
    import mpmath

    from selu_xp._kernels import derive

    mpmath.mp.dps = 40
    for j, entry in enumerate(derive.table()):
        exact = mpmath.mpf(2) ** (mpmath.mpf(j) / 32)
        assert abs(mpmath.mpf(entry) - exact) <= exact * 2.0**-53
    coefficients, error = derive.fast_coefficients()
    h = derive.REDUCED_MAX
    rng = np.random.default_rng(11)
    worst = _worst_expm1_error(coefficients, lambda r, q: r * (1 + r * q), rng, h)
    assert worst <= error < 2.0**-46
    bound = derive.fast_error_bound(error)
    assert bound < derive.rounding_test_width(bound) / 2
    assert h >= float(mpmath.log(2) / 64) * (1 + 2.0**-40)
    # The careful (float64) polynomial, and its bounds within 0.55 ulp.
    careful, careful_error = derive.careful_coefficients()
    worst = _worst_expm1_error(careful, lambda r, q: r + r * r / 2 + r**3 * q, rng, h)
    assert worst <= careful_error < 2.0**-64
    assert all(b < 0.05 * 2.0**-53 for b in derive.careful_error_bounds(careful_error))
    for j, lo in enumerate(derive.table_lo()):
        exact = mpmath.mpf(2) ** (mpmath.mpf(j) / 32)
        assert abs(mpmath.mpf(derive.table()[j]) + lo - exact) <= exact * 2.0**-105


def test_the_stated_float64_bounds_are_the_derived_ones() -> None:
    """The float64 bounds that the docs, the changelog and the header state
    (in ULP, on the negative side) are derive.py's, rounded up."""
    import math

    from selu_xp._kernels import derive

    _, error = derive.careful_coefficients()
    family, derivative = (
        f"{math.ceil((0.5 + b * 2**53) * 100) / 100:.2f}"
        for b in derive.careful_error_bounds(error)
    )
    backends = " ".join((ROOT / "docs" / "backends.md").read_text().split())
    assert f"{family} ULP for `selu` and `elu` and {derivative} ULP" in backends
    changelog = " ".join((ROOT / "CHANGELOG.md").read_text().split())
    assert (
        f"{family} ULP (`selu`, `elu`) and {derivative} ULP (derivatives)" in changelog
    )
    header = derive.HEADER.read_text()
    assert f"{family} ulp" in header
    assert f"{derivative} ulp" in header


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("offset", [0, 8, 64, 248, 256, 1024, 3840, 4088])
def test_contiguous_loops_agree_with_the_scalar_source_at_any_offset(
    dtype: str, offset: int, level: str
) -> None:
    """The contiguous loops read their input directly or through the stack
    block, by the page offsets of input and output: both ways, in place too,
    give the bits of the per-element functions (a strided output runs
    those)."""
    f: Any = numpy_backend.kernel_ufunc("selu")
    x = _mixed(dtype)[:40_000]
    itemsize = np.dtype(dtype).itemsize
    expected = np.empty(2 * x.size, dtype)[::2]
    f(x, out=expected)  # strided: the per-element functions
    buffer = np.empty(x.size * itemsize + 8192, np.uint8)
    start = (-buffer.ctypes.data) % 4096 + offset
    y = buffer[start : start + x.size * itemsize].view(dtype)
    f(x, out=y)
    assert np.array_equal(y.view(f"u{itemsize}"), expected.view(f"u{itemsize}"))
    z = x.copy()
    f(z, out=z)
    assert np.array_equal(z.view(f"u{itemsize}"), expected.view(f"u{itemsize}"))


def test_the_coefficients_are_the_papers_double_doubles() -> None:
    """The default SELU computes with the paper's constants to about 106
    bits, other coefficients with their doubles; none are given for a `neg`
    outside the range the kernel's clamps are exact for."""
    from fractions import Fraction

    from selu_xp._constants import PAPER_ALPHA, PAPER_SCALE
    from selu_xp._kernels.coefficients import NEG_RANGE, kernel_coefficients

    pairs = kernel_coefficients(SELU_SCALE, SELU_SCALE_ALPHA)
    assert pairs is not None
    scale = Fraction(PAPER_SCALE)
    for hi, lo, exact in (
        (*pairs[:2], scale),
        (*pairs[2:], scale * Fraction(PAPER_ALPHA)),
    ):
        assert hi == float(exact)
        assert abs(Fraction(hi) + Fraction(lo) - exact) <= exact * Fraction(2) ** -106
    assert kernel_coefficients(1.0, 0.7) == (1.0, 0.0, 0.7, 0.0)
    for neg in (0.0, *NEG_RANGE, -NEG_RANGE[0], -NEG_RANGE[1]):
        assert kernel_coefficients(1.0, neg) == (1.0, 0.0, neg, 0.0)
    for neg in (NEG_RANGE[0] / 2, NEG_RANGE[1] * 2, np.inf, np.nan):
        assert kernel_coefficients(1.0, neg) is None


def _significant_bits(v: float) -> int:
    """How many bits the significand of `v` needs."""
    m, _ = np.frexp(v)
    bits = 0
    while m != int(m):
        m *= 2
        bits += 1
    return bits


@pytest.mark.parametrize(
    ("neg_hi", "neg_lo"),
    [
        coefficient_pairs(SELU_SCALE, SELU_SCALE_ALPHA)[2:],
        (1.0, 0.0),
        (-0.7, 0.0),
        (2.0**-20, 0.0),
        (1.1 * 2.0**19, 2.0**-40),
    ],
)
def test_the_float64_table_holds_the_coefficient(neg_hi: float, neg_lo: float) -> None:
    """The float64 path's table: entry 0 is the coefficient itself (n1, n2),
    each entry is neg 2^(j/32) 2^200 within 2^-77 with a 26-bit high part,
    and no entry times 2^-1 exceeds n1 (the fast two-sum's condition)."""
    import mpmath

    mpmath.mp.dps = 50
    n1, n2, hi, lo = _ufunc.fold(neg_hi, neg_lo)
    neg = (mpmath.mpf(neg_hi) + mpmath.mpf(neg_lo)) * mpmath.mpf(2) ** 200
    assert abs(mpmath.mpf(n1) + n2 - neg) <= abs(neg) * 2.0**-80
    assert _significant_bits(n1) <= 26
    assert (hi[0], lo[0]) == (n1, n2)
    for j in range(32):
        exact = (mpmath.mpf(n1) + n2) * mpmath.mpf(2) ** (mpmath.mpf(j) / 32)
        assert abs(mpmath.mpf(hi[j]) + lo[j] - exact) <= abs(exact) * 2.0**-77
        assert _significant_bits(hi[j]) <= 26
        assert abs(hi[j]) / 2 < abs(n1)


# CuPy's kernels as its ElementwiseKernel assembles them: the header as the
# preamble, then per kernel a function whose x and y are one element.  The
# C form, with a few CUDA intrinsics, builds the header's GPU branch on the
# CPU, so that the tests run the GPU's code without a GPU.
_CUDA_KERNEL = """
extern "C" __global__ void {name}(const {t} *_raw_x, {params}, {t} *_raw_y, int n)
{{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {{
        const {t} &x = _raw_x[i];
        {t} &y = _raw_y[i];
        {operation}
    }}
}}
"""
_C_SHIM = """
#include <string.h>
#define __CUDACC_RTC__ 1
#define __device__
static inline long long __double_as_longlong(double d)
{ long long u; memcpy(&u, &d, sizeof u); return u; }
static inline double __longlong_as_double(long long u)
{ double d; memcpy(&d, &u, sizeof d); return d; }
static inline float __uint_as_float(unsigned int u)
{ float f; memcpy(&f, &u, sizeof f); return f; }
"""
_C_KERNEL = """
void {name}(const {t} *_raw_x, {params}, {t} *_raw_y, long n)
{{
    long i;
    for (i = 0; i < n; i++) {{
        const {t} x = _raw_x[i];
        {t} y;
        {operation}
        _raw_y[i] = y;
    }}
}}
"""
_C_TYPES = {"float64": "double", "float32": "float", "uint16": "unsigned short"}
_KERNEL_DTYPES = ("float16", "float32", "float64")


def _cupy_source(template: str) -> str:
    """The header and every kernel of selu_xp._backends.cupy, in `template`."""
    from selu_xp._backends import cupy as cupy_backend

    parts = [cupy_backend.source()]
    for dtype in _KERNEL_DTYPES:
        for derivative in (False, True):
            params, out, operation, name = cupy_backend.kernel_arguments(
                dtype, derivative
            )
            declared = [p.split() for p in params.split(",")]
            (t, x), *scalars = ((_C_TYPES[k], v) for k, v in declared)
            assert x == "x"
            assert out == f"{declared[0][0]} y"
            parts.append(
                template.format(
                    name=name,
                    t=t,
                    params=", ".join(f"{k} {v}" for k, v in scalars),
                    operation=operation,
                )
            )
    return "\n".join(parts)


def _compile(*command: str) -> None:
    """Run a compiler; its messages are the failure if it fails."""
    # It runs without the sanitizers a kernel test run may preload.
    run = run_command(*command, env={"LD_PRELOAD": ""})
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
def test_cuda_source_compiles(arch: str, tmp_path: Path) -> None:
    """CuPy's kernels compile as CUDA C++ for Ampere and Hopper, with FMA
    contraction off as CuPy builds them (no GPU needed to compile)."""
    import shutil

    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not on PATH (the nvidia-cuda-nvcc wheel provides it)")
    cu = tmp_path / "elu_family_test.cu"
    cu.write_text(_cupy_source(_CUDA_KERNEL))
    flags = (f"-arch={arch}", "--fmad=false", "-Werror", "all-warnings")
    _compile(nvcc, *flags, "-c", str(cu), "-o", str(tmp_path / "out.o"))


@pytest.fixture(scope="module")
def cupy_kernels_on_the_cpu(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """CuPy's kernels built from the header's GPU branch as C, loaded."""
    import ctypes
    import shutil
    import sysconfig

    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) to build CuPy's kernels as C")
    tmp = tmp_path_factory.mktemp("cupy_as_c")
    (tmp / "kernels.c").write_text(_C_SHIM + _cupy_source(_C_KERNEL))
    flags = ("-O2", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math")
    warnings = ("-Wall", "-Wextra", "-Werror")
    _compile(
        compiler,
        *flags,
        *warnings,
        "-shared",
        "-fPIC",
        str(tmp / "kernels.c"),
        "-o",
        str(tmp / "kernels.so"),
    )
    return ctypes.CDLL(str(tmp / "kernels.so"))


@pytest.mark.parametrize("dtype", _KERNEL_DTYPES)
@pytest.mark.parametrize(
    ("pos", "neg"), [(SELU_SCALE, SELU_SCALE_ALPHA), (1.0, 1.0), (1.0, 0.7)]
)
@pytest.mark.parametrize("derivative", [False, True])
def test_cupy_kernels_have_the_ufuncs_bits(
    cupy_kernels_on_the_cpu: Any,
    dtype: str,
    pos: float,
    neg: float,
    derivative: bool,
) -> None:
    """CuPy's kernels, run on the CPU through the header's GPU branch (the
    float64 table computed entry by entry, float16 as its bits), give the
    NumPy ufunc's bits for every float16 and a sample of other inputs."""
    import ctypes

    from selu_xp._backends import cupy as cupy_backend

    x = np.ascontiguousarray(_mixed(dtype))
    y = np.empty_like(x)
    name = cupy_backend.kernel_arguments(dtype, derivative)[3]
    kernel = getattr(cupy_kernels_on_the_cpu, name)
    kernel.restype = None
    pointer = ctypes.c_void_p
    kernel.argtypes = [pointer, *[ctypes.c_double] * 4, pointer, ctypes.c_long]
    kernel(x.ctypes.data, *coefficient_pairs(pos, neg), y.ctypes.data, x.size)
    want = numpy_backend.kernel_ufunc_for(pos, neg, derivative)(x)
    bits = f"u{x.itemsize}"
    np.testing.assert_array_equal(y.view(bits), want.view(bits))


def test_the_exhaustive_run_on_a_few_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m benchmarks.rounding`` in small: two chunks of negative
    float32 inputs at every level, every float16 input, a few float64 inputs;
    nothing misrounded or differing, a hard-case count per level, and the
    Markdown table for the documentation."""
    monkeypatch.setattr(rounding, "CHUNK", 1 << 16)
    record = rounding.run(chunks=2, workers=1, float64=10_000)
    assert record["inputs_per_function"] == 2 << 16
    for name, f in record["functions"].items():
        assert f["misrounded"] == 0, name
        assert set(f["levels"]) == set(LEVELS)
        assert all(v["differing_from_top"] == 0 for v in f["levels"].values())
        hard = {v["hard_cases"] for v in f["levels"].values()}
        assert len(hard) == 1, f"levels disagree on the hard cases: {hard}"
        assert all(v == 0 for v in record["float16_misrounded"][name].values())
        assert all(v == 0 for v in record["float64_differing"][name].values())
    text = rounding.markdown(record)
    assert text.count("| `selu` |") == 1 + len(LEVELS)


def test_float64_inputs_cover_the_hard_regions() -> None:
    x = rounding.float64_inputs(50_000)
    assert x.size == 50_000
    assert np.isnan(x).any()
    assert np.isinf(x).any()
    assert (np.abs(x[np.isfinite(x)]) < 2.0**-1000).any()  # subnormal
    assert np.isin([-60.0, -110.0, -130.0, -760.0], x).all()
    # The reduction's steps and half-way points, down to the derivative's
    # clamp: x 32/ln2 within 2^-40 of an integer or of a half-integer.
    k = x[np.isfinite(x) & (x < -0.01) & (x > -760.0)] * (32 / np.log(2.0))
    near = np.abs(k * 2 - np.round(k * 2)) < 2.0**-30
    assert near.sum() > 5_000
    assert (k[near] < -30_000).any()
    assert (np.abs(np.round(k[near] * 2) % 2) == 1).sum() > 2_000  # half-way


def test_the_documented_split_threshold_is_the_kernels() -> None:
    """README, API page and docstrings state the threshold the C pool uses."""
    stated = f"{_ufunc.parallel_min():,}"
    for path in ("README.md", "docs/api/index.md"):
        assert stated in " ".join((ROOT / path).read_text().split()), path
    # The Performance page types no figure: it gives the power of two.
    assert _ufunc.parallel_min() == 2**15
    assert "$2^{15}$ elements" in (ROOT / "docs" / "performance.md").read_text()
    assert stated in (selu_xp.set_num_threads.__doc__ or "")
    assert _ufunc.parallel_min() == numpy_backend.PARALLEL_MIN
