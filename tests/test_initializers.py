"""lecun_normal: moments, truncation, fan-in, dtype and device on every backend."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from array_api_compat import array_namespace

from selu_xp import lecun_normal

from ._backends import Backend
from ._toolkit import assert_moments, assert_on_backend, dtype_of, own_generator

# Standard deviation of the standard normal truncated to [-2, 2], from the
# closed form 1 - 2 * 2 * pdf(2) / (cdf(2) - cdf(-2)), computed here.
_PDF2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
_MASS = math.erf(2 / math.sqrt(2))
TRUNC_STD = math.sqrt(1 - 4 * _PDF2 / _MASS)

SHAPE = (256, 400)  # fan_in 256, 102400 values


def test_truncation_constant() -> None:
    assert abs(TRUNC_STD - 0.87962566103423978) < 1e-15


def draw(backend: Backend, dt: str, **kwargs: Any) -> np.ndarray:
    w = lecun_normal(
        SHAPE,
        xp=backend.xp,
        device=backend.device,
        dtype=dtype_of(backend, dt),
        **kwargs,
    )
    assert_on_backend(w, backend, dt)
    return backend.to_numpy(w).astype(np.float64)


@pytest.mark.parametrize("distribution", ["truncated_normal", "normal"])
def test_moments(backend_dtype: tuple[Backend, str], distribution: str) -> None:
    backend, dt = backend_dtype
    w = draw(backend, dt, rng=11, distribution=distribution)
    assert_moments(w, 0.0, 1.0 / 256)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_truncation_bound(backend_dtype: tuple[Backend, str], seed: int) -> None:
    backend, dt = backend_dtype
    w = draw(backend, dt, rng=seed)
    bound = 2 / 0.87962566103423978 / math.sqrt(256)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.98 * bound  # values do come close to it


def test_normal_is_not_truncated(backend: Backend) -> None:
    w = draw(backend, "float32", rng=3, distribution="normal")
    bound = 2 / 0.87962566103423978 / math.sqrt(256)
    # P(|Z| > 2.27) is 2.3 %: about 2400 of the 102400 values
    assert 1500 < np.count_nonzero(np.abs(w) > bound) < 3500


def test_native_generator_moments_and_bound(backend: Backend) -> None:
    own = own_generator(backend, 5)
    rng = np.random.default_rng(5) if own is None else own
    w = draw(backend, "float32", rng=rng)
    assert_moments(w, 0.0, 1.0 / 256)
    assert np.abs(w).max() <= 2 / 0.87962566103423978 / 16


@pytest.mark.parametrize(
    ("shape", "in_axis", "out_axis", "fan_in"),
    [
        ((30, 20), -2, -1, 30),
        ((3, 3, 16, 32), -2, -1, 144),  # JAX / Keras (*kernel, in, out)
        ((32, 16, 3, 3), 1, 0, 144),  # PyTorch (out, in, *kernel)
        ((5, 7, 2), 0, 2, 35),
        ((4, 6), 1, 0, 6),
    ],
)
def test_fan_in(
    shape: tuple[int, ...], in_axis: int, out_axis: int, fan_in: int
) -> None:
    # The documented portable stream, computed here with NumPy.
    w = lecun_normal(
        shape, in_axis=in_axis, out_axis=out_axis, distribution="normal", rng=7
    )
    expected = np.random.default_rng(7).standard_normal(shape) / math.sqrt(fan_in)
    np.testing.assert_allclose(w, expected, rtol=1e-15, atol=0)


def test_truncated_stream_is_the_filtered_normal_stream() -> None:
    shape = (50, 40)
    w = lecun_normal(shape, rng=123)
    z = np.random.default_rng(123).standard_normal(4000)
    kept = z[np.abs(z) <= 2][: 50 * 40].reshape(shape)
    np.testing.assert_allclose(
        w, kept / 0.87962566103423978 / math.sqrt(50), rtol=1e-15
    )


def test_default_dtype_and_device(backend: Backend) -> None:
    w = lecun_normal((4, 3), rng=0, xp=backend.xp, device=backend.device)
    # The namespace's default float: what asarray makes of a Python float.
    default = backend.xp.asarray(1.0, device=backend.device).dtype
    assert w.dtype == default
    assert_on_backend(w, backend, str(np.dtype(backend.to_numpy(w).dtype)))


@pytest.mark.parametrize(
    "module", ["numpy", "torch", "jax.numpy", "dask.array", "array_api_strict"]
)
def test_xp_as_library_module(module: str) -> None:
    lib = pytest.importorskip(module)
    w = lecun_normal((4, 3), rng=0, xp=lib)
    assert array_namespace(w) is array_namespace(lib.zeros(1))


def test_default_namespace_is_numpy() -> None:
    w = lecun_normal((4, 3), rng=0)
    assert isinstance(w, np.ndarray)
    assert w.dtype == np.float64


def test_jax_default_float() -> None:
    jax = pytest.importorskip("jax")
    w = lecun_normal((4, 3), rng=0, xp=jax.numpy)
    assert w.dtype == np.float32
    with jax.enable_x64(True):
        w = lecun_normal((4, 3), rng=0, xp=jax.numpy)
        assert w.dtype == np.float64
    with pytest.raises(TypeError, match="dtype"):
        lecun_normal((4, 3), xp=jax.numpy, dtype=jax.numpy.float64)


def test_strict_device_without_float64() -> None:
    xs = pytest.importorskip("array_api_strict")
    dev = xs.Device("no_float64")
    w = lecun_normal((4, 3), rng=0, xp=xs, device=dev)
    assert w.dtype == xs.float32
    assert w.device == dev
    with pytest.raises(TypeError, match="dtype"):
        lecun_normal((4, 3), rng=0, xp=xs, device=dev, dtype=xs.float64)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shape": (5,)}, "at least two"),
        ({"shape": ()}, "at least two"),
        ({"shape": (-1, 3)}, "non-negative"),
        ({"shape": (4, 3), "in_axis": 2}, "out of range"),
        ({"shape": (4, 3), "out_axis": -3}, "out of range"),
        ({"shape": (4, 3), "in_axis": 0, "out_axis": -2}, "different"),
        ({"shape": (0, 3)}, "fan_in = 0"),
        ({"shape": (3, 0, 4), "in_axis": 0, "out_axis": 2}, "fan_in = 0"),
        ({"shape": (4, 3), "distribution": "uniform"}, "distribution"),
        ({"shape": (4, 3), "distribution": None}, "distribution"),
        ({"shape": (4, 3), "rng": -1}, "seed"),
    ],
)
def test_value_errors(kwargs: dict[str, Any], match: str) -> None:
    shape = kwargs.pop("shape")
    with pytest.raises(ValueError, match=match):
        lecun_normal(shape, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shape": 5}, "tuple of integers"),
        ({"shape": (4.0, 3)}, "tuple of integers"),
        ({"shape": (4, 3), "in_axis": 1.0}, "in_axis"),
        ({"shape": (4, 3), "dtype": np.int32}, "dtype"),
        ({"shape": (4, 3), "dtype": "float32"}, "dtype"),
        ({"shape": (4, 3), "xp": "numpy"}, "xp"),
        ({"shape": (4, 3), "xp": math}, "xp"),
        ({"shape": (4, 3), "rng": "seed"}, "rng"),
    ],
)
def test_type_errors(kwargs: dict[str, Any], match: str) -> None:
    shape = kwargs.pop("shape")
    with pytest.raises(TypeError, match=match):
        lecun_normal(shape, **kwargs)


def test_empty_output_axis(backend: Backend) -> None:
    w = lecun_normal((3, 0), rng=0, xp=backend.xp, device=backend.device)
    assert tuple(w.shape) == (3, 0)
