"""The backend matrix of the tests: the package's table, as pytest params.

The columns themselves (how a NumPy array gets onto a backend and back, its
dtypes, why it is skipped) are `selu_xp.testing`, which the benchmark
suite and ``python -m selu_xp`` read too.  Here are only pytest's parts:
params that skip (saying why) a backend that cannot run, `active`, the
columns' subsets that some tests are parametrized over, and `assert_close` /
`assert_equal` (array-api-extra's, extended to the two cases it cannot take).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pytest

try:
    from array_api_extra.testing import assert_close as _xpx_close
    from array_api_extra.testing import assert_equal as _xpx_equal
except ImportError:  # before array-api-extra 0.11, the newest on Python 3.10
    from array_api_extra._lib._testing import (  # type: ignore[no-redef,attr-defined]
        xp_assert_close as _xpx_close,
    )
    from array_api_extra._lib._testing import (  # type: ignore[no-redef,attr-defined]
        xp_assert_equal as _xpx_equal,
    )

from selu_xp._compat import array_namespace, device, is_tensorflow_array
from selu_xp.testing import BACKENDS, Backend

__all__ = [
    "BACKENDS",
    "READ_ONLY",
    "WRITABLE",
    "Backend",
    "active",
    "array_namespace",
    "assert_close",
    "assert_equal",
    "backend_dtype_params",
    "backend_params",
    "device",
]

# The libraries whose arrays cannot be written into (``out=`` is refused):
# JAX's and TensorFlow's arrays are immutable, Dask's are lazy.
_READ_ONLY_MODULES = ("jax", "dask.array", "tensorflow")
READ_ONLY = [b for b in BACKENDS if b.module in _READ_ONLY_MODULES]
WRITABLE = [b for b in BACKENDS if b.module not in _READ_ONLY_MODULES]


@contextlib.contextmanager
def active(backend: Backend) -> Iterator[Backend]:
    """Enter `backend`'s context (JAX with 64-bit types enabled)."""
    with backend.context():
        yield backend


def _param(backend: Backend, value: object, id: str) -> Any:
    reason = backend.skip_reason()
    marks = [pytest.mark.skip(reason=reason)] if reason else []
    return pytest.param(value, id=id, marks=marks)


def backend_params(backends: Iterable[Backend]) -> list[Any]:
    """Pytest params for `backends`, each skipped (with why) when unusable."""
    return [_param(b, b, b.id) for b in backends]


def backend_dtype_params(backends: Iterable[Backend]) -> list[Any]:
    """Pytest params for every (backend, dtype) pair the backends offer."""
    return [_param(b, (b, dt), f"{b.id}-{dt}") for b in backends for dt in b.dtypes()]


# --- Assertions -----------------------------------------------------------------
#
# array_api_extra.testing's assert_close and assert_equal check the namespace,
# dtype, shape and device of `actual` against `desired`, then the values.  Two
# cases of the table they cannot take, done here by hand:
# - TensorFlow: their first step is array_api_compat.array_namespace, which
#   refuses a tf.Tensor (array-api-compat has no TensorFlow namespace).
# - bfloat16 (torch, JAX): they move the arrays to NumPy through DLPack, which
#   has no bfloat16 for NumPy ("Unsupported dtype in DLTensor").  The dtype is
#   checked here, and the values compared widened to float32, which is exact.


def assert_close(
    actual: Any,
    desired: Any,
    *,
    rtol: float,
    atol: float = 0.0,
    check_scalar: bool = False,
) -> None:
    """`array_api_extra.testing.assert_close`, on every column of the table."""
    __tracebackhide__ = True
    if _tensorflow_checked(actual, desired):
        np.testing.assert_allclose(
            _tf_values(actual), _tf_values(desired), rtol=rtol, atol=atol
        )
        return
    actual, desired = _bfloat16_widened(actual, desired)
    _xpx_close(actual, desired, rtol=rtol, atol=atol, check_scalar=check_scalar)


def assert_equal(actual: Any, desired: Any, *, check_scalar: bool = False) -> None:
    """`array_api_extra.testing.assert_equal`, on every column of the table."""
    __tracebackhide__ = True
    if _tensorflow_checked(actual, desired):
        np.testing.assert_array_equal(_tf_values(actual), _tf_values(desired))
        return
    actual, desired = _bfloat16_widened(actual, desired)
    _xpx_equal(actual, desired, check_scalar=check_scalar)


def _tensorflow_checked(actual: Any, desired: Any) -> bool:
    """Whether the arrays are TensorFlow tensors, checked to be alike."""
    if not (is_tensorflow_array(actual) or is_tensorflow_array(desired)):
        return False
    both = is_tensorflow_array(actual) and is_tensorflow_array(desired)
    assert both, f"not both TensorFlow tensors: {type(actual)}, {type(desired)}"
    assert actual.dtype == desired.dtype, (
        f"dtypes do not match: {actual.dtype} != {desired.dtype}"
    )
    assert tuple(actual.shape) == tuple(desired.shape), (
        f"shapes do not match: {actual.shape} != {desired.shape}"
    )
    assert actual.device == desired.device, (
        f"devices do not match: {actual.device} != {desired.device}"
    )
    return True


def _tf_values(x: Any) -> np.ndarray:
    return np.asarray(x.numpy(), dtype=np.float64)  # exact for every float dtype


def _bfloat16_widened(actual: Any, desired: Any) -> tuple[Any, Any]:
    if "bfloat16" not in str(desired.dtype):
        return actual, desired
    xp = array_namespace(desired)
    assert array_namespace(actual) is xp, (
        f"namespaces do not match: {array_namespace(actual)} is not {xp}"
    )
    assert actual.dtype == desired.dtype, (
        f"dtypes do not match: {actual.dtype} != {desired.dtype}"
    )
    return xp.astype(actual, xp.float32), xp.astype(desired, xp.float32)
