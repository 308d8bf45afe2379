"""The NumPy fast path: blocked, mask-free and multi-threaded.

Each block of at most `BLOCK` elements is computed in scratch buffers that
stay in the core's cache, with one ufunc call per step and no boolean mask
(``np.where`` with an unpredictable mask is dominated by branch
mispredictions).  The ELU family is written as::

    t = max(x, -MAX)           # only -inf changes: it becomes -MAX
    m = min(t, -0.0)           # the expm1 branch's input
    d = m - t                  # -x for x > 0, +0.0 for x <= 0
    f = neg * expm1(m) - pos * d

Every step is exact except ``expm1`` and the two products, so the result is
the generic path's ``pos * x`` or ``neg * expm1(x)``.  The zero signs work
out exactly, whichever zero `min` returns for equal zeros: ``f(-0.0) = -0.0``
and ``f(+0.0) = +0.0``.  The first step is skipped for blocks without -inf
(a min-reduction tells, and is cheaper than the step); ``+inf`` gives
``d = -inf`` and ``f = +inf`` either way.  For ``pos > 0`` and ``neg > 0``
only; other coefficients take the generic path.  The derivative is
``(1 - h) * neg * exp(min(x, -0.0)) + h * pos`` with ``h = (x > 0)`` as 0.0
or 1.0.

float32 blocks take the exact steps (``t``, ``m``, ``d``) in float32, the
rest in float64 scratch, and are rounded once on the way out; float16 blocks
are widened first.  So float32 and float16 are within 1 ULP (0.5 plus the
float64 error), and float64 within the 1.5 ULP of ``expm1`` and one product.
Large arrays are split into runs of blocks that a small thread pool
computes in parallel (NumPy's ufuncs release the GIL); each thread has its
own scratch buffers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["elu_family", "elu_family_derivative", "quick", "quick_type"]

BLOCK = 65536
"""Elements per block: enough that the ufuncs' per-call cost is small (about
a microsecond per call), few enough that the scratch blocks (2 MiB per
thread) stay in the caches."""

PARALLEL_MIN = 1 << 17
"""Arrays smaller than this are computed on the calling thread alone."""

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_FAST_DTYPES = (np.dtype(np.float16), _F32, _F64)

# Read-only operand blocks, shared by all threads.  Array operands run the
# SIMD loops faster than broadcast scalars.
_LOWEST = np.full(BLOCK, -np.finfo(np.float64).max)
_NEG_ZERO = np.full(BLOCK, -0.0)
_ZERO = np.zeros(BLOCK)
_LOWEST32 = np.full(BLOCK, -np.finfo(np.float32).max, dtype=np.float32)
_NEG_ZERO32 = np.full(BLOCK, -0.0, dtype=np.float32)
for _a in (_LOWEST, _NEG_ZERO, _ZERO, _LOWEST32, _NEG_ZERO32):
    _a.flags.writeable = False

BlockKernel = Callable[[np.ndarray, np.ndarray, float, float], None]


class _Scratch(threading.local):
    """Scratch blocks per thread (three float64, two float32), made on the
    thread's first use."""

    def __init__(self) -> None:
        self.t = np.empty(BLOCK)
        self.m = np.empty(BLOCK)
        self.d = np.empty(BLOCK)
        self.t32 = np.empty(BLOCK, dtype=np.float32)
        self.m32 = np.empty(BLOCK, dtype=np.float32)


_SCRATCH = _Scratch()


def _without_neg_inf(x: np.ndarray, scratch: np.ndarray, lowest: np.ndarray) -> Any:
    """`x`, or ``max(x, lowest)`` in `scratch` if `x` may hold -inf (or NaN)."""
    if x.shape[0] == 0 or np.minimum.reduce(x) > -np.inf:
        return x
    return np.maximum(x, lowest[: x.shape[0]], out=scratch)


def _family_block(x: np.ndarray, out: np.ndarray, pos: float, neg: float) -> None:
    """``pos*x`` or ``neg*expm1(x)`` of one block, into `out`."""
    n = x.shape[0]
    s = _SCRATCH
    m, d = s.m[:n], s.d[:n]
    if x.dtype == _F32:
        # t, m and d are exact in float32: half the bytes of float64.
        t32 = _without_neg_inf(x, s.t32[:n], _LOWEST32)
        m32 = np.minimum(t32, _NEG_ZERO32[:n], out=s.m32[:n])
        np.copyto(m, m32)
        np.copyto(d, np.subtract(m32, t32, out=m32))
    else:
        if x.dtype == _F64:
            t = _without_neg_inf(x, s.t[:n], _LOWEST)
        else:
            # Casting in a plain copy is cheaper than inside a mixed-type ufunc.
            t = s.t[:n]
            np.copyto(t, x)
            np.maximum(t, _LOWEST[:n], out=t)
        np.minimum(t, _NEG_ZERO[:n], out=m)
        np.subtract(m, t, out=d)
    np.expm1(m, out=m)
    np.multiply(m, neg, out=m)
    np.multiply(d, pos, out=d)
    if out.dtype == m.dtype:
        np.subtract(m, d, out=out)
    else:
        np.subtract(m, d, out=m)
        np.copyto(out, m, casting="same_kind")  # the one rounding


def _derivative_block(x: np.ndarray, out: np.ndarray, pos: float, neg: float) -> None:
    """``pos`` or ``neg*exp(x)`` of one block, into `out`."""
    n = x.shape[0]
    s = _SCRATCH
    h, m, d = s.t[:n], s.m[:n], s.d[:n]
    np.greater(x, _ZERO[:n], out=h)
    np.minimum(x, _NEG_ZERO[:n], out=m)
    np.exp(m, out=m)
    np.multiply(m, neg, out=m)
    np.subtract(1.0, h, out=d)
    np.multiply(m, d, out=m)
    np.multiply(h, pos, out=h)
    np.add(m, h, out=out)


