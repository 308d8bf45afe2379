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
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from ._arrays import narrow, where_scalar, working_dtype
from ._careful import neg_exp, neg_expm1
from ._compat import (
    array_namespace,
    constant_when_traced,
    device,
    is_dask_namespace,
    is_lazy,
)
from ._kernels.coefficients import coefficient_pairs, in_range
from ._rounding import correct
from ._typing import Array, DType, Namespace

__all__ = ["elu_family", "elu_family_derivative", "expm1_nonpositive"]


def elu_family(x: Array, pos: float, neg: float, *, xp: Namespace) -> Array:
    """``pos * x`` for ``x > 0``, else ``neg * expm1(x)``, in `x`'s dtype."""
    work, xw, positive, nonpositive = _split(x, xp)
    # The expm1 branch only ever sees x <= 0 (so it cannot overflow), and the
    # product branch only ever sees values whose product is finite.
    if x.dtype == xp.float64 and in_range(neg):
        negative_part = _careful(neg_expm1, nonpositive, pos, neg, xp)
    else:
        # Computed wider (float32 in float64, half precision in float32), the
        # rounding to x's dtype hides expm1's error; float32 with nothing
        # wider takes the polynomial; float64 with a coefficient outside the
        # kernel's range, exp(x) - 1 away from 0 and expm1 near it.
        no_wider = work == x.dtype and _name(work, xp) == "float32"
        polynomial = "float32" if no_wider else None
        negative_part = neg * expm1_nonpositive(nonpositive, xp, polynomial=polynomial)
    bound = _overflow_bound(pos, _name(work, xp))
    if bound < math.inf:
        # Only the positive side, below the bound: no overflow anywhere.
        right = xp.where(positive, xw, where_scalar(0.0, xw, xp))
        clipped = xp.minimum(right, xp.asarray(bound, dtype=work, device=device(xw)))
        scaled = pos * clipped
        positive_part = xp.where(
            xw > bound, where_scalar(pos * math.inf, scaled, xp), scaled
        )
    else:
        positive_part = pos * xw
    return _rounded(
        xp.where(positive, positive_part, negative_part), xw, x, pos, neg, False, xp
    )


def elu_family_derivative(x: Array, pos: float, neg: float, *, xp: Namespace) -> Array:
    """``pos`` for ``x > 0``, else ``neg * exp(x)``, in `x`'s dtype."""
    _, xw, positive, nonpositive = _split(x, xp)
    if x.dtype == xp.float64 and in_range(neg):
        left = _careful(neg_exp, nonpositive, pos, neg, xp)
    else:
        left = neg * xp.exp(nonpositive)
    result = xp.where(positive, where_scalar(pos, left, xp), left)
    return _rounded(result, xw, x, pos, neg, True, xp)


def _split(x: Array, xp: Namespace) -> tuple[DType, Array, Array, Array]:
    """The working dtype, `x` in it, ``x > 0``, and `x` with 0 where positive."""
    work = working_dtype(x, xp)
    xw = x if x.dtype == work else xp.astype(x, work)
    positive = xw > 0
    return work, xw, positive, xp.where(positive, where_scalar(0.0, xw, xp), xw)


def _careful(
    f: Callable[..., Array], x: Array, pos: float, neg: float, xp: Namespace
) -> Array:
    """``f(x)``, the kernel's float64 evaluation (`selu_xp._careful`), with
    ``neg`` as the kernel has it; Dask chunk by chunk.  The callers take it
    for a ``neg`` in the kernel's range (`selu_xp._kernels.coefficients.in_range`), and
    the backend's ``expm1`` or ``exp`` outside it, as the kernel's do."""
    pair = coefficient_pairs(pos, neg)[2:]
    if is_dask_namespace(xp):
        return x.map_blocks(lambda c: f(c, pair, array_namespace(c)), dtype=x.dtype)
    return f(x, pair, xp)


def _rounded(
    result: Array,
    xw: Array,
    x: Array,
    pos: float,
    neg: float,
    derivative: bool,
    xp: Namespace,
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
    x: Array, xp: Namespace, *, polynomial: str | None, far_from_exp: bool = True
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


def _name(dtype: DType, xp: Namespace) -> str:
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
