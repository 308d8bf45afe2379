"""The kernel's float64 evaluation, in array API operations.

``sx_family_f64`` and ``sx_derivative_f64`` of ``_kernels/elu_family.h``
(the careful path: a 32-entry table, a degree-7 polynomial and sums
arranged so that every step that can cancel is exact), operation for
operation, so that float64 off the kernel has the kernel's bits: every step
is an IEEE operation that rounds to nearest, as in C (built without
contraction).  Products and sums pass through selections (`times`,
``_rounding._kept``), so that XLA does not fuse them into multiply-adds or
fold constants, and TensorFlow's graph optimizer does not regroup them.
Backends whose CPU code flushes subnormals to zero (TensorFlow, XLA) need
more: TensorFlow's path computes tiny inputs (`tiny`) and subnormal
results scaled, and builds them from their bits.

The constants are read from the header's derived block, which
``_kernels/derive.py`` writes (a test re-derives it); the table of
``neg 2^(j/32)`` is built in Python floats by the same operations as
``sx_fold_init``.  The header's comments carry the error analysis: 0.508 ULP
for the family and 0.533 ULP for the derivative.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from ._arrays import where_scalar
from ._rounding import (
    _SPLITTER,
    _fast_two_sum,
    _kept,
    _power_of_two,
    _two_prod,
    kept_in,
)
from ._typing import Array, Namespace

__all__ = [
    "fold",
    "kernel_constants",
    "neg_exp",
    "neg_expm1",
    "split",
    "times",
    "tiny",
]

_SHIFTER = 1.5 * 2.0**52  # SX_SHIFTER: adding it rounds to an integer
_UP = 2.0**200  # SX_UP, the scale of the family's sums
_FAMILY_LOWEST = -60.0  # the kernel's clamps (sx_family_f64, sx_derivative_f64)
_DERIVATIVE_LOWEST = -760.0


@lru_cache(maxsize=1)
def kernel_constants() -> dict[str, Any]:
    """The derived block of ``elu_family.h``: each ``#define SX_...`` as a
    float, each table as a tuple of floats, by name."""
    text = resources.files("selu_xp._kernels").joinpath("elu_family.h").read_text()
    begin = text.index("BEGIN DERIVED CONSTANTS")
    block = text[begin : text.index("END DERIVED CONSTANTS", begin)]
    values: dict[str, Any] = {
        name: float(value)
        for name, value in re.findall(r"#define (SX_\w+) (\S+)", block)
    }
    for name, body in re.findall(r"double (\w+)\[\d+\] = \{([^}]*)\}", block):
        values[name] = tuple(float(v) for v in body.replace(",", " ").split())
    return values


@lru_cache(maxsize=64)
def fold(
    neg_hi: float, neg_lo: float
) -> tuple[float, float, tuple[float, ...], tuple[float, ...]]:
    """``(n1, n2, hi, lo)``: ``sx_fold_init``'s table for the coefficient
    ``neg_hi + neg_lo``, scaled by 2^200, in the same operations."""
    k = kernel_constants()
    n1, rest = split(neg_hi * _UP)
    n2 = rest + neg_lo * _UP
    hi, lo = [], []
    for t, tl in zip(k["sx_exp2_table"], k["sx_exp2_table_lo"], strict=True):
        p_hi, p_lo = _two_prod(n1, t)
        s_hi, s_lo = split(p_hi)
        hi.append(s_hi)
        lo.append((s_lo + p_lo) + ((n1 * tl + n2 * t) + n2 * tl))
    return n1, n2, tuple(hi), tuple(lo)


def _reduce(x: Array, xp: Namespace) -> tuple[Array, Array, Array]:
    """``(kd, j, m)`` with k the integer nearest ``x 32/ln2``, ``k = 32 m +
    j`` and ``0 <= j < 32``, all as float64 (the kernel reads j and m from
    the bits of ``t``; here ``m = floor(k/32)`` is the integer nearest
    ``(k - 15.5)/32``, which is never a tie)."""
    inv_step = kernel_constants()["SX_INV_STEP"]
    t = _kept(_kept(times(x, inv_step) + _SHIFTER) - _SHIFTER)
    # Through an integer, k carries no derivative: automatic derivatives
    # of the evaluation are then those of e^r (to a few ULPs).
    kd = xp.astype(xp.astype(t, xp.int64), x.dtype)
    m = _kept(_kept((kd - 15.5) * (1.0 / 32.0) + _SHIFTER) - _SHIFTER)
    return kd, kd - 32.0 * m, m


# Every product that a sum takes goes through `times`, and every sum with
# a constant that another constant follows through `_kept`: XLA would fuse
# a product and a sum into one multiply-add, rounded once, and fold two
# constants into one, rounded; TensorFlow's graph optimizer regroups sums.


def times(a: Any, b: Any) -> Any:
    """``a * b``, rounded on its own."""
    return _kept(a * b)


def split(a: Array) -> tuple[Array, Array]:
    """Veltkamp's split of `a` into 26-bit halves, each step as written."""
    c = times(_SPLITTER, a)
    hi = c - _kept(c - a)
    return hi, a - hi


