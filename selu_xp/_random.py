"""Random numbers on every backend: the one module that branches on `rng`.

The public random functions accept ``rng`` as the Scientific Python
ecosystem does (SPEC 7), extended to the generators of the array libraries:

* ``None``: fresh, unpredictable entropy.  Backends with their own generator
  (PyTorch, CuPy, JAX) draw natively on the device; the others draw on the
  host with NumPy.
* an ``int``, a `numpy.random.SeedSequence`, `numpy.random.BitGenerator` or
  `numpy.random.Generator`: the **portable** stream.  The numbers are drawn on
  the host by ``numpy.random.default_rng(rng)`` in float64, rounded on the
  host to float32 unless float64 is asked for, moved to the device and then
  cast to a narrower dtype if one was asked for; they are the same on every
  backend and device.  A `~numpy.random.Generator` is advanced, as NumPy's own
  functions advance it.
* a backend's own generator draws natively on its device, with no transfer
  from the host: a `torch.Generator` on the array's device, a
  ``cupy.random.Generator``, or a JAX PRNG key (typed, from
  ``jax.random.key``, or a raw ``uint32[2]`` key from ``jax.random.PRNGKey``).
  A JAX key is used as given, not split: the same key gives the same numbers,
  and splitting is the caller's business as everywhere in JAX.  For an
  input sharded over several devices the numbers are left uncommitted, and
  JAX places them with the input's sharding.

A generator of another backend than the output's, or on another device, is
refused with `TypeError`.  Dask has no generator of its own here: its numbers
are drawn on the host with NumPy (the portable stream) and wrapped in a Dask
array.

Tracers run the Python of a function once, so a number drawn in Python then
would be reused on every call.  While ``torch.compile`` traces, every ``rng``
draws through one opaque operator at run time (``_torch_compile``: the eager
numbers, on every call); inside ``tf.function`` TensorFlow's stateful ops and
generators draw on every call; for a JAX tracer, or inside ``jax.jit``, and
for an ndonnx array without a value, ``rng=None`` raises `ValueError` (pass a
key, or a seed).  There and inside ``tf.function`` a NumPy ``Generator``,
``SeedSequence`` or ``BitGenerator`` raises `ValueError` too: it would be
drawn once, while tracing, and not advance between calls.  An int seed names
one draw, which every call then gives, as eagerly.

Backends are recognised from ``sys.modules`` and never imported here: if an
object is a ``torch.Generator``, torch is already imported.
"""

from __future__ import annotations

import contextlib
import math
import secrets
import sys
from numbers import Integral
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from ._compat import (
    is_cupy_namespace,
    is_jax_namespace,
    is_tensorflow_namespace,
    is_torch_namespace,
)
from ._typing import Array
from ._validation import check_rng_device, check_rng_library

__all__ = ["Source", "describe_rng", "eager_source", "source"]


# P(|Z| <= 2) and the lower tail P(Z < -2) of the standard normal.
_TRUNCATION = 2.0
_LOWER_TAIL = 0.5 * math.erfc(_TRUNCATION / math.sqrt(2.0))


class Source(Protocol):
    """A way of drawing random arrays on one backend and device."""

    def normal(self, shape: tuple[int, ...], scale: float, dtype: Any) -> Array:
        """``scale * N(0, 1)`` samples of `shape` in `dtype`."""

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: Any
    ) -> Array:
        """``scale * Z``, ``Z`` standard normal conditioned on ``|Z| <= 2``."""

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        """A boolean array of `shape`, each element True with probability `p`."""


def source(
    rng: object, xp: ModuleType, device: Any, func: str, *, like: Array = None
) -> Source:
    """The `Source` for `rng` drawing arrays of namespace `xp` on `device`.

    `like` is the array the numbers are for, if any.  ``rng=None`` is refused
    with `ValueError` where fresh entropy would be drawn once and reused: for
    a JAX tracer (as `like`, or when a new key is one: ``jax.jit``) and for
    an ndonnx array without a value (the graph would store one mask).
    """
    if is_torch_namespace(xp) and sys.modules["torch"].compiler.is_compiling():
        # Under torch.compile: every rng drawn at run time (_torch_compile).
        try:
            from . import _torch_compile
        except ImportError as exc:  # torch before opaque objects (2.13)
            msg = (
                f"{func}() draws under torch.compile through torch's opaque "
                f"objects, which torch {sys.modules['torch'].__version__} lacks "
                f"({exc}); use torch 2.13 or later, or call it outside the "
                "compiled function."
            )
            raise TypeError(msg) from exc
        return _torch_compile.source(rng, xp, device, func)
    return eager_source(rng, xp, device, func, like=like)


