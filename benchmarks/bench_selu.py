"""The timed cases, one pytest-benchmark test each (options: conftest.py).

Every backend's cases (``benchmarks.backends``) are timed on the same
standard-normal input, made once per dtype and size by NumPy and moved to the
backend; pytest-benchmark chooses the calls per round and the rounds.  The
case runs once untimed first (JIT compilation, caches, first touch of the
output's pages), and inside its context (``force_generic``) throughout.  A GPU
backend's call waits for its stream, so its time is the finished work.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.backends import Backend, Case
from benchmarks.targets import format_size

_HELD: dict[tuple[str, str, int], dict[str, Case]] = {}


@functools.lru_cache(maxsize=1)
def _input(dtype: str, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n, dtype=np.dtype(dtype).type)


def _cases(b: Backend, dtype: str, n: int, chunk: int, seed: int) -> dict[str, Case]:
    """The cases of `b` on the input, made once per backend, dtype and size
    (the previous backend's arrays are freed first)."""
    key = (b.id, dtype, n)
    if key not in _HELD:
        _HELD.clear()
        gc.collect()
        a = _input(dtype, n, seed)
        _HELD[key] = {c.name: c for c in b.cases(b.prepare(a, chunk), a)}
    return _HELD[key]


def _synced(call: Callable[[], Any], sync: Callable[[], None]) -> None:
    call()
    sync()


def test_selu(
    benchmark: Any, settings: dict[str, Any], run: tuple[str, str, int, str]
) -> None:
    backend_id, dtype, n, name = run
    b = settings["_backends"][backend_id]
    chunk = settings["dask_chunk"]
    case = _cases(b, dtype, n, chunk, settings["seed"])[name]
    call = functools.partial(_synced, case.call, b.sync) if b.gpu else case.call
    benchmark.group = f"{dtype} n={format_size(n)}"
    benchmark.extra_info.update(
        backend=b.id,
        dtype=dtype,
        size=n,
        case=name,
        chunk=min(chunk, n) if b.family == "dask" else None,
    )
    with case.context() if case.context else contextlib.nullcontext():
        call()
        benchmark(call)
