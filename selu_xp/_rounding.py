"""Correct rounding for the paths without the kernel: a test and an exact
evaluation, in array API operations.

float32, float16 and bfloat16 inputs are computed in float64 and rounded
once to their dtype.  That is the correctly rounded result, the kernel's
bits, unless a rounding boundary of the narrow dtype (a midpoint between two
of its neighbours) lies within the float64 evaluation's error of the value:
`flagged` marks every result within `WIDTH` of one, and `exact` recomputes
those elements in double-double arithmetic, the kernel's own exact
evaluation (``sx_family_exact`` and ``sx_derivative_exact`` of
``_kernels/elu_family.h``) written in array operations, and `round_pair`
rounds its result correctly.

`WIDTH`, 2^-46 relative, is 64 times the float64 evaluation's error on the
backends measured (their float64 ``exp`` and ``expm1`` are within 4 ULPs,
and the evaluation rounds a few times more): a backend whose float64
``exp`` is worse than 2^-47 relative could misround.  About one result in
2^21 is flagged.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ._arrays import narrow, where_scalar
from ._typing import Array, DType, Namespace

__all__ = [
    "WIDTH",
    "correct",
    "exact",
    "flagged",
    "ln2_split",
    "round_pair",
    "to_dtype",
]

WIDTH = 2.0**-46
"""The rounding test's relative width (see the module's docstring)."""

_SHIFTER = 1.5 * 2.0**52  # adding it rounds to an integer
_SPLITTER = 2.0**27 + 1.0  # Veltkamp's constant for 26-bit halves
_TAYLOR_TERMS = 24  # e^r - 1 to 2^-110 for |r| <= ln2/2
_DOUBLE_DOUBLE_TERMS = 13  # the terms evaluated in double-double
_LOOKUPS = 16  # flagged elements put back one by one up to this many


def _ln2(bits: int) -> Fraction:
    """ln 2 within 2^-bits: 2 atanh(1/3) = sum 2 / ((2k+1) 3^(2k+1))."""
    total, k = Fraction(0), 0
    while Fraction(2, (2 * k + 1) * 3 ** (2 * k + 1)) > Fraction(1, 2**bits):
        total += Fraction(2, (2 * k + 1) * 3 ** (2 * k + 1))
        k += 1
    return total


def _truncated(value: Fraction, bits: int) -> float:
    """`value` (positive) with its significand cut to `bits` bits."""
    exponent = value.numerator.bit_length() - value.denominator.bit_length()
    while Fraction(2) ** exponent > value:
        exponent -= 1
    step = Fraction(2) ** (exponent + 1 - bits)
    return float((value // step) * step)


@lru_cache(maxsize=1)
def ln2_split() -> tuple[float, float, float, float]:
    """``(hi, lo, lo2, 1/ln2)``: ln 2 = hi + lo + lo2, hi with 32 bits, as
    ``SX_LN2_HI``, ``SX_LN2_LO``, ``SX_LN2_LO2`` and ``SX_INV_LN2`` of the
    kernel (a test compares them with the ones derived there)."""
    ln2 = _ln2(200)
    hi = _truncated(ln2, 32)
    lo = float(ln2 - Fraction(hi))
    lo2 = float(ln2 - Fraction(hi) - Fraction(lo))
    return hi, lo, lo2, float(1 / ln2)


# ---- error-free transformations and double-double arithmetic ---------------

Pair = tuple[Any, Any]


class _Namespaces(threading.local):
    """The namespaces of the arrays being computed, innermost last, for
    `_kept`: one stack per thread (threads compute side by side)."""

    def __init__(self) -> None:
        self.stack: list[Namespace] = []


_NAMESPACES = _Namespaces()


@contextlib.contextmanager
def kept_in(xp: Namespace) -> Iterator[None]:
    """Within it, `_kept` keeps sums and products of `xp`'s arrays apart."""
    _NAMESPACES.stack.append(xp)
    try:
        yield
    finally:
        _NAMESPACES.stack.pop()


def _kept(v: Any) -> Any:
    """`v`, evaluated as written: TensorFlow's graph optimizer (Grappler)
    would otherwise merge a chain of additions into one AddN and add its
    terms in another order, which breaks the error-free sums, and XLA
    would fuse a product into the sum that takes it, or fold two constants
    into one.  A select on ``isfinite`` neither sees through; infinities
    become zeros, in error terms whose results are selected away.  Outside
    `kept_in`, and for Python floats, `v` itself."""
    stack = _NAMESPACES.stack
    if not stack or isinstance(v, float):
        return v
    xp = stack[-1]
    return xp.where(xp.isfinite(v), v, 0.0 * v)


