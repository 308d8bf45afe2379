"""Correct rounding of the compiled float32 kernel, checked against an
independent reference: every float32 input (``python -m benchmarks.rounding``)
or a sample of them (the test suite).

The exhaustive run checks the kernel at its top dispatch level against the
reference, every other level bit for bit against the top level (all 2^32
inputs again), every float16 input at every level against the reference, and
the levels' float64 results bit for bit on 10^8 inputs chosen to include the
hard regions.  It records the hard-case rate of each level: the share of
inputs that the rounding test sends to the exact evaluation.

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
    python -m benchmarks.rounding --hard-inputs  # the inputs mpmath decides

``--hard-inputs`` runs the reference alone over every float32 input and
writes the inputs whose result mpmath has to decide, per function, to
``benchmarks/results/hard_inputs.json``: the hardest float32 inputs there
are for any other implementation, which the tests of every backend use.

Chunks are taken from the negative inputs first (where expm1 is evaluated).
The exhaustive run writes ``benchmarks/results/rounding.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

from selu_xp._family import BY_NAME, NAMES

FUNCTIONS = NAMES
REFERENCE_ERROR = 2.0**-48
RESULTS = Path(__file__).parent / "results" / "rounding.json"
HARD_INPUTS = Path(__file__).parent / "results" / "hard_inputs.json"
CHUNK = 1 << 24


def _coefficients(name: str) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``(pos, neg)`` of `name` at 60 digits, from the decimal digits of its
    default parameters (the paper's, Klambauer et al. 2017, for SELU)."""
    member = BY_NAME[name]
    with mpmath.workdps(60):
        scale = mpmath.mpf(member.scale_digits)
        return scale, scale * mpmath.mpf(member.alpha_digits)


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


def reference_double(name: str, x: np.ndarray) -> np.ndarray:
    """f(x) in float64 from NumPy's exp/expm1, within REFERENCE_ERROR."""
    derivative = BY_NAME[name].derivative
    pos, neg = (_double_double(c) for c in _coefficients(name))
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
    derivative = BY_NAME[name].derivative
    pos, neg = _coefficients(name)
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


def _levels() -> list[str]:
    from selu_xp._kernels import _ufunc

    return list(_ufunc.levels())


def _at_level(level: str, f: Callable[[], Any]) -> tuple[Any, int]:
    """``f()`` with the kernel at `level`, and the hard cases it counted."""
    from selu_xp._kernels import _ufunc

    previous = _ufunc.get_level()
    _ufunc.set_level(level)
    try:
        before = _ufunc.hard_cases() or 0
        result = f()
        return result, (_ufunc.hard_cases() or 0) - before
    finally:
        _ufunc.set_level(previous)


@dataclass(frozen=True)
class Chunk:
    """One chunk of float32 inputs at every level."""

    outcome: Outcome
    differing: dict[str, int]  # per level: results unlike the top level's
    hard: dict[str, int]  # per level: inputs sent to the exact evaluation
    nan: int  # NaN inputs (the rounding test sends every one to it)


def _check_chunk(args: tuple[str, int, int]) -> Chunk:
    name, start, size = args
    x = np.arange(start, start + size, dtype=np.uint64).astype(np.uint32)
    x = x.view(np.float32)
    kernel = _kernel(name)
    levels = _levels()
    results, hard = {}, {}
    for level in levels:
        results[level], hard[level] = _at_level(level, lambda: kernel(x))
    top = levels[-1]
    outcome = check(name, x, lambda _: results[top])
    differing = {
        level: int(np.count_nonzero(_bits(results[level]) != _bits(results[top])))
        for level in levels
    }
    return Chunk(outcome, differing, hard, int(np.count_nonzero(np.isnan(x))))


def _merge(name: str, parts: Iterable[Outcome]) -> Outcome:
    parts = list(parts)
    return Outcome(
        name,
        sum(p.inputs for p in parts),
        sum(p.misrounded for p in parts),
        sum(p.decided_by_mpmath for p in parts),
        tuple(v for p in parts for v in p.first_misrounded)[:8],
    )


def _chunk_order(n: int) -> list[int]:
    """Chunk indices, the negative inputs (sign bit set) first."""
    half = (1 << 32) // CHUNK // 2
    order = [half + i for i in range(half)] + list(range(half))
    return order[:n]


