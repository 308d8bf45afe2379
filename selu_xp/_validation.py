"""Every check of the public functions' arguments, with the message it raises.

The functions of selu_xp and the objects of `selu_xp.keras` and
`selu_xp.torch` call the same checks, so that a mistake reads the same in
every framework, naming the function or class that was called.
"""

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
    tensorflow_namespace,
)
from ._typing import Array, Device, DType, Namespace

__all__ = [
    "HOST_STREAMS",
    "check_distribution",
    "check_dtype",
    "check_dtype_name",
    "check_fan_in",
    "check_keras_seed",
    "check_namespace",
    "check_noise_rank",
    "check_noise_shape",
    "check_num_threads",
    "check_out",
    "check_parameter",
    "check_rate",
    "check_rng_device",
    "check_rng_library",
    "check_seed_shape",
    "check_shape",
    "check_sizes",
    "check_torch_generator",
    "check_torch_tensor",
    "check_training",
    "check_variance",
    "fan_in",
    "float_namespace",
    "mask_shape",
]

_MIN_STANDARD = "2023.12"
"""The oldest array API standard selu_xp runs on: it needs ``minimum`` and
``__array_namespace_info__``, both new in 2023.12."""


def float_namespace(x: Any, func: str) -> Namespace:
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
    _check_standard(xp, func)
    if not xp.isdtype(x.dtype, "real floating"):
        msg = (
            f"{func}() expects a real floating-point array, got dtype {x.dtype}. "
            "Convert it first, for example with xp.astype(x, xp.float32) "
            "(or xp.float64), where xp is the array's namespace."
        )
        raise TypeError(msg)
    return xp


def _check_standard(xp: Namespace, func: str) -> None:
    """Raise a ``TypeError`` if `xp` implements a standard older than 2023.12.

    A namespace that does not say which version it implements is taken as it
    is (its missing functions then raise where they are used).
    """
    version = getattr(xp, "__array_api_version__", None)
    if isinstance(version, str) and version < _MIN_STANDARD:
        msg = (
            f"{func}() needs an array API namespace of the {_MIN_STANDARD} standard "
            f"or later; {xp.__name__} implements {version}. For array-api-strict, "
            f"call array_api_strict.set_array_api_strict_flags(api_version="
            f"'{_MIN_STANDARD}') (or later)."
        )
        raise TypeError(msg)


def check_namespace(xp: object, func: str) -> Namespace:
    """The array API namespace that `xp` names: a namespace or a library module.

    ``None`` names NumPy.  The namespace must implement the 2023.12 standard
    or a later one.
    """
    if xp is None:
        ns = array_namespace(np.empty(0))
    elif is_tensorflow_namespace(xp):
        ns = tensorflow_namespace()
    else:
        ns = _namespace_of_module(xp, func)
    _check_standard(ns, func)
    return ns


def _namespace_of_module(xp: object, func: str) -> Namespace:
    empty = getattr(xp, "empty", None) if isinstance(xp, ModuleType) else None
    if empty is None:
        msg = (
            f"{func}() expects xp to be an array namespace or library module such "
            f"as numpy, torch, jax.numpy, cupy, dask.array, tensorflow or "
            f"array_api_strict, got {xp!r}."
        )
        raise TypeError(msg)
    try:
        return array_namespace(empty((0,)))
    except TypeError as exc:
        msg = f"{func}() expects xp to be an array API namespace, got {xp!r}."
        raise TypeError(msg) from exc


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


def check_rate(value: object, name: str, func: str) -> float:
    """Return `value` as a float, or raise unless it is a number in ``[0, 1)``.

    `name` is the argument's name in the function called (``p`` for torch).
    """
    rate = check_parameter(value, name, func)
    if not 0 <= rate < 1:
        msg = f"{func}() expects 0 <= {name} < 1, got {rate!r}."
        raise ValueError(msg)
    return rate


def check_variance(value: object, func: str) -> float:
    """Return `value` as a float, or raise unless it is finite and positive."""
    variance = check_parameter(value, "variance", func)
    if variance <= 0:
        msg = f"{func}() expects a positive variance, got {variance!r}."
        raise ValueError(msg)
    return variance


def check_training(training: object, func: str) -> bool:
    """Return `training`, or raise a ``TypeError`` unless it is a bool."""
    if not isinstance(training, bool):
        msg = f"{func}() expects training to be a bool, got {type(training).__name__}."
        raise TypeError(msg)
    return training


def check_out(x: Array, out: Array, xp: Namespace, func: str) -> None:
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


# What a shape of weights holds, by the least number of axes it may have.
_LEAST_AXES = {
    1: "one non-negative size",
    2: "two non-negative sizes (inputs and outputs)",
}


def check_shape(shape: object, func: str, *, axes: int = 2) -> tuple[int, ...]:
    """The shape of weights as a tuple of ints, of at least `axes` (1 or 2) axes."""
    if not isinstance(shape, Sequence) or not all(
        isinstance(n, Integral) and not isinstance(n, bool) for n in shape
    ):
        msg = f"{func}() expects shape to be a tuple of integers, got {shape!r}."
        raise TypeError(msg)
    return check_sizes(tuple(int(n) for n in shape), func, axes=axes)


def check_sizes(dims: tuple[int, ...], func: str, *, axes: int = 2) -> tuple[int, ...]:
    """Return the sizes `dims` of weights unless they are too few or negative.

    The sizes of a tensor's shape come here as they are (symbolic ones under
    ``torch.compile(dynamic=True)`` included).
    """
    if len(dims) < axes or min(dims) < 0:
        msg = f"{func}() expects a shape of at least {_LEAST_AXES[axes]}, got {dims}."
        raise ValueError(msg)
    return dims


