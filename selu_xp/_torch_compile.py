"""Random draws that ``torch.compile(fullgraph=True)`` can trace, for any ``rng``.

TorchDynamo (torch 2.13) cannot put a ``torch.Generator`` into a graph: a
call such as ``torch.rand(shape, generator=g)`` inside a compiled function
stops it with "Failed to convert args/kwargs to proxy" (pytorch/pytorch#88574),
as does NumPy's generator behind an integer seed.  What it can trace is a
custom operator taking an *opaque reference object* (torch's
``register_opaque_type``), which goes into the graph as a black box and
reaches the operator, unchanged, on every call.

So under tracing every draw becomes one call of the operator
``selu_xp::draw``, whose opaque argument holds ``rng`` and the output's
namespace and device.  On each call of the compiled function the operator
runs `selu_xp._random.eager_source` and the draw eagerly, exactly as an
uncompiled call does: the numbers are bit for bit those of eager mode,
from the same generator state, and the generator advances the same way.
``rng=None`` seeds a fresh generator from the operating system on every call,
an integer seed gives the same numbers on every call, as eagerly.  The
operator carries torch's ``nondeterministic_seeded`` tag, so that the
compiler neither merges nor drops two draws, and passes a token from each
draw to the next, so that it keeps them in program order: Inductor otherwise
schedules independent operators as suits its fusions, and two draws from one
generator swapped would give other numbers than eager mode.

The opaque object is made while tracing, by a function the compiler calls
instead of tracing (`selu_xp._compat.constant_when_traced`), which also
checks ``rng`` then, as an eager call would.  The compiler guards on the
identity of a generator given as ``rng``: another generator compiles anew.

This module imports torch and uses its opaque objects (private modules of
torch 2.13); `selu_xp._sources` imports it only while torch is tracing.
"""

from __future__ import annotations

from typing import Any

import torch
from torch._library.opaque_object import register_opaque_type
from torch._opaque_base import OpaqueBase

from . import _random
from ._compat import array_namespace, constant_when_traced
from ._typing import Array, Device, DType, Namespace

__all__ = ["Deferred", "generator_source", "source"]


class _Arguments(OpaqueBase):
    """The arguments of `selu_xp._random.eager_source`, in the graph as a black box."""

    def __init__(self, rng: object, xp: Namespace, device: Device, func: str) -> None:
        self.rng, self.xp, self.device, self.func = rng, xp, device, func


register_opaque_type(_Arguments, typ="reference")

# The array API namespace of torch tensors, for `generator_source`.
_XP = array_namespace(torch.empty(0))


# The token that orders the draws: each draw takes the one the draw before it
# returned.  A module global, so that draws in different functions, and in
# successive compiled graphs, are chained too; only traced code uses it.
_TOKEN = torch.zeros(0)


@torch.library.custom_op(
    "selu_xp::draw", mutates_args=(), tags=(torch.Tag.nondeterministic_seeded,)
)
def _draw(
    token: torch.Tensor,
    arguments: _Arguments,
    method: str,
    shape: list[int],
    parameter: float,
    dtype: torch.dtype,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The next token and ``source(...).method(shape, parameter[, dtype])``."""
    a = arguments
    draw = _random.eager_source(a.rng, a.xp, a.device, a.func)
    if method == "bernoulli":
        result = draw.bernoulli(tuple(shape), parameter)
    else:
        result = getattr(draw, method)(tuple(shape), parameter, dtype)
    return torch.empty_like(token), result


@_draw.register_fake
def _draw_fake(
    token: Any, _: Any, __: str, shape: Any, ___: float, dtype: DType, device: Device
) -> Any:
    """`_draw`'s output tensors, empty, for tracing."""
    return torch.empty_like(token), torch.empty(shape, dtype=dtype, device=device)


@constant_when_traced
def _arguments(rng: object, xp: Namespace, device: Device, func: str) -> _Arguments:
    """`rng` checked as an eager call checks it, boxed for `_draw`."""
    _random.eager_source(rng, xp, device, func)
    return _Arguments(rng, xp, device, func)


class Deferred:
    """The `selu_xp._random.Source` of traced code: draws by `_draw` at run time."""

    def __init__(self, rng: object, xp: Namespace, device: Device, func: str) -> None:
        self.arguments = _arguments(rng, xp, device, func)
        self.device = torch.device(device)

    def normal(self, shape: tuple[int, ...], scale: float, dtype: DType) -> Array:
        return self._call("normal", shape, scale, dtype)

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: DType
    ) -> Array:
        return self._call("truncated_normal", shape, scale, dtype)

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        return self._call("bernoulli", shape, p, torch.bool)

    def _call(
        self, method: str, shape: tuple[int, ...], parameter: float, dtype: DType
    ) -> Array:
        global _TOKEN
        args = (self.arguments, method, list(shape), parameter, dtype, self.device)
        _TOKEN, result = _draw(_TOKEN, *args)
        return result


def source(rng: object, xp: Namespace, device: Device, func: str) -> _random.Source:
    """The `Source` of `selu_xp._sources.source` while torch is tracing."""
    return Deferred(rng, xp, device, func)


def generator_source(generator: Any, device: Device, func: str) -> _random.Source:
    """`selu_xp._sources.torch_source` for a ``torch.Generator``, traced."""
    return Deferred(generator, _XP, device, func)
