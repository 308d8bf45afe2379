"""Effective bandwidth per backend and implementation, from results.json.

The records are read by the documentation's own loader, which accepts the
benchmark suite's JSON (see docs/_ext/benchmark_page.py).
"""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
from _ext.benchmark_page import load

RESULTS = Path(sys.argv[0]).resolve().parents[2] / "benchmarks" / "results"
meta, records = load(RESULTS / "results.json")

dtypes = sorted({r["dtype"] for r in records})
fig, axes = plt.subplots(
    1, len(dtypes), figsize=(4.6 * len(dtypes), 3.8), squeeze=False, sharey=True
)
for ax, dtype in zip(axes[0], dtypes, strict=True):
    series = {}
    for r in records:
        if r["dtype"] == dtype:
            key = f"{r['backend']}: {r['implementation']}"
            if r.get("threads") is not None:
                key += f" ({r['threads']} threads)"
            series.setdefault(key, []).append((r["size"], r["gbps"]))
    for key, points in sorted(series.items()):
        points.sort()
        ax.plot(*zip(*points, strict=True), marker=".", label=key)
    ax.set_xscale("log")
    ax.set_xlabel("elements")
    ax.set_title(dtype)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
axes[0][0].set_ylabel("effective GB/s (read + write)")
