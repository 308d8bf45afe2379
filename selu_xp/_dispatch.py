"""Choosing between a backend's fast path and the generic array-API path."""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator

__all__ = ["OPEN_BLOCKS", "force_generic", "generic_forced"]

_FORCE_GENERIC: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "selu_xp_force_generic", default=False
)
# How many force_generic() blocks are open in any thread.  While none is, the
# context variable is not read at all: a plain module global is what compilers
# that trace Python (TorchDynamo) can follow, so torch.compile(fullgraph=True)
# works outside force_generic() blocks.  Only force_generic() changes it; the
# public functions' quick entry reads it.
OPEN_BLOCKS = 0
_OPEN_BLOCKS_LOCK = threading.Lock()


@contextlib.contextmanager
def force_generic(enabled: bool = True) -> Iterator[None]:
    """Use the generic array-API implementation inside this block.

    Every public function normally takes a backend's fast path where one
    exists and the generic path otherwise.  Inside ``with force_generic():``
    they take the generic path on every backend, which is useful to compare
    the two or to rule a fast path out when hunting a bug.  The setting is
    local to the current thread (and asyncio task) and is restored on exit.

    Parameters
    ----------
    enabled : bool, optional
        ``False`` re-enables the fast paths inside an enclosing block.

    Yields
    ------
    None
        The block runs with the setting; nothing is bound by ``as``.

    See Also
    --------
    selu : One of the functions whose fast path the block turns off.

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp import force_generic, selu
    >>> x = np.linspace(-3.0, 3.0, 7)
    >>> with force_generic():
    ...     y = selu(x)
    >>> bool(np.allclose(y, selu(x), rtol=1e-15, atol=0))
    True
    """
    global OPEN_BLOCKS
    with _OPEN_BLOCKS_LOCK:
        OPEN_BLOCKS += 1
    token = _FORCE_GENERIC.set(enabled)
    try:
        yield
    finally:
        _FORCE_GENERIC.reset(token)
        with _OPEN_BLOCKS_LOCK:
            OPEN_BLOCKS -= 1


def generic_forced() -> bool:
    """Whether the caller is inside ``force_generic()``."""
    return OPEN_BLOCKS > 0 and _FORCE_GENERIC.get()
