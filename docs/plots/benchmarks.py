"""Time over the copy floor against size, one figure per backend and run.

The Performance and GPU pages call one function of this script per backend
(``.. plot:: benchmarks.py cpu_numpy``): ``cpu_<backend>`` draws from
``benchmarks/results/results.json``, ``gpu_<backend>`` from
``benchmarks/results/gpu/results.json``.  Each figure has a panel per dtype;
every line is a case's median time divided by the backend's copy floor at the
same size (1: as fast as a copy).  The series come from the documentation's
reader of the results files (``docs/_ext/results_data.py``).
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
from _ext.results_data import RESULTS_DIR, RUNS, Run, plot_function, ratio_series

# selu_xp's own cases solid, the peers dashed, the naive one-liner dotted.
_STYLE = {"selu": ("-", "o", 2.0), "naive": (":", "x", 1.2)}
_OWN = ("out=", "eager", "generic", "persist()")


def draw(run: Run, backend: str) -> None:
    series = ratio_series(run, backend)
    dtypes = list(series)
    fig, axes = plt.subplots(
        1,
        len(dtypes),
        figsize=(3.7 * len(dtypes), 3.3),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    handles = {}
    for ax, dtype in zip(axes[0], dtypes, strict=True):
        ax.axhline(1.0, color="0.5", linewidth=1.0)
        for label, points in series[dtype].items():
            line, marker, width = _STYLE.get(
                label, ("-", ".", 1.2) if label in _OWN else ("--", "s", 1.2)
            )
            sizes, ratios = zip(*sorted(points), strict=True)
            (h,) = ax.plot(
                sizes,
                ratios,
                linestyle=line,
                marker=marker,
                markersize=4,
                linewidth=width,
                label=label,
            )
            handles.setdefault(label, h)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("elements")
        ax.set_title(dtype)
        ax.grid(alpha=0.3, which="both")
    axes[0][0].set_ylabel("time / copy floor")
    fig.legend(
        handles.values(),
        handles.keys(),
        loc="outside lower center",
        ncols=min(len(handles), 4),
        fontsize=8,
    )


for _key, _name in RUNS.items():
    if (RESULTS_DIR / _name).is_file():
        _run = Run.load(_key)
        for _backend in _run.backends:
            globals()[plot_function(_key, _backend)] = functools.partial(
                draw, _run, _backend
            )
