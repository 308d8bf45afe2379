"""The kernel's coefficients: ``(pos, neg)`` as the double-doubles that
``elu_family.h`` computes with, and the range of ``neg`` it holds for.

The kernel takes ``pos_hi, pos_lo, neg_hi, neg_lo``.  For the default SELU
these are the paper's constants (`selu_xp._constants.PAPER_SCALE` and its
product with `PAPER_ALPHA`) to about 106 bits, computed here from their
decimal digits; for any other coefficients, the doubles themselves.  The
NumPy ufuncs, CuPy's kernels, the XLA handler, the generic path's float64
evaluation and its exact rounding all read them from here.
"""

from __future__ import annotations

from fractions import Fraction

from .._constants import PAPER_ALPHA, PAPER_SCALE, SELU_SCALE, SELU_SCALE_ALPHA

__all__ = [
    "NEG_RANGE",
    "Coefficients",
    "coefficient_pairs",
    "in_range",
    "kernel_coefficients",
]

Coefficients = tuple[float, float, float, float]
"""``(pos_hi, pos_lo, neg_hi, neg_lo)``."""

NEG_RANGE = (2.0**-20, 2.0**20)
"""The ``|neg|`` that the kernel's clamps are exact for (or ``neg = 0``)."""


def in_range(neg: float) -> bool:
    """Whether the kernel's evaluation holds for the coefficient `neg`."""
    return neg == 0 or NEG_RANGE[0] <= abs(neg) <= NEG_RANGE[1]


def _paper_pair(*digits: str) -> tuple[float, float]:
    """The product of the paper's decimal constants as a double-double."""
    exact = Fraction(1)
    for d in digits:
        exact *= Fraction(d)
    hi = float(exact)
    return hi, float(exact - Fraction(hi))


# scale = 1.0507009873554804934..., scale * alpha = 1.7580993408473768599...
_PAPER_POS = _paper_pair(PAPER_SCALE)
_PAPER_NEG = _paper_pair(PAPER_SCALE, PAPER_ALPHA)


def coefficient_pairs(pos: float, neg: float) -> Coefficients:
    """``(pos_hi, pos_lo, neg_hi, neg_lo)``: the coefficients as double-doubles.

    For the default SELU (``pos = SELU_SCALE``, ``neg = SELU_SCALE_ALPHA``)
    the paper's constants to about 106 bits, which the kernel and the exact
    evaluation compute with; otherwise the doubles themselves.
    """
    if pos == SELU_SCALE and neg == SELU_SCALE_ALPHA:
        return (*_PAPER_POS, *_PAPER_NEG)
    return pos, 0.0, neg, 0.0


def kernel_coefficients(pos: float, neg: float) -> Coefficients | None:
    """``(pos_hi, pos_lo, neg_hi, neg_lo)`` for the kernel, or ``None`` where
    `neg` is outside the range its clamps are exact for (`in_range`)."""
    if not in_range(neg):
        return None
    return coefficient_pairs(pos, neg)
