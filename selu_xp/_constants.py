"""The SELU constants, their product rounded once, and the truncation of
lecun_normal's normal draws.

The values are those of Klambauer et al., "Self-Normalizing Neural Networks"
(NeurIPS 2017), eq. (14) and the accompanying code, to 32 significant digits:

* alpha_01  = 1.6732632423543772848170429916717
* lambda_01 = 1.0507009873554804934193349852946

Python's float() of each gives its correctly rounded double; the digits
themselves are kept as `PAPER_ALPHA` and `PAPER_SCALE` for computations in
decimal arithmetic (the table of the family, `selu_xp._family`, derives the
kernel's double-doubles from them).
"""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = ["SELU_ALPHA", "SELU_SCALE"]

PAPER_ALPHA = "1.6732632423543772848170429916717"
PAPER_SCALE = "1.0507009873554804934193349852946"

SELU_ALPHA: float = float(PAPER_ALPHA)
"""The SELU ``alpha`` (the paper's alpha_01), correctly rounded to a double."""

SELU_SCALE: float = float(PAPER_SCALE)
"""The SELU ``scale`` (the paper's lambda_01), correctly rounded to a double."""

SELU_SCALE_ALPHA: float = float(Fraction(PAPER_ALPHA) * Fraction(PAPER_SCALE))
"""The correctly rounded double of the exact product alpha_01 * lambda_01
(1.75809934084737685...).  Multiplying the two rounded doubles instead gives
1.7580993408473766, one ULP low."""


# lecun_normal's truncated normal, on every backend (Keras's convention).
TRUNCATION = 2.0
"""Every source's truncated normal is ``Z`` conditioned on ``|Z| <= 2``."""

LOWER_TAIL = 0.5 * math.erfc(TRUNCATION / math.sqrt(2.0))
"""``P(Z < -2)`` for a standard normal ``Z``, cut off by the truncation."""
