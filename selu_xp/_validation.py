"""Checks shared by the public functions: one namespace, one real floating dtype."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ._compat import array_namespace, is_array_api_obj

__all__ = ["float_namespace"]


def float_namespace(x: Any, func: str) -> ModuleType:
    """Return the array API namespace of `x`, or raise a clear ``TypeError``.

    `x` must be an array of a library that array-api-compat knows, or a
    TensorFlow tensor, with a real floating-point dtype.  Python scalars and
    sequences are refused rather than converted, so that no function silently
    picks a backend or a dtype.
    """
    if not is_array_api_obj(x):
        msg = (
            f"{func}() expects an array (NumPy, CuPy, PyTorch, JAX, Dask, "
            "TensorFlow or another array API library), got "
            f"{type(x).__module__}.{type(x).__qualname__}. "
            "Convert it first, for example with numpy.asarray(x, dtype=numpy.float64)."
        )
        raise TypeError(msg)
    xp = array_namespace(x)
    if not xp.isdtype(x.dtype, "real floating"):
        msg = (
            f"{func}() expects a real floating-point array, got dtype {x.dtype}. "
            "Convert it first, for example with xp.astype(x, xp.float32) "
            "(or xp.float64), where xp is the array's namespace."
        )
        raise TypeError(msg)
    return xp
