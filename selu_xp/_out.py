"""The ``out=`` argument: checking it, and writing a result into it."""

from __future__ import annotations

from ._compat import (
    is_numpy_namespace,
    is_torch_namespace,
)
from ._typing import Array, Namespace

__all__ = ["store"]


def store(result: Array, out: Array, xp: Namespace) -> Array:
    """Copy `result` into `out` and return `out`.

    `result` is freshly allocated, so it never overlaps `out`.
    """
    if is_numpy_namespace(xp):
        import numpy as np

        np.copyto(out, result)
    elif is_torch_namespace(xp):
        out.copy_(result)
    else:
        out[...] = result
    return out
