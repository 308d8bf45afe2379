"""The backends' fast paths: accuracy, agreement with the generic path, out=,
concurrency, and what each backend keeps (Dask's chunks' path, autograd, jit).

Dask's laziness is tests/test_transforms.py::test_dask_stays_lazy."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import selu_xp
from selu_xp import _backends, force_generic
from selu_xp._backends import numpy as numpy_backend
from selu_xp._family import FAMILY, NAMES
from selu_xp.testing.oracle import reference

from ._backends import (
    BACKENDS,
    READ_ONLY,
    WRITABLE,
    Backend,
    active,
    backend_params,
)

FUNCTIONS = NAMES

# Accuracy against the mpmath reference, on both paths of every backend, is
# tests/test_accuracy.py; this module checks what is particular to the fast
# paths.


def _agreement_grid(dtype: str = "float64") -> np.ndarray:
    """Dense around 0 and the branch change, plus tiny and large magnitudes."""
    big = 6e4 if dtype == "float16" else 1e30
    return np.concatenate(
        [
            np.linspace(-40.0, 40.0, 4001),
            -np.geomspace(1e-30, 1.0, 301),
            np.geomspace(1e-30, 1.0, 301),
            [-0.0, 0.0, big, -big],
        ]
    )


@pytest.mark.parametrize("name", FUNCTIONS)
def test_fast_agrees_with_generic(
    backend_dtype: tuple[Backend, str], name: str
) -> None:
    backend, dtype = backend_dtype
    xb = backend.asarray(_agreement_grid(dtype), dtype)
    f = getattr(selu_xp, name)
    fast = backend.to_numpy(f(xb)).astype(np.float64)
    with force_generic():
        generic = backend.to_numpy(f(xb)).astype(np.float64)
    # Both are within their bounds of the exact value, so within the sum of
    # the bounds of each other (JAX's fast selu carries XLA's expm1 error).
    eps = float(np.finfo(np.float32 if dtype == "bfloat16" else dtype).eps)
    if dtype == "bfloat16":
        eps = 2.0**-7
    ulps = 8 if backend.module == "jax" else 3
    np.testing.assert_allclose(fast, generic, rtol=ulps * eps, atol=0)
    np.testing.assert_array_equal(np.signbit(fast), np.signbit(generic))


SPECIAL = [-0.0, 0.0, np.inf, -np.inf, np.nan, 1000.0, -1000.0, -50.0, 1e-5, -1e-5]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_special_values_match_generic_exactly(
    backend_dtype: tuple[Backend, str], name: str
) -> None:
    backend, dtype = backend_dtype
    xb = backend.asarray(np.asarray(SPECIAL), dtype)
    f = getattr(selu_xp, name)
    fast = backend.to_numpy(f(xb))
    with force_generic():
        generic = backend.to_numpy(f(xb))
    assert np.isnan(fast[4])
    signed = ~np.isnan(fast)  # a NaN's sign bit carries no meaning
    np.testing.assert_array_equal(np.signbit(fast[signed]), np.signbit(generic[signed]))
    if not backend.gpu and (backend.float64 or dtype != "float32"):
        # The same values, NaN where NaN: these paths have the kernel's bits.
        np.testing.assert_array_equal(fast, generic)
        return
    # GPUs, and JAX without x64 (no float64 for the generic float32): the
    # values that involve no rounding are the same, the others close.
    exact = np.isnan(fast) | ~np.isfinite(fast) | (fast == 0)
    np.testing.assert_array_equal(fast[exact], generic[exact])
    eps = 2.0**-7 if dtype == "bfloat16" else float(np.finfo(dtype).eps)
    np.testing.assert_allclose(fast[~exact], generic[~exact], rtol=8 * eps, atol=0)


# The paper's constants, and their exact product rounded once to a double.
PAPER_ALPHA = Fraction("1.6732632423543772848170429916717")
PAPER_SCALE = Fraction("1.0507009873554804934193349852946")
SCALE_ALPHA = float(PAPER_ALPHA * PAPER_SCALE)


# --- NumPy: layouts -------------------------------------------------


def _scattered_specials(n: int, seed: int) -> np.ndarray:
    """Normal values with special values at random places, block edges included."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * 20
    specials = np.asarray(
        [-0.0, 0.0, np.inf, -np.inf, np.nan, 1e308, -1e308, 5e-324, -5e-324, 1000.0]
    )
    where = rng.integers(0, n, 400)
    x[where] = rng.choice(specials, where.size)
    edges = np.arange(0, n, 65536)
    for offset, value in enumerate(specials[:4]):
        x[np.clip(edges + offset - 2, 0, n - 1)] = value
    return x


