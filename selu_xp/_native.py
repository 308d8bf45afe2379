"""Backend fast paths for the ELU family.

A fast path has the signature of the generic functions plus ``out``,
``f(x, pos, neg, *, xp, out=None) -> array``, and meets the same accuracy
bounds.  `lookup` picks it by namespace and returns ``None`` where no fast
path wins (array-api-strict and unknown libraries), and the caller then takes
the generic path.  Each backend's module is imported on first use, and only
for a namespace whose library the caller's array already imported.

======================  ==============================================
NumPy                   blocked, mask-free, multi-threaded ufuncs
PyTorch                 ``aten.elu`` with a correctly rounded ``alpha``
JAX                     one jitted ``where`` / ``expm1`` expression
CuPy                    one fused ``ElementwiseKernel`` per dtype
Dask                    ``map_blocks`` over the chunk type's fast path
TensorFlow              a custom gradient around a once-rounded expression
======================  ==============================================
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from ._compat import (
    is_cupy_namespace,
    is_dask_namespace,
    is_jax_namespace,
    is_numpy_namespace,
    is_tensorflow_namespace,
    is_torch_namespace,
)

__all__ = ["lookup"]

FastPath = Callable[..., Any]


# (namespace, derivative) -> fast path or None, filled on first use.  An
# entry never changes once added, and dict.setdefault is atomic (in CPython
# with or without the GIL), so concurrent first calls agree without a lock;
# a lock here would also stop torch.compile(fullgraph=True) on a first call.
_FOUND: dict[tuple[ModuleType, bool], FastPath | None] = {}

# type(x) -> the quick entry of that array type's fast path, for the types
# whose backend has one (NumPy's ndarray, PyTorch's Tensor), added by `lookup`
# when it first finds the backend.  ``quick(x, pos, neg, derivative)`` returns
# the result for an `x` of exactly that type, or ``None`` when `x` needs the
# full checks (another dtype or device).  The public functions try it first,
# for their default parameters and no ``out``: it skips the namespace lookup
# and the parameter checks, which cost more than a small array's computation.
QUICK: dict[type, FastPath] = {}


def lookup(xp: ModuleType, derivative: bool) -> FastPath | None:
    """The fast path for namespace `xp`, or ``None`` to use the generic path."""
    key = (xp, derivative)
    try:
        return _FOUND[key]
    except KeyError:
        pass
    module = _backend_module(xp)
    f: FastPath | None = None
    if module is not None:
        f = module.elu_family_derivative if derivative else module.elu_family
        quick = getattr(module, "quick", None)
        if quick is not None:
            QUICK.setdefault(module.quick_type(), quick)
    return _FOUND.setdefault(key, f)


def _backend_module(xp: ModuleType) -> Any:
    if is_numpy_namespace(xp):
        from . import _native_numpy

        return _native_numpy
    if is_torch_namespace(xp):
        from . import _native_torch

        return _native_torch
    if is_jax_namespace(xp):
        from . import _native_jax

        return _native_jax
    if is_cupy_namespace(xp):
        from . import _native_cupy

        return _native_cupy
    if is_dask_namespace(xp):
        from . import _native_dask

        return _native_dask
    if is_tensorflow_namespace(xp):
        from . import _native_tensorflow

        return _native_tensorflow
    return None
