"""The CuPy fast path: one fused ``ElementwiseKernel`` per dtype.

Each element is read once and written once.  float16 and float32 are widened
to double inside the kernel and rounded once on the store, so float32 stays
within 1 ULP; ``pos`` and ``neg`` are double kernel arguments, so one compiled
kernel serves every coefficient.  Kernels are built on first use and kept (CuPy
compiles each once per device and caches the binary).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from ._generic import elu_family as _generic_family
from ._generic import elu_family_derivative as _generic_derivative
from ._out import store

__all__ = ["elu_family", "elu_family_derivative"]

Array = Any

# The expression per family, on the double `v`, giving the double `r`.
_BODIES = {
    False: "const double r = v > 0.0 ? pos * v : neg * expm1(v);",
    True: "const double r = v > 0.0 ? pos : neg * exp(v);",
}
# How the double `r` is stored into the output type, rounding once.
_STORES = {
    "float64": "y = r;",
    "float32": "y = (float)r;",
    # CuPy's float16 converts from float (from double it goes through float
    # too); the double rounding stays far inside 1 ULP of float16.
    "float16": "y = float16((float)r);",
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
    if name not in _STORES:
        f = _generic_derivative if derivative else _generic_family
        result = f(x, pos, neg, xp=xp)
        return result if out is None else store(result, out, xp)
    kernel = _kernel(name, derivative)
    if out is None:
        return kernel(x, pos, neg)
    if _overlap(x, out):
        return store(kernel(x, pos, neg), out, xp)
    kernel(x, pos, neg, out)
    return out


def _kernel(dtype: str, derivative: bool) -> Any:
    key = (dtype, derivative)
    with _KERNELS_LOCK:
        kernel = _KERNELS.get(key)
        if kernel is None:
            cupy = sys.modules["cupy"]
            kind = "derivative" if derivative else "family"
            kernel = cupy.ElementwiseKernel(
                f"{dtype} x, float64 pos, float64 neg",
                f"{dtype} y",
                f"const double v = (double)x; {_BODIES[derivative]} {_STORES[dtype]}",
                f"selu_xp_elu_{kind}_{dtype}",
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
