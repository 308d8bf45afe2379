"""Document selu_xp's re-exported constants with their own doc-comments.

Autodoc reads the doc-comment of a module-level constant from the module that
it documents, ``selu_xp``, but the constants are defined (and documented) in a
private submodule and only re-exported; without help they would show the
docstring of ``float``.  This looks the doc-comment up in the submodule that
defines the constant.
"""

from __future__ import annotations

import pkgutil
from functools import cache
from typing import Any

from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer

import selu_xp


@cache
def _attribute_docs() -> dict[str, list[str]]:
    """Doc-comments of the module-level names of selu_xp's submodules."""
    docs: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(selu_xp.__path__, prefix="selu_xp."):
        try:
            found = ModuleAnalyzer.for_module(info.name).find_attr_docs()
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
