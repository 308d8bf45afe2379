"""The PyTorch fast path: the compiled kernel on CPU tensors.

CPU tensors of float16, bfloat16, float32 and float64 run the kernel of
`selu_xp._backends.numpy` on their own memory (no copy for contiguous
tensors), so they get its bits: correctly rounded in float32 and the half
dtypes, within 1 ULP in float64, the same as NumPy's.

* A plain call (no autograd to record, not traced) calls the kernel at
  once through ``_ufunc.apply``, for an overhead near ``F.selu``'s.
* Everything else goes through the custom operator ``selu_xp::elu_family``
  (`_operator`): autograd, with a backward from the derivative kernel, so
  that ``x.grad`` has the bits of ``selu_derivative`` and second
  derivatives hold; ``torch.compile``, where the operator is opaque, so
  Inductor cannot rewrite expm1 as ``exp(x) - 1``; ``torch.func``'s
  transforms; and the ``meta`` device and fake tensors.

CUDA tensors run torch's ``aten.elu`` with the ``alpha`` whose product with
``pos`` rounds to the correctly rounded ``neg`` in the kernel's compute type
(`kernel_alpha`), and a ``where`` / ``exp`` derivative; other devices, and
coefficients outside the kernel's range, take the generic path.

Random numbers are drawn natively by a ``torch.Generator`` on its device
(`TorchSource`), or by torch's default generator of the device where it has
no generator objects (``meta``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np
import torch

from .._compat import constant_when_traced, is_torch_namespace
from .._constants import LOWER_TAIL, TRUNCATION
from .._generic import elu_family as _generic_family
from .._generic import elu_family_derivative as _generic_derivative
from .._out import store
from .._typing import Array, Device, DType, Namespace
from .._validation import check_rng_device, check_rng_library
from .numpy import kernel_module, kernel_ufunc_for

__all__ = [
    "TorchSource",
    "elu_family",
    "elu_family_derivative",
    "fresh_source",
    "native_source",
    "quick",
    "quick_out",
    "quick_type",
]


_KERNEL = kernel_module()
_APPLY: Any = None if _KERNEL is None else _KERNEL.apply
# The kernel's type codes (``_ufunc.apply``).
_CODES = {torch.float16: 0, torch.bfloat16: 1, torch.float32: 2, torch.float64: 3}
_WRAPPED = torch._C._functorch.is_functorch_wrapped_tensor
_TENSOR = torch.Tensor
_PLAIN_TYPES = (torch.Tensor, torch.nn.Parameter)
_COMPILING = torch.compiler.is_compiling
_GRAD_ENABLED = torch.is_grad_enabled
_EMPTY_LIKE = torch.empty_like
# The kernel's ufuncs of `quick`'s calls (the default coefficients), by
# ``(pos, neg, derivative)``.
_QUICK_UFUNCS: dict[tuple[float, float, bool], Any] = {}


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Namespace, out: Array = None
) -> Array:
    """PyTorch fast path of ``_generic.elu_family``."""
    return _run(x, pos, neg, False, xp, out)


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Namespace, out: Array = None
) -> Array:
    """PyTorch fast path of ``_generic.elu_family_derivative``."""
    return _run(x, pos, neg, True, xp, out)


def _run(
    x: Array, pos: float, neg: float, derivative: bool, xp: Namespace, out: Any
) -> Any:
    kind = x.device.type
    result = None
    if kind in ("cpu", "meta") and on_kernel(pos, neg, x.dtype):
        if out is not None and _writes_directly(x, out):
            return _into(kernel_ufunc_for(pos, neg, derivative), x, out)
        result = _kernel(x, pos, neg, derivative)
    elif kind == "cuda":
        result = _cuda(x, pos, neg, derivative)
    if result is None:
        if (x.requires_grad and torch.is_grad_enabled()) or _WRAPPED(x):
            result = _Generic.apply(x, pos, neg, derivative)  # type: ignore[no-untyped-call]
        else:
            result = _generic(x, pos, neg, derivative)
    return result if out is None else store(result, out, xp)


def _generic(x: Array, pos: float, neg: float, derivative: bool) -> Array:
    from .._compat import array_namespace

    f = _generic_derivative if derivative else _generic_family
    return f(x, pos, neg, xp=array_namespace(x))


def quick(x: Array, pos: float, neg: float, derivative: bool) -> Array | None:
    """`elu_family` (or its derivative) of a plain tensor, or ``None``.

    The public functions call this with exactly ``type(x) is torch.Tensor``
    and no ``out``, before any other check, to keep the per-call overhead
    near ``F.selu``'s; ``None`` sends them the long way (other dtypes and
    devices, and coefficients outside the kernel's range).
    """
    # `_plain` and `_new` written out, and the ufunc from a dict: this is
    # every default call's path, where each Python call is a tenth of a
    # microsecond.
    if x.is_cpu:
        code = _CODES.get(x.dtype)
        if code is None:
            return None
        if _COMPILING() or (x.requires_grad and _GRAD_ENABLED()) or _WRAPPED(x):
            return _kernel(x, pos, neg, derivative)
        f = _QUICK_UFUNCS.get((pos, neg, derivative))
        if f is None:
            f = kernel_ufunc_for(pos, neg, derivative)
            if f is None:
                return None
            if len(_QUICK_UFUNCS) < 16:
                _QUICK_UFUNCS[(pos, neg, derivative)] = f
        if not x.is_contiguous():
            x = x.contiguous()
        y = _EMPTY_LIKE(x)
        _APPLY(f, code, x.data_ptr(), y.data_ptr(), x.numel())
        return y
    if x.is_cuda:
        return _cuda(x, pos, neg, derivative)
    return None


def quick_out(x: Array, out: Any, pos: float, neg: float, derivative: bool) -> Any:
    """`quick` writing into `out`, or ``None`` (then the long way checks it)."""
    if type(out) is not _TENSOR or not x.is_cpu or not _writes_directly(x, out):
        return None
    f = kernel_ufunc_for(pos, neg, derivative)
    return None if f is None else _into(f, x, out)


def quick_type() -> type:
    """The array type that `quick` takes: exactly ``torch.Tensor``."""
    return torch.Tensor


def _into(f: Any, x: Array, y: Array) -> Array:
    """The kernel's ufunc `f` from contiguous `x`'s memory into `y`'s."""
    _APPLY(f, _CODES[x.dtype], x.data_ptr(), y.data_ptr(), x.numel())
    return y


