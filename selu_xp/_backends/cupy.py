"""The CuPy fast path: the compiled kernel's scalar source in an
``ElementwiseKernel``.

The kernel is ``elu_family.h``, the same text that NumPy's ufunc loops are
compiled from, built by NVRTC with ``--fmad=false`` so that no multiply and
add is contracted: float32 and float64 results are the same bits as the
NumPy kernel's (float32 correctly rounded, float64 within 1 ULP).  Each
element is read once and written once.  float16 goes through float32 rounded
to odd, which keeps its single rounding.  The coefficients are kernel
arguments, so one compiled kernel per dtype serves every parameter.
"""

from __future__ import annotations

import sys
import threading
from importlib import resources
from typing import Any

from .._generic import elu_family as _generic_family
from .._generic import elu_family_derivative as _generic_derivative
from .._out import store
from .._typing import Array
from .numpy import kernel_coefficients

__all__ = ["elu_family", "elu_family_derivative"]


_PARAMS = "float64 pos_hi, float64 pos_lo, float64 neg_hi, float64 neg_lo"
_COEF = "const sx_coef c = {pos_hi, pos_lo, neg_hi, neg_lo};"
# The operation per (dtype, derivative).
_BODIES = {
    ("float64", False): "y = sx_family_f64(x, 0, &c);",
    ("float64", True): "y = sx_derivative_f64(x, 0, &c);",
    ("float32", False): "y = sx_family_f32(x, &c);",
    ("float32", True): "y = sx_derivative_f32(x, &c);",
}
_HALF = """
const double v = (double)(float)x;
double r = sx_{kind}_fast(v, &c);
if (sx_hard_f16(r)) r = sx_{kind}_exact(v, &c);
float f = __double2float_rz(r);
if ((double)f != r) f = __int_as_float(__float_as_int(f) | 1);
y = float16(f);
"""
for _derivative in (False, True):
    _kind = "derivative" if _derivative else "family"
    _BODIES["float16", _derivative] = _HALF.replace("{kind}", _kind)

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
    if (name, derivative) not in _BODIES or coefficients is None:
        f = _generic_derivative if derivative else _generic_family
        result = f(x, pos, neg, xp=xp)
        return result if out is None else store(result, out, xp)
    kernel = _kernel(name, derivative)
    if out is None:
        return kernel(x, *coefficients)
    if _overlap(x, out):
        return store(kernel(x, *coefficients), out, xp)
    kernel(x, *coefficients, out)
    return out


def source() -> str:
    """The scalar source that the kernels are compiled from."""
    return resources.files("selu_xp._kernels").joinpath("elu_family.h").read_text()


def _kernel(dtype: str, derivative: bool) -> Any:
    key = (dtype, derivative)
    with _KERNELS_LOCK:
        kernel = _KERNELS.get(key)
        if kernel is None:
            cupy = sys.modules["cupy"]
            kind = "derivative" if derivative else "family"
            kernel = cupy.ElementwiseKernel(
                f"{dtype} x, {_PARAMS}",
                f"{dtype} y",
                f"{_COEF} {_BODIES[key]}",
                f"selu_xp_elu_{kind}_{dtype}",
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
