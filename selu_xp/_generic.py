"""The array-API reference implementation of the ELU family.

Every function here takes the namespace ``xp`` explicitly and uses only the
operations of the Python array API standard, so the same code runs on every
compliant backend.  Nothing here imports a backend or knows about dispatch.

All members of the family share one shape::

    f(x)  = pos * x              for x > 0
            neg * expm1(x)       for x <= 0 (and NaN)
    f'(x) = pos                  for x > 0
            neg * exp(x)         for x <= 0 (and NaN)

with ``pos = scale`` and ``neg = scale * alpha`` (rounded once) for SELU and
``pos = 1``, ``neg = alpha`` for ELU.
"""

from __future__ import annotations

import math
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np

from ._compat import (
    array_namespace,
    constant_when_traced,
    device,
    is_dask_namespace,
    is_lazy,
)
from ._constants import coefficient_pairs
from ._rounding import correct
from ._typing import Array

__all__ = ["elu_family", "elu_family_derivative", "expm1_nonpositive"]


def elu_family(x: Array, pos: float, neg: float, *, xp: ModuleType) -> Array:
    """``pos * x`` for ``x > 0``, else ``neg * expm1(x)``, in `x`'s dtype."""
    work = working_dtype(x, xp)
    xw = x if x.dtype == work else xp.astype(x, work)
    positive = xw > 0
    # The expm1 branch only ever sees x <= 0 (so it cannot overflow), and the
    # product branch only ever sees values whose product is finite.
    nonpositive = xp.where(positive, where_scalar(0.0, xw, xp), xw)
    if x.dtype == xp.float64:
        negative_part = _neg_expm1_float64(nonpositive, neg, xp)
    else:
        # Computed wider (float32 in float64, half precision in float32), the
        # rounding to x's dtype hides expm1's error; float32 with nothing
        # wider takes the polynomial.
        no_wider = work == x.dtype and _name(work, xp) == "float32"
        polynomial = "float32" if no_wider else None
        negative_part = neg * expm1_nonpositive(nonpositive, xp, polynomial=polynomial)
    bound = _overflow_bound(pos, _name(work, xp))
    if bound < math.inf:
        clipped = xp.minimum(xw, xp.asarray(bound, dtype=work, device=device(xw)))
        scaled = pos * clipped
        positive_part = xp.where(
            xw > bound, where_scalar(pos * math.inf, scaled, xp), scaled
        )
    else:
        positive_part = pos * xw
    return _rounded(
        xp.where(positive, positive_part, negative_part), xw, x, pos, neg, False, xp
    )


def elu_family_derivative(x: Array, pos: float, neg: float, *, xp: ModuleType) -> Array:
    """``pos`` for ``x > 0``, else ``neg * exp(x)``, in `x`'s dtype."""
    work = working_dtype(x, xp)
    xw = x if x.dtype == work else xp.astype(x, work)
    positive = xw > 0
    left = neg * xp.exp(xp.where(positive, where_scalar(0.0, xw, xp), xw))
    result = xp.where(positive, where_scalar(pos, left, xp), left)
    return _rounded(result, xw, x, pos, neg, True, xp)


def _rounded(
    result: Array,
    xw: Array,
    x: Array,
    pos: float,
    neg: float,
    derivative: bool,
    xp: ModuleType,
) -> Array:
    """`result`, computed in float64 from narrower `x`, correctly rounded to
    `x`'s dtype (`selu_xp._rounding`); else rounded once."""
    if x.dtype == result.dtype or result.dtype != xp.float64:
        return narrow(result, x.dtype, xp)
    pairs = coefficient_pairs(pos, neg)
    if is_dask_namespace(xp):  # chunk by chunk, each with its values
        dtype = x.dtype

        def chunk(r: Array, w: Array) -> Array:
            cxp = array_namespace(r)
            return correct(r, w, dtype, pairs, derivative, cxp, lazy=False)

        return result.map_blocks(chunk, xw, dtype=dtype)
    return correct(result, xw, x.dtype, pairs, derivative, xp, lazy=is_lazy(x))


