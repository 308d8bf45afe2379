"""The Dask fast path: one blockwise layer over the chunk type's own path.

The graph gains one ``map_blocks`` layer, the chunks are kept and nothing is
computed.  Each chunk (NumPy or CuPy) goes through the fast path of its own
namespace, so a NumPy chunk takes the blocked NumPy path and a CuPy chunk the
fused kernel.  (Under ``force_generic`` the public functions never get here:
they build the generic path's graph instead.)
"""

from __future__ import annotations

from typing import Any

__all__ = ["elu_family", "elu_family_derivative"]

Array = Any


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """Dask fast path of ``_generic.elu_family``; `out` is refused earlier."""
    return x.map_blocks(_chunk, pos, neg, False, dtype=x.dtype, meta=x._meta)


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Any, out: Array = None
) -> Array:
    """Dask fast path of ``_generic.elu_family_derivative``."""
    return x.map_blocks(_chunk, pos, neg, True, dtype=x.dtype, meta=x._meta)


def _chunk(block: Array, pos: float, neg: float, derivative: bool) -> Array:
    from . import _generic, _native
    from ._compat import array_namespace

    xp = array_namespace(block)
    fast = _native.lookup(xp, derivative)
    if fast is not None:
        return fast(block, pos, neg, xp=xp)
    f = _generic.elu_family_derivative if derivative else _generic.elu_family
    return f(block, pos, neg, xp=xp)
