"""selu_xp's array API namespace for TensorFlow tensors.

array-api-compat has no TensorFlow namespace, so selu_xp keeps the small part
of the standard that its own code uses: dtypes, ``astype``, ``where``,
``exp``, ``expm1``, ``tanh``, ``minimum``, ``clip``, ``asarray``,
``isdtype``, ``finfo``, ``__array_namespace_info__``, and for the rounding
correction of `selu_xp._rounding` ``sum``, ``reshape``, ``nonzero``,
``take`` and ``arange``.  It lets the
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

from ._typing import Array, Device, DType

__all__ = [
    "arange",
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
    "isfinite",
    "minimum",
    "nonzero",
    "reshape",
    "sum",
    "take",
    "tanh",
    "where",
    "zeros_like",
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
    dtype: DType


def _finfo_of(dtype: DType, bits: int, mant: int, emax: int, emin: int) -> _FInfo:
    largest = (2.0 - 2.0**-mant) * 2.0**emax
    return _FInfo(bits, 2.0**-mant, largest, -largest, 2.0**emin, dtype)


_FINFO = {
    float16: _finfo_of(float16, 16, 10, 15, -14),
    bfloat16: _finfo_of(bfloat16, 16, 7, 127, -126),
    float32: _finfo_of(float32, 32, 23, 127, -126),
    float64: _finfo_of(float64, 64, 52, 1023, -1022),
}


def finfo(dtype: DType) -> _FInfo:
    """Machine limits of a TensorFlow floating dtype."""
    return _FINFO[tf.as_dtype(dtype)]


def isdtype(dtype: DType, kind: Any) -> builtins.bool:
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
def _on(device: Device) -> Iterator[None]:
    if device:
        with tf.device(device):
            yield
    else:
        yield


def asarray(obj: Any, /, *, dtype: DType = None, device: Device = None) -> Array:
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


def astype(x: Array, dtype: DType, /) -> Array:
    """`x` converted to `dtype` (overflowing values become infinities).

    TensorFlow's CPU kernels run with flush-to-zero and denormals-are-zero:
    its casts between float32 (or bfloat16) and float64 read a subnormal
    as zero and write zero for one.  Those conversions, and float32 to
    bfloat16, are made here from the bits, so that subnormals keep their
    values.  float64 to bfloat16 (or float16) rounds through float32, twice;
    `selu_xp._rounding` rounds to them once.
    """
    if x.dtype == dtype:
        return x
    if dtype == tf.float64 and x.dtype == tf.bfloat16:
        return _as_cast(_widen_bfloat16, x, dtype)
    if dtype == tf.float64 and x.dtype == tf.float32:
        return _as_cast(_widen, x, dtype)
    if dtype == tf.float32 and x.dtype == tf.float64:
        return _as_cast(_narrow, x, dtype)
    if dtype in (tf.bfloat16, tf.float16) and x.dtype == tf.float64:
        x = _as_cast(_narrow, x, tf.float32)  # through float32, as tf.cast
    if dtype == tf.bfloat16 and x.dtype == tf.float32:
        return _as_cast(_to_bfloat16, x, dtype)
    return tf.cast(x, dtype)


def _as_cast(convert: Any, x: Array, dtype: DType) -> Array:
    """``convert(x)``, made from bits, with the gradient of ``tf.cast``."""

    @tf.custom_gradient  # type: ignore[untyped-decorator]
    def converted(v: Array) -> tuple[Array, Any]:
        def grad(upstream: Array) -> Array:
            return tf.cast(upstream, v.dtype)

        return convert(v), grad

    return converted(x)


def _widen_bfloat16(x: Array) -> Array:
    """bfloat16 `x` as float64, through its float32 bits."""
    bits = tf.bitwise.left_shift(
        tf.cast(tf.bitcast(x, tf.int16), tf.int32), tf.constant(16, tf.int32)
    )
    return _widen(tf.bitcast(bits, tf.float32))


def _to_bfloat16(x: Array) -> Array:
    """float32 `x` rounded to bfloat16 on its bits (to nearest even; a NaN
    keeps the top of its payload), subnormals included."""
    u = tf.bitwise.bitwise_and(
        tf.cast(tf.bitcast(x, tf.int32), tf.int64), tf.constant(0xFFFFFFFF, tf.int64)
    )
    odd = tf.bitwise.bitwise_and(tf.bitwise.right_shift(u, 16), 1)
    rounded = tf.bitwise.right_shift(u + 0x7FFF + odd, 16)
    nan = tf.bitwise.bitwise_and(u, 0x7FFFFFFF) > 0x7F800000
    quiet = tf.bitwise.bitwise_or(tf.bitwise.right_shift(u, 16), 0x40)
    top = tf.where(nan, quiet, rounded)
    signed = tf.where(top >= 0x8000, top - 0x10000, top)  # as int16
    return tf.bitcast(tf.cast(signed, tf.int16), tf.bfloat16)


_TINY = 2.0**-126  # the smallest normal float32
_SUBNORMAL = 2.0**-149  # its subnormals' spacing


def _widen(x: Array) -> Array:
    """float32 `x` as float64, subnormals from their significand bits."""
    bits = tf.bitcast(x, tf.int32)
    tiny = tf.equal(tf.bitwise.bitwise_and(bits, 0x7F800000), 0)
    small = tf.cast(tf.bitwise.bitwise_and(bits, 0x7FFFFF), tf.float64) * _SUBNORMAL
    small = tf.where(bits < 0, -small, small)
    return tf.where(tiny, small, tf.cast(x, tf.float64))


def _narrow(y: Array) -> Array:
    """float64 `y` rounded to float32, subnormal results built from bits."""
    magnitude = tf.abs(y)
    tiny = (magnitude < _TINY) & (magnitude > 0)
    steps = tf.cast(tf.round(magnitude * 2.0**149), tf.int32)  # to nearest even
    sign = tf.where(y < 0, tf.constant(-(2**31), tf.int32), tf.constant(0, tf.int32))
    small = tf.bitcast(tf.bitwise.bitwise_or(steps, sign), tf.float32)
    return tf.where(tiny, small, tf.cast(y, tf.float32))


def isfinite(x: Array, /) -> Array:
    """Whether each element of `x` is neither infinite nor NaN."""
    return tf.math.is_finite(x)


def zeros_like(x: Array, /) -> Array:
    """Zeros of `x`'s shape and dtype."""
    return tf.zeros_like(x)


