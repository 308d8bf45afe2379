"""The PyTorch fast path: torch's own ``elu`` kernel with exact coefficients.

``torch.ops.aten.elu(x, alpha, scale, 1.0)`` computes ``scale * x`` for
``x > 0`` and ``alpha * scale * expm1(x)`` otherwise, with ``alpha * scale``
multiplied in the kernel's compute type (float64 for float64, float32 for the
other dtypes).  Passing the ``alpha`` whose product with ``pos`` rounds in
that type to the correctly rounded ``neg`` gives the exact coefficient, where
``F.selu``'s float64 constants multiply to one ULP low (2.4 ULP against 1.4
here).  float32, float16 and bfloat16 run the kernel in their own dtype, as
``F.selu`` does: it is the fastest kernel torch has and its accuracy is the
bar PyTorch is held to (1.5 ULP in float32; widening to float64 would give
0.5 ULP at 1.5 to 6 times the time, see the performance page).  For the
default SELU constants ``F.selu``'s float32 coefficients already are the
correctly rounded ones, so ``torch.selu`` itself runs, the same bits with
less overhead.  Autograd goes through torch's own backward.

The derivative is a short ``where`` / ``exp`` expression, float32 widened to
float64 (torch's ``elu_backward`` maps NaN to ``scale``).  Devices other than
CPU and CUDA take the generic path, which knows which of them lack float64.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from .._compat import constant_when_traced
from .._constants import SELU_SCALE, SELU_SCALE_ALPHA
from .._generic import elu_family as _generic_family
from .._generic import elu_family_derivative as _generic_derivative
from .._out import store
from .._typing import Array

__all__ = ["elu_family", "elu_family_derivative", "quick", "quick_type"]


_DEVICES = ("cpu", "cuda")


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """PyTorch fast path of ``_generic.elu_family``."""
    result = None
    if x.device.type in _DEVICES:
        result = _kernel(x, pos, neg)
    if result is None:
        result = _generic_family(x, pos, neg, xp=xp)
    return result if out is None else store(result, out, xp)


def quick(x: Array, pos: float, neg: float, derivative: bool) -> Array | None:
    """`elu_family` for a plain tensor on CPU or CUDA, or ``None``.

    The public functions call this with exactly ``type(x) is torch.Tensor``
    and no ``out``, before any other check, to keep the per-call overhead
    near ``F.selu``'s; ``None`` sends them the long way (other dtypes,
    devices or coefficients, and the derivatives).
    """
    if derivative or not (x.is_cpu or x.is_cuda):
        return None
    if pos is SELU_SCALE and neg is SELU_SCALE_ALPHA and x.dtype in _NARROW:
        # selu's defaults: torch.selu at once, without `_kernel`'s frame and
        # lookups (a third of the overhead at 1e3 elements).
        return _SELU(x)
    return _kernel(x, pos, neg)


def quick_type() -> type:
    """The array type that `quick` takes: exactly ``torch.Tensor``."""
    return torch.Tensor


# torch.selu and the binding behind F.elu, looked up once (they cost less per
# call than the dispatcher of torch.ops.aten.elu), and the dtypes.  This
# module is imported only for arrays of torch (by `selu_xp._backends.lookup`).
_SELU = torch.selu
_ELU = torch._C._nn.elu
_FLOAT64 = torch.float64
_NARROW = (torch.float32, torch.float16, torch.bfloat16)


def _kernel(x: Array, pos: float, neg: float) -> Array | None:
    """torch's own kernel for `x`, or ``None`` where it cannot be exact."""
    dtype = x.dtype
    selu = pos == SELU_SCALE and neg == SELU_SCALE_ALPHA
    if dtype == _FLOAT64:
        alpha = _SELU_ALPHA64 if selu else kernel_alpha(pos, neg, True)
    elif dtype in _NARROW:
        if selu:
            return _SELU(x)
        alpha = kernel_alpha(pos, neg, False)
    else:
        return None
    if alpha is None:
        return None
    # torch's binding converts each float argument for about 0.25 us, so the
    # defaults (scale = input_scale = 1, alpha = 1) are left out.
    if pos != 1.0:
        return _ELU(x, alpha, pos)
    return _ELU(x) if alpha == 1.0 else _ELU(x, alpha)


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """PyTorch fast path of ``_generic.elu_family_derivative``."""
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


@constant_when_traced
def kernel_alpha(pos: float, neg: float, wide: bool) -> float | None:
    """The ``alpha`` whose product with ``pos`` rounds to ``neg`` in the kernel.

    With `wide` the kernel multiplies in float64, otherwise in float32 (the
    compute type of float32, float16 and bfloat16), and the target is ``neg``
    rounded to float32.  ``None`` for non-positive coefficients (the in-place
    kernel's backward needs ``alpha > 0``) or when no candidate near
    ``neg / pos`` rounds right.  Under ``torch.compile`` it is called while
    tracing, not traced (its NumPy float32 arithmetic cannot be), and the
    result is a constant of the graph.
    """
    return _kernel_alpha(pos, neg, wide)


@lru_cache(maxsize=64)
def _kernel_alpha(pos: float, neg: float, wide: bool) -> float | None:
    if not (pos > 0 and neg > 0):
        return None
    if wide:
        return _search(neg / pos, lambda a: a * pos == neg, math.nextafter)
    f32 = np.float32
    target, p = f32(neg), f32(pos)
    if not (math.isfinite(target) and math.isfinite(p) and target > 0 and p > 0):
        return None
    with np.errstate(all="ignore"):
        return _search(
            float(f32(neg / pos)),
            lambda a: f32(a) * p == target,
            lambda a, to: float(np.nextafter(f32(a), f32(to))),
        )


def _search(guess: float, good: Any, step: Any) -> float | None:
    """The first of ``guess`` and its neighbours (by `step`) that is `good`."""
    down = up = guess
    for _ in range(8):
        for candidate in (down, up):
            if candidate > 0 and good(candidate):
                return candidate
        down = step(down, -math.inf)
        up = step(up, math.inf)
    return None


_SELU_ALPHA64 = kernel_alpha(SELU_SCALE, SELU_SCALE_ALPHA, True)