def eager_source(
    rng: object, xp: ModuleType, device: Any, func: str, *, like: Array = None
) -> Source:
    """`source` outside of torch.compile's tracing."""
    if rng is None:
        return _fresh(xp, device, func, like)
    if isinstance(rng, bool):
        raise TypeError(_unknown(rng, func))
    if isinstance(rng, _HOST_STREAMS):
        traced = _tracing(xp, like)
        if traced is not None:
            raise ValueError(_traced_stream(rng, traced, xp, func))
    if isinstance(rng, (Integral, np.random.SeedSequence, np.random.BitGenerator)):
        seed = int(rng) if isinstance(rng, Integral) else rng
        try:
            return HostSource(np.random.default_rng(seed), xp, device)
        except ValueError as exc:
            msg = f"{func}() cannot seed a generator with rng={rng!r}: {exc}"
            raise ValueError(msg) from exc
    if isinstance(rng, np.random.Generator):
        return HostSource(rng, xp, device)
    native = _native(rng, xp, device, func)
    if native is None:
        raise TypeError(_unknown(rng, func))
    return native


def describe_rng() -> str:
    """One line listing what ``rng`` accepts, for messages."""
    return (
        "None, an int, a numpy.random.SeedSequence, BitGenerator or Generator, "
        "or the output backend's own generator (torch.Generator, "
        "cupy.random.Generator, a JAX PRNG key, tf.random.Generator)"
    )


def _unknown(rng: object, func: str) -> str:
    kind = f"{type(rng).__module__}.{type(rng).__qualname__}"
    return f"{func}() expects rng to be {describe_rng()}; got {kind}."


def _fresh(xp: ModuleType, device: Any, func: str, like: Array) -> Source:
    """Fresh entropy: the backend's own generator where it has one."""
    if is_torch_namespace(xp):
        torch = sys.modules["torch"]
        try:
            gen = torch.Generator(device=device)
        except RuntimeError:
            # Devices without generator objects (meta): torch's own default
            # stream for the device, which is fresh entropy too.
            return TorchSource(None, torch, device)
        gen.seed()
        return TorchSource(gen, torch, device)
    if is_cupy_namespace(xp):
        cupy = sys.modules["cupy"]
        with device:
            return _Cupy(cupy.random.default_rng(), cupy, device)
    if is_jax_namespace(xp):
        jax = sys.modules["jax"]
        key = jax.random.key(secrets.randbits(31))
        if isinstance(like, jax.core.Tracer) or isinstance(key, jax.core.Tracer):
            raise ValueError(_traced_jax(like, func, jax))
        return _Jax(key, jax, device)
    if is_tensorflow_namespace(xp):
        return _TensorFlow(None, sys.modules["tensorflow"], device)
    if _without_value(like):
        msg = (
            f"{func}() got rng=None for an ndonnx array without a value (an "
            "input of an ONNX graph, from ndonnx.argument): the numbers would "
            "be drawn once, now, and stored in the graph as a constant, the "
            "same on every run of the model. Pass an int seed, rng=seed, if one "
            "fixed draw in the graph is what you want (training=False leaves "
            "an inference graph without any)."
        )
        raise ValueError(msg)
    return HostSource(np.random.default_rng(), xp, device)


def _traced_jax(like: Array, func: str, jax: ModuleType) -> str:
    """Why ``rng=None`` is refused under a JAX transformation."""
    if isinstance(like, jax.core.Tracer):
        given = f"for an input traced by JAX ({type(like).__name__})"
    else:
        given = "inside a function that JAX traces (jax.jit, lax.scan, ...)"
    return (
        f"{func}() got rng=None {given}. Fresh entropy cannot be drawn "
        "there: under jax.jit it would be drawn once, while JAX traces, and "
        "every call of the compiled function would reuse those numbers (under "
        "jax.vmap the whole batch would share them). Pass a PRNG key, "
        "rng=jax.random.key(seed), as an argument of the traced function, and "
        "a new key on every step (jax.random.split or jax.random.fold_in)."
    )


# The host streams that a caller hands over to be advanced (an int seed names
# numbers instead: the same on every call).
_HOST_STREAMS = (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator)


