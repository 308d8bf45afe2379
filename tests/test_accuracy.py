"""Accuracy in ULPs against the mpmath reference, on every backend, dtype and path."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import selu_xp
from selu_xp._accuracy import BOUNDS, DEFAULT_BOUND
from selu_xp._accuracy import bound as _bound
from selu_xp._family import NAMES
from selu_xp.testing.oracle import accuracy_grid, max_ulp

from ._backends import BACKENDS, Backend, active, backend_dtype_params

FUNCTIONS = NAMES

# The bounds (`bound`, with why each is what it is) are the package's table,
# which ``python -m selu_xp`` holds its report to as well.


def _peer_selu(backend: Backend, x: Any) -> Any:
    """The backend's own selu, the bar that its path must clear."""
    if backend.module == "torch":
        import torch

        return torch.nn.functional.selu(x)
    if backend.module == "jax":
        import jax

        return jax.nn.selu(x)
    return None


def _where(backend: Backend) -> str:
    """The backend, and for torch on the CPU the SIMD level its kernels run."""
    if backend.module == "torch" and not backend.gpu:
        import torch

        return f"{backend} ({torch.backends.cpu.get_cpu_capability()})"
    return str(backend)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_max_ulp_error(
    backend_dtype: tuple[Backend, str], name: str, path: str
) -> None:
    backend, dtype = backend_dtype
    xb = backend.asarray(accuracy_grid(dtype), dtype)
    x = backend.to_numpy(xb).astype(np.float64)
    y = backend.to_numpy(getattr(selu_xp, name)(xb))
    err = max_ulp(name, x, y, dtype)
    bound = _bound(backend, name, dtype, path)
    where = _where(backend)
    assert err <= bound, f"{name} {dtype} on {where}: {err:.4f} ULP > {bound:g}"


WITH_OWN_SELU = [b for b in BACKENDS if b.module in ("torch", "jax")]


@pytest.mark.parametrize("case", backend_dtype_params(WITH_OWN_SELU))
def test_no_worse_than_the_backends_own_selu(
    case: tuple[Backend, str], path: str
) -> None:
    backend, dtype = case
    with active(backend):
        xb = backend.asarray(accuracy_grid(dtype), dtype)
        x = backend.to_numpy(xb).astype(np.float64)
        ours = max_ulp("selu", x, backend.to_numpy(selu_xp.selu(xb)), dtype)
        if backend.gpu and backend.module == "torch" and path == "fast":
            pytest.skip(
                "selu_xp runs torch's own CUDA kernel here: the comparison "
                "would be of that kernel with itself"
            )
        peer = backend.to_numpy(_peer_selu(backend, xb))
        theirs = max_ulp("selu", x, peer, dtype)
    assert ours <= theirs, f"{ours:.3f} ULP, {backend.module}'s own {theirs:.3f}"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_naive_formula_fails_the_bound(dtype: str) -> None:
    """The reference and the bound can tell a good selu from the naive one."""
    x = accuracy_grid(dtype).astype(dtype)
    s, a = np.asarray(selu_xp.SELU_SCALE, dtype), np.asarray(selu_xp.SELU_ALPHA, dtype)
    with np.errstate(over="ignore"):
        naive = np.where(x > 0, s * x, s * a * np.expm1(x))
    assert max_ulp("selu", x.astype(np.float64), naive, dtype) > BOUNDS.get(
        ("selu", dtype), DEFAULT_BOUND
    )