def _two_sum(a: Any, b: Any) -> Pair:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fast_two_sum(a: Any, b: Any) -> Pair:  # |a| >= |b| or a == 0
    s = a + b
    return s, b - (s - a)


def _split(a: Any) -> Pair:
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a: Any, b: Any) -> Pair:
    """``a * b = p + e`` exactly (Dekker's product, no fused multiply-add)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = _kept((ah * bh - p) + ah * bl)
    return p, _kept(e + al * bh) + al * bl


def _mul(a: Pair, b: Pair) -> Pair:
    p = _two_prod(a[0], b[0])
    return _fast_two_sum(p[0], p[1] + _kept(a[0] * b[1] + a[1] * b[0]))


def _add(a: Pair, b: Pair) -> Pair:
    s = _two_sum(a[0], b[0])
    return _fast_two_sum(s[0], s[1] + _kept(a[1] + b[1]))


def _div_int(a: Pair, n: float) -> Pair:
    q = a[0] / n
    p = _two_prod(q, n)
    return _fast_two_sum(q, (_kept((a[0] - p[0]) - p[1]) + a[1]) / n)


# ---- the exact evaluation ---------------------------------------------------


def _power_of_two(n: Array, xp: Namespace, *, below: int = 256) -> Array:
    """``2.0 ** -n`` for integral ``0 <= n < below <= 1024``, exactly, bit
    by bit (`below` a power of two)."""
    s = n * 0.0 + 1.0
    b = below
    while b > 1:
        b //= 2
        take = n >= b
        s = xp.where(take, s * 2.0**-b, s)
        n = xp.where(take, n - b, n)
    return s


def _expm1_reduced(x: Array, xp: Namespace) -> tuple[Pair, Array]:
    """``(e^r - 1, 2^k)`` with ``x = k ln2 + r``, for ``-190 <= x <= 0``."""
    hi, lo, lo2, inv = ln2_split()
    kd = _kept(x * inv + _SHIFTER) - _SHIFTER  # not folded to x * inv
    b = _two_prod(kd, lo)
    r = _two_sum(x - kd * hi, -b[0])
    r = _fast_two_sum(r[0], r[1] - (b[1] + kd * lo2))
    # e^r - 1 = r (1 + r/2 (1 + r/3 (1 + ...))).  From the 14th term on, a
    # term is below 2^-52 of the result, so its factor needs double
    # precision only; the first thirteen are double-doubles.
    t = r[0] * 0.0 + 1.0
    for n in range(_TAYLOR_TERMS, _DOUBLE_DOUBLE_TERMS, -1):
        t = 1.0 + r[0] * t / float(n)
    q: Pair = (t, 0.0 * t)
    for n in range(_DOUBLE_DOUBLE_TERMS, 1, -1):
        q = _add((1.0, 0.0), _div_int(_mul(r, q), float(n)))
    return _mul(r, q), _power_of_two(-kd, xp)


def exact(
    x: Array,
    coefficients: tuple[float, float, float, float],
    derivative: bool,
    xp: Namespace,
) -> Pair:
    """f(x) (or f'(x)) as a double-double within 2^-100 relative, for float64
    `x` holding float32, float16 or bfloat16 values; `coefficients` is
    ``(pos_hi, pos_lo, neg_hi, neg_lo)``."""
    with kept_in(xp):
        return _exact(x, coefficients, derivative, xp)


def _exact(
    x: Array,
    coefficients: tuple[float, float, float, float],
    derivative: bool,
    xp: Namespace,
) -> Pair:

    pos_hi, pos_lo, neg_hi, neg_lo = coefficients
    lowest = -130.0 if derivative else -110.0  # the kernel's clamps
    # Only finite numbers in the arithmetic (no floating-point warnings):
    # -inf is the clamp, as in the kernel; +inf and NaN are put back last.
    finite = xp.isfinite(x)
    xf = xp.where(x < lowest, where_scalar(lowest, x, xp), x)
    xf = xp.where(finite | (x < 0), xf, where_scalar(1.0, x, xp))
    left = xp.where(xf > 0, where_scalar(-1.0, x, xp), xf)
    p, s = _expm1_reduced(left, xp)
    top = x > 0
    if derivative:
        e = _fast_two_sum(1.0, p[0])
        e = _fast_two_sum(e[0] * s, (e[1] + p[1]) * s)
        neg_hi_, neg_lo_ = _mul((neg_hi, neg_lo), e)
        hi = xp.where(top, where_scalar(pos_hi, x, xp), neg_hi_)
        lo = xp.where(top, where_scalar(pos_lo, x, xp), neg_lo_)
    else:
        t = _two_sum(-1.0, s)
        e = _add(t, (s * p[0], s * p[1]))
        neg_hi_, neg_lo_ = _mul((neg_hi, neg_lo), e)
        right = _two_prod(xf, pos_hi)
        right = _fast_two_sum(right[0], right[1] + pos_lo * xf)
        zero = xf == 0
        hi = xp.where(top, right[0], xp.where(zero, neg_hi * xf, neg_hi_))
        lo = xp.where(top, right[1], xp.where(zero, 0.0 * xf, neg_lo_))
        hi = xp.where(x == xp.inf, x, hi)  # +inf (with a positive pos)
    nan = x != x
    return xp.where(nan, x + x, hi), xp.where(nan | ~finite, 0.0 * xf, lo)


def round_pair(pair: Pair, dtype: DType, xp: Namespace) -> Array:
    """The double-double `pair` rounded correctly to `dtype` (narrower than
    float64).

    ``hi`` rounded alone is right unless ``hi`` is exactly a midpoint of
    `dtype`, which its rounding then broke to the even neighbour: the other
    neighbour is ``2 hi - c``, and ``lo`` says on which side of the midpoint
    the value lies.
    """
    hi, lo = pair
    finite = xp.isfinite(hi)
    if xp.finfo(dtype).bits <= 16:
        # Through float32 first, exactly kept in two parts: some backends
        # (TensorFlow, PyTorch) convert float64 to the half dtypes through
        # float32, rounding twice.
        h32 = xp.astype(narrow(hi, xp.float32, xp), hi.dtype)
        finite = finite & xp.isfinite(h32)
        rest = xp.where(finite, hi, 0.0 * lo) - xp.where(finite, h32, 0.0 * lo)
        hi, lo = h32, rest + lo
    c = narrow(hi, dtype, xp)
    c64 = xp.astype(c, hi.dtype)
    finite = finite & xp.isfinite(c64)
    # The arithmetic on finite values only (no floating-point warnings).
    safe, safe_c = xp.where(finite, hi, 0.0 * lo), xp.where(finite, c64, 0.0 * lo)
    other = 2.0 * safe - safe_c
    fits = xp.astype(narrow(other, dtype, xp), hi.dtype) == other
    tie = finite & (hi != c64) & (other != c64) & fits
    toward = ((lo > 0) & (other > c64)) | ((lo < 0) & (other < c64))
    return xp.where(tie & toward, narrow(other, dtype, xp), c)


def flagged(y: Array, dtype: DType, xp: Namespace) -> Array:
    """Whether the float64 `y` may round to another `dtype` value than the
    exact result within `WIDTH` of it does."""
    up = xp.astype(to_dtype(y * (1.0 + WIDTH), dtype, xp), y.dtype)
    down = xp.astype(to_dtype(y * (1.0 - WIDTH), dtype, xp), y.dtype)
    # compared in float64: TensorFlow compares float32 subnormals as zeros
    return (up != down) & (y == y)


def to_dtype(y: Array, dtype: DType, xp: Namespace) -> Array:
    """float64 `y` rounded once to `dtype` (`round_pair` for the half dtypes)."""
    if xp.finfo(dtype).bits <= 16:
        return round_pair((y, xp.zeros_like(y)), dtype, xp)
    return narrow(y, dtype, xp)


def correct(
    y: Array,
    x: Array,
    dtype: DType,
    coefficients: tuple[float, float, float, float],
    derivative: bool,
    xp: Namespace,
    *,
    lazy: bool,
) -> Array:
    """The float64 evaluation `y` at float64 `x`, rounded to `dtype`, with the
    `flagged` elements from the exact evaluation.

    Eagerly, a few flagged elements are evaluated alone and put back one by
    one; many (over 16), or a `lazy` array whose values are not known yet,
    take the exact evaluation on the whole array.
    """
    rounded = to_dtype(y, dtype, xp)
    hard = flagged(y, dtype, xp)
    if lazy:
        count = _LOOKUPS + 1
    else:
        count = int(xp.sum(xp.astype(hard, xp.int32)))
        if count == 0:
            return rounded
    if count > _LOOKUPS:
        fixed = round_pair(exact(x, coefficients, derivative, xp), dtype, xp)
        return xp.where(hard, fixed, rounded)
    shape = rounded.shape
    flat = xp.reshape(rounded, (-1,))
    where = xp.nonzero(xp.reshape(hard, (-1,)))[0]
    values = round_pair(
        exact(xp.take(xp.reshape(x, (-1,)), where), coefficients, derivative, xp),
        dtype,
        xp,
    )
    positions = xp.arange(flat.shape[0], device=_device(flat))
    for i in range(count):
        flat = xp.where(positions == where[i], values[i], flat)
    return xp.reshape(flat, shape)


def _device(x: Array) -> Any:
    from ._compat import device

    return device(x)