def _tracing(xp: ModuleType, like: Array) -> str | None:
    """Where Python runs once for many calls, in words; None when it does not.

    A JAX tracer (as `like`, or inside a JAX transformation), a
    ``tf.function`` graph, or an ndonnx array without a value.
    """
    if is_jax_namespace(xp):
        jax = sys.modules["jax"]
        if isinstance(like, jax.core.Tracer):
            return f"for an input traced by JAX ({type(like).__name__})"
        if isinstance(jax.random.key(0), jax.core.Tracer):
            return "inside a function that JAX traces (jax.jit, lax.scan, ...)"
        return None
    if is_tensorflow_namespace(xp):
        if sys.modules["tensorflow"].executing_eagerly():
            return None
        return "inside a TensorFlow graph (tf.function)"
    if _without_value(like):
        return "for an ndonnx array without a value (an input of an ONNX graph)"
    return None


def _traced_stream(rng: object, where: str, xp: ModuleType, func: str) -> str:
    """Why a NumPy generator is refused where Python runs once, and what to do."""
    kind = f"numpy.random.{type(rng).__name__}"
    if is_jax_namespace(xp):
        instead = (
            "Pass a PRNG key, rng=jax.random.key(seed), as an argument of the "
            "traced function, and a new key on every step (jax.random.split or "
            "jax.random.fold_in)"
        )
    elif is_tensorflow_namespace(xp):
        instead = (
            "Pass a tf.random.Generator (or rng=None), which draws on every "
            "call of the graph"
        )
    else:
        instead = "An ONNX graph cannot draw: draw outside it and pass the result in"
    return (
        f"{func}() got a {kind} as rng {where}. Its numbers would be drawn "
        "once, while the function is traced, and every call of the compiled "
        "function would reuse them: the generator would not advance. "
        f"{instead}; an int seed, rng=seed, gives one fixed draw if that is "
        "what you want."
    )


def _without_value(x: Array) -> bool:
    """Whether `x` is an ndonnx array whose values are not known (lazy)."""
    ndonnx = sys.modules.get("ndonnx")
    if ndonnx is None or not isinstance(x, ndonnx.Array):
        return False
    try:
        x.unwrap_numpy()
    except ValueError:
        return True
    return False