def _entries(
    tables: tuple[tuple[float, ...], ...], j: Array, like: Array, xp: Namespace
) -> list[Array]:
    """``table[j]`` elementwise for each of `tables`, `j` integral float64:
    a lookup where the shape is known, else a tree of selections on j's
    bits (either worked out once for all the tables)."""
    from ._compat import device

    shape = tuple(like.shape)
    if all(isinstance(d, int) for d in shape):
        index = xp.astype(xp.reshape(j, (-1,)), xp.int64)
        return [
            xp.reshape(
                xp.take(xp.asarray(t, dtype=like.dtype, device=device(like)), index),
                shape,
            )
            for t in tables
        ]
    bits = []
    for b in (16.0, 8.0, 4.0, 2.0, 1.0):
        bits.append(j >= b)
        j = xp.where(bits[-1], j - b, j)
    zero = 0.0 * j
    found = []
    for table in tables:
        level = [zero + t for t in table]
        for bit in reversed(bits):
            pairs = zip(level[::2], level[1::2], strict=True)
            level = [xp.where(bit, hi, lo) for lo, hi in pairs]
        found.append(level[0])
    return found


def _rest(r: Array) -> Array:
    """``sx_careful_rest``: e^r - 1 - r."""
    k = kernel_constants()
    r2 = r * r
    q = k["SX_D6"] + times(r, k["SX_D7"])
    q = k["SX_D5"] + times(r, q)
    q = k["SX_D4"] + times(r, q)
    q = k["SX_D3"] + times(r, q)
    return times(r2, 0.5) + times(r2 * r, q)


def neg_expm1(x: Array, neg: tuple[float, float], xp: Namespace) -> Array:
    """``sx_family_f64`` for float64 `x` without the positive side: ``neg *
    expm1(x)`` (``neg`` a double-double), the signed zero ``neg * x`` at 0
    and NaN for NaN; `x` > 0 gives a meaningless value."""
    with kept_in(xp):
        return _neg_expm1(x, neg, xp)


def _neg_expm1(x: Array, neg: tuple[float, float], xp: Namespace) -> Array:

    k = kernel_constants()
    n1, n2, table_hi, table_lo = fold(*neg)
    # Only finite numbers in the arithmetic: NaN is put back last.
    xc = xp.where(x < _FAMILY_LOWEST, where_scalar(_FAMILY_LOWEST, x, xp), x)
    xc = xp.where(x != x, where_scalar(0.0, x, xp), xc)
    kd, j, m = _reduce(xc, xp)
    a = xc - times(kd, k["SX_STEP_HI"])
    b = kd * k["SX_STEP_LO"]
    rest = _rest(a)
    p = a + rest
    pl = _kept(rest - (p - a)) - times(b, 1.0 + p)
    scale = _power_of_two(-m, xp, below=128)  # m >= -87
    hi, lo = (times(e, scale) for e in _entries((table_hi, table_lo), j, xc, xp))
    ah = _kept(hi - n1)
    al = hi - _kept(ah + n1)
    ps_hi, ps_lo = split(p)
    bh, ch = times(hi, ps_hi), times(hi, ps_lo)
    fh, fl = _fast_two_sum(ah, bh)
    small = _kept(_kept(fl + ch) + _kept(al + _kept(lo - n2)))
    y = fh + _kept(small + _kept(times(hi, pl) + times(lo, p)))
    y = xp.where(x == 0, neg[0] * xc, y * 2.0**-200)
    return _nan_kept(x, y, xp)