# Taylor coefficients 1/2!, 1/3!, ... of expm1(x) = x + x**2 * q(x), and the
# point below which exp(x) - 1 is used instead, per working dtype: the
# truncation error on [split, 0] is below 1e-9 (float32) and 1e-21 (float64)
# relative.
EXPM1_POLYNOMIAL = {
    "float32": (-0.34657359, tuple(1 / math.factorial(k) for k in range(2, 10))),
    "float64": (
        -0.6931471805599453,
        tuple(1 / math.factorial(k) for k in range(2, 21)),
    ),
}


def expm1_nonpositive(
    x: Array, xp: ModuleType, *, polynomial: str | None, far_from_exp: bool = True
) -> Array:
    """expm1 of ``x <= 0``: ``exp(x) - 1`` far from 0, a careful expm1 near it.

    Far from 0 ``exp(x) - 1`` loses nothing to cancellation, and its automatic
    derivative is ``exp(x)`` itself.  Autograd differentiates a backend's
    expm1 through its result, ``expm1(x) + 1``, which cancels to zero
    (x = -50) or to a few digits (x = -30) there.

    Near 0 it is the backend's expm1, or with ``polynomial="float32"`` or
    ``"float64"`` a Taylor polynomial evaluated in that dtype.  The polynomial
    is for expm1 implementations that are not accurate enough: float32 with
    no wider type to compute in (backends' float32 expm1 is 1 to 4.6 ULPs
    off), and XLA's float64 expm1 (3 to 4 ULPs).  With ``far_from_exp=False``
    the far side is the backend's expm1 too, for backends whose exp is less
    accurate than their expm1 (XLA on GPUs) and callers that define their
    own derivative.
    """
    if polynomial is None:
        far = x < -1.0
        near = xp.where(far, where_scalar(0.0, x, xp), x)
        near_part = xp.expm1(near)
    else:
        split, coefficients = EXPM1_POLYNOMIAL[polynomial]
        far = x < split
        near = xp.where(far, where_scalar(0.0, x, xp), x)
        q = coefficients[-1]
        for c in reversed(coefficients[:-1]):
            q = c + near * q
        near_part = xp.where(near == 0, near, near + near * near * q)  # keeps -0.0
    x_far = xp.where(far, x, where_scalar(0.0, x, xp))
    far_part = xp.exp(x_far) - 1.0 if far_from_exp else xp.expm1(x_far)
    return xp.where(far, far_part, near_part)


_SPLITTER = 134217729.0  # 2**27 + 1
_LN2 = 0.6931471805599453
# 1/n!, n = 3 .. 18: the Taylor tail of expm1 on [-ln2, 0] to 2**-66.
_TAIL = tuple(1 / math.factorial(k) for k in range(3, 19))


