"""Mean and variance of the activations per layer: SELU against ReLU and tanh.

A 32-layer dense network of width 256 gets standard normal inputs; every
activation function sees the same LeCun-normal weights (standard deviation
1/sqrt(fan_in)) and no biases.  The weights come from selu_xp.lecun_normal when
the library has it, else from NumPy's generator with the same scale.
"""

import matplotlib.pyplot as plt
import numpy as np

import selu_xp

DEPTH, WIDTH, SAMPLES = 32, 256, 2000
rng = np.random.default_rng(20170608)


def weights(fan_in, fan_out, seed):
    """LeCun-normal weights of shape (fan_in, fan_out)."""
    if hasattr(selu_xp, "lecun_normal"):
        return selu_xp.lecun_normal((fan_in, fan_out), rng=seed, xp=np)
    generator = np.random.default_rng(seed)
    return generator.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)


layers = [weights(WIDTH, WIDTH, seed) for seed in range(DEPTH)]
x0 = rng.standard_normal((SAMPLES, WIDTH))
activations = {
    "selu": selu_xp.selu,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
}

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.6), sharex=True)
depth = np.arange(1, DEPTH + 1)
for name, f in activations.items():
    x, means, variances = x0, [], []
    for w in layers:
        x = f(x @ w)
        means.append(float(np.mean(x)))
        variances.append(float(np.var(x)))
    left.plot(depth, means, marker=".", label=name)
    right.plot(depth, variances, marker=".", label=name)

left.axhspan(-0.1, 0.1, color="tab:green", alpha=0.12, label="mean within +-0.1")
right.axhspan(0.8, 1.5, color="tab:green", alpha=0.12, label="variance in [0.8, 1.5]")
left.set_title("Mean of the activations")
right.set_title("Variance of the activations")
right.set_yscale("log")
for ax in (left, right):
    ax.set_xlabel("layer")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
