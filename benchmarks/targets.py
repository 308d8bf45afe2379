"""The performance targets, evaluated from measured records.

Each target compares medians of the same run (same process, same data).  A
target is met when every measured size meets it, missed when one does not,
and not measured (``met`` is None) when the run lacks a number it needs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["evaluate", "format_size", "level_of"]

Record = dict[str, Any]
Index = dict[tuple[str, str, int, str], Record]

_PEER_SIZES = (10**4, 10**7)  # the sizes of the NumPy-against-peers targets
_COPY_SIZE = 10**7  # the size of the NumPy-against-copy target
# The limits of time / F.selu at the kernel's level (torch forced to the same
# level with ATEN_CPU_CAPABILITY): (float32, float64).
_TORCH_LIMITS = {"avx512": (0.8, 0.7), "avx2": (1.0, 0.8)}
_OVERHEAD_LIMITS = {"float32": 2.0, "float64": 2.5}  # µs per call at 1e3
_OUT_SLACK = 0.3  # µs that out= may cost over allocating at 1e3
_OVERHEAD_SIZE = 10**3
_DASK_SIZE, _DASK_CHUNK = 10**8, 10**7
_DTYPES = ("float32", "float64")
_LARGE = (10**6, 10**8)  # the sizes of the CuPy-against-torch targets


def format_size(n: int) -> str:
    """``1e6`` for a power of ten, else three significant digits."""
    s = f"{n:.0e}".replace("e+0", "e").replace("e+", "e")
    return s if float(s) == n else f"{n:.3g}"


def _index(records: Iterable[Record]) -> Index:
    return {(r["backend"], r["dtype"], r["size"], r["case"]): r for r in records}


def _median(idx: Index, backend: str, dtype: str, size: int, case: str) -> float | None:
    r = idx.get((backend, dtype, size, case))
    return None if r is None else float(r["median_s"])


def _sizes(idx: Index, backend: str, dtype: str) -> list[int]:
    return sorted({k[2] for k in idx if k[0] == backend and k[1] == dtype})


def _target(
    id: str,
    text: str,
    limit: float,
    unit: str,
    values: list[tuple[int, float]],
    ok: Callable[[float, float], bool],
    note: str = "",
) -> Record:
    met = all(ok(v, limit) for _, v in values) if values else None
    return {
        "id": id,
        "target": text,
        "limit": limit,
        "unit": unit,
        "comparison": "<=" if ok is operator.le else ">=" if ok is operator.ge else "<",
        "values": [{"size": n, "value": v} for n, v in values],
        "met": met,
        "note": note,
    }


def _ratios(
    idx: Index,
    num: tuple[str, str],
    den: tuple[str, str],
    dtype: str,
    sizes: Iterable[int],
) -> list[tuple[int, float]]:
    """``time(num) / time(den)`` at each size where both were measured."""
    values = []
    for n in sizes:
        a = _median(idx, num[0], dtype, n, num[1])
        b = _median(idx, den[0], dtype, n, den[1])
        if a is not None and b is not None and b > 0:
            values.append((n, a / b))
    return values


def _per_call_us(
    idx: Index, backend: str, dtype: str, case: str, minus: str | None = None
) -> list[tuple[int, float]]:
    """The time per call of `case` at 1e3 elements in µs, less that of the
    case `minus` where one is named: one value, none where one is missing."""
    t = _median(idx, backend, dtype, _OVERHEAD_SIZE, case)
    base = 0.0 if minus is None else _median(idx, backend, dtype, _OVERHEAD_SIZE, minus)
    if t is None or base is None:
        return []
    return [(_OVERHEAD_SIZE, (t - base) * 1e6)]


def _numpy_targets(idx: Index, dtype: str, level: str | None) -> list[Record]:
    sizes = _sizes(idx, "numpy", dtype)
    peers = [n for n in sizes if _PEER_SIZES[0] <= n <= _PEER_SIZES[1]]
    fast = ("numpy", "selu")
    at = f" at the {level} level" if level else ""
    head = f"NumPy {dtype}, 1e4..1e7, allocating{at}:"
    torch_limit = _TORCH_LIMITS.get(level or "", _TORCH_LIMITS["avx512"])
    out = [
        _target(
            f"numpy-vs-torch-{dtype}",
            f"{head} time / torch.nn.functional.selu (CPU, same threads, same level)",
            torch_limit[0 if dtype == "float32" else 1],
            "x",
            _ratios(idx, fast, ("torch-cpu", "torch_selu"), dtype, peers),
            operator.le,
        ),
    ]
    if level != "avx2":
        out.append(
            _target(
                f"numpy-vs-jax-{dtype}",
                f"{head} time / jax.nn.selu under jit (CPU)",
                1.0,
                "x",
                _ratios(idx, fast, ("jax-cpu", "jax_selu"), dtype, peers),
                operator.le,
            )
        )
    if dtype == "float32" and level != "avx2":
        out.append(
            _target(
                f"numpy-out-vs-copy-{dtype}",
                f"NumPy {dtype}, 1e7, out=: time / copy floor (np.copyto)",
                2.0,
                "x",
                _ratios(
                    idx, ("numpy", "selu_out"), ("numpy", "copy"), dtype, [_COPY_SIZE]
                ),
                operator.le,
            )
        )
    out.append(
        _target(
            f"numpy-overhead-{dtype}",
            f"NumPy {dtype}: time per call at 1e3 elements (µs)",
            _OVERHEAD_LIMITS[dtype],
            "us",
            _per_call_us(idx, "numpy", dtype, "selu"),
            operator.le,
        )
    )
    out.append(
        _target(
            f"numpy-out-overhead-{dtype}",
            f"NumPy {dtype}: time per call at 1e3 with out= minus allocating (µs)",
            _OUT_SLACK,
            "us",
            _per_call_us(idx, "numpy", dtype, "selu_out", minus="selu"),
            operator.le,
        )
    )
    return out


def _torch_targets(idx: Index, dtype: str) -> list[Record]:
    out = []
    out.append(
        _target(
            f"torch-overhead-{dtype}",
            f"PyTorch CPU {dtype}: time per call at 1e3 minus F.selu's (µs)",
            1.5,
            "us",
            _per_call_us(idx, "torch-cpu", dtype, "selu", minus="torch_selu"),
            operator.le,
        )
    )
    out += _own_selu_targets(
        idx,
        dtype,
        ("torch-cpu", "torch-cuda"),
        ("torch_selu", "fselu", 1.1),
        "PyTorch ({backend}) {dtype}, every size: time / F.selu",
    )
    return out


def _jax_targets(idx: Index, dtype: str) -> list[Record]:
    return _own_selu_targets(
        idx,
        dtype,
        ("jax-cpu", "jax-gpu"),
        ("jax_selu", "nn", 1.05),
        "JAX ({backend}) {dtype}, every size, both under jit: time / jax.nn.selu",
    )


def _own_selu_targets(
    idx: Index,
    dtype: str,
    devices: tuple[str, str],
    peer: tuple[str, str, float],
    text: str,
) -> list[Record]:
    """``time(selu) / time(own SELU)`` at every size, per device of a library.

    `devices` is the CPU backend (always listed) and the GPU one (listed only
    when measured); `peer` is the own SELU's case, its name in the target's
    id, and the limit; `text` is formatted with ``backend`` and ``dtype``.
    """
    case, name, limit = peer
    out = []
    for backend in devices:
        sizes = _sizes(idx, backend, dtype)
        if backend != devices[0] and not sizes:
            continue
        out.append(
            _target(
                f"{backend}-vs-{name}-{dtype}",
                text.format(backend=backend, dtype=dtype),
                limit,
                "x",
                _ratios(idx, (backend, "selu"), (backend, case), dtype, sizes),
                operator.le,
            )
        )
    return out


def _dask_target(idx: Index, dtype: str, case: str = "selu") -> Record:
    """The Dask target; with ``case="selu_persist"`` the same target read for
    chunks that stay in memory (``persist``) instead of one gathered array."""
    r = idx.get(("dask", dtype, _DASK_SIZE, case))
    values: list[tuple[int, float]] = []
    note = "needs a run with dask at --sizes 1e8 and --dask-chunk 1e7"
    if r is not None and r.get("chunk") == _DASK_CHUNK:
        values = _ratios(
            idx, ("dask", case), ("dask", "numpy_selu"), dtype, [_DASK_SIZE]
        )
        note = ""
    text = f"Dask {dtype}, 1e8 elements in 1e7-element chunks: time / NumPy path"
    if case == "selu_persist":
        text += " (chunks kept by persist(), not gathered into one array)"
    return _target(
        f"dask-vs-numpy-{dtype}" + ("-persist" if case == "selu_persist" else ""),
        text,
        1.1 if case == "selu_persist" else 1.2,
        "x",
        values,
        operator.le,
        "" if values else note,
    )


def _cupy_targets(idx: Index) -> list[Record]:
    t_copy = _median(idx, "cupy", "float32", _DASK_SIZE, "copy")
    t_selu = _median(idx, "cupy", "float32", _DASK_SIZE, "selu")
    share = [] if t_copy is None or t_selu is None else [(_DASK_SIZE, t_copy / t_selu)]
    out = [
        _target(
            "cupy-vs-copy-float32",
            "CuPy float32, 1e8: bandwidth as a share of the device copy's",
            0.9,
            "share",
            share,
            operator.ge,
            "" if share else "needs a GPU run of cupy at 1e8 float32",
        )
    ]
    for dtype in _DTYPES:
        sizes = [n for n in _sizes(idx, "cupy", dtype) if n >= _LARGE[0]]
        values = _ratios(
            idx, ("cupy", "selu"), ("torch-cuda", "torch_selu"), dtype, sizes
        )
        out.append(
            _target(
                f"cupy-vs-torch-{dtype}",
                f"CuPy {dtype}, 1e6 and up: time / torch CUDA F.selu (faster: < 1)",
                1.0,
                "x",
                values,
                operator.lt,
                "" if values else "needs a GPU run of cupy and torch-cuda",
            )
        )
    return out


def level_of(meta: dict[str, Any]) -> str | None:
    """The kernel's dispatch level that a run's meta records, if any."""
    levels = meta.get("levels") or {}
    return levels.get("selu_xp") if isinstance(levels, dict) else None


def evaluate(records: Iterable[Record], level: str | None = None) -> list[Record]:
    """Every target of the suite, with its measured values and verdict.

    `level` is the kernel's dispatch level in the run: the NumPy-against-torch
    limits depend on it (the AVX2 run forces torch to AVX2 too).
    """
    idx = _index(records)
    out: list[Record] = []
    for dtype in _DTYPES:
        out += _numpy_targets(idx, dtype, level)
    for dtype in _DTYPES:
        out += _torch_targets(idx, dtype)
    for dtype in _DTYPES:
        out += _jax_targets(idx, dtype)
    out += [_dask_target(idx, dtype) for dtype in _DTYPES]
    out += [_dask_target(idx, dtype, "selu_persist") for dtype in _DTYPES]
    out += _cupy_targets(idx)
    return out
