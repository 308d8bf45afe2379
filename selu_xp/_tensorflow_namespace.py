"""selu_xp's array API namespace for TensorFlow tensors.

array-api-compat has no TensorFlow namespace, so selu_xp keeps the small part
of the standard that its own code uses: dtypes, ``astype``, ``where``,
``exp``, ``expm1``, ``tanh``, ``minimum``, ``clip``, ``asarray``,
``isdtype``, ``finfo`` and ``__array_namespace_info__``.  It lets the
generic array-API path, the random numbers and the initializer run on
TensorFlow unchanged, eagerly and inside ``tf.function``.  It is no general
array API namespace: other names are missing.

Devices are TensorFlow's device strings (``x.device``); the empty string, the
device of a tensor inside ``tf.function`` that is not yet placed, and
``None`` mean "wherever TensorFlow places it".  This module imports
TensorFlow; it is imported only for tensors of an already imported
TensorFlow, or when asked for by ``xp=tensorflow``.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from ._typing import Array

__all__ = [
    "asarray",
    "astype",
    "bfloat16",
    "bool",
    "clip",
    "exp",
    "expm1",
    "finfo",
    "float16",
    "float32",
    "float64",
    "isdtype",
    "minimum",
    "tanh",
    "where",
]


float16 = tf.float16
bfloat16 = tf.bfloat16
float32 = tf.float32
float64 = tf.float64

int8, int16, int32, int64 = tf.int8, tf.int16, tf.int32, tf.int64
uint8, uint16, uint32, uint64 = tf.uint8, tf.uint16, tf.uint32, tf.uint64
complex64, complex128 = tf.complex64, tf.complex128

_FLOATING = (float16, bfloat16, float32, float64)


@dataclass(frozen=True)
class _FInfo:
    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: Any


def _finfo_of(dtype: Any, bits: int, mant: int, emax: int, emin: int) -> _FInfo:
    largest = (2.0 - 2.0**-mant) * 2.0**emax
    return _FInfo(bits, 2.0**-mant, largest, -largest, 2.0**emin, dtype)


_FINFO = {
    float16: _finfo_of(float16, 16, 10, 15, -14),
    bfloat16: _finfo_of(bfloat16, 16, 7, 127, -126),
    float32: _finfo_of(float32, 32, 23, 127, -126),
    float64: _finfo_of(float64, 64, 52, 1023, -1022),
}


def finfo(dtype: Any) -> _FInfo:
    """Machine limits of a TensorFlow floating dtype."""
    return _FINFO[tf.as_dtype(dtype)]


def isdtype(dtype: Any, kind: Any) -> builtins.bool:
    """The standard's ``isdtype`` for the kinds selu_xp asks about."""
    if isinstance(kind, tuple):
        return any(isdtype(dtype, k) for k in kind)
    if not isinstance(dtype, tf.DType):
        return False
    if kind == "real floating":
        return dtype in _FLOATING
    if kind == "bool":
        return dtype is tf.bool
    return isinstance(kind, tf.DType) and dtype is kind


@contextlib.contextmanager
def _on(device: Any) -> Iterator[None]:
    if device:
        with tf.device(device):
            yield
    else:
        yield


def asarray(obj: Any, /, *, dtype: Any = None, device: Any = None) -> Array:
    """A tensor of `obj` (a scalar, NumPy array or tensor) on `device`.

    Python floats take TensorFlow's default float32, NumPy arrays keep
    their dtype.
    """
    with _on(device):
        if isinstance(obj, (tf.Tensor, tf.Variable)):
            t = tf.identity(obj) if device else tf.convert_to_tensor(obj)
            return t if dtype is None else tf.cast(t, dtype)
        if isinstance(obj, (builtins.bool, int, float)):
            return tf.constant(obj, dtype=dtype)
        return tf.constant(np.asarray(obj), dtype=dtype)


def astype(x: Array, dtype: Any, /) -> Array:
    """`x` converted to `dtype` (overflowing values become infinities)."""
    return tf.cast(x, dtype)


def _operand(value: Any, like: Array) -> Array:
    if isinstance(value, (tf.Tensor, tf.Variable)):
        return value
    return tf.constant(value, dtype=like.dtype)


def where(condition: Array, x1: Any, x2: Any, /) -> Array:
    """``x1`` where `condition`, else ``x2``; Python scalars take the other's dtype."""
    if not isinstance(x1, (tf.Tensor, tf.Variable)):
        x1 = _operand(x1, x2)
    x2 = _operand(x2, x1)
    return tf.where(condition, x1, x2)


def minimum(x1: Array, x2: Array, /) -> Array:
    """Elementwise minimum."""
    return tf.minimum(x1, x2)


def clip(x: Array, /, min: float, max: float) -> Array:
    """`x` clipped to ``[min, max]``."""
    lo = tf.constant(min, dtype=x.dtype)
    hi = tf.constant(max, dtype=x.dtype)
    return tf.clip_by_value(x, lo, hi)


def exp(x: Array, /) -> Array:
    """Elementwise exponential."""
    return tf.math.exp(x)


def tanh(x: Array, /) -> Array:
    """Elementwise hyperbolic tangent."""
    return tf.math.tanh(x)


def expm1(x: Array, /) -> Array:
    """Elementwise ``exp(x) - 1``."""
    return tf.math.expm1(x)


class _Info:
    """The inspection object: TensorFlow has every float dtype on every device."""

    def default_device(self) -> Any:
        return None

    def default_dtypes(self, *, device: Any = None) -> dict[str, Any]:
        return {"real floating": float32, "integral": tf.int64, "indexing": tf.int64}

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict[str, Any]:
        return {d.name: d for d in _FLOATING}


def __array_namespace_info__() -> _Info:  # noqa: N807 (the standard's name)
    """The namespace's inspection object."""
    return _Info()


bool = tf.bool  # the standard's name, bound last: the annotations mean builtins
