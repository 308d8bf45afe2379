"""``python -m benchmarks.scale``: selu over a Dask array too large to hold whole.

The input is generated lazily, chunk by chunk, by Dask's random generator
(standard normal, so both branches of SELU run) and never held whole; the
graph ends in a sum, so only one number comes back.  Two graphs are timed,
alternately and ``--repeat`` times each: the generation and the sum alone,
then with ``selu`` in between, so that the difference of the medians is the
cost of ``selu`` itself.  The peak
resident memory of this process is read from the operating system
(``getrusage``); with the default threaded scheduler the chunks are computed
in this process, so it covers them.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main", "run"]

RESULTS = Path(__file__).resolve().parent / "results"


def _count(text: str) -> int:
    value = float(text)
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"expected a positive count, got {text!r}")
    return int(value)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    p.add_argument("--size", type=_count, default=10**9, help="elements (1e9)")
    p.add_argument("--chunk", type=_count, default=10**7, help="elements per chunk")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    p.add_argument(
        "--workers", type=int, default=None, help="threads (default: all cores)"
    )
    p.add_argument("--repeat", type=int, default=3, help="runs of each graph")
    p.add_argument("--out", type=Path, default=RESULTS, help="where scale.json goes")
    p.add_argument("--no-write", action="store_true", help="print only")
    return p


def _peak_rss_bytes() -> int:
    """This process's peak resident set size so far (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) * (1 if sys.platform == "darwin" else 1024)


def _rss_bytes() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * resource.getpagesize()


def run(
    size: int, chunk: int, dtype: str, workers: int | None, repeat: int = 3
) -> dict[str, Any]:
    """Time the two graphs `repeat` times each; medians and samples."""
    import dask
    import dask.array as da
    import numpy as np

    import selu_xp

    def source() -> Any:
        rng = da.random.default_rng(0)
        return rng.standard_normal(size, chunks=chunk, dtype=np.dtype(dtype))

    rss_start = _rss_bytes()
    x = source()
    samples: dict[str, list[float]] = {"generate_sum": [], "generate_selu_sum": []}
    sums = {}
    graphs = {
        "generate_sum": lambda: source().sum(),
        "generate_selu_sum": lambda: selu_xp.selu(source()).sum(),
    }
    with dask.config.set(scheduler="threads", num_workers=workers):
        for _ in range(repeat):  # alternating, so that drifts hit both alike
            for name, make in graphs.items():
                graph = make()
                start = time.perf_counter()
                sums[name] = float(graph.compute())
                samples[name].append(time.perf_counter() - start)
    timings = {name: statistics.median(times) for name, times in samples.items()}
    nbytes = int(x.nbytes)
    selu_s = timings["generate_selu_sum"] - timings["generate_sum"]
    return {
        "size": size,
        "dtype": dtype,
        "bytes": nbytes,
        "chunk": chunk,
        "chunks": len(x.chunks[0]),
        "chunk_bytes": chunk * x.dtype.itemsize,
        "scheduler": "threads",
        "workers": workers,
        "repeat": repeat,
        "seconds": timings,
        "samples_s": samples,
        "selu_seconds": selu_s,
        "elements_per_s": size / timings["generate_selu_sum"],
        "gbps": nbytes / timings["generate_selu_sum"] / 1e9,
        "selu_elements_per_s": size / selu_s if selu_s > 0 else None,
        "selu_gbps": nbytes / selu_s / 1e9 if selu_s > 0 else None,
        "sums": sums,
        "rss_start_bytes": rss_start,
        "peak_rss_bytes": _peak_rss_bytes(),
    }


def markdown(meta: dict[str, Any], r: dict[str, Any]) -> str:
    """The run as a short Markdown report."""
    gib = 2**30
    t = r["seconds"]
    selu_rate = (
        f"{r['selu_elements_per_s'] / 1e6:,.0f} M elements/s "
        f"({r['selu_gbps']:.2f} GB/s)"
        if r["selu_elements_per_s"]
        else "not measurable (within noise)"
    )
    lines = [
        "# selu over a lazily generated Dask array",
        "",
        f"Machine: {meta['cpu']}, {meta['cores']} cores, "
        f"{meta['memory_gib']} GiB memory; {meta['date']}.",
        f"Versions: {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}.",
        "",
        "| quantity | value |",
        "| --- | --- |",
        f"| elements | {r['size']:,} {r['dtype']} ({r['bytes'] / 1e9:.1f} GB, "
        f"{r['bytes'] / gib:.1f} GiB) |",
        f"| chunks | {r['chunks']} of {r['chunk']:,} elements "
        f"({r['chunk_bytes'] / 1e6:.0f} MB) |",
        f"| scheduler | Dask threaded, {r['workers'] or meta['cores']} workers |",
        f"| generate + sum (median of {r['repeat']}) | {t['generate_sum']:.2f} s |",
        f"| generate + selu + sum (median of {r['repeat']}) "
        f"| {t['generate_selu_sum']:.2f} s |",
        f"| end-to-end throughput | {r['elements_per_s'] / 1e6:,.0f} M elements/s "
        f"({r['gbps']:.2f} GB/s) |",
        f"| selu alone (difference of the medians) | {r['selu_seconds']:.2f} s: "
        f"{selu_rate} |",
        f"| peak RSS of the process | {r['peak_rss_bytes'] / gib:.2f} GiB |",
        "",
        "The input is never materialized: the peak RSS is a small fraction of",
        "the array's size.  Samples (s): "
        + "; ".join(
            f"{name} " + ", ".join(f"{v:.2f}" for v in values)
            for name, values in r["samples_s"].items()
        )
        + ".",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .facts import machine, versions

    result = run(args.size, args.chunk, args.dtype, args.workers, args.repeat)
    meta = {**machine(), "versions": versions()}
    text = markdown(meta, result)
    print(text)
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        doc = {"meta": meta, "result": result}
        (args.out / "scale.json").write_text(json.dumps(doc, indent=1) + "\n")
        (args.out / "scale.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