def _split(a: Array) -> tuple[Array, Array]:
    """Veltkamp's split: ``a = hi + lo`` exactly, 26 bits each."""
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(
    a: Array, b: float, parts: tuple[Array, Array] | None = None
) -> tuple[Array, Array]:
    """``a * b = p + e`` exactly (Dekker), without a fused multiply-add;
    `parts` is ``_split(a)`` where the caller has it already."""
    p = a * b
    ah, al = _split(a) if parts is None else parts
    bh = _SPLITTER * b - (_SPLITTER * b - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _neg_expm1_float64(x: Array, neg: float, xp: ModuleType) -> Array:
    """``neg * expm1(x)`` for float64 ``x <= 0``, within 1.5 ULP for any
    backend whose ``exp`` is within 1 ULP (its ``expm1`` is not used).

    On [-ln2, 0] the Taylor series, with ``neg * x`` and ``neg * x**2 / 2``
    as exact products (the constant split in two): the rest is below 0.12 of
    the result, so its rounding errors stay below 0.45 ULP.  Below -ln2,
    ``neg * exp(x) - neg`` with the product and the difference exact: the
    result is at least ``neg / 2`` and ``exp(x)`` below 1/2, so an error of
    1 ULP in ``exp`` is at most 1 ULP of the result, and one rounding adds
    half an ULP.  Either way no libm ``expm1`` error is multiplied by `neg`.
    """
    far = x < -_LN2
    near = xp.where(far, where_scalar(0.0, x, xp), x)
    sh, sl = _split(near)
    a_hi, a_lo = _two_prod(near, neg, (sh, sl))
    s = near * near
    s_lo = ((sh * sh - s) + 2.0 * (sh * sl)) + sl * sl  # near**2 = s + s_lo
    b_hi, b_lo = _two_prod(0.5 * s, neg)
    q = _TAIL[-1]
    for c in reversed(_TAIL[:-1]):
        q = c + near * q
    tail = neg * (near * s) * q
    top = a_hi + b_hi  # |b_hi| <= |a_hi| / 2: the error is exact below
    top_lo = b_hi - (top - a_hi)
    near_part = top + (top_lo + ((a_lo + b_lo) + (0.5 * neg * s_lo + tail)))
    near_part = xp.where(near == 0, neg * near, near_part)  # keeps -0.0
    e = xp.exp(xp.where(far, x, where_scalar(-1.0, x, xp)))
    p_hi, p_lo = _two_prod(e, neg)
    d = p_hi - neg
    bb = d - p_hi
    d_lo = (p_hi - (d - bb)) + (-neg - bb)  # two-sum: p_hi - neg = d + d_lo
    far_part = d + (d_lo + p_lo)
    return xp.where(far, far_part, near_part)


def where_scalar(value: float, like: Array, xp: ModuleType) -> Any:
    """`value` as ``where`` takes it beside `like` in namespace `xp`.

    The Python float itself from the 2024.12 standard on; before it, whose
    ``where`` takes arrays only, a 0-d array of `like`'s dtype and device
    (which rounds `value` the same way).
    """
    if getattr(xp, "__array_api_version__", "2024.12") >= "2024.12":
        return value
    return xp.asarray(value, dtype=like.dtype, device=device(like))


def working_dtype(x: Array, xp: ModuleType) -> Any:
    """The dtype to compute in: float64 for float32 input where the device has it.

    float64 is computed as is; float32, float16 and bfloat16 are widened to
    float64 and correctly rounded (`selu_xp._rounding`) unless the device
    lacks float64 (JAX without x64, some GPUs), when float32 stays float32
    (within 1.5 ULP) and the half dtypes are computed in float32.
    """
    dtype = x.dtype
    if dtype == xp.float64:
        return dtype
    if dtype == xp.float32 or xp.finfo(dtype).bits <= 16:
        info = xp.__array_namespace_info__()
        floats = info.dtypes(device=device(x), kind="real floating")
        return floats.get("float64", xp.float32)
    msg = (
        f"selu_xp computes in float16, bfloat16, float32 and float64, not in "
        f"{dtype}. Convert the array first, for example with "
        "xp.astype(x, xp.float64)."
    )
    raise TypeError(msg)


def _name(dtype: Any, xp: ModuleType) -> str:
    return "float64" if dtype == xp.float64 else "float32"


@constant_when_traced  # NumPy scalar arithmetic: computed while torch traces
def _overflow_bound(coef: float, dtype_name: str) -> float:
    """The largest `dtype_name` value whose product with `coef` is finite.

    The product is rounded as the backends round it: `coef` is first rounded to
    the working dtype.  Returns ``inf`` when no finite input overflows.
    """
    return _cached_overflow_bound(coef, dtype_name)


@lru_cache(maxsize=64)
def _cached_overflow_bound(coef: float, dtype_name: str) -> float:
    dt = np.dtype(dtype_name)
    c = abs(dt.type(coef))
    if c <= 1:
        return math.inf
    big = dt.type(np.finfo(dt).max)
    with np.errstate(over="ignore"):
        t = dt.type(big / c)
        while np.isinf(c * t):
            t = np.nextafter(t, dt.type(0))
        while not np.isinf(c * np.nextafter(t, big)):
            t = np.nextafter(t, big)
    return float(t)


def narrow(result: Array, dtype: Any, xp: ModuleType) -> Array:
    """Round `result` to `dtype`, sending values that overflow it to +-inf.

    NumPy warns when a cast overflows; values at or beyond the rounding
    threshold of `dtype` are therefore turned into infinities first, which the
    cast then keeps silently.
    """
    if result.dtype == dtype:
        return result
    finfo = xp.finfo(dtype)
    largest, eps = float(finfo.max), float(finfo.eps)
    threshold = largest + largest / (2 - eps) * eps / 2
    result = xp.where(result >= threshold, where_scalar(math.inf, result, xp), result)
    result = xp.where(result <= -threshold, where_scalar(-math.inf, result, xp), result)
    return xp.astype(result, dtype)
