"""The one table of the ELU family: every public activation, its defaults.

Each member is ``f(x) = pos * x`` for ``x > 0`` and ``neg * expm1(x)``
otherwise (its derivative: ``pos`` and ``neg * exp(x)``), with ``pos =
scale`` and ``neg = scale * alpha`` rounded once.  ELU is the member with
``scale = 1``.  The public functions, the kernel's coefficients, the oracle,
the tests and the benchmarks read this table.  A new member is a row here,
its public function in `selu_xp._activations`, its name in ``__all__`` and
on the API page (and its recorded accuracy, by the benchmark commands).

The defaults are kept as the decimal digits that define them (the paper's 32
digits for SELU).  The public functions take the doubles ``float(digits)``;
with exactly those doubles, ``neg`` is the exact product of the digits
rounded once, and the kernel computes with both coefficients to about 106
bits (`Member.pairs`), as the oracle evaluates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from ._compat import constant_when_traced
from ._constants import PAPER_ALPHA, PAPER_SCALE

__all__ = ["BY_NAME", "DERIVATIVE_OF", "FAMILY", "NAMES", "Member", "scaled_alpha"]


def _double_double(exact: Fraction) -> tuple[float, float]:
    hi = float(exact)
    return hi, float(exact - Fraction(hi))


@dataclass(frozen=True)
class Member:
    """One public activation of the family.

    ``alpha_digits`` and ``scale_digits`` are the defaults in decimal;
    ``parameters`` the keywords the public function takes (``scale`` only
    where the member is scaled); ``derivative`` says that the function is
    the derivative ``pos`` / ``neg * exp(x)`` rather than the activation
    (a derivative is named after its activation: ``<name>_derivative``).
    """

    name: str
    derivative: bool
    alpha_digits: str
    scale_digits: str = "1"
    parameters: tuple[str, ...] = ("alpha",)
    pos: float = field(init=False)
    """``pos`` of the defaults: the default ``scale``."""
    neg: float = field(init=False)
    """``neg`` of the defaults: the exact ``scale * alpha``, rounded once."""
    pairs: tuple[float, float, float, float] = field(init=False)
    """``(pos_hi, pos_lo, neg_hi, neg_lo)``: the exact coefficients as
    double-doubles, for the kernel."""

    def __post_init__(self) -> None:
        # Plain attributes, which torch.compile reads while tracing a call.
        scale = Fraction(self.scale_digits)
        pos, neg = (
            _double_double(scale),
            _double_double(scale * Fraction(self.alpha_digits)),
        )
        object.__setattr__(self, "pos", pos[0])
        object.__setattr__(self, "neg", neg[0])
        object.__setattr__(self, "pairs", (*pos, *neg))

    @property
    def alpha(self) -> float:
        """The default ``alpha``, as a double."""
        return float(self.alpha_digits)

    @property
    def scale(self) -> float:
        """The default ``scale``, as a double."""
        return float(self.scale_digits)


FAMILY: tuple[Member, ...] = (
    Member("selu", False, PAPER_ALPHA, PAPER_SCALE, ("alpha", "scale")),
    Member("elu", False, "1"),
    Member("selu_derivative", True, PAPER_ALPHA, PAPER_SCALE, ("alpha", "scale")),
    Member("elu_derivative", True, "1"),
)
"""The members, in the order the tests and the docs list them."""

NAMES: tuple[str, ...] = tuple(m.name for m in FAMILY)
"""The public names of the members."""

BY_NAME: dict[str, Member] = {m.name: m for m in FAMILY}
"""Each member by its public name."""

DERIVATIVE_OF: dict[str, str] = {
    m.name.removesuffix("_derivative"): m.name for m in FAMILY if m.derivative
}
"""Each activation that has its derivative in the family, and that derivative."""

_BY_DEFAULTS: dict[tuple[float, float], Member] = {
    (m.alpha, m.scale): m for m in FAMILY
}


@constant_when_traced
def scaled_alpha(alpha: float, scale: float) -> float:
    """The correctly rounded double of ``scale * alpha``.

    For a member's default parameters this is the rounding of the exact
    product of their decimal digits (`Member.neg`); otherwise the exact
    product of the two given doubles, rounded once.  Under ``torch.compile``
    it runs while tracing, and its result is a constant of the graph.
    """
    if scale == 1.0:
        # Exact (for a member's digits too: float(digits) is their rounding),
        # and a zero keeps its sign, which the cache's keys do not tell apart.
        return alpha
    return _scaled_alpha(alpha, scale)


@lru_cache(maxsize=64)
def _scaled_alpha(alpha: float, scale: float) -> float:
    member = _BY_DEFAULTS.get((alpha, scale))
    if member is not None:
        return member.neg
    return float(Fraction(alpha) * Fraction(scale))
