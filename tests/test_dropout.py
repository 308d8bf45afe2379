"""alpha_dropout: closed-form values, moments, noise_shape and edge cases."""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest

from selu_xp import alpha_dropout
from selu_xp.testing.oracle import ALPHA, SCALE, round_to

from ._backends import Backend
from ._fixed_point import fixed_point_parameters
from ._toolkit import assert_moments, assert_on_backend, own_generator


def coefficients(
    rate: float,
    alpha: mpmath.mpf = ALPHA,
    scale: mpmath.mpf = SCALE,
    mean: float = 0.0,
    variance: float = 1.0,
) -> tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf]:
    """``(a, b, dropped value)`` from the paper's formulas at 50 digits."""
    with mpmath.workdps(50):
        sat = -scale * alpha
        q = 1 - mpmath.mpf(rate)
        m, v = mpmath.mpf(mean), mpmath.mpf(variance)
        a = mpmath.sqrt(v / (q * ((1 - q) * (sat - m) ** 2 + v)))
        b = m - a * (q * m + (1 - q) * sat)
        if mean == 0 and variance == 1:
            # the default point's form in the paper
            a0 = ((1 - mpmath.mpf(rate)) * (1 + mpmath.mpf(rate) * sat**2)) ** -0.5
            assert abs(a - a0) < mpmath.mpf("1e-45")
            assert abs(b + a0 * sat * mpmath.mpf(rate)) < mpmath.mpf("1e-45")
        return +a, +b, +(a * sat + b)


def test_closed_form_for_rate_02() -> None:
    _, b, dropped = coefficients(0.2)
    assert float(b) == 0.30903996214409452
    assert abs(float(dropped) + 1.23616) < 1e-5


def test_zero_input_gives_the_two_closed_form_values(
    backend_dtype: tuple[Backend, str],
) -> None:
    backend, dt = backend_dtype
    x = backend.asarray(np.zeros((50, 40)), dt)
    y = alpha_dropout(x, 0.2, rng=1)
    assert_on_backend(y, backend, dt)
    got = backend.to_numpy(y).astype(np.float64)
    _, b, dropped = coefficients(0.2)
    kept_value, dropped_value = round_to(np.array([float(b), float(dropped)]), dt)
    assert set(np.unique(got)) == {kept_value, dropped_value}
    if dt == "float64":
        assert kept_value == 0.30903996214409452
    # about a fifth dropped: binomial(2000, 0.2) within 5 standard deviations
    n_dropped = np.count_nonzero(got == dropped_value)
    assert abs(n_dropped - 400) < 5 * math.sqrt(2000 * 0.2 * 0.8)


def test_kept_values_are_affine(backend: Backend) -> None:
    x_np = np.linspace(-4.0, 4.0, 2001)
    dt = "float64" if backend.float64 else "float32"
    x = backend.asarray(x_np, dt)
    got = backend.to_numpy(alpha_dropout(x, 0.1, rng=4)).astype(np.float64)
    xs = backend.to_numpy(x).astype(np.float64)
    a, b, dropped = coefficients(0.1)
    with mpmath.workdps(50):
        kept = np.array([float(a * mpmath.mpf(v) + b) for v in xs])
    # a * x + b with a, the product and the sum each rounded (float32 without
    # float64 on the device): within 2 eps of |a x| + |b|
    eps = np.finfo(backend.to_numpy(x).dtype).eps
    is_kept = np.abs(got - kept) <= 2 * eps * (float(a) * np.abs(xs) + float(b))
    is_dropped = got == round_to(np.array([float(dropped)]), dt)[0]
    assert np.all(is_kept | is_dropped)
    assert 100 < np.count_nonzero(is_dropped) < 300  # rate 0.1 of 2001


N = 1_000_000


@pytest.mark.parametrize("rate", [0.05, 0.5])
def test_keeps_mean_and_variance(backend: Backend, rate: float) -> None:
    dt = "float64" if backend.float64 else "float32"
    x_np = np.random.default_rng(100).standard_normal(N)
    y = alpha_dropout(backend.asarray(x_np, dt), rate, rng=101)
    assert_moments(backend.to_numpy(y), 0.0, 1.0)


def test_keeps_the_other_fixed_point(backend: Backend) -> None:
    dt = "float64" if backend.float64 else "float32"
    alpha, scale = (float(v) for v in fixed_point_parameters("-0.1", "2"))
    x_np = -0.1 + math.sqrt(2.0) * np.random.default_rng(200).standard_normal(N)
    y = alpha_dropout(
        backend.asarray(x_np, dt),
        0.2,
        rng=201,
        alpha=alpha,
        scale=scale,
        mean=-0.1,
        variance=2.0,
    )
    assert_moments(backend.to_numpy(y), -0.1, 2.0)
    # with the default fixed point instead, the variance is visibly off
    y0 = backend.to_numpy(alpha_dropout(backend.asarray(x_np, dt), 0.2, rng=201))
    assert abs(np.var(y0) - 2.0) > 0.05


