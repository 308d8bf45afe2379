"""selu_parameters against the fixed point solved independently with mpmath."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from selu_xp import SELU_ALPHA, SELU_SCALE, selu_parameters
from selu_xp.testing.oracle import ALPHA, SCALE

from ._fixed_point import fixed_point_parameters, selu_moments


def ulps(value: float, reference: mpmath.mpf) -> float:
    """|value - reference| in ULPs of the double nearest the reference."""
    with mpmath.workdps(50):
        return float(abs(mpmath.mpf(value) - reference)) / float(
            np.spacing(float(reference))
        )


def test_reference_solves_to_the_paper_constants() -> None:
    # The mpmath solution of the closed forms is the paper's printed values.
    alpha, scale = fixed_point_parameters("0", "1")
    with mpmath.workdps(50):
        assert abs(alpha - ALPHA) < mpmath.mpf("1e-30")
        assert abs(scale - SCALE) < mpmath.mpf("1e-30")


def test_default_point_within_2_ulp() -> None:
    alpha_ref, scale_ref = fixed_point_parameters("0", "1")
    alpha, scale = selu_parameters()
    assert ulps(alpha, alpha_ref) <= 2
    assert ulps(scale, scale_ref) <= 2
    assert ulps(SELU_ALPHA, alpha_ref) <= 2
    assert ulps(SELU_SCALE, scale_ref) <= 2


def test_authors_point() -> None:
    # The authors' code gives (1.97690, 1.07385) for mean -0.1, variance 2.
    alpha, scale = selu_parameters(mean=-0.1, variance=2.0)
    assert (round(alpha, 5), round(scale, 5)) == (1.97690, 1.07385)
    alpha_ref, scale_ref = fixed_point_parameters("-0.1", "2")
    assert ulps(alpha, alpha_ref) <= 4
    assert ulps(scale, scale_ref) <= 4


@pytest.mark.parametrize(
    ("mean", "variance"),
    [("0.1", "1"), ("-1", "1"), ("0.5", "0.25"), ("0", "100"), ("-0.3", "0.7")],
)
def test_other_points(mean: str, variance: str) -> None:
    alpha_ref, scale_ref = fixed_point_parameters(mean, variance)
    alpha, scale = selu_parameters(float(mean), float(variance))
    assert ulps(alpha, alpha_ref) <= 4
    assert ulps(scale, scale_ref) <= 4


def test_solution_is_a_fixed_point_by_quadrature() -> None:
    # Integrate selu over the normal density numerically: no closed forms.
    alpha, scale = selu_parameters(-0.1, 2.0)
    with mpmath.workdps(30):
        a, lam, mu, nu = (mpmath.mpf(v) for v in (alpha, scale, -0.1, 2.0))

        def density(z: mpmath.mpf) -> mpmath.mpf:
            return mpmath.npdf(z, mu, mpmath.sqrt(nu))

        def selu(z: mpmath.mpf) -> mpmath.mpf:
            return lam * z if z > 0 else lam * a * mpmath.expm1(z)

        m1 = mpmath.quad(lambda z: selu(z) * density(z), [-mpmath.inf, 0, mpmath.inf])
        m2 = mpmath.quad(
            lambda z: selu(z) ** 2 * density(z), [-mpmath.inf, 0, mpmath.inf]
        )
        assert abs(m1 - mu) < 1e-14
        assert abs(m2 - m1**2 - nu) < 1e-14
        # and the closed forms of the helper agree with the quadrature
        cm, cv = selu_moments(a, lam, mu, nu)
        assert abs(cm - m1) < 1e-20
        assert abs(cv - (m2 - m1**2)) < 1e-20


@pytest.mark.parametrize("variance", [0.0, -1.0, math.inf, math.nan])
def test_bad_variance(variance: float) -> None:
    with pytest.raises(ValueError, match="variance"):
        selu_parameters(0.0, variance)


@pytest.mark.parametrize("mean", [math.inf, math.nan])
def test_bad_mean(mean: float) -> None:
    with pytest.raises(ValueError, match="mean"):
        selu_parameters(mean, 1.0)


@pytest.mark.parametrize(("mean", "variance"), [(1000.0, 1.0), (-1e300, 1.0)])
def test_no_solution(mean: float, variance: float) -> None:
    with pytest.raises(ValueError, match="no finite solution"):
        selu_parameters(mean, variance)


@pytest.mark.parametrize("value", ["0", None, True, 1j])
def test_not_a_number(value: object) -> None:
    with pytest.raises(TypeError, match="real number"):
        selu_parameters(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="real number"):
        selu_parameters(0.0, value)  # type: ignore[arg-type]