def elu_family(
    x: Any,
    pos: float,
    neg: float,
    *,
    xp: Any,
    out: np.ndarray | None = None,
    threads: bool = True,
) -> Any:
    """NumPy fast path of ``_generic.elu_family``; writes into `out` if given.

    ``threads=False`` computes on the calling thread alone, for callers that
    run many arrays in parallel themselves (Dask).
    """
    return _run(_family_block, x, pos, neg, xp, out, derivative=False, threads=threads)


def elu_family_derivative(
    x: Any,
    pos: float,
    neg: float,
    *,
    xp: Any,
    out: np.ndarray | None = None,
    threads: bool = True,
) -> Any:
    """NumPy fast path of ``_generic.elu_family_derivative``."""
    return _run(
        _derivative_block, x, pos, neg, xp, out, derivative=True, threads=threads
    )


def quick(x: np.ndarray, pos: float, neg: float, derivative: bool) -> Any:
    """`elu_family` (or its derivative) of an ndarray, or ``None``.

    The public functions call this with exactly ``type(x) is np.ndarray`` and
    no ``out``, before any other check; ``None`` (another dtype) sends them
    the long way, which also raises for dtypes that are not real floating.
    """
    if x.dtype not in _FAST_DTYPES:
        return None
    kernel = _derivative_block if derivative else _family_block
    return _run(kernel, x, pos, neg, np, None, derivative=derivative)


def quick_type() -> type:
    """The array type that `quick` takes: exactly ``numpy.ndarray``."""
    return np.ndarray


def _run(
    kernel: BlockKernel,
    x: Any,
    pos: float,
    neg: float,
    xp: Any,
    out: np.ndarray | None,
    *,
    derivative: bool,
    threads: bool = True,
) -> Any:
    x = np.asarray(x)
    if x.dtype not in _FAST_DTYPES or not (pos > 0 and neg > 0):
        return _generic_into(x, pos, neg, xp, out, derivative=derivative)
    if out is None and x.size <= BLOCK and x.flags.c_contiguous:
        # One block: the shortest way, for the per-call overhead.
        result = np.empty_like(x)
        with np.errstate(all="ignore"):
            kernel(x.reshape(-1), result.reshape(-1), pos, neg)
        return result
    target = out
    if target is None:
        target = np.empty_like(x)
    elif np.may_share_memory(x, target) and not _same_memory(x, target):
        # Partial overlap: writing a block could overwrite input that a later
        # block still has to read, so compute into fresh memory first.
        fresh = _run(
            kernel, x, pos, neg, xp, None, derivative=derivative, threads=threads
        )
        np.copyto(target, fresh)
        return target
    x_flat, out_flat = _flat_pair(x, target)
    if out_flat is None:
        out_flat = np.empty(x_flat.shape, dtype=x.dtype)
        _compute_flat(kernel, x_flat, out_flat, pos, neg, threads)
        np.copyto(target, out_flat.reshape(x.shape))
    else:
        _compute_flat(kernel, x_flat, out_flat, pos, neg, threads)
    return target


def _generic_into(
    x: np.ndarray,
    pos: float,
    neg: float,
    xp: Any,
    out: np.ndarray | None,
    *,
    derivative: bool,
) -> Any:
    from . import _generic

    f = _generic.elu_family_derivative if derivative else _generic.elu_family
    result = f(x, pos, neg, xp=xp)
    if out is None:
        return result
    np.copyto(out, result)
    return out


def _same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether `a` and `b` are views of exactly the same elements, in order."""
    return bool(
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and a.strides == b.strides
        and a.shape == b.shape
    )


def _flat_pair(x: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """1-d views of `x` and `out` in the same element order.

    `x` is copied to a contiguous array if it is not contiguous; the second
    item is ``None`` when `out` has no 1-d view in `x`'s order.
    """
    if x.flags.c_contiguous and out.flags.c_contiguous:
        return x.reshape(-1), out.reshape(-1)
    if x.flags.f_contiguous and out.flags.f_contiguous:
        return x.reshape(-1, order="F"), out.reshape(-1, order="F")
    x_flat = np.ascontiguousarray(x).reshape(-1)
    if out.flags.c_contiguous:
        return x_flat, out.reshape(-1)
    return x_flat, None


def _compute_flat(
    kernel: BlockKernel,
    x: np.ndarray,
    out: np.ndarray,
    pos: float,
    neg: float,
    threads: bool,
) -> None:
    n = x.shape[0]
    workers = _worker_count() if threads and n >= PARALLEL_MIN else 1
    if workers == 1:
        _compute_range(kernel, x, out, pos, neg, 0, n)
        return
    blocks = -(-n // BLOCK)
    per_part = -(-blocks // workers) * BLOCK
    bounds = [(lo, min(lo + per_part, n)) for lo in range(0, n, per_part)]
    pool = _pool()
    futures: list[Future[None]] = [
        pool.submit(_compute_range, kernel, x, out, pos, neg, lo, hi)
        for lo, hi in bounds[1:]
    ]
    try:
        _compute_range(kernel, x, out, pos, neg, *bounds[0])
    finally:
        for future in futures:
            future.result()


def _compute_range(
    kernel: BlockKernel,
    x: np.ndarray,
    out: np.ndarray,
    pos: float,
    neg: float,
    lo: int,
    hi: int,
) -> None:
    # Overflow of pos * x or of the rounding to float32 to inf, and underflow
    # far left, are part of the result; no step raises anything else.
    with np.errstate(all="ignore"):
        for start in range(lo, hi, BLOCK):
            stop = min(start + BLOCK, hi)
            kernel(x[start:stop], out[start:stop], pos, neg)


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
