"""The NumPy fast path: the compiled kernel's ufuncs.

`selu_xp._kernels._ufunc` compiles the scalar source ``elu_family.h`` into
NumPy ufuncs with float16, float32 and float64 loops, at the best x86-64
level the CPU has (baseline, AVX2 or AVX-512; the same bits at every level).
float32 and float16 results are correctly rounded; float64 results are
within 0.6 ULP.  A ufunc holds its coefficients, so the default SELU and ELU
ufuncs are made once and others on first use.

NumPy's ufunc machinery gives ``out=``, strides, read-only and overlapping
inputs, other byte orders (through its buffered casts) and the released GIL.
Large contiguous arrays are split into one part per CPU, computed by a small
thread pool.  Without the compiled module (no compiler at install time) the
generic array-API path runs instead, and `kernel_info` says so.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np

from .._constants import PAPER_ALPHA, PAPER_SCALE, SELU_SCALE, SELU_SCALE_ALPHA

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
    "kernel_coefficients",
    "kernel_info",
    "kernel_ufunc",
    "quick",
    "quick_type",
]

PARALLEL_MIN = 1 << 17
"""Arrays smaller than this are computed on the calling thread alone: below,
starting the other threads costs more than they save."""

_FAST_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_NEG_RANGE = (2.0**-20, 2.0**20)  # |neg| the kernel's clamps are exact for


def _paper_double_double(*digits: str) -> tuple[float, float]:
    exact = Fraction(1)
    for d in digits:
        exact *= Fraction(d)
    hi = float(exact)
    return hi, float(exact - Fraction(hi))


# The default SELU computes with the paper's constants as double-doubles:
# scale = 1.0507009873554804934..., scale * alpha = 1.7580993408473768599...
_PAPER_POS = _paper_double_double(PAPER_SCALE)
_PAPER_NEG = _paper_double_double(PAPER_SCALE, PAPER_ALPHA)
assert _PAPER_POS[0] == SELU_SCALE
assert _PAPER_NEG[0] == SELU_SCALE_ALPHA

Coefficients = tuple[float, float, float, float]


def kernel_coefficients(pos: float, neg: float) -> Coefficients | None:
    """``(pos_hi, pos_lo, neg_hi, neg_lo)`` for the kernel, or ``None``."""
    if pos == SELU_SCALE and neg == SELU_SCALE_ALPHA:
        return (*_PAPER_POS, *_PAPER_NEG)
    if neg != 0 and not _NEG_RANGE[0] <= abs(neg) <= _NEG_RANGE[1]:
        return None  # outside the range the kernel's clamps are exact for
    return pos, 0.0, neg, 0.0


@lru_cache(maxsize=128)
def _ufunc_for(pos: float, neg: float, derivative: bool) -> Any:
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
    derivative = name.endswith("_derivative")
    if name.startswith("selu"):
        f = _ufunc_for(SELU_SCALE, SELU_SCALE_ALPHA, derivative)
    else:
        f = _ufunc_for(1.0, 1.0, derivative)
    if f is None:
        msg = f"the compiled kernel is not available: {_MISSING}"
        raise RuntimeError(msg)
    return f  # type: ignore[no-any-return]


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
        xp: Any,
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
    f = _ufunc_for(pos, neg, derivative)
    if f is None:
        return None
    if x.size < PARALLEL_MIN and x.ndim:
        return f(x)
    return _apply(f, x, None, threads=True)


def quick_type() -> type:
    """The array type that `quick` takes: exactly ``numpy.ndarray``."""
    return np.ndarray


def _run(
    x: Any,
    pos: float,
    neg: float,
    xp: Any,
    out: np.ndarray | None,
    *,
    derivative: bool,
    threads: bool,
) -> Any:
    x = np.asarray(x)
    f = _ufunc_for(pos, neg, derivative) if x.dtype in _FAST_DTYPES else None
    if f is None:
        return _generic_into(x, pos, neg, xp, out, derivative=derivative)
    return _apply(f, x, out, threads=threads)


def _apply(f: Any, x: np.ndarray, out: np.ndarray | None, *, threads: bool) -> Any:
    """``f(x)`` into `out` (or a new array), in parts on several threads."""
    target = np.empty_like(x) if out is None else out
    workers = _worker_count() if threads and x.size >= PARALLEL_MIN else 1
    pair = _flat_pair(x, target) if workers > 1 else None
    if pair is None or (out is not None and np.may_share_memory(x, out)):
        # One call: NumPy orders the strides and resolves any overlap.
        return f(x, out=target)
    x_flat, out_flat = pair
    n = x_flat.shape[0]
    per_part = -(-n // workers)
    step = -(-per_part // 16) * 16  # whole cache lines per part
    bounds = [(lo, min(lo + step, n)) for lo in range(0, n, step)]
    pool = _pool()
    futures: list[Future[Any]] = [
        pool.submit(f, x_flat[lo:hi], out=out_flat[lo:hi]) for lo, hi in bounds[1:]
    ]
    try:
        lo, hi = bounds[0]
        f(x_flat[lo:hi], out=out_flat[lo:hi])
    finally:
        for future in futures:
            future.result()
    return target


def _flat_pair(x: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """1-d views of `x` and `out` in the same element order, if both have one."""
    if x.flags.c_contiguous and out.flags.c_contiguous:
        return x.reshape(-1), out.reshape(-1)
    if x.flags.f_contiguous and out.flags.f_contiguous:
        return x.reshape(-1, order="F"), out.reshape(-1, order="F")
    return None


def _generic_into(
    x: np.ndarray,
    pos: float,
    neg: float,
    xp: Any,
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


# The worker pool, created on first use.  `_POOL_LOCK` guards `_POOL`.
_POOL_LOCK = threading.Lock()
_POOL: ThreadPoolExecutor | None = None


def _worker_count() -> int:
    """Threads to use for one large array: the CPUs this process may use."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, os.cpu_count() or 1))


def _pool() -> ThreadPoolExecutor:
    """The shared pool, with one thread fewer than `_worker_count`."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(
                max_workers=max(1, _worker_count() - 1), thread_name_prefix="selu_xp"
            )
        return _POOL


def _forget_pool_after_fork() -> None:
    # A forked child has the parent's pool object but none of its threads.
    global _POOL, _POOL_LOCK
    _POOL_LOCK = threading.Lock()
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)