def _progress(label: str, done: int, total: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    left = elapsed / done * (total - done) if done else 0.0
    print(
        f"\r{label}: {done}/{total} chunks, {elapsed:.0f} s, about {left:.0f} s left",
        end="" if done < total else "\n",
        file=sys.stderr,
        flush=True,
    )


def _float32(pool: Executor, n: int) -> dict[str, Any]:
    functions = {}
    for name in FUNCTIONS:
        t0 = time.perf_counter()
        jobs = [(name, i * CHUNK, CHUNK) for i in _chunk_order(n)]
        chunks = []
        for chunk in pool.map(_check_chunk, jobs):
            chunks.append(chunk)
            _progress(name, len(chunks), n, t0)
        outcome = _merge(name, [c.outcome for c in chunks])
        levels = list(chunks[0].hard)
        functions[name] = {
            "misrounded": outcome.misrounded,
            "decided_by_mpmath": outcome.decided_by_mpmath,
            "first_misrounded": [float(v) for v in outcome.first_misrounded],
            "nan_inputs": sum(c.nan for c in chunks),
            "levels": {
                level: {
                    "differing_from_top": sum(c.differing[level] for c in chunks),
                    "hard_cases": sum(c.hard[level] for c in chunks),
                }
                for level in levels
            },
            "seconds": round(time.perf_counter() - t0, 1),
        }
        print(
            f"{name:16s} {outcome.inputs} inputs, {outcome.misrounded} "
            f"misrounded, {outcome.decided_by_mpmath} decided by mpmath, "
            f"{time.perf_counter() - t0:.0f} s",
            flush=True,
        )
    return functions


def _float16() -> dict[str, Any]:
    """Every float16 input of every function at every level."""
    x = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    out: dict[str, Any] = {}
    for name in FUNCTIONS:
        kernel = _kernel(name)
        out[name] = {
            level: _at_level(level, partial(check, name, x, kernel, np.float16))[
                0
            ].misrounded
            for level in _levels()
        }
    return out


def float64_inputs(n: int, seed: int = 0) -> np.ndarray:
    """`n` float64 inputs for the level comparison, a fifth of each kind:
    random bit patterns; uniform on [-800, 10]; near the reduction's steps
    k ln2/32 and its half-way points (k + 1/2) ln2/32, half each; near the
    clamps, 0 and the infinities; tiny magnitudes (subnormal to 2^-30)."""
    rng = np.random.default_rng(seed)
    m = n // 5
    ln2 = np.log(2.0)
    k = rng.integers(-35200, 2, m) + (rng.random(m) < 0.5) * 0.5
    near = k * (ln2 / 32) * (1 + rng.integers(-64, 65, m) * 2.0**-52)
    clamps = np.array([-60.0, -110.0, -130.0, -190.0, -760.0, 0.0, -np.inf, np.inf])
    around = rng.choice(clamps, m) * (1 + rng.integers(-64, 65, m) * 2.0**-52)
    tiny = -np.ldexp(rng.random(m), rng.integers(-1075, -30, m))
    parts = [
        rng.integers(0, 2**64, m, dtype=np.uint64).view(np.float64),
        rng.uniform(-800.0, 10.0, m),
        near,
        around,
        tiny,
    ]
    x = np.concatenate(parts)
    return np.concatenate([x, rng.uniform(-50.0, 1.0, n - x.size)])


def _float64(n: int, pieces: int = 10) -> dict[str, Any]:
    """Float64 results of every level against the top level, bit for bit."""
    out: dict[str, Any] = {}
    levels = _levels()
    for name in FUNCTIONS:
        kernel = _kernel(name)
        differing = dict.fromkeys(levels, 0)
        for piece in range(pieces):
            x = float64_inputs(n // pieces, seed=piece)
            results = {lvl: _at_level(lvl, partial(kernel, x))[0] for lvl in levels}
            for lvl in levels:
                differing[lvl] += int(
                    np.count_nonzero(_bits(results[lvl]) != _bits(results[levels[-1]]))
                )
        out[name] = differing
        print(f"{name:16s} float64 levels: {differing}", flush=True)
    return out


def _hard_chunk(args: tuple[str, int, int]) -> list[int]:
    """The bit patterns of the chunk's inputs whose rounding mpmath decides."""
    name, start, size = args
    bits = np.arange(start, start + size, dtype=np.uint64).astype(np.uint32)
    r = reference_double(name, bits.view(np.float32))
    with np.errstate(all="ignore"):
        hard = _near_midpoint(r) & np.isfinite(r)
    return [int(b) for b in bits[hard]]


def hard_inputs(workers: int | None = None) -> dict[str, Any]:
    """Every float32 input whose reference lies near a rounding boundary."""
    workers = workers or os.cpu_count() or 1
    n = (1 << 32) // CHUNK
    record: dict[str, Any] = {"numpy": np.__version__, "functions": {}}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context) as pool:
        for name in FUNCTIONS:
            t0 = time.perf_counter()
            found: list[int] = []
            jobs = [(name, i * CHUNK, CHUNK) for i in _chunk_order(n)]
            for done, part in enumerate(pool.map(_hard_chunk, jobs), 1):
                found += part
                _progress(name, done, n, t0)
            record["functions"][name] = sorted(found)
    return record


def run(
    chunks: int | None = None, workers: int | None = None, float64: int = 10**8
) -> dict[str, Any]:
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
        "levels": list(_ufunc.levels()),
        "machine": facts["cpu"],
        "cpu_features": ", ".join(facts["cpu_features"]),
        "numpy": np.__version__,
        "workers": workers,
    }
    started = time.perf_counter()
    # One kernel thread per process: the processes already use every CPU.
    # Spawned, not forked: the parent may hold threads (the kernel's, JAX's).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, initializer=_one_thread) as pool:
        record["functions"] = _float32(pool, n)
    record["float16_misrounded"] = _float16()
    record["float64_inputs"] = float64
    record["float64_differing"] = _float64(float64)
    record["seconds"] = round(time.perf_counter() - started, 1)
    return record


