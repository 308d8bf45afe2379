"""The selu_xp benchmarks.

``python -m benchmarks`` times `selu_xp.selu` on every installed backend, its
generic path, the backend's copy floor and the peers (``F.selu``,
``jax.nn.selu`` under ``jit``, the naive one-liner) on the same data, in one
process, with pytest-benchmark, and writes ``results/results.{json,md,png}``
(README.md).  ``accuracy``, ``rounding``, ``instructions`` and ``scale`` are
measurements of their own, each run as ``python -m benchmarks.<name>``.
"""
