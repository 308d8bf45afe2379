"""The mean and variance map of a SELU layer and its fixed point (0, 1).

A layer with normalized weights (sum of weights 0, sum of squared weights 1)
turns inputs of mean mu and variance nu into pre-activations z ~ N(0, nu); the
map g(mu, nu) = (E[selu(z)], Var[selu(z)]) is computed here in closed form
(Klambauer et al. 2017, eqs. 4 and 5).  The constants come from
selu_xp.selu_parameters() when the library has it, else from SELU_ALPHA and
SELU_SCALE.
"""

import math

import matplotlib.pyplot as plt
import numpy as np

import selu_xp

if hasattr(selu_xp, "selu_parameters"):
    ALPHA, SCALE = selu_xp.selu_parameters(0.0, 1.0)
else:
    ALPHA, SCALE = selu_xp.SELU_ALPHA, selu_xp.SELU_SCALE

_erfc = np.vectorize(math.erfc)


def cdf(t):
    """The standard normal distribution function."""
    return 0.5 * _erfc(-np.asarray(t) / math.sqrt(2.0))


def moments(m, v, alpha=ALPHA, scale=SCALE):
    """Mean and variance of selu(z) for z ~ N(m, v), in closed form."""
    s = np.sqrt(v)
    pdf = np.exp(-0.5 * (m / s) ** 2) / math.sqrt(2.0 * math.pi)
    e1 = np.exp(m + v / 2) * cdf(-(m + v) / s)
    e2 = np.exp(2 * m + 2 * v) * cdf(-(m + 2 * v) / s)
    neg = cdf(-m / s)
    mean = scale * (m * cdf(m / s) + s * pdf + alpha * (e1 - neg))
    second = scale**2 * (
        (m * m + v) * cdf(m / s) + m * s * pdf + alpha**2 * (e2 - 2 * e1 + neg)
    )
    return mean, second - mean**2


fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))

# Left: the map g over a grid of (mu, nu); with normalized weights z ~ N(0, nu).
mu, nu = np.meshgrid(np.linspace(-0.6, 0.6, 9), np.linspace(0.4, 2.0, 9))
new_mu, new_nu = moments(np.zeros_like(nu), nu)
left.quiver(
    mu,
    nu,
    new_mu - mu,
    new_nu - nu,
    angles="xy",
    scale_units="xy",
    scale=2,
    width=0.004,
    color="tab:blue",
    alpha=0.8,
)
left.plot([0.0], [1.0], "o", color="tab:red", ms=7, label="fixed point (0, 1)")
left.set_xlabel(r"mean $\mu$ of the layer's inputs")
left.set_ylabel(r"variance $\nu$ of the layer's inputs")
left.set_title(r"One layer: $(\mu, \nu) \mapsto g(\mu, \nu)$ (arrows at half length)")
left.legend(loc="upper right", fontsize=8)
left.grid(alpha=0.3)

# Right: the variance through 16 layers, from several starting variances.
layers = np.arange(17)
for start in (0.25, 0.5, 1.5, 2.5, 4.0):
    v = [start]
    for _ in layers[1:]:
        v.append(float(moments(0.0, v[-1])[1]))
    right.plot(layers, v, marker=".", label=rf"$\nu_0$ = {start}")
right.axhline(1.0, color="tab:red", lw=1, ls="--")
right.set_xlabel("layer")
right.set_ylabel("variance of the activations")
right.set_title("Iterating the map: the variance goes to 1")
right.legend(fontsize=8)
right.grid(alpha=0.3)
