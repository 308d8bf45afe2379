"""The backends the suite measures and the cases it times on each.

A backend turns the shared NumPy input into its own array (on its device),
waits for its asynchronous work (`sync`), and lists its cases: the selu_xp
fast path, the forced generic path, an ``out=`` variant where the fast path
takes one, the copy floor, the naive one-liner in the backend's own functions
and the backend's own SELU.  Every case is a function of no argument whose
call computes one result; lazy and asynchronous results are forced inside it
(JAX ``block_until_ready``, Dask ``compute``) or by `sync` (GPU streams).

Case names are stable: they are the ``case`` field of ``results.json``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import selu_xp

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


def _takes_out() -> bool:
    """Whether the public selu has an ``out=`` parameter."""
    try:
        return "out" in inspect.signature(selu_xp.selu).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without signature
        return False


def _out_case(x: Any, out: Any) -> Case | None:
    """The ``out=`` case if the fast path accepts `out` for this array type."""
    if not _takes_out():
        return None
    selu: Callable[..., Any] = selu_xp.selu  # out= is not in every version
    try:
        selu(x, out=out)
    except (TypeError, ValueError, NotImplementedError):
        return None
    return Case("selu_out", lambda: selu(x, out=out))


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Backend:
    """A library on one device, as the suite measures it."""

    id: str
    family: str
    module: str
    gpu: bool = False
    _usable: Callable[[], str | None] = field(default=lambda: None)
    _prepare: Callable[[np.ndarray, int], Any] = field(default=lambda a, c: a)
    _cases: Callable[[Any, np.ndarray], list[Case | None]] = field(
        default=lambda x, a: []
    )
    _sync: Callable[[], None] = field(default=_nothing)

    def skip_reason(self) -> str | None:
        """Why this backend cannot run here, or None if it can."""
        if importlib.util.find_spec(self.module.split(".")[0]) is None:
            return f"{self.module} is not installed"
        try:
            importlib.import_module(self.module)
        except Exception as exc:  # a broken install is a reason, not a crash
            return f"{self.module} cannot be imported ({exc})"
        return self._usable()

    def prepare(self, a: np.ndarray, dask_chunk: int) -> Any:
        """The input `a` as this backend's array, on its device."""
        return self._prepare(a, dask_chunk)

    def cases(self, x: Any, a: np.ndarray) -> list[Case]:
        """The cases timed on `x` (made from the NumPy array `a`)."""
        return [c for c in self._cases(x, a) if c is not None]

    def sync(self) -> None:
        """Wait for the backend's queued work."""
        self._sync()


# --- NumPy -----------------------------------------------------------------


def _numpy_like_cases(xp: Any, x: Any) -> list[Case | None]:
    """The cases of a library with NumPy's own functions (NumPy, CuPy): `out=`
    and the copy floor write into arrays made once, here."""
    out = xp.empty_like(x)
    floor = xp.empty_like(x)
    return [
        Case("selu", lambda: selu_xp.selu(x)),
        _out_case(x, out),
        Case("selu_generic", lambda: selu_xp.selu(x), _generic),
        Case("copy", lambda: xp.copyto(floor, x)),
        Case("naive", lambda: xp.where(x > 0, SCALE * x, SCALE_ALPHA * xp.expm1(x))),
    ]


def _numpy_cases(x: np.ndarray, a: np.ndarray) -> list[Case | None]:
    return _numpy_like_cases(np, x)


# --- PyTorch ---------------------------------------------------------------


def _torch() -> Any:
    return importlib.import_module("torch")


def _torch_cuda_usable() -> str | None:
    return None if _torch().cuda.is_available() else "torch has no usable CUDA device"


def _torch_prepare(device: str) -> Callable[[np.ndarray, int], Any]:
    return lambda a, chunk: _torch().asarray(a, device=device)


def _torch_cases(x: Any, a: np.ndarray) -> list[Case | None]:
    torch = _torch()
    selu = torch.nn.functional.selu
    out = torch.empty_like(x)
    floor = torch.empty_like(x)
    return [
        Case("selu", lambda: selu_xp.selu(x)),
        _out_case(x, out),
        Case("selu_generic", lambda: selu_xp.selu(x), _generic),
        Case("copy", lambda: floor.copy_(x)),
        Case(
            "naive",
            lambda: torch.where(x > 0, SCALE * x, SCALE_ALPHA * torch.expm1(x)),
        ),
        Case("torch_selu", lambda: selu(x)),
    ]


def _torch_cuda_sync() -> None:
    _torch().cuda.synchronize()


# --- JAX -------------------------------------------------------------------


def _jax() -> Any:
    return importlib.import_module("jax")


def _jax_gpu_usable() -> str | None:
    try:
        _jax().devices("gpu")
    except RuntimeError as exc:
        return f"jax has no usable GPU ({exc})"
    return None


def _jax_prepare(platform: str) -> Callable[[np.ndarray, int], Any]:
    def prepare(a: np.ndarray, chunk: int) -> Any:
        jax = _jax()
        return jax.device_put(a, jax.devices(platform)[0])

    return prepare


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


def _cupy_usable() -> str | None:
    try:
        n = _cupy().cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError, or no driver at all
        return f"cupy has no usable GPU ({exc})"
    return None if n > 0 else "cupy sees no GPU"


def _cupy_cases(x: Any, a: np.ndarray) -> list[Case | None]:
    return _numpy_like_cases(_cupy(), x)


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


BACKENDS: list[Backend] = [
    Backend("numpy", "numpy", "numpy", _cases=_numpy_cases),
    Backend(
        "torch-cpu",
        "torch",
        "torch",
        _prepare=_torch_prepare("cpu"),
        _cases=_torch_cases,
    ),
    Backend(
        "torch-cuda",
        "torch",
        "torch",
        gpu=True,
        _usable=_torch_cuda_usable,
        _prepare=_torch_prepare("cuda"),
        _cases=_torch_cases,
        _sync=_torch_cuda_sync,
    ),
    Backend("jax-cpu", "jax", "jax", _prepare=_jax_prepare("cpu"), _cases=_jax_cases),
    Backend(
        "jax-gpu",
        "jax",
        "jax",
        gpu=True,
        _usable=_jax_gpu_usable,
        _prepare=_jax_prepare("gpu"),
        _cases=_jax_cases,
    ),
    Backend("dask", "dask", "dask.array", _prepare=_dask_prepare, _cases=_dask_cases),
    Backend(
        "cupy",
        "cupy",
        "cupy",
        gpu=True,
        _usable=_cupy_usable,
        _prepare=lambda a, chunk: _cupy().asarray(a),
        _cases=_cupy_cases,
        _sync=_cupy_sync,
    ),
    Backend(
        "array_api_strict",
        "array_api_strict",
        "array_api_strict",
        _prepare=lambda a, chunk: importlib.import_module("array_api_strict").asarray(
            a
        ),
        _cases=_strict_cases,
    ),
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
