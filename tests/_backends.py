"""The backends of the test matrix, kept in the tests and out of the package.

Each backend knows how to move a NumPy array onto itself (on its device) and
back, which dtypes it offers, and why it is skipped when it cannot run.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pytest

Array = Any


def array_namespace(*xs: Any) -> ModuleType:
    """array-api-compat's namespace of `xs`, or selu_xp's for TensorFlow tensors.

    array-api-compat has no TensorFlow namespace; selu_xp keeps one of its own
    (``selu_xp._tensorflow_namespace``), which the tests compare against.
    """
    from selu_xp import _compat

    return _compat.array_namespace(*xs)


def device(x: Any) -> Any:
    """The device of `x` (a TensorFlow device string for TensorFlow tensors)."""
    from selu_xp import _compat

    return _compat.device(x)


@dataclass(frozen=True)
class Backend:
    """One column of the test matrix: a library on one device."""

    id: str
    module: str
    _device: Callable[[ModuleType], Any]
    _to_backend: Callable[[ModuleType, np.ndarray, Any], Array]
    _to_numpy: Callable[[ModuleType, Array], np.ndarray]
    _usable: Callable[[ModuleType], str | None] = lambda _: None
    half_dtypes: tuple[str, ...] = ()
    float64: bool = True
    lazy: bool = False
    gpu: bool = False
    _context: Callable[[ModuleType], contextlib.AbstractContextManager[Any]] = field(
        default=lambda _: contextlib.nullcontext()
    )

    def skip_reason(self) -> str | None:
        """Why this backend cannot run here, or None if it can."""
        if importlib.util.find_spec(self.module.split(".")[0]) is None:
            return f"{self.module} is not installed"
        return self._usable(self.library)

    @property
    def library(self) -> ModuleType:
        return importlib.import_module(self.module)

    @property
    def xp(self) -> ModuleType:
        """The array API namespace of this backend's arrays."""
        return array_namespace(self.asarray(np.zeros(1)))

    @property
    def device(self) -> Any:
        return self._device(self.library)

    def dtypes(self) -> list[str]:
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
        return self._context(self.library)

    def _half(self, xp: ModuleType, name: str) -> Any:
        for source in (xp, self.library, np):
            dtype = getattr(source, name, None)
            if dtype is not None:
                return dtype
        raise AttributeError(name)

    def __str__(self) -> str:
        return self.id


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


def _tf_to_backend(tf: ModuleType, a: np.ndarray, dev: Any) -> Array:
    with tf.device(dev):
        return tf.identity(tf.constant(a))


def _strict_device(name: str) -> Callable[[ModuleType], Any]:
    return lambda xs: xs.Device(name)


def _strict_to_numpy(xs: ModuleType, x: Array) -> np.ndarray:
    return np.asarray(x.to_device(xs.Device("CPU_DEVICE")))


def _torch_to_numpy(torch: ModuleType, x: Array) -> np.ndarray:
    return x.detach().cpu().numpy()


def _jax_x64(jax: ModuleType) -> contextlib.AbstractContextManager[Any]:
    return jax.enable_x64(True)  # type: ignore[no-any-return]


def _jax_to_backend(jax: ModuleType, a: np.ndarray, dev: Any) -> Array:
    return jax.device_put(a, dev)


