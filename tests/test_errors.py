"""Bad input raises a clear error that names what was given."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from selu_xp import elu, elu_derivative, selu, selu_derivative

from ._backends import Backend

FUNCTIONS = [selu, elu, selu_derivative, elu_derivative]
ids = [f.__name__ for f in FUNCTIONS]


def _dtype(backend: Backend, name: str) -> Any:
    return getattr(backend.xp, name)


@pytest.mark.parametrize("func", FUNCTIONS, ids=ids)
@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "bool"])
def test_integer_and_boolean_arrays_are_refused(
    backend: Backend, func: Any, dtype: str
) -> None:
    if dtype == "int64" and not backend.float64:
        dtype = "int32"  # JAX without x64 has no 64-bit types
    x = backend.xp.astype(
        backend.asarray(np.asarray([0.0, 1.0, 2.0])), _dtype(backend, dtype)
    )
    with pytest.raises(
        TypeError,
        match=rf"{func.__name__}\(\) expects a real floating-point array, "
        rf"got dtype .*{dtype}.*astype",
    ):
        func(x)


@pytest.mark.parametrize("func", FUNCTIONS, ids=ids)
def test_complex_arrays_are_refused(backend: Backend, func: Any) -> None:
    xp = backend.xp
    name = "complex128" if backend.float64 else "complex64"
    x = xp.astype(backend.asarray(np.asarray([1.0, -1.0])), getattr(xp, name))
    with pytest.raises(TypeError, match=rf"got dtype .*{name}"):
        func(x)


@pytest.mark.parametrize("func", FUNCTIONS, ids=ids)
@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (1.0, "float"),
        ([1.0, -1.0], "list"),
        ((1.0,), "tuple"),
        ("1.0", "str"),
        (None, "NoneType"),
    ],
)
def test_non_arrays_are_refused(func: Any, value: object, type_name: str) -> None:
    with pytest.raises(
        TypeError, match=rf"expects an array .* got builtins\.{type_name}\. Convert"
    ):
        func(value)


@pytest.mark.parametrize("scalar", [np.float64(-1.0), np.float32(-1.0), np.float16(-1)])
def test_numpy_scalars_are_numpy_0d_inputs(scalar: np.floating[Any]) -> None:
    y = selu(scalar)
    assert isinstance(y, np.ndarray | np.generic)
    assert y.dtype == scalar.dtype
    assert y.shape == ()
    assert float(y) == pytest.approx(float(selu(np.asarray([-1.0]))[0]), rel=1e-3)


def test_numpy_integer_scalars_are_refused() -> None:
    with pytest.raises(TypeError, match="got dtype int64"):
        selu(np.int64(1))


@pytest.mark.parametrize(
    "func", [selu, selu_derivative], ids=["selu", "selu_derivative"]
)
@pytest.mark.parametrize("name", ["alpha", "scale"])
def test_bad_selu_parameters(func: Any, name: str) -> None:
    x = np.zeros(3)
    with pytest.raises(
        TypeError, match=rf"expects {name} to be a real number, got str"
    ):
        func(x, **{name: "1.0"})
    with pytest.raises(
        TypeError, match=rf"expects {name} to be a real number, got bool"
    ):
        func(x, **{name: True})
    with pytest.raises(
        TypeError, match=rf"expects {name} to be a real number, got ndarray"
    ):
        func(x, **{name: np.ones(2)})
    for bad in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match=rf"expects a finite {name}"):
            func(x, **{name: bad})


@pytest.mark.parametrize("func", [elu, elu_derivative], ids=["elu", "elu_derivative"])
def test_bad_elu_alpha(func: Any) -> None:
    x = np.zeros(3)
    with pytest.raises(TypeError, match="expects alpha to be a real number"):
        func(x, "1")
    with pytest.raises(ValueError, match="expects a finite alpha"):
        func(x, math.nan)


def test_parameters_accept_integers_and_numpy_scalars() -> None:
    x = np.asarray([-1.0, 1.0])
    np.testing.assert_array_equal(elu(x, 1), elu(x, 1.0))
    np.testing.assert_array_equal(selu(x, scale=np.float32(2.0)), selu(x, scale=2.0))


def test_positional_use_matches_the_signatures() -> None:
    x = np.asarray([-1.0, 1.0])
    with pytest.raises(TypeError):
        selu(x, 1.0)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        selu(x=x)  # type: ignore[call-arg]
    np.testing.assert_array_equal(elu(x, 0.5), elu(x, alpha=0.5))
