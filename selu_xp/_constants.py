"""The SELU constants, and their product rounded once (`scaled_alpha`).

The values are those of Klambauer et al., "Self-Normalizing Neural Networks"
(NeurIPS 2017), eq. (14) and the accompanying code, to 32 significant digits:

* alpha_01  = 1.6732632423543772848170429916717
* lambda_01 = 1.0507009873554804934193349852946

Python's float() of each gives its correctly rounded double; the digits
themselves are kept as `PAPER_ALPHA` and `PAPER_SCALE` for computations in
decimal arithmetic (the kernel's double-doubles of them are in
`selu_xp._kernels.coefficients`).
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

from ._compat import constant_when_traced

__all__ = ["SELU_ALPHA", "SELU_SCALE"]

PAPER_ALPHA = "1.6732632423543772848170429916717"
PAPER_SCALE = "1.0507009873554804934193349852946"

SELU_ALPHA: float = float(PAPER_ALPHA)
"""The SELU ``alpha`` (the paper's alpha_01), correctly rounded to a double."""

SELU_SCALE: float = float(PAPER_SCALE)
"""The SELU ``scale`` (the paper's lambda_01), correctly rounded to a double."""

# The correctly rounded double of the exact product alpha_01 * lambda_01
# (1.75809934084737685...).  Multiplying the two rounded doubles instead
# gives 1.7580993408473766, one ULP low.
SELU_SCALE_ALPHA: float = 1.7580993408473768


@constant_when_traced
def scaled_alpha(alpha: float, scale: float) -> float:
    """The correctly rounded double of ``scale * alpha``.

    For the default SELU parameters this is the rounding of the paper's exact
    product; otherwise it is the exact product of the two given doubles,
    rounded once.  Under ``torch.compile`` it runs while tracing, and its
    result is a constant of the graph.
    """
    return _scaled_alpha(alpha, scale)


@lru_cache(maxsize=64)
def _scaled_alpha(alpha: float, scale: float) -> float:
    if alpha == SELU_ALPHA and scale == SELU_SCALE:
        return SELU_SCALE_ALPHA
    if scale == 1.0:
        return alpha  # exact, and a zero keeps its sign (ELU's coefficients)
    return float(Fraction(alpha) * Fraction(scale))


# lecun_normal's truncated normal, on every backend (Keras's convention).
TRUNCATION = 2.0
"""Every source's truncated normal is ``Z`` conditioned on ``|Z| <= 2``."""

LOWER_TAIL = 0.5 * math.erfc(TRUNCATION / math.sqrt(2.0))
"""``P(Z < -2)`` for a standard normal ``Z``, cut off by the truncation."""
