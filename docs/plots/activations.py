"""selu and elu and their derivatives, computed by selu_xp on NumPy arrays."""

import matplotlib.pyplot as plt
import numpy as np

import selu_xp

x = np.linspace(-5.0, 3.0, 801)
fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.6), sharex=True)

left.plot(x, selu_xp.selu(x), label="selu(x)", lw=2)
left.plot(x, selu_xp.elu(x), label="elu(x), alpha = 1", lw=2, ls="--")
left.axhline(
    -selu_xp.SELU_SCALE * selu_xp.SELU_ALPHA,
    color="0.5",
    lw=1,
    ls=":",
    label="-scale * alpha (selu's lower bound)",
)
left.set_title("Activations")
left.set_xlabel("x")
left.legend(loc="upper left", fontsize=8)

right.plot(x, selu_xp.selu_derivative(x), label="selu_derivative(x)", lw=2)
right.plot(x, selu_xp.elu_derivative(x), label="elu_derivative(x)", lw=2, ls="--")
right.set_title("Derivatives (left branch's value at x = 0)")
right.set_xlabel("x")
right.legend(loc="upper left", fontsize=8)

for ax in (left, right):
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.grid(alpha=0.3)