@pytest.mark.parametrize(
    "make",
    [
        lambda a: a.reshape(6, -1),
        lambda a: np.asfortranarray(a.reshape(6, -1)),
        lambda a: a[::3],
        lambda a: a.reshape(6, -1)[:, ::2].T,
        lambda a: a[::-1],
    ],
    ids=["c", "fortran", "strided", "transposed-view", "reversed"],
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numpy_layouts(make: Callable[[np.ndarray], np.ndarray], dtype: str) -> None:
    with np.errstate(over="ignore"):
        x = make(_scattered_specials(6 * 5000, 2).astype(dtype))
    y = selu_xp.selu(x)
    expected = selu_xp.selu(np.ascontiguousarray(x))
    assert y.shape == x.shape
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, expected)


# --- out= ---------------------------------------------------------------


@pytest.mark.parametrize("into", ["a new array", "the input"])
@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("backend", backend_params(WRITABLE), indirect=True)
def test_out_on_writable_backends(
    backend: Backend, name: str, into: str, path: str
) -> None:
    """Writable arrays (the others: test_out_refused_for_read_only_backends)."""
    f = getattr(selu_xp, name)
    data = _agreement_grid()
    x = backend.asarray(data, "float32")
    expected = backend.to_numpy(f(x))  # the same path, without out
    fresh = into == "a new array"
    out = backend.asarray(np.zeros_like(data), "float32") if fresh else x
    assert f(x, out=out) is out
    np.testing.assert_array_equal(backend.to_numpy(out), expected)
    if fresh:
        np.testing.assert_array_equal(backend.to_numpy(x), data.astype(np.float32))


@pytest.mark.parametrize("shift", [1, -1, 4101])
@pytest.mark.parametrize("name", ["selu", "selu_derivative"])
def test_numpy_out_partially_overlapping_input(
    shift: int, name: str, path: str
) -> None:
    n = numpy_backend.PARALLEL_MIN + 1000
    buf = np.random.default_rng(3).standard_normal(n + abs(shift)) * 5
    lo, hi = (0, abs(shift)) if shift > 0 else (abs(shift), 0)
    x = buf[lo : lo + n]
    out = buf[hi : hi + n]
    assert np.shares_memory(x, out)
    f = getattr(selu_xp, name)
    expected = f(x.copy())  # the same path, without overlap
    assert f(x, out=out) is out
    np.testing.assert_array_equal(out, expected)


def test_numpy_out_with_other_layout() -> None:
    x = np.linspace(-3, 3, 60).reshape(6, 10)
    out = np.zeros((10, 6)).T  # Fortran-ordered
    selu_xp.selu(x, out=out)
    np.testing.assert_array_equal(out, selu_xp.selu(x))
    out2 = np.zeros((6, 20))[:, ::2]  # strided
    selu_xp.elu(x, out=out2)
    np.testing.assert_array_equal(out2, selu_xp.elu(x))


@pytest.mark.parametrize(
    ("out", "error", "match"),
    [
        (np.zeros(4, dtype=np.float32), TypeError, "dtype of x"),
        (np.zeros(5), ValueError, "shape of x"),
        (np.zeros((4, 1)), ValueError, "shape of x"),
        ([0.0] * 4, TypeError, "out to be an array"),
    ],
)
def test_out_errors(out: Any, error: type[Exception], match: str, path: str) -> None:
    with pytest.raises(error, match=match):
        selu_xp.selu(np.zeros(4), out=out)