def _new(f: Any, x: Array) -> Array:
    """`_into` a new tensor (contiguous, as `_operator` returns)."""
    x = x.contiguous()
    return _into(f, x, torch.empty_like(x))


def _plain(x: Array) -> bool:
    """Whether `x` can go straight to the kernel: nothing to record or trace."""
    if torch.compiler.is_compiling():
        return False
    if x.requires_grad and torch.is_grad_enabled():
        return False
    return not bool(_WRAPPED(x))


def _writes_directly(x: Array, out: Any) -> bool:
    """Whether the kernel can write `out` from `x` directly: plain contiguous
    CPU tensors of one dtype and shape, `out` either `x` itself or apart
    from it (anything else is computed, then copied)."""
    if not (
        type(x) is _TENSOR
        and out.is_cpu
        and out.dtype == x.dtype
        and x.dtype in _CODES
        and out.shape == x.shape
        and x.is_contiguous()
        and out.is_contiguous()
        and _plain(x)
        and _plain(out)
    ):
        return False
    start: int = x.data_ptr()
    other: int = out.data_ptr()
    size = x.numel() * x.element_size()
    return other == start or other + size <= start or start + size <= other


def _kernel(x: Array, pos: float, neg: float, derivative: bool) -> Array | None:
    """The kernel on CPU (or meta) tensor `x`, ``None`` where it cannot run.

    Under ``torch.compile`` the custom operator, with its registered
    autograd; with autograd to record, or under ``torch.func``'s
    transforms, `_Differentiable`; else at once.
    """
    if not on_kernel(pos, neg, x.dtype):
        return None
    if torch.compiler.is_compiling():
        return _operator(x, pos, neg, derivative)
    if (x.requires_grad and torch.is_grad_enabled()) or _WRAPPED(x):
        return _Differentiable.apply(x, pos, neg, derivative)  # type: ignore[no-untyped-call]
    return _eager(x, pos, neg, derivative)


