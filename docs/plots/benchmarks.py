"""Effective bandwidth per backend and implementation, from results.json.

Plotted: selu_xp's fast path (solid), the backend's copy floor (dashed) and
the backend's own SELU where it has one (dotted).

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
    1,
    len(dtypes),
    figsize=(4.6 * len(dtypes), 4.6),
    squeeze=False,
    sharey=True,
    layout="constrained",
)
STYLES = {"selu": "-", "copy": "--", "torch_selu": ":", "jax_selu": ":"}
handles = {}
for ax, dtype in zip(axes[0], dtypes, strict=True):
    series = {}
    for r in records:
        if r["dtype"] == dtype and r["implementation"] in STYLES:
            key = f"{r['backend']}: {r['implementation']}"
            if r.get("threads") is not None:
                key += f" ({r['threads']} threads)"
            series.setdefault(key, []).append((r["size"], r["gbps"]))
    for key, points in sorted(series.items()):
        points.sort()
        style = STYLES[key.split(": ")[1].split(" (")[0]]
        (line,) = ax.plot(*zip(*points, strict=True), style, marker=".", label=key)
        handles.setdefault(key, line)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("elements")
    ax.set_title(dtype)
    ax.grid(alpha=0.3, which="both")
axes[0][0].set_ylabel("effective GB/s (read + write)")
fig.legend(
    handles.values(), handles.keys(), loc="outside lower center", ncols=3, fontsize=8
)
