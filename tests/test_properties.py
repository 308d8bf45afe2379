"""Invariants of selu and elu, checked with hypothesis on every backend."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from selu_xp import SELU_ALPHA, SELU_SCALE, elu, selu
from selu_xp.testing.oracle import ALPHA, SCALE

from ._backends import Backend

SCALE_ALPHA = float(SCALE * ALPHA)
fixture_ok = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32)
values = arrays(np.float64, st.integers(1, 64), elements=finite)


def _run(backend: Backend, func: object, x: np.ndarray, **kwargs: object) -> np.ndarray:
    y = func(backend.asarray(x), **kwargs)  # type: ignore[operator]
    return backend.to_numpy(y).astype(np.float64)


@fixture_ok
@given(x=values)
def test_monotonic(backend: Backend, x: np.ndarray) -> None:
    x = np.sort(x)
    y = _run(backend, selu, x)
    assert np.all(np.diff(y) >= 0)


@fixture_ok
@given(x=values)
def test_bounded_below_by_minus_scale_alpha(backend: Backend, x: np.ndarray) -> None:
    y = _run(backend, selu, x)
    limit = -SCALE_ALPHA if backend.float64 else float(np.float32(-SCALE_ALPHA))
    assert np.all(y >= limit)


@fixture_ok
@given(h=st.floats(1e-30, 1e-3, allow_nan=False))
def test_continuous_at_zero(backend: Backend, h: float) -> None:
    y = _run(backend, selu, np.asarray([-h, 0.0, h]))
    assert y[1] == 0
    # Both one-sided values shrink with h: |selu(+-h)| <= scale * alpha * h.
    assert abs(y[0]) <= SCALE_ALPHA * h * (1 + 1e-6)
    assert abs(y[2]) <= SELU_SCALE * h * (1 + 1e-6)


@fixture_ok
@given(x=values)
def test_selu_is_scale_times_elu(backend: Backend, x: np.ndarray) -> None:
    a = _run(backend, selu, x)
    b = SELU_SCALE * _run(backend, elu, x, alpha=SELU_ALPHA)
    rtol = 4 * 2.0**-52 if backend.float64 else 4 * 2.0**-23
    # A subnormal result is rounded to its spacing, not to a relative width.
    atol = 2.0**-1074 if backend.float64 else 2.0**-149
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@fixture_ok
@given(x=values)
def test_sign_follows_input(backend: Backend, x: np.ndarray) -> None:
    y = _run(backend, selu, x)
    xs = backend.to_numpy(backend.asarray(x)).astype(np.float64)
    # Backends that flush subnormals to zero (XLA on CPU) may return 0 there.
    tiny = np.finfo(np.float64 if backend.float64 else np.float32).tiny
    flushed = (y == 0) & (np.abs(xs) < tiny)
    assert np.all((np.sign(y) == np.sign(xs)) | flushed)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_numpy_elementwise_is_shape_independent(
    dtype: type, data: st.DataObject
) -> None:
    """A value's result does not depend on the array around it (no blocking seams)."""
    x = data.draw(
        arrays(dtype, st.integers(1, 300), elements=st.floats(-40, 40, width=32))
    )
    whole = selu(x)
    single = np.concatenate([selu(x[i : i + 1]) for i in range(x.size)])
    np.testing.assert_array_equal(whole, single)
