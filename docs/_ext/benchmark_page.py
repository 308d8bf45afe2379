"""Put the recorded results into the pages when the documentation is built.

* A page line ``<!-- results: performance -->`` or ``<!-- results: gpu -->``
  is replaced by the Markdown that ``results_data.py`` writes from
  ``benchmarks/results/`` (the Performance and GPU pages);
* the ``result`` role prints one value of one results file in a sentence:
  ``{result}`results.json targets[id=torch-overhead-float32].values[0].value us```
  (the syntax is in ``results_data.py``'s docstring).  A reference that does
  not resolve is an error of the build.

`setup` connects both; ``conf.py`` calls it.  The pages that use them are read
again on every build and the plots of a changed results file are redrawn, so
that a new run shows without a clean build.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util import logging

from . import results_data

logger = logging.getLogger(__name__)

SECTIONS = {
    "performance": results_data.performance_markdown,
    "gpu": results_data.gpu_markdown,
}
MARKER = re.compile(r"^<!-- results: (\w+) -->$", re.MULTILINE)
ROLE = re.compile(r"\{result\}`")


def insert_results(app: Any, docname: str, source: list[str]) -> None:
    """Replace each results marker of a page by its section."""

    def section(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in SECTIONS:
            logger.warning(
                "unknown results section %r (known: %s)",
                name,
                ", ".join(SECTIONS),
                location=docname,
            )
            return ""
        try:
            return SECTIONS[name]()
        except (results_data.ResultsError, OSError) as exc:
            logger.warning("results not shown: %s", exc, location=docname)
            return ":::{warning}\nThe recorded results could not be read.\n:::\n"

    source[0] = MARKER.sub(section, source[0])


def result_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``{result}`FILE PATH [FORMAT]```: one recorded value, as text."""
    try:
        value = results_data.cite(text)
    except results_data.ResultsError as exc:
        msg = inliner.reporter.error(f"result {text!r}: {exc}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    env = getattr(inliner.document.settings, "env", None)
    if env is not None:
        env.note_dependency(str(results_data.RESULTS_DIR / text.split()[0]))
    return [nodes.inline(rawtext, value, classes=["recorded-result"])], []


def always_reread(
    app: Any, env: Any, added: Any, changed: Any, removed: Any
) -> list[str]:
    """Read the pages with results sections again: the results may have changed."""
    _drop_stale_plots(Path(app.doctreedir).parent / "plot_directive")
    return [name for name in SECTIONS if name in env.found_docs]


def _drop_stale_plots(folder: Path) -> None:
    """Remove the benchmark plots older than the newest results file, so that
    the plot directive (which looks at its script's age only) draws them again."""
    files = [results_data.RESULTS_DIR / name for name in results_data.RUNS.values()]
    newest = max((f.stat().st_mtime for f in files if f.is_file()), default=None)
    if newest is None or not folder.is_dir():
        return
    for old in folder.rglob("benchmarks_*"):
        if old.is_file() and old.stat().st_mtime < newest:
            old.unlink()


def setup(app: Any) -> None:
    """Connect the results sections, the role and the re-reading."""
    app.add_role("result", result_role)
    app.connect("source-read", insert_results)
    app.connect("env-get-outdated", always_reread)
