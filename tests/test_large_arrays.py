"""Arrays of more than 2**31 elements: no 32-bit index anywhere on the way.

A float16 array of ``2**31 + 2**18`` elements costs 4 GiB; each test holds
one such result and an input that costs (almost) nothing: zeros, which the
operating system maps to one shared page as long as they are only read,
with a few small regions set to every finite float16 value, or a broadcast
scalar.  Each result is checked everywhere: the regions against the mpmath
reference, every other element against selu(0) = 0 (or the broadcast
value's result), and nothing left unwritten (an ``out=`` starts as -2, a
value selu cannot take).  The regions lie at the start, the middle (where
the thread split cuts in two on two CPUs), across 2**31, and at the end.

The NumPy tests run the compiled kernel through the public function, on a
contiguous input (split over the threads) and on a strided one (one call
of the ufunc over all the elements).  The generic path runs on JAX under
``jax.jit``, where XLA fuses its operations into one loop: on NumPy its
float32 intermediates of 8 GiB each would not fit in the memory of the
machines that run the tests, and nothing in it depends on the size beyond
what the namespace does.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import selu_xp
from selu_xp._accuracy import DEFAULT_BOUND, KERNEL_BOUNDS
from selu_xp.testing import ulp_errors
from selu_xp.testing.oracle import reference

pytestmark = pytest.mark.slow

N = 2**31 + 2**18  # room for the regions around 2**31 and at the end
FILL = np.float16(-2.0)  # below -scale * alpha: selu never gives it
CHUNK = 2**26


def _finite_float16() -> np.ndarray:
    """Every finite float16 value, once."""
    x = np.arange(2**16, dtype=np.uint16).view(np.float16)
    return x[np.isfinite(x)]


VALUES = _finite_float16()
K = VALUES.size
# The regions' first indices: the start, the middle (the cut of a split in
# two), across 2**31, and the end.
STARTS = [0, N // 2 - K // 2, 2**31 - K // 2, N - K]
assert all(b - a >= K for a, b in itertools.pairwise(STARTS))


@pytest.fixture(scope="module")
def expected() -> tuple[np.ndarray, np.ndarray]:
    """The reference of selu at `VALUES`, as a double-double."""
    return reference("selu", VALUES.astype(np.float64))


def _regions_in(x: np.ndarray) -> None:
    for start in STARTS:
        x[start : start + K] = VALUES


def _ulps(y: np.ndarray, expected: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The errors of `y` at `VALUES` in float16 ULPs, subnormal results too.

    An ULP of a subnormal float16 is 2**-24, its spacing there; a reference
    at or beyond 65520 (the largest float16 and half its ULP) rounds to inf.
    """
    hi, lo = expected
    y64 = y.astype(np.float64)
    with np.errstate(invalid="ignore"):
        errors = ulp_errors(y64, hi, lo, "float16")
    tiny = np.isnan(errors)
    errors[tiny] = np.abs((y64[tiny] - hi[tiny]) - lo[tiny]) / 2.0**-24
    beyond = np.abs(hi) >= 65520.0
    errors[beyond] = np.where(y64[beyond] == np.copysign(np.inf, hi[beyond]), 0, np.inf)
    return errors


def _check(y: Any, expected: tuple[np.ndarray, np.ndarray], bound: float) -> None:
    """Every region within `bound` ULPs; every other element 0; none unwritten."""
    assert y.shape == (N,)
    assert y.dtype == np.float16
    for start in STARTS:
        errors = _ulps(np.asarray(y[start : start + K]), expected)
        assert np.max(errors) <= bound, (start, np.max(errors))
    for first in range(0, N, CHUNK):
        part = np.array(y[first : first + CHUNK])
        for start in STARTS:
            part[max(start - first, 0) : max(start + K - first, 0)] = 0
        assert not np.any(part), f"an element in [{first}, {first + CHUNK}) is wrong"


def test_kernel_split_over_threads(expected: tuple[np.ndarray, np.ndarray]) -> None:
    x = np.zeros(N, dtype=np.float16)
    _regions_in(x)
    out = np.full(N, FILL)
    assert selu_xp.selu(x, out=out) is out
    del x
    _check(out, expected, KERNEL_BOUNDS["float16"])


def test_kernel_in_one_call_over_a_strided_input(
    expected: tuple[np.ndarray, np.ndarray],
) -> None:
    # Not contiguous, so not split: one ufunc call over all N elements.
    x = np.zeros(2 * N, dtype=np.float16)[::2]
    _regions_in(x)
    out = np.full(N, FILL)
    assert selu_xp.selu(x, out=out) is out
    del x
    _check(out, expected, KERNEL_BOUNDS["float16"])


def test_kernel_on_a_broadcast_scalar() -> None:
    # The input costs nothing at all; the result is a new array.
    x = np.broadcast_to(np.float16(-1.0), (N,))
    y = selu_xp.selu(x)
    assert y.shape == (N,)
    assert y.dtype == np.float16
    hi, lo = reference("selu", np.asarray([-1.0]))
    want = y[:1].astype(np.float64)
    assert ulp_errors(want, hi, lo, "float16")[0] <= KERNEL_BOUNDS["float16"]
    for first in range(0, N, CHUNK):
        assert np.all(y[first : first + CHUNK] == want[0]), first


def test_generic_path_under_jax_jit(expected: tuple[np.ndarray, np.ndarray]) -> None:
    # Rows of every finite float16 value, broadcast inside the compiled
    # function: XLA fuses the broadcast and the generic path's operations
    # into one loop over the rows * K > 2**31 elements of the result.
    jax = pytest.importorskip("jax")
    rows = N // K + 1
    assert rows * K > 2**31

    def broadcast_selu(v: Any) -> Any:
        return selu_xp.selu(jax.numpy.broadcast_to(v, (rows, K)))

    with selu_xp.force_generic():
        y = np.asarray(jax.jit(broadcast_selu)(jax.numpy.asarray(VALUES)))
    assert y.shape == (rows, K)
    assert y.dtype == np.float16
    for row in (0, rows // 2, rows - 1):
        errors = _ulps(y[row], expected)
        assert np.max(errors) <= DEFAULT_BOUND, (row, np.max(errors))
    step = CHUNK // K
    for first in range(0, rows, step):
        assert np.array_equal(
            y[first : first + step], np.broadcast_to(y[0], (min(step, rows - first), K))
        ), first
