"""Correct rounding of the compiled float32 kernel, checked against an
independent reference: every float32 input (``python -m benchmarks.rounding``)
or a sample of them (the test suite).

The reference is a float64 evaluation by another algorithm: NumPy's own
``expm1`` and ``exp`` (the platform's libm or SVML, never the kernel's code),
times the coefficient as a double-double.  Its relative error is below
``REFERENCE_ERROR`` (2^-48, sixteen times the error of those libraries), so
the float32 rounding of the reference is the correctly rounded result unless
a float32 rounding boundary (a midpoint between two float32 values) lies that
close; those inputs are decided by mpmath at 60 digits with the paper's
constants.  The kernel's results are compared bit for bit.

Usage::

    python -m benchmarks.rounding            # all 2^32 inputs, 4 functions
    python -m benchmarks.rounding --chunks 8  # a quick partial run

The exhaustive run writes ``benchmarks/results/rounding.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

FUNCTIONS = ("selu", "elu", "selu_derivative", "elu_derivative")
REFERENCE_ERROR = 2.0**-48
RESULTS = Path(__file__).parent / "results" / "rounding.json"
CHUNK = 1 << 24

# The paper's constants (Klambauer et al. 2017), parsed at 60 digits.
_DIGITS_ALPHA = "1.6732632423543772848170429916717"
_DIGITS_SCALE = "1.0507009873554804934193349852946"
with mpmath.workdps(60):
    _ALPHA = mpmath.mpf(_DIGITS_ALPHA)
    _SCALE = mpmath.mpf(_DIGITS_SCALE)
    _COEFFICIENTS = {
        "selu": (_SCALE, _SCALE * _ALPHA),
        "elu": (mpmath.mpf(1), mpmath.mpf(1)),
    }


def _double_double(value: mpmath.mpf) -> tuple[float, float]:
    with mpmath.workdps(60):
        hi = float(value)
        return hi, float(value - mpmath.mpf(hi))


@dataclass(frozen=True)
class Outcome:
    """What a check of one function over some inputs found."""

    function: str
    inputs: int
    misrounded: int
    decided_by_mpmath: int
    first_misrounded: tuple[float, ...]


def _family(name: str) -> tuple[str, bool]:
    derivative = name.endswith("_derivative")
    return name.removesuffix("_derivative"), derivative


def reference_double(name: str, x: np.ndarray) -> np.ndarray:
    """f(x) in float64 from NumPy's exp/expm1, within REFERENCE_ERROR."""
    base, derivative = _family(name)
    pos, neg = (_double_double(c) for c in _COEFFICIENTS[base])
    with np.errstate(all="ignore"):
        xd = x.astype(np.float64)
        if derivative:
            e = np.exp(np.minimum(xd, 0.0))
            left = neg[0] * e + neg[1] * e
            return np.where(xd > 0, pos[0] + pos[1], left)
        e = np.expm1(np.minimum(xd, 0.0))
        left = neg[0] * e + neg[1] * e
        right = np.where(np.isinf(xd), pos[0] * xd, pos[0] * xd + pos[1] * xd)
        return np.where(xd > 0, right, np.where(xd == 0, neg[0] * xd, left))


def exact(name: str, x: float) -> mpmath.mpf:
    """f(x) at 60 digits, with the paper's constants."""
    base, derivative = _family(name)
    pos, neg = _COEFFICIENTS[base]
    with mpmath.workdps(60):
        v = mpmath.mpf(x)
        if v > 0:
            return pos if derivative else pos * v
        return neg * (mpmath.exp(v) if derivative else mpmath.expm1(v))


def _overflow_threshold(dtype: Any) -> float:
    """The magnitude from which values round to infinity in `dtype`."""
    info = np.finfo(dtype)
    return (float(info.max) + 2.0 ** (info.maxexp)) / 2


def round_exact(value: mpmath.mpf, dtype: Any = np.float32) -> Any:
    """The `dtype` value nearest to `value` (ties to even), from rationals."""
    dtype = np.dtype(dtype)
    if value == 0:
        return dtype.type(0.0)
    sign, man, exp, _ = value._mpf_
    q = (-1) ** sign * Fraction(int(man)) * Fraction(2) ** int(exp)
    if abs(q) >= Fraction(_overflow_threshold(dtype)):
        return dtype.type(np.inf if q > 0 else -np.inf)
    with np.errstate(all="ignore"):
        f = dtype.type(float(q))  # within one step of the answer
        candidates = [np.nextafter(f, dtype.type(-np.inf)), f]
        candidates.append(np.nextafter(f, dtype.type(np.inf)))
    finite = [c for c in candidates if np.isfinite(c)]
    bits = f"u{dtype.itemsize}"
    return min(
        finite,
        key=lambda c: (abs(Fraction(float(c)) - q), int(np.asarray(c).view(bits)) & 1),
    )


def _bits(x: Any) -> Any:
    a = np.asarray(x)
    return a.view(f"u{a.dtype.itemsize}")


