"""Turn the benchmark suite's results into a section of the performance page.

The suite writes ``benchmarks/results/results.json`` and ``results.md``.  The
JSON is read loosely so that the page survives small changes of its layout:

* the run's metadata under ``machine``, ``versions`` and ``date`` (a few
  common aliases are accepted, see `META_KEYS`);
* the measurements as a list of records under ``results`` (or ``records``,
  ``rows``, ``measurements``, ``benchmarks``), each with a backend, an
  implementation, a dtype, a size and a time (see `FIELD_KEYS`).

`insert_results` puts Markdown in place of `MARKER` on the performance page:
the metadata, a figure drawn by ``plots/benchmarks.py`` from the same records,
and the suite's own Markdown table, or a note when there are no results.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

RECORD_LISTS = ("results", "records", "rows", "measurements", "benchmarks")
META_KEYS = {
    "machine": ("machine", "host", "platform", "system", "hardware"),
    "versions": ("versions", "packages", "libraries", "software"),
    "date": ("date", "timestamp", "created", "datetime", "time_utc", "started"),
}
FIELD_KEYS = {
    "backend": ("backend", "namespace", "library", "xp"),
    "implementation": (
        "case",
        "implementation",
        "impl",
        "function",
        "variant",
        "label",
        "name",
    ),
    "dtype": ("dtype",),
    "size": ("size", "n", "elements", "numel", "length"),
    "threads": ("threads", "num_threads", "nthreads"),
}
TIME_KEYS = {
    "median_s": 1.0,
    "time_s": 1.0,
    "seconds": 1.0,
    "median": 1.0,
    "time": 1.0,
    "median_ms": 1e-3,
    "time_ms": 1e-3,
    "median_us": 1e-6,
    "time_us": 1e-6,
    "median_ns": 1e-9,
}
ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}


def _first(mapping: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None


def load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The run's metadata and its records, normalized; raise ValueError if unusable."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        raw, meta_src = data, {}
    elif isinstance(data, dict):
        raw = _first(data, RECORD_LISTS)
        meta_src = data.get("meta", data.get("metadata", data))
    else:
        raw, meta_src = None, {}
    if not isinstance(raw, list) or not raw:
        msg = f"{path.name} has no list of records under any of {RECORD_LISTS}."
        raise ValueError(msg)
    meta = {key: _first(meta_src, aliases) for key, aliases in META_KEYS.items()}
    if meta["date"] is None and isinstance(meta["machine"], dict):
        meta["date"] = _first(meta["machine"], META_KEYS["date"])
    records = [r for r in (_record(item) for item in raw) if r is not None]
    if not records:
        msg = (
            f"no record of {path.name} has a backend, dtype, size and time "
            f"(looked for {FIELD_KEYS} and {tuple(TIME_KEYS)})."
        )
        raise ValueError(msg)
    return meta, records


def _record(item: Any) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        return None
    rec = {key: _first(item, aliases) for key, aliases in FIELD_KEYS.items()}
    seconds = next(
        (float(item[k]) * f for k, f in TIME_KEYS.items() if _is_number(item.get(k))),
        None,
    )
    if None in (rec["backend"], rec["dtype"], rec["size"], seconds) or not seconds:
        return None
    rec["size"] = int(float(rec["size"]))
    rec["dtype"] = str(rec["dtype"]).rsplit(".", 1)[-1]
    rec["implementation"] = str(rec["implementation"] or "selu_xp")
    rec["backend"] = str(rec["backend"])
    rec["seconds"] = seconds
    gbps = _first(item, ("gbps", "GBps", "gb_per_s", "bandwidth_gbps"))
    if not _is_number(gbps):
        nbytes = 2 * rec["size"] * ITEMSIZE.get(rec["dtype"], 4)
        gbps = nbytes / seconds / 1e9
    rec["gbps"] = float(gbps)
    return rec


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _describe(value: Any) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


NO_RESULTS = """\
:::{note}
No benchmark results are recorded in this build of the documentation:
`benchmarks/results/results.json` does not exist.  Run the suite as described
below and rebuild the documentation to see the tables and plots here.
:::
"""


MARKER = "<!-- The benchmark results are inserted here at build time. -->"
RESULTS_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def insert_results(app: Any, docname: str, source: list[str]) -> None:
    """Replace `MARKER` on the performance page by the results section."""
    if docname == "performance" and MARKER in source[0]:
        source[0] = source[0].replace(MARKER, results_markdown(RESULTS_DIR))


def results_markdown(results_dir: Path) -> str:
    """The Markdown for the results section of the performance page."""
    json_path = results_dir / "results.json"
    md_path = results_dir / "results.md"
    parts: list[str] = []
    if not json_path.is_file():
        parts.append(NO_RESULTS)
    else:
        try:
            meta, records = load(json_path)
        except (ValueError, OSError) as exc:
            logger.warning(
                "benchmark results not shown: %s", exc, location="performance"
            )
            parts.append(
                ":::{warning}\nThe benchmark results could not be read, "
                "so no plot is shown.\n:::\n"
            )
        else:
            backends = sorted({r["backend"] for r in records})
            parts.append(
                "These figures were measured by the benchmark suite on one machine, "
                "in one process:\n\n"
                f"- **Machine:** {_describe(meta['machine'])}\n"
                f"- **Versions:** {_describe(meta['versions'])}\n"
                f"- **Date:** {_describe(meta['date'])}\n"
                f"- **Backends measured:** {', '.join(backends)}\n"
                f"- **Measurements:** {len(records)}\n\n"
                "Effective bandwidth counts one read and one write of every "
                "element; higher is better.\n\n"
                "```{eval-rst}\n"
                ".. plot:: benchmarks.py\n"
                "   :alt: Effective bandwidth of selu per backend and implementation "
                "against the number of elements, one panel per dtype.\n"
                "```\n"
            )
    if md_path.is_file():
        table = md_path.read_text(encoding="utf-8")
        parts.append("### The suite's table\n\n" + _demote_headings(table))
    return "\n".join(parts)


def _demote_headings(markdown: str) -> str:
    """Shift the table file's headings so that its top level becomes ``####``."""
    lines = markdown.splitlines()
    fenced = []
    inside = False
    for line in lines:
        if line.lstrip().startswith("```"):
            inside = not inside
        fenced.append(inside)
    levels = [
        len(line) - len(line.lstrip("#"))
        for line, f in zip(lines, fenced, strict=True)
        if not f and line.startswith("#")
    ]
    shift = 4 - min(levels) if levels else 0
    out = []
    for line, f in zip(lines, fenced, strict=True):
        if not f and line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * min(hashes + shift, 6) + line[hashes:]
        out.append(line)
    return "\n".join(out) + "\n"


def always_reread(
    app: Any, env: Any, added: Any, changed: Any, removed: Any
) -> list[str]:
    """Re-read the performance page on every build: the results may have changed."""
    return ["performance"] if "performance" in env.found_docs else []
