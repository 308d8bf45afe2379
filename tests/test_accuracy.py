"""Accuracy in ULPs against the mpmath reference, on every backend, dtype and path."""

from __future__ import annotations

import numpy as np
import pytest

import selu_xp

from ._backends import BACKENDS, Backend, active, backend_dtype_params
from ._reference import accuracy_grid, max_ulp

FUNCTIONS = ["selu", "elu", "selu_derivative", "elu_derivative"]

# Bounds in ULPs of the result dtype.  float32 and half precision are computed
# wider and rounded once (except on the PyTorch and JAX fast paths, held to
# their libraries' own functions); float64 has one rounding of the exp/expm1 result and
# one of the product (the derivative's exp is less accurate than expm1 on
# NumPy, hence its wider float64 bound).
BOUNDS = {
    ("selu", "float64"): 1.5,
    ("elu", "float64"): 1.5,
    ("selu_derivative", "float64"): 2.0,
    ("elu_derivative", "float64"): 1.5,
}
DEFAULT_BOUND = 1.0


def _peer_selu(backend: Backend, x: object) -> object | None:
    """The backend's own selu, the bar that its path must clear."""
    if backend.module == "torch":
        import torch

        return torch.nn.functional.selu(x)  # type: ignore[arg-type]
    if backend.module == "jax":
        import jax

        return jax.nn.selu(x)
    return None


def _torch_peer(name: str, x: object) -> object:
    """torch.nn.functional's selu or elu."""
    import torch

    return getattr(torch.nn.functional, name)(x)


def _jax_bound(backend: Backend, name: str, dtype: str, path: str) -> float | None:
    """JAX's bounds; None where the bar is jax.nn.selu's own error.

    XLA's float32 expm1 and float64 expm1 are several ULPs off.  The JAX fast
    path evaluates expm1 near 0 with a polynomial (both float32 and float64),
    as the generic path does for float32 when JAX has no float64; the generic
    float64 path uses XLA's expm1 and is held to "no worse than jax.nn.selu".
    """
    if dtype in ("float16", "bfloat16"):
        return DEFAULT_BOUND
    if name.endswith("derivative"):
        return 2.0 if dtype == "float64" or not backend.float64 else DEFAULT_BOUND
    if dtype == "float32" and backend.float64 and path == "generic":
        return DEFAULT_BOUND
    if dtype == "float64" and path == "generic":
        return None
    return 2.5


@pytest.mark.parametrize("name", FUNCTIONS)
def test_max_ulp_error(
    backend_dtype: tuple[Backend, str], name: str, path: str
) -> None:
    backend, dtype = backend_dtype
    xb = backend.asarray(accuracy_grid(dtype), dtype)
    x = backend.to_numpy(xb).astype(np.float64)
    y = backend.to_numpy(getattr(selu_xp, name)(xb))
    err = max_ulp(name, x, y, dtype)
    if backend.module == "jax":
        bound = _jax_bound(backend, name, dtype, path)
        if bound is None:
            if name == "selu":
                peer = max_ulp(
                    "selu", x, backend.to_numpy(_peer_selu(backend, xb)), dtype
                )
                assert err <= peer, f"{err:.3f} ULP, jax.nn.selu {peer:.3f} ULP"
            return
    elif (
        backend.module == "torch"
        and path == "fast"
        and dtype == "float32"
        and name in ("selu", "elu")
    ):
        # PyTorch's float32 fast path is torch's own float32 kernel: held to
        # torch's own function's error on the same points, not to 1 ULP.
        peer = max_ulp(name, x, backend.to_numpy(_torch_peer(name, xb)), dtype)
        assert err <= peer, f"{name}: {err:.3f} ULP, torch's own {peer:.3f} ULP"
        assert err <= 2.0, f"{name}: {err:.3f} ULP"
        return
    else:
        bound = BOUNDS.get((name, dtype), DEFAULT_BOUND)
    assert err <= bound, f"{name} {dtype} on {backend}: {err:.3f} ULP > {bound}"


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
