"""Fail the build when a public name of selu_xp is missing from the API reference."""

from __future__ import annotations

from typing import Any

from sphinx.util import logging

import selu_xp

logger = logging.getLogger(__name__)


def check_documented(app: Any, env: Any) -> None:
    """Warn (an error under ``-W``) for each public name without a page."""
    documented = set(env.get_domain("py").objects)
    for name in sorted(selu_xp.__all__):
        if name.startswith("__"):
            continue
        if f"selu_xp.{name}" not in documented:
            logger.warning(
                "selu_xp.%s is public but the API reference does not document it; "
                "add it to an autosummary table in docs/api/.",
                name,
            )