def fan_in(dims: tuple[int, ...], in_axis: object, out_axis: object, func: str) -> int:
    """``fan_in`` of weights of shape `dims`: every axis but `out_axis`."""
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
    return check_fan_in(
        math.prod([n for i, n in enumerate(dims) if i != axes[1]]), dims, func
    )


def check_fan_in(fans: int, dims: tuple[int, ...], func: str) -> int:
    """Return `fans`, the ``fan_in`` of weights of shape `dims`, unless it is 0."""
    if fans == 0:
        msg = (
            f"{func}() got fan_in = 0 for shape {dims}; the input axis and the "
            "receptive-field axes must be non-empty."
        )
        raise ValueError(msg)
    return fans


_DISTRIBUTIONS = ("truncated_normal", "normal")


def check_distribution(distribution: object, func: str) -> str:
    """Return `distribution`, or raise unless it is one that draws weights."""
    if not isinstance(distribution, str) or distribution not in _DISTRIBUTIONS:
        msg = (
            f"{func}() expects distribution to be 'truncated_normal' or 'normal', "
            f"got {distribution!r}."
        )
        raise ValueError(msg)
    return distribution


def check_dtype(
    ns: Namespace, info: Any, dtype: DType, device: Device, func: str
) -> Any:
    """`dtype`, a real floating dtype of `ns` on `device`; None for the default."""
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
    entries = check_noise_shape(noise_shape, func)
    if entries is None:
        entries = (None,) * len(shape)
    else:
        check_noise_rank(entries, len(shape), func)
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
        result.append(size if n is None else n)
    return tuple(result)


def check_noise_shape(noise_shape: object, func: str) -> tuple[int | None, ...] | None:
    """`noise_shape` as a tuple of ints and Nones, or None if it is None."""
    if noise_shape is None:
        return None
    if not isinstance(noise_shape, Sequence) or not all(
        n is None or (isinstance(n, Integral) and not isinstance(n, bool))
        for n in noise_shape
    ):
        msg = (
            f"{func}() expects noise_shape to be a sequence of integers or None, "
            f"got {noise_shape!r}."
        )
        raise TypeError(msg)
    return tuple(None if n is None else int(n) for n in noise_shape)


def check_noise_rank(noise_shape: Sequence[object], ndim: int, func: str) -> None:
    """Raise unless `noise_shape` has one entry per axis of an input of `ndim`."""
    if len(noise_shape) != ndim:
        msg = (
            f"{func}() expects noise_shape to have one entry per axis of the input "
            f"({ndim}), got {noise_shape!r}."
        )
        raise ValueError(msg)


# The host streams that a caller hands over to be advanced (an int seed names
# numbers instead: the same on every call); with a seed, the values of `rng`
# that the portable stream draws from.
HOST_STREAMS = (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator)


def check_seed_shape(rng: object, x: Array, dynamic: bool, func: str) -> None:
    """Raise if `rng` is the portable stream and `x` is a TensorFlow tensor of
    a shape not yet known (`dynamic`).

    The portable stream draws on the host, which needs the sizes in Python;
    a tensor of unknown shape (inside ``tf.function``) has them only when the
    graph runs.
    """
    if dynamic and isinstance(rng, (Integral, *HOST_STREAMS)):
        msg = (
            f"{func}() cannot draw the portable stream for a tensor of unknown "
            f"shape {tuple(x.shape)} (inside tf.function); pass a "
            "tf.random.Generator, or rng=None, to draw with TensorFlow."
        )
        raise ValueError(msg)


def check_torch_tensor(tensor: object, func: str) -> None:
    """Raise a ``TypeError`` unless `tensor` is a floating-point torch tensor."""
    torch = sys.modules["torch"]
    if not isinstance(tensor, torch.Tensor) or not tensor.is_floating_point():
        kind = getattr(tensor, "dtype", type(tensor).__qualname__)
        msg = f"{func}() expects a floating-point torch.Tensor, got {kind}."
        raise TypeError(msg)


def check_torch_generator(generator: object, func: str) -> None:
    """Raise a ``TypeError`` unless `generator` is a ``torch.Generator`` or None."""
    torch = sys.modules["torch"]
    if generator is not None and not isinstance(generator, torch.Generator):
        msg = (
            f"{func}() expects generator to be a torch.Generator or None, got "
            f"{type(generator).__module__}.{type(generator).__qualname__}."
        )
        raise TypeError(msg)


def check_keras_seed(seed: object, func: str) -> None:
    """Raise a ``TypeError`` unless `seed` is an int, a Keras seed generator or None."""
    generator = sys.modules["keras"].random.SeedGenerator
    if isinstance(seed, bool) or not (
        seed is None or isinstance(seed, (Integral, generator))
    ):
        msg = (
            f"{func}() expects seed to be an int, a keras.random.SeedGenerator or "
            f"None, got {type(seed).__name__} {seed!r}."
        )
        raise TypeError(msg)


def check_dtype_name(dtype: str, names: Sequence[str], func: str) -> None:
    """Raise a ``TypeError`` unless the dtype named `dtype` is one of `names`."""
    if dtype not in names:
        listed = f"{', '.join(names[:-1])} or {names[-1]}"
        msg = f"{func}() expects a floating dtype ({listed}), got {dtype!r}."
        raise TypeError(msg)


def check_rng_library(kind: str, ok: bool, xp: Namespace, func: str) -> None:
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


def check_num_threads(n: object) -> int:
    """Return `n`, or raise a ``ValueError`` unless it is an int from 1 to 256."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 256:
        msg = f"the thread count must be an integer from 1 to 256, got {n!r}"
        raise ValueError(msg)
    return n


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
