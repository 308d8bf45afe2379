"""The JAX fast path: the compiled kernel on the CPU, through XLA's FFI.

On the CPU, arrays of float16, bfloat16, float32 and float64 run the
kernel of `selu_xp._backends.numpy` as an XLA FFI handler
(``_kernels/xla_ffi.h``, registered with ``jax.ffi`` on first use): its
bits, correctly rounded in float32 and the half dtypes, in either x64 mode,
eagerly and under ``jit``, ``vmap`` (the handler sees the whole batch) and
``shard_map``.  Derivatives of every order come from the derivative kernel
through custom JVPs (``grad``, ``jvp``, ``jacfwd``, ``jacrev``).  The handler
is chosen per platform when the computation is lowered
(``lax.platform_dependent``).

Elsewhere (GPUs), and where the kernel was not built, one jitted
expression runs, fused by XLA into one loop: ``selu`` and ``elu`` compute
in the input's dtype, with ``neg`` the correctly rounded product and expm1
near 0 a Taylor polynomial (XLA's own CPU expm1 is 3 to 4.6 ULPs off
there; see `expm1_nonpositive`); on GPUs, away from 0, XLA's expm1, within
1 ULP (measured on an H200: 1.49 to 1.76 ULP in float32 against 1.70 to
2.25 for ``jax.nn.selu``).  Its derivative comes from ``exp`` (widened to
float64 when x64 is enabled).  The expm1 branch sees ``where(x > 0, -0.0,
x)``, so neither branch overflows and gradients are finite everywhere.
Called on tracers the inner ``jit`` is inlined into the caller's
computation.
"""

from __future__ import annotations

import sys
from functools import cache, lru_cache
from typing import Any

import numpy as np

from .._constants import coefficient_pairs
from .._generic import expm1_nonpositive
from .._typing import Array
from .numpy import kernel_coefficients, kernel_module

__all__ = ["elu_family", "elu_family_derivative"]


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """JAX fast path of ``_generic.elu_family``; `out` is refused earlier."""
    return _compiled(derivative=False)(x, pos, neg, _platform(x))


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """JAX fast path of ``_generic.elu_family_derivative``."""
    return _compiled(derivative=True)(x, pos, neg)


def _platform(x: Array) -> str:
    """The platform (``"cpu"``, ``"gpu"``, ...) that computes `x`."""
    jax = sys.modules["jax"]
    if isinstance(x, jax.core.Tracer):
        return str(jax.default_backend())
    return str(next(iter(x.devices())).platform)


_TARGET = "selu_xp_elu_family"


@cache
def _registered() -> bool:
    """Register the kernel's XLA handler once; whether it is there."""
    kernel = kernel_module()
    if kernel is None:
        return False
    jax = sys.modules["jax"]
    jax.ffi.register_ffi_target(_TARGET, kernel.xla_handler(), platform="cpu")
    return True


def _on_kernel(x: Array, pos: float, neg: float) -> bool:
    """Whether the kernel can compute `x` with these coefficients."""
    jnp = sys.modules["jax"].numpy
    kinds = (jnp.float16, jnp.bfloat16, jnp.float32, jnp.float64)
    return (
        x.dtype in kinds and kernel_coefficients(pos, neg) is not None and _registered()
    )


def _kernel(x: Array, pos: float, neg: float, derivative: bool) -> Array:
    """The kernel's handler on `x`, partitioned as an elementwise operation:
    each device computes its own shard (a batch under vmap: all of it)."""
    return _elementwise(pos, neg, derivative)(x)


@lru_cache(maxsize=64)
def _elementwise(pos: float, neg: float, derivative: bool) -> Any:
    """`_partitioned` for these coefficients, batched by calling it on the
    whole batch (XLA's partitioner has no batching rule of its own)."""
    from jax.custom_batching import custom_vmap

    @custom_vmap
    def f(x: Array) -> Array:
        return _partitioned()(x, pos, neg, derivative)

    @f.def_vmap
    def _rule(size: int, batched: list[bool], x: Array) -> tuple[Array, bool]:
        return f(x), batched[0]

    return f


@cache
def _partitioned() -> Any:
    """`_call` as an operation XLA's partitioner splits like an elementwise
    one: the result has the input's sharding, and each shard is the handler
    on the input's shard (a custom call is otherwise gathered to one
    device)."""
    from jax.experimental.custom_partitioning import custom_partitioning

    partitioned = custom_partitioning(  # type: ignore[no-untyped-call]
        _call, static_argnums=(1, 2, 3)
    )

    def infer(
        pos: float, neg: float, derivative: bool, mesh: Any, args: Any, result: Any
    ) -> Any:
        return args[0].sharding

    def partition(
        pos: float, neg: float, derivative: bool, mesh: Any, args: Any, result: Any
    ) -> Any:
        sharding = args[0].sharding

        def lower(x: Array) -> Array:
            return _call(x, pos, neg, derivative)

        return mesh, lower, sharding, (sharding,)

    partitioned.def_partition(  # type: ignore[no-untyped-call]
        partition=partition,
        infer_sharding_from_operands=infer,
        sharding_rule="... -> ...",
    )
    return partitioned


