"""The one module that imports :mod:`array_api_compat`, and where TensorFlow joins it.

Everything else in the package reaches array-api-compat through here, so that
the dependency has a single seam.  array-api-compat does not know TensorFlow;
its tensors are recognised here, from ``sys.modules`` without importing
TensorFlow (if an object is a ``tf.Tensor``, TensorFlow is already imported),
and given selu_xp's own namespace for them, ``selu_xp._tensorflow_namespace``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from array_api_compat import array_namespace as _array_namespace
from array_api_compat import device as _device
from array_api_compat import (
    is_array_api_obj as _is_array_api_obj,
)
from array_api_compat import is_lazy_array as _is_lazy_array
from array_api_compat import is_writeable_array as _is_writeable_array

from ._typing import Namespace

__all__ = [
    "array_namespace",
    "concrete_number",
    "constant_when_traced",
    "device",
    "is_array_api_obj",
    "is_cupy_namespace",
    "is_dask_namespace",
    "is_jax_namespace",
    "is_lazy",
    "is_numpy_namespace",
    "is_tensorflow_array",
    "is_tensorflow_namespace",
    "is_torch_namespace",
    "is_writeable_array",
    "not_for_autograph",
    "tensorflow_namespace",
]

_TF_NAMESPACE = "selu_xp._tensorflow_namespace"

# The namespaces by module name: a library's own, and array-api-compat's
# wrapper of it.  (array-api-compat's tests are the same comparisons behind
# functools.lru_cache, which TorchDynamo warns about whenever it traces one.)
_NAMES = {
    "numpy": {"numpy", "array_api_compat.numpy"},
    "cupy": {"cupy", "array_api_compat.cupy"},
    "torch": {"torch", "array_api_compat.torch"},
    "dask": {"dask.array", "array_api_compat.dask.array"},
    "jax": {"jax.numpy", "jax.experimental.array_api"},
}


def is_numpy_namespace(xp: object) -> bool:
    """Whether `xp` is NumPy or array-api-compat's NumPy namespace."""
    return getattr(xp, "__name__", None) in _NAMES["numpy"]


def is_cupy_namespace(xp: object) -> bool:
    """Whether `xp` is CuPy or array-api-compat's CuPy namespace."""
    return getattr(xp, "__name__", None) in _NAMES["cupy"]


def is_torch_namespace(xp: object) -> bool:
    """Whether `xp` is torch or array-api-compat's torch namespace."""
    return getattr(xp, "__name__", None) in _NAMES["torch"]


def is_dask_namespace(xp: object) -> bool:
    """Whether `xp` is ``dask.array`` or array-api-compat's Dask namespace."""
    return getattr(xp, "__name__", None) in _NAMES["dask"]


def is_jax_namespace(xp: object) -> bool:
    """Whether `xp` is ``jax.numpy`` (or its old array API module)."""
    return getattr(xp, "__name__", None) in _NAMES["jax"]


def _traced_tensors(xs: tuple[Any, ...]) -> bool:
    """Whether TorchDynamo is tracing and every one of `xs` is a tensor.

    Then the namespace, device and writability come from torch directly,
    not through array-api-compat's cached helpers (which Dynamo would trace,
    with a warning for each).
    """
    torch = sys.modules.get("torch")
    if torch is None or not torch.compiler.is_compiling():
        return False
    return all(isinstance(x, torch.Tensor) for x in xs)


def is_tensorflow_array(x: object) -> bool:
    """Whether `x` is a TensorFlow tensor or variable (eager or symbolic)."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return False
    return isinstance(x, (tf.Tensor, tf.Variable))


def is_tensorflow_namespace(xp: object) -> bool:
    """Whether `xp` is selu_xp's TensorFlow namespace or TensorFlow itself."""
    name = getattr(xp, "__name__", None)
    return isinstance(xp, ModuleType) and name in (_TF_NAMESPACE, "tensorflow")


def tensorflow_namespace() -> Namespace:
    """selu_xp's array API namespace for TensorFlow tensors (imports it)."""
    from . import _tensorflow_namespace

    return _tensorflow_namespace


def is_array_api_obj(x: object) -> bool:
    """array-api-compat's test, extended to TensorFlow tensors."""
    if _traced_tensors((x,)):
        return True
    return _is_array_api_obj(x) or is_tensorflow_array(x)


def is_writeable_array(x: object) -> bool:
    """array-api-compat's test (tensors are writeable)."""
    return _traced_tensors((x,)) or _is_writeable_array(x)


def array_namespace(*xs: Any) -> Namespace:
    """array-api-compat's namespace, or selu_xp's for TensorFlow tensors."""
    tf = [is_tensorflow_array(x) for x in xs]
    if any(tf):
        if not all(tf):
            msg = "Multiple namespaces for array inputs: TensorFlow and another."
            raise TypeError(msg)
        return tensorflow_namespace()
    if xs and _traced_tensors(xs):
        from array_api_compat import torch as torch_namespace

        return torch_namespace
    return _array_namespace(*xs)


def is_lazy(x: Any) -> bool:
    """Whether the values of `x` are not known yet: a Dask array, a JAX
    tracer, a tensor while torch.compile or tf.function traces."""
    if _traced_tensors((x,)):
        return True
    if is_tensorflow_array(x):
        return not hasattr(x, "numpy")  # symbolic tensors have no values
    return bool(_is_lazy_array(x))


def device(x: Any) -> Any:
    """The device of `x`; for TensorFlow its device string (empty if unplaced)."""
    if is_tensorflow_array(x) or _traced_tensors((x,)):
        return x.device
    return _device(x)


F = TypeVar("F", bound=Callable[..., Any])


def not_for_autograph(f: F) -> F:
    """Mark `f` so that ``tf.function``'s AutoGraph calls it as it is.

    AutoGraph rewrites the Python of every function a ``tf.function`` calls;
    selu_xp's functions branch only on Python values and need none of it.
    The marker is the attribute that TensorFlow's own
    ``tf.autograph.experimental.do_not_convert`` sets, so TensorFlow need not
    be imported to set it.
    """
    f.autograph_info__ = frozenset()  # type: ignore[attr-defined]
    return f


def constant_when_traced(f: F) -> F:
    """Mark `f` so that ``torch.compile`` calls it while tracing, not traces it.

    TorchDynamo then keeps the result as a constant of the graph, as for
    ``torch.compiler.assume_constant_result``, whose attribute this sets
    without importing torch (as `not_for_autograph` does for TensorFlow).
    For functions of Python numbers whose work Dynamo cannot trace (decimal
    arithmetic, NumPy scalars).  The mark must be on a plain function: Dynamo
    looks through an ``lru_cache`` wrapper into the function it wraps.
    """
    f._dynamo_marked_constant = True  # type: ignore[attr-defined]
    return f


def concrete_number(value: Any) -> Any:
    """`value`, or its value if ``torch.compile`` traces it as a symbol.

    Under ``torch.compile(dynamic=True)`` a Python number that reaches the
    compiled function (an argument, a default, a module attribute) is traced
    as a symbolic ``SymFloat`` or ``SymInt``, on which the checks and the
    decimal arithmetic of the parameters cannot run.  There it is pinned to
    its value: the compiler guards on it and compiles again for another one,
    as it does for every Python number without ``dynamic=True``.  Anything
    else comes back as it is, for the checks to judge.
    """
    torch = sys.modules.get("torch")
    if torch is None or not torch.compiler.is_compiling():
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Dynamo sees a SymFloat as a float; guard_scalar returns a constant
        # number as it is.
        from torch.fx.experimental.symbolic_shapes import guard_scalar

        return guard_scalar(value)
    return value