def test_native_generator_keeps_moments(backend: Backend) -> None:
    gen = own_generator(backend, 7)
    if gen is None:
        gen = np.random.default_rng(7)
    x_np = np.random.default_rng(300).standard_normal(N)
    y = alpha_dropout(backend.asarray(x_np, "float32"), 0.3, rng=gen)
    assert_moments(backend.to_numpy(y), 0.0, 1.0)


@pytest.mark.parametrize(
    ("noise_shape", "axis"), [((None, 1), 1), ((1, None), 0), ([None, 30], None)]
)
def test_noise_shape(backend: Backend, noise_shape: Any, axis: int | None) -> None:
    x = backend.asarray(np.zeros((20, 30)), "float32")
    y = backend.to_numpy(alpha_dropout(x, 0.5, rng=3, noise_shape=noise_shape))
    if axis is None:
        assert len(np.unique(y[:, 0])) == 2  # an element-wise mask
        return
    # the mask is shared along `axis`: constant there, varying across the other
    assert np.all(y == np.take(y, [0], axis=axis))
    assert len(np.unique(y)) == 2
    mask_shape = tuple(1 if i == axis else n for i, n in enumerate((20, 30)))
    keep = np.random.default_rng(3).random(mask_shape) < 0.5
    np.testing.assert_array_equal(np.broadcast_to(keep, (20, 30)), y > 0)


def test_feature_wise_on_four_axes() -> None:
    x = np.zeros((8, 5, 5, 16))
    y = alpha_dropout(x, 0.5, rng=0, noise_shape=(None, 1, 1, None))
    assert np.all(y == y[:, :1, :1, :])


@pytest.mark.parametrize("kwargs", [{"rate": 0.0}, {"rate": 0.5, "training": False}])
def test_identity_returns_the_input_and_draws_nothing(
    backend: Backend, kwargs: dict[str, Any]
) -> None:
    x = backend.asarray(np.linspace(-1, 1, 12).reshape(3, 4), "float32")
    gen = np.random.default_rng(0)
    state = gen.bit_generator.state
    y = alpha_dropout(x, rng=gen, **kwargs)
    assert y is x
    assert gen.bit_generator.state == state


def test_input_not_modified(backend_dtype: tuple[Backend, str]) -> None:
    backend, dt = backend_dtype
    x_np = np.linspace(-3, 3, 60).reshape(6, 10)
    x = backend.asarray(x_np, dt)
    before = backend.to_numpy(x).copy()
    y = alpha_dropout(x, 0.4, rng=0)
    assert_on_backend(y, backend, dt)
    np.testing.assert_array_equal(backend.to_numpy(x), before)


def test_high_rate_is_finite(backend: Backend) -> None:
    x = backend.asarray(np.random.default_rng(0).standard_normal(1000), "float32")
    y = backend.to_numpy(alpha_dropout(x, 0.999, rng=0))
    assert np.all(np.isfinite(y))


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5, math.nan, math.inf])
def test_bad_rate(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        alpha_dropout(np.zeros(3), rate)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"noise_shape": (3,)}, "one entry per axis"),
        ({"noise_shape": (4, 2)}, "broadcast"),
        ({"noise_shape": (2, 3)}, "broadcast"),
        ({"variance": 0.0}, "positive variance"),
        ({"mean": math.nan}, "finite mean"),
    ],
)
def test_value_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        alpha_dropout(np.zeros((4, 3)), 0.5, **kwargs)


@pytest.mark.parametrize(
    ("x", "kwargs", "match"),
    [
        ([0.0, 1.0], {}, "expects an array"),
        (np.zeros(3, dtype=np.int64), {}, "real floating-point"),
        (np.zeros(3), {"rate": "0.5"}, "rate to be a real number"),
        (np.zeros(3), {"training": 1}, "training to be a bool"),
        (np.zeros(3), {"noise_shape": "abc"}, "noise_shape"),
        (np.zeros(3), {"noise_shape": (1.0,)}, "noise_shape"),
        (np.zeros(3), {"alpha": None}, "alpha to be a real number"),
    ],
)
def test_type_errors(x: Any, kwargs: dict[str, Any], match: str) -> None:
    kwargs.setdefault("rate", 0.5)
    with pytest.raises(TypeError, match=match):
        alpha_dropout(x, **kwargs)


def test_jit() -> None:
    jax = pytest.importorskip("jax")
    x = jax.numpy.zeros((10, 10))
    key = jax.random.key(0)
    y = jax.jit(lambda x, k: alpha_dropout(x, 0.2, rng=k))(x, key)
    np.testing.assert_array_equal(
        np.asarray(y), np.asarray(alpha_dropout(x, 0.2, rng=key))
    )
