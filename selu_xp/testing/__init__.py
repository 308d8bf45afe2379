"""The harness that selu_xp is checked with, for tests, benchmarks and reports.

`BACKENDS` lists every library on every device that selu_xp supports, as a
`Backend` column that puts NumPy arrays on its device and back, says why it
cannot run on this machine, and gives the library's own selu to compare with.
`bound` is the accuracy, in ULPs, each column is held to, and `ulp_errors`
the measure.  The test suite, the benchmark suite, ``python -m selu_xp`` and
the documentation all read these; a library's own tests can too.

The mpmath oracle of the family is `selu_xp.testing.oracle` (it needs
mpmath, from the ``test`` extra).

Examples
--------
>>> import selu_xp
>>> from selu_xp.testing import BACKENDS, bound
>>> column = next(b for b in BACKENDS if b.id == "array_api_strict")
>>> column.skip_reason() is None
True
>>> x = column.asarray([-1.0, 2.0], dtype="float32")
>>> column.to_numpy(selu_xp.selu(x))
array([-1.1113307,  2.101402 ], dtype=float32)
>>> bound(column, "selu", "float32", "fast")
0.5
"""

from .._accuracy import bound, ulp_errors
from . import _columns
from ._columns import Backend

__all__ = ["BACKENDS", "Backend", "bound", "ulp_errors"]

BACKENDS: tuple[Backend, ...] = _columns.BACKENDS
"""Every column: NumPy, array-api-strict (two devices), PyTorch (CPU, CUDA),
JAX (CPU with and without x64, GPU), Dask, TensorFlow (CPU, GPU) and CuPy."""
