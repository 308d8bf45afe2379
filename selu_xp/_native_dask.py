"""The Dask fast path: one blockwise layer over the chunk type's own path.

The graph gains one ``map_blocks`` layer, the chunks are kept and nothing is
computed.  Each chunk (NumPy or CuPy) goes through the fast path of its own
namespace, so a NumPy chunk takes the blocked NumPy path and a CuPy chunk the
fused kernel.  When the array has several chunks, Dask's scheduler already
computes them in parallel, so a NumPy chunk is computed on the scheduler's
thread alone rather than also splitting it over NumPy's path's own threads
(which would run more threads than cores).  (Under ``force_generic`` the
public functions never get here: they build the generic path's graph
instead.)
"""

from __future__ import annotations

from typing import Any

__all__ = ["elu_family", "elu_family_derivative"]

Array = Any


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """Dask fast path of ``_generic.elu_family``; `out` is refused earlier."""
    return _map(x, pos, neg, derivative=False)


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """Dask fast path of ``_generic.elu_family_derivative``."""
    return _map(x, pos, neg, derivative=True)


def _map(x: Array, pos: float, neg: float, *, derivative: bool) -> Array:
    threads = x.npartitions == 1
    return x.map_blocks(
        _chunk, pos, neg, derivative, threads, dtype=x.dtype, meta=x._meta
    )


def _chunk(
    block: Array, pos: float, neg: float, derivative: bool, threads: bool
) -> Array:
    from . import _generic, _native
    from ._compat import array_namespace, is_numpy_namespace

    xp = array_namespace(block)
    fast = _native.lookup(xp, derivative)
    if fast is None:
        f = _generic.elu_family_derivative if derivative else _generic.elu_family
        return f(block, pos, neg, xp=xp)
    if is_numpy_namespace(xp):
        return fast(block, pos, neg, xp=xp, threads=threads)
    return fast(block, pos, neg, xp=xp)
