"""The CuPy fast path: the compiled kernel's scalar source in an
``ElementwiseKernel``.

The kernel is ``elu_family.h``, the same text that NumPy's ufunc loops are
compiled from, built by NVRTC with ``--fmad=false`` so that no multiply and
add is contracted: each dtype runs the header's element function of the NumPy
kernel's loops, so the results are the same bits (float16 and float32
correctly rounded, float64 within 1 ULP).  Each element is read once and
written once; float16 elements travel as their bits (``uint16``), which the
header's float16 element reads and writes.  The coefficients are kernel
arguments, so one compiled kernel per dtype serves every parameter.
"""

from __future__ import annotations

import sys
import threading
from importlib import resources
from types import ModuleType
from typing import Any

from .._compat import is_cupy_namespace
from .._constants import LOWER_TAIL, TRUNCATION
from .._generic import elu_family as _generic_family
from .._generic import elu_family_derivative as _generic_derivative
from .._kernels.coefficients import kernel_coefficients
from .._out import store
from .._typing import Array, Device, DType, Namespace
from .._validation import check_rng_library

__all__ = ["elu_family", "elu_family_derivative", "fresh_source", "native_source"]


_PARAMS = "float64 pos_hi, float64 pos_lo, float64 neg_hi, float64 neg_lo"
_COEF = "const sx_coef c = {pos_hi, pos_lo, neg_hi, neg_lo};"
# Per dtype: the suffix of the header's element functions, what they take
# before the coefficients (the float64 table, which a GPU computes entry by
# entry: none), and the type the kernel reads and writes.
_ELEMENTS = {
    "float64": ("f64", "0, ", "float64"),
    "float32": ("f32", "", "float32"),
    "float16": ("f16", "", "uint16"),
}

_KERNELS: dict[tuple[str, bool], Any] = {}
_KERNELS_LOCK = threading.Lock()


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """CuPy fast path of ``_generic.elu_family``."""
    return _run(x, pos, neg, xp, out, derivative=False)


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """CuPy fast path of ``_generic.elu_family_derivative``."""
    return _run(x, pos, neg, xp, out, derivative=True)


def _run(
    x: Array, pos: float, neg: float, xp: Any, out: Array, *, derivative: bool
) -> Array:
    name = str(x.dtype)
    coefficients = kernel_coefficients(pos, neg)
    if name not in _ELEMENTS or coefficients is None:
        f = _generic_derivative if derivative else _generic_family
        result = f(x, pos, neg, xp=xp)
        return result if out is None else store(result, out, xp)
    kernel = _kernel(name, derivative)
    travels = _ELEMENTS[name][2]
    if out is None:
        return _as(kernel(_as(x, travels), *coefficients), name)
    if _overlap(x, out):
        return store(_as(kernel(_as(x, travels), *coefficients), name), out, xp)
    kernel(_as(x, travels), *coefficients, _as(out, travels))
    return out


def _as(x: Array, dtype: str) -> Array:
    """`x`, or a view of its elements' bits as `dtype` (of the same size)."""
    return x if str(x.dtype) == dtype else x.view(dtype)


def source() -> str:
    """The scalar source that the kernels are compiled from."""
    return resources.files("selu_xp._kernels").joinpath("elu_family.h").read_text()


def kernel_arguments(dtype: str, derivative: bool) -> tuple[str, str, str, str]:
    """``ElementwiseKernel``'s ``in_params``, ``out_params``, ``operation``
    and ``name`` for the kernel of `dtype`, whose preamble is `source`."""
    suffix, before, travels = _ELEMENTS[dtype]
    kind = "derivative" if derivative else "family"
    return (
        f"{travels} x, {_PARAMS}",
        f"{travels} y",
        f"{_COEF} y = sx_{kind}_{suffix}(x, {before}&c);",
        f"selu_xp_elu_{kind}_{dtype}",
    )


def _kernel(dtype: str, derivative: bool) -> Any:
    key = (dtype, derivative)
    with _KERNELS_LOCK:
        kernel = _KERNELS.get(key)
        if kernel is None:
            cupy = sys.modules["cupy"]
            kernel = cupy.ElementwiseKernel(
                *kernel_arguments(dtype, derivative),
                preamble=source(),
                options=("--fmad=false",),
            )
            _KERNELS[key] = kernel
        return kernel


def _overlap(x: Array, out: Array) -> bool:
    """Whether `out` overlaps `x` other than as exactly the same elements."""
    if x.data.ptr == out.data.ptr and x.strides == out.strides:
        return False
    cupy = sys.modules["cupy"]
    may_share = getattr(cupy, "may_share_memory", None)
    return True if may_share is None else bool(may_share(x, out))


class CupySource:
    """Native draws with a cupy.random.Generator on the current device."""

    def __init__(self, gen: Any, cupy: ModuleType, device: Device) -> None:
        self.gen, self.cupy, self.device = gen, cupy, device

    def normal(self, shape: tuple[int, ...], scale: float, dtype: DType) -> Array:
        with self.device:
            z = self.gen.standard_normal(shape, dtype=self._work(dtype))
            return (z * scale).astype(dtype)

    def truncated_normal(
        self, shape: tuple[int, ...], scale: float, dtype: DType
    ) -> Array:
        from cupyx.scipy import special

        with self.device:
            u = self.gen.random(shape, dtype=self._work(dtype))
            p = LOWER_TAIL + u * (1.0 - 2.0 * LOWER_TAIL)
            z = self.cupy.clip(special.ndtri(p), -TRUNCATION, TRUNCATION)
            return (z * scale).astype(dtype)

    def bernoulli(self, shape: tuple[int, ...], p: float) -> Array:
        with self.device:
            return self.gen.random(shape) < p

    def _work(self, dtype: DType) -> DType:
        cupy = self.cupy
        return cupy.float64 if dtype == cupy.float64 else cupy.float32


def native_source(
    rng: object, xp: Namespace, device: Device, func: str
) -> CupySource | None:
    """`rng`'s source if it is a ``cupy.random.Generator`` (for `xp`)."""
    cupy = sys.modules["cupy"]
    if not isinstance(rng, cupy.random.Generator):
        return None
    check_rng_library("cupy.random.Generator", is_cupy_namespace(xp), xp, func)
    return CupySource(rng, cupy, device)


def fresh_source(device: Device, func: str, like: Array) -> CupySource:
    """A new generator on `device`, seeded from fresh entropy."""
    cupy = sys.modules["cupy"]
    with device:
        return CupySource(cupy.random.default_rng(), cupy, device)
