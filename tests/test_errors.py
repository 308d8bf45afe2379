"""Bad input raises a clear error that names what was given."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from selu_xp import (
    alpha_dropout,
    elu,
    elu_derivative,
    lecun_normal,
    selu,
    selu_derivative,
)

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


# --- one message per mistake, in every framework ------------------------------


def _raised(call: Callable[[], object]) -> tuple[type[BaseException], str]:
    """The type and message of the exception that `call` raises."""
    with pytest.raises(Exception) as info:  # noqa: PT011  (compared below)
        call()
    return info.type, str(info.value)


DROPOUT_MISTAKES = {
    "rate = 1": {"rate": 1.0},
    "negative rate": {"rate": -0.1},
    "rate NaN": {"rate": math.nan},
    "rate a string": {"rate": "0.1"},
    "rate a bool": {"rate": True},
    "mean infinite": {"rate": 0.1, "mean": math.inf},
    "mean a string": {"rate": 0.1, "mean": "0"},
    "variance 0": {"rate": 0.1, "variance": 0.0},
    "variance negative": {"rate": 0.1, "variance": -1.0},
    "variance None": {"rate": 0.1, "variance": None},
}


@pytest.mark.parametrize("kwargs", DROPOUT_MISTAKES.values(), ids=DROPOUT_MISTAKES)
def test_alpha_dropout_mistakes_read_the_same_in_every_framework(
    kwargs: dict[str, Any],
) -> None:
    """selu_xp.alpha_dropout, selu_xp.keras.AlphaDropout, selu_xp.torch.AlphaDropout."""
    sk = pytest.importorskip("selu_xp.keras")
    st = pytest.importorskip("selu_xp.torch")
    kind, message = _raised(lambda: alpha_dropout(np.zeros(3), **kwargs))
    assert message.startswith("alpha_dropout() ")
    layer = message.replace("alpha_dropout()", "AlphaDropout()")
    assert _raised(lambda: sk.AlphaDropout(**kwargs)) == (kind, layer)
    # torch's argument is p, as in torch.nn.AlphaDropout.
    torch_kwargs = {("p" if k == "rate" else k): v for k, v in kwargs.items()}
    module = layer.replace("rate", "p")
    assert _raised(lambda: st.AlphaDropout(**torch_kwargs)) == (kind, module)


@pytest.mark.parametrize(
    "noise_shape",
    [(1.5, None), [1], (3, None)],
    ids=["not integers", "one entry short", "does not broadcast"],
)
def test_noise_shape_mistakes_read_the_same_in_keras(noise_shape: Any) -> None:
    sk = pytest.importorskip("selu_xp.keras")
    x = np.zeros((2, 3), dtype=np.float32)
    kind, message = _raised(
        lambda: alpha_dropout(x, 0.5, rng=0, noise_shape=noise_shape)
    )
    layer = message.replace("alpha_dropout()", "AlphaDropout()")
    # The rank is known on a call, where Keras adds the call's arguments.
    got = _raised(
        lambda: sk.AlphaDropout(0.5, noise_shape=noise_shape)(x, training=True)
    )
    assert got[0] is kind
    assert layer in got[1]


def test_lecun_normal_mistakes_read_the_same_in_every_framework() -> None:
    """selu_xp.lecun_normal, selu_xp.keras.LecunNormal, selu_xp.torch.init."""
    sk = pytest.importorskip("selu_xp.keras")
    st = pytest.importorskip("selu_xp.torch")
    torch = pytest.importorskip("torch")
    init = st.init.lecun_normal_

    def same(
        core: Callable[[], object], other: Callable[[], object], name: str
    ) -> None:
        kind, message = _raised(core)
        assert message.startswith("lecun_normal() ")
        want = message.replace("lecun_normal()", f"{name}()")
        assert _raised(other) == (kind, want)

    same(
        lambda: lecun_normal((4, 3), distribution="uniform"),
        lambda: init(torch.empty(4, 3), distribution="uniform"),
        "lecun_normal_",
    )
    same(lambda: lecun_normal((5,)), lambda: init(torch.empty(5)), "lecun_normal_")
    # fan_in = 0 in each layout: torch's (out, in), Keras's (in, out).
    same(
        lambda: lecun_normal((3, 0), in_axis=1, out_axis=0),
        lambda: init(torch.empty(3, 0)),
        "lecun_normal_",
    )
    same(
        lambda: lecun_normal((0, 3)),
        lambda: sk.LecunNormal(0)((0, 3)),
        "LecunNormal",
    )
    # Sizes that are not integers, refused by the same check.
    shapes: list[Any] = [(None, 3), ("4", 3), (4.0, 3)]
    for shape in shapes:
        same(
            functools.partial(lecun_normal, shape),
            functools.partial(sk.LecunNormal(0), shape),
            "LecunNormal",
        )


@pytest.mark.parametrize("seed", ["0", 1.5, True])
def test_keras_seed_mistakes_read_the_same(seed: Any) -> None:
    """selu_xp.keras.LecunNormal and selu_xp.keras.AlphaDropout."""
    sk = pytest.importorskip("selu_xp.keras")
    kind, message = _raised(lambda: sk.LecunNormal(seed))
    assert kind is TypeError
    layer = message.replace("LecunNormal()", "AlphaDropout()")
    assert _raised(lambda: sk.AlphaDropout(0.1, seed=seed)) == (kind, layer)
