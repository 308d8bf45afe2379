"""The NumPy fast path: the compiled kernel's ufuncs.

`selu_xp._kernels._ufunc` compiles the scalar source ``elu_family.h`` into
NumPy ufuncs with float16, float32 and float64 loops, at the best x86-64
level the CPU has (baseline, AVX2 or AVX-512; the same bits at every level).
float32 and float16 results are correctly rounded; float64 results are
within 1 ULP (0.54 ULP on the negative side, by the proof in
``elu_family.h``).  A ufunc holds its coefficients, so the default SELU and ELU
ufuncs are made once and others on first use.

NumPy's ufunc machinery gives ``out=``, strides, read-only and overlapping
inputs, other byte orders (through its buffered casts) and the released GIL.
The kernel itself splits large contiguous arrays over its own pool of
threads (``selu_xp.set_num_threads``).  Without the compiled module (no
compiler at install time) the generic array-API path runs instead, and
`kernel_info` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np

from .._family import BY_NAME
from .._kernels.coefficients import kernel_coefficients
from .._typing import Namespace

_ufunc: ModuleType | None
try:
    from .._kernels import _ufunc
except ImportError as error:  # built without a compiler
    _ufunc = None
    _MISSING = str(error)
else:
    _MISSING = ""

__all__ = [
    "elu_family",
    "elu_family_derivative",
    "kernel_info",
    "kernel_module",
    "kernel_ufunc",
    "kernel_ufunc_for",
    "quick",
    "quick_out",
    "quick_type",
]

PARALLEL_MIN = _ufunc.parallel_min() if _ufunc is not None else 1 << 15
"""Contiguous arrays smaller than this are computed on the calling thread
alone: below, waking the kernel's other threads costs more than they save."""

_FAST_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


@lru_cache(maxsize=128)
def kernel_ufunc_for(pos: float, neg: float, derivative: bool) -> Any:
    """The kernel's ufunc with these coefficients, or ``None``."""
    if _ufunc is None:
        return None
    coefficients = kernel_coefficients(pos, neg)
    if coefficients is None:
        return None
    name = "elu_family_derivative" if derivative else "elu_family"
    return _ufunc.make_ufunc(name, derivative, *coefficients)


def kernel_ufunc(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The kernel's ufunc of a public function with its default parameters."""
    member = BY_NAME[name]
    f = kernel_ufunc_for(member.pos, member.neg, member.derivative)
    if f is None:
        msg = f"the compiled kernel is not available: {_MISSING}"
        raise RuntimeError(msg)
    return f  # type: ignore[no-any-return]


def kernel_module() -> ModuleType | None:
    """The compiled kernel's module, or ``None`` where it was not built."""
    return _ufunc


def kernel_info() -> str:
    """Which kernel NumPy arrays run: the compiled one and its level, or not."""
    if _ufunc is None:
        return f"generic array-API path (compiled kernel not built: {_MISSING})"
    levels = ", ".join(_ufunc.levels())
    return f"compiled kernel, {_ufunc.get_level()} loops (this CPU: {levels})"


def _fast_path(derivative: bool) -> Callable[..., Any]:
    name = "elu_family_derivative" if derivative else "elu_family"

    def fast_path(
        x: Any,
        pos: float,
        neg: float,
        *,
        xp: Namespace,
        out: np.ndarray | None = None,
        threads: bool = True,
    ) -> Any:
        return _run(x, pos, neg, xp, out, derivative=derivative, threads=threads)

    fast_path.__name__ = fast_path.__qualname__ = name
    fast_path.__doc__ = (
        f"NumPy fast path of ``_generic.{name}``; writes into `out` if given.\n\n"
        "``threads=False`` computes on the calling thread alone, for callers\n"
        "that run many arrays in parallel themselves (Dask)."
    )
    return fast_path


elu_family = _fast_path(derivative=False)
elu_family_derivative = _fast_path(derivative=True)


def quick(x: np.ndarray, pos: float, neg: float, derivative: bool) -> Any:
    """`elu_family` (or its derivative) of an ndarray, or ``None``.

    The public functions call this with exactly ``type(x) is np.ndarray`` and
    no ``out``, before any other check; ``None`` (another dtype) sends them
    the long way, which also raises for dtypes that are not real floating.
    """
    if x.dtype not in _FAST_DTYPES:
        return None
    f = kernel_ufunc_for(pos, neg, derivative)
    if f is None:
        return None
    return f(x) if x.ndim else f(x, out=np.empty_like(x))  # 0-d stays an array


def quick_out(x: np.ndarray, out: Any, pos: float, neg: float, derivative: bool) -> Any:
    """`quick` writing into `out`, or ``None``.

    Only for an `out` that needs no other check: exactly an ndarray of `x`'s
    dtype and shape, writeable (NumPy resolves any overlap); anything else
    goes the long way, which gives the errors.
    """
    if (
        type(out) is not np.ndarray
        or x.dtype not in _FAST_DTYPES
        or out.dtype != x.dtype
        or out.shape != x.shape
        or not out.flags.writeable
    ):
        return None
    f = kernel_ufunc_for(pos, neg, derivative)
    return None if f is None else f(x, out=out)


def quick_type() -> type:
    """The array type that `quick` takes: exactly ``numpy.ndarray``."""
    return np.ndarray


def _run(
    x: Any,
    pos: float,
    neg: float,
    xp: Namespace,
    out: np.ndarray | None,
    *,
    derivative: bool,
    threads: bool,
) -> Any:
    x = np.asarray(x)
    f = kernel_ufunc_for(pos, neg, derivative) if x.dtype in _FAST_DTYPES else None
    if f is None:
        return _generic_into(x, pos, neg, xp, out, derivative=derivative)
    return _apply(f, x, out, threads=threads)


def _apply(f: Any, x: np.ndarray, out: np.ndarray | None, *, threads: bool) -> Any:
    """``f(x)`` into `out` (or a new array); the kernel splits it over threads
    unless `threads` is false."""
    if out is None and not x.ndim:
        out = np.empty_like(x)  # a 0-d array, not a NumPy scalar
    if threads or _ufunc is None:
        return f(x, out=out)
    previous = _ufunc.set_serial(True)
    try:
        return f(x, out=out)
    finally:
        _ufunc.set_serial(previous)


def _generic_into(
    x: np.ndarray,
    pos: float,
    neg: float,
    xp: Namespace,
    out: np.ndarray | None,
    *,
    derivative: bool,
) -> Any:
    from .. import _generic

    f = _generic.elu_family_derivative if derivative else _generic.elu_family
    result = f(x, pos, neg, xp=xp)
    if out is None:
        return result
    np.copyto(out, result)
    return out
