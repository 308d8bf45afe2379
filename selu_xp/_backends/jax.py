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

Random numbers are drawn natively with a PRNG key (`JaxSource`), used as
given, not split.  Fresh entropy, and NumPy's generators, are refused where
JAX traces (`tracing`): they would be drawn once, while tracing.
"""

from __future__ import annotations

import secrets
import sys
from functools import cache, lru_cache
from types import ModuleType
from typing import Any

import numpy as np

from .._compat import is_jax_namespace
from .._constants import TRUNCATION
from .._generic import expm1_nonpositive
from .._kernels.coefficients import coefficient_pairs, kernel_coefficients
from .._typing import Array, Device, DType, Namespace
from .._validation import check_rng_device, check_rng_library
from .numpy import kernel_module

__all__ = [
    "elu_family",
    "elu_family_derivative",
    "fresh_source",
    "native_source",
    "tracing",
]


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Namespace, out: Array = None
) -> Array:
    """JAX fast path of ``_generic.elu_family``; `out` is refused earlier."""
    return _compiled(derivative=False)(x, pos, neg, _platform(x))


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Namespace, out: Array = None
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


class JaxSource:
    """Native draws with a JAX PRNG key, placed on the output's device."""

    def __init__(self, key: Any, jax: ModuleType, device: Device) -> None:
        self.key, self.jax, self.device = key, jax, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: DType) -> Array:
        z = self.jax.random.normal(self.key, shape, dtype=self._work(dtype))
        return self._place((z * scale).astype(dtype))

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: DType
    ) -> Array:
        random = self.jax.random
        work = self._work(dtype)
        z = random.truncated_normal(self.key, -TRUNCATION, TRUNCATION, shape, work)
        return self._place((z * scale).astype(dtype))

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        return self._place(self.jax.random.bernoulli(self.key, p, shape))

    def _work(self, dtype: DType) -> DType:
        jnp = self.jax.numpy
        return jnp.float64 if dtype == jnp.float64 else jnp.float32

    def _place(self, x: Array) -> Array:
        jax = self.jax
        if (
            self.device is None
            or isinstance(x, jax.core.Tracer)
            or _sharded(self.device, jax)
        ):
            # Left uncommitted: JAX moves it to the sharding of the input.
            return x
        return self.jax.device_put(x, self.device)


def native_source(
    rng: object, xp: Namespace, device: Device, func: str
) -> JaxSource | None:
    """`rng`'s source if it is a single JAX PRNG key (for `xp` on `device`)."""
    jax = sys.modules["jax"]
    if not (isinstance(rng, jax.Array) and _is_key(rng, jax)):
        return None
    check_rng_library("JAX PRNG key", is_jax_namespace(xp), xp, func)
    if rng.ndim != (0 if _typed_key(rng, jax) else 1):
        msg = f"{func}() expects a single JAX PRNG key, got keys of shape {rng.shape}."
        raise TypeError(msg)
    if not (
        device is None or isinstance(rng, jax.core.Tracer) or _sharded(device, jax)
    ):
        check_rng_device(_one_device(rng.devices()), device, func)
    return JaxSource(rng, jax, device)


def fresh_source(device: Device, func: str, like: Array) -> JaxSource:
    """A new key from fresh entropy; `ValueError` where JAX traces."""
    jax = sys.modules["jax"]
    key = jax.random.key(secrets.randbits(31))
    where = _traced(like, jax, key)
    if where is not None:
        msg = (
            f"{func}() got rng=None {where}. Fresh entropy cannot be drawn "
            "there: under jax.jit it would be drawn once, while JAX traces, and "
            "every call of the compiled function would reuse those numbers "
            f"(under jax.vmap the whole batch would share them). {_PASS_A_KEY}."
        )
        raise ValueError(msg)
    return JaxSource(key, jax, device)


def tracing(like: Array) -> tuple[str, str] | None:
    """Where JAX traces, in words, and what to pass as ``rng`` there."""
    where = _traced(like, sys.modules["jax"])
    return None if where is None else (where, _PASS_A_KEY)


_PASS_A_KEY = (
    "Pass a PRNG key, rng=jax.random.key(seed), as an argument of the "
    "traced function, and a new key on every step (jax.random.split or "
    "jax.random.fold_in)"
)


def _traced(like: Array, jax: ModuleType, key: Any = None) -> str | None:
    """Where JAX traces: `like`, or the calling function (a new `key` is a
    tracer there); None eagerly."""
    if isinstance(like, jax.core.Tracer):
        return f"for an input traced by JAX ({type(like).__name__})"
    if isinstance(jax.random.key(0) if key is None else key, jax.core.Tracer):
        return "inside a function that JAX traces (jax.jit, lax.scan, ...)"
    return None


def _one_device(devices: set[Device]) -> Device:
    return next(iter(devices)) if len(devices) == 1 else devices


def _sharded(device: Device, jax: ModuleType) -> bool:
    """Whether `device` is a sharding over several devices (a sharded input)."""
    return isinstance(device, jax.sharding.Sharding)


def _typed_key(rng: Any, jax: ModuleType) -> bool:
    return bool(jax.dtypes.issubdtype(rng.dtype, jax.dtypes.prng_key))


def _is_key(rng: Any, jax: ModuleType) -> bool:
    """A typed key array, or a raw ``uint32[2]`` key."""
    if _typed_key(rng, jax):
        return True
    return bool(rng.dtype == np.uint32 and rng.shape == (2,))
