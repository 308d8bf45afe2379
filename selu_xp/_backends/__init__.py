"""The fast paths, one module per library, and the registry that picks them.

Every backend module has the same small interface:

``elu_family(x, pos, neg, *, xp, out=None)`` and ``elu_family_derivative``
    the generic functions' signature plus ``out``, meeting the same bounds;
``quick(x, pos, neg, derivative)`` (NumPy and PyTorch only)
    the result for an array of exactly ``quick_type()``, or ``None`` when `x`
    needs the full checks (another dtype or device); the public functions try
    it first for their default parameters, skipping the namespace look-up
    and the checks, which cost more than a small array's computation.

A library with a generator of its own also draws its random numbers there,
for `selu_xp._random` (numbers drawn on the host by NumPy otherwise):

``native_source(rng, xp, device, func)``
    the ``Source`` drawing with `rng` if it is this library's generator
    (``TypeError`` if it cannot draw for namespace `xp` on `device`), or
    ``None`` if `rng` is no generator of this library;
``fresh_source(device, func, like)``
    the ``Source`` of fresh entropy on `device`, for the array `like`;
``tracing(like)`` (JAX and TensorFlow only)
    where Python runs once for many calls, in words, with what to pass as
    ``rng`` instead of a NumPy generator there; ``None`` when it does not.

`lookup` maps an array's type to its `FastPath`, or to ``None`` where no fast
path wins (array-api-strict and unknown libraries: the generic path).  The
one cache is filled here, on an array type's first look-up, and a backend
module is imported only for a library whose array (or generator) the caller
already holds.  A new backend is a module here, a branch of `backend_of` and,
if it has a generator, an entry of `GENERATORS`.

======================  ==============================================
NumPy                   the compiled kernel's ufuncs, multi-threaded
PyTorch                 the kernel on CPU tensors (a custom operator for
                        autograd and torch.compile); CUDA: ``aten.elu``
JAX                     the kernel as an XLA FFI handler on the CPU; GPUs:
                        one jitted ``where`` / ``expm1`` expression
CuPy                    one fused ``ElementwiseKernel`` per dtype
Dask                    ``map_blocks`` over the chunk type's fast path
TensorFlow              a custom gradient around a correctly rounded one
======================  ==============================================
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import NamedTuple

from .._compat import (
    is_cupy_namespace,
    is_dask_namespace,
    is_jax_namespace,
    is_numpy_namespace,
    is_tensorflow_namespace,
    is_torch_namespace,
)
from .._typing import Array, Namespace

__all__ = [
    "BY_TYPE",
    "GENERATORS",
    "FastPath",
    "backend_of",
    "generator_backends",
    "lookup",
]


class FastPath(NamedTuple):
    """One library's fast path, as the public functions call it."""

    family: Callable[..., Array]
    derivative: Callable[..., Array]
    quick: Callable[[Array, float, float, bool], Array | None] | None
    quick_out: Callable[[Array, Array, float, float, bool], Array | None] | None


# type(x) -> its fast path, or None for the generic path; filled by `lookup`
# only, read directly by the public functions' quick entry.  An entry never
# changes once added, and dict.setdefault is atomic (in CPython with or
# without the GIL), so concurrent first calls agree without a lock; a lock
# here would also stop torch.compile(fullgraph=True) on a first call.
BY_TYPE: dict[type, FastPath | None] = {}

GENERATORS = {
    "torch": "torch.Generator",
    "cupy": "cupy.random.Generator",
    "jax": "a JAX PRNG key",
    "tensorflow": "tf.random.Generator",
}
"""The libraries that draw with a generator of their own (each the name of
the library's top-level module and of its backend module), and that
generator in words."""


def lookup(x: Array, xp: Namespace) -> FastPath | None:
    """The fast path for `x` (of namespace `xp`), or ``None`` for the generic path."""
    kind = type(x)
    try:
        return BY_TYPE[kind]
    except KeyError:
        pass
    module = backend_of(xp)
    path = None
    if module is not None:
        path = _path_of(module)
        if path.quick is not None and kind is not module.quick_type():
            # subclasses (torch.nn.Parameter, ...) go the long way
            path = path._replace(quick=None, quick_out=None)
    return BY_TYPE.setdefault(kind, path)


def _path_of(module: ModuleType) -> FastPath:
    """A backend module's fast path, its quick entry included."""
    quick = getattr(module, "quick", None)
    quick_out = getattr(module, "quick_out", None)
    return FastPath(module.elu_family, module.elu_family_derivative, quick, quick_out)


def _preload_numpy() -> None:
    """Enter NumPy's fast path before any call.

    NumPy is imported with selu_xp anyway; with its entry here, the first
    call on an ndarray takes the quick entry and never needs
    array-api-compat's NumPy namespace, whose first import touches every
    lazily loaded NumPy submodule (``numpy.f2py``, ``numpy.testing``, ...):
    about 60 ms, which the first call of a process used to pay.
    """
    import numpy as np

    from . import numpy

    BY_TYPE.setdefault(np.ndarray, _path_of(numpy))


def backend_of(xp: Namespace) -> ModuleType | None:
    """The backend module of namespace `xp`, or ``None`` if it has none."""
    # Plain import statements, one per library: TorchDynamo traces these (a
    # first look-up may happen inside torch.compile), not importlib's.
    if is_numpy_namespace(xp):
        from . import numpy

        return numpy
    if is_torch_namespace(xp):
        from . import torch

        return torch
    if is_jax_namespace(xp):
        from . import jax

        return jax
    if is_cupy_namespace(xp):
        from . import cupy

        return cupy
    if is_dask_namespace(xp):
        from . import dask

        return dask
    if is_tensorflow_namespace(xp):
        from . import tensorflow

        return tensorflow
    return None


def generator_backends() -> Iterator[ModuleType]:
    """The backend modules of the `GENERATORS` libraries imported so far."""
    for name in GENERATORS:
        if name in sys.modules:
            yield importlib.import_module(f"{__name__}.{name}")


_preload_numpy()
