"""The kernel's coefficients: ``(pos, neg)`` as the double-doubles that
``elu_family.h`` computes with, and the range of ``neg`` it holds for.

The kernel takes ``pos_hi, pos_lo, neg_hi, neg_lo``.  For the default
parameters of a member of the family (`selu_xp._family`) these are its exact
coefficients to about 106 bits, from the decimal digits that define them (the
paper's constants for SELU); for any other coefficients, the doubles
themselves.  The
NumPy ufuncs, CuPy's kernels, the XLA handler, the generic path's float64
evaluation and its exact rounding all read them from here.
"""

from __future__ import annotations

from .._family import FAMILY

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


# The members' defaults: (pos, neg) -> their exact coefficients.
_DEFAULT_PAIRS = {(m.pos, m.neg): m.pairs for m in FAMILY}


def coefficient_pairs(pos: float, neg: float) -> Coefficients:
    """``(pos_hi, pos_lo, neg_hi, neg_lo)``: the coefficients as double-doubles.

    For a member's defaults (the default SELU: ``pos = SELU_SCALE``, ``neg =
    SELU_SCALE_ALPHA``) its exact coefficients to about 106 bits, which the
    kernel and the exact evaluation compute with; otherwise the doubles
    themselves.
    """
    return _DEFAULT_PAIRS.get((pos, neg), (pos, 0.0, neg, 0.0))


def kernel_coefficients(pos: float, neg: float) -> Coefficients | None:
    """``(pos_hi, pos_lo, neg_hi, neg_lo)`` for the kernel, or ``None`` where
    `neg` is outside the range its clamps are exact for (`in_range`)."""
    if not in_range(neg):
        return None
    return coefficient_pairs(pos, neg)
