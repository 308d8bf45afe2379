"""Every CPU backend's default path gives the bits of NumPy's kernel.

float32 on 10^6 random bit patterns and every input whose rounding the
exhaustive run had to decide with mpmath (``benchmarks/results/
hard_inputs.json``); float16 and bfloat16 on all 2^16 inputs, where the
backend has them; float64 on 10^5 random bit patterns, where the kernel
runs (NumPy, PyTorch, JAX with x64, Dask) and where its float64 evaluation
is written in array operations (`selu_xp._careful`: TensorFlow,
array-api-strict, the generic path).  The functions, their gradients, and
the same under ``jax.jit``, ``torch.compile`` and ``tf.function``.

The expected bits are the kernel's ufuncs (bfloat16 through the kernel's raw
entry on NumPy buffers); the kernel itself is checked against mpmath in
tests/test_kernel.py and exhaustively by ``python -m benchmarks.rounding``.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import selu_xp
from benchmarks.rounding import HARD_INPUTS
from selu_xp import force_generic
from selu_xp._backends import numpy as numpy_backend
from selu_xp._family import DERIVATIVE_OF, NAMES

_ufunc = pytest.importorskip(
    "selu_xp._kernels._ufunc", reason="the compiled kernel was not built here"
)

FUNCTIONS = NAMES
ROOT = Path(__file__).resolve().parent.parent
_CODES = {"float16": 0, "bfloat16": 1, "float32": 2, "float64": 3}


@functools.cache
def _hard_float32() -> np.ndarray:
    """Every input the exhaustive run decided with mpmath, of any function."""
    record = json.loads(HARD_INPUTS.read_text())
    bits = sorted({b for found in record["functions"].values() for b in found})
    return np.asarray(bits, dtype=np.uint32)


@functools.cache
def inputs(dtype: str, n: int = 10**6) -> np.ndarray:
    """The inputs of `dtype` as their bits (unsigned integers)."""
    if dtype in ("float16", "bfloat16"):
        return np.arange(2**16, dtype=np.uint16)
    rng = np.random.default_rng(21)
    if dtype == "float64":
        return rng.integers(0, 2**64, n // 10, dtype=np.uint64)
    random = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    return np.concatenate([random, _hard_float32()])


def expected(name: str, dtype: str, bits: np.ndarray) -> np.ndarray:
    """The kernel's result bits for input `bits` of `dtype`."""
    f = numpy_backend.kernel_ufunc(name)
    out = np.empty_like(bits)
    _ufunc.apply(f, _CODES[dtype], bits.ctypes.data, out.ctypes.data, bits.size)
    return out


def assert_same(name: str, dtype: str, bits: np.ndarray, got: np.ndarray) -> None:
    want = expected(name, dtype, bits)
    got = np.ascontiguousarray(got).view(want.dtype).reshape(-1)
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, (
        f"{name} {dtype}: {bad.size} of {bits.size} differ, first inputs "
        f"{[hex(int(b)) for b in bits[bad[:4]]]}"
    )


def test_the_hard_inputs_are_recorded() -> None:
    record = json.loads(HARD_INPUTS.read_text())
    assert set(record["functions"]) == set(FUNCTIONS)
    counts = [len(v) for v in record["functions"].values()]
    assert all(c > 0 for c in counts)
    # The exhaustive run's record counts the same inputs.
    rounding = json.loads(HARD_INPUTS.with_name("rounding.json").read_text())
    for name, found in record["functions"].items():
        assert len(found) == rounding["functions"][name]["decided_by_mpmath"]


# ---- every backend, eagerly -------------------------------------------------


