"""Turn the benchmark suite's results into a section of the performance page.

The suite writes ``benchmarks/results/results.json`` and ``results.md``.  The
page reads from the JSON:

* the run's metadata: ``meta.machine`` (with its ``date``) and
  ``meta.versions``;
* the measurements, the list ``results``: of each record its ``backend``,
  ``case``, ``dtype``, ``size``, ``median_s`` and ``gbps``.

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


def load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The run's metadata and its records; raise ValueError if unusable."""
    data = json.loads(path.read_text(encoding="utf-8"))
    raw = data.get("results") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        msg = f"{path.name} has no list of records under 'results'."
        raise ValueError(msg)
    meta_src = data.get("meta", {})
    machine = meta_src.get("machine")
    meta = {
        "machine": machine,
        "versions": meta_src.get("versions"),
        "date": machine.get("date") if isinstance(machine, dict) else None,
    }
    records = [r for r in (_record(item) for item in raw) if r is not None]
    if not records:
        msg = (
            f"no record of {path.name} has a backend, case, dtype, size, a "
            "positive median_s and gbps."
        )
        raise ValueError(msg)
    return meta, records


_FIELDS = ("backend", "case", "dtype", "size", "median_s", "gbps")


def _record(item: Any) -> dict[str, Any] | None:
    if not isinstance(item, dict) or any(item.get(k) is None for k in _FIELDS):
        return None
    if not _is_number(item["median_s"]) or item["median_s"] <= 0:
        return None
    return {
        "backend": str(item["backend"]),
        "implementation": str(item["case"]),
        "dtype": str(item["dtype"]),
        "size": int(item["size"]),
        "seconds": float(item["median_s"]),
        "gbps": float(item["gbps"]),
    }


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
