"""Plot effective bandwidth against size from a ``results.json``.

``python -m benchmarks.plot results.json results.png`` redraws the figure of
a run (the documentation does this at build time).  Needs matplotlib.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["plot"]

# case -> (label suffix, line style)
_STYLES = {
    "selu": ("selu_xp", "-"),
    "copy": ("copy floor", ":"),
    "torch_selu": ("F.selu", "--"),
    "jax_selu": ("jax.nn.selu", "--"),
}


def plot(results: dict[str, Any], path: Path) -> None:
    """Write a PNG with one panel per dtype: GB/s against n, per backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = results["results"]
    dtypes = sorted({r["dtype"] for r in records})
    backends = list(dict.fromkeys(r["backend"] for r in records))
    fig, axes = plt.subplots(
        1, len(dtypes), figsize=(6.5 * len(dtypes), 4.8), squeeze=False, sharey=True
    )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, dtype in zip(axes[0], dtypes, strict=True):
        for i, backend in enumerate(backends):
            for case, (label, style) in _STYLES.items():
                pts = sorted(
                    (r["size"], r["gbps"])
                    for r in records
                    if r["backend"] == backend
                    and r["dtype"] == dtype
                    and r["case"] == case
                )
                if pts:
                    ax.plot(
                        [p[0] for p in pts],
                        [p[1] for p in pts],
                        style,
                        marker="o" if case == "selu" else None,
                        color=colors[i % len(colors)],
                        label=f"{backend}: {label}",
                    )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("elements")
        ax.set_title(dtype)
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("effective GB/s (read + write)")
    axes[0][-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    cpu = results["meta"]["machine"]["cpu"]
    fig.suptitle(f"selu: effective bandwidth ({cpu})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m benchmarks.plot RESULTS.json OUT.png", file=sys.stderr)
        return 2
    plot(json.loads(Path(args[0]).read_text()), Path(args[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
