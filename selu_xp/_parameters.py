"""The SELU parameters for any fixed point of mean and variance.

Klambauer et al. (2017), section 3, ask for which ``alpha`` and ``scale`` a
normally distributed pre-activation ``z ~ N(mean, variance)`` is mapped by
``selu`` to an output with that same mean and variance.  With ``sigma =
sqrt(variance)`` and ``Phi`` the standard normal distribution function, the
output's moments are

* ``E[selu(z)]   = scale   * (A + alpha * B)``
* ``E[selu(z)^2] = scale^2 * (C + alpha^2 * D)``

where ``A = E[z; z > 0]``, ``B = E[e^z - 1; z <= 0]``, ``C = E[z^2; z > 0]``
and ``D = E[(e^z - 1)^2; z <= 0]`` are closed forms in ``erfc`` and ``exp``
that do not depend on the parameters.  The two fixed-point equations
therefore reduce to one quadratic in ``alpha`` (the ratio of the squared
mean to the second moment), solved here in closed form; ``scale`` follows.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from functools import lru_cache

from ._compat import constant_when_traced
from ._validation import check_parameter, check_variance

__all__ = ["selu_parameters"]

# Working precision in decimal digits, and where erfc switches from the power
# series to the continued fraction.
_DIGITS = 60
_SERIES_LIMIT = 3


@constant_when_traced  # decimal arithmetic: computed while torch.compile traces
def selu_parameters(mean: float = 0.0, variance: float = 1.0) -> tuple[float, float]:
    r"""The SELU ``(alpha, scale)`` whose fixed point is `mean` and `variance`.

    Solves the fixed-point equations of Klambauer et al. (2017): for a
    pre-activation :math:`z \sim \mathcal{N}(\mu, \nu)` with :math:`\mu =`
    `mean` and :math:`\nu =` `variance`,

    .. math::

        \operatorname{E}[\operatorname{selu}(z)] = \mu, \qquad
        \operatorname{Var}[\operatorname{selu}(z)] = \nu .

    The default fixed point ``(0, 1)`` gives the paper's constants
    `SELU_ALPHA` and `SELU_SCALE`.  Pass the result to `selu` and
    `alpha_dropout` (with the same `mean` and `variance`) to build a network
    that normalizes towards another fixed point.

    Parameters
    ----------
    mean : float, optional
        The fixed-point mean :math:`\mu`; default 0.
    variance : float, optional
        The fixed-point variance :math:`\nu > 0`; default 1.

    Returns
    -------
    alpha : float
        The saturation parameter :math:`\alpha > 0`.
    scale : float
        The scale :math:`\lambda > 0`.

    Raises
    ------
    TypeError
        If `mean` or `variance` is not a real number.
    ValueError
        If `mean` or `variance` is not finite, `variance` is not positive, or
        no ``alpha > 0`` has this fixed point.

    See Also
    --------
    selu : The activation, which takes the parameters as arguments.
    alpha_dropout : The dropout, which takes the fixed point as arguments.
    SELU_ALPHA : The ``alpha`` of the default fixed point (0, 1).
    SELU_SCALE : The ``scale`` of the default fixed point (0, 1).

    Notes
    -----
    The moments of ``selu(z)`` are linear in ``alpha`` and ``alpha**2`` with
    coefficients that depend on `mean` and `variance` only, so the equations
    reduce to a quadratic in ``alpha`` that is solved in closed form (no
    iteration, no SciPy).  The coefficients and the roots are computed in
    60-digit decimal arithmetic with the standard library and rounded once to
    float64, so the cancellations in the coefficients cost no accuracy; the
    terms :math:`e^{k\mu + k^2\nu/2}\,\Phi(-(\mu + k\nu)/\sqrt{\nu})` are
    evaluated through the scaled complementary error function where ``erfc``
    alone would underflow.  The default point gives the paper's constants
    exactly (within the 2 ULP that are guaranteed).  Means far from 0 relative
    to the standard deviation (beyond about 40 standard deviations) raise
    `ValueError`, as the solution then overflows float64 or is not determined.

    References
    ----------
    .. [1] G. Klambauer, T. Unterthiner, A. Mayr and S. Hochreiter,
       "Self-Normalizing Neural Networks", NeurIPS 2017, :arxiv:`1706.02515`,
       which derives the mean and variance a SELU layer maps its inputs' to
       and solves their fixed point for (0, 1), giving the default constants.

    Examples
    --------
    >>> from selu_xp import SELU_ALPHA, SELU_SCALE, selu_parameters
    >>> alpha, scale = selu_parameters()
    >>> alpha == SELU_ALPHA and scale == SELU_SCALE
    True
    >>> alpha, scale = selu_parameters(mean=-0.1, variance=2.0)
    >>> print(f"{alpha:.5f} {scale:.5f}")
    1.97690 1.07385
    """
    mu = check_parameter(mean, "mean", "selu_parameters")
    nu = check_variance(variance, "selu_parameters")
    alpha, scale = _solve(mu, nu)
    if not (math.isfinite(alpha) and math.isfinite(scale) and alpha > 0 and scale > 0):
        msg = (
            f"selu_parameters() found no finite solution with alpha > 0 for "
            f"mean={mu!r}, variance={nu!r}."
        )
        raise ValueError(msg)
    return alpha, scale


@lru_cache(maxsize=64)
def _solve(mu: float, nu: float) -> tuple[float, float]:
    """``(alpha, scale)`` from the quadratic, in 60-digit decimal arithmetic.

    With ``r = mu^2 / (nu + mu^2)`` the equations give ``(A + alpha B)^2 = r
    (C + alpha^2 D)``.  Its two roots lie on either side of ``-A/B``, and the
    sign of ``A + alpha B`` (that of the mean) picks one; ``alpha = -A/B`` when
    the mean is 0.  Returns ``(nan, nan)`` where no positive root exists.
    """
    with decimal.localcontext() as ctx:
        ctx.prec = _DIGITS
        ctx.Emax, ctx.Emin = decimal.MAX_EMAX, decimal.MIN_EMIN
        m, v = Decimal(mu), Decimal(nu)
        a, b, c, d = _moment_coefficients(m, v)
        r = m * m / (v + m * m)
        lead = b * b - r * d
        disc = max(r * (c * b * b + d * a * a - r * c * d), Decimal(0))
        q = -a * b + disc.sqrt()  # A > 0 > B: no cancellation
        if q <= 0:
            return math.nan, math.nan
        if mu > 0:
            alpha = (a * a - r * c) / q
        elif lead > 0:
            alpha = q / lead
        else:
            return math.nan, math.nan
        if alpha <= 0:
            return math.nan, math.nan
        scale = ((v + m * m) / (c + alpha * alpha * d)).sqrt()
        return float(alpha), float(scale)  # correctly rounded


def _moment_coefficients(
    m: Decimal, v: Decimal
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """``A, B, C, D`` of the module docstring for ``z ~ N(m, v)``.

    Evaluated in the current decimal context (60 digits), so that neither the
    rounding of intermediate arguments nor the cancellation in ``D`` reaches
    the result.
    """
    sigma = v.sqrt()
    root2 = Decimal(2).sqrt()
    t = m / sigma
    upper = _erfc(-t / root2) / 2  # P(z > 0)
    lower = _erfc(t / root2) / 2  # P(z <= 0)
    density = (-t * t / 2).exp() / (2 * _pi()).sqrt()
    a = m * upper + sigma * density
    c = (m * m + v) * upper + m * sigma * density
    e1 = _exp_moment(1, m, v, sigma * root2)
    e2 = _exp_moment(2, m, v, sigma * root2)
    b = e1 - lower
    d = e2 - 2 * e1 + lower
    return a, b, c, d


def _exp_moment(k: int, m: Decimal, v: Decimal, s: Decimal) -> Decimal:
    """``E[exp(k z); z <= 0]`` for ``z ~ N(m, v)``; `s` is ``sqrt(2 v)``.

    Equal to ``exp(k m + k^2 v / 2) * erfc(t) / 2`` with ``t = (m + k v) / s``,
    and to ``exp(-m^2 / (2 v)) * erfcx(t) / 2`` since the exponents differ by
    ``t^2``; the second form is used for large ``t``.
    """
    t = (m + k * v) / s
    if t < _SERIES_LIMIT:
        return (k * m + k * k * v / 2).exp() * _erfc(t) / 2
    return (-m * m / (2 * v)).exp() * _erfcx_fraction(t) / 2


def _erfc(x: Decimal) -> Decimal:
    """The complementary error function in the current decimal context."""
    if x >= _SERIES_LIMIT:
        return (-x * x).exp() * _erfcx_fraction(x)
    if x <= -_SERIES_LIMIT:
        return 2 - (-x * x).exp() * _erfcx_fraction(-x)
    return 1 - _erf_series(x)


def _erf_series(x: Decimal) -> Decimal:
    """``erf(x)`` for ``|x| < 3`` from its series of positive terms.

    ``erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1 3 5 ... (2n+1))``.
    """
    x2 = x * x
    term = total = x
    n = 0
    eps = Decimal(10) ** -(_DIGITS + 5)
    while abs(term) > eps * abs(total):
        n += 1
        term = term * 2 * x2 / (2 * n + 1)
        total += term
    return 2 * (-x2).exp() * total / _pi().sqrt()


def _erfcx_fraction(x: Decimal) -> Decimal:
    """``exp(x^2) erfc(x)`` for ``x >= 3`` from its continued fraction.

    ``sqrt(pi) erfcx(x) = 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...))))``,
    evaluated from the tail; the number of terms suffices for 60 digits.
    """
    terms = 60 + int(1500 / (x * x))
    tail = x
    for n in range(terms, 0, -1):
        tail = x + Decimal(n) / 2 / tail
    return 1 / (tail * _pi().sqrt())


@lru_cache(maxsize=1)
def _pi_digits() -> str:
    """pi to more than 60 digits, by the Gauss-Legendre iteration."""
    with decimal.localcontext() as ctx:
        ctx.prec = _DIGITS + 10
        a, b, t, p = Decimal(1), 1 / Decimal(2).sqrt(), Decimal(1) / 4, Decimal(1)
        for _ in range(8):
            a, b, t, p = (a + b) / 2, (a * b).sqrt(), t - p * ((a - b) / 2) ** 2, 2 * p
        return str((a + b) ** 2 / (4 * t))


def _pi() -> Decimal:
    return +Decimal(_pi_digits())