def _dask_to_backend(da: ModuleType, a: np.ndarray, dev: Any) -> Array:
    # Several chunks, so that chunk boundaries are exercised.
    chunks = tuple(max(1, -(-n // 3)) for n in a.shape)
    return da.from_array(a, chunks=chunks)


BACKENDS: list[Backend] = [
    Backend(
        "numpy",
        "numpy",
        lambda np_: "cpu",
        lambda np_, a, dev: np_.asarray(a),
        lambda np_, x: x,
        half_dtypes=("float16",),
    ),
    Backend(
        "array_api_strict",
        "array_api_strict",
        _strict_device("CPU_DEVICE"),
        lambda xs, a, dev: xs.asarray(a, device=dev),
        _strict_to_numpy,
    ),
    Backend(
        "array_api_strict-device1",
        "array_api_strict",
        _strict_device("device1"),
        lambda xs, a, dev: xs.asarray(a, device=dev),
        _strict_to_numpy,
    ),
    Backend(
        "torch-cpu",
        "torch",
        lambda torch: torch.device("cpu"),
        lambda torch, a, dev: torch.asarray(a.copy(), device=dev),
        _torch_to_numpy,
        half_dtypes=("float16", "bfloat16"),
    ),
    Backend(
        "torch-cuda",
        "torch",
        lambda torch: torch.device("cuda", torch.cuda.current_device()),
        lambda torch, a, dev: torch.asarray(a.copy(), device=dev),
        _torch_to_numpy,
        _usable=_torch_cuda_usable,
        half_dtypes=("float16", "bfloat16"),
        gpu=True,
    ),
    Backend(
        "jax-cpu",
        "jax",
        lambda jax: jax.devices("cpu")[0],
        _jax_to_backend,
        lambda jax, x: np.asarray(x),
        half_dtypes=("float16", "bfloat16"),
        lazy=True,
        _context=_jax_x64,
    ),
    Backend(
        "jax-cpu-x32",
        "jax",
        lambda jax: jax.devices("cpu")[0],
        _jax_to_backend,
        lambda jax, x: np.asarray(x),
        half_dtypes=("float16", "bfloat16"),
        float64=False,
        lazy=True,
    ),
    Backend(
        "jax-gpu",
        "jax",
        lambda jax: jax.devices("gpu")[0],
        _jax_to_backend,
        lambda jax, x: np.asarray(x),
        _usable=_jax_gpu_usable,
        half_dtypes=("float16", "bfloat16"),
        lazy=True,
        gpu=True,
        _context=_jax_x64,
    ),
    Backend(
        "dask",
        "dask.array",
        lambda da: "cpu",
        _dask_to_backend,
        lambda da, x: x.compute(),
        half_dtypes=("float16",),
        lazy=True,
    ),
    # TensorFlow is served by selu_xp itself (array-api-compat has no
    # TensorFlow namespace): its fast path, and the generic path through
    # selu_xp's small namespace for TensorFlow tensors.
    Backend(
        "tensorflow-cpu",
        "tensorflow",
        lambda tf: "/job:localhost/replica:0/task:0/device:CPU:0",
        _tf_to_backend,
        lambda tf, x: x.numpy(),
        half_dtypes=("float16", "bfloat16"),
    ),
    Backend(
        "tensorflow-gpu",
        "tensorflow",
        lambda tf: "/job:localhost/replica:0/task:0/device:GPU:0",
        _tf_to_backend,
        lambda tf, x: x.numpy(),
        _usable=_tf_gpu_usable,
        half_dtypes=("float16", "bfloat16"),
        gpu=True,
    ),
    Backend(
        "cupy",
        "cupy",
        lambda cp: cp.cuda.Device(0),
        lambda cp, a, dev: cp.asarray(a),
        lambda cp, x: x.get(),
        _usable=_cupy_usable,
        half_dtypes=("float16",),
        gpu=True,
    ),
]


@contextlib.contextmanager
def active(backend: Backend) -> Iterator[Backend]:
    """Enter `backend`'s context (JAX with 64-bit types enabled)."""
    with backend.context():
        yield backend


def _param(backend: Backend, value: object, id: str) -> Any:
    reason = backend.skip_reason()
    marks = [pytest.mark.skip(reason=reason)] if reason else []
    return pytest.param(value, id=id, marks=marks)


def backend_params(backends: list[Backend]) -> list[Any]:
    """Pytest params for `backends`, each skipped (with why) when unusable."""
    return [_param(b, b, b.id) for b in backends]


def backend_dtype_params(backends: list[Backend]) -> list[Any]:
    """Pytest params for every (backend, dtype) pair the backends offer."""
    return [_param(b, (b, dt), f"{b.id}-{dt}") for b in backends for dt in b.dtypes()]