def _call(x: Array, pos: float, neg: float, derivative: bool) -> Array:
    """The kernel's handler on `x` as one custom call."""
    jax = sys.modules["jax"]
    pairs = coefficient_pairs(pos, neg)
    call = jax.ffi.ffi_call(
        _TARGET, jax.ShapeDtypeStruct(x.shape, x.dtype), vmap_method="broadcast_all"
    )
    y = call(
        x,
        pos_hi=np.float64(pairs[0]),
        pos_lo=np.float64(pairs[1]),
        neg_hi=np.float64(pairs[2]),
        neg_lo=np.float64(pairs[3]),
        derivative=np.int32(derivative),
    )
    axes = _varying(x)
    return jax.lax.pcast(y, axes, to="varying") if axes else y


def _varying(x: Array) -> tuple[str, ...]:
    """The mesh axes `x` varies over inside shard_map, which the handler's
    result must vary over too (``manual_axis_type``; ``vma`` before JAX
    0.10)."""
    aval = sys.modules["jax"].typeof(x)
    manual = getattr(aval, "manual_axis_type", None)
    axes = manual.varying if manual is not None else getattr(aval, "vma", ())
    return tuple(sorted(axes))


@cache
def _compiled(*, derivative: bool) -> Any:
    jax = sys.modules["jax"]
    jnp = jax.numpy

    def expression(x: Array, pos: float, neg: float, platform: str) -> Array:
        w = x if x.dtype in (jnp.float32, jnp.float64) else x.astype(jnp.float32)
        positive = w > 0
        # -0.0, not 0: XLA folds where(w > 0, 0, w) for half inputs so that
        # it loses the sign of x = -0.0.
        nonpositive = jnp.where(positive, -0.0, w)
        if x.dtype in (jnp.float32, jnp.float64):
            kind = "float64" if w.dtype == jnp.float64 else "float32"
            e = expm1_nonpositive(
                nonpositive, jnp, polynomial=kind, far_from_exp=platform == "cpu"
            )
        else:  # half precision: jnp.expm1 in float32 is far below its ULP
            e = jnp.expm1(nonpositive)
        return jnp.where(positive, pos * w, neg * e).astype(x.dtype)

    def slope_expression(x: Array, pos: float, neg: float) -> Array:
        wide = jax.dtypes.canonicalize_dtype(jnp.float64)  # float32 without x64
        w = x.astype(wide) if x.dtype != jnp.float64 else x
        positive = w > 0
        left = neg * jnp.exp(jnp.where(positive, -0.0, w))
        return jnp.where(positive, pos, left).astype(x.dtype)

    def family(x: Array, pos: float, neg: float, platform: str) -> Array:
        if not _on_kernel(x, pos, neg):
            return expression(x, pos, neg, platform)
        return jax.lax.platform_dependent(
            x,
            cpu=lambda v: _kernel(v, pos, neg, False),
            default=lambda v: expression(v, pos, neg, platform),
        )

    def plain_slope(x: Array, pos: float, neg: float) -> Array:
        if not _on_kernel(x, pos, neg):
            return slope_expression(x, pos, neg)
        return jax.lax.platform_dependent(
            x,
            cpu=lambda v: _kernel(v, pos, neg, True),
            default=lambda v: slope_expression(v, pos, neg),
        )

    # Every derivative from the derivative kernel: expm1's own rule,
    # g * (expm1(x) + 1), would cancel to 0 far left (x = -50).
    slope = jax.custom_jvp(plain_slope, nondiff_argnums=(1, 2))

    @slope.defjvp  # type: ignore[untyped-decorator]
    def _slope_jvp(
        pos: float, neg: float, primals: tuple[Array], tangents: tuple[Array]
    ) -> tuple[Array, Array]:
        """f'' is f' left of 0 and 0 right of it."""
        (x,), (t,) = primals, tangents
        s = slope(x, pos, neg)
        return s, jnp.where(x > 0, jnp.zeros_like(s), s) * t

    if derivative:
        return jax.jit(slope, static_argnums=(1, 2))

    differentiable = jax.custom_jvp(family, nondiff_argnums=(1, 2, 3))

    @differentiable.defjvp  # type: ignore[untyped-decorator]
    def _jvp(
        pos: float,
        neg: float,
        platform: str,
        primals: tuple[Array],
        tangents: tuple[Array],
    ) -> tuple[Array, Array]:
        (x,), (t,) = primals, tangents
        return differentiable(x, pos, neg, platform), slope(x, pos, neg) * t

    return jax.jit(differentiable, static_argnums=(1, 2, 3))