def _one_thread() -> None:
    import selu_xp

    selu_xp.set_num_threads(1)


def markdown(record: dict[str, Any]) -> str:
    """The exhaustive run as tables, for the documentation."""
    levels = record.get("levels", [record["kernel_level"]])
    n = record["inputs_per_function"]
    lines = [
        "| function | float32 inputs | misrounded | decided by mpmath | seconds |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, f in record["functions"].items():
        lines.append(
            f"| `{name}` | {n:,} | {f['misrounded']} "
            f"| {f['decided_by_mpmath']} | {f['seconds']:.0f} |"
        )
    lines += [
        "",
        "| function | level | float32 results unlike the top level's "
        "| hard-case rate (NaN inputs apart) | float16 misrounded "
        "| float64 results unlike the top level's |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, f in record["functions"].items():
        for level in levels:
            per = f["levels"][level]
            nan = f.get("nan_inputs", 0)
            rate = (per["hard_cases"] - nan) / (n - nan)
            lines.append(
                f"| `{name}` | {level} | {per['differing_from_top']} | "
                f"{rate:.2e} (1 in {1 / rate if rate else float('inf'):,.0f}) | "
                f"{record['float16_misrounded'][name][level]} | "
                f"{record['float64_differing'][name][level]} |"
            )
    lines.append("")
    lines.append(
        "The hard-case rate is the share of the non-NaN inputs that the rounding "
        "test sends to the exact evaluation; it sends every NaN there too "
        f"({record['functions']['selu'].get('nan_inputs', 0):,} of the inputs "
        "checked), which returns it."
    )
    lines.append("")
    lines.append(
        f"All float32 inputs at every level, all float16 inputs at every level, "
        f"{record['float64_inputs']:,} float64 inputs per function (random bit "
        f"patterns, the reduction's half-way points, the clamps, tiny values); "
        f"on {record['machine']} (features: {record['cpu_features']}), top level "
        f"{record['kernel_level']}, NumPy {record['numpy']}, "
        f"{record['workers']} processes, {record['seconds']:.0f} s in all."
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--float64", type=int, default=10**8, help="float64 inputs")
    parser.add_argument(
        "--hard-inputs", action="store_true", help="write hard_inputs.json only"
    )
    args = parser.parse_args(argv)
    if args.hard_inputs:
        found = hard_inputs(args.workers)
        HARD_INPUTS.write_text(json.dumps(found) + "\n")
        counts = {k: len(v) for k, v in found["functions"].items()}
        print(f"hard inputs per function: {counts}")
        return 0
    record = run(args.chunks, args.workers, args.float64)
    if args.chunks is None:
        RESULTS.write_text(json.dumps(record, indent=2) + "\n")
        RESULTS.with_suffix(".md").write_text(markdown(record))
    bad = sum(f["misrounded"] for f in record["functions"].values())
    bad += sum(
        level["differing_from_top"]
        for f in record["functions"].values()
        for level in f["levels"].values()
    )
    bad += sum(sum(f.values()) for f in record["float16_misrounded"].values())
    bad += sum(sum(f.values()) for f in record["float64_differing"].values())
    print(f"{bad} misrounded or differing in all, {record['seconds']:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
