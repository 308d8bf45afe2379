"""Backend fast paths for the ELU family.

A fast path has the signature of the generic functions,
``f(x, pos, neg, *, xp) -> array``, and must meet the same accuracy bounds.
`lookup` returns ``None`` where no fast path wins, and the caller then takes
the generic path.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["lookup"]

FastPath = Callable[..., Any]


def lookup(xp: ModuleType, derivative: bool) -> FastPath | None:
    """The fast path for namespace `xp`, or ``None`` to use the generic path."""
    return None
