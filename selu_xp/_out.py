"""The ``out=`` argument: checking it, and writing a result into it."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ._compat import (
    array_namespace,
    device,
    is_array_api_obj,
    is_dask_namespace,
    is_jax_namespace,
    is_numpy_namespace,
    is_tensorflow_namespace,
    is_torch_namespace,
    is_writeable_array,
)

__all__ = ["check_out", "store"]

Array = Any


def check_out(x: Array, out: Array, xp: ModuleType, func: str) -> None:
    """Raise unless `out` can take ``func(x)``: same library, shape, dtype, device."""
    if not is_array_api_obj(out):
        msg = (
            f"{func}() expects out to be an array like x, got "
            f"{type(out).__module__}.{type(out).__qualname__}."
        )
        raise TypeError(msg)
    if array_namespace(out) is not xp:
        msg = (
            f"{func}() expects out to be an array of the same library as x "
            f"({type(x).__qualname__}), got {type(out).__qualname__}."
        )
        raise TypeError(msg)
    if is_jax_namespace(xp) or is_dask_namespace(xp) or is_tensorflow_namespace(xp):
        msg = (
            f"{func}() cannot write into out for {type(x).__qualname__} arrays, which "
            "are immutable or lazy; call it without out and use the returned array."
        )
        raise TypeError(msg)
    if out.dtype != x.dtype:
        msg = (
            f"{func}() expects out to have the dtype of x ({x.dtype}), got {out.dtype}."
        )
        raise TypeError(msg)
    if tuple(out.shape) != tuple(x.shape):
        msg = (
            f"{func}() expects out to have the shape of x ({tuple(x.shape)}), "
            f"got {tuple(out.shape)}."
        )
        raise ValueError(msg)
    if device(out) != device(x):
        msg = (
            f"{func}() expects out on the device of x ({device(x)}), got {device(out)}."
        )
        raise ValueError(msg)
    if not is_writeable_array(out):
        msg = f"{func}() cannot write into out: it is read-only."
        raise ValueError(msg)


def store(result: Array, out: Array, xp: ModuleType) -> Array:
    """Copy `result` into `out` and return `out`.

    `result` is freshly allocated, so it never overlaps `out`.
    """
    if is_numpy_namespace(xp):
        import numpy as np

        np.copyto(out, result)
    elif is_torch_namespace(xp):
        out.copy_(result)
    else:
        out[...] = result
    return out
