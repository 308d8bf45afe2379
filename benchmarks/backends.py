"""The backends the suite measures and the cases it times on each.

A backend is a column of the package's table (`selu_xp.testing`, which
the tests and ``python -m selu_xp`` read too, and which says why a backend
cannot run here).  It turns the shared NumPy input into its own array (on its
device), waits for its asynchronous work (`sync`), and lists its cases: the
selu_xp fast path, the forced generic path, an ``out=`` variant where the fast
path takes one, the copy floor, the naive one-liner in the backend's own
functions and the backend's own SELU.  Every case is a function of no
argument whose call computes one result; lazy and asynchronous results are
forced inside it (JAX ``block_until_ready``, Dask ``compute``) or by `sync`
(GPU streams).

Case names are stable: they are the ``case`` field of ``results.json``.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import selu_xp
from selu_xp import testing

__all__ = ["BACKENDS", "CASES", "Backend", "Case", "resolve"]

SCALE = selu_xp.SELU_SCALE
SCALE_ALPHA = selu_xp.SELU_SCALE * selu_xp.SELU_ALPHA

# Every case name, in the order of the tables, with what it measures.
CASES: dict[str, str] = {
    "selu": "selu_xp.selu(x), the fast path, allocating (JAX: under jit)",
    "selu_out": "selu_xp.selu(x, out=out) into a preallocated array",
    "selu_eager": "selu_xp.selu(x) called eagerly (JAX only)",
    "selu_generic": "selu_xp.selu(x) inside force_generic() (JAX: under jit)",
    "copy": "the copy floor: one read and one write into a preallocated array",
    "naive": "where(x > 0, scale*x, scale*alpha*expm1(x)) in the backend's functions",
    "torch_selu": "torch.nn.functional.selu(x)",
    "jax_selu": "jax.nn.selu(x) under jit",
    "numpy_selu": "selu_xp.selu on the NumPy array that the Dask array wraps",
    "selu_persist": "selu_xp.selu(x).persist(): the Dask chunks computed and kept, "
    "not gathered into one array",
}


@dataclass(frozen=True)
class Case:
    """One timed call: `call()` computes one result."""

    name: str
    call: Callable[[], Any]
    context: Callable[[], contextlib.AbstractContextManager[Any]] | None = None


def _generic() -> contextlib.AbstractContextManager[Any]:
    return selu_xp.force_generic()


def _out_case(x: Any, out: Any) -> Case | None:
    """The ``out=`` case if the fast path accepts `out` for this array type."""
    try:
        selu_xp.selu(x, out=out)
    except (TypeError, ValueError, NotImplementedError):
        return None
    return Case("selu_out", lambda: selu_xp.selu(x, out=out))


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Backend:
    """A column of the package's table, as the suite measures it."""

    column: testing.Backend
    _prepare: Callable[[np.ndarray, int], Any] | None = None
    _cases: Callable[[Any, np.ndarray], list[Case | None]] = field(
        default=lambda x, a: []
    )
    _sync: Callable[[], None] = field(default=_nothing)

    # The column's id, family, module and gpu flag, as attributes of this.
    id = property(lambda self: self.column.id)
    family = property(lambda self: self.column.family)
    module = property(lambda self: self.column.module)
    gpu = property(lambda self: self.column.gpu)

    def skip_reason(self) -> str | None:
        """Why this backend cannot run here, or None if it can."""
        try:
            return self.column.skip_reason()
        except Exception as exc:  # a broken install is a reason, not a crash
            return f"{self.module} cannot be imported ({exc})"

    def prepare(self, a: np.ndarray, dask_chunk: int) -> Any:
        """The input `a` as this backend's array, on its device."""
        if self._prepare is None:
            return self.column.asarray(a)
        return self._prepare(a, dask_chunk)

    def cases(self, x: Any, a: np.ndarray) -> list[Case]:
        """The cases timed on `x` (made from the NumPy array `a`)."""
        return [c for c in self._cases(x, a) if c is not None]

    def sync(self) -> None:
        """Wait for the backend's queued work."""
        self._sync()

    def __str__(self) -> str:
        return self.id


# --- NumPy -----------------------------------------------------------------


def _eager_cases(xp: Any, x: Any, copy: Callable[[Any, Any], Any]) -> list[Case | None]:
    """The cases of an eager library whose namespace `xp` has ``empty_like``,
    ``where`` and ``expm1`` (NumPy, CuPy, PyTorch): `out=` and the copy floor
    (``copy(floor, x)``) write into arrays made once, here."""
    out = xp.empty_like(x)
    floor = xp.empty_like(x)
    return [
        Case("selu", lambda: selu_xp.selu(x)),
        _out_case(x, out),
        Case("selu_generic", lambda: selu_xp.selu(x), _generic),
        Case("copy", lambda: copy(floor, x)),
        Case("naive", lambda: xp.where(x > 0, SCALE * x, SCALE_ALPHA * xp.expm1(x))),
    ]


def _numpy_cases(x: np.ndarray, a: np.ndarray) -> list[Case | None]:
    return _eager_cases(np, x, np.copyto)


# --- PyTorch ---------------------------------------------------------------


def _torch() -> Any:
    return importlib.import_module("torch")


def _torch_prepare(a: np.ndarray, chunk: int) -> Any:
    # Not the table's copy of `a`: on the CPU the tensor shares its memory.
    return _torch().asarray(a, device="cpu")


def _torch_cuda_prepare(a: np.ndarray, chunk: int) -> Any:
    return _torch().asarray(a, device="cuda")


