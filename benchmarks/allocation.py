"""Why allocating calls on large arrays are unsteady: page faults, counted.

Each call of an allocating ``selu`` on a large array gets fresh memory from
the operating system (glibc returns blocks above its mmap threshold, at most
32 MiB, to the system when they are freed), so every call pays for faulting
the new pages in and zeroing them.  How much depends on whether the kernel
hands out 2 MiB transparent huge pages (NumPy asks for them with madvise on
arrays of 4 MiB and more) or 4 KiB pages, which varies with the memory's
fragmentation and with what else runs.  This script times calls in a fresh
process and reads ``/proc/vmstat`` around each one (faults, huge-page faults
and fallbacks), for selu_xp allocating, selu_xp with ``out=`` and
``torch.nn.functional.selu``, in alternating blocks of calls::

    python -m benchmarks.allocation            # 1e7 float32, 12 calls each
    python -m benchmarks.allocation --size 1e6 --calls 30

It also runs the same in `--processes` fresh processes (10) and counts
those where selu_xp's median allocating call is below F.selu's: the
target is all of them.  It writes ``results/allocation.{json,md}``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.facts import BLOCKS, alternating_blocks, fresh_json

COUNTERS = ("minflt", "thp_fault_alloc", "thp_fault_fallback", "compact_stall")
VMSTAT = Path("/proc/vmstat")


def vmstat() -> dict[str, int]:
    """This process's page faults (every thread's: a huge page is one fault
    too) and the system's huge-page faults and fallbacks from /proc/vmstat
    (zeros where it is missing: they count every process)."""
    import resource

    values = {}
    if VMSTAT.is_file():
        values = dict(line.split() for line in VMSTAT.read_text().splitlines())
    minflt = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    return {
        "minflt": minflt,
        **{k: int(values.get(k, 0)) for k in COUNTERS[1:]},
    }


def _timed(f: Any) -> tuple[float, dict[str, int]]:
    before = vmstat()
    t = time.perf_counter()
    f()
    elapsed = time.perf_counter() - t
    after = vmstat()
    return elapsed, {k: after[k] - before[k] for k in COUNTERS}


def run(size: int, calls: int) -> dict[str, Any]:
    """Time `calls` calls of each case, in alternating blocks, with their faults."""
    import selu_xp

    x = np.random.default_rng(0).standard_normal(size).astype(np.float32)
    out = np.empty_like(x)
    cases: dict[str, Any] = {
        "selu_xp": lambda: selu_xp.selu(x),
        "selu_xp_out": lambda: selu_xp.selu(x, out=out),
        "copy_new": lambda: x.copy(),
    }
    try:
        import torch

        t = torch.from_numpy(x)
        cases["torch_selu"] = lambda: torch.nn.functional.selu(t)
    except ImportError:
        pass
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    for name, f in alternating_blocks(cases, calls):
        seconds, faults = _timed(f)
        rows[name].append({"ms": seconds * 1e3, **faults})
    return {
        "size": size,
        "dtype": "float32",
        "calls": calls,
        "threads": selu_xp.get_num_threads(),
        "thp": _thp(),
        "rows": rows,
    }


def _thp() -> str:
    path = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    return path.read_text().strip() if path.is_file() else "unknown"


def markdown(record: dict[str, Any]) -> str:
    """Per case: the first call, the median of the rest, and the faults."""
    lines = [
        f"{record['size']:.0e} float32 elements, {record['calls']} calls per case "
        f"in {BLOCKS} alternating blocks in one fresh process, "
        f"{record['threads']} selu_xp threads; "
        f"transparent huge pages: `{record['thp']}`.",
        "",
        "| case | first call (ms) | median of the rest (ms) | max (ms) "
        "| page faults per call | huge-page faults per call (system) "
        "| fallbacks (system) | compaction stalls (system) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, rows in record["rows"].items():
        ms = [r["ms"] for r in rows]
        rest = rows[1:] or rows
        faults = np.median([r["minflt"] for r in rest])
        huge = np.median([r["thp_fault_alloc"] for r in rest])
        fallback = sum(r["thp_fault_fallback"] for r in rows)
        stalls = sum(r["compact_stall"] for r in rows)
        lines.append(
            f"| `{name}` | {ms[0]:.2f} | {np.median(ms[1:] or ms):.2f} | "
            f"{max(ms):.2f} | {faults:.0f} | {huge:.0f} | {fallback} | {stalls} |"
        )
    return "\n".join(lines) + "\n"


def medians(record: dict[str, Any]) -> dict[str, float]:
    """Each case's median time in ms."""
    return {
        k: float(np.median([r["ms"] for r in v])) for k, v in record["rows"].items()
    }


def fresh_processes(size: int, calls: int, processes: int) -> list[dict[str, float]]:
    """The cases' medians in `processes` new processes, one after another."""
    code = (
        "import json; from benchmarks import allocation as a; "
        f"print(json.dumps(a.medians(a.run({size}, {calls}))))"
    )
    return [fresh_json(code) for _ in range(processes)]


def fresh_markdown(runs: list[dict[str, float]]) -> str:
    """How many fresh processes had selu_xp's median below F.selu's."""
    if not runs or "torch_selu" not in runs[0]:
        return "Fresh processes: not measured (torch is not installed).\n"
    wins = sum(r["selu_xp"] < r["torch_selu"] for r in runs)
    ratios = ", ".join(f"{r['selu_xp'] / r['torch_selu']:.2f}" for r in runs)
    return (
        f"Fresh processes: selu_xp's median allocating call was below F.selu's in "
        f"{wins} of {len(runs)} (target: all); selu_xp / F.selu per process: "
        f"{ratios}.\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Run, print and save the table."""
    from benchmarks.facts import save

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e7)
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--processes", type=int, default=10)
    args = parser.parse_args(argv)
    record = run(int(args.size), args.calls)
    record["fresh_processes"] = fresh_processes(
        int(args.size), args.calls, args.processes
    )
    text = markdown(record) + "\n" + fresh_markdown(record["fresh_processes"])
    print(text)
    save("allocation", record, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
