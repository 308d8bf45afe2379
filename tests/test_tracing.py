"""Traced and compiled code: torch.compile, jax.jit, tf.function, ndonnx graphs.

A tracer runs the Python of a function once and keeps the operations it saw;
random numbers drawn in Python at that moment would be baked into the result
and reused on every call.  Each random function therefore either draws on
every call of the compiled function (torch.compile, tf.function) or refuses
``rng=None`` with a ValueError that says to pass a key (JAX tracers, lazy
ndonnx arrays).  The torch.compile tests also check every public function in
every floating dtype against its eager result.

torch.compile is slow, so each group of functions is compiled once into one
graph per dtype (``dynamic=False``), cached for the group's tests.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import selu_xp
from selu_xp._family import FAMILY

from ._processes import run_python

# Raised by torch while compiling: a deprecation inside its own modules.
COMPILE_WARNINGS = [
    pytest.mark.filterwarnings("ignore:.*torch.jit.script_method.*:DeprecationWarning"),
]

TORCH_DTYPES = ["float16", "bfloat16", "float32", "float64"]

# Interesting points of the ELU family: both sides of 0, tiny and large.
POINTS = np.concatenate(
    [
        [-1000.0, -50.0, -20.0, -5.0, -1.0, -1e-3, -1e-8, -1e-9, -0.0, 0.0],
        [1e-8, 1e-3, 0.5, 1.0, 5.0, 20.0, 1000.0],
        np.linspace(-10.0, 3.0, 48),
    ]
)


def _torch() -> Any:
    return pytest.importorskip("torch")


def _torch_x(dtype: str) -> Any:
    torch = _torch()
    return torch.tensor(POINTS, dtype=torch.float64).to(getattr(torch, dtype))


def _bits(t: Any) -> np.ndarray:
    """A tensor's values as float64, for exact comparison (NaN equal to NaN)."""
    return np.asarray(t.detach().double().cpu().numpy())


# --- torch.compile: the activations -----------------------------------------

_SELU_NEG = selu_xp.SELU_SCALE * selu_xp.SELU_ALPHA

# name -> |neg|, the coefficient of the expm1 branch (None for derivatives).
ACTIVATIONS: dict[str, float | None] = {
    **{m.name: None if m.derivative else m.neg for m in FAMILY},
    "elu(alpha=0.5)": 0.5,
    "selu_derivative(alpha=1.5, scale=1.1)": None,
    "elu_derivative(alpha=0.5)": None,
    "selu with selu_parameters(0.1, 2.0)": 1.9769 * 1.0739 * 1.01,
    "selu_xp.torch.SELU()": _SELU_NEG,
    "selu_xp.torch.SELU(alpha=1.5, scale=1.1)": 1.65,
    "selu(alpha=1.5, scale=1.1)": 1.65,
}


@functools.cache
def _activation_calls() -> dict[str, Callable[[Any], Any]]:
    """Every activation by name; made outside of the traced code."""
    st = pytest.importorskip("selu_xp.torch")
    default, other = st.SELU(), st.SELU(alpha=1.5, scale=1.1)
    return {
        **{m.name: getattr(selu_xp, m.name) for m in FAMILY},
        "elu(alpha=0.5)": lambda x: selu_xp.elu(x, alpha=0.5),
        "selu_derivative(alpha=1.5, scale=1.1)": lambda x: selu_xp.selu_derivative(
            x, alpha=1.5, scale=1.1
        ),
        "elu_derivative(alpha=0.5)": lambda x: selu_xp.elu_derivative(x, alpha=0.5),
        # selu_parameters runs while torch traces (decimal arithmetic).
        "selu with selu_parameters(0.1, 2.0)": lambda x: selu_xp.selu(
            x, **_parameters(0.1, 2.0)
        ),
        "selu_xp.torch.SELU()": default,
        "selu_xp.torch.SELU(alpha=1.5, scale=1.1)": other,
        "selu(alpha=1.5, scale=1.1)": lambda x: selu_xp.selu(x, alpha=1.5, scale=1.1),
    }


