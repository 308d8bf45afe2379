"""The report of ``python -m selu_xp``: every backend found here, checked.

For each installed backend, device and dtype, `selu` is evaluated on a fixed
grid on both paths and compared with a reference computed in decimal
arithmetic at 50 significant digits (the standard library's :mod:`decimal`,
so the report needs nothing beyond the package's own dependencies), and with
NumPy's result on the same inputs.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import importlib.util
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._activations import selu
from ._constants import PAPER_ALPHA, PAPER_SCALE
from ._dispatch import force_generic
from ._native_numpy import kernel_info

__all__ = ["Row", "main", "run"]

_ALPHA = decimal.Decimal(PAPER_ALPHA)
_SCALE = decimal.Decimal(PAPER_SCALE)
_NMANT = {"float32": 23, "float64": 52}
# Largest accepted error against the reference, in ULPs, and largest accepted
# difference from NumPy.  JAX evaluates float64 (and float32 without x64) with
# XLA's own expm1, a few ULPs off (jax.nn.selu itself is 4-5 ULPs off), hence
# its wider bound.  PyTorch's float32 fast path runs torch's own float32
# kernel and is held to F.selu's error on the same grid.
_BOUND = {"float32": 1.0, "float64": 1.5}
# The compiled kernel (NumPy, and Dask and CuPy through it): float32
# correctly rounded, float64 within 1 ULP.
_KERNEL_BOUND = {"float32": 0.5, "float64": 1.0}
_KERNEL_BACKENDS = ("numpy", "dask", "cupy")
_JAX_BOUND = 6.0
_AGREE = 8.0


@dataclass(frozen=True)
class Row:
    """One line of the report."""

    backend: str
    device: str
    dtype: str
    path: str
    max_ulp: float
    ulp_from_numpy: float
    bound: float
    peer_max_ulp: float = math.nan

    @property
    def failures(self) -> list[str]:
        """The checks this row fails: its accuracy bound, agreement, or none."""
        failed = []
        if not self.max_ulp <= self.bound:
            failed.append(f"accuracy ({self.max_ulp:.3f} > {self.bound:g} ULP)")
        if not self.ulp_from_numpy <= _AGREE:
            failed.append(
                f"agreement with NumPy ({self.ulp_from_numpy:.3f} > {_AGREE:g} ULP)"
            )
        return failed

    @property
    def ok(self) -> bool:
        return not self.failures


def grid() -> np.ndarray:
    """The fixed grid: [-30, 10] in 4001 steps and tiny negative values."""
    return np.concatenate(
        [np.linspace(-30.0, 10.0, 4001), -np.geomspace(1e-12, 1e-3, 201)]
    )


def reference(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """selu at the float64 points `x`, as a double-double (hi, lo)."""
    hi = np.empty_like(x)
    lo = np.empty_like(x)
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        for i, v in enumerate(x.tolist()):
            d = decimal.Decimal(v)
            r = _SCALE * d if d > 0 else _SCALE * _ALPHA * (d.exp() - 1)
            hi[i] = float(r)
            lo[i] = float(r - decimal.Decimal(hi[i]))
    return hi, lo


def ulps(y: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype: str) -> np.ndarray:
    """|y - (hi + lo)| in ULPs of `dtype` at the reference."""
    _, exp = np.frexp(hi)
    spacing = np.ldexp(1.0, exp - 1 - _NMANT[dtype])
    err: np.ndarray = np.abs((y.astype(np.float64) - hi) - lo) / spacing
    return err


@dataclass(frozen=True)
class _Target:
    name: str
    module: str
    make: Callable[[Any, np.ndarray], Any]
    to_numpy: Callable[[Any, Any], np.ndarray]
    device: Callable[[Any], str]
    usable: Callable[[Any], bool] = lambda _: True
    where: str = "cpu"
    peer: Callable[[Any, Any], Any] | None = None


def _jax_cpu(jax: Any) -> Any:
    return jax.devices("cpu")[0]


def _jax_gpu_usable(jax: Any) -> bool:
    try:
        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


def _cupy_usable(cp: Any) -> bool:
    try:
        return int(cp.cuda.runtime.getDeviceCount()) > 0
    except Exception:
        return False


def _torch_selu(torch: Any, x: Any) -> Any:
    return torch.nn.functional.selu(x)


def _jax_selu(jax: Any, x: Any) -> Any:
    return jax.nn.selu(x)


def _tf_selu(tf: Any, x: Any) -> Any:
    return tf.nn.selu(x)


def _tf_gpu_usable(tf: Any) -> bool:
    return bool(tf.config.list_physical_devices("GPU"))


def _tf_on(tf: Any, a: np.ndarray, device: str) -> Any:
    with tf.device(device):
        return tf.identity(tf.constant(a))


def _strict_array(xs: Any, a: np.ndarray) -> Any:
    return xs.asarray(a)


_TARGETS = [
    _Target("numpy", "numpy", lambda m, a: a, lambda m, y: y, lambda m: "cpu"),
    _Target(
        "array_api_strict",
        "array_api_strict",
        _strict_array,
        lambda m, y: np.asarray(y),
        lambda m: "CPU_DEVICE",
    ),
    _Target(
        "torch",
        "torch",
        lambda m, a: m.asarray(a.copy()),
        lambda m, y: y.cpu().numpy(),
        lambda m: "cpu",
        peer=_torch_selu,
    ),
    _Target(
        "torch",
        "torch",
        lambda m, a: m.asarray(a.copy(), device="cuda"),
        lambda m, y: y.cpu().numpy(),
        lambda m: f"cuda ({m.cuda.get_device_name(0)})",
        usable=lambda m: bool(m.cuda.is_available()),
        where="cuda",
        peer=_torch_selu,
    ),
    _Target(
        "jax",
        "jax",
        lambda m, a: m.device_put(a, _jax_cpu(m)),
        lambda m, y: np.asarray(y),
        lambda m: "cpu",
        peer=_jax_selu,
    ),
    _Target(
        "jax",
        "jax",
        lambda m, a: m.device_put(a, m.devices("gpu")[0]),
        lambda m, y: np.asarray(y),
        lambda m: f"gpu ({m.devices('gpu')[0].device_kind})",
        usable=_jax_gpu_usable,
        where="gpu",
        peer=_jax_selu,
    ),
    _Target(
        "dask",
        "dask.array",
        lambda m, a: m.from_array(a, chunks=max(1, a.size // 4)),
        lambda m, y: np.asarray(y.compute()),
        lambda m: "cpu",
    ),
    _Target(
        "tensorflow",
        "tensorflow",
        lambda m, a: _tf_on(m, a, "/CPU:0"),
        lambda m, y: y.numpy(),
        lambda m: "cpu",
        peer=_tf_selu,
    ),
    _Target(
        "tensorflow",
        "tensorflow",
        lambda m, a: _tf_on(m, a, "/GPU:0"),
        lambda m, y: y.numpy(),
        lambda m: "gpu",
        usable=_tf_gpu_usable,
        where="gpu",
        peer=_tf_selu,
    ),
    _Target(
        "cupy",
        "cupy",
        lambda m, a: m.asarray(a),
        lambda m, y: m.asnumpy(y),
        lambda m: f"cuda:{m.cuda.Device().id}",
        usable=_cupy_usable,
        where="cuda",
    ),
]


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module.split(".")[0]) is not None


@contextlib.contextmanager
def _mode(target: _Target, library: Any, dtype: str) -> Iterator[None]:
    if target.module == "jax" and dtype == "float64":
        with library.enable_x64(True):
            yield
    else:
        yield


def run() -> tuple[list[Row], list[str]]:
    """Evaluate every usable backend; return the rows and the notes."""
    x64 = grid()
    rows: list[Row] = []
    notes: list[str] = []
    for target in _TARGETS:
        if not _installed(target.module):
            notes.append(f"{target.name}: not installed")
            continue
        library = importlib.import_module(target.module)
        if not target.usable(library):
            notes.append(f"{target.name} ({target.where}): no usable device")
            continue
        for dtype in ("float32", "float64"):
            x = x64.astype(dtype)
            hi, lo = reference(x.astype(np.float64))
            expected = selu(x)
            with _mode(target, library, dtype):
                xb = target.make(library, x)
                peer = math.nan
                if target.peer is not None:
                    own = target.to_numpy(library, target.peer(library, xb))
                    peer = float(np.max(ulps(own, hi, lo, dtype)))
                for path in ("fast", "generic"):
                    with force_generic(path == "generic"):
                        y = target.to_numpy(library, selu(xb))
                    bound = _JAX_BOUND if target.module == "jax" else _BOUND[dtype]
                    if (target.module, path, dtype) == ("torch", "fast", "float32"):
                        bound = peer  # torch's own float32 kernel, as F.selu
                    if path == "fast" and target.name in _KERNEL_BACKENDS:
                        bound = _KERNEL_BOUND[dtype]
                    rows.append(
                        Row(
                            target.name,
                            target.device(library),
                            dtype,
                            path,
                            float(np.max(ulps(y, hi, lo, dtype))),
                            float(np.max(_ulp_diff(y, expected, dtype))),
                            bound,
                            peer,
                        )
                    )
    return rows, notes


def _ulp_diff(y: np.ndarray, z: np.ndarray, dtype: str) -> np.ndarray:
    spacing = np.spacing(np.abs(z).astype(dtype)).astype(np.float64)
    diff: np.ndarray = np.abs(y.astype(np.float64) - z.astype(np.float64)) / spacing
    return diff


def format_table(rows: list[Row]) -> str:
    header = (
        "backend",
        "device",
        "dtype",
        "path",
        "max ULP",
        "bound",
        "own selu",
        "ULP vs NumPy",
        "check",
    )
    lines = [
        (
            r.backend,
            r.device,
            r.dtype,
            r.path,
            f"{r.max_ulp:.3f}",
            f"{r.bound:g}",
            "-" if math.isnan(r.peer_max_ulp) else f"{r.peer_max_ulp:.3f}",
            f"{r.ulp_from_numpy:.3f}",
            "ok" if r.ok else "FAILED: " + "; ".join(r.failures),
        )
        for r in rows
    ]
    columns = zip(header, *lines, strict=True)
    widths = [max(len(str(c)) for c in col) for col in columns]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*line) for line in lines]
    return "\n".join(out)


def main() -> int:
    """Print the report; return 1 if any backend disagrees, else 0."""
    from . import __version__

    rows, notes = run()
    print(f"selu_xp {__version__}: selu on {grid().size} points of [-30, 10] and")
    print(
        "tiny negatives, against a 50-digit reference; ULP = units in the last place;"
    )
    print("'own selu' is the backend's own selu on the same data, for comparison.")
    print(f"NumPy arrays run the {kernel_info()}.")
    print()
    print(format_table(rows))
    for note in notes:
        print(f"  ({note})")
    failed = [r for r in rows if not r.ok]
    print()
    if failed:
        print(f"FAILED: {len(failed)} of {len(rows)} rows fail a check:")
        for r in failed:
            where = f"{r.backend} {r.device} {r.dtype} {r.path}"
            print(f"  {where}: {'; '.join(r.failures)}")
        return 1
    print(f"OK: all {len(rows)} rows within their bounds and agree with NumPy.")
    return 0
