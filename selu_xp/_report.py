"""The report of ``python -m selu_xp``: every backend found here, checked.

For each installed backend, device and dtype, `selu` is evaluated on a fixed
grid on both paths and compared with a reference computed in decimal
arithmetic at 50 significant digits (the standard library's :mod:`decimal`,
so the report needs nothing beyond the package's own dependencies), and with
NumPy's result on the same inputs.  The backends are the columns of
`selu_xp.testing` that the tests run on, and each row is held to the
bound that the tests hold the same column, dtype and path to.
"""

from __future__ import annotations

import contextlib
import decimal
import math
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np

from ._accuracy import KERNEL_BOUNDS, bound, ulp_errors
from ._activations import selu
from ._backends.numpy import kernel_info
from ._constants import PAPER_ALPHA, PAPER_SCALE
from ._dispatch import force_generic
from ._threads import get_num_threads
from .testing import BACKENDS, Backend

__all__ = ["Row", "main", "run"]

_ALPHA = decimal.Decimal(PAPER_ALPHA)
_SCALE = decimal.Decimal(PAPER_SCALE)
# Largest accepted difference from NumPy's result, in ULPs.  (The largest
# accepted error against the reference is the tests' bound, `bound`.)
_AGREE = 8.0
# The standard error's file descriptor, which C++ libraries write their logs to.
_STDERR = 2


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
    gpu: bool = False
    same_bits: bool = False
    """Whether the row must have NumPy's bits (0 ULP from NumPy): every CPU
    row whose bound is the kernel's."""

    @property
    def failures(self) -> list[str]:
        """The checks this row fails: its accuracy bound, agreement, or none."""
        failed = []
        if not self.max_ulp <= self.bound:
            failed.append(f"accuracy ({self.max_ulp:.3f} > {self.bound:g} ULP)")
        if self.same_bits and self.ulp_from_numpy != 0:
            failed.append(f"NumPy's bits ({self.ulp_from_numpy:.3f} ULP from them)")
        elif not self.ulp_from_numpy <= _AGREE:
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


def max_ulp(y: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype: str) -> float:
    """The largest error of `y` against the reference ``hi + lo``, in ULPs."""
    return float(np.nanmax(ulp_errors(y, hi, lo, dtype)))


def run() -> tuple[list[Row], list[str]]:
    """Evaluate every usable backend; return the rows and the notes.

    A note says why a backend is not reported (not installed, no GPU).
    """
    x64 = grid()
    rows: list[Row] = []
    notes: list[str] = []
    for backend in BACKENDS:
        if not backend.report_dtypes:
            continue
        reason = backend.skip_reason()
        if reason is not None:
            notes.append(f"{backend.id}: {reason}")
            continue
        with backend.context():
            for dtype in backend.report_dtypes:
                rows += _rows(backend, x64.astype(dtype), dtype)
    return _grouped(rows), notes


def _rows(backend: Backend, x: np.ndarray, dtype: str) -> list[Row]:
    """The fast and the generic row of `backend` on the grid `x`."""
    hi, lo = reference(x.astype(np.float64))
    expected = selu(x)
    xb = backend.asarray(x)
    own = backend.own_selu(xb)
    peer = math.nan if own is None else max_ulp(backend.to_numpy(own), hi, lo, dtype)
    label = backend.device_label
    rows = []
    for path in ("fast", "generic"):
        with force_generic(path == "generic"):
            y = backend.to_numpy(selu(xb))
        limit = bound(backend, "selu", dtype, path)
        rows.append(
            Row(
                backend.family,
                label,
                dtype,
                path,
                max_ulp(y, hi, lo, dtype),
                float(np.max(_ulp_diff(y, expected, dtype))),
                limit,
                peer,
                gpu=backend.gpu,
                same_bits=not backend.gpu and limit <= KERNEL_BOUNDS[dtype],
            )
        )
    return rows


def _grouped(rows: list[Row]) -> list[Row]:
    """`rows` with each library and device together, float32 first.

    JAX's float32 and float64 rows on the CPU come from two columns (without
    and with x64) and make one group.
    """
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.backend, r.device), []).append(r)
    by_dtype = attrgetter("dtype")
    return [r for group in groups.values() for r in sorted(group, key=by_dtype)]


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
    """Print the report; return 1 if any backend disagrees, else 0.

    What the backends' libraries write to the standard error while they load
    and run (TensorFlow's C++ log lines, for one) is held and written after
    the report, so that the report's own lines come first.
    """
    from . import __version__

    print(f"selu_xp {__version__}: selu on {grid().size} points of [-30, 10] and")
    print(
        "tiny negatives, against a 50-digit reference; ULP = units in the last place;"
    )
    print("'own selu' is the backend's own selu on the same data, for comparison.")
    print(
        f"NumPy arrays run the {kernel_info()}, on up to {get_num_threads()} "
        "threads per large array (SELU_XP_NUM_THREADS, selu_xp.set_num_threads)."
    )
    print()
    with _stderr_held() as held:
        rows, notes = run()
    try:
        return _print_results(rows, notes)
    finally:
        _replay(held)


def _print_results(rows: list[Row], notes: list[str]) -> int:
    """The table, the notes and the verdict; the exit status."""
    print(format_table(rows))
    for note in notes:
        print(f"  ({note})")
    for r in rows:
        if not r.same_bits and not r.gpu:
            print(
                f"  ({r.backend} {r.device} {r.dtype} {r.path}: no float64 to "
                f"compute in, held to {r.bound:g} ULP, not to NumPy's bits)"
            )
    failed = [r for r in rows if not r.ok]
    print()
    if failed:
        print(f"FAILED: {len(failed)} of {len(rows)} rows fail a check:")
        for r in failed:
            where = f"{r.backend} {r.device} {r.dtype} {r.path}"
            print(f"  {where}: {'; '.join(r.failures)}")
        return 1
    exact = sum(r.same_bits for r in rows)
    print(f"OK: all {len(rows)} rows within their bounds; {exact} have NumPy's bits.")
    return 0


@contextlib.contextmanager
def _stderr_held() -> Iterator[list[bytes]]:
    """Hold what is written to file descriptor 2 inside the block.

    C++ libraries write their logs to the descriptor, not to `sys.stderr`, so
    the descriptor itself is pointed at a temporary file.  The list given to
    the block receives the bytes on exit; if the block raises they are
    written back at once.  Without a descriptor 2 nothing is held.
    """
    held: list[bytes] = []
    sys.stderr.flush()
    try:
        saved = os.dup(_STDERR)
    except OSError:
        yield held
        return
    with tempfile.TemporaryFile() as store:
        os.dup2(store.fileno(), _STDERR)
        try:
            yield held
        except BaseException:
            _restore(saved, store, held)
            _replay(held)
            raise
        _restore(saved, store, held)


def _restore(saved: int, store: Any, held: list[bytes]) -> None:
    """Point descriptor 2 back at `saved`; put what `store` got into `held`."""
    sys.stderr.flush()
    os.dup2(saved, _STDERR)
    os.close(saved)
    store.seek(0)
    held.append(store.read())


def _replay(held: list[bytes]) -> None:
    """Write the held bytes to descriptor 2, after the report."""
    text = b"".join(held)
    if not text:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    note = b"\nThe backends' libraries wrote this to the standard error during the "
    os.write(_STDERR, note + b"report:\n" + text)
