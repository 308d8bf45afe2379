"""The PyTorch fast path: torch's own ``elu`` kernel with exact coefficients.

``torch.ops.aten.elu(x, alpha, scale, 1.0)`` computes ``scale * x`` for
``x > 0`` and ``alpha * scale * expm1(x)`` otherwise, with ``alpha * scale``
multiplied in the kernel's compute type.  Passing the double ``alpha`` whose
product with ``pos`` rounds to exactly ``neg`` gives the correctly rounded
coefficient in float64, where ``F.selu``'s own constants are one ULP off
(2.4 ULP against 1.4 here).  float32 is computed in float64 and rounded once
(float32 kernels cannot be held to 1 ULP), float16 and bfloat16 in float32;
on CPU, large arrays are widened one cache-sized chunk at a time.
Autograd goes through torch's own ``elu`` backward.

The derivative is a short ``where`` / ``exp`` expression in the same working
dtype (torch's ``elu_backward`` maps NaN to ``scale``).  Devices other than CPU
and CUDA take the generic path, which knows which of them lack float64.
"""

from __future__ import annotations

import math
import sys
from functools import lru_cache
from typing import Any

from ._generic import elu_family as _generic_family
from ._generic import elu_family_derivative as _generic_derivative
from ._out import store

__all__ = ["elu_family", "elu_family_derivative"]

Array = Any

_DEVICES = ("cpu", "cuda")

CHUNK = 1 << 19
"""Elements per chunk when widening on CPU: 4 MiB of float64 scratch."""


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """PyTorch fast path of ``_generic.elu_family``."""
    torch = sys.modules["torch"]
    alpha = kernel_alpha(pos, neg)
    if alpha is None or x.device.type not in _DEVICES:
        result = _generic_family(x, pos, neg, xp=xp)
    elif x.dtype == torch.float64:
        result = torch.ops.aten.elu(x, alpha, pos, 1.0)
    else:
        work = torch.float64 if x.dtype == torch.float32 else torch.float32
        if x.requires_grad and torch.is_grad_enabled():
            # The out-of-place backward uses exp(x): accurate far left too.
            result = torch.ops.aten.elu(x.to(work), alpha, pos, 1.0).to(x.dtype)
        elif _chunks_pay(torch, x):
            result = _widened_in_chunks(torch, x, alpha, pos, work)
        else:
            wide = x.to(work)  # always a copy
            torch.ops.aten.elu_(wide, alpha, pos, 1.0)
            result = wide.to(x.dtype)
    return result if out is None else store(result, out, xp)


def _chunks_pay(torch: Any, x: Array) -> bool:
    """Whether to widen `x` chunk by chunk: large, contiguous, on CPU, eager."""
    return bool(
        x.device.type == "cpu"
        and x.numel() > CHUNK
        and x.is_contiguous()
        and not torch.compiler.is_compiling()
    )


def _widened_in_chunks(
    torch: Any, x: Array, alpha: float, pos: float, work: Any
) -> Array:
    """``elu`` of `x` computed in `work` through one cache-sized scratch buffer.

    Widening the whole array would write and read it again at twice the size;
    one chunk at a time stays in the cache.  Same kernel, same bits.
    """
    result = torch.empty_like(x)
    flat_x, flat_out = x.reshape(-1), result.view(-1)
    n = flat_x.numel()
    scratch = torch.empty(CHUNK, dtype=work)
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        wide = scratch[: stop - start]
        wide.copy_(flat_x[start:stop])
        torch.ops.aten.elu_(wide, alpha, pos, 1.0)
        flat_out[start:stop].copy_(wide)
    return result


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """PyTorch fast path of ``_generic.elu_family_derivative``."""
    torch = sys.modules["torch"]
    if x.device.type not in _DEVICES:
        result = _generic_derivative(x, pos, neg, xp=xp)
    else:
        work = {torch.float64: torch.float64, torch.float32: torch.float64}.get(
            x.dtype, torch.float32
        )
        wide = x.to(work)
        left = torch.exp(torch.clamp(wide, max=0.0)) * neg
        result = torch.where(wide > 0, pos, left).to(x.dtype)
    return result if out is None else store(result, out, xp)


@lru_cache(maxsize=64)
def kernel_alpha(pos: float, neg: float) -> float | None:
    """The double ``alpha`` with ``alpha * pos == neg`` after rounding, if any.

    ``None`` for non-positive coefficients (the in-place kernel's backward
    needs ``alpha > 0``) or when no double near ``neg / pos`` rounds right.
    """
    if not (pos > 0 and neg > 0):
        return None
    guess = neg / pos
    down = up = guess
    for _ in range(8):
        for candidate in (down, up):
            if candidate * pos == neg:
                return candidate
        down = math.nextafter(down, -math.inf)
        up = math.nextafter(up, math.inf)
    return None
