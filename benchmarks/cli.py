"""The command line: ``python -m benchmarks [options]``."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_SIZES = "1e3,1e4,1e5,1e6,1e7"
DEFAULT_OUT = Path(__file__).resolve().parent / "results"
SCHEMA_VERSION = 1


def _sizes(text: str) -> list[int]:
    try:
        sizes = [round(float(s)) for s in text.split(",") if s.strip()]
    except ValueError:
        msg = f"sizes must be numbers separated by commas, like 1e3,1e6; got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not sizes or min(sizes) < 1:
        msg = f"sizes must be positive element counts; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return sorted(set(sizes))


def _names(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Time selu_xp.selu (fast and generic path) against each backend's copy "
            "floor and its own SELU on the same data, in one process, and write "
            "results.json, results.md and results.png."
        ),
    )
    p.add_argument(
        "--sizes",
        type=_sizes,
        default=_sizes(DEFAULT_SIZES),
        help=f"element counts, comma-separated (default {DEFAULT_SIZES})",
    )
    p.add_argument(
        "--large",
        action="store_true",
        help="also run 1e8 elements (800 MB per float64 array)",
    )
    p.add_argument(
        "--dtypes",
        type=_names,
        default=["float32", "float64"],
        help="floating dtypes, comma-separated (default float32,float64)",
    )
    p.add_argument(
        "--backends",
        type=_names,
        default=None,
        help=(
            "families (numpy, torch, jax, dask, cupy, array_api_strict) or devices "
            "(torch-cpu, torch-cuda, jax-cpu, jax-gpu), comma-separated "
            "(default: every installed one)"
        ),
    )
    p.add_argument(
        "--cases",
        type=_names,
        default=None,
        help="only these cases, comma-separated (default: all; see README)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch.set_num_threads(N) (default: leave torch's own setting)",
    )
    p.add_argument("--repeat", type=int, default=7, help="timed samples (default 7)")
    p.add_argument(
        "--warmup", type=int, default=1, help="untimed calls first (default 1)"
    )
    p.add_argument(
        "--min-time",
        type=float,
        default=0.01,
        help="least seconds per sample; fast calls are repeated (default 0.01)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help=(
            "seconds of samples per case; slower cases get fewer samples, "
            "at least 3 (default 20)"
        ),
    )
    p.add_argument(
        "--dask-chunk",
        type=lambda s: round(float(s)),
        default=10**7,
        help="elements per Dask chunk (default 1e7)",
    )
    p.add_argument("--seed", type=int, default=0, help="input seed (default 0)")
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default benchmarks/results)",
    )
    p.add_argument("--no-plot", action="store_true", help="skip results.png")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _configure(backends: list[Any], threads: int | None) -> None:
    """Settings that must be made before any array is created."""
    families = {b.family for b in backends}
    if "jax" in families:
        import jax

        # float64 stays float64
        jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
    if "torch" in families and threads is not None:
        import torch

        torch.set_num_threads(threads)


def _record(
    backend: Any, dtype: str, n: int, case: str, stats: Any, chunk: int | None
) -> dict[str, Any]:
    import numpy as np

    nbytes = 2 * n * np.dtype(dtype).itemsize
    return {
        "backend": backend.id,
        "dtype": dtype,
        "size": n,
        "case": case,
        "median_s": stats.median,
        "q1_s": stats.q1,
        "q3_s": stats.q3,
        "iqr_s": stats.iqr,
        "repeat": stats.repeat,
        "number": stats.number,
        "bytes": nbytes,
        "gbps": nbytes / stats.median / 1e9 if stats.median > 0 else None,
        "chunk": chunk,
    }


def _write(out: Path, meta: dict[str, Any], records: list[dict[str, Any]]) -> str:
    from .report import markdown
    from .targets import evaluate

    targets = evaluate(records)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "meta": meta,
        "results": records,
        "targets": targets,
    }
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "results.json.tmp"
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(out / "results.json")
    text = markdown(meta, records, targets)
    (out / "results.md").write_text(text)
    return text


def _error(meta: dict[str, Any], label: str, exc: Exception) -> None:
    """Record that the case `label` raised, and say so on stderr."""
    err = "".join(traceback.format_exception_only(exc)).strip()
    meta["errors"].append({"case": label, "error": err})
    print(f"\nerror in {label}: {err}", file=sys.stderr)


def _run_backend(
    b: Any,
    a: Any,
    dtype: str,
    args: argparse.Namespace,
    wanted: Callable[[list[Any]], list[Any]],
    progress: Any,
    meta: dict[str, Any],
) -> list[dict[str, Any]]:
    """The records of backend `b`'s cases on input `a`.

    Its cases are calibrated first and then sampled in rounds (one sample of
    each per round), so that a drift of the machine's speed while they run
    falls on all of them alike and their ratios hold.  Backends run one after
    another: a call of one library can slow the next call of another (torch's
    worker threads spin for a while after a kernel), which rounds across
    libraries would turn into a bias.
    """
    from .targets import format_size
    from .timing import Sampler, interleave

    n = a.size
    x = b.prepare(a, args.dask_chunk)
    runs: list[tuple[str, Any]] = []
    for case in wanted(b.cases(x, a)):
        label = f"{b.id} {dtype} n={format_size(n)} {case.name}"
        progress.update(label)
        try:
            sampler = Sampler(
                case.call,
                b.sync,
                repeat=args.repeat,
                warmup=args.warmup,
                min_time=args.min_time,
                context=case.context,
                budget=args.budget,
            )
        except Exception as exc:  # record it, and go on with the rest
            _error(meta, label, exc)
            progress.advance()
        else:
            runs.append((case.name, sampler))
    labels = {id(s): f"{b.id} {dtype} n={format_size(n)} {c}" for c, s in runs}
    interleave([s for _, s in runs], lambda s, exc: _error(meta, labels[id(s)], exc))
    chunk = min(args.dask_chunk, n) if b.family == "dask" else None
    records = []
    for name, sampler in runs:
        if sampler.done:
            records.append(_record(b, dtype, n, name, sampler.stats(), chunk))
        progress.advance()
    return records


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.large and 10**8 not in args.sizes:
        args.sizes.append(10**8)
    # JAX would otherwise reserve most of a GPU's memory for itself.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

    import numpy as np

    from .backends import CASES, resolve
    from .machine import CpuMeter, gpu_facts, machine_facts, thread_facts, versions
    from .timing import Progress

    try:
        backends, skipped = resolve(args.backends)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for backend_id, reason in skipped:
        print(f"skipping {backend_id}: {reason}", file=sys.stderr)
    if not backends:
        print("error: none of the requested backends can run here", file=sys.stderr)
        return 2
    unknown = sorted(set(args.cases or []) - set(CASES))
    if unknown:
        print(f"error: unknown case(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    for dtype in args.dtypes:
        if dtype not in ("float32", "float64"):
            print(
                f"error: dtype must be float32 or float64, got {dtype}", file=sys.stderr
            )
            return 2
    _configure(backends, args.threads)

    def wanted(cases: list[Any]) -> list[Any]:
        return [c for c in cases if args.cases is None or c.name in args.cases]

    # Count the steps for the progress bar on a tiny input; this also runs
    # every case once, so a broken one fails here and not after an hour.
    per_backend = {}
    for b in backends:
        probe = np.zeros(8, dtype=args.dtypes[0])
        per_backend[b.id] = len(wanted(b.cases(b.prepare(probe, 8), probe)))
    total = len(args.dtypes) * len(args.sizes) * sum(per_backend.values())
    progress = Progress(total, enabled=not args.no_progress)

    meta: dict[str, Any] = {
        "machine": machine_facts(),
        "versions": versions(),
        "threads": thread_facts(args.threads),
        "gpus": gpu_facts([b.id for b in backends]),
        "settings": {
            "sizes": args.sizes,
            "dtypes": args.dtypes,
            "backends": [b.id for b in backends],
            "cases": args.cases,
            "repeat": args.repeat,
            "warmup": args.warmup,
            "min_time": args.min_time,
            "budget": args.budget,
            "dask_chunk": args.dask_chunk,
            "seed": args.seed,
            "argv": sys.argv[1:] if argv is None else list(argv),
        },
        "cases": CASES,
        "skipped": [list(s) for s in skipped],
        "errors": [],
        "load": [],
    }
    meter = CpuMeter()
    records: list[dict[str, Any]] = []
    rng = np.random.default_rng(args.seed)
    for dtype in args.dtypes:
        for n in args.sizes:
            a = rng.standard_normal(n, dtype=np.dtype(dtype).type)
            for b in backends:
                records += _run_backend(b, a, dtype, args, wanted, progress, meta)
                gc.collect()
            del a
            meta["load"].append({"dtype": dtype, "size": n, **meter.read()})
            _write(args.out, meta, records)
    progress.close()
    text = _write(args.out, meta, records)
    if not args.no_plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("matplotlib is not installed: no results.png", file=sys.stderr)
        else:
            from .plot import plot

            plot(
                json.loads((args.out / "results.json").read_text()),
                args.out / "results.png",
            )
    print(text)
    print(f"wrote {args.out / 'results.json'} and results.md", file=sys.stderr)
    return 1 if meta["errors"] else 0
