"""The accuracy table: max ULP error against the mpmath reference, per
backend, dtype, function and path, on the test suite's grid.

    python -m benchmarks.accuracy   # writes results/accuracy.{json,md}

The README's and the documentation's accuracy tables are this file's
Markdown (a test checks the README's copy, and that the compiled kernel's
rows, which are the same bits on every CPU, are what a fresh run measures).
The generic path's figures depend on the backend's own exp (the CPU's SIMD
level, the libm): the machine is stamped beside them.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import numpy as np

from selu_xp._family import NAMES

RESULTS = Path(__file__).parent / "results"
FUNCTIONS = NAMES
BACKENDS = ("numpy", "array_api_strict", "torch-cpu", "jax-cpu", "jax-cpu-x32", "dask")
LABELS = {
    "numpy": "NumPy",
    "array_api_strict": "array-api-strict",
    "torch-cpu": "PyTorch (CPU)",
    "jax-cpu": "JAX (CPU, x64 on)",
    "jax-cpu-x32": "JAX (CPU, default)",
    "dask": "Dask",
}
# Backends whose fast path is the compiled kernel: their figures are the same
# on every CPU.
KERNEL_BACKENDS = ("numpy", "dask")


def measure(backend_id: str, dtype: str, name: str, path: str) -> float:
    """Max ULP of `name` on `backend_id` in `dtype` on one path."""
    import selu_xp
    from selu_xp.testing import BACKENDS as TABLE
    from selu_xp.testing.oracle import accuracy_grid, max_ulp

    backend = next(b for b in TABLE if b.id == backend_id)
    with backend.context(), selu_xp.force_generic(path == "generic"):
        xb = backend.asarray(accuracy_grid(dtype), dtype)
        x = backend.to_numpy(xb).astype(np.float64)
        y = backend.to_numpy(getattr(selu_xp, name)(xb))
    return max_ulp(name, x, y, dtype)


def run() -> dict[str, Any]:
    from selu_xp.testing import BACKENDS as TABLE

    rows = []
    for backend_id in BACKENDS:
        backend = next(b for b in TABLE if b.id == backend_id)
        if backend.skip_reason():
            continue
        for dtype in backend.dtypes():
            for path in ("fast", "generic"):
                values = {f: measure(backend_id, dtype, f, path) for f in FUNCTIONS}
                rows.append(
                    {"backend": backend_id, "dtype": dtype, "path": path, **values}
                )
                print(backend_id, dtype, path, values, flush=True)
    return {"machine": _machine(), "versions": _versions(), "rows": rows}


def _machine() -> dict[str, Any]:
    from benchmarks.facts import machine

    facts = machine()
    return {"cpu": facts["cpu"], "features": facts["cpu_features"]}


def _versions() -> dict[str, str]:
    from benchmarks.facts import versions

    wanted = ("selu_xp", "numpy", "torch", "jax", "dask", "array-api-strict")
    return {k: v for k, v in versions().items() if k in wanted}


def markdown(record: dict[str, Any]) -> str:
    """The table: one line per backend and dtype, ``fast / generic`` where
    the two paths differ."""
    lines = [
        "| backend | dtype | " + " | ".join(f"`{n}`" for n in FUNCTIONS) + " |",
        "|---|---|" + "---|" * len(FUNCTIONS),
    ]
    by_key = {(r["backend"], r["dtype"], r["path"]): r for r in record["rows"]}
    for backend_id in BACKENDS:
        for dtype in ("float32", "float64", "float16", "bfloat16"):
            fast = by_key.get((backend_id, dtype, "fast"))
            generic = by_key.get((backend_id, dtype, "generic"))
            if fast is None or generic is None:
                continue
            cells = []
            for f in FUNCTIONS:
                a, b = f"{fast[f]:.3f}", f"{generic[f]:.3f}"
                cells.append(a if a == b else f"{a} / {b}")
            lines.append(
                f"| {LABELS[backend_id]} | {dtype} | " + " | ".join(cells) + " |"
            )
    m = record["machine"]
    lines.append("")
    lines.append(
        f"Measured on {m.get('cpu', platform.machine())} "
        f"(features: {', '.join(m.get('features', []))}), "
        + ", ".join(f"{k} {v}" for k, v in record["versions"].items())
        + "."
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    from benchmarks.facts import save

    record = run()
    save("accuracy", record, markdown(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
