"""The selu_xp benchmark suite.

Run it from the repository root with ``python -m benchmarks`` (``--help`` for
the options).  It times `selu_xp.selu` on every installed backend, its
generic path, the backend's copy floor and the peers (``torch.nn.functional.selu``,
``jax.nn.selu`` under ``jit``, the naive ``where``/``expm1`` one-liner) on the
same data, in one process, and writes ``results.json``, ``results.md`` and a
plot.  ``benchmarks/README.md`` documents the options and the JSON schema.
"""

from .cli import main

__all__ = ["main"]