def _eager(x: Array, pos: float, neg: float, derivative: bool) -> Array:
    """The kernel on an untraced CPU tensor's memory, else the operator."""
    if type(x) in _PLAIN_TYPES and x.device.type == "cpu" and not _WRAPPED(x):
        return _new(kernel_ufunc_for(pos, neg, derivative), x)
    return _operator(x, pos, neg, derivative)


@constant_when_traced
def on_kernel(pos: float, neg: float, dtype: DType) -> bool:
    """Whether the kernel computes these coefficients for `dtype` (it is built,
    and ``|neg|`` is in its range); a constant of the graph under
    ``torch.compile``."""
    return bool(dtype in _CODES and kernel_ufunc_for(pos, neg, False) is not None)


# ---- the custom operator ---------------------------------------------------


@torch.library.custom_op("selu_xp::elu_family", mutates_args=(), device_types="cpu")
def _operator(
    x: torch.Tensor, pos: float, neg: float, derivative: bool
) -> torch.Tensor:
    """The kernel's ``f(x)`` (or ``f'(x)``) as a new contiguous tensor."""
    y: torch.Tensor = _new(kernel_ufunc_for(pos, neg, derivative), x)
    return y


@_operator.register_fake
def _operator_fake(x: Any, pos: float, neg: float, derivative: bool) -> Any:
    """`_operator`'s result, empty, for tracing and the meta device."""
    return torch.empty_like(x, memory_format=torch.contiguous_format)


class _Differentiable(torch.autograd.Function):
    """`_operator` with its derivative from the derivative kernel.

    An ``autograd.Function`` rather than the operator's own autograd
    registration, which torch's functional transforms (``torch.func.grad``,
    ``jacrev``) refuse; its backward calls this function again, so every
    order of derivative, under every transform, comes from the kernel.
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(x: Any, pos: float, neg: float, derivative: bool) -> Any:
        return _eager(x, pos, neg, derivative)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, pos, neg, derivative = inputs
        ctx.save_for_backward(x)
        ctx.coefficients = (pos, neg, derivative)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any, None, None, None]:
        """``grad * f'(x)``; for ``f'`` itself ``grad * f''(x)``, where
        ``f''`` is ``f'`` left of 0 and 0 right of it."""
        return _chain(ctx, grad, _Differentiable.apply)


class _Generic(torch.autograd.Function):
    """The generic path (devices without the kernel, coefficients outside
    its range) with its derivative from the generic derivative, as
    `_Differentiable`: its float64 evaluation's table lookups and the
    narrow dtypes' exact corrections have no useful automatic derivative."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x: Any, pos: float, neg: float, derivative: bool) -> Any:
        return _generic(x, pos, neg, derivative)

    setup_context = _Differentiable.setup_context

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any, None, None, None]:
        """``grad * f'(x)`` from the generic derivative (`_chain`)."""
        return _chain(ctx, grad, _Generic.apply)


