"""The TensorFlow fast path: a custom gradient around a once-rounded expression.

array-api-compat does not serve TensorFlow, so selu_xp does: tensors are
recognised in ``_compat`` and computed here.  float32, float16 and bfloat16
are computed in float64 with TensorFlow's expm1 and correctly rounded (the
rounding test and exact evaluation of `selu_xp._rounding`): the kernel's
bits.
float64 cannot be computed wider: it runs the kernel's own float64
evaluation in TensorFlow operations (`selu_xp._careful`), the same bits
eagerly, in a graph and under XLA.  TensorFlow's own float64 ``expm1`` and
``exp`` are 2.6 and 1.3 ULPs off (more inside ``tf.function``, whose graph
optimizations pick other kernels); ``tf.nn.selu`` computes ``exp(x) - 1``
in the input's dtype: 0 at ``x = -1e-8`` in float32.

`elu_family` carries a ``tf.custom_gradient`` whose gradient is the exact
derivative, ``pos`` for ``x > 0`` and ``neg * exp(x)`` otherwise, computed
as the `elu_family_derivative` fast path, which carries one too (`_slope`),
so ``tf.GradientTape`` gives derivatives of every order.  The expm1
branch sees ``where(x > 0, -0.0, x)``, so neither branch overflows and
every gradient is finite.  Everything is elementwise and shape-agnostic:
eager tensors, variables, symbolic tensors inside ``tf.function`` (with
unknown dimensions) and ``jit_compile=True``.

Random numbers are drawn natively by a ``tf.random.Generator``, or by
TensorFlow's stateful random operations for fresh entropy
(`TensorFlowSource`); both draw on every call of a ``tf.function`` graph.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from types import ModuleType
from typing import Any

import tensorflow as tf

from .. import _tensorflow_namespace as tfx
from .._careful import neg_exp, neg_expm1
from .._careful import tiny as _tiny
from .._compat import is_tensorflow_namespace
from .._kernels.coefficients import coefficient_pairs
from .._rounding import (
    _kept,
    _power_of_two,
    exact,
    flagged,
    kept_in,
    round_pair,
    to_dtype,
)
from .._typing import Array, Device, DType, Namespace
from .._validation import check_rng_library

__all__ = [
    "elu_family",
    "elu_family_derivative",
    "fresh_source",
    "native_source",
    "tracing",
]


def _forward(x: Array, pos: float, neg: float) -> Array:
    if x.dtype == tf.float64:
        return _family_float64(x, pos, neg)
    # Narrower dtypes are computed wider (subnormals widened from their
    # bits): expm1 suffices.
    w = tfx.astype(x, tf.float64)
    positive = w > 0
    nonpositive = tf.where(positive, tf.constant(-0.0, tf.float64), w)
    left = neg * tf.math.expm1(nonpositive)
    return _rounded(tf.where(positive, pos * w, left), w, x.dtype, pos, neg, False)


def _derivative(x: Array, pos: float, neg: float) -> Array:
    if x.dtype == tf.float64:
        return _derivative_float64(x, pos, neg)
    w = tfx.astype(x, tf.float64)
    positive = w > 0
    left = neg * tf.math.exp(tf.where(positive, tf.constant(-0.0, tf.float64), w))
    y = tf.where(positive, tf.constant(pos, tf.float64), left)
    return _rounded(y, w, x.dtype, pos, neg, True)


# ---- float64 on threads that flush subnormals -------------------------------
#
# TensorFlow's CPU kernels read subnormal operands as zeros and write zeros
# for subnormal results.  The kernel's float64 evaluation meets subnormals
# only at tiny inputs (|x| < 2^-600, where splitting x leaves a subnormal
# part) and in subnormal results; there they are computed scaled by powers
# of two, with the same roundings, and subnormal results built from their
# bits.

_TINY_BITS = 0x1A70000000000000  # the bits of 2^-600
_SIGN = -(2**63)  # the sign bit, as an int64


def _bits(x: Array) -> Array:
    return tf.bitcast(x, tf.int64)


def _positive(x: Array, bits: Array) -> Array:
    """``x > 0`` from the sign bit: TensorFlow compares subnormals as zeros."""
    return (bits > 0) & ~tf.math.is_nan(x)


def _family_float64(x: Array, pos: float, neg: float) -> Array:
    _, _, neg_hi, neg_lo = coefficient_pairs(pos, neg)
    bits = _bits(x)
    positive = _positive(x, bits)
    left = neg_expm1(tfx.where(positive, -0.0, x), (neg_hi, neg_lo), tfx)
    y = tfx.where(positive, pos * x, left)
    magnitude = tf.bitwise.bitwise_and(bits, ~_SIGN)
    tiny = (magnitude < _TINY_BITS) & (magnitude != 0)
    small = _tiny_family(x, bits, tiny, positive, pos, neg_hi, neg_lo)
    return tfx.where(tiny, small, y)


def _tiny_family(
    x: Array,
    bits: Array,
    tiny: Array,
    positive: Array,
    pos: float,
    neg_hi: float,
    neg_lo: float,
) -> Array:
    """The family at tiny nonzero `x`, from ``X = x 2^1000``
    (`selu_xp._careful.tiny`): ``pos x`` rounded once, or the kernel's sum,
    rounded as it rounds it."""
    subnormal = tf.bitwise.bitwise_and(bits, ~_SIGN) < 2**52
    steps = tf.cast(tf.bitwise.bitwise_and(bits, 2**52 - 1), tf.float64)
    steps = tfx.where(bits < 0, -steps, steps)
    scaled = tfx.where(tiny & ~subnormal, x, 0.0) * 2.0**1000
    big_x = tfx.where(subnormal, steps * 2.0**-74, scaled)
    product, error, y = _tiny(big_x, pos, (neg_hi, neg_lo), tfx)
    right = _to_grid(product, error, 2.0**74, 2.0**-1000)
    left = _to_grid(y, 0.0 * y, 2.0**-126, 2.0**-200, 2.0**-1000)
    return tfx.where(positive, right, left)


def _derivative_float64(x: Array, pos: float, neg: float) -> Array:
    _, _, neg_hi, neg_lo = coefficient_pairs(pos, neg)
    positive = _positive(x, _bits(x))

    def last(v: Array, m2: Array) -> Array:
        power = _power_of_two(-m2, tfx, below=1024)  # 2^m2
        return _to_grid(v, 0.0 * v, power * 2.0**874, power * 2.0**-200)

    left = neg_exp(tfx.where(positive, -0.0, x), (neg_hi, neg_lo), tfx, last=last)
    return tfx.where(positive, tf.constant(pos, tf.float64), left)


def _to_grid(v: Array, e: Array, up: Any, *down: Any) -> Array:
    """``(v + e) down[0] down[1]...``, `v` its rounding, rounded once to
    float64, where ``v up`` is that value in units of 2^-1074 (all exact
    scalings): a subnormal result is rounded to the nearest unit on its
    own, ties broken by `e`, then to even, and built from its bits."""
    with kept_in(tfx):
        z = tf.abs(v * up)
        small = z < 2.0**52
        zs = tfx.where(small, z, 0.0)
        t = _kept(_kept(zs + 2.0**52) - 2.0**52)  # to nearest, even
        d = zs - t
        ties = (tf.abs(d) == 0.5) & (tfx.where(v < 0, -e, e) * d > 0)
        units = tf.cast(tfx.where(ties, t + 2.0 * d, t), tf.int64)
        built = tfx.where(v < 0, tf.bitwise.bitwise_or(units, _SIGN), units)
        for factor in down:  # one by one: Grappler would fold them to 0
            v = _kept(v * factor)
    return tfx.where(small, tf.bitcast(built, tf.float64), v)


def _rounded(
    y: Array, w: Array, dtype: DType, pos: float, neg: float, derivative: bool
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
    y: Array, w: Array, dtype: DType, pos: float, neg: float, derivative: bool
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
def _exactly(pairs: tuple[float, ...], derivative: bool, dtype: DType) -> Any:
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


@lru_cache(maxsize=64)
def _differentiable(pos: float, neg: float) -> Any:
    @tf.custom_gradient  # type: ignore[untyped-decorator]
    def family(x: Array) -> tuple[Array, Any]:
        def grad(upstream: Array) -> Array:
            return _times(upstream, _slope(pos, neg)(x))

        return _forward(x, pos, neg), grad

    return family


@lru_cache(maxsize=64)
def _slope(pos: float, neg: float) -> Any:
    """`_derivative` with its own derivative, ``f''`` = ``f'`` left of 0 and
    0 right of it, from this function again: every order from the same
    evaluation (whose table lookups have no useful automatic derivative)."""

    @tf.custom_gradient  # type: ignore[untyped-decorator]
    def slope(x: Array) -> tuple[Array, Any]:
        def grad(upstream: Array) -> Array:
            again = _slope(pos, neg)(x)
            return _times(upstream, tf.where(x > 0, tf.zeros_like(again), again))

        return _derivative(x, pos, neg), grad

    return slope


def _times(upstream: Array, slope: Array) -> Array:
    """``upstream * slope``, narrow dtypes multiplied in float64, exactly,
    and rounded once from the bits: TensorFlow's own multiply flushes
    subnormal products to zero."""
    if slope.dtype == tf.float64:
        return upstream * slope
    wide = tfx.astype(upstream, tf.float64) * tfx.astype(slope, tf.float64)
    return to_dtype(wide, slope.dtype, tfx)


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Namespace, out: Array = None
) -> Array:
    """TensorFlow fast path of ``_generic.elu_family``; `out` is refused earlier."""
    return _differentiable(pos, neg)(tf.convert_to_tensor(x))


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Namespace, out: Array = None
) -> Array:
    """TensorFlow fast path of ``_generic.elu_family_derivative``."""
    return _slope(pos, neg)(tf.convert_to_tensor(x))


class TensorFlowSource:
    """Native draws with a tf.random.Generator, or TensorFlow's stateful ops."""

    def __init__(self, gen: Any, tf: ModuleType, device: Device) -> None:
        self.gen, self.tf, self.device = gen, tf, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: DType) -> Array:
        with self._on():
            draw = self.tf.random.normal if self.gen is None else self.gen.normal
            z = draw(shape, dtype=self._work(dtype))
            return self.tf.cast(z * scale, dtype)

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: DType
    ) -> Array:
        # TensorFlow's truncated normal re-draws beyond two standard deviations.
        tf = self.tf
        with self._on():
            gen = self.gen
            draw = tf.random.truncated_normal if gen is None else gen.truncated_normal
            z = draw(shape, dtype=self._work(dtype))
            return tf.cast(z * scale, dtype)

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        with self._on():
            draw = self.tf.random.uniform if self.gen is None else self.gen.uniform
            return draw(shape, dtype=self.tf.float32) < p

    def _work(self, dtype: DType) -> DType:
        tf = self.tf
        return tf.float64 if dtype == tf.float64 else tf.float32

    def _on(self) -> Any:
        if self.device:
            return self.tf.device(self.device)
        return contextlib.nullcontext()


def native_source(
    rng: object, xp: Namespace, device: Device, func: str
) -> TensorFlowSource | None:
    """`rng`'s source if it is a ``tf.random.Generator`` (for `xp`)."""
    if not isinstance(rng, tf.random.Generator):
        return None
    check_rng_library("tf.random.Generator", is_tensorflow_namespace(xp), xp, func)
    return TensorFlowSource(rng, tf, device)


def fresh_source(device: Device, func: str, like: Array) -> TensorFlowSource:
    """TensorFlow's stateful random operations: fresh on every call of a graph."""
    return TensorFlowSource(None, tf, device)


def tracing(like: Array) -> tuple[str, str] | None:
    """Where TensorFlow builds a graph, in words, and what to pass as ``rng``."""
    if tf.executing_eagerly():
        return None
    return (
        "inside a TensorFlow graph (tf.function)",
        "Pass a tf.random.Generator (or rng=None), which draws on every call "
        "of the graph",
    )