def _torch_cases(x: Any, a: np.ndarray) -> list[Case | None]:
    torch = _torch()
    selu = torch.nn.functional.selu
    return [
        *_eager_cases(torch, x, torch.Tensor.copy_),
        Case("torch_selu", lambda: selu(x)),
    ]


def _torch_cuda_sync() -> None:
    _torch().cuda.synchronize()


# --- JAX -------------------------------------------------------------------


def _jax() -> Any:
    return importlib.import_module("jax")


def _jax_cases(x: Any, a: np.ndarray) -> list[Case | None]:
    jax = _jax()
    jnp = jax.numpy

    def blocked(f: Callable[[Any], Any]) -> Callable[[], Any]:
        return lambda: f(x).block_until_ready()

    def naive(v: Any) -> Any:
        return jnp.where(v > 0, SCALE * v, SCALE_ALPHA * jnp.expm1(v))

    def fast(v: Any) -> Any:
        return selu_xp.selu(v)

    def generic(v: Any) -> Any:
        return selu_xp.selu(v)

    # Separate jit wrappers: the path is chosen when a wrapper is traced, and
    # the generic one is only ever traced (and called) inside force_generic().
    return [
        Case("selu", blocked(jax.jit(fast))),
        Case("selu_eager", blocked(selu_xp.selu)),
        Case("selu_generic", blocked(jax.jit(generic)), _generic),
        Case("copy", blocked(jax.jit(jnp.copy))),
        Case("naive", blocked(jax.jit(naive))),
        Case("jax_selu", blocked(jax.jit(jax.nn.selu))),
    ]


# --- Dask ------------------------------------------------------------------


def _dask_prepare(a: np.ndarray, chunk: int) -> Any:
    da = importlib.import_module("dask.array")
    return da.from_array(a, chunks=min(chunk, a.size))


def _dask_cases(x: Any, a: np.ndarray) -> list[Case | None]:
    da = importlib.import_module("dask.array")

    def naive() -> Any:
        y = da.where(x > 0, SCALE * x, SCALE_ALPHA * da.expm1(x))
        return y.compute(scheduler="threads")

    return [
        Case("selu", lambda: selu_xp.selu(x).compute(scheduler="threads")),
        Case(
            "selu_generic",
            lambda: selu_xp.selu(x).compute(scheduler="threads"),
            _generic,
        ),
        Case(
            "copy",
            lambda: x.map_blocks(np.copy, dtype=x.dtype).compute(scheduler="threads"),
        ),
        Case("naive", naive),
        Case("numpy_selu", lambda: selu_xp.selu(a)),
        # compute() gathers the chunks into one new array, a copy of the whole
        # result that persist() does not make.
        Case(
            "selu_persist",
            lambda: selu_xp.selu(x).persist(scheduler="threads"),
        ),
    ]


# --- CuPy ------------------------------------------------------------------


def _cupy() -> Any:
    return importlib.import_module("cupy")


def _cupy_cases(x: Any, a: np.ndarray) -> list[Case | None]:
    cp = _cupy()
    return _eager_cases(cp, x, cp.copyto)


def _cupy_sync() -> None:
    _cupy().cuda.get_current_stream().synchronize()


# --- array-api-strict --------------------------------------------------------


def _strict_cases(x: Any, a: np.ndarray) -> list[Case | None]:
    xs = importlib.import_module("array_api_strict")
    return [
        Case("selu", lambda: selu_xp.selu(x)),
        Case("selu_generic", lambda: selu_xp.selu(x), _generic),
        Case("copy", lambda: xs.asarray(x, copy=True)),
        Case("naive", lambda: xs.where(x > 0, SCALE * x, SCALE_ALPHA * xs.expm1(x))),
    ]


def _column(backend_id: str) -> testing.Backend:
    return next(b for b in testing.BACKENDS if b.id == backend_id)


BACKENDS: list[Backend] = [
    Backend(_column("numpy"), _cases=_numpy_cases),
    Backend(_column("torch-cpu"), _prepare=_torch_prepare, _cases=_torch_cases),
    Backend(
        _column("torch-cuda"),
        _prepare=_torch_cuda_prepare,
        _cases=_torch_cases,
        _sync=_torch_cuda_sync,
    ),
    # No x64 context here: the suite enables x64 for the whole run.
    Backend(_column("jax-cpu"), _cases=_jax_cases),
    Backend(_column("jax-gpu"), _cases=_jax_cases),
    Backend(_column("dask"), _prepare=_dask_prepare, _cases=_dask_cases),
    Backend(_column("cupy"), _cases=_cupy_cases, _sync=_cupy_sync),
    Backend(_column("array_api_strict"), _cases=_strict_cases),
]


def resolve(names: list[str] | None) -> tuple[list[Backend], list[tuple[str, str]]]:
    """The usable backends named (a family such as ``torch`` or an id such as
    ``torch-cuda``; None for all), and ``(id, reason)`` for those skipped.

    A family names all its devices (``torch``: ``torch-cpu`` and ``torch-cuda``).
    """
    wanted = [b.id for b in BACKENDS] if names is None else names
    known = {b.id for b in BACKENDS} | {b.family for b in BACKENDS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        msg = (
            f"unknown backend(s) {', '.join(unknown)}; expected names among "
            f"{', '.join(sorted(known))}"
        )
        raise ValueError(msg)
    chosen: list[Backend] = []
    skipped: list[tuple[str, str]] = []
    for b in BACKENDS:
        if names is not None and b.id not in wanted and b.family not in wanted:
            continue
        reason = b.skip_reason()
        if reason is None:
            chosen.append(b)
        else:
            skipped.append((b.id, reason))
    return chosen, skipped
