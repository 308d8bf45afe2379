"""High-precision references computed with mpmath, and ULP errors against them.

Nothing here calls the package under test: the reference evaluates the
paper's formulas at 50 significant digits from the constants as printed in
the paper.
"""

from __future__ import annotations

from functools import lru_cache

import mpmath
import numpy as np

# Parsed at 60 digits: at mpmath's default 53 bits they would be rounded to
# doubles, and the reference would inherit the very error it must detect.
with mpmath.workdps(60):
    ALPHA = mpmath.mpf("1.6732632423543772848170429916717")
    SCALE = mpmath.mpf("1.0507009873554804934193349852946")

# Significand bits (without the implicit bit) and smallest normal, per dtype.
FORMATS = {
    "float64": (52, 2.0**-1022),
    "float32": (23, 2.0**-126),
    "float16": (10, 2.0**-14),
    "bfloat16": (7, 2.0**-126),
}


def selu_ref(x: mpmath.mpf) -> mpmath.mpf:
    return SCALE * x if x > 0 else SCALE * ALPHA * mpmath.expm1(x)


def selu_derivative_ref(x: mpmath.mpf) -> mpmath.mpf:
    return SCALE if x > 0 else SCALE * ALPHA * mpmath.exp(x)


def elu_ref(x: mpmath.mpf) -> mpmath.mpf:
    return x if x > 0 else mpmath.expm1(x)


def elu_derivative_ref(x: mpmath.mpf) -> mpmath.mpf:
    return mpmath.mpf(1) if x > 0 else mpmath.exp(x)


REFERENCES = {
    "selu": selu_ref,
    "selu_derivative": selu_derivative_ref,
    "elu": elu_ref,
    "elu_derivative": elu_derivative_ref,
}


def exact(name: str, x: np.ndarray) -> np.ndarray:
    """The reference of `name` at the points `x` (any shape), rounded to float64."""
    x = np.asarray(x, dtype=np.float64)
    hi, _ = reference(name, x.ravel())
    return hi.reshape(x.shape)


def eps(dtype: str) -> float:
    """The machine epsilon of `dtype` (``bfloat16`` included)."""
    return 2.0 ** -FORMATS[dtype][0]


def reference(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The reference of `name` at the float64 points `x`, as a double-double."""
    return _reference(name, tuple(np.asarray(x, dtype=np.float64).tolist()))


@lru_cache(maxsize=64)
def _reference(name: str, xs: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    f = REFERENCES[name]
    hi = np.empty(len(xs))
    lo = np.empty(len(xs))
    with mpmath.workdps(50):
        for i, v in enumerate(xs):
            r = f(mpmath.mpf(v))
            hi[i] = float(r)
            lo[i] = float(r - hi[i]) if mpmath.isfinite(r) else 0.0
    return hi, lo


def ulp_errors(y: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype: str) -> np.ndarray:
    """|y - reference| in ULPs of `dtype` at the reference, for normal results.

    Results whose reference is subnormal or zero in `dtype` get NaN and are
    left out of the maximum (the bounds are stated for normal-range results).
    """
    nmant, tiny = FORMATS[dtype]
    y = np.asarray(y, dtype=np.float64)
    _, exp = np.frexp(hi)
    ulp = np.ldexp(1.0, exp - 1 - nmant)
    with np.errstate(invalid="ignore"):
        err = np.abs((y - hi) - lo) / ulp
    return np.where(np.abs(hi) >= tiny, err, np.nan)


def max_ulp(name: str, x: np.ndarray, y: np.ndarray, dtype: str) -> float:
    """Largest ULP error of `y = name(x)` against the reference."""
    hi, lo = reference(name, x)
    return float(np.nanmax(ulp_errors(y, hi, lo, dtype)))


def accuracy_grid(dtype: str) -> np.ndarray:
    """A dense grid over [-30, 10] plus tiny negatives, exactly in `dtype`.

    The points are returned as float64 values that are representable in
    `dtype` (duplicates removed), so that the reference sees the very inputs
    the function under test sees.
    """
    dense = np.linspace(-30.0, 10.0, 40001)
    tiny = -np.geomspace(1e-12, 1e-3, 2001)
    x = np.concatenate([dense, tiny])
    return np.unique(round_to(x, dtype))


def round_to(x: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bfloat16":
        # Round to nearest even on the top 16 bits of the float32 pattern.
        bits: np.ndarray = x.astype(np.float32).view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
        return bits.astype(np.uint32).view(np.float32).astype(np.float64)
    return x.astype(dtype).astype(np.float64)
