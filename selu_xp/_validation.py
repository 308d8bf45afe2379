"""Checks shared by the public functions: one namespace, one real floating dtype."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ._compat import array_namespace, is_array_api_obj

__all__ = ["MIN_STANDARD", "check_standard", "float_namespace"]

MIN_STANDARD = "2023.12"
"""The oldest array API standard selu_xp runs on: it needs ``minimum`` and
``__array_namespace_info__``, both new in 2023.12."""


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
    check_standard(xp, func)
    if not xp.isdtype(x.dtype, "real floating"):
        msg = (
            f"{func}() expects a real floating-point array, got dtype {x.dtype}. "
            "Convert it first, for example with xp.astype(x, xp.float32) "
            "(or xp.float64), where xp is the array's namespace."
        )
        raise TypeError(msg)
    return xp


def check_standard(xp: ModuleType, func: str) -> None:
    """Raise a ``TypeError`` if `xp` implements a standard older than 2023.12.

    A namespace that does not say which version it implements is taken as it
    is (its missing functions then raise where they are used).
    """
    version = getattr(xp, "__array_api_version__", None)
    if isinstance(version, str) and version < MIN_STANDARD:
        msg = (
            f"{func}() needs an array API namespace of the {MIN_STANDARD} standard "
            f"or later; {xp.__name__} implements {version}. For array-api-strict, "
            f"call array_api_strict.set_array_api_strict_flags(api_version="
            f"'{MIN_STANDARD}') (or later)."
        )
        raise TypeError(msg)