def _parameters(mean: float, variance: float) -> dict[str, float]:
    alpha, scale = selu_xp.selu_parameters(mean, variance)
    return {"alpha": alpha, "scale": scale}


# One function per group, so that each has its own code object, and with it
# its own cache of compiled graphs (one per dtype; Dynamo allows 8 per code).
# They read the activations from _CALLS, filled outside of the traced code.
def _run_activations(x: Any) -> dict[str, Any]:
    return {name: _CALLS[name](x) for name in ACTIVATIONS}


_CALLS: dict[str, Callable[[Any], Any]] = {}


@functools.cache
def _compiled_results(run: Any, dtype: str) -> dict[str, Any]:
    _CALLS.update(_activation_calls())
    compiled = _torch().compile(run, fullgraph=True, dynamic=False)
    return compiled(_torch_x(dtype))


def _check_activation(name: str, dtype: str, got: Any) -> None:
    """Compiled, every activation on CPU is the kernel's operator, opaque to
    Inductor: eager's bits (expm1 near 0 included, which Inductor would
    compute as exp(x) - 1)."""
    x = _torch_x(dtype)
    want = _activation_calls()[name](x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(_bits(got), _bits(want), err_msg=name)


@COMPILE_WARNINGS[0]
@pytest.mark.parametrize("dtype", TORCH_DTYPES)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_torch_compile_activation(name: str, dtype: str) -> None:
    got = _compiled_results(_run_activations, dtype)[name]
    _check_activation(name, dtype, got)


@COMPILE_WARNINGS[0]
def test_torch_compile_keeps_expm1_near_zero() -> None:
    """At x = -1e-9 the compiled selu is the kernel's -1.758e-9; Inductor's
    own lowering of F.selu computes exp(x) - 1 there, which is 0."""
    torch = _torch()
    x = torch.tensor([-1e-9, -1e-30], dtype=torch.float32)
    got = torch.compile(selu_xp.selu, fullgraph=True, dynamic=False)(x)
    want = [float(np.float32(-1e-9)) * _SELU_NEG, float(np.float32(-1e-30)) * _SELU_NEG]
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-7)
    f_selu = torch.compile(torch.nn.functional.selu, fullgraph=True, dynamic=False)
    assert f_selu(x)[0].item() == 0.0  # what the operator protects against


# --- torch.compile: the random functions ------------------------------------

RATE = 0.2
SHAPE = (24, 16)

RANDOM_FUNCTIONS = [
    "alpha_dropout",
    "lecun_normal",
    "lecun_normal(distribution='normal')",
    "selu_xp.torch.AlphaDropout",
    "selu_xp.torch.init.lecun_normal_",
]


def _random_calls(gen: Any) -> dict[str, Any]:
    """The random functions, each drawing from the torch.Generator `gen`."""
    torch = _torch()
    st = pytest.importorskip("selu_xp.torch")
    drop = st.AlphaDropout(RATE, generator=gen)
    rng = {"rng": gen}
    init = {"generator": gen}
    return {
        "alpha_dropout": lambda x: selu_xp.alpha_dropout(x, RATE, **rng),
        "lecun_normal": lambda x: selu_xp.lecun_normal(
            SHAPE, dtype=x.dtype, xp=torch, **rng
        ),
        "lecun_normal(distribution='normal')": lambda x: selu_xp.lecun_normal(
            SHAPE, distribution="normal", dtype=x.dtype, xp=torch, **rng
        ),
        "selu_xp.torch.AlphaDropout": lambda x: drop(x),
        "selu_xp.torch.init.lecun_normal_": lambda x: st.init.lecun_normal_(
            torch.empty(SHAPE, dtype=x.dtype), **init
        ),
    }


def _random_x(dtype: str) -> Any:
    torch = _torch()
    g = torch.Generator().manual_seed(1)
    z = torch.randn(SHAPE, generator=g, dtype=torch.float64)
    return z.to(getattr(torch, dtype))


def _twice_with_generator(calls: dict[str, Any]) -> Any:
    def run(x: Any) -> dict[str, Any]:
        # In program order, all from one generator: every function twice.
        return {name: (f(x), f(x)) for name, f in calls.items()}

    return run


