"""Autograd, jit, vmap and laziness: the functions inside each backend's machinery."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from array_api_extra.testing import lazy_xp_function, patch_lazy_xp_functions

import selu_xp
from selu_xp import elu, elu_derivative, selu, selu_derivative

from ._backends import BACKENDS, Backend, active, backend_dtype_params, backend_params

PAIRS = [(selu, selu_derivative), (elu, elu_derivative)]
pair_ids = ["selu", "elu"]
GRAD_POINTS = np.asarray(
    [0.0, -0.0, 1000.0, -1000.0, -50.0, -30.0, -5.0, -1.0, -0.5, 1.0, 1e-8, -1e-8]
)

TORCH = [b for b in BACKENDS if b.module == "torch"]
JAX = [b for b in BACKENDS if b.module == "jax"]
LAZY = [b for b in BACKENDS if b.lazy]
FLOATS = ("float32", "float64")


def _float_cases(backends: list[Backend]) -> list[Any]:
    return [p for p in backend_dtype_params(backends) if p.values[0][1] in FLOATS]


@pytest.mark.parametrize("case", _float_cases(TORCH))
@pytest.mark.parametrize(("func", "derivative"), PAIRS, ids=pair_ids)
def test_torch_backward_is_finite_and_exact(
    case: tuple[Backend, str], func: Any, derivative: Any, path: str
) -> None:
    backend, dtype = case
    x = backend.asarray(GRAD_POINTS, dtype).requires_grad_(True)
    func(x).sum().backward()
    grad = backend.to_numpy(x.grad)
    assert np.all(np.isfinite(grad))
    expected = backend.to_numpy(derivative(x.detach()))
    # Relative agreement everywhere, -50 and -1000 included: autograd's own
    # rule for expm1 (via expm1(x) + 1) would cancel there.
    np.testing.assert_allclose(grad, expected, rtol=4 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("case", _float_cases(JAX))
@pytest.mark.parametrize(("func", "derivative"), PAIRS, ids=pair_ids)
def test_jax_grad_jit_vmap(
    case: tuple[Backend, str], func: Any, derivative: Any, path: str
) -> None:
    import jax

    backend, dtype = case
    with active(backend):
        x = backend.asarray(GRAD_POINTS, dtype)
        grad = jax.vmap(jax.grad(func))(x)
        assert np.all(np.isfinite(np.asarray(grad)))
        expected = np.asarray(derivative(x))
        # As for torch:
        tol: dict[str, Any] = {"rtol": 8 * float(np.finfo(dtype).eps), "atol": 0.0}
        np.testing.assert_allclose(np.asarray(grad), expected, **tol)
        sum_grad = jax.grad(lambda v: func(v).sum())(x)
        np.testing.assert_allclose(np.asarray(sum_grad), expected, **tol)

        m = backend.asarray(np.linspace(-4, 4, 24).reshape(4, 6), dtype)
        eager = np.asarray(func(m))

        # jax.jit caches a trace per function, whatever force_generic says:
        # trace a fresh function so that this path's trace is the one compared.
        def fresh(v: Any) -> Any:
            return func(v)

        np.testing.assert_array_equal(np.asarray(jax.jit(fresh)(m)), eager)
        np.testing.assert_array_equal(np.asarray(jax.vmap(fresh)(m)), eager)
        np.testing.assert_array_equal(np.asarray(jax.jit(jax.vmap(fresh))(m)), eager)
        assert jax.jit(fresh)(m).dtype == m.dtype


for _f in (selu, elu, selu_derivative, elu_derivative):
    lazy_xp_function(_f)


@pytest.fixture(params=backend_params(LAZY))
def lazy_backend(request: pytest.FixtureRequest) -> Any:
    """JAX (functions run under jax.jit) and Dask (computing the graph raises)."""
    backend = request.param
    with active(backend), patch_lazy_xp_functions(request, xp=backend.xp):
        yield backend


@pytest.mark.parametrize("name", ["selu", "elu", "selu_derivative", "elu_derivative"])
def test_lazy_backends_stay_lazy(lazy_backend: Backend, name: str, path: str) -> None:
    """Under jit on JAX, and without computing anything on Dask."""
    backend = lazy_backend
    func = globals()[name]  # the patched module global: jitted / compute-guarded
    assert func is not getattr(selu_xp, name)
    values = np.linspace(-5, 5, 90).reshape(9, 10)
    x = backend.asarray(values)
    y = func(x)
    if backend.module == "dask.array":
        assert y.chunks == x.chunks
    with selu_xp.force_generic():
        reference = getattr(selu_xp, name)(np.asarray(backend.to_numpy(x)))
    rtol = 1e-15 if backend.float64 else 1e-6
    np.testing.assert_allclose(backend.to_numpy(y), reference, rtol=rtol)


def test_dask_computes_nothing_until_asked() -> None:
    import dask
    import dask.array as da

    calls: list[int] = []

    def counting(dsk: Any, keys: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return dask.get(dsk, keys, **kwargs)  # type: ignore[attr-defined]

    x = da.from_array(np.linspace(-3, 3, 100), chunks=25)
    with dask.config.set(scheduler=counting):
        y = selu(x)
        z = selu_derivative(elu(y))
        assert calls == []
        assert isinstance(z, da.Array)
        assert z.chunks == x.chunks
        z.compute()
        assert calls == [1]
