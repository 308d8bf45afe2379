"""Self-normalization shown: a deep SELU network keeps standardized activations.

N(0, 1) data go through a 32-layer dense network of width 256 with
`lecun_normal` weights.  With `selu`, every layer's activations keep mean
within +-0.1 and variance within [0.8, 1.5] (the region of the paper's
Theorem 1); the same weights with ReLU or tanh leave that region.  The weights
come from the portable stream, so every backend computes the same network,
and the activations agree with the NumPy backend's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from selu_xp import lecun_normal, selu

from ._backends import BACKENDS, Backend, active

LAYERS, WIDTH, SAMPLES = 32, 256, 512


ACTIVATIONS = ("selu", "relu", "tanh")


def forward(backend: Backend) -> dict[str, list[np.ndarray]]:
    """Every layer's float32 activations for each activation, as NumPy arrays.

    The three networks share each layer's weights.
    """
    xp = backend.xp
    x0 = backend.asarray(
        np.random.default_rng(0).standard_normal((SAMPLES, WIDTH)), "float32"
    )
    acts: dict[str, Callable[[Any], Any]] = {
        "selu": selu,
        "relu": lambda z: xp.where(z > 0, z, 0.0),
        "tanh": xp.tanh,
    }
    xs = dict.fromkeys(ACTIVATIONS, x0)
    out: dict[str, list[np.ndarray]] = {name: [] for name in ACTIVATIONS}
    for layer in range(LAYERS):
        w = lecun_normal(
            (WIDTH, WIDTH),
            rng=1000 + layer,
            xp=xp,
            device=backend.device,
            dtype=xp.float32,
        )
        for name in ACTIVATIONS:
            x = acts[name](xs[name] @ w)
            if backend.module == "dask.array":
                x = x.persist()  # one layer's graph at a time, not all of them
            xs[name] = x
            out[name].append(backend.to_numpy(x))
    return out


_CACHE: dict[str, dict[str, list[np.ndarray]]] = {}


def activations(backend: Backend) -> dict[str, list[np.ndarray]]:
    """`forward` on `backend`, computed once per test session."""
    if backend.id not in _CACHE:
        with active(backend), _full_float32_matmul(backend):
            _CACHE[backend.id] = forward(backend)
    return _CACHE[backend.id]


def _full_float32_matmul(backend: Backend) -> contextlib.AbstractContextManager[Any]:
    """JAX may multiply float32 matrices in reduced precision on GPUs; not here."""
    if backend.module == "jax":
        return backend.library.default_matmul_precision("highest")
    return contextlib.nullcontext()


def numpy_backend() -> Backend:
    return next(b for b in BACKENDS if b.id == "numpy")


def in_region(h: np.ndarray) -> bool:
    return abs(float(h.mean())) <= 0.1 and 0.8 <= float(h.var()) <= 1.5


def test_selu_network_self_normalizes(backend: Backend) -> None:
    layers = activations(backend)["selu"]
    for i, h in enumerate(layers):
        assert in_region(h), (i, float(h.mean()), float(h.var()))
    # same seed, same activations as the NumPy backend
    for i, (h, ref) in enumerate(
        zip(layers, activations(numpy_backend())["selu"], strict=True)
    ):
        scale = float(np.max(np.abs(ref)))
        np.testing.assert_allclose(h, ref, rtol=1e-5, atol=1e-5 * scale, err_msg=str(i))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_other_activations_drift_out(backend: Backend, activation: str) -> None:
    layers = activations(backend)[activation]
    assert not in_region(layers[-1])
    assert sum(not in_region(h) for h in layers) >= LAYERS // 2