def _numpy_view(bits: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bfloat16":
        ml_dtypes = pytest.importorskip("ml_dtypes")
        return bits.view(ml_dtypes.bfloat16)
    return bits.view(dtype)


def _torch(name: str, dtype: str, bits: np.ndarray) -> np.ndarray:
    torch = pytest.importorskip("torch")
    signed = {2: torch.int16, 4: torch.int32, 8: torch.int64}[bits.itemsize]
    t = torch.from_numpy(bits.view(f"i{bits.itemsize}").copy()).view(
        getattr(torch, dtype)
    )
    return getattr(selu_xp, name)(t).view(signed).numpy()


def _jax(name: str, dtype: str, bits: np.ndarray) -> np.ndarray:
    jax = pytest.importorskip("jax")
    context = jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()
    with context:
        x = jax.numpy.asarray(_numpy_view(bits, dtype))
        return np.asarray(getattr(selu_xp, name)(x))


def _tensorflow(name: str, dtype: str, bits: np.ndarray) -> np.ndarray:
    tf = pytest.importorskip("tensorflow")
    x = tf.bitcast(tf.constant(bits.view(f"i{bits.itemsize}")), getattr(tf, dtype))
    y = getattr(selu_xp, name)(x)
    return tf.bitcast(y, {2: tf.int16, 4: tf.int32, 8: tf.int64}[bits.itemsize]).numpy()


def _dask(name: str, dtype: str, bits: np.ndarray) -> np.ndarray:
    da = pytest.importorskip("dask.array")
    x = da.from_array(_numpy_view(bits, dtype), chunks=bits.size // 3 + 1)
    return np.asarray(getattr(selu_xp, name)(x).compute())


def _strict(name: str, dtype: str, bits: np.ndarray) -> np.ndarray:
    xp = pytest.importorskip("array_api_strict")
    y = getattr(selu_xp, name)(xp.asarray(bits.view(dtype)))
    return np.asarray(y)


def _generic(name: str, dtype: str, bits: np.ndarray) -> np.ndarray:
    with force_generic():
        return np.asarray(getattr(selu_xp, name)(_numpy_view(bits, dtype)))


# backend -> (how it computes, the dtypes it has)
BACKENDS: dict[str, tuple[Callable[..., np.ndarray], tuple[str, ...]]] = {
    "torch": (_torch, ("float16", "bfloat16", "float32", "float64")),
    "jax": (_jax, ("float16", "bfloat16", "float32", "float64")),
    "tensorflow": (_tensorflow, ("float16", "bfloat16", "float32", "float64")),
    "dask": (_dask, ("float16", "float32", "float64")),
    "array_api_strict": (_strict, ("float32", "float64")),
    "generic": (_generic, ("float16", "float32", "float64")),
}
CASES = [(b, d) for b, (_, dtypes) in BACKENDS.items() for d in dtypes]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN inputs, dask's
@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize(
    ("backend", "dtype"), CASES, ids=[f"{b}-{d}" for b, d in CASES]
)
def test_default_path_has_the_kernels_bits(backend: str, dtype: str, name: str) -> None:
    compute = BACKENDS[backend][0]
    bits = inputs(dtype)
    assert_same(name, dtype, bits, compute(name, dtype, bits))


# ---- gradients --------------------------------------------------------------

GRADIENT_INPUTS = 10**5


def _gradient_bits() -> np.ndarray:
    bits = inputs("float32")[:GRADIENT_INPUTS]
    x = bits.view(np.float32)
    return bits[np.isfinite(x)]  # inf - inf and NaN gradients aside


def test_torch_gradient_is_the_derivative_kernel() -> None:
    torch = pytest.importorskip("torch")
    bits = _gradient_bits()
    for name in DERIVATIVE_OF:
        x = torch.from_numpy(bits.view(np.float32).copy()).requires_grad_()
        getattr(selu_xp, name)(x).sum().backward()
        assert x.grad is not None
        assert_same(f"{name}_derivative", "float32", bits, x.grad.numpy())


def test_jax_gradient_is_the_derivative_kernel() -> None:
    """The derivative kernel's bits, but where they are subnormal: the
    custom JVP multiplies them by the tangent in XLA, whose CPU code flushes
    subnormal products to zero (a documented difference)."""
    jax = pytest.importorskip("jax")
    bits = _gradient_bits()
    for name in DERIVATIVE_OF:
        f = getattr(selu_xp, name)
        x = jax.numpy.asarray(bits.view(np.float32))
        grad = np.asarray(jax.grad(lambda v, f=f: f(v).sum())(x))
        want = expected(f"{name}_derivative", "float32", bits).view(np.float32)
        subnormal = np.abs(want) < np.finfo(np.float32).tiny
        assert np.any(subnormal)
        assert np.all(grad[subnormal] == 0)
        keep = ~subnormal
        assert_same(f"{name}_derivative", "float32", bits[keep], grad[keep])


def test_tensorflow_gradient_is_the_derivative_kernel() -> None:
    tf = pytest.importorskip("tensorflow")
    bits = _gradient_bits()
    for name in DERIVATIVE_OF:
        x = tf.constant(bits.view(np.int32))
        x = tf.bitcast(x, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(getattr(selu_xp, name)(x))
        grad = tf.bitcast(tape.gradient(y, x), tf.int32).numpy()
        assert_same(f"{name}_derivative", "float32", bits, grad)


def test_tensorflow_float64_gradient_is_the_derivative_kernel() -> None:
    """float64 gradients have the derivative kernel's bits, but where they
    are subnormal: TensorFlow's multiply of the upstream gradient flushes
    them to zero (a documented difference; `selu_derivative` keeps them)."""
    tf = pytest.importorskip("tensorflow")
    bits = inputs("float64")
    bits = bits[np.isfinite(bits.view(np.float64))]
    for name in DERIVATIVE_OF:
        x = tf.bitcast(tf.constant(bits.view(np.int64)), tf.float64)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(getattr(selu_xp, name)(x))
        grad = tape.gradient(y, x).numpy()
        want = expected(f"{name}_derivative", "float64", bits).view(np.float64)
        subnormal = (want != 0) & (np.abs(want) < np.finfo(np.float64).tiny)
        assert np.any(subnormal)
        assert np.all(grad[subnormal] == 0)
        keep = ~subnormal
        assert_same(f"{name}_derivative", "float64", bits[keep], grad[keep])


# ---- under tracing ----------------------------------------------------------

TRACED = 10**5


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


@pytest.mark.filterwarnings("ignore:.*torch.jit.script_method.*:DeprecationWarning")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_torch_compile_has_the_kernels_bits(name: str) -> None:
    torch = pytest.importorskip("torch")
    bits = inputs("float32")[-TRACED:]
    f = torch.compile(getattr(selu_xp, name), fullgraph=True, dynamic=False)
    x = torch.from_numpy(bits.view(np.float32).copy())
    assert_same(name, "float32", bits, f(x).numpy())


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jax_jit_has_the_kernels_bits(name: str) -> None:
    jax = pytest.importorskip("jax")
    bits = inputs("float32")[-TRACED:]
    f = jax.jit(getattr(selu_xp, name))
    got = f(jax.numpy.asarray(bits.view(np.float32)))
    assert_same(name, "float32", bits, np.asarray(got))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_tf_function_has_the_kernels_bits(
    name: str, jit_compile: bool, dtype: str
) -> None:
    """Also float64: TensorFlow's graph optimizer and XLA keep the careful
    evaluation's roundings (no regrouped sums, folded constants or fused
    multiply-adds), and its subnormals are built from their bits."""
    tf = pytest.importorskip("tensorflow")
    bits = inputs(dtype)[-TRACED:]
    signed = {"float32": tf.int32, "float64": tf.int64}[dtype]
    f = tf.function(getattr(selu_xp, name), jit_compile=jit_compile)
    y = f(tf.bitcast(tf.constant(bits.view(f"i{bits.itemsize}")), getattr(tf, dtype)))
    assert_same(name, dtype, bits, tf.bitcast(y, signed).numpy())


@pytest.mark.parametrize("name", FUNCTIONS)
def test_tf_function_of_unknown_shape_has_the_kernels_bits(name: str) -> None:
    """float64 in a graph whose shape is unknown until it runs: the table
    is read through selections on the index's bits, not a lookup."""
    tf = pytest.importorskip("tensorflow")
    bits = inputs("float64")[-TRACED // 10 :]
    f = tf.function(
        getattr(selu_xp, name),
        input_signature=[tf.TensorSpec([None, None], tf.float64)],
    )
    x = tf.bitcast(tf.constant(bits.view(np.int64).reshape(-1, 10)), tf.float64)
    assert_same(name, "float64", bits, tf.bitcast(f(x), tf.int64).numpy())


def test_tensorflow_float64_second_derivative() -> None:
    """f'' from the derivative's own gradient: f' left of 0, 0 right of it
    (the careful evaluation's table lookups have no automatic derivative)."""
    tf = pytest.importorskip("tensorflow")
    values = [-30.0, -2.5, -1e-300, -0.0, 1e-300, 0.5]
    x = tf.Variable(values, dtype=tf.float64)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = selu_xp.selu(x)
        slope = inner.gradient(y, x)
    curvature = outer.gradient(slope, x).numpy()
    want = selu_xp.selu_derivative(np.asarray(values))
    np.testing.assert_array_equal(slope.numpy(), want)
    np.testing.assert_array_equal(curvature, np.where(np.asarray(values) > 0, 0, want))


# ---- subnormals --------------------------------------------------------------


@pytest.mark.parametrize("backend", ["torch", "jax", "tensorflow"])
def test_subnormal_inputs_and_results_keep_their_values(backend: str) -> None:
    """TensorFlow's own kernels flush float32 subnormals to zero; every
    backend's selu keeps them (subnormal results of subnormal inputs)."""
    x = np.asarray([-2.3e-39, -1e-45, 1e-40, -1e-38, -5e-39], dtype=np.float32)
    bits = x.view(np.uint32)
    got = BACKENDS[backend][0]("selu", "float32", bits)
    assert_same("selu", "float32", bits, got)
    assert np.all(got.view(np.float32)[[0, 2, 4]] != 0)
