"""Document selu_xp's re-exported constants with their own doc-comments.

Autodoc reads the doc-comment of a module-level constant from the module that
it documents, ``selu_xp``, but the constants are defined (and documented) in a
private submodule and only re-exported; without help they would show the
docstring of ``float``.  This looks the doc-comment up in the submodule that
defines the constant.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer

import selu_xp


@cache
def _attribute_docs() -> dict[str, list[str]]:
    """Doc-comments of the module-level names of selu_xp's submodules."""
    docs: dict[str, list[str]] = {}
    # Parsed from the source files, never imported (``__main__`` runs a report).
    for path in sorted(Path(selu_xp.__file__).parent.glob("_*.py")):
        if path.stem in {"__init__", "__main__"}:
            continue
        try:
            found = ModuleAnalyzer.for_file(
                str(path), f"selu_xp.{path.stem}"
            ).find_attr_docs()
        except PycodeError:
            continue
        for (scope, name), lines in found.items():
            if not scope:
                docs.setdefault(name, list(lines))
    return docs


def use_definition_docs(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Replace a re-exported constant's inherited docstring by its doc-comment."""
    if what not in {"data", "attribute"} or not name.startswith("selu_xp."):
        return
    doc = _attribute_docs().get(name.rsplit(".", 1)[-1])
    if doc is not None:
        lines[:] = doc