def test_out_read_only(path: str) -> None:
    out = np.zeros(4)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        selu_xp.elu(np.zeros(4), out=out)


def test_out_of_another_library() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="same library"):
        selu_xp.selu(np.zeros(3), out=torch.zeros(3, dtype=torch.float64))


@pytest.mark.parametrize("backend", backend_params(READ_ONLY), indirect=True)
def test_out_refused_for_read_only_backends(backend: Backend) -> None:
    """JAX's and TensorFlow's arrays are immutable, Dask's lazy."""
    x = backend.asarray(np.zeros(3))
    with pytest.raises(TypeError, match="immutable or lazy"):
        selu_xp.selu(x, out=backend.asarray(np.zeros(3)))


def test_out_on_another_device() -> None:
    xs = pytest.importorskip("array_api_strict")
    x = xs.asarray([1.0, 2.0])
    out = xs.asarray([0.0, 0.0], device=xs.Device("device1"))
    with pytest.raises(ValueError, match="device"):
        selu_xp.selu(x, out=out)


# --- concurrency ----------------------------------------------------------


def _concurrent_results(calls: list[Callable[[], Any]], workers: int = 8) -> list[Any]:
    barrier = threading.Barrier(workers)

    def run(i: int) -> Any:
        barrier.wait()
        return [calls[(i + k) % len(calls)]() for k in range(len(calls))]

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, range(workers)))


def test_eight_threads_share_inputs(backend: Backend, path: str) -> None:
    # Above the NumPy path's threading threshold, so that its own pool is
    # exercised under contention.
    n = numpy_backend.PARALLEL_MIN + 3
    with np.errstate(over="ignore"):
        data = {
            "float32": _scattered_specials(n, 4).astype(np.float32),
            "float64": _scattered_specials(n, 5),
        }
    dtypes = [dt for dt in ("float32", "float64") if dt in backend.dtypes()]
    inputs = {dt: backend.asarray(data[dt], dt) for dt in dtypes}
    calls = [
        (lambda f=f, dt=dt: backend.to_numpy(f(inputs[dt])))
        for f in (selu_xp.selu, selu_xp.selu_derivative, selu_xp.elu)
        for dt in dtypes
    ]
    expected = [call() for call in calls]
    generic = path == "generic"

    def in_path(call: Callable[[], Any]) -> Callable[[], Any]:
        def wrapped() -> Any:
            # The fast leg opens no block, so that it takes the quick entry.
            block = force_generic() if generic else contextlib.nullcontext()
            with active(backend), block:
                return call()

        return wrapped

    # Each thread runs all calls, starting at its own index.
    for t, results in enumerate(_concurrent_results([in_path(c) for c in calls])):
        for k, got in enumerate(results):
            np.testing.assert_array_equal(got, expected[(t + k) % len(calls)])


# --- Dask ------------------------------------------------------------------


