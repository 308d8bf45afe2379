"""Markdown tables from the results of a run.

``python -m benchmarks.report results.json [results.md]`` rewrites the
Markdown of a run from its JSON (re-evaluating the targets).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .targets import evaluate, format_size, level_of

__all__ = ["format_ratio", "format_time", "markdown"]

TIMES = "\N{MULTIPLICATION SIGN}"

Record = dict[str, Any]

# For each backend, the peers its fast path is compared with:
# (label, backend holding the peer's records, case).
PEERS: dict[str, list[tuple[str, str, str]]] = {
    "numpy": [
        ("F.selu", "torch-cpu", "torch_selu"),
        ("jax.nn.selu", "jax-cpu", "jax_selu"),
    ],
    "torch-cpu": [("F.selu", "torch-cpu", "torch_selu")],
    "torch-cuda": [("F.selu", "torch-cuda", "torch_selu")],
    "jax-cpu": [("jax.nn.selu", "jax-cpu", "jax_selu")],
    "jax-gpu": [("jax.nn.selu", "jax-gpu", "jax_selu")],
    "dask": [("NumPy path", "dask", "numpy_selu")],
    "cupy": [
        ("F.selu CUDA", "torch-cuda", "torch_selu"),
        ("jax.nn.selu GPU", "jax-gpu", "jax_selu"),
    ],
}


def format_time(seconds: float | None) -> str:
    """A duration with a unit that keeps three significant digits."""
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def format_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}{TIMES}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---" if i < 2 else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _lookup(records: list[Record]) -> dict[tuple[str, str, int, str], Record]:
    return {(r["backend"], r["dtype"], r["size"], r["case"]): r for r in records}


def _dtype_table(records: list[Record], dtype: str, backends: list[str]) -> list[str]:
    idx = _lookup(records)

    def t(backend: str, n: int, case: str) -> float | None:
        r = idx.get((backend, dtype, n, case))
        return None if r is None else float(r["median_s"])

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None or b <= 0 else a / b

    header = [
        "backend",
        "n",
        "selu",
        "GB/s",
        f"{TIMES} copy",
        "selu out=",
        "generic",
        "copy floor",
        "naive",
        f"{TIMES} naive",
        f"peers: time (selu {TIMES})",
    ]
    rows = []
    for backend in backends:
        sizes = sorted({k[2] for k in idx if k[0] == backend and k[1] == dtype})
        for n in sizes:
            fast = t(backend, n, "selu")
            rec = idx.get((backend, dtype, n, "selu"))
            peers = []
            for label, holder, case in PEERS.get(backend, []):
                p = t(holder, n, case)
                if p is not None:
                    peers.append(
                        f"{label} {format_time(p)} ({format_ratio(ratio(fast, p))})"
                    )
            chunk = rec.get("chunk") if rec else None
            name = backend if not chunk else f"{backend} ({format_size(chunk)} chunks)"
            rows.append(
                [
                    name,
                    format_size(n),
                    format_time(fast),
                    "—" if rec is None else f"{rec['gbps']:.3g}",
                    format_ratio(ratio(fast, t(backend, n, "copy"))),
                    format_time(t(backend, n, "selu_out")),
                    format_time(t(backend, n, "selu_generic")),
                    format_time(t(backend, n, "copy")),
                    format_time(t(backend, n, "naive")),
                    format_ratio(ratio(fast, t(backend, n, "naive"))),
                    "; ".join(peers) or "—",
                ]
            )
    return _table(header, rows)


def _overhead_table(records: list[Record], backends: list[str]) -> list[str]:
    smallest = min((r["size"] for r in records), default=None)
    if smallest is None:
        return []
    idx = _lookup(records)
    rows = []
    for backend in backends:
        for dtype in sorted({r["dtype"] for r in records}):

            def us(case: str, b: str = backend, d: str = dtype) -> str:
                r = idx.get((b, d, smallest, case))
                return "—" if r is None else f"{r['median_s'] * 1e6:.3g}"

            if us("selu") == "—":
                continue
            peer = PEERS.get(backend, [])
            own = [(label, h, c) for label, h, c in peer if h == backend]
            peer_text = "; ".join(f"{label} {us(c)}" for label, _, c in own) or "—"
            rows.append([backend, dtype, us("selu"), us("selu_generic"), peer_text])
    return [
        f"### Time per call at n = {format_size(smallest)} (µs)",
        "",
        *_table(["backend", "dtype", "selu", "generic", "own SELU"], rows),
    ]


def _targets_table(targets: list[Record]) -> list[str]:
    rows = []
    for t in targets:
        unit = {"x": TIMES, "us": " µs", "share": ""}[t["unit"]]
        measured = ", ".join(
            f"{v['value']:.3g}{unit} ({format_size(v['size'])})" for v in t["values"]
        )
        op = {"<=": "≤", ">=": "≥", "<": "<"}[t["comparison"]]
        if t["unit"] == "share":
            measured = ", ".join(
                f"{v['value']:.0%} ({format_size(v['size'])})" for v in t["values"]
            )
            limit = f"{op} {t['limit']:.0%}"
        else:
            limit = f"{op} {t['limit']:g}{unit}"
        verdict = {True: "met", False: "**missed**", None: "not measured"}[t["met"]]
        if t["met"] is None and t["note"]:
            verdict += f" ({t['note']})"
        rows.append([t["target"], measured or "—", limit, verdict])
    return _table(["target", "measured (n)", "limit", "result"], rows)


def _facts(meta: dict[str, Any]) -> list[str]:
    m = meta["machine"]
    threads = meta["threads"]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    gpus = ", ".join(f"{k}: {v}" for k, v in meta.get("gpus", {}).items())
    torch_threads = threads.get("torch_threads")
    memory = f"memory {m['memory_gib']} GiB; " if m.get("memory_gib") else ""
    lines = [
        f"- Date: {m['date']}; selu_xp "
        + (
            f"commit {m['selu_xp_commit']}"
            if m.get("selu_xp_commit")
            else f"from {m.get('selu_xp_path') or 'an unknown place'}"
        ),
        f"- CPU: {m['cpu']} ({m['cores']} cores; "
        f"features: {', '.join(m['cpu_features']) or 'none listed'}); "
        f"{memory}{m['os']}",
        f"- Python {m['python']}; {versions}",
        f"- Threads: torch {torch_threads if torch_threads is not None else '—'}"
        f" (--threads {threads['requested'] or 'not set'}); "
        f"environment {threads['environment'] or 'none set'}",
    ]
    if gpus:
        lines.append(f"- GPU: {gpus}")
    lines.append(f"- Settings: {_settings(meta['settings'])}")
    for backend, reason in meta.get("skipped", []):
        lines.append(f"- Skipped {backend}: {reason}")
    return lines


def _settings(s: dict[str, Any]) -> str:
    """How the times were taken (a run recorded before pytest-benchmark has
    `repeat`, `warmup`, `min_time` and `budget` where a later one has `timing`)."""
    t = s.get("timing")
    if t is None:
        fewer = f" (fewer, at least 3, where they would exceed {s['budget']:g} s)"
        how = (
            f"median of {s['repeat']} samples{fewer} after {s['warmup']} warm-up "
            f"call(s), each sample at least {s['min_time'] * 1e3:g} ms"
        )
    else:
        how = (
            f"pytest-benchmark {t['pytest-benchmark']}, median of at least "
            f"{t['min_rounds']} rounds (up to {float(t['max_time']):g} s per case), "
            f"each round at least {float(t['min_time']) * 1e3:g} ms, after one "
            f"untimed call, garbage collector {'off' if t['disable_gc'] else 'on'}"
        )
    return (
        f"{how}; Dask chunks of {format_size(s['dask_chunk'])} elements; "
        f"seed {s['seed']}"
    )


def markdown(meta: dict[str, Any], records: list[Record], targets: list[Record]) -> str:
    """The whole ``results.md``: facts, targets, one table per dtype, overhead."""
    backends = list(dict.fromkeys(r["backend"] for r in records))
    lines = ["## Benchmark results", "", *_facts(meta), "", "### Targets", ""]
    lines += _targets_table(targets)
    lines += [
        "",
        "Times are medians per call, allocating the output unless marked `out=`. "
        f"GB/s counts one read and one write per element. `{TIMES} copy`, "
        f"`{TIMES} naive` and the peers' `{TIMES}` are the selu time divided by "
        "theirs (below 1: selu is faster). JAX rows time `jax.jit(selu)` "
        "against `jax.jit(jax.nn.selu)`; Dask rows include `.compute()`.",
    ]
    for dtype in sorted({r["dtype"] for r in records}):
        lines += ["", f"### {dtype}", "", *_dtype_table(records, dtype, backends)]
    lines += ["", *_overhead_table(records, backends)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print(
            "usage: python -m benchmarks.report RESULTS.json [OUT.md]", file=sys.stderr
        )
        return 2
    doc = json.loads(Path(args[0]).read_text())
    targets = evaluate(doc["results"], level_of(doc["meta"]))
    text = markdown(doc["meta"], doc["results"], targets)
    if len(args) == 2:
        Path(args[1]).write_text(text)
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
