"""The Dask fast path: one blockwise layer over the chunk type's own path.

The graph gains one ``map_blocks`` layer, the chunks are kept and nothing is
computed.  The chunks' path is chosen once, from the array's meta: NumPy
chunks run the compiled kernel's ufuncs, CuPy chunks its elementwise kernel,
other chunk types the generic path.  When the array has several chunks,
Dask's scheduler already computes them in parallel, so a NumPy chunk is
computed on the scheduler's thread alone rather than also splitting it over
the NumPy path's own threads (which would run more threads than cores).
(Under ``force_generic`` the public functions never get here: they build the
generic path's graph instead.)
"""

from __future__ import annotations

from functools import partial
from types import ModuleType
from typing import Any

from .. import _generic
from .._compat import array_namespace, is_cupy_namespace, is_numpy_namespace
from .._typing import Array, Namespace

__all__ = ["elu_family", "elu_family_derivative"]


def elu_family(
    x: Array, pos: float, neg: float, *, xp: Namespace, out: Array = None
) -> Array:
    """Dask fast path of ``_generic.elu_family``; `out` is refused earlier."""
    return _map(x, pos, neg, derivative=False)


def elu_family_derivative(
    x: Array, pos: float, neg: float, *, xp: Namespace, out: Array = None
) -> Array:
    """Dask fast path of ``_generic.elu_family_derivative``."""
    return _map(x, pos, neg, derivative=True)


def _map(x: Array, pos: float, neg: float, *, derivative: bool) -> Array:
    chunk = _chunk_function(x._meta, pos, neg, derivative, x.npartitions == 1)
    return x.map_blocks(chunk, dtype=x.dtype, meta=x._meta)


def _chunk_function(
    meta: Array, pos: float, neg: float, derivative: bool, threads: bool
) -> Any:
    """The function of one chunk, for chunks like `meta`."""
    xp = array_namespace(meta)
    path: ModuleType = _generic
    options: dict[str, bool] = {}
    if is_numpy_namespace(xp):
        from . import numpy as path

        options["threads"] = threads
    elif is_cupy_namespace(xp):
        from . import cupy as path
    f = path.elu_family_derivative if derivative else path.elu_family
    return partial(f, pos=pos, neg=neg, xp=xp, **options)