def test_dask_chunks_take_the_numpy_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    da = pytest.importorskip("dask.array")
    calls = []
    original = numpy_backend.elu_family

    def spy(x: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append((x.shape, kwargs["threads"]))
        return original(x, *args, **kwargs)

    monkeypatch.setattr(numpy_backend, "elu_family", spy)
    x = da.from_array(np.linspace(-5, 5, 1000), chunks=300)
    selu_xp.selu(x).compute(scheduler="sync")
    # Several chunks: Dask runs them in parallel, each on one thread.
    assert sorted(calls) == [((100,), False)] + [((300,), False)] * 3
    calls.clear()
    selu_xp.selu(x.rechunk(1000)).compute(scheduler="sync")
    assert calls == [((1000,), True)]  # one chunk: NumPy's path's own threads


# --- PyTorch -------------------------------------------------------------


def test_torch_kernel_alpha_gives_the_exact_coefficient() -> None:
    pytest.importorskip("torch")
    from selu_xp._backends.torch import kernel_alpha

    rng = np.random.default_rng(6)
    cases = [(float(PAPER_SCALE), SCALE_ALPHA), (1.0, 1.0), (1.0, 0.3)]
    cases += [(float(p), float(q)) for p, q in rng.uniform(0.1, 10, (50, 2))]
    for pos, neg in cases:
        alpha = kernel_alpha(pos, neg, True)
        assert alpha is not None
        assert alpha * pos == neg, (pos, neg)
        # What the product means: the double nearest the exact product.
        assert float(Fraction(alpha) * Fraction(pos)) == neg
        # In float32 the kernel multiplies float32(alpha) by float32(pos); not
        # every float32 target is such a product (then the generic path runs),
        # but the SELU and ELU ones are.
        alpha32 = kernel_alpha(pos, neg, False)
        if alpha32 is None:
            assert pos != 1.0
            assert (pos, neg) != cases[0]
            continue
        product = Fraction(float(np.float32(alpha32))) * Fraction(
            float(np.float32(pos))
        )
        assert np.float32(float(product)) == np.float32(neg), (pos, neg)
    for wide in (True, False):
        assert kernel_alpha(1.0, -1.0, wide) is None
        assert kernel_alpha(-1.0, 1.0, wide) is None


def _random_bits(n: int, dtype: str, seed: int) -> np.ndarray:
    """`n` random bit patterns of a NumPy float dtype: every sign, exponent
    and NaN payload."""
    size = np.dtype(dtype).itemsize
    words = np.random.default_rng(seed).integers(0, 2**63, n, dtype=np.uint64)
    return words.astype(f"u{size}").view(dtype)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_torch_cpu_has_the_kernels_bits(name: str, dtype: str) -> None:
    """CPU tensors run NumPy's kernel: the same bits, in every layout."""
    torch = pytest.importorskip("torch")
    x = _random_bits(100_000, dtype, 11)
    want = numpy_backend.kernel_ufunc(name)(x)
    t = torch.from_numpy(x.copy())
    f = getattr(selu_xp, name)
    bits = f"u{x.itemsize}"
    assert np.array_equal(f(t).numpy().view(bits), want.view(bits))
    # strided and transposed views, and out= (in place included)
    grid = t[: 300 * 300].reshape(300, 300)
    assert np.array_equal(
        f(grid.T).numpy().view(bits), want[: 300 * 300].reshape(300, 300).T.view(bits)
    )
    assert np.array_equal(f(t[::3]).numpy().view(bits), want[::3].view(bits))
    out = torch.empty_like(t)
    assert f(t, out=out) is out
    assert np.array_equal(out.numpy().view(bits), want.view(bits))
    assert f(t, out=t) is t
    assert np.array_equal(t.numpy().view(bits), want.view(bits))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_torch_cpu_bfloat16_is_correctly_rounded_exhaustively(name: str) -> None:
    torch = pytest.importorskip("torch")
    ml_dtypes = pytest.importorskip("ml_dtypes")
    from benchmarks import rounding

    every = np.arange(2**16, dtype=np.uint16)

    def through_torch(x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(x.view(np.int16).copy()).view(torch.bfloat16)
        y = getattr(selu_xp, name)(t)
        return y.view(torch.int16).numpy().view(ml_dtypes.bfloat16)

    x = every.view(ml_dtypes.bfloat16)
    outcome = rounding.check(name, x, through_torch, ml_dtypes.bfloat16)
    assert outcome.misrounded == 0, outcome


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("path_", ["fast", "generic"])
def test_torch_autograd_matches_derivative(dtype: str, path_: str) -> None:
    torch = pytest.importorskip("torch")
    points = np.asarray([0.0, -0.0, 1000.0, -1000.0, -50.0, -1.0, 0.5, -1e-3])
    x = torch.tensor(points, dtype=getattr(torch, dtype), requires_grad=True)
    with force_generic(path_ == "generic"):
        selu_xp.selu(x).sum().backward()
    assert x.grad is not None
    grad = x.grad.double().numpy()
    assert np.all(np.isfinite(grad))
    hi, _ = reference("selu_derivative", points.astype(dtype).astype(np.float64))
    # The fast path differentiates through torch's elu backward, from exp(x).
    # The generic path is held to an absolute 1e-7 far left, as torch's
    # expm1 backward, g * (expm1(x) + 1), cancels there.
    atol = 0.0 if path_ == "fast" else 1e-7
    np.testing.assert_allclose(grad, hi, rtol=4 * np.finfo(dtype).eps, atol=atol)


# --- JAX ------------------------------------------------------------------


def test_jax_transforms_on_the_fast_path() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy

    # A fresh function: jax.jit caches traces per function, and a trace of
    # selu_xp.selu made under force_generic elsewhere would be reused.
    def f(v: Any) -> Any:
        return selu_xp.selu(v)

    x = jnp.asarray([-1000.0, -50.0, -1.0, -0.0, 0.0, 0.5, 1000.0], dtype=jnp.float32)
    direct = np.asarray(f(x))
    np.testing.assert_array_equal(np.asarray(jax.jit(f)(x)), direct)
    np.testing.assert_array_equal(np.asarray(jax.vmap(f)(x)), direct)
    grads = np.asarray(jax.vmap(jax.grad(f))(x))
    assert np.all(np.isfinite(grads))
    # Also at x = -50, where jax.nn.selu's own gradient is 0.
    hi, _ = reference("selu_derivative", np.asarray(x, dtype=np.float64))
    np.testing.assert_allclose(grads, hi, rtol=4 * float(np.finfo(np.float32).eps))


# --- CuPy -------------------------------------------------------------------

CUPY = next(b for b in BACKENDS if b.id == "cupy")


@pytest.mark.skipif(CUPY.skip_reason() is not None, reason=str(CUPY.skip_reason()))
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_cupy_kernel_is_built_once_and_writes_out(dtype: str) -> None:
    from selu_xp._backends import cupy as cupy_backend

    x = CUPY.asarray(_agreement_grid(dtype), dtype)
    first = selu_xp.selu(x)
    kernel = cupy_backend._kernel(dtype, False)
    assert cupy_backend._kernel(dtype, False) is kernel
    out = CUPY.asarray(np.zeros(x.shape), dtype)
    assert selu_xp.selu(x, out=out) is out
    np.testing.assert_array_equal(CUPY.to_numpy(out), CUPY.to_numpy(first))
    with force_generic():
        generic = CUPY.to_numpy(selu_xp.selu(x))
    np.testing.assert_allclose(
        CUPY.to_numpy(first), generic, rtol=3 * np.finfo(dtype).eps
    )


# --- dispatch -------------------------------------------------------------


def test_lookup_by_array_type(backend: Backend) -> None:
    x = backend.asarray(np.zeros(2))
    fast = _backends.lookup(x, backend.xp)
    if backend.module == "array_api_strict":
        assert fast is None
    else:
        assert fast is not None
    assert _backends.BY_TYPE.get(type(x)) is fast
    assert _backends.lookup(backend.asarray(np.ones(3)), backend.xp) is fast


def test_force_generic_skips_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> None:
        raise AssertionError("lookup was called")

    monkeypatch.setattr(_backends, "lookup", refuse)
    monkeypatch.setattr(_backends, "BY_TYPE", {})
    with force_generic():
        selu_xp.selu(np.zeros(3))
    with pytest.raises(AssertionError, match="lookup was called"):
        selu_xp.selu(np.zeros(3))


# --- The quick entry ------------------------------------------------------

# Each member with its default values, as other objects than the defaults.
QUICK_CASES = [
    (m.name, {p: float(getattr(m, f"{p}_digits")) + 0.0 for p in m.parameters})
    for m in FAMILY
]


@pytest.mark.parametrize(("name", "same_values"), QUICK_CASES)
@pytest.mark.parametrize("module", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_quick_entry_gives_the_long_ways_bits(
    name: str, same_values: dict[str, float], module: str, dtype: str
) -> None:
    """Default parameters take the quick entry; the same values passed as other
    float objects take the long way.  Both give the same bits."""
    lib = pytest.importorskip(module)
    with np.errstate(over="ignore"):
        x = lib.asarray(_scattered_specials(5000, 3).astype(dtype))
    f = getattr(selu_xp, name)
    f(x)  # the first call registers the quick entry
    found = _backends.BY_TYPE.get(type(x))
    assert found is not None
    assert found.quick is not None
    quick, long = f(x), f(x, **same_values)
    a, b = np.asarray(quick), np.asarray(long)
    bits = f"u{a.itemsize}"
    np.testing.assert_array_equal(a.view(bits), b.view(bits))
    assert type(quick) is type(x)
    assert quick.dtype == x.dtype


@pytest.mark.parametrize("module", ["numpy", "torch"])
def test_quick_entry_keeps_the_checks(module: str) -> None:
    lib = pytest.importorskip(module)
    selu_xp.selu(lib.asarray(np.zeros(3)))
    with pytest.raises(TypeError, match="real floating-point"):
        selu_xp.selu(lib.asarray(np.arange(3)))
    with pytest.raises(TypeError, match="real floating-point"):
        selu_xp.elu(lib.asarray(np.asarray([True, False])))


def test_quick_entry_leaves_other_devices_and_subclasses_the_long_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    torch = pytest.importorskip("torch")
    selu_xp.selu(torch.zeros(3))
    calls: list[str] = []
    original = _backends.lookup

    def spy(x: Any, xp: Any) -> Any:
        calls.append(xp.__name__)
        return original(x, xp)

    monkeypatch.setattr(_backends, "lookup", spy)
    meta = selu_xp.selu(torch.zeros(3, device="meta"))
    assert meta.device.type == "meta"
    param = torch.nn.Parameter(torch.linspace(-1, 1, 5))
    selu_xp.selu(param).sum().backward()
    assert param.grad is not None
    assert len(calls) == 2
    selu_xp.selu(torch.zeros(3))
    assert len(calls) == 2  # the plain CPU tensor took the quick entry


def test_torch_cpu_transforms_and_modes_use_the_kernel() -> None:
    """Autograd (to the second order), torch.func's transforms, no_grad,
    inference mode, parameters, the meta device and fake tensors."""
    torch = pytest.importorskip("torch")
    x64 = np.linspace(-60.0, 5.0, 650)  # not 0, where f is not differentiable
    slope = numpy_backend.kernel_ufunc("selu_derivative")(x64.astype(np.float32))
    x = torch.from_numpy(x64.astype(np.float32))
    func = torch.func
    grads = {
        "func.grad": func.vmap(func.grad(selu_xp.selu))(x),
        "jacrev": torch.diagonal(func.jacrev(selu_xp.selu)(x[:40])),
        "vmap": func.vmap(selu_xp.selu_derivative)(x.reshape(25, 26)).reshape(-1),
    }
    for name, g in grads.items():
        np.testing.assert_array_equal(g.numpy(), slope[: g.numel()], err_msg=name)
    d = torch.from_numpy(x64).requires_grad_()
    assert torch.autograd.gradcheck(selu_xp.selu, (d,))
    assert torch.autograd.gradgradcheck(selu_xp.selu, (d,))
    assert torch.autograd.gradgradcheck(selu_xp.elu_derivative, (d,))
    want = numpy_backend.kernel_ufunc("selu")(x64.astype(np.float32))
    with torch.no_grad():
        np.testing.assert_array_equal(selu_xp.selu(x.requires_grad_()).numpy(), want)
    with torch.inference_mode():
        np.testing.assert_array_equal(selu_xp.selu(x.detach().clone()).numpy(), want)
    p = torch.nn.Parameter(x.detach().clone())
    y = selu_xp.selu(p)
    y.sum().backward()
    assert p.grad is not None
    np.testing.assert_array_equal(p.grad.numpy(), slope)
    meta = selu_xp.selu(torch.empty(3, 4, device="meta", dtype=torch.bfloat16))
    assert (meta.device.type, meta.shape, meta.dtype) == (
        "meta",
        (3, 4),
        torch.bfloat16,
    )
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        fake = selu_xp.elu(torch.empty(5, 2))
    assert fake.shape == (5, 2)
