"""The backends selu_xp is checked on, and the accuracy it is held to on each.

`BACKENDS` is the one table of them: a `Backend` is one column, a library on
one device.  It knows how to put a NumPy array on itself and get it back,
which dtypes it offers, and why it cannot run here (`Backend.skip_reason`,
where the GPU probes are written, once).  The test matrix (``tests/``, which
adds pytest's params and skip marks), the benchmark suite (``benchmarks/``,
which adds the timed cases) and the report of ``python -m selu_xp`` all read
it.  Nothing is imported at import time: a column imports its library when it
is asked for it.

`bound` is the accuracy each column is held to, in ULPs of the result's dtype
as `ulp_errors` measures them against a reference; the tests hold the four
functions to it, the report holds `selu` to it.
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

from ._compat import array_namespace
from ._typing import Array, Device, DType, Namespace

__all__ = [
    "BACKENDS",
    "BOUNDS",
    "CORRECTLY_ROUNDED",
    "DEFAULT_BOUND",
    "KERNEL_BOUNDS",
    "TORCH_CUDA_FLOAT32",
    "Backend",
    "bound",
    "ulp_errors",
]


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

    ``family`` is the library's short name (``torch`` for ``torch-cpu`` and
    ``torch-cuda``), ``module`` the module whose functions make its arrays.
    ``half_dtypes`` are the half-precision dtypes it offers beside float32
    (and float64 unless ``float64`` is false); ``lazy`` says that results are
    computed when asked for (JAX under ``jit``, Dask), ``gpu`` that the
    column runs on a GPU.  ``report_dtypes`` are the dtypes that
    ``python -m selu_xp`` reports on it (none: the column is not reported).
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
    lazy: bool = False
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
        lazy=True,
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
        lazy=True,
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


# --- The bounds -----------------------------------------------------------------

# Bounds in ULPs of the result dtype, for float64 on GPUs other than CuPy's
# (the CPU paths have KERNEL_BOUNDS, below): the kernel's float64 evaluation
# in array operations, which a GPU compiler may fuse into multiply-adds, or
# the backend's own kernel.
BOUNDS = {
    ("selu", "float64"): 1.5,
    ("elu", "float64"): 1.5,
    ("selu_derivative", "float64"): 2.0,
    ("elu_derivative", "float64"): 1.5,
}
DEFAULT_BOUND = 1.0

# The compiled kernel (the fast path of NumPy, of Dask on NumPy chunks, of
# PyTorch and JAX on the CPU, and of CuPy): float32, float16 and bfloat16
# correctly rounded, float64 within 1 ULP.
KERNEL_BOUNDS = {"float16": 0.5, "bfloat16": 0.5, "float32": 0.5, "float64": 1.0}
# Every other path with float64 (the generic path, TensorFlow's): the narrow
# dtypes computed in float64 and correctly rounded (selu_xp._rounding), and
# float64 itself from the kernel's own evaluation in array operations
# (selu_xp._careful), with the kernel's bound on the CPU.
CORRECTLY_ROUNDED = 0.5

# torch's CUDA kernel has not been measured on the test grid (no GPU here):
# float32 keeps the cap it had, 2.0 ULP (docs/gpu.md measured F.selu at
# 1.619 ULP in float32 on an H200, on the report's grid); float64 is held to
# BOUNDS.
TORCH_CUDA_FLOAT32 = 2.0


def _runs_torchs_kernel(backend: Backend, name: str, dtype: str, path: str) -> bool:
    """Whether selu_xp's result is torch's own selu or elu kernel's (CUDA;
    CPU tensors run selu_xp's kernel)."""
    return (
        backend.module == "torch"
        and backend.gpu
        and path == "fast"
        and name in ("selu", "elu")
        and dtype in ("float32", "float64")
    )


def _torch_bound(backend: Backend, name: str, dtype: str) -> float:
    """The bound of torch's own CUDA kernel (the PyTorch fast path there)."""
    if dtype == "float32":
        return TORCH_CUDA_FLOAT32
    return BOUNDS[(name, dtype)]


def _jax_bound(backend: Backend, name: str, dtype: str, path: str) -> float:
    """JAX's bounds.

    XLA's float32 expm1 and float64 expm1 are several ULPs off.  The JAX fast
    path evaluates expm1 near 0 with a polynomial (both float32 and float64),
    as the generic path does for float32 when JAX has no float64: 2.5 ULP
    (measured on the CPU: 1.851 selu and 1.299 elu in float32, 1.570 and
    0.871 in float64).  The generic float64 path is the kernel's own
    evaluation (``selu_xp._careful``): the kernel's bound on the CPU; on a GPU,
    whose compiler may fuse its products and sums, the float64 bounds of
    every backend (1.378 for selu on an H200 before it, docs/gpu.md).
    """
    if path == "generic" and backend.float64 and dtype != "float64":
        return CORRECTLY_ROUNDED
    if path == "generic" and dtype == "float64" and not backend.gpu:
        return KERNEL_BOUNDS[dtype]
    if dtype in ("float16", "bfloat16"):
        return DEFAULT_BOUND
    if name.endswith("derivative"):
        return 2.0 if dtype == "float64" or not backend.float64 else DEFAULT_BOUND
    if path == "generic" and dtype == "float64":
        return BOUNDS[(name, dtype)]
    if path == "generic" and backend.float64:
        return DEFAULT_BOUND
    return 2.5


def bound(backend: Backend, name: str, dtype: str, path: str) -> float:
    """The ULP bound of `name` in `dtype` on `backend`'s `path`.

    `name` is one of ``selu``, ``elu``, ``selu_derivative`` and
    ``elu_derivative`` with its default parameters; `path` is ``fast`` or
    ``generic`` (inside ``force_generic()``).
    """
    if path == "fast" and dtype in KERNEL_BOUNDS and backend.runs_kernel():
        return KERNEL_BOUNDS[dtype]
    if backend.module == "jax":
        return _jax_bound(backend, name, dtype, path)
    if _runs_torchs_kernel(backend, name, dtype, path):
        return _torch_bound(backend, name, dtype)
    own = path == "fast" and backend.module in ("torch", "cupy")
    if dtype != "float64" and backend.float64 and not own:
        return CORRECTLY_ROUNDED
    if dtype == "float64" and not own and not backend.gpu:
        return KERNEL_BOUNDS[dtype]  # selu_xp._careful
    return BOUNDS.get((name, dtype), DEFAULT_BOUND)


# --- The measure ---------------------------------------------------------------

# Significand bits (without the implicit bit) and smallest normal, per dtype.
_FORMATS = {
    "float64": (52, 2.0**-1022),
    "float32": (23, 2.0**-126),
    "float16": (10, 2.0**-14),
    "bfloat16": (7, 2.0**-126),
}


def ulp_errors(y: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype: str) -> np.ndarray:
    """|y - (hi + lo)| in ULPs of `dtype` at the reference, for normal results.

    The reference is a double-double ``hi + lo``.  Results whose reference is
    subnormal or zero in `dtype` get NaN and are left out of a maximum taken
    with ``np.nanmax`` (the bounds are stated for normal-range results).
    """
    nmant, tiny = _FORMATS[dtype]
    y = np.asarray(y, dtype=np.float64)
    _, exp = np.frexp(hi)
    ulp = np.ldexp(1.0, exp - 1 - nmant)
    with np.errstate(invalid="ignore"):
        err = np.abs((y - hi) - lo) / ulp
    errors: np.ndarray = np.where(np.abs(hi) >= tiny, err, np.nan)
    return errors
