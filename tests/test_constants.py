"""The constants are the correctly rounded doubles of the paper's values."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

import selu_xp
from selu_xp import SELU_ALPHA, SELU_SCALE, selu
from selu_xp._family import BY_NAME, FAMILY, NAMES, Member, scaled_alpha
from selu_xp._kernels.coefficients import kernel_coefficients
from selu_xp.testing.oracle import ALPHA, SCALE


def _correctly_rounded(value: mpmath.mpf) -> float:
    with mpmath.workdps(60):
        return float(value)


def test_alpha_and_scale_are_correctly_rounded() -> None:
    assert type(SELU_ALPHA) is float
    assert type(SELU_SCALE) is float
    assert _correctly_rounded(ALPHA) == SELU_ALPHA
    assert _correctly_rounded(SCALE) == SELU_SCALE
    assert repr(SELU_ALPHA) == "1.6732632423543772"
    assert repr(SELU_SCALE) == "1.0507009873554805"


def test_saturation_value_is_the_rounded_exact_product() -> None:
    import numpy as np

    with mpmath.workdps(60):
        exact = _correctly_rounded(SCALE * ALPHA)
    limit = float(selu(np.asarray(-np.inf)))
    assert limit == -exact
    # The product of the two rounded doubles is one ULP off: the library must
    # not use it.
    assert exact != SELU_SCALE * SELU_ALPHA


def test_version_is_a_string() -> None:
    assert isinstance(selu_xp.__version__, str)
    assert selu_xp.__version__.count(".") >= 2


def test_the_family_table_holds_the_papers_digits() -> None:
    with mpmath.workdps(60):
        for name in ("selu", "selu_derivative"):
            member = BY_NAME[name]
            assert mpmath.mpf(member.alpha_digits) == ALPHA
            assert mpmath.mpf(member.scale_digits) == SCALE


@pytest.mark.parametrize("member", FAMILY, ids=NAMES)
def test_each_members_defaults_are_its_exact_digits(member: Member) -> None:
    """``neg`` is the exact product of the digits rounded once, and the
    kernel computes with both coefficients to about 106 bits."""
    scale = Fraction(member.scale_digits)
    neg = scale * Fraction(member.alpha_digits)
    assert (member.pos, member.neg) == (float(scale), float(neg))
    assert scaled_alpha(member.alpha, member.scale) == member.neg
    pairs = kernel_coefficients(member.pos, member.neg)
    assert pairs is not None
    for hi, lo, exact in ((*pairs[:2], scale), (*pairs[2:], neg)):
        assert hi == float(exact)
        assert (
            abs(Fraction(hi) + Fraction(lo) - exact) <= abs(exact) * Fraction(2) ** -106
        )