def _nan_kept(x: Array, y: Array, xp: Namespace) -> Array:
    """`y`, and ``x + x`` where `x` is NaN, as the kernel: a signaling NaN
    comes back quiet (the sum of the NaNs alone, which cannot overflow)."""
    nan = x != x
    only = xp.where(nan, x, where_scalar(0.0, x, xp))
    return xp.where(nan, only + only, y)


def neg_exp(
    x: Array, neg: tuple[float, float], xp: Namespace, *, last: Any = None
) -> Array:
    """``sx_derivative_f64`` for float64 `x` without the positive side:
    ``neg * exp(x)`` (``neg`` a double-double), NaN for NaN; `x` > 0 gives a
    meaningless value.

    ``last(v, m2)``, if given, computes the last product, ``v 2^(m2 -
    200)``, for backends that flush its subnormal results to zero.
    """
    with kept_in(xp):
        return _neg_exp(x, neg, xp, last)


def _neg_exp(x: Array, neg: tuple[float, float], xp: Namespace, last: Any) -> Array:

    k = kernel_constants()
    _, _, table_hi, table_lo = fold(*neg)
    xc = xp.where(x < _DERIVATIVE_LOWEST, where_scalar(_DERIVATIVE_LOWEST, x, xp), x)
    xc = xp.where(x != x, where_scalar(0.0, x, xp), xc)
    kd, j, m = _reduce(xc, xp)
    r = _kept(xc - times(kd, k["SX_STEP64_HI"])) - times(kd, k["SX_STEP64_LO"])
    p = r + _rest(r)
    hi, lo = _entries((table_hi, table_lo), j, xc, xp)
    # 2^m in two normal factors: m2 = k/64 rounded to nearest (even).
    m2 = _kept(_kept(times(kd, 1.0 / 64.0) + _SHIFTER) - _SHIFTER)
    e1 = _power_of_two(m2 - m, xp, below=1024)  # m2 - m <= 549
    v = _kept(hi + _kept(times(hi, p) + times(lo, 1.0 + p))) * e1
    if last is None:
        y = v * (_power_of_two(-m2, xp, below=1024) * 2.0**-200)  # -m2 <= 548
    else:
        y = last(v, m2)
    return _nan_kept(x, y, xp)


def tiny(
    big_x: Array, pos: float, neg: tuple[float, float], xp: Namespace
) -> tuple[Array, Array, Array]:
    """``(p, e, y)`` at ``big_x = x 2^1000`` for tiny ``x`` (``|x| <
    2^-600``, where the polynomial's terms underflow): ``pos big_x = p + e``
    exactly, and the kernel's sum for k = 0, ``n1 big_x + n2 big_x``, as it
    rounds it (``y``, 2^1200 times the family's value), for backends that
    flush subnormal operands to zero and so cannot take `x` itself."""
    with kept_in(xp):
        n1, n2, _, _ = fold(*neg)
        ah, al = split(big_x)
        bh, bl = split(pos)
        p = big_x * pos
        e = _kept(_kept(times(ah, bh) - p) + times(ah, bl))
        e = _kept(e + times(al, bh)) + times(al, bl)
        y = times(n1, ah) + _kept(times(n1, al) + times(n2, big_x))
        return p, e, y
