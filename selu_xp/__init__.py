"""selu_xp: the SELU family, written once for every array API library.

`selu`, `elu` and their derivatives take an array of any library that
array-api-compat supports (NumPy, CuPy, PyTorch, JAX, Dask, array-api-strict)
and return an array of the same library, dtype, shape and device.
"""

from ._activations import elu, elu_derivative, selu, selu_derivative
from ._constants import SELU_ALPHA, SELU_SCALE
from ._dispatch import force_generic
from ._dropout import alpha_dropout
from ._initializers import lecun_normal
from ._parameters import selu_parameters
from ._threadpoolctl import install as _install_threadpoolctl
from ._threads import get_num_threads, num_threads, set_num_threads

__all__ = [
    "SELU_ALPHA",
    "SELU_SCALE",
    "__version__",
    "alpha_dropout",
    "elu",
    "elu_derivative",
    "force_generic",
    "get_num_threads",
    "lecun_normal",
    "num_threads",
    "selu",
    "selu_derivative",
    "selu_parameters",
    "set_num_threads",
]

__version__ = "0.1.0"

_install_threadpoolctl()
