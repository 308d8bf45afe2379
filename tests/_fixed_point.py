"""The SELU fixed-point equations solved with mpmath, from the paper's closed forms.

Independent of the package: the moments of ``selu(z)`` for ``z ~ N(mean,
variance)`` are written out with the normal distribution function and density
and the system is solved with ``mpmath.findroot`` at 50 digits.
"""

from __future__ import annotations

from functools import lru_cache

import mpmath


def selu_moments(
    alpha: mpmath.mpf, scale: mpmath.mpf, mean: mpmath.mpf, variance: mpmath.mpf
) -> tuple[mpmath.mpf, mpmath.mpf]:
    """Mean and variance of ``selu(z)``, ``z ~ N(mean, variance)``."""
    mu, nu = mpmath.mpf(mean), mpmath.mpf(variance)
    s = mpmath.sqrt(nu)
    cdf = mpmath.ncdf
    pdf = mpmath.npdf
    pos = mu * cdf(mu / s) + s * pdf(mu / s)  # E[z; z > 0]
    pos2 = (mu**2 + nu) * cdf(mu / s) + mu * s * pdf(mu / s)  # E[z^2; z > 0]
    neg0 = cdf(-mu / s)  # P(z <= 0)
    neg1 = mpmath.exp(mu + nu / 2) * cdf(-(mu + nu) / s)  # E[e^z; z <= 0]
    neg2 = mpmath.exp(2 * mu + 2 * nu) * cdf(-(mu + 2 * nu) / s)  # E[e^2z; z <= 0]
    m1 = scale * (pos + alpha * (neg1 - neg0))
    m2 = scale**2 * (pos2 + alpha**2 * (neg2 - 2 * neg1 + neg0))
    return m1, m2 - m1**2


@lru_cache(maxsize=16)
def fixed_point_parameters(mean: str, variance: str) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``(alpha, scale)`` with fixed point (`mean`, `variance`), 50 digits."""
    with mpmath.workdps(50):
        mu, nu = mpmath.mpf(mean), mpmath.mpf(variance)

        def equations(a: mpmath.mpf, lam: mpmath.mpf) -> list[mpmath.mpf]:
            m, v = selu_moments(a, lam, mu, nu)
            return [m - mu, v - nu]

        a, lam = mpmath.findroot(equations, (mpmath.mpf("1.7"), mpmath.mpf("1.05")))
        return +a, +lam