def _native(rng: object, xp: ModuleType, device: Any, func: str) -> Source | None:
    """A backend generator's `Source`, or None if `rng` is no known generator."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(rng, torch.Generator):
        check_rng_library("torch.Generator", is_torch_namespace(xp), xp, func)
        check_rng_device(
            _torch_device(rng.device, torch), _torch_device(device, torch), func
        )
        return TorchSource(rng, torch, device)
    cupy = sys.modules.get("cupy")
    if cupy is not None and isinstance(rng, cupy.random.Generator):
        check_rng_library("cupy.random.Generator", is_cupy_namespace(xp), xp, func)
        return _Cupy(rng, cupy, device)
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(rng, jax.Array) and _is_key(rng, jax):
        check_rng_library("JAX PRNG key", is_jax_namespace(xp), xp, func)
        if rng.ndim != (0 if _typed_key(rng, jax) else 1):
            msg = (
                f"{func}() expects a single JAX PRNG key, got keys of shape "
                f"{rng.shape}."
            )
            raise TypeError(msg)
        if not (
            device is None or isinstance(rng, jax.core.Tracer) or _sharded(device, jax)
        ):
            check_rng_device(_one_device(rng.devices()), device, func)
        return _Jax(rng, jax, device)
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(rng, tf.random.Generator):
        check_rng_library("tf.random.Generator", is_tensorflow_namespace(xp), xp, func)
        return _TensorFlow(rng, tf, device)
    return None


def _torch_device(device: Any, torch: ModuleType) -> Any:
    """`device` as a torch.device with its index filled in."""
    dev = torch.device(device)
    if dev.index is None and dev.type != "cpu":
        module = getattr(torch, dev.type, None)
        if module is not None and hasattr(module, "current_device"):
            return torch.device(dev.type, module.current_device())
    return dev


def _one_device(devices: set[Any]) -> Any:
    return next(iter(devices)) if len(devices) == 1 else devices


def _sharded(device: Any, jax: ModuleType) -> bool:
    """Whether `device` is a sharding over several devices (a sharded input)."""
    return isinstance(device, jax.sharding.Sharding)


def _typed_key(rng: Any, jax: ModuleType) -> bool:
    return bool(jax.dtypes.issubdtype(rng.dtype, jax.dtypes.prng_key))


def _is_key(rng: Any, jax: ModuleType) -> bool:
    """A typed key array, or a raw ``uint32[2]`` key."""
    if _typed_key(rng, jax):
        return True
    return bool(rng.dtype == np.uint32 and rng.shape == (2,))


class HostSource:
    """The portable stream: NumPy on the host, then moved to the device."""

    def __init__(self, gen: np.random.Generator, xp: ModuleType, device: Any) -> None:
        self.gen, self.xp, self.device = gen, xp, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: Any) -> Array:
        return self._move(self.gen.standard_normal(shape) * scale, dtype)

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: Any
    ) -> Array:
        # Rejection in stream order: the values are the standard normals of
        # the stream with those beyond +-2 left out.
        n = math.prod(shape)
        kept = np.empty(0)
        while kept.size < n:
            z = self.gen.standard_normal(max(n - kept.size, 1))
            kept = np.concatenate([kept, z[np.abs(z) <= _TRUNCATION]])
        return self._move(kept[:n].reshape(shape) * scale, dtype)

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        return self.xp.asarray(self.gen.random(shape) < p, device=self.device)

    def _move(self, values: np.ndarray, dtype: Any) -> Array:
        xp = self.xp
        if dtype == xp.float64:
            return xp.asarray(values, device=self.device)
        moved = xp.asarray(values.astype(np.float32), device=self.device)
        return moved if dtype == xp.float32 else xp.astype(moved, dtype)


class TorchSource:
    """Native draws with a torch.Generator on its device."""

    def __init__(self, gen: Any, torch: ModuleType, device: Any) -> None:
        self.gen, self.torch, self.device = gen, torch, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: Any) -> Array:
        work = self._work(dtype)
        z = self.torch.randn(shape, generator=self.gen, dtype=work, device=self.device)
        return (z * scale).to(dtype)

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: Any
    ) -> Array:
        # Inverse CDF: uniform on [Phi(-2), Phi(2)], through the normal quantile.
        torch = self.torch
        work = self._work(dtype)
        u = torch.rand(shape, generator=self.gen, dtype=work, device=self.device)
        p = _LOWER_TAIL + u * (1.0 - 2.0 * _LOWER_TAIL)
        z = torch.special.ndtri(p).clamp(-_TRUNCATION, _TRUNCATION)
        return (z * scale).to(dtype)

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        u = self.torch.rand(shape, generator=self.gen, device=self.device)
        return u < p

    def _work(self, dtype: Any) -> Any:
        return self.torch.float64 if dtype == self.torch.float64 else self.torch.float32


class _Cupy:
    """Native draws with a cupy.random.Generator on the current device."""

    def __init__(self, gen: Any, cupy: ModuleType, device: Any) -> None:
        self.gen, self.cupy, self.device = gen, cupy, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: Any) -> Array:
        with self.device:
            z = self.gen.standard_normal(shape, dtype=self._work(dtype))
            return (z * scale).astype(dtype)

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: Any
    ) -> Array:
        from cupyx.scipy import special

        with self.device:
            u = self.gen.random(shape, dtype=self._work(dtype))
            p = _LOWER_TAIL + u * (1.0 - 2.0 * _LOWER_TAIL)
            z = self.cupy.clip(special.ndtri(p), -_TRUNCATION, _TRUNCATION)
            return (z * scale).astype(dtype)

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        with self.device:
            return self.gen.random(shape) < p

    def _work(self, dtype: Any) -> Any:
        cupy = self.cupy
        return cupy.float64 if dtype == cupy.float64 else cupy.float32


class _Jax:
    """Native draws with a JAX PRNG key, placed on the output's device."""

    def __init__(self, key: Any, jax: ModuleType, device: Any) -> None:
        self.key, self.jax, self.device = key, jax, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: Any) -> Array:
        z = self.jax.random.normal(self.key, shape, dtype=self._work(dtype))
        return self._place((z * scale).astype(dtype))

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: Any
    ) -> Array:
        random = self.jax.random
        work = self._work(dtype)
        z = random.truncated_normal(self.key, -_TRUNCATION, _TRUNCATION, shape, work)
        return self._place((z * scale).astype(dtype))

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        return self._place(self.jax.random.bernoulli(self.key, p, shape))

    def _work(self, dtype: Any) -> Any:
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


class _TensorFlow:
    """Native draws with a tf.random.Generator, or TensorFlow's stateful ops."""

    def __init__(self, gen: Any, tf: ModuleType, device: Any) -> None:
        self.gen, self.tf, self.device = gen, tf, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: Any) -> Array:
        with self._on():
            draw = self.tf.random.normal if self.gen is None else self.gen.normal
            z = draw(shape, dtype=self._work(dtype))
            return self.tf.cast(z * scale, dtype)

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: Any
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

    def _work(self, dtype: Any) -> Any:
        tf = self.tf
        return tf.float64 if dtype == tf.float64 else tf.float32

    def _on(self) -> Any:
        if self.device:
            return self.tf.device(self.device)
        return contextlib.nullcontext()
