"""selu_xp: the SELU family, written once for every array API library.

`selu`, `elu` and their derivatives take an array of any library that
array-api-compat supports (NumPy, CuPy, PyTorch, JAX, Dask, array-api-strict)
and return an array of the same library, dtype, shape and device.
"""

from ._activations import elu, elu_derivative, selu, selu_derivative
from ._constants import SELU_ALPHA, SELU_SCALE
from ._dispatch import force_generic

__all__ = [
    "SELU_ALPHA",
    "SELU_SCALE",
    "__version__",
    "elu",
    "elu_derivative",
    "force_generic",
    "selu",
    "selu_derivative",
]

__version__ = "0.1.0"
