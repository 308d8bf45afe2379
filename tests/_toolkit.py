"""Helpers shared by the tests of the random functions."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ._backends import Backend, array_namespace, device


def dtype_of(backend: Backend, name: str) -> Any:
    """The dtype object called `name` in `backend`'s namespace."""
    return backend._half(backend.xp, name)


def assert_on_backend(y: Any, backend: Backend, name: str) -> None:
    """`y` has `backend`'s namespace, device, and the dtype called `name`."""
    expected = backend.asarray(np.zeros(1))
    assert array_namespace(y) is array_namespace(expected)
    assert device(y) == device(expected)
    assert y.dtype == dtype_of(backend, name)


def assert_moments(
    values: np.ndarray, mean: float, variance: float, sigmas: float = 5.0
) -> tuple[float, float]:
    """Sample mean and variance within `sigmas` standard errors of the truth.

    The standard errors come from the sample itself: ``sqrt(var / n)`` for the
    mean and ``sqrt((m4 - var^2) / n)`` for the variance, ``m4`` the sample's
    fourth central moment.  Returns the two z-scores.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    m = v.mean()
    d = v - m
    var = np.mean(d * d)
    m4 = np.mean(d**4)
    z_mean = (m - mean) / np.sqrt(var / n)
    z_var = (var - variance) / np.sqrt((m4 - var**2) / n)
    assert abs(z_mean) < sigmas, (m, mean, z_mean)
    assert abs(z_var) < sigmas, (var, variance, z_var)
    return float(z_mean), float(z_var)


def own_generator(backend: Backend, seed: int) -> Any:
    """`backend`'s own generator, or None where the library has none."""
    lib = backend.module.split(".")[0]
    if lib == "torch":
        torch = importlib.import_module("torch")
        return torch.Generator(device=backend.device).manual_seed(seed)
    if lib == "jax":
        jax = importlib.import_module("jax")
        return jax.device_put(jax.random.key(seed), backend.device)
    if lib == "cupy":
        cupy = importlib.import_module("cupy")
        return cupy.random.default_rng(seed)
    return None
