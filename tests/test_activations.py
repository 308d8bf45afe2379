"""Semantics of selu, elu and their derivatives, on every backend and path."""

from __future__ import annotations

import math
import warnings
from typing import Any

import mpmath
import numpy as np
import pytest

import selu_xp
from selu_xp import elu, elu_derivative, selu, selu_derivative
from selu_xp.testing.oracle import ALPHA, SCALE, eps, exact

from ._backends import Backend, assert_close

FUNCTIONS = [selu, elu, selu_derivative, elu_derivative]
ids = [f.__name__ for f in FUNCTIONS]

with mpmath.workdps(60):
    SCALE_ALPHA = float(SCALE * ALPHA)


# Within 4 ULPs: the bounds (tests/test_accuracy.py) are at most 2.5 ULPs,
# and the reference is rounded once more to the dtype.
def _rtol(dtype: str) -> float:
    return 4 * eps(dtype)


@pytest.mark.parametrize("func", FUNCTIONS, ids=ids)
@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 4), (2, 0, 3)])
def test_keeps_namespace_dtype_shape_device(
    backend_dtype: tuple[Backend, str], func: Any, shape: tuple[int, ...], path: str
) -> None:
    """The result is the input's kind of array (a 0-d NumPy array stays an
    array), in its dtype, shape and device, with the reference's values."""
    backend, dtype = backend_dtype
    values = np.linspace(-3, 3, math.prod(shape)).reshape(shape)
    x = backend.asarray(values, dtype)
    desired = backend.asarray(exact(func.__name__, backend.to_numpy(x)), dtype)
    assert_close(func(x), desired, rtol=_rtol(dtype), check_scalar=True)


SPECIAL = [-math.inf, -1000.0, -50.0, -1.0, -0.0, 0.0, 1.0, 1000.0, math.inf, math.nan]


def _special_values(dtype: str) -> np.ndarray:
    big = float(np.finfo(np.float32).max) if dtype == "float32" else 1e300
    small = 1e-40 if dtype == "float32" else 5e-324
    values = [*SPECIAL, big, -small, small]
    if dtype in ("float16", "bfloat16"):
        values = [*SPECIAL, 60000.0 if dtype == "float16" else 3e38]
    return np.asarray(values)


def test_special_values(backend_dtype: tuple[Backend, str], path: str) -> None:
    backend, dtype = backend_dtype
    x = backend.asarray(_special_values(dtype), dtype)
    xs = backend.to_numpy(x).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = backend.to_numpy(selu(x)).astype(np.float64)
    assert y[0] == _rounded(-SCALE_ALPHA, dtype, backend)
    assert y[4] == 0
    assert np.signbit(y[4]), "selu(-0.0) must be -0.0"
    assert y[5] == 0
    assert not np.signbit(y[5])
    assert y[8] == math.inf
    assert math.isnan(y[9])
    assert np.all(np.isfinite(y[:8]))
    assert y[2] == y[1] == y[0], "saturates at -scale*alpha"
    if dtype != "float16":
        assert y[7] == pytest.approx(1000 * SELU_SCALE_F, rel=1e-2)
    # The largest finite inputs: selu overflows to +inf exactly when the
    # correctly rounded product does, without warning.
    big = xs[10]
    assert y[10] == _rounded(float(SCALE) * big, dtype, backend)


SELU_SCALE_F = float(SCALE)


