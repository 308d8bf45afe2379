"""The one table of the ELU family: every public activation, its defaults.

Each member is ``f(x) = pos * x`` for ``x > 0`` and ``neg * expm1(x)``
otherwise (its derivative: ``pos`` and ``neg * exp(x)``), with ``pos =
scale`` and ``neg = scale * alpha`` rounded once.  ELU is the member with
``scale = 1``.  The public layer, the kernel's ufunc factory, the test
reference, the tests, the benchmarks, the report and the docs all read this
table; a new member is one row here and its public function.

The defaults are kept as the decimal digits they are defined by (the paper's
32 digits for SELU), so that a reference can evaluate them exactly; the
public functions take the doubles ``float(digits)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._constants import PAPER_ALPHA, PAPER_SCALE, scaled_alpha

__all__ = ["BY_NAME", "FAMILY", "NAMES", "Member"]


@dataclass(frozen=True)
class Member:
    """One public activation of the family.

    ``alpha_digits`` and ``scale_digits`` are the defaults in decimal;
    ``parameters`` the keywords the public function takes (``scale`` only
    where the member is scaled); ``derivative`` says that the function is
    the derivative ``pos`` / ``neg * exp(x)`` rather than the activation.
    """

    name: str
    derivative: bool
    alpha_digits: str
    scale_digits: str = "1"
    parameters: tuple[str, ...] = ("alpha",)
    pos: float = field(init=False)
    """``pos`` of the default parameters: the default ``scale``."""
    neg: float = field(init=False)
    """``neg`` of the default parameters: ``scale * alpha``, rounded once."""

    def __post_init__(self) -> None:
        # Plain attributes, which torch.compile reads while tracing a call.
        object.__setattr__(self, "pos", self.scale)
        object.__setattr__(self, "neg", scaled_alpha(self.alpha, self.scale))

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
