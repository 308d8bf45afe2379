"""Array-API helpers under the generic path: a scalar for ``where``, the
dtype to compute in, and the rounding to a narrower dtype without warnings."""

from __future__ import annotations

import math
from typing import Any

from ._compat import device
from ._typing import Array, DType, Namespace

__all__ = ["narrow", "where_scalar", "working_dtype"]


def where_scalar(value: float, like: Array, xp: Namespace) -> Any:
    """`value` as ``where`` takes it beside `like` in namespace `xp`.

    The Python float itself from the 2024.12 standard on; before it, whose
    ``where`` takes arrays only, a 0-d array of `like`'s dtype and device
    (which rounds `value` the same way).
    """
    if getattr(xp, "__array_api_version__", "2024.12") >= "2024.12":
        return value
    return xp.asarray(value, dtype=like.dtype, device=device(like))


def working_dtype(x: Array, xp: Namespace) -> Any:
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
    # The public functions' checks (selu_xp._inputs) refuse other dtypes first.
    msg = f"selu_xp computes in float16, bfloat16, float32 and float64, not {dtype}."
    raise TypeError(msg)


def narrow(result: Array, dtype: DType, xp: Namespace) -> Array:
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
