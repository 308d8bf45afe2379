"""The ``rng`` rule: seeds and the portable stream here, generators in `_backends`.

The public random functions accept ``rng`` as the Scientific Python
ecosystem does (SPEC 7), extended to the generators of the array libraries:

* ``None``: fresh, unpredictable entropy.  Backends with their own
  generator (PyTorch, CuPy, JAX, TensorFlow) draw natively on the device;
  the others draw on the host with NumPy.
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
draws through one opaque operator at run time (``_sources`` picks
``_torch_compile``, which runs `eager_source` on every call); inside
``tf.function`` TensorFlow's stateful ops and generators draw on every call;
for a JAX tracer, or inside ``jax.jit``, and for an ndonnx array without a
value, ``rng=None`` raises `ValueError` (pass a key, or a seed).  There and
inside ``tf.function`` a NumPy ``Generator``, ``SeedSequence`` or
``BitGenerator`` raises `ValueError` too: it would be drawn once, while
tracing, and not advance between calls.  An int seed names one draw, which
every call then gives, as eagerly.

Here is what holds for every library: the `Source` interface, the host's
portable stream (`HostSource`), seeds, and what is refused.  A library's own
generator, and its fresh entropy, are its backend module's
(``native_source``, ``fresh_source``, ``tracing`` in `selu_xp._backends`).
Libraries are recognised from ``sys.modules`` and never imported here: if an
object is a ``torch.Generator``, torch is already imported.
"""

from __future__ import annotations

import itertools
import math
import sys
from numbers import Integral
from typing import Protocol

import numpy as np

from ._backends import GENERATORS, backend_of, generator_backends
from ._constants import TRUNCATION
from ._typing import Array, Device, DType, Namespace
from ._validation import HOST_STREAMS

__all__ = ["Source", "eager_source"]


class Source(Protocol):
    """A way of drawing random arrays on one backend and device."""

    def normal(self, shape: tuple[int, ...], scale: float, dtype: DType) -> Array:
        """``scale * N(0, 1)`` samples of `shape` in `dtype`."""

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: DType
    ) -> Array:
        """``scale * Z``, ``Z`` standard normal conditioned on ``|Z| <= 2``."""

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        """A boolean array of `shape`, each element True with probability `p`."""


def eager_source(
    rng: object, xp: Namespace, device: Device, func: str, *, like: Array = None
) -> Source:
    """The `Source` for `rng` drawing arrays of namespace `xp` on `device`.

    `like` is the array the numbers are for, if any.  ``rng=None`` is refused
    with `ValueError` where fresh entropy would be drawn once and reused: for
    a JAX tracer (as `like`, or when a new key is one: ``jax.jit``) and for
    an ndonnx array without a value (the graph would store one mask).  Not
    for code that ``torch.compile`` traces (`selu_xp._sources.source`).
    """
    if rng is None:
        return _fresh(xp, device, func, like)
    if isinstance(rng, bool):
        raise TypeError(_unknown(rng, func))
    if isinstance(rng, HOST_STREAMS):
        traced = _tracing(xp, like)
        if traced is not None:
            raise ValueError(_traced_stream(rng, *traced, func))
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


_ACCEPTED = (
    "None, an int, a numpy.random.SeedSequence, BitGenerator or Generator, "
    f"or the output backend's own generator ({', '.join(GENERATORS.values())})"
)
"""What ``rng`` accepts, in words, for messages."""


def _unknown(rng: object, func: str) -> str:
    kind = f"{type(rng).__module__}.{type(rng).__qualname__}"
    return f"{func}() expects rng to be {_ACCEPTED}; got {kind}."


def _fresh(xp: Namespace, device: Device, func: str, like: Array) -> Source:
    """Fresh entropy: the library's own generator where it has one."""
    fresh = getattr(backend_of(xp), "fresh_source", None)
    if fresh is not None:
        found: Source = fresh(device, func, like)
        return found
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


def _tracing(xp: Namespace, like: Array) -> tuple[str, str] | None:
    """Where Python runs once for many calls, in words, and what to pass
    instead of a host stream there; None when it does not.

    A JAX tracer (as `like`, or inside a JAX transformation), a
    ``tf.function`` graph (their backends' ``tracing``), or an ndonnx array
    without a value.
    """
    tracing = getattr(backend_of(xp), "tracing", None)
    if tracing is not None:
        found: tuple[str, str] | None = tracing(like)
        return found
    if _without_value(like):
        return (
            "for an ndonnx array without a value (an input of an ONNX graph)",
            "An ONNX graph cannot draw: draw outside it and pass the result in",
        )
    return None


def _traced_stream(rng: object, where: str, instead: str, func: str) -> str:
    """Why a NumPy generator is refused where Python runs once, and what to do."""
    kind = f"numpy.random.{type(rng).__name__}"
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


def _native(rng: object, xp: Namespace, device: Device, func: str) -> Source | None:
    """A library generator's `Source`, or None if `rng` is no known generator.

    The output's own library is asked first; a generator of another imported
    library is refused by that library's ``native_source``.
    """
    own = backend_of(xp)
    others = (backend for backend in generator_backends() if backend is not own)
    for backend in itertools.chain([own], others):
        native = getattr(backend, "native_source", None)
        if native is not None:
            found: Source | None = native(rng, xp, device, func)
            if found is not None:
                return found
    return None


class HostSource:
    """The portable stream: NumPy on the host, then moved to the device."""

    def __init__(self, gen: np.random.Generator, xp: Namespace, device: Device) -> None:
        self.gen, self.xp, self.device = gen, xp, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: DType) -> Array:
        return self._move(self.gen.standard_normal(shape) * scale, dtype)

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: DType
    ) -> Array:
        # Rejection in stream order: the values are the standard normals of
        # the stream with those beyond +-2 left out.
        n = math.prod(shape)
        kept = np.empty(0)
        while kept.size < n:
            z = self.gen.standard_normal(max(n - kept.size, 1))
            kept = np.concatenate([kept, z[np.abs(z) <= TRUNCATION]])
        return self._move(kept[:n].reshape(shape) * scale, dtype)

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        return self.xp.asarray(self.gen.random(shape) < p, device=self.device)

    def _move(self, values: np.ndarray, dtype: DType) -> Array:
        xp = self.xp
        if dtype == xp.float64:
            return xp.asarray(values, device=self.device)
        moved = xp.asarray(values.astype(np.float32), device=self.device)
        return moved if dtype == xp.float32 else xp.astype(moved, dtype)
