"""Keep the changelog page buildable in a checkout without CHANGELOG.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"

PLACEHOLDER = """\
# Changelog

This checkout has no `CHANGELOG.md`; the page shows it once it exists.
"""


def fallback_if_missing(app: Any, docname: str, source: list[str]) -> None:
    """Replace the changelog page's include by a note when the file is absent."""
    if docname == "changelog" and not CHANGELOG.is_file():
        source[0] = PLACEHOLDER
