"""``python -m benchmarks [--out DIR] [--no-plot] [pytest options]``.

Runs ``bench_selu.py`` under pytest-benchmark in this process, then writes
``results.json`` (schema 1, see README.md), ``results.md`` and
``results.png`` from its JSON.  Every other option goes to pytest: the suite's
own (``--sizes``, ``--backends``, ... in conftest.py) and pytest-benchmark's
(``--benchmark-min-rounds``, ``--benchmark-max-time``, ...), whose defaults
here are the first ones of `DEFAULTS`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.facts import FEATURES
from benchmarks.targets import evaluate

HERE = Path(__file__).resolve().parent
SCHEMA_VERSION = 1
DEFAULTS = [
    "--benchmark-min-rounds=7",
    "--benchmark-min-time=0.01",
    "--benchmark-disable-gc",
    "--benchmark-sort=name",
    "--benchmark-columns=median,iqr,rounds,iterations",
    "-p",
    "no:cacheprovider",
]


def convert(raw: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` from pytest-benchmark's JSON of a run of the suite."""
    own = raw["selu_xp"]
    info, commit = raw["machine_info"], raw["commit_info"]
    cpu = info.get("cpu", {})
    records = []
    for bench in raw["benchmarks"]:
        e, s = bench["extra_info"], bench["stats"]
        nbytes = 2 * e["size"] * (4 if e["dtype"] == "float32" else 8)
        records.append(
            {
                **{k: e[k] for k in ("backend", "dtype", "size", "case")},
                "median_s": s["median"],
                "q1_s": s["q1"],
                "q3_s": s["q3"],
                "iqr_s": s["iqr"],
                "repeat": s["rounds"],
                "number": s["iterations"],
                "bytes": nbytes,
                "gbps": nbytes / s["median"] / 1e9 if s["median"] > 0 else None,
                "chunk": e["chunk"],
            }
        )
    timing = raw["benchmarks"][0]["options"] if raw["benchmarks"] else {}
    meta = {
        "machine": {
            "date": datetime.fromisoformat(raw["datetime"]).isoformat("T", "seconds"),
            "cpu": cpu.get("brand_raw") or info["processor"] or info["machine"],
            "cpu_features": sorted(set(FEATURES) & set(cpu.get("flags", []))),
            "cores": cpu.get("count"),
            "os": f"{info['system']}-{info['release']}",
            "python": info["python_version"],
            "python_implementation": info["python_implementation"],
            "selu_xp_path": own["path"],
            # the commit of the working directory's checkout, by pytest-benchmark
            "selu_xp_commit": None
            if commit.get("id", "unversioned") == "unversioned"
            else commit["id"][:7] + ("-dirty" if commit.get("dirty") else ""),
        },
        **{k: own[k] for k in ("versions", "threads", "gpus", "levels")},
        "settings": {
            **own["settings"],
            "timing": {"pytest-benchmark": raw["version"], **timing},
        },
        **{k: own[k] for k in ("cases", "skipped", "errors")},
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "meta": meta,
        "results": records,
        "targets": evaluate(records, level=own["levels"]["selu_xp"]),
    }


def write(out: Path, doc: dict[str, Any], *, plot: bool = True) -> str:
    """Write ``results.json``, ``results.md`` and (with matplotlib) the plot."""
    from benchmarks.report import markdown

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(doc, indent=1) + "\n")
    text = markdown(doc["meta"], doc["results"], doc["targets"])
    (out / "results.md").write_text(text)
    if plot:
        try:
            from benchmarks.plot import plot as draw

            draw(doc, out / "results.png")
        except ImportError:
            print("matplotlib is not installed: no results.png", file=sys.stderr)
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks", add_help=False, allow_abbrev=False
    )
    p.add_argument("--out", type=Path, default=HERE / "results")
    p.add_argument("--no-plot", action="store_true")
    args, rest = p.parse_known_args(sys.argv[1:] if argv is None else argv)
    if {"-h", "--help"} & set(rest):
        print(__doc__)
    import pytest

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "pytest-benchmark.json"
        code = pytest.main(
            [str(HERE / "bench_selu.py"), *DEFAULTS, f"--benchmark-json={raw}", *rest]
        )
        if not raw.is_file():
            return int(code)
        doc = convert(json.loads(raw.read_text()))
    write(args.out, doc, plot=not args.no_plot)
    print(f"wrote results.json and results.md to {args.out}", file=sys.stderr)
    return int(code)
