"""The kernel against torch's CPU kernel at each instruction-set level.

For each level the CPU has (baseline, AVX2, AVX-512) a fresh process forces
selu_xp's kernel to it and torch to the same one (``ATEN_CPU_CAPABILITY``:
default, avx2, avx512), then times, interleaved and on the same data, the
kernel with ``out=`` and ``torch.nn.functional.selu``, on 1 and on 2
threads (both libraries set alike), in alternating blocks of calls, and
reports nanoseconds per element::

    python -m benchmarks.levels        # writes results/levels.{json,md}
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from benchmarks.facts import BLOCKS, alternating_blocks, fresh_json

SIZES = (10**5, 10**6)
ROUNDS = 45
_CAPABILITY = {"baseline": "default", "avx2": "avx2", "avx512": "avx512"}


def measure(level: str) -> dict[str, Any]:
    """In this process (torch not imported yet): ns per element per case."""
    import torch

    import selu_xp
    from selu_xp._kernels import _ufunc

    _ufunc.set_level(level)
    rows = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        selu_xp.set_num_threads(threads)
        for dtype in ("float32", "float64"):
            for n in SIZES:
                x = np.random.default_rng(0).standard_normal(n).astype(dtype)
                out = np.empty_like(x)
                t = torch.from_numpy(x)
                cases: dict[str, Callable[[], Any]] = {
                    "selu_xp": partial(selu_xp.selu, x, out=out),
                    "torch": partial(torch.nn.functional.selu, t),
                }
                times: dict[str, list[float]] = {k: [] for k in cases}
                for f in cases.values():
                    f()
                for name, f in alternating_blocks(cases, ROUNDS):
                    start = time.perf_counter()
                    f()
                    times[name].append(time.perf_counter() - start)
                rows.append(
                    {
                        "threads": threads,
                        "dtype": dtype,
                        "size": n,
                        **{k: float(np.median(v)) / n * 1e9 for k, v in times.items()},
                    }
                )
    return {
        "level": level,
        "torch_capability": torch.backends.cpu.get_cpu_capability(),
        "rows": rows,
    }


def run() -> dict[str, Any]:
    """Every level in its own process."""
    from benchmarks.facts import machine
    from selu_xp._kernels import _ufunc

    out = []
    for level in _ufunc.levels():
        code = (
            "import json; from benchmarks import levels; "
            f"print(json.dumps(levels.measure({level!r})))"
        )
        out.append(fresh_json(code, {"ATEN_CPU_CAPABILITY": _CAPABILITY[level]}))
        print(f"{level}: done", file=sys.stderr, flush=True)
    facts = machine()
    return {
        "machine": facts["cpu"],
        "cpu_features": ", ".join(facts["cpu_features"]),
        "rounds": ROUNDS,
        "levels": out,
    }


def markdown(record: dict[str, Any]) -> str:
    """ns per element at each level, dtype, size and thread count."""
    lines = [
        "| level (torch's) | dtype | size | threads | selu_xp out= (ns/el) "
        "| F.selu (ns/el) | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines.extend(
        f"| {lvl['level']} ({lvl['torch_capability']}) | {r['dtype']} | "
        f"{r['size']:.0e} | {r['threads']} | {r['selu_xp']:.2f} | "
        f"{r['torch']:.2f} | {r['selu_xp'] / r['torch']:.2f} |"
        for lvl in record["levels"]
        for r in lvl["rows"]
    )
    lines.append("")
    lines.append(
        f"Medians of {record['rounds']} calls per case, in {BLOCKS} alternating "
        f"blocks, in one process per level, on {record['machine']} (features: "
        f"{record['cpu_features']})."
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run every level, print and save the table."""
    from benchmarks.facts import save

    record = run()
    text = markdown(record)
    print(text)
    save("levels", record, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