def _near_midpoint(r: np.ndarray, dtype: Any = np.float32) -> np.ndarray:
    """Whether a `dtype` midpoint lies within REFERENCE_ERROR * |r| of r."""
    dtype = np.dtype(dtype)
    top = _overflow_threshold(dtype)
    with np.errstate(all="ignore"):
        f = r.astype(dtype)
        down = np.nextafter(f, dtype.type(-np.inf)).astype(np.float64)
        up = np.nextafter(f, dtype.type(np.inf)).astype(np.float64)
        f64 = f.astype(np.float64)
        mid_down = np.where(np.isinf(f64), np.sign(f64) * top, (f64 + down) / 2)
        mid_up = np.where(np.isinf(up), top, (f64 + up) / 2)
        mid_down = np.where(np.isinf(down), -top, mid_down)
        tol = REFERENCE_ERROR * np.abs(r)
        return (np.abs(r - mid_down) <= tol) | (np.abs(r - mid_up) <= tol)


def check(
    name: str,
    x: np.ndarray,
    kernel: Callable[[np.ndarray], np.ndarray],
    dtype: Any = np.float32,
) -> Outcome:
    """Compare ``kernel(x)`` with the correctly rounded f(x), in `dtype`."""
    x = np.ascontiguousarray(x, dtype=dtype)
    got = kernel(x)
    r = reference_double(name, x)
    with np.errstate(all="ignore"):
        want = r.astype(dtype)
        hard = np.flatnonzero(_near_midpoint(r, dtype) & np.isfinite(r))
    for i in hard.tolist():
        want[i] = round_exact(exact(name, float(x[i])), dtype)
    nan = np.isnan(x)
    wrong = (_bits(got) != _bits(want)) & ~nan
    wrong |= nan & ~np.isnan(got)
    bad = np.flatnonzero(wrong)
    return Outcome(name, x.size, int(bad.size), int(hard.size), tuple(x[bad[:8]]))


def _kernel(name: str) -> Callable[[np.ndarray], np.ndarray]:
    from selu_xp._backends.numpy import kernel_ufunc

    return kernel_ufunc(name)


def _check_chunk(args: tuple[str, int, int]) -> Outcome:
    name, start, size = args
    x = np.arange(start, start + size, dtype=np.uint64).astype(np.uint32)
    return check(name, x.view(np.float32), _kernel(name))


def _merge(name: str, parts: Iterable[Outcome]) -> Outcome:
    parts = list(parts)
    return Outcome(
        name,
        sum(p.inputs for p in parts),
        sum(p.misrounded for p in parts),
        sum(p.decided_by_mpmath for p in parts),
        tuple(v for p in parts for v in p.first_misrounded)[:8],
    )


def run(chunks: int | None = None, workers: int | None = None) -> dict[str, Any]:
    """Check all 2^32 inputs (or the first `chunks` chunks of 2^24)."""
    total = 1 << 32
    n = total // CHUNK if chunks is None else chunks
    workers = workers or os.cpu_count() or 1
    from benchmarks.facts import machine
    from selu_xp._kernels import _ufunc

    facts = machine()
    record: dict[str, Any] = {
        "inputs_per_function": n * CHUNK,
        "kernel_level": _ufunc.get_level(),
        "machine": facts["cpu"],
        "cpu_features": ", ".join(facts["cpu_features"]),
        "numpy": np.__version__,
        "workers": workers,
        "functions": {},
    }
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        for name in FUNCTIONS:
            t0 = time.perf_counter()
            jobs = [(name, i * CHUNK, CHUNK) for i in range(n)]
            outcome = _merge(name, pool.map(_check_chunk, jobs))
            record["functions"][name] = {
                "misrounded": outcome.misrounded,
                "decided_by_mpmath": outcome.decided_by_mpmath,
                "first_misrounded": [float(v) for v in outcome.first_misrounded],
                "seconds": round(time.perf_counter() - t0, 1),
            }
            print(
                f"{name:16s} {outcome.inputs} inputs, {outcome.misrounded} "
                f"misrounded, {outcome.decided_by_mpmath} decided by mpmath, "
                f"{time.perf_counter() - t0:.0f} s",
                flush=True,
            )
    record["seconds"] = round(time.perf_counter() - started, 1)
    return record


def markdown(record: dict[str, Any]) -> str:
    """The exhaustive run as a table, for the documentation."""
    lines = [
        "| function | float32 inputs | misrounded | decided by mpmath | seconds |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, f in record["functions"].items():
        lines.append(
            f"| `{name}` | {record['inputs_per_function']:,} | {f['misrounded']} "
            f"| {f['decided_by_mpmath']} | {f['seconds']:.0f} |"
        )
    lines.append("")
    lines.append(
        f"All inputs, on {record['machine']} (features: "
        f"{record.get('cpu_features', 'not recorded')}), kernel level "
        f"{record['kernel_level']}, NumPy {record['numpy']}, "
        f"{record.get('workers', 'not recorded')} processes, "
        f"{record['seconds']:.0f} s in all."
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    record = run(args.chunks, args.workers)
    if args.chunks is None:
        RESULTS.write_text(json.dumps(record, indent=2) + "\n")
        RESULTS.with_suffix(".md").write_text(markdown(record))
    bad = sum(f["misrounded"] for f in record["functions"].values())
    print(f"{bad} misrounded in all, {record['seconds']:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