def _setup(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
    _Differentiable.setup_context(ctx, inputs, output)


def _backward(ctx: Any, grad: Any) -> tuple[Any, None, None, None]:
    """`_Differentiable`'s backward with the operator, for ``torch.compile``
    (which traces the operator's registered autograd without a warning)."""
    return _chain(ctx, grad, _operator)


def _chain(ctx: Any, grad: Any, slope_of: Any) -> tuple[Any, None, None, None]:
    """``grad * f'(x)``, f' from ``slope_of(x, pos, neg, True)`` (the
    derivative kernel); for ``f'`` itself ``grad * f''(x)``, where ``f''``
    is ``f'`` left of 0 and 0 right of it."""
    (x,) = ctx.saved_tensors
    pos, neg, derivative = ctx.coefficients
    slope = slope_of(x, pos, neg, True)
    if derivative:
        slope = torch.where(x > 0, torch.zeros_like(slope), slope)
    return grad * slope, None, None, None


_operator.register_autograd(_backward, setup_context=_setup)


@_operator.register_vmap
def _operator_vmap(
    info: Any,
    in_dims: tuple[Any, ...],
    x: Any,
    pos: float,
    neg: float,
    derivative: bool,
) -> tuple[Any, Any]:
    """Elementwise: the operator on the whole batch, batched the same way."""
    return _operator(x, pos, neg, derivative), in_dims[0]


# ---- CUDA: torch's own kernel with exact coefficients ----------------------

_ELU = torch._C._nn.elu
_FLOAT64 = torch.float64
_NARROW = (torch.float32, torch.float16, torch.bfloat16)


def _cuda(x: Array, pos: float, neg: float, derivative: bool) -> Array | None:
    """torch's own CUDA kernel for `x`, or ``None`` where it cannot be exact.

    ``aten.elu(x, alpha, scale, 1.0)`` computes ``scale * x`` for ``x > 0``
    and ``alpha * scale * expm1(x)`` otherwise, with ``alpha * scale``
    multiplied in the kernel's compute type; `kernel_alpha` makes that
    product the correctly rounded ``neg``.
    """
    if derivative:
        work = (
            torch.float64
            if x.dtype in (torch.float32, torch.float64)
            else torch.float32
        )
        wide = x.to(work)
        left = torch.exp(torch.clamp(wide, max=0.0)) * neg
        return torch.where(wide > 0, pos, left).to(x.dtype)
    dtype = x.dtype
    if dtype == _FLOAT64:
        alpha = kernel_alpha(pos, neg, True)
    elif dtype in _NARROW:
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


class TorchSource:
    """Native draws with a torch.Generator on its device (None: the default one)."""

    def __init__(self, gen: Any, torch: ModuleType, device: Device) -> None:
        self.gen, self.torch, self.device = gen, torch, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: DType) -> Array:
        work = self._work(dtype)
        z = self.torch.randn(shape, generator=self.gen, dtype=work, device=self.device)
        return (z * scale).to(dtype)

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: DType
    ) -> Array:
        # Inverse CDF: uniform on [Phi(-2), Phi(2)], through the normal quantile.
        torch = self.torch
        work = self._work(dtype)
        u = torch.rand(shape, generator=self.gen, dtype=work, device=self.device)
        p = LOWER_TAIL + u * (1.0 - 2.0 * LOWER_TAIL)
        z = torch.special.ndtri(p).clamp(-TRUNCATION, TRUNCATION)
        return (z * scale).to(dtype)

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        u = self.torch.rand(shape, generator=self.gen, device=self.device)
        return u < p

    def _work(self, dtype: DType) -> DType:
        return self.torch.float64 if dtype == self.torch.float64 else self.torch.float32


def native_source(
    rng: object, xp: Namespace, device: Device, func: str
) -> TorchSource | None:
    """`rng`'s source if it is a ``torch.Generator`` (for `xp` on `device`)."""
    if not isinstance(rng, torch.Generator):
        return None
    check_rng_library("torch.Generator", is_torch_namespace(xp), xp, func)
    check_rng_device(_full_device(rng.device), _full_device(device), func)
    return TorchSource(rng, torch, device)


def fresh_source(device: Device, func: str, like: Array) -> TorchSource:
    """A new generator on `device`, seeded from fresh entropy."""
    try:
        gen = torch.Generator(device=device)
    except RuntimeError:
        # Devices without generator objects (meta): torch's own default
        # stream for the device, which is fresh entropy too.
        return TorchSource(None, torch, device)
    gen.seed()
    return TorchSource(gen, torch, device)


def _full_device(device: Device) -> torch.device:
    """`device` as a torch.device with its index filled in."""
    dev = torch.device(device)
    index: int | None = dev.index  # None where no index was given
    if index is None and dev.type != "cpu":
        module = getattr(torch, dev.type, None)
        if module is not None and hasattr(module, "current_device"):
            return torch.device(dev.type, module.current_device())
    return dev
