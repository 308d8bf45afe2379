"""The TensorFlow fast path: a custom gradient around a once-rounded expression.

array-api-compat does not serve TensorFlow, so selu_xp does: tensors are
recognised in ``_compat`` and computed here.  float32, float16 and bfloat16
are computed in float64 with TensorFlow's expm1 and correctly rounded (the
rounding test and exact evaluation of `selu_xp._rounding`): the kernel's
bits.
float64 cannot be computed wider, and TensorFlow's own float64 ``expm1`` and
``exp`` are 2.6 and 1.3 ULPs off (more inside ``tf.function``, whose graph
optimizations pick other kernels), so float64 uses an ``exp`` and ``expm1``
of its own: Cody-Waite range reduction ``x = k ln 2 + r`` with
``|r| <= ln(2) / 2``, a Taylor polynomial for ``expm1(r)``, and the power
``2**k`` built exactly from its bits, which are the same eagerly, in a graph
and under XLA.  ``tf.nn.selu`` instead computes ``exp(x) - 1`` in the
input's dtype: 0 at ``x = -1e-8`` in float32.

`elu_family` carries a ``tf.custom_gradient`` whose gradient is the exact
derivative, ``pos`` for ``x > 0`` and ``neg * exp(x)`` otherwise, computed
as the `elu_family_derivative` fast path; that expression is itself made of
differentiable operations, so ``tf.GradientTape`` gives second derivatives
too.  The expm1 branch sees ``where(x > 0, -0.0, x)``, so neither branch
overflows and every gradient is finite.  Everything is elementwise and
shape-agnostic: eager tensors, variables, symbolic tensors inside
``tf.function`` (with unknown dimensions) and ``jit_compile=True``.
"""

from __future__ import annotations

import math
import struct
from functools import lru_cache
from typing import Any

import tensorflow as tf

from .. import _tensorflow_namespace as tfx
from .._constants import coefficient_pairs
from .._generic import EXPM1_POLYNOMIAL
from .._rounding import exact, flagged, round_pair, to_dtype
from .._typing import Array

__all__ = ["elu_family", "elu_family_derivative"]


def _forward(x: Array, pos: float, neg: float) -> Array:
    w = tfx.astype(x, tf.float64)
    positive = w > 0
    nonpositive = tf.where(positive, tf.constant(-0.0, tf.float64), w)
    if x.dtype == tf.float64:
        left = _scaled_expm1_float64(nonpositive, neg)
    else:  # narrower dtypes are computed wider: expm1 suffices
        left = neg * tf.math.expm1(nonpositive)
    return _rounded(tf.where(positive, pos * w, left), w, x.dtype, pos, neg, False)


def _derivative(x: Array, pos: float, neg: float) -> Array:
    w = tfx.astype(x, tf.float64)
    positive = w > 0
    nonpositive = tf.where(positive, tf.constant(-0.0, tf.float64), w)
    e = _exp_float64(nonpositive) if x.dtype == tf.float64 else tf.math.exp(nonpositive)
    left = neg * e
    y = tf.where(positive, tf.constant(pos, tf.float64), left)
    return _rounded(y, w, x.dtype, pos, neg, True)


def _rounded(
    y: Array, w: Array, dtype: Any, pos: float, neg: float, derivative: bool
) -> Array:
    """float64 `y` at `w` correctly rounded to `dtype` (`selu_xp._rounding`).

    The flagged elements, about one in 2^21, are computed exactly under a
    ``tf.cond``, so that a graph pays for them only when there are any:
    gathered and scattered back, or under XLA, which needs static shapes,
    over the whole tensor in one fused loop.
    """
    if dtype == tf.float64:
        return y

    @tf.custom_gradient  # type: ignore[untyped-decorator]
    def rounding(y64: Array, w64: Array) -> tuple[Array, Any]:
        def grad(upstream: Array) -> tuple[Array, Array]:
            # A rounding's derivative is a cast's; none flows through the
            # exact evaluation (which only moves a result by an ULP).
            return tf.cast(upstream, tf.float64), tf.zeros_like(w64)

        return _correctly_rounded(y64, w64, dtype, pos, neg, derivative), grad

    return rounding(y, w)


def _correctly_rounded(
    y: Array, w: Array, dtype: Any, pos: float, neg: float, derivative: bool
) -> Array:
    rounded = to_dtype(y, dtype, tfx)
    hard = flagged(y, dtype, tfx)
    pairs = coefficient_pairs(pos, neg)

    exactly = _exactly(pairs, derivative, dtype)

    def fix() -> Array:
        if _in_xla():
            fixed = tf.reshape(exactly(tf.reshape(w, [-1])), tf.shape(w))
            return tf.where(hard, fixed, rounded)
        where = tf.where(hard)
        return tf.tensor_scatter_nd_update(
            rounded, where, exactly(tf.gather_nd(w, where))
        )

    return tf.cond(tf.reduce_any(hard), fix, lambda: rounded)


@lru_cache(maxsize=64)
def _exactly(pairs: tuple[float, ...], derivative: bool, dtype: Any) -> Any:
    """The exact evaluation, correctly rounded to `dtype`, as a graph of its
    own: a few hundred operations, traced once per process and coefficients,
    which every graph that uses it calls (and XLA inlines)."""

    def evaluate(x: Array) -> Array:
        coefficients = (pairs[0], pairs[1], pairs[2], pairs[3])
        return round_pair(exact(x, coefficients, derivative, tfx), dtype, tfx)

    spec = [tf.TensorSpec([None], tf.float64)]
    return tf.function(evaluate, input_signature=spec, autograph=False)


