"""TensorFlow, served by selu_xp itself: graphs, XLA, gradients, random numbers.

The behaviours shared with every backend (values, dtypes, accuracy, special
values, dropout and initializer statistics) run in the matrix of
``tests/_backends.py``; here are those only TensorFlow has.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import selu_xp
from selu_xp._family import NAMES
from selu_xp.testing.oracle import accuracy_grid, max_ulp, reference

from ._processes import run_python

tf = pytest.importorskip("tensorflow")

FUNCTIONS = NAMES
DTYPES = ["float16", "bfloat16", "float32", "float64"]
BOUNDS = {"float64": 1.5, "float32": 1.0, "float16": 1.0, "bfloat16": 1.0}


def _wide(y: Any) -> np.ndarray:
    return tf.cast(y, tf.float64).numpy()


def _grid(dtype: str) -> tuple[np.ndarray, Any]:
    xs = accuracy_grid(dtype)
    return xs, tf.cast(tf.constant(xs), dtype)


@pytest.mark.parametrize(
    "mode", ["eager", "variable", "function", "jit"], ids=lambda m: m
)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_accuracy_in_every_mode(name: str, dtype: str, mode: str) -> None:
    xs, x = _grid(dtype)
    f = getattr(selu_xp, name)
    if mode == "variable":
        x = tf.Variable(x)
    elif mode == "function":
        f = tf.function(f)
    elif mode == "jit":
        f = tf.function(f, jit_compile=True)
    y = f(x)
    assert isinstance(y, tf.Tensor)
    assert y.dtype == tf.as_dtype(dtype)
    assert y.shape == x.shape
    bound = BOUNDS[dtype]
    if name == "selu_derivative" and dtype == "float64":
        bound = 2.0  # the bound of every backend: one more rounding (exp * neg)
    err = max_ulp(name, xs, _wide(y), dtype)
    assert err <= bound, f"{name} {dtype} {mode}: {err:.3f} ULP"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_more_accurate_than_tf_nn_selu(dtype: str) -> None:
    xs, x = _grid(dtype)
    ours = max_ulp("selu", xs, _wide(selu_xp.selu(x)), dtype)
    theirs = max_ulp("selu", xs, _wide(tf.nn.selu(x)), dtype)
    assert ours <= BOUNDS[dtype] < theirs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tiny_negative_input(dtype: str) -> None:
    x = tf.constant([-1e-8, -1e-6], dtype)
    xs = x.numpy().astype(np.float64)
    y = selu_xp.selu(x).numpy().astype(np.float64)
    hi, lo = reference("selu", xs)
    assert max_ulp("selu", xs, y, dtype) <= BOUNDS[dtype]
    np.testing.assert_allclose(y, hi + lo, rtol=2e-7 if dtype == "float32" else 4e-16)
    if dtype == "float32":
        assert tf.nn.selu(x).numpy()[0] == 0  # the naive formula that is beaten


def test_symbolic_tensors_of_unknown_shape() -> None:
    seen: list[Any] = []

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32)])
    def f(x: Any) -> Any:
        seen.append(type(x).__name__)
        return selu_xp.selu(x) + selu_xp.elu_derivative(x)

    x = tf.constant([[-1.0, 0.5], [2.0, -3.0]])
    got = f(x).numpy()
    want = selu_xp.selu(x.numpy()) + selu_xp.elu_derivative(x.numpy())
    np.testing.assert_allclose(got, want, rtol=1e-7)
    assert seen == ["SymbolicTensor"]


POINTS = [0.0, -50.0, 1000.0, -1000.0, -1.0, 2.0, -1e-8]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_gradient_and_second_derivative(dtype: str, jit: bool) -> None:
    def both(x: Any) -> tuple[Any, Any]:
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = selu_xp.selu(x)
            g = inner.gradient(y, x)
        return g, outer.gradient(g, x)

    if jit:
        both = tf.function(both, jit_compile=True)
    x = tf.constant(POINTS, dtype)
    g, h = (t.numpy().astype(np.float64) for t in both(x))
    xs = x.numpy().astype(np.float64)
    sa = float(reference("selu_derivative", np.zeros(1))[0][0])
    left = sa * np.exp(np.minimum(xs, 0.0))
    first = np.where(xs > 0, selu_xp.SELU_SCALE, left)
    second = np.where(xs > 0, 0.0, left)
    assert np.all(np.isfinite(g))
    assert np.all(np.isfinite(h))
    rtol = 1e-6 if dtype == "float32" else 1e-15
    np.testing.assert_allclose(g, first, rtol=rtol, atol=0)
    np.testing.assert_allclose(h, second, rtol=rtol, atol=0)
    # The gradient is selu_derivative, bit for bit, and far from 0 at -50.
    np.testing.assert_array_equal(g, selu_xp.selu_derivative(x).numpy())
    assert g[1] > 0


def test_gradient_of_elu_with_parameters() -> None:
    x = tf.Variable(tf.constant(np.linspace(-5, 5, 41)))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(selu_xp.selu(x, alpha=0.5, scale=2.0) + selu_xp.elu(x, 3.0))
    g = tape.gradient(y, x).numpy()
    xs = x.numpy()
    want = np.where(xs > 0, 2.0, 1.0 * np.exp(xs)) + np.where(
        xs > 0, 1.0, 3 * np.exp(xs)
    )
    np.testing.assert_allclose(g, want, rtol=1e-14)


def test_device_is_kept() -> None:
    with tf.device("/CPU:0"):
        x = tf.constant([-1.0, 1.0])
    for name in FUNCTIONS:
        assert getattr(selu_xp, name)(x).device == x.device
    assert selu_xp.alpha_dropout(x, 0.5, rng=0).device == x.device


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_portable_dropout_is_numpy_s(dtype: str) -> None:
    x_np = np.random.default_rng(0).standard_normal((30, 20))
    x = tf.cast(tf.constant(x_np), dtype)
    ref = x.numpy().astype(np.float32 if dtype == "bfloat16" else dtype)
    want = selu_xp.alpha_dropout(ref, 0.3, rng=42)
    got = tf.cast(selu_xp.alpha_dropout(x, 0.3, rng=42), want.dtype).numpy()
    if dtype == "bfloat16":
        np.testing.assert_allclose(got, want, rtol=2**-8, atol=0)
    else:
        np.testing.assert_array_equal(got, want)
    w_tf = selu_xp.lecun_normal((50, 40), rng=7, xp=tf, dtype=tf.as_dtype(dtype))
    w_np = selu_xp.lecun_normal((50, 40), rng=7, dtype=np.float32)
    if dtype == "float64":
        w_np = selu_xp.lecun_normal((50, 40), rng=7)
    tol = 2**-8 if dtype == "bfloat16" else 0
    np.testing.assert_allclose(_wide(w_tf), w_np, rtol=tol, atol=0)


def test_generator_draws_natively_and_fresh_in_graphs() -> None:
    x = tf.zeros((64, 64))

    def masks(f: Any) -> list[np.ndarray]:
        return [f(x).numpy() for _ in range(2)]

    for jit in (False, True):
        gen = tf.random.Generator.from_seed(3)
        f = tf.function(
            lambda x, gen=gen: selu_xp.alpha_dropout(x, 0.5, rng=gen), jit_compile=jit
        )
        a, b = masks(f)
        assert not np.array_equal(a, b), "every call draws a fresh mask"
        again = tf.random.Generator.from_seed(3)
        g = tf.function(
            lambda x, gen=again: selu_xp.alpha_dropout(x, 0.5, rng=gen),
            jit_compile=jit,
        )
        np.testing.assert_array_equal(masks(g)[0], a)  # reproducible from the seed
        values = set(np.unique(a).tolist())
        assert len(values) == 2
    # None: TensorFlow's stateful ops, fresh inside tf.function too.
    f = tf.function(lambda x: selu_xp.alpha_dropout(x, 0.5))
    a, b = masks(f)
    assert not np.array_equal(a, b)


def test_generator_initializer_moments_and_bound() -> None:
    gen = tf.random.Generator.from_seed(5)
    w = selu_xp.lecun_normal((400, 300), rng=gen, xp=tf).numpy().astype(np.float64)
    assert w.dtype == np.float64
    assert abs(w.std() * np.sqrt(400) - 1.0) < 0.01
    assert np.abs(w).max() <= 2 / 0.87962566103423978 / np.sqrt(400)
    assert abs(w.mean()) < 0.003


def test_generator_for_another_library_is_refused() -> None:
    gen = tf.random.Generator.from_seed(0)
    with pytest.raises(TypeError, match=r"tf.random.Generator as rng.*numpy"):
        selu_xp.alpha_dropout(np.zeros(3), 0.5, rng=gen)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"torch\.Generator as rng"):
        selu_xp.alpha_dropout(tf.zeros(3), 0.5, rng=torch.Generator())


def test_errors_name_the_tensor() -> None:
    with pytest.raises(TypeError, match=r"real floating-point array, got dtype.*int32"):
        selu_xp.selu(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="immutable"):
        selu_xp.selu(tf.constant([1.0]), out=tf.constant([0.0]))
    with pytest.raises(TypeError, match="dtype to be a real floating dtype"):
        selu_xp.lecun_normal((3, 2), xp=tf, dtype=tf.int32)


def test_tensorflow_is_detected_without_being_imported() -> None:
    code = (
        "import sys, numpy as np, selu_xp\n"
        "selu_xp.selu(np.zeros(3)); selu_xp.alpha_dropout(np.zeros(3), 0.5, rng=0)\n"
        "try:\n"
        "    selu_xp.selu([1.0])\n"
        "except TypeError:\n"
        "    pass\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
        "assert 'keras' not in sys.modules, 'keras was imported'\n"
    )
    done = run_python("-c", code, timeout=120)
    assert done.returncode == 0, done.stderr


def test_dropout_and_initializer_inside_tf_function_of_unknown_shape() -> None:
    gen = tf.random.Generator.from_seed(8)

    @tf.function(input_signature=[tf.TensorSpec([None, 30], tf.float32)])
    def drop(x: Any) -> Any:
        return selu_xp.alpha_dropout(x, 0.2, rng=gen, noise_shape=(1, None))

    x = tf.zeros((50, 30))
    a, b = drop(x).numpy(), drop(x).numpy()
    assert a.shape == (50, 30)
    assert np.all(a == a[:1])  # shared along the unknown batch axis
    assert set(np.unique(a).tolist()) <= {
        float(np.float32(v)) for v in (-1.2361598485763781, 0.3090399621440945)
    }
    assert not np.array_equal(a, b)

    @tf.function(input_signature=[tf.TensorSpec([None, 30], tf.float32)])
    def seeded(x: Any) -> Any:
        return selu_xp.alpha_dropout(x, 0.2, rng=1)

    with pytest.raises(ValueError, match=r"unknown shape.*tf\.random\.Generator"):
        seeded(x)

    @tf.function
    def weights() -> Any:
        return selu_xp.lecun_normal((64, 32), rng=gen, xp=tf)

    w1, w2 = weights().numpy(), weights().numpy()
    assert w1.dtype == np.float32
    assert not np.array_equal(w1, w2)
    assert np.abs(w1).max() <= 2 / 0.87962566103423978 / 8
