"""The seed's model on one Keras backend (``KERAS_BACKEND``), as one process.

Keras picks its backend once per process, so `tests/test_keras.py` runs this
script once per backend and reads the JSON it prints last.  It builds the
model that selu_xp started from (Dense 64-32-16 with LeCun-normal weights
and SELU, alpha dropout, a softmax of 10) from selu_xp's Keras objects,
measures the activations at initialization, compares the predictions with
the same model on Keras's own selu, trains it on a small synthetic data set
(not on the numpy backend, which has no training), and saves and reloads it.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def build(keras: Any, activation: Any, seed: int) -> Any:
    from selu_xp.keras import AlphaDropout, LecunNormal

    keras.utils.set_random_seed(seed)
    dense = keras.layers.Dense
    return keras.Sequential(
        [
            keras.Input((20,)),
            dense(64, activation=activation, kernel_initializer=LecunNormal()),
            dense(32, activation=activation, kernel_initializer=LecunNormal()),
            dense(16, activation=activation, kernel_initializer=LecunNormal()),
            AlphaDropout(0.1, seed=seed),
            dense(10, activation="softmax"),
        ]
    )


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1024, 20)).astype(np.float32)
    w = rng.standard_normal((20, 10))
    y = np.argmax(x @ w + 0.5 * rng.standard_normal((1024, 10)), axis=1)
    return x, y.astype(np.int32)


# LecunNormal's promise, on many seeds and shapes: no value beyond two
# sigma, sigma = 1 / (0.87962566103423978 * sqrt(fan_in)), in any dtype.
LECUN_SHAPES = [(256, 128), (3, 3, 32, 64), (1000, 10)]
LECUN_SEEDS = range(40)
LECUN_DTYPES = ["float32", "float16", "bfloat16"]


def lecun_normal_checks(keras: Any, sk: Any) -> dict[str, Any]:
    """The largest |w| over its bound per dtype, and float32's distance from
    the truncated normal (Kolmogorov-Smirnov, on every 16th value)."""
    worst = dict.fromkeys(LECUN_DTYPES, 0.0)
    z: list[np.ndarray] = []
    for shape in LECUN_SHAPES:
        fan_in = math.prod(shape[:-1])
        sigma = 1.0 / (0.87962566103423978 * math.sqrt(fan_in))
        for seed in LECUN_SEEDS:
            for dtype in LECUN_DTYPES:
                w = sk.LecunNormal(seed=seed)(shape, dtype=dtype)
                v = np.asarray(keras.ops.convert_to_numpy(w), dtype=np.float64)
                worst[dtype] = max(worst[dtype], float(np.abs(v).max() / (2 * sigma)))
                if dtype == "float32":
                    z.append(v.ravel()[::16] / sigma)
    sample = np.sort(np.concatenate(z))
    phi = np.array([0.5 * math.erfc(-t / math.sqrt(2.0)) for t in sample])
    low, high = 0.5 * math.erfc(math.sqrt(2.0)), 0.5 * math.erfc(-math.sqrt(2.0))
    cdf = (phi - low) / (high - low)
    n = sample.size
    ks = max(
        float(np.max(np.arange(1, n + 1) / n - cdf)),
        float(np.max(cdf - np.arange(n) / n)),
    )
    return {"max_over_bound": worst, "ks": ks, "values": int(n)}


def main() -> dict[str, Any]:
    import keras

    import selu_xp.keras as sk

    out: dict[str, Any] = {"backend": keras.backend.backend()}
    out["lecun_normal"] = lecun_normal_checks(keras, sk)
    x, y = data()
    # Activations at initialization through each SELU layer (inference), the
    # moments over all units and samples, averaged over 8 initializations.
    moments = np.zeros((3, 2))
    for seed in range(8):
        init = build(keras, sk.selu, 100 + seed)
        probe = keras.Model(init.inputs, [layer.output for layer in init.layers[:3]])
        for i, a in enumerate(probe.predict(x, verbose=0)):
            a = np.asarray(a, dtype=np.float64)
            moments[i] += [a.mean() / 8, a.var() / 8]
    out["moments"] = moments.tolist()
    model = build(keras, sk.selu, 7)
    # The same weights with Keras's own selu.
    twin = build(keras, "selu", 7)
    twin.set_weights(model.get_weights())
    ours = model.predict(x, verbose=0)
    theirs = twin.predict(x, verbose=0)
    out["max_abs_diff_keras_selu"] = float(np.max(np.abs(ours - theirs)))
    # The mask is fresh: the generator's state advances in every compiled
    # training step (6 epochs of 16 steps: 96 draws, read at each epoch's end).
    dropout = model.layers[3]
    a = keras.ops.convert_to_numpy(dropout(x[:8], training=True))
    b = keras.ops.convert_to_numpy(dropout(x[:8], training=True))
    out["eager_masks_differ"] = bool(not np.array_equal(a, b))
    if out["backend"] != "numpy":
        states: list[list[int]] = []

        class Record(keras.callbacks.Callback):  # type: ignore[misc]
            def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
                state = dropout.seed_generator.state
                states.append(keras.ops.convert_to_numpy(state).tolist())

        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss="sparse_categorical_crossentropy",
            jit_compile=out["backend"] != "torch",
        )
        history = model.fit(
            x, y, epochs=6, batch_size=64, verbose=0, callbacks=[Record()]
        )
        out["losses"] = [float(v) for v in history.history["loss"]]
        out["states"] = states
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.keras"
        model.save(path)
        loaded = keras.models.load_model(path)
    out["reload_identical"] = bool(
        np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    )
    out["restored"] = [
        loaded.layers[0].activation is sk.selu,
        type(loaded.layers[0].kernel_initializer).__name__,
        type(loaded.layers[3]) is sk.AlphaDropout,
        loaded.layers[3].get_config()["rate"],
    ]
    return out


if __name__ == "__main__":
    result = main()
    sys.stdout.write("\n" + json.dumps(result) + "\n")