def _in_xla() -> bool:
    """Whether the graph being built is compiled by XLA (jit_compile)."""
    if tf.executing_eagerly():
        return False
    from tensorflow.python.ops import control_flow_util

    graph = tf.compat.v1.get_default_graph()
    return bool(control_flow_util.GraphOrParentsInXlaContext(graph))


# ln 2 in two parts: the leading one with 32 trailing zero bits (21 significant),
# so that k * _LN2_HI is exact for the |k| <= 1100 used here.
_LN2_HI = 0.6931467056274414
_LN2_LO = 4.7493250390316726e-07
_COEFFICIENTS = EXPM1_POLYNOMIAL["float64"][1]


def _reduce(x: Array) -> tuple[Array, Array]:
    """``(k, r)`` with ``x = k ln 2 + r``, ``k`` integral and ``|r| <= ln(2) / 2``."""
    k = tf.math.round(x * (1.0 / math.log(2.0)))
    r = (x - k * _LN2_HI) - k * _LN2_LO
    return k, r


def _expm1_reduced(r: Array) -> Array:
    """``expm1(r)`` for ``|r| <= ln(2) / 2``, by its Taylor polynomial."""
    q = tf.constant(_COEFFICIENTS[-1], tf.float64)
    for c in reversed(_COEFFICIENTS[:-1]):
        q = c + r * q
    return r + r * r * q


def _power_of_two(k: Array) -> Array:
    """``2.0**k`` for integral float64 ``k`` in the normal range, exactly."""
    bits = tf.bitwise.left_shift(tf.cast(k, tf.int64) + 1023, tf.constant(52, tf.int64))
    return tf.bitcast(bits, tf.float64)


def _truncate(a: Array) -> Array:
    """`a` with its 27 lowest significand bits cleared: 26 significant bits."""
    bits = tf.bitcast(a, tf.int64)
    return tf.bitcast(
        tf.bitwise.bitwise_and(bits, tf.constant(_HIGH, tf.int64)), a.dtype
    )


_HIGH = ~((1 << 27) - 1)


def _scaled_expm1_float64(x: Array, neg: float) -> Array:
    """``neg * expm1(x)`` for float64 ``x <= 0`` (and NaN), within 1 ULP.

    With ``expm1(x) = (s - 1) + s r + s t``, ``s = 2**k`` and ``t`` the
    polynomial's part beyond ``r``, the leading sum ``v = (s - 1) + s r`` is
    kept with its rounding error (``s - 1`` and ``s r`` are exact), and ``neg
    * v`` is split so that its largest part, ``neg_hi * v_hi`` (26 bits
    each), is exact: only the small terms and the final sum are rounded.
    Every operation is a plain IEEE operation on tensors that graph
    optimizations and XLA do not reassociate.
    """
    neg_hi = _split(neg)
    neg_lo = neg - neg_hi
    # Below -40 expm1 rounds to -1; clamping keeps 2**k normal.
    k, r = _reduce(tf.maximum(x, -40.0))
    s = _power_of_two(k)
    q = tf.constant(_COEFFICIENTS[-1], tf.float64)
    for c in reversed(_COEFFICIENTS[:-1]):
        q = c + r * q
    t = r * r * q
    a = s - 1.0
    u = s * r
    v = a + u
    # The rounding error of v (Fast2Sum, larger operand first).
    err = tf.where(tf.abs(a) >= tf.abs(u), u - (v - a), a - (v - u))
    v_hi = _truncate(v)
    v_lo = v - v_hi
    small = neg_hi * v_lo + neg_lo * v + neg * (s * t + err)
    # A select between the two sums: Grappler's arithmetic optimizer would
    # otherwise flatten them into one AddN that adds the large terms first.
    small = tf.where(tf.math.is_finite(small), small, tf.zeros_like(small))
    y = neg_hi * v_hi + small
    # Keep -0.0 and NaN (tf.maximum would turn NaN into -40).
    return tf.where(tf.math.logical_or(x == 0, tf.math.is_nan(x)), neg * x, y)


def _split(value: float) -> float:
    """`value` with its 27 lowest significand bits cleared, as a float."""
    (bits,) = struct.unpack("<q", struct.pack("<d", value))
    (high,) = struct.unpack("<d", struct.pack("<q", bits & _HIGH))
    return float(high)


def _exp_float64(x: Array) -> Array:
    """``exp(x)`` for float64 ``x <= 0`` (and NaN), within about 1 ULP."""
    # exp(-746) already rounds to 0; 2**k is applied in two normal halves.
    k, r = _reduce(tf.maximum(x, -746.0))
    half = tf.math.floor(k * 0.5)
    e = (_expm1_reduced(r) + 1.0) * _power_of_two(half) * _power_of_two(k - half)
    return tf.where(tf.math.is_nan(x), x, e)


@lru_cache(maxsize=64)
def _differentiable(pos: float, neg: float) -> Any:
    @tf.custom_gradient  # type: ignore[untyped-decorator]
    def family(x: Array) -> tuple[Array, Any]:
        def grad(upstream: Array) -> Array:
            slope = _derivative(x, pos, neg)
            if x.dtype == tf.float64:
                return upstream * slope
            # The product in float64, exact, rounded once from its bits:
            # TensorFlow's own multiply flushes subnormal products to zero.
            wide = tfx.astype(upstream, tf.float64) * tfx.astype(slope, tf.float64)
            return to_dtype(wide, x.dtype, tfx)

        return _forward(x, pos, neg), grad

    return family


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """TensorFlow fast path of ``_generic.elu_family``; `out` is refused earlier."""
    return _differentiable(pos, neg)(tf.convert_to_tensor(x))


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """TensorFlow fast path of ``_generic.elu_family_derivative``."""
    return _derivative(tf.convert_to_tensor(x), pos, neg)
