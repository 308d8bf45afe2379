"""Every check of the public functions' arguments, with the message it raises."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from numbers import Integral, Real
from types import ModuleType
from typing import Any

import numpy as np

from ._compat import (
    array_namespace,
    concrete_number,
    device,
    is_array_api_obj,
    is_dask_namespace,
    is_jax_namespace,
    is_tensorflow_namespace,
    is_writeable_array,
)
from ._typing import Array

__all__ = [
    "MIN_STANDARD",
    "check_dtype",
    "check_out",
    "check_parameter",
    "check_rng_device",
    "check_rng_library",
    "check_shape",
    "check_standard",
    "fan_in",
    "float_namespace",
    "mask_shape",
]

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


def check_parameter(value: object, name: str, func: str) -> float:
    """Return `value` as a float, or raise if it is not a finite real number."""
    value = concrete_number(value)
    if isinstance(value, bool) or not isinstance(value, Real):
        msg = (
            f"{func}() expects {name} to be a real number, "
            f"got {type(value).__name__} {value!r}."
        )
        raise TypeError(msg)
    result = float(value)
    if not math.isfinite(result):
        msg = f"{func}() expects a finite {name}, got {result!r}."
        raise ValueError(msg)
    return result


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


def check_shape(shape: object, func: str) -> tuple[int, ...]:
    if not isinstance(shape, Sequence) or not all(
        isinstance(n, Integral) and not isinstance(n, bool) for n in shape
    ):
        msg = f"{func}() expects shape to be a tuple of integers, got {shape!r}."
        raise TypeError(msg)
    dims = tuple(int(n) for n in shape)
    if len(dims) < 2 or min(dims) < 0:
        msg = (
            f"{func}() expects a shape of at least two non-negative sizes "
            f"(inputs and outputs), got {dims}."
        )
        raise ValueError(msg)
    return dims


def fan_in(dims: tuple[int, ...], in_axis: object, out_axis: object, func: str) -> int:
    ndim = len(dims)
    axes: list[int] = []
    for name, axis in (("in_axis", in_axis), ("out_axis", out_axis)):
        if isinstance(axis, bool) or not isinstance(axis, Integral):
            msg = f"{func}() expects {name} to be an integer, got {axis!r}."
            raise TypeError(msg)
        index = int(axis)
        if not -ndim <= index < ndim:
            msg = (
                f"{func}() got {name}={index}, out of range for a shape of {ndim} axes."
            )
            raise ValueError(msg)
        axes.append(index % ndim)
    if axes[0] == axes[1]:
        msg = (
            f"{func}() expects different in_axis and out_axis, got in_axis={in_axis} "
            f"and out_axis={out_axis} for a shape of {ndim} axes."
        )
        raise ValueError(msg)
    fan_in = math.prod([n for i, n in enumerate(dims) if i != axes[1]])
    if fan_in == 0:
        msg = (
            f"{func}() got fan_in = 0 for shape {dims}; the input axis and the "
            "receptive-field axes must be non-empty."
        )
        raise ValueError(msg)
    return fan_in


def check_dtype(ns: ModuleType, info: Any, dtype: Any, device: Any, func: str) -> Any:
    floats = info.dtypes(device=device, kind="real floating")
    if dtype is None:
        return info.default_dtypes(device=device)["real floating"]
    long_double = _long_double(dtype)
    if long_double is not None:
        msg = (
            f"{func}() does not compute in long double ({long_double}, "
            f"{long_double.itemsize * 8} bits in memory): its numbers are drawn "
            "in float64, and long double weights would look more precise than "
            "they are. Ask for dtype=numpy.float64 (and convert the result "
            "yourself if you need long double)."
        )
        raise TypeError(msg)
    try:
        ok = ns.isdtype(dtype, "real floating")
    except (TypeError, ValueError, AttributeError):
        ok = False
    if ok and (dtype != ns.float64 or "float64" in floats):
        return dtype
    msg = (
        f"{func}() expects dtype to be a real floating dtype of {ns.__name__} "
        f"available on device {device}, got {dtype!r}."
    )
    raise TypeError(msg)


def mask_shape(
    noise_shape: object, shape: tuple[Any, ...], func: str
) -> tuple[int, ...]:
    """The mask's shape: `noise_shape` with ``None`` entries filled in."""
    if noise_shape is None:
        entries: list[object] = [None] * len(shape)
    elif isinstance(noise_shape, Sequence) and all(
        n is None or (isinstance(n, Integral) and not isinstance(n, bool))
        for n in noise_shape
    ):
        entries = list(noise_shape)
    else:
        msg = (
            f"{func}() expects noise_shape to be a sequence of integers or None, "
            f"got {noise_shape!r}."
        )
        raise TypeError(msg)
    if len(entries) != len(shape):
        msg = (
            f"{func}() expects noise_shape to have one entry per axis of x "
            f"({len(shape)}), got {noise_shape!r}."
        )
        raise ValueError(msg)
    result = []
    for n, size in zip(entries, shape, strict=True):
        if not isinstance(size, int):
            if _is_tf_size(size) and n in (None, 1):
                result.append(size if n is None else 1)
                continue
            msg = f"{func}() needs the shape of x to be known, got {shape}."
            raise ValueError(msg)
        if n is not None and n not in (1, size):
            msg = (
                f"{func}() expects noise_shape to broadcast to the shape of x "
                f"{shape} (each entry None, 1 or the size of x), got {noise_shape!r}."
            )
            raise ValueError(msg)
        result.append(size if n is None else int(n))
    return tuple(result)


def check_rng_library(kind: str, ok: bool, xp: ModuleType, func: str) -> None:
    """Raise unless a generator of `kind` draws for namespace `xp` (`ok`)."""
    if not ok:
        library = xp.__name__.removeprefix("array_api_compat.")
        msg = (
            f"{func}() got a {kind} as rng, but the output is an array of "
            f"{library}. Pass that library's own generator, or an int seed or "
            "numpy.random.Generator for numbers that are the same on every backend."
        )
        raise TypeError(msg)


def check_rng_device(have: Any, want: Any, func: str) -> None:
    """Raise unless a generator on device `have` draws for device `want`."""
    if have != want:
        msg = (
            f"{func}() got a generator on device {have}, but the output is on "
            f"device {want}. Pass a generator on {want}, or an int seed or "
            "numpy.random.Generator for numbers drawn on the host."
        )
        raise TypeError(msg)


def _long_double(dtype: object) -> np.dtype[Any] | None:
    """NumPy's long double as a dtype, if `dtype` names it (any byte order)."""
    if not isinstance(dtype, (np.dtype, type)):
        return None
    try:
        as_numpy = np.dtype(dtype)
    except TypeError:
        return None
    return as_numpy if as_numpy.char == "g" else None


def _is_tf_size(size: object) -> bool:
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(size, tf.Tensor)