def _rounded(value: float, dtype: str, backend: Backend) -> float:
    """`value` rounded to `dtype` by the backend itself (inf when it overflows)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = backend.asarray(np.asarray([value]), dtype)
    return float(backend.to_numpy(x)[0])


def test_negative_infinity_is_correctly_rounded_limit() -> None:
    y = selu(np.asarray([-np.inf, -np.inf], dtype=np.float64))
    assert y[0] == -SCALE_ALPHA
    assert y[0] != -(selu_xp.SELU_SCALE * selu_xp.SELU_ALPHA)


def test_derivative_special_values(
    backend_dtype: tuple[Backend, str], path: str
) -> None:
    backend, dtype = backend_dtype
    x = backend.asarray(np.asarray(SPECIAL), dtype)
    y = backend.to_numpy(selu_derivative(x)).astype(np.float64)
    e = backend.to_numpy(elu_derivative(x)).astype(np.float64)
    sa = _rounded(SCALE_ALPHA, dtype, backend)
    assert y[0] == 0
    assert e[0] == 0
    assert y[4] == y[5] == sa, "left branch at 0: scale * alpha"
    assert e[4] == e[5] == 1.0
    assert y[6] == y[7] == y[8] == _rounded(SELU_SCALE_F, dtype, backend)
    assert math.isnan(y[9])
    assert math.isnan(e[9])
    if dtype in ("float32", "float64", "bfloat16"):
        # exp(-50) * scale * alpha is representable: no underflow to 0.
        assert y[2] == pytest.approx(SCALE_ALPHA * math.exp(-50), rel=1e-2)


@pytest.mark.parametrize("func", FUNCTIONS, ids=ids)
def test_no_floating_point_warnings(backend: Backend, func: Any, path: str) -> None:
    x = backend.asarray(
        np.asarray([*SPECIAL, 1e308, -1e308, 5e-324, -5e-324, 709.8, 710.0])
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backend.to_numpy(func(x))


@pytest.mark.parametrize("func", FUNCTIONS, ids=ids)
def test_input_not_modified(backend: Backend, func: Any, path: str) -> None:
    x = backend.asarray(np.linspace(-5, 5, 101))
    before = backend.to_numpy(x).copy()
    func(x)
    np.testing.assert_array_equal(backend.to_numpy(x), before)


@pytest.mark.parametrize("func", FUNCTIONS, ids=ids)
def test_read_only_and_strided_numpy_input(func: Any, path: str) -> None:
    base = np.linspace(-4, 4, 60).reshape(6, 10)
    base.flags.writeable = False
    views = [base, base[::2, ::3], base.T, base[:, ::-1]]
    for view in views:
        expected = func(np.ascontiguousarray(view))
        np.testing.assert_array_equal(func(view), expected)
    assert not base.flags.writeable


def test_selu_is_scaled_elu(backend_dtype: tuple[Backend, str], path: str) -> None:
    backend, dtype = backend_dtype
    x = backend.asarray(np.linspace(-20, 5, 1001), dtype)
    a = backend.to_numpy(selu(x)).astype(np.float64)
    b = SELU_SCALE_F * backend.to_numpy(elu(x, selu_xp.SELU_ALPHA)).astype(np.float64)
    eps = float(np.finfo(np.float16 if dtype == "float16" else np.float32).eps)
    eps = 2.0**-7 if dtype == "bfloat16" else eps if dtype != "float64" else 2.0**-52
    np.testing.assert_allclose(a, b, rtol=4 * eps, atol=0)


@pytest.mark.parametrize(
    ("alpha", "scale"), [(1.0, 1.0), (0.5, 2.0), (1.9769, 1.07385), (0.0, 1.0)]
)
def test_custom_parameters(
    backend_dtype: tuple[Backend, str], alpha: float, scale: float, path: str
) -> None:
    backend, dtype = backend_dtype
    values = np.linspace(-6, 6, 241)
    x = backend.asarray(values, dtype)
    xs = backend.to_numpy(x).astype(np.float64)
    got = backend.to_numpy(selu(x, alpha=alpha, scale=scale)).astype(np.float64)
    want = np.where(xs > 0, scale * xs, scale * alpha * np.expm1(np.minimum(xs, 0)))
    rtol = {"float64": 4e-16, "float32": 1.2e-7, "float16": 1e-3, "bfloat16": 8e-3}
    if backend.module == "jax":
        # XLA's own expm1, several ULPs off, is used where JAX has no wider type.
        rtol = {**rtol, "float64": 1.5e-15, "float32": 8e-7}
    np.testing.assert_allclose(got, want, rtol=rtol[dtype], atol=1e-300)
    got_elu = backend.to_numpy(elu(x, alpha)).astype(np.float64)
    np.testing.assert_allclose(
        got_elu,
        np.where(xs > 0, xs, alpha * np.expm1(np.minimum(xs, 0))),
        rtol=rtol[dtype],
        atol=1e-300,
    )


def test_derivative_matches_finite_differences(backend: Backend, path: str) -> None:
    """selu_derivative is the slope of selu (central differences in float64)."""
    values = np.concatenate([np.linspace(-8, -0.01, 300), np.linspace(0.01, 5, 50)])
    h = 1e-5
    fd = (selu(values + h) - selu(values - h)) / (2 * h)
    y = selu_derivative(backend.asarray(values))
    rtol = 1e-6 if y.dtype == backend.xp.float64 else 1e-5
    np.testing.assert_allclose(backend.to_numpy(y), fd, rtol=rtol, atol=0)


@pytest.mark.parametrize("func", FUNCTIONS, ids=ids)
def test_strided_views(backend: Backend, func: Any, path: str) -> None:
    """Sliced (non-contiguous) inputs give the values of their contiguous copies."""
    dtype = "float64" if backend.float64 else "float32"
    values = np.linspace(-6, 6, 120).reshape(10, 12)
    x = backend.asarray(values, dtype)
    view = x[::2, 1::3]
    y = func(view)
    contiguous = func(backend.asarray(np.ascontiguousarray(values[::2, 1::3]), dtype))
    np.testing.assert_array_equal(backend.to_numpy(y), backend.to_numpy(contiguous))
    desired = backend.asarray(exact(func.__name__, backend.to_numpy(view)), dtype)
    assert_close(y, desired, rtol=_rtol(dtype))
