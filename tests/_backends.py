"""The backend matrix of the tests: the package's table, as pytest params.

The columns themselves (how a NumPy array gets onto a backend and back, its
dtypes, why it is skipped) are `selu_xp._backend_table`, which the benchmark
suite and ``python -m selu_xp`` read too.  Here are only pytest's parts:
params that skip (saying why) a backend that cannot run, and `active`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from selu_xp._backend_table import BACKENDS, Backend
from selu_xp._compat import array_namespace, device

__all__ = [
    "BACKENDS",
    "Backend",
    "active",
    "array_namespace",
    "backend_dtype_params",
    "backend_params",
    "device",
]


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
