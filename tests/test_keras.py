"""selu_xp.keras: the activation, LecunNormal and AlphaDropout on Keras 3.

The seed's model runs on each Keras backend in a process of its own
(`tests/_keras_script.py`); the objects' own behaviour is tested here, in this
process's backend (``KERAS_BACKEND``, TensorFlow by default).
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import selu_xp

from ._processes import run_python

keras = pytest.importorskip("keras")
sk = pytest.importorskip("selu_xp.keras")

SCRIPT = Path(__file__).with_name("_keras_script.py")
BACKEND_LIBRARY = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow"}


KERAS_BACKENDS = ["jax", "torch", "tensorflow", "numpy"]
# Keras's numpy backend runs inference only: it has no training.
TRAINING_BACKENDS = [name for name in KERAS_BACKENDS if name != "numpy"]


def _keras_backend_params(names: list[str]) -> list[Any]:
    params = []
    for name in names:
        lib = BACKEND_LIBRARY.get(name, "numpy")
        marks = []
        if importlib.util.find_spec(lib) is None:
            marks = [pytest.mark.skip(reason=f"{lib} is not installed")]
        params.append(pytest.param(name, id=name, marks=marks))
    return params


@functools.cache
def _seed_model(backend: str) -> dict[str, Any]:
    """The script's results on the Keras `backend`, run once per session."""
    env = {"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = run_python(str(SCRIPT), env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["backend"] == backend
    return result


@pytest.fixture(scope="module", params=_keras_backend_params(KERAS_BACKENDS))
def seed_model(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The seed's model on each Keras backend."""
    return _seed_model(request.param)


@pytest.fixture(scope="module", params=_keras_backend_params(TRAINING_BACKENDS))
def trained_seed_model(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The seed's model on each Keras backend that trains."""
    return _seed_model(request.param)


def test_seed_model_self_normalizes_at_initialization(
    seed_model: dict[str, Any],
) -> None:
    for mean, var in seed_model["moments"]:
        assert abs(mean) < 0.1, seed_model["moments"]
        assert abs(var - 1.0) < 0.15, seed_model["moments"]


def test_seed_model_predicts_as_with_keras_selu(seed_model: dict[str, Any]) -> None:
    # float32 softmax outputs, up to a few ULPs of the activations' difference.
    assert seed_model["max_abs_diff_keras_selu"] <= 1e-6


def test_seed_model_trains(trained_seed_model: dict[str, Any]) -> None:
    losses = trained_seed_model["losses"]
    assert all(math.isfinite(v) for v in losses)
    assert all(b < a for a, b in itertools.pairwise(losses)), losses
    assert losses[-1] < 0.7 * losses[0], losses


def test_seed_model_draws_a_fresh_mask_every_call(seed_model: dict[str, Any]) -> None:
    assert seed_model["eager_masks_differ"]


def test_seed_model_draws_a_fresh_mask_every_step(
    trained_seed_model: dict[str, Any],
) -> None:
    # The generator's counter after each epoch of 16 compiled steps: it
    # advances once per step (plus the two eager calls before training).
    counters = [s[1] for s in trained_seed_model["states"]]
    assert np.all(np.diff(counters) == 16), trained_seed_model["states"]


def test_lecun_normal_stays_within_two_sigma_on_every_backend(
    seed_model: dict[str, Any],
) -> None:
    # 40 seeds of three shapes in three dtypes (about 2.5 million values per
    # dtype): none beyond 2 sigma, although Keras's torch truncated_normal lets
    # about one in 230,000 through.  float32's values follow the normal
    # truncated to [-2, 2] (the statistic's 1e-6 critical value is 0.006).
    checks = seed_model["lecun_normal"]
    for dtype, worst in checks["max_over_bound"].items():
        assert worst <= 1.0, (seed_model["backend"], dtype, worst)
    assert checks["values"] > 150_000
    assert checks["ks"] < 0.006, checks


def test_seed_model_reloads_with_selu_xp_objects(seed_model: dict[str, Any]) -> None:
    assert seed_model["reload_identical"]
    assert seed_model["restored"] == [True, "LecunNormal", True, 0.1]


# --- the objects, in this process's backend ---------------------------------


def _np(x: Any) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_selu_is_selu_xp_selu_on_backend_tensors() -> None:
    x = keras.ops.convert_to_tensor(np.linspace(-5, 5, 101, dtype=np.float32))
    np.testing.assert_array_equal(_np(sk.selu(x)), selu_xp.selu(_np(x)))
    config = keras.activations.serialize(sk.selu)
    assert keras.activations.deserialize(config) is sk.selu


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize(
    ("shape", "fan_in"), [((300, 200), 300), ((3, 3, 16, 64), 144), ((500,), 500)]
)
def test_lecun_normal_moments_bound_and_dtype(
    shape: tuple[int, ...], fan_in: int, dtype: str
) -> None:
    w = sk.LecunNormal(seed=3)(shape, dtype=dtype)
    assert keras.backend.standardize_dtype(w.dtype) == dtype
    v = _np(w).astype(np.float64)
    std = 1 / math.sqrt(fan_in)
    bound = 2 / 0.87962566103423978 * std
    assert np.abs(v).max() <= bound * (1 + 2**-10)
    assert abs(v.std() / std - 1) < 0.05
    assert abs(v.mean()) < 5 * std / math.sqrt(v.size)


def test_lecun_normal_seeds_follow_keras() -> None:
    a = _np(sk.LecunNormal(seed=1)((20, 10)))
    np.testing.assert_array_equal(a, _np(sk.LecunNormal(seed=1)((20, 10))))
    assert not np.array_equal(a, _np(sk.LecunNormal(seed=2)((20, 10))))
    keras.utils.set_random_seed(5)
    b = _np(sk.LecunNormal()((20, 10)))
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(b, _np(sk.LecunNormal()((20, 10))))
    gen = keras.random.SeedGenerator(0)
    init = sk.LecunNormal(gen)
    assert not np.array_equal(_np(init((20, 10))), _np(init((20, 10))))


def test_lecun_normal_config_round_trip() -> None:
    init = sk.LecunNormal(seed=11)
    assert init.get_config() == {"seed": 11}
    again = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert type(again) is sk.LecunNormal
    np.testing.assert_array_equal(_np(again((8, 4))), _np(init((8, 4))))
    assert sk.LecunNormal.from_config({"seed": None}).get_config() == {"seed": None}


def test_lecun_normal_refuses_a_dtype_that_is_not_floating() -> None:
    with pytest.raises(TypeError, match=r"floating dtype .*got 'int32'"):
        sk.LecunNormal(seed=0)((4, 3), dtype="int32")


@pytest.mark.parametrize("seed", ["0", 1.5, True])
def test_lecun_normal_bad_seed(seed: Any) -> None:
    with pytest.raises(TypeError, match=r"LecunNormal\(\) expects seed to be an int"):
        sk.LecunNormal(seed)


@pytest.mark.parametrize("shape", [(None, 3), ("4", 3), 5])
def test_lecun_normal_bad_shape(shape: Any) -> None:
    with pytest.raises(TypeError, match=r"LecunNormal\(\) expects shape to be a tuple"):
        sk.LecunNormal(seed=0)(shape)


def test_lecun_normal_takes_any_iterable_of_sizes() -> None:
    want = _np(sk.LecunNormal(seed=0)((4, 3)))
    for shape in [[4, 3], np.array([4, 3]), (np.int64(4), 3)]:
        np.testing.assert_array_equal(_np(sk.LecunNormal(seed=0)(shape)), want)


@pytest.mark.parametrize("seed", ["0", 1.5, True])
def test_alpha_dropout_bad_seed(seed: Any) -> None:
    with pytest.raises(TypeError, match=r"AlphaDropout\(\) expects seed to be an int"):
        sk.AlphaDropout(0.1, seed=seed)


def test_alpha_dropout_takes_a_numpy_seed_or_a_seed_generator() -> None:
    x = np.zeros((50, 20), dtype=np.float32)
    want = _np(sk.AlphaDropout(0.5, seed=3)(x, training=True))
    layer = sk.AlphaDropout(0.5, seed=np.int64(3))
    assert layer.get_config()["seed"] == 3
    np.testing.assert_array_equal(_np(layer(x, training=True)), want)
    generator = keras.random.SeedGenerator(3)
    shared = sk.AlphaDropout(0.5, seed=generator)
    assert shared.seed_generator is generator
    np.testing.assert_array_equal(_np(shared(x, training=True)), want)
    again = sk.AlphaDropout.from_config(shared.get_config())
    assert isinstance(again.seed_generator, keras.random.SeedGenerator)


def test_alpha_dropout_identity_in_inference_and_moments_in_training() -> None:
    x = np.random.default_rng(0).standard_normal((2000, 100)).astype(np.float32)
    layer = sk.AlphaDropout(0.2, seed=0)
    assert np.array_equal(_np(layer(x)), x)
    assert np.array_equal(_np(layer(x, training=False)), x)
    y = _np(layer(x, training=True)).astype(np.float64)
    assert abs(y.mean()) < 0.01
    assert abs(y.var() - 1) < 0.01
    dropped = np.isclose(y, -1.2361598485763781, rtol=1e-6)
    assert abs(dropped.mean() - 0.2) < 0.01


def test_alpha_dropout_other_fixed_point_and_coefficients() -> None:
    x = np.zeros((400, 50), dtype=np.float32)
    layer = sk.AlphaDropout(0.3, seed=1, mean=-0.1, variance=2.0)
    got = set(np.unique(_np(layer(x, training=True))).tolist())
    ref = selu_xp.alpha_dropout(
        np.zeros((400, 50), np.float32), 0.3, rng=0, mean=-0.1, variance=2.0
    )
    assert got == set(np.unique(ref).tolist())


def test_alpha_dropout_noise_shape_shares_the_mask() -> None:
    x = np.zeros((6, 40, 5), dtype=np.float32)
    y = _np(sk.AlphaDropout(0.5, noise_shape=(None, 1, None), seed=2)(x, training=True))
    assert np.all(y == y[:, :1, :])
    assert len(np.unique(y)) == 2


def test_alpha_dropout_config_round_trip() -> None:
    layer = sk.AlphaDropout(0.25, noise_shape=(None, 1), seed=4, mean=0.1, variance=1.5)
    config = layer.get_config()
    assert {
        k: config[k] for k in ("rate", "noise_shape", "seed", "mean", "variance")
    } == {
        "rate": 0.25,
        "noise_shape": (None, 1),
        "seed": 4,
        "mean": 0.1,
        "variance": 1.5,
    }
    again = sk.AlphaDropout.from_config(config)
    assert again.get_config() == config
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(restored) is sk.AlphaDropout


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"rate": 1.0}, ValueError, r"0 <= rate < 1, got 1\.0"),
        ({"rate": -0.1}, ValueError, "0 <= rate < 1"),
        ({"rate": "0.1"}, TypeError, "rate to be a real number, got str"),
        ({"rate": 0.1, "variance": 0.0}, ValueError, "positive variance"),
        ({"rate": 0.1, "noise_shape": (1.5,)}, TypeError, "noise_shape to be"),
    ],
)
def test_alpha_dropout_errors(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        sk.AlphaDropout(**kwargs)
