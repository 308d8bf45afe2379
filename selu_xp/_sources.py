"""Which `Source` draws: the eager one, or torch.compile's while torch traces.

The one switch over the two layers of random numbers: `selu_xp._random`
draws eagerly (every ``rng``, on every library), and, while
``torch.compile`` traces, `selu_xp._torch_compile` puts each draw into the
graph as an operator that runs the eager draw on every call.  Both layers
sit below this module; neither imports it.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from ._compat import is_torch_namespace
from ._random import Source, eager_source
from ._typing import Array, Device, Namespace

__all__ = ["source", "torch_source"]


def source(
    rng: object, xp: Namespace, device: Device, func: str, *, like: Array = None
) -> Source:
    """The `Source` for `rng` drawing arrays of namespace `xp` on `device`.

    `like` is the array the numbers are for, if any (`eager_source`).
    """
    if is_torch_namespace(xp) and sys.modules["torch"].compiler.is_compiling():
        # Under torch.compile: every rng drawn at run time (_torch_compile).
        traced: Source = _traced(func).source(rng, xp, device, func)
        return traced
    return eager_source(rng, xp, device, func, like=like)


def torch_source(generator: Any, device: Device, func: str) -> Source:
    """Draws with a ``torch.Generator``, or torch's global generator if None.

    For ``selu_xp.torch``.  With the global generator the draws are torch's
    own random operations, which torch.compile generates itself; a
    ``torch.Generator``, which it cannot trace, draws through the opaque
    operator of `selu_xp._torch_compile` while tracing.
    """
    torch = sys.modules["torch"]
    if generator is not None and torch.compiler.is_compiling():
        traced: Source = _traced(func).generator_source(generator, device, func)
        return traced
    from ._backends.torch import TorchSource

    return TorchSource(generator, torch, device)


def _traced(func: str) -> ModuleType:
    """`selu_xp._torch_compile`, or `TypeError` where torch cannot run it."""
    try:
        from . import _torch_compile
    except ImportError as exc:  # torch before opaque objects (2.13)
        msg = (
            f"{func}() draws under torch.compile through torch's opaque "
            f"objects, which torch {sys.modules['torch'].__version__} lacks "
            f"({exc}); use torch 2.13 or later, or call it outside the "
            "compiled function."
        )
        raise TypeError(msg) from exc
    return _torch_compile