inf = float("inf")


def sum(x: Array, /) -> Array:
    """The sum of every element of `x`."""
    return tf.reduce_sum(x)


def reshape(x: Array, /, shape: tuple[int, ...]) -> Array:
    """`x` with another shape."""
    return tf.reshape(x, shape)


def nonzero(x: Array, /) -> tuple[Array, ...]:
    """The indices of the true elements of a one-dimensional `x`."""
    return (tf.where(x)[:, 0],)


def take(x: Array, indices: Array, /) -> Array:
    """The elements of a one-dimensional `x` at `indices`."""
    return tf.gather(x, indices)


def arange(stop: int, /, *, device: Device = None) -> Array:
    """0, 1, ..., `stop` - 1, as int64 (the type of `nonzero`'s indices)."""
    with _on(device):
        return tf.range(stop, dtype=tf.int64)


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

    def default_dtypes(self, *, device: Device = None) -> dict[str, Any]:
        return {"real floating": float32, "integral": tf.int64, "indexing": tf.int64}

    def dtypes(self, *, device: Device = None, kind: Any = None) -> dict[str, Any]:
        return {d.name: d for d in _FLOATING}


def __array_namespace_info__() -> _Info:  # noqa: N807 (the standard's name)
    """The namespace's inspection object."""
    return _Info()


bool = tf.bool  # the standard's name, bound last: the annotations mean builtins
