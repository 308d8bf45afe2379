"""The columns: every library on every device selu_xp is checked on.

A `Backend` is one column, a library on one device.  It knows how to put a
NumPy array on itself and get it back, which dtypes it offers, why it cannot
run here (`Backend.skip_reason`, where the GPU probes are written, once),
and the library's own selu that the report compares with.  Nothing is
imported at import time: a column imports its library when asked for it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from .._compat import array_namespace
from .._typing import Array, Device, DType, Namespace

__all__ = ["BACKENDS", "Backend"]


def _always_usable(library: ModuleType) -> str | None:
    return None


def _no_context(library: ModuleType) -> contextlib.AbstractContextManager[Any]:
    return contextlib.nullcontext()


def _named(name: str) -> Callable[[ModuleType, Device], str]:
    return lambda library, dev: name


def _no_kernel(library: ModuleType) -> bool:
    return False


@dataclass(frozen=True)
class Backend:
    """One column of the table: a library on one device.

    A column imports its library only when asked for its arrays, and says
    why it cannot run on this machine (`skip_reason`) instead of raising.

    Parameters
    ----------
    id : str
        The column's name (``"torch-cuda"``), as tests and benchmarks say it.
    family : str
        The library's short name (``"torch"`` for ``torch-cpu`` and
        ``torch-cuda``).
    module : str
        The module whose functions make its arrays (``"dask.array"``).
    _device, _to_backend, _to_numpy, _usable : callable
        The library's parts, each taking the imported `module` first: its
        device, NumPy to its arrays and back, and why it is unusable (the
        GPU probes).
    half_dtypes : tuple of str, optional
        The half-precision dtypes it offers beside float32 (and float64).
    float64 : bool, optional
        Whether it computes in float64.
    gpu : bool, optional
        Whether the column runs on a GPU.
    _context, _label, _own_selu, _kernel : callable, optional
        Its mode (JAX's x64), the device's label, its own selu, and whether
        its fast path is the compiled kernel.
    report_dtypes : tuple of str, optional
        The dtypes ``python -m selu_xp`` reports on it (none: not reported).

    See Also
    --------
    BACKENDS : Every column.

    Examples
    --------
    >>> from selu_xp.testing import BACKENDS
    >>> strict = next(b for b in BACKENDS if b.id == "array_api_strict")
    >>> strict.to_numpy(strict.asarray([1.0, 2.0], "float32"))
    array([1., 2.], dtype=float32)
    """

    id: str
    family: str
    module: str
    _device: Callable[[ModuleType], Device]
    _to_backend: Callable[[ModuleType, np.ndarray, Device], Array]
    _to_numpy: Callable[[ModuleType, Array], np.ndarray]
    _usable: Callable[[ModuleType], str | None] = _always_usable
    half_dtypes: tuple[str, ...] = ()
    float64: bool = True
    gpu: bool = False
    _context: Callable[[ModuleType], contextlib.AbstractContextManager[Any]] = field(
        default=_no_context
    )
    _label: Callable[[ModuleType, Device], str] = field(default=_named("cpu"))
    _own_selu: Callable[[ModuleType, Array], Array] | None = None
    _kernel: Callable[[ModuleType], bool] = _no_kernel
    report_dtypes: tuple[str, ...] = ("float32", "float64")

    def skip_reason(self) -> str | None:
        """Why this backend cannot run here, or None if it can.

        A library that is installed but fails to import raises: a broken
        install is not a reason to skip.
        """
        if importlib.util.find_spec(self.module.split(".")[0]) is None:
            return f"{self.module} is not installed"
        return self._usable(self.library)

    @property
    def library(self) -> ModuleType:
        """The module named by ``module``, imported."""
        return importlib.import_module(self.module)

    @property
    def xp(self) -> Namespace:
        """The array API namespace of this backend's arrays."""
        return array_namespace(self.asarray(np.zeros(1)))

    @property
    def device(self) -> Device:
        """The device this column's arrays are on."""
        return self._device(self.library)

    @property
    def device_label(self) -> str:
        """The device as the report names it (``cpu``, ``cuda (NVIDIA H200)``)."""
        return self._label(self.library, self.device)

    def dtypes(self) -> list[str]:
        """The floating dtypes this column offers, float32 first."""
        wide = ["float64"] if self.float64 else []
        return ["float32", *wide, *self.half_dtypes]

    def asarray(self, a: Any, dtype: str | None = None) -> Array:
        """`a` on this backend and device, in `dtype` (default: `a`'s own)."""
        a = np.asarray(a)
        if dtype in ("float16", "bfloat16"):
            x = self._to_backend(self.library, a.astype(np.float32), self.device)
            xp = self.xp
            return xp.astype(x, self._half(xp, dtype))
        if dtype is None and a.dtype == np.float64 and not self.float64:
            dtype = "float32"
        if dtype is not None:
            with np.errstate(over="ignore"):
                a = a.astype(dtype)
        return self._to_backend(self.library, a, self.device)

    def to_numpy(self, x: Array) -> np.ndarray:
        """`x` as a NumPy array, half precision widened exactly to float32."""
        xp = array_namespace(x)
        if not xp.isdtype(x.dtype, (xp.float32, xp.float64)) and xp.isdtype(
            x.dtype, "real floating"
        ):
            x = xp.astype(x, xp.float32)
        return np.asarray(self._to_numpy(self.library, x))

    def context(self) -> contextlib.AbstractContextManager[Any]:
        """The mode this column runs in (JAX with 64-bit types enabled)."""
        return self._context(self.library)

    def own_selu(self, x: Array) -> Array | None:
        """The library's own selu of `x`, or None if it has none."""
        if self._own_selu is None:
            return None
        return self._own_selu(self.library, x)

    def runs_kernel(self) -> bool:
        """Whether this column's fast path is selu_xp's compiled kernel here."""
        return self._kernel(self.library)

    def _half(self, xp: Namespace, name: str) -> DType:
        for source in (xp, self.library, np):
            dtype = getattr(source, name, None)
            if dtype is not None:
                return dtype
        raise AttributeError(name)

    def __str__(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"Backend({self.id!r})"


# --- The GPU probes -----------------------------------------------------------


def _torch_cuda_usable(torch: ModuleType) -> str | None:
    if not torch.cuda.is_available():
        return "torch is installed but has no usable CUDA device"
    return None


def _jax_gpu_usable(jax: ModuleType) -> str | None:
    try:
        jax.devices("gpu")
    except RuntimeError as exc:
        return f"jax is installed but has no usable GPU ({exc})"
    return None


def _cupy_usable(cupy: ModuleType) -> str | None:
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError, or no driver at all
        return f"cupy is installed but no GPU is usable ({exc})"
    return None if n > 0 else "cupy is installed but no GPU is usable (0 devices)"


def _tf_gpu_usable(tf: ModuleType) -> str | None:
    if not tf.config.list_physical_devices("GPU"):
        return (
            "tensorflow is installed but sees no GPU "
            "(tf.config.list_physical_devices('GPU') is empty, as always for "
            "the tensorflow-cpu build)"
        )
    return None


# --- Moving arrays ------------------------------------------------------------


def _numpy_to_backend(np_: ModuleType, a: np.ndarray, dev: Device) -> Array:
    return np_.asarray(a)


def _same(library: ModuleType, x: Array) -> np.ndarray:
    return x  # type: ignore[no-any-return]


def _strict_device(name: str) -> Callable[[ModuleType], Device]:
    return lambda xs: xs.Device(name)


def _strict_to_backend(xs: ModuleType, a: np.ndarray, dev: Device) -> Array:
    return xs.asarray(a, device=dev)


def _strict_to_numpy(xs: ModuleType, x: Array) -> np.ndarray:
    return np.asarray(x.to_device(xs.Device("CPU_DEVICE")))


def _torch_to_backend(torch: ModuleType, a: np.ndarray, dev: Device) -> Array:
    # A copy: the tensor never shares memory with the NumPy input.
    return torch.asarray(a.copy(), device=dev)


def _torch_to_numpy(torch: ModuleType, x: Array) -> np.ndarray:
    return x.detach().cpu().numpy()  # type: ignore[no-any-return]


def _torch_cuda_label(torch: ModuleType, dev: Device) -> str:
    return f"cuda ({torch.cuda.get_device_name(dev)})"


def _jax_x64(jax: ModuleType) -> contextlib.AbstractContextManager[Any]:
    return jax.enable_x64(True)  # type: ignore[no-any-return]


def _jax_to_backend(jax: ModuleType, a: np.ndarray, dev: Device) -> Array:
    return jax.device_put(a, dev)


def _to_numpy(library: ModuleType, x: Array) -> np.ndarray:
    return np.asarray(x)


def _jax_gpu_label(jax: ModuleType, dev: Device) -> str:
    return f"gpu ({dev.device_kind})"


def _dask_to_backend(da: ModuleType, a: np.ndarray, dev: Device) -> Array:
    # Several chunks, so that chunk boundaries are exercised.
    chunks = tuple(max(1, -(-n // 3)) for n in a.shape)
    return da.from_array(a, chunks=chunks)


def _dask_to_numpy(da: ModuleType, x: Array) -> np.ndarray:
    return x.compute()  # type: ignore[no-any-return]


def _tf_to_backend(tf: ModuleType, a: np.ndarray, dev: Device) -> Array:
    with tf.device(dev):
        return tf.identity(tf.constant(a))


def _tf_to_numpy(tf: ModuleType, x: Array) -> np.ndarray:
    return x.numpy()  # type: ignore[no-any-return]


def _cupy_to_backend(cp: ModuleType, a: np.ndarray, dev: Device) -> Array:
    return cp.asarray(a)


def _cupy_to_numpy(cp: ModuleType, x: Array) -> np.ndarray:
    return x.get()  # type: ignore[no-any-return]


def _cupy_label(cp: ModuleType, dev: Device) -> str:
    return f"cuda:{dev.id}"


# --- The libraries' own selu, and selu_xp's kernel ----------------------------


def _torch_selu(torch: ModuleType, x: Array) -> Array:
    return torch.nn.functional.selu(x)


def _jax_selu(jax: ModuleType, x: Array) -> Array:
    return jax.nn.selu(x)


def _tf_selu(tf: ModuleType, x: Array) -> Array:
    return tf.nn.selu(x)


@functools.cache
def _ufunc_built(library: ModuleType) -> bool:
    """Whether the compiled kernel's NumPy ufuncs were built (with a compiler)."""
    try:
        importlib.import_module("selu_xp._kernels._ufunc")
    except ImportError:
        return False
    return True


def _yes(library: ModuleType) -> bool:
    return True  # CuPy compiles the kernel's source itself, with NVRTC


def _jax(id: str, platform: str, **options: Any) -> Backend:
    """A JAX column on the first device of `platform` (lazy: jit, immutable)."""
    return Backend(
        id,
        "jax",
        "jax",
        lambda jax: jax.devices(platform)[0],
        _jax_to_backend,
        _to_numpy,
        half_dtypes=("float16", "bfloat16"),
        _own_selu=_jax_selu,
        **options,
    )


BACKENDS: tuple[Backend, ...] = (
    Backend(
        "numpy",
        "numpy",
        "numpy",
        lambda np_: "cpu",
        _numpy_to_backend,
        _same,
        half_dtypes=("float16",),
        _kernel=_ufunc_built,
    ),
    Backend(
        "array_api_strict",
        "array_api_strict",
        "array_api_strict",
        _strict_device("CPU_DEVICE"),
        _strict_to_backend,
        _strict_to_numpy,
        _label=_named("CPU_DEVICE"),
    ),
    Backend(
        "array_api_strict-device1",
        "array_api_strict",
        "array_api_strict",
        _strict_device("device1"),
        _strict_to_backend,
        _strict_to_numpy,
        _label=_named("device1"),
        report_dtypes=(),
    ),
    Backend(
        "torch-cpu",
        "torch",
        "torch",
        lambda torch: torch.device("cpu"),
        _torch_to_backend,
        _torch_to_numpy,
        half_dtypes=("float16", "bfloat16"),
        _own_selu=_torch_selu,
        _kernel=_ufunc_built,
    ),
    Backend(
        "torch-cuda",
        "torch",
        "torch",
        lambda torch: torch.device("cuda", torch.cuda.current_device()),
        _torch_to_backend,
        _torch_to_numpy,
        _usable=_torch_cuda_usable,
        half_dtypes=("float16", "bfloat16"),
        gpu=True,
        _label=_torch_cuda_label,
        _own_selu=_torch_selu,
    ),
    # The report takes JAX's float64 rows from this column and its float32
    # rows from the next, which runs as a program that never enables x64.
    _jax(
        "jax-cpu",
        "cpu",
        _context=_jax_x64,
        report_dtypes=("float64",),
        _kernel=_ufunc_built,
    ),
    _jax(
        "jax-cpu-x32",
        "cpu",
        float64=False,
        report_dtypes=("float32",),
        _kernel=_ufunc_built,
    ),
    _jax(
        "jax-gpu",
        "gpu",
        _usable=_jax_gpu_usable,
        gpu=True,
        _context=_jax_x64,
        _label=_jax_gpu_label,
    ),
    Backend(
        "dask",
        "dask",
        "dask.array",
        lambda da: "cpu",
        _dask_to_backend,
        _dask_to_numpy,
        half_dtypes=("float16",),
        _kernel=_ufunc_built,  # on NumPy chunks
    ),
    # TensorFlow is served by selu_xp itself (array-api-compat has no
    # TensorFlow namespace): its fast path, and the generic path through
    # selu_xp's small namespace for TensorFlow tensors.
    Backend(
        "tensorflow-cpu",
        "tensorflow",
        "tensorflow",
        lambda tf: "/job:localhost/replica:0/task:0/device:CPU:0",
        _tf_to_backend,
        _tf_to_numpy,
        half_dtypes=("float16", "bfloat16"),
        _own_selu=_tf_selu,
    ),
    Backend(
        "tensorflow-gpu",
        "tensorflow",
        "tensorflow",
        lambda tf: "/job:localhost/replica:0/task:0/device:GPU:0",
        _tf_to_backend,
        _tf_to_numpy,
        _usable=_tf_gpu_usable,
        half_dtypes=("float16", "bfloat16"),
        gpu=True,
        _label=_named("gpu"),
        _own_selu=_tf_selu,
    ),
    Backend(
        "cupy",
        "cupy",
        "cupy",
        lambda cp: cp.cuda.Device(0),
        _cupy_to_backend,
        _cupy_to_numpy,
        _usable=_cupy_usable,
        half_dtypes=("float16",),
        gpu=True,
        _label=_cupy_label,
        _kernel=_yes,
    ),
)
