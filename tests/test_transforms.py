"""Autograd, jit, vmap and laziness: the functions inside each backend's machinery.

Dask's laziness is checked in one test, `test_dask_stays_lazy`; what a
cluster's scheduler holds before and after a compute is tests/test_scale_out.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from array_api_extra.testing import lazy_xp_function, patch_lazy_xp_functions

import selu_xp
from selu_xp import elu, elu_derivative
from selu_xp._family import DERIVATIVE_OF, NAMES
from selu_xp.testing.oracle import eps, exact

from ._backends import (
    BACKENDS,
    Backend,
    active,
    assert_close,
    backend_dtype_params,
    backend_params,
)

# Each activation of the family whose derivative is a member too.
pair_ids = list(DERIVATIVE_OF)
PAIRS = [(getattr(selu_xp, a), getattr(selu_xp, d)) for a, d in DERIVATIVE_OF.items()]
GRAD_POINTS = np.asarray(
    [0.0, -0.0, 1000.0, -1000.0, -50.0, -30.0, -5.0, -1.0, -0.5, 1.0, 1e-8, -1e-8]
)

TORCH = [b for b in BACKENDS if b.module == "torch"]
JAX = [b for b in BACKENDS if b.module == "jax"]
DASK = [b for b in BACKENDS if b.module == "dask.array"]
ACTIVATIONS = NAMES
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


# The members as this module's globals, which array-api-extra's
# lazy_xp_function patches (to run them under jax.jit) by name.
globals().update({name: getattr(selu_xp, name) for name in NAMES})
for _name in NAMES:
    lazy_xp_function(globals()[_name])


@pytest.fixture(params=backend_params(JAX))
def jitted(request: pytest.FixtureRequest) -> Any:
    """A JAX column, this module's four functions replaced by their jax.jit."""
    backend = request.param
    with active(backend), patch_lazy_xp_functions(request, xp=backend.xp):
        yield backend


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_jax_under_jit(jitted: Backend, name: str, path: str) -> None:
    """Called under jit by array-api-extra's lazy_xp_function."""
    backend = jitted
    func = globals()[name]  # the patched module global
    assert func is not getattr(selu_xp, name)
    x = backend.asarray(np.linspace(-5, 5, 90).reshape(9, 10))
    desired = backend.asarray(exact(name, backend.to_numpy(x)))
    assert_close(func(x), desired, rtol=1e-15 if backend.float64 else 1e-6)


def _on_dask(name: str, x: Any) -> Any:
    if name == "alpha_dropout":
        return selu_xp.alpha_dropout(x, 0.2, rng=3)
    return getattr(selu_xp, name)(x)


@pytest.mark.parametrize("backend", backend_params(DASK), indirect=True)
@pytest.mark.parametrize("name", [*ACTIVATIONS, "alpha_dropout"])
def test_dask_stays_lazy(backend: Backend, name: str, path: str) -> None:
    """A call builds the graph and computes nothing; the chunks are kept.

    On the fast path an activation adds one blockwise layer over the input's,
    and its chunks give the NumPy fast path's bits.  Asked for, the result is
    computed once.
    """
    import dask
    from dask.blockwise import Blockwise

    computed: list[Any] = []

    def counting(dsk: Any, keys: Any, **kwargs: Any) -> Any:
        computed.append(keys)
        return dask.get(dsk, keys, **kwargs)  # type: ignore[attr-defined]

    values = np.linspace(-5, 5, 90).reshape(9, 10)
    x = backend.asarray(values)  # in several chunks
    assert x.npartitions > 1
    with dask.config.set(scheduler=counting):
        y = _on_dask(name, x)
        assert computed == [], "the call computed the graph"
        assert y.chunks == x.chunks
        assert type(y._meta) is type(x._meta)
        if name in ACTIVATIONS and path == "fast":
            assert set(y.dask.layers) - set(x.dask.layers) == {y.name}
            assert isinstance(y.dask.layers[y.name], Blockwise)
            assert y.dask.dependencies[y.name] == {x.name}
        got = y.compute()
    assert len(computed) == 1, "computing the result ran the graph more than once"
    if name not in ACTIVATIONS:
        return  # alpha_dropout's values: tests/test_dropout.py
    assert_close(y, backend.asarray(exact(name, values)), rtol=4 * eps("float64"))
    if path == "fast":
        np.testing.assert_array_equal(got, getattr(selu_xp, name)(values))


@pytest.mark.parametrize("alpha", [2.0**22, 2.0**-22])
def test_torch_generic_path_has_the_generic_derivative(alpha: float) -> None:
    """Coefficients outside the kernel's range take the generic path; under
    autograd its gradient is the generic derivative (not an automatic
    derivative through its table lookups), to every order."""
    torch = pytest.importorskip("torch")
    values = [-30.0, -3.0, -0.5, -1e-3, 0.7, 2.0]
    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(elu(x, alpha=alpha).sum(), x, create_graph=True)
    (curvature,) = torch.autograd.grad(slope.sum(), x)
    want = elu_derivative(np.asarray(values), alpha=alpha)
    # torch's exp and NumPy's may differ by an ULP
    np.testing.assert_allclose(slope.detach().numpy(), want, rtol=2**-50)
    curvature_want = np.where(np.asarray(values) > 0, 0.0, want)
    np.testing.assert_allclose(curvature.numpy(), curvature_want, rtol=2**-50)
    assert torch.autograd.gradcheck(lambda v: elu(v, alpha=alpha), (x,))