@functools.cache
def _with_generator(dtype: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(compiled, eager) results of the random functions with a Generator."""
    torch = _torch()
    x = _random_x(dtype)
    calls = _random_calls(torch.Generator().manual_seed(5))
    compiled = torch.compile(
        _twice_with_generator(calls), fullgraph=True, dynamic=False
    )
    eager = _twice_with_generator(_random_calls(torch.Generator().manual_seed(5)))
    return compiled(x), eager(x)


@COMPILE_WARNINGS[0]
@pytest.mark.parametrize("dtype", TORCH_DTYPES)
@pytest.mark.parametrize("name", RANDOM_FUNCTIONS)
def test_torch_compile_with_a_generator_is_eager_bit_for_bit(
    name: str, dtype: str
) -> None:
    got, want = _with_generator(dtype)
    (g1, g2), (w1, w2) = got[name], want[name]
    assert g1.dtype == w1.dtype
    # The draws run eagerly inside the graph (one opaque operator), from the
    # same generator state and in program order; the rest is the same
    # expression (a * x + b in float64 for float32 and float64, rounded once).
    np.testing.assert_array_equal(_bits(g1), _bits(w1))
    np.testing.assert_array_equal(_bits(g2), _bits(w2))
    assert not np.array_equal(_bits(g1), _bits(g2)), "the generator advances"


# Without a generator: rng=None (fresh entropy on every call), an int seed
# (the portable stream, the same numbers on every call) and, for
# selu_xp.torch, torch's global generator.
DEFAULTS = [
    "alpha_dropout(rng=None)",
    "alpha_dropout(rng=7)",
    "lecun_normal(rng=None)",
    "lecun_normal(rng=7)",
    "selu_xp.torch.AlphaDropout",
    "selu_xp.torch.init.lecun_normal_",
]


@functools.cache
def _default_calls() -> dict[str, Callable[[Any], Any]]:
    torch = _torch()
    st = pytest.importorskip("selu_xp.torch")
    drop = st.AlphaDropout(RATE)
    return {
        "alpha_dropout(rng=None)": lambda x: selu_xp.alpha_dropout(x, RATE),
        "alpha_dropout(rng=7)": lambda x: selu_xp.alpha_dropout(x, RATE, rng=7),
        "lecun_normal(rng=None)": lambda x: selu_xp.lecun_normal(
            SHAPE, dtype=x.dtype, xp=torch
        ),
        "lecun_normal(rng=7)": lambda x: selu_xp.lecun_normal(
            SHAPE, dtype=x.dtype, xp=torch, rng=7
        ),
        "selu_xp.torch.AlphaDropout": drop,
        "selu_xp.torch.init.lecun_normal_": lambda x: st.init.lecun_normal_(
            torch.empty(SHAPE, dtype=x.dtype)
        ),
    }


@functools.cache
def _compiled_defaults() -> Any:
    calls = _default_calls()

    def twice_by_default(x: Any) -> dict[str, Any]:
        return {name: (f(x), f(x)) for name, f in calls.items()}

    return _torch().compile(twice_by_default, fullgraph=True, dynamic=False)


@functools.cache
def _by_default(dtype: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two runs of the compiled defaults, each after ``torch.manual_seed(9)``."""
    torch = _torch()
    compiled = _compiled_defaults()
    x = torch.zeros(SHAPE, dtype=getattr(torch, dtype))
    torch.manual_seed(9)
    first = compiled(x)
    torch.manual_seed(9)
    return first, compiled(x)


@COMPILE_WARNINGS[0]
@pytest.mark.parametrize("dtype", TORCH_DTYPES)
@pytest.mark.parametrize("name", DEFAULTS)
def test_torch_compile_without_a_generator(name: str, dtype: str) -> None:
    torch = _torch()
    first, again = _by_default(dtype)
    (a, b), (c, _) = first[name], again[name]
    x = torch.zeros(SHAPE, dtype=getattr(torch, dtype))
    assert a.dtype == x.dtype
    if "rng=7" in name:
        # The portable stream, drawn on the host on every call: eager's bits.
        want = _default_calls()[name](x)
        for got in (a, b, c):
            np.testing.assert_array_equal(_bits(got), _bits(want))
        return
    assert not np.array_equal(_bits(a), _bits(b)), "a fresh draw on every call"
    if name.startswith("selu_xp.torch"):
        # torch's global generator: Inductor's own stream, from the seed.
        np.testing.assert_array_equal(_bits(a), _bits(c))
    else:
        assert not np.array_equal(_bits(a), _bits(c)), "not from torch's seed"
    if "dropout" in name.lower():
        # Zeros in: the two closed-form values, as eagerly.
        seeded = selu_xp.alpha_dropout(x, RATE, rng=0)
        assert set(_bits(a).ravel()) == set(_bits(seeded).ravel())
    else:
        fan_in = SHAPE[1] if name.startswith("selu_xp.torch") else SHAPE[0]
        bound = 2 / 0.87962566103423978 / math.sqrt(fan_in)
        assert np.abs(_bits(a)).max() <= bound


@COMPILE_WARNINGS[0]
def test_torch_compile_guards_on_the_generator() -> None:
    torch = _torch()

    def drop(x: Any, gen: Any) -> Any:
        return selu_xp.alpha_dropout(x, RATE, rng=gen)

    compiled = torch.compile(drop, fullgraph=True, dynamic=False)
    x = _random_x("float32")
    for seed in (1, 2):  # another generator object compiles anew
        got = compiled(x, torch.Generator().manual_seed(seed))
        want = drop(x, torch.Generator().manual_seed(seed))
        np.testing.assert_array_equal(_bits(got), _bits(want))


@COMPILE_WARNINGS[0]
def test_torch_compile_backward_uses_the_forward_mask() -> None:
    torch = _torch()
    st = pytest.importorskip("selu_xp.torch")
    grads = []
    for compile_ in (True, False):
        m = st.AlphaDropout(0.5, generator=torch.Generator().manual_seed(3))
        f = torch.compile(m, fullgraph=True, dynamic=False) if compile_ else m
        x = _random_x("float32").requires_grad_()
        (f(x) * torch.arange(x.numel()).reshape(x.shape)).sum().backward()
        grads.append(_bits(x.grad))
    np.testing.assert_array_equal(grads[0], grads[1])


@COMPILE_WARNINGS[0]
def test_torch_compile_alpha_dropout_module_in_evaluation() -> None:
    torch = _torch()
    st = pytest.importorskip("selu_xp.torch")
    m = st.AlphaDropout(RATE, generator=torch.Generator()).eval()
    x = _random_x("float32")
    np.testing.assert_array_equal(_bits(torch.compile(m, fullgraph=True)(x)), _bits(x))


# --- torch.compile(dynamic=True): symbolic parameters and shapes -------------


def _dynamic_step(
    x: Any, alpha: float, scale: float, rate: float, mean: float
) -> tuple[Any, ...]:
    """Every function with non-default parameters, all passed in as arguments."""
    return (
        selu_xp.selu(x, alpha=alpha, scale=scale),
        selu_xp.elu(x, alpha=alpha),
        selu_xp.selu_derivative(x, alpha=alpha, scale=scale),
        selu_xp.elu_derivative(x, alpha=alpha),
        selu_xp.alpha_dropout(x, rate, rng=7, mean=mean, variance=2.0),
    )


@COMPILE_WARNINGS[0]
def test_torch_compile_dynamic_takes_symbolic_parameters() -> None:
    # dynamic=True traces Python floats (arguments and defaults) as symbols,
    # on which the parameters' checks and decimal arithmetic cannot run:
    # they are pinned to their values, and another value compiles anew.
    torch = _torch()
    compiled = torch.compile(_dynamic_step, dynamic=True, fullgraph=True)
    runs = [(8, (1.5, 1.1, 0.2, 0.1)), (12, (0.5, 2.0, 0.4, -0.1))]
    for n, params in [*runs, runs[0]]:
        x = torch.linspace(-6.0, 3.0, 3 * n, dtype=torch.float64).reshape(n, 3)
        got = compiled(x, *params)
        want = _dynamic_step(x, *params)
        for g, w in zip(got[:4], want[:4], strict=True):
            # As for dynamic=False (_check_activation): the kernel's bits.
            np.testing.assert_array_equal(_bits(g), _bits(w), err_msg=str(params))
        # The mask of the portable stream and the same affine map, bit for bit.
        np.testing.assert_array_equal(_bits(got[4]), _bits(want[4]))


# --- JAX: rng=None is refused under a tracer; keys work ----------------------


def _jax() -> Any:
    return pytest.importorskip("jax")


JAX_REFUSED: dict[str, Callable[[Any, Any], Any]] = {
    "jit(alpha_dropout)": lambda jax, x: jax.jit(
        lambda v: selu_xp.alpha_dropout(v, RATE)
    )(x),
    "jit over a constant input": lambda jax, x: jax.jit(
        lambda: selu_xp.alpha_dropout(x, RATE)
    )(),
    "jit(lecun_normal)": lambda jax, x: jax.jit(
        lambda: selu_xp.lecun_normal(SHAPE, xp=jax.numpy)
    )(),
    "lax.scan": lambda jax, x: jax.lax.scan(
        lambda c, _: (c, selu_xp.alpha_dropout(x, RATE)), 0, None, length=2
    ),
    # vmap would share one mask over the batch; grad is refused alike.
    "vmap(alpha_dropout)": lambda jax, x: jax.vmap(
        lambda v: selu_xp.alpha_dropout(v, RATE)
    )(x),
    "grad(alpha_dropout)": lambda jax, x: jax.grad(
        lambda v: selu_xp.alpha_dropout(v, RATE).sum()
    )(x),
}


@pytest.mark.parametrize("case", list(JAX_REFUSED))
def test_jax_tracer_refuses_rng_none(case: str) -> None:
    jax = _jax()
    x = jax.numpy.zeros(SHAPE)
    match = r"got rng=None .*once.*rng=jax\.random\.key\(seed\).*new key"
    with pytest.raises(ValueError, match=match):
        JAX_REFUSED[case](jax, x)


def test_jax_jit_with_a_key_draws_per_key() -> None:
    jax = _jax()
    x = jax.numpy.zeros(SHAPE)

    def train_step(v: Any, key: Any) -> Any:
        k1, k2 = jax.random.split(key)
        w = selu_xp.lecun_normal(SHAPE, xp=jax.numpy, rng=k2)
        return selu_xp.alpha_dropout(v, RATE, rng=k1), w

    step = jax.jit(train_step)
    a, wa = (np.asarray(t) for t in step(x, jax.random.key(0)))
    b, wb = (np.asarray(t) for t in step(x, jax.random.key(1)))
    again, _ = step(x, jax.random.key(0))
    assert not np.array_equal(a, b)
    assert not np.array_equal(wa, wb)
    np.testing.assert_array_equal(np.asarray(again), a)
    k1, _ = jax.random.split(jax.random.key(0))
    np.testing.assert_array_equal(a, np.asarray(selu_xp.alpha_dropout(x, RATE, rng=k1)))


def test_jax_eager_and_no_draw_keep_rng_none() -> None:
    jax = _jax()
    x = jax.numpy.zeros(SHAPE)
    a = np.asarray(selu_xp.alpha_dropout(x, RATE))
    assert not np.array_equal(a, np.asarray(selu_xp.alpha_dropout(x, RATE)))
    # Nothing is drawn without training: the input comes back, traced too.
    same = jax.jit(lambda v: selu_xp.alpha_dropout(v, RATE, training=False))(x)
    np.testing.assert_array_equal(np.asarray(same), np.asarray(x))


# --- Host streams: refused wherever Python runs once for many calls ---------

HOST_STREAMS: dict[str, Callable[[], Any]] = {
    "Generator": lambda: np.random.default_rng(0),
    "SeedSequence": lambda: np.random.SeedSequence(0),
    "BitGenerator": lambda: np.random.PCG64(0),
}


def _jax_traced(name: str, rng: Any) -> Any:
    jax = _jax()
    x = jax.numpy.zeros(SHAPE)
    if name == "alpha_dropout":
        return jax.jit(lambda v: selu_xp.alpha_dropout(v, RATE, rng=rng))(x)
    return jax.jit(lambda: selu_xp.lecun_normal(SHAPE, xp=jax.numpy, rng=rng))()


def _tf_traced(name: str, rng: Any) -> Any:
    tf = pytest.importorskip("tensorflow")
    if name == "alpha_dropout":
        f = tf.function(lambda v: selu_xp.alpha_dropout(v, RATE, rng=rng))
    else:
        f = tf.function(lambda v: selu_xp.lecun_normal(SHAPE, xp=tf, rng=rng))
    return f(tf.zeros(SHAPE))


def _ndonnx_traced(name: str, rng: Any) -> Any:
    ndx = pytest.importorskip("ndonnx")
    x = ndx.argument(shape=SHAPE, dtype=ndx.float32)
    return selu_xp.alpha_dropout(x, RATE, rng=rng)


TRACED: dict[str, tuple[Callable[[str, Any], Any], str, str]] = {
    "jax.jit(alpha_dropout)": (_jax_traced, "alpha_dropout", "jax.random.key"),
    "jax.jit(lecun_normal)": (_jax_traced, "lecun_normal", "jax.random.key"),
    "tf.function(alpha_dropout)": (_tf_traced, "alpha_dropout", "tf.random.Gen"),
    "tf.function(lecun_normal)": (_tf_traced, "lecun_normal", "tf.random.Gen"),
    "ndonnx graph(alpha_dropout)": (_ndonnx_traced, "alpha_dropout", "outside"),
}


@pytest.mark.parametrize("kind", list(HOST_STREAMS))
@pytest.mark.parametrize("case", list(TRACED))
def test_host_stream_is_refused_where_it_would_be_drawn_once(
    case: str, kind: str
) -> None:
    # Traced once, the stream would give one mask (or one set of weights) to
    # every call of the compiled function, without advancing.
    trace, name, advice = TRACED[case]
    rng = HOST_STREAMS[kind]()
    given = type(rng).__name__  # PCG64 for the BitGenerator
    match = rf"{name}\(\) got a numpy\.random\.{given} as rng .*once.*{advice}"
    with pytest.raises(ValueError, match=match):
        trace(name, rng)


def test_host_streams_and_seeds_keep_their_meaning_outside_tracers() -> None:
    jax = _jax()
    x = jax.numpy.zeros(SHAPE)
    # An int seed under jax.jit names one draw, the eager one, on every call.
    step = jax.jit(lambda v: selu_xp.alpha_dropout(v, RATE, rng=7))
    want = np.asarray(selu_xp.alpha_dropout(np.zeros(SHAPE, np.float32), RATE, rng=7))
    np.testing.assert_array_equal(np.asarray(step(x)), want)
    np.testing.assert_array_equal(np.asarray(step(x)), want)
    # Eagerly, a Generator advances: two calls, two masks, those of the stream.
    gen = np.random.default_rng(3)
    a, b = (np.asarray(selu_xp.alpha_dropout(x, RATE, rng=gen)) for _ in range(2))
    stream = np.random.default_rng(3)
    for got in (a, b):
        keep = stream.random(SHAPE) < 1 - RATE
        np.testing.assert_array_equal(got < 0, ~keep)


# --- ndonnx: a graph would store one mask -----------------------------------


def test_ndonnx_argument_refuses_rng_none() -> None:
    ndx = pytest.importorskip("ndonnx")
    x = ndx.argument(shape=SHAPE, dtype=ndx.float32)
    with pytest.raises(ValueError, match=r"rng=None for an ndonnx array.*rng=seed"):
        selu_xp.alpha_dropout(x, RATE)
    assert selu_xp.alpha_dropout(x, RATE, training=False) is x
    # Arrays with values draw as NumPy does: fresh on every call.
    v = ndx.asarray(np.zeros(SHAPE, dtype=np.float32))
    a, b = (selu_xp.alpha_dropout(v, RATE).unwrap_numpy() for _ in range(2))
    assert not np.array_equal(a, b)


def test_ndonnx_graph_with_a_seed_holds_the_portable_mask() -> None:
    ndx = pytest.importorskip("ndonnx")
    ort = pytest.importorskip("onnxruntime")
    x = ndx.argument(shape=SHAPE, dtype=ndx.float32)
    model = ndx.build({"x": x}, {"y": selu_xp.alpha_dropout(x, RATE, rng=7)})
    session = ort.InferenceSession(model.SerializeToString())
    zeros = np.zeros(SHAPE, dtype=np.float32)
    (got,) = session.run(None, {"x": zeros})
    np.testing.assert_array_equal(got, selu_xp.alpha_dropout(zeros, RATE, rng=7))


# --- TensorFlow: tf.function draws on every call ----------------------------

TF_DRAWS: dict[str, Callable[[Any, Any], Any]] = {
    "alpha_dropout": lambda tf, x: selu_xp.alpha_dropout(x, RATE),
    "lecun_normal": lambda tf, x: selu_xp.lecun_normal(SHAPE, xp=tf),
    "lecun_normal(distribution='normal')": lambda tf, x: selu_xp.lecun_normal(
        SHAPE, distribution="normal", xp=tf
    ),
}


@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.parametrize("name", list(TF_DRAWS))
def test_tf_function_with_rng_none_draws_on_every_call(
    name: str, jit_compile: bool
) -> None:
    tf = pytest.importorskip("tensorflow")
    draw = TF_DRAWS[name]
    # TensorFlow's stateful random ops: a new draw on every run of the graph.
    f = tf.function(lambda x: draw(tf, x), jit_compile=jit_compile, autograph=False)
    x = tf.zeros(SHAPE)
    a, b = f(x).numpy(), f(x).numpy()
    assert a.shape == SHAPE
    assert not np.array_equal(a, b)


# --- Dask: the graph is the value -------------------------------------------


def test_dask_rng_none_draws_when_the_graph_is_built() -> None:
    da = pytest.importorskip("dask.array")
    x = da.zeros(SHAPE, chunks=(8, 8))
    y = selu_xp.alpha_dropout(x, RATE)
    # The mask is drawn on the host when alpha_dropout builds the graph, and
    # is part of it: every compute of y gives the same values, every call a
    # new mask.
    a = y.compute()
    np.testing.assert_array_equal(y.compute(), a)
    assert not np.array_equal(selu_xp.alpha_dropout(x, RATE).compute(), a)


def test_torch_compile_takes_the_first_look_up_in_a_fresh_process() -> None:
    """A program whose first selu_xp call is inside torch.compile: the
    registry's first look-up of the tensor type runs while Dynamo traces."""
    pytest.importorskip("torch")
    code = (
        "import torch, selu_xp\n"
        "f = torch.compile(lambda v: selu_xp.selu(v, alpha=1.5) + selu_xp.elu(v),"
        " fullgraph=True)\n"
        "x = torch.linspace(-3, 3, 7, dtype=torch.float64)\n"
        "got = f(x)\n"
        "want = selu_xp.selu(x, alpha=1.5) + selu_xp.elu(x)\n"
        "assert torch.equal(got, want), (got, want)\n"
    )
    done = run_python("-W", "ignore", "-c", code)
    assert done.returncode == 0, done.stderr[-3000:]


# --- no warnings under any tracer -------------------------------------------


@pytest.mark.parametrize("framework", ["torch", "jax", "tensorflow"])
def test_no_warnings_under_tracing(framework: str) -> None:
    """Every public function under torch.compile, jax.jit and tf.function,
    with and without generators and gradients, raises no warning: each is
    printed by the script, in a fresh process (TorchDynamo warns once per
    process)."""
    pytest.importorskip(framework)
    run = run_python("-m", "tests._warnings_script", framework, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert lines[-1].startswith("traced "), run.stdout
    assert lines[:-1] == []
