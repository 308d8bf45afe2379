"""A fuzz test of the input policy: right result or a selu_xp error, nothing else.

Hypothesis draws a backend (every CPU column of the matrix that runs here), a
function, a dtype (including ones that must be refused), a shape, values
(specials included), parameters (valid and not), ``out=`` (none, fresh, the
input itself, the wrong dtype or shape), and for NumPy a byte order, a
layout (strided, transposed, reversed) and a kind (plain, masked, matrix, a
subclass, a scalar).  Every call must either

* return an array of the input's kind, dtype and shape whose values are
  within 2 ULP of the mpmath reference (the loosest bound of the matrix),
  with the input unchanged (unless it is `out`) and no warning; or
* raise a ``TypeError`` or ``ValueError`` whose message starts with the
  function's name, as every selu_xp error does.

Calls that the policy promises to compute must succeed.  The example count
is fixed (``derandomize=True``), so CI runs the same cases every time.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest

import selu_xp
from selu_xp._accuracy import FORMATS
from selu_xp._family import BY_NAME, NAMES
from selu_xp.testing import ulp_errors
from selu_xp.testing.oracle import ALPHA, SCALE, round_to

from ._backends import BACKENDS, Backend, active

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies
hnp = pytest.importorskip("hypothesis.extra.numpy")

EXAMPLES = 1500
BOUND = 2.0  # ULP: the matrix's loosest bound (PyTorch's float32 kernel)
FUNCTIONS = (*NAMES, "alpha_dropout")
CPU = [b for b in BACKENDS if not b.gpu and b.skip_reason() is None]
MUTABLE = ("numpy", "array_api_strict", "torch")
# Largest magnitude that rounds to a finite value, and the smallest normal.
_TOP = {
    "float16": 65520.0,
    "bfloat16": 2.0**128 - 2.0**119,
    "float32": 2.0**128 - 2.0**103,
    "float64": math.inf,
}
# Libraries whose CPU runtime flushes subnormal inputs and results to zero
# (XLA and TensorFlow set the FTZ/DAZ modes; x * 1.0 flushes there too).
FLUSHING = ("jax", "tensorflow")


@dataclass
class Case:
    backend: Backend
    name: str
    dtype: str
    values: np.ndarray
    params: dict[str, Any]
    params_ok: bool
    out: str
    order: str = "native"
    layout: str = "contiguous"
    kind: str = "plain"


_VALUES = st.one_of(
    st.floats(-45.0, 12.0),
    st.floats(-1e-6, 0.0),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -1e-8, 1e38, 6e4, -800.0]),
)
_GOOD_PARAM = st.floats(0.05, 4.0)
_BAD_PARAM = st.sampled_from([math.nan, math.inf, -math.inf, "1.0", None, True, 1j])


@st.composite
def cases(draw: Any) -> Case:
    backend = draw(st.sampled_from(CPU))
    name = draw(st.sampled_from(FUNCTIONS))
    good = backend.dtypes()
    dtype = draw(st.sampled_from([*good, *good, "int32", "bool"]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    values = draw(hnp.arrays(np.float64, shape, elements=_VALUES))
    params, params_ok = draw(_params(name))
    out = "none"
    if backend.module in MUTABLE and name != "alpha_dropout":
        out = draw(st.sampled_from(["none", "none", "fresh", "self", "dtype", "shape"]))
    elif name != "alpha_dropout":
        out = draw(st.sampled_from(["none"] * 5 + ["fresh"]))
    case = Case(backend, name, dtype, values, params, params_ok, out)
    if backend.module == "numpy":
        if dtype in ("float16", "float32", "float64"):
            case.order = draw(st.sampled_from(["native", "swapped"]))
        kinds = ["plain", "plain", "masked", "subclass", "bfloat16"]
        kinds += ["matrix"] if values.ndim == 2 else []
        kinds += ["scalar"] if values.ndim == 0 else []
        case.kind = draw(st.sampled_from(kinds))
    if backend.module in ("numpy", "torch") and values.ndim:
        layouts = ["contiguous", "strided"]
        layouts += ["reversed"] if backend.module == "numpy" else []
        case.layout = draw(st.sampled_from(layouts))
    return case


@st.composite
def _params(draw: Any, name: str) -> tuple[dict[str, Any], bool]:
    mode = draw(st.sampled_from(["default", "default", "good", "bad"]))
    if mode == "default":
        return ({"rate": 0.3, "rng": 7} if name == "alpha_dropout" else {}), True
    if name == "alpha_dropout":
        rate = draw(st.floats(0.0, 0.9)) if mode == "good" else draw(_BAD_PARAM)
        return {"rate": rate, "rng": draw(st.integers(0, 2**32))}, mode == "good"
    keys = BY_NAME[name].parameters
    p = {k: draw(_GOOD_PARAM) for k in keys}
    if mode == "bad":
        p[draw(st.sampled_from(keys))] = draw(_BAD_PARAM)
    return p, mode == "good"


def _make_input(case: Case) -> tuple[Any, bool]:
    """The input of `case` and whether the policy says it is computed."""
    b, dt = case.backend, case.dtype
    if dt in _TOP:  # values rounded to the dtype first: later casts are exact
        half = "bfloat16" if case.kind == "bfloat16" else dt
        with np.errstate(over="ignore", invalid="ignore"):
            case.values = np.asarray(round_to(case.values, half))
    data = case.values
    if case.layout == "strided":
        data = np.repeat(data, 2, axis=-1)
    elif case.layout == "reversed":
        data = data[..., ::-1]
    with np.errstate(over="ignore", invalid="ignore"):
        if b.module != "numpy":
            x = b.asarray(data, dt)
        elif case.kind == "bfloat16":
            import ml_dtypes

            x = data.astype(ml_dtypes.bfloat16)
        else:
            x = data.astype(dt)
    if case.layout == "strided":
        x = x[..., ::2]  # a view with twice the stride
    elif case.layout == "reversed":
        x = x[..., ::-1]  # a view with a negative stride
    works = dt in b.dtypes() or case.kind == "bfloat16"
    if b.module == "numpy":
        x = _numpy_kind(x, case)
    return x, works


def _numpy_kind(x: np.ndarray, case: Case) -> Any:
    if case.order == "swapped":
        x = x.astype(x.dtype.newbyteorder("S"))
    if case.kind == "masked":
        mask = np.arange(x.size).reshape(x.shape) % 3 == 1
        return np.ma.masked_array(x, mask=mask)
    if case.kind == "matrix":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return np.asmatrix(x)
    if case.kind == "subclass":
        return x.view(_Sub)
    if case.kind == "scalar":
        return x[()]
    return x


class _Sub(np.ndarray):
    pass


def _make_out(case: Case, x: Any) -> tuple[Any, bool]:
    """`out` for `case` and whether it is one the policy accepts."""
    if case.out == "none":
        return None, True
    if case.out == "self":
        return x, _out_kind_ok(case) and case.kind != "scalar"
    b = case.backend
    if b.module == "numpy":
        fresh = np.zeros_like(x)
        if case.out == "dtype":
            fresh = fresh.astype(np.float64 if x.dtype != np.float64 else np.float32)
        elif case.out == "shape":
            fresh = np.zeros((*np.shape(x), 2))
        return fresh, case.out == "fresh" and _out_kind_ok(case)
    xp = b.xp
    zeros = b.asarray(np.zeros(case.values.shape), case.dtype)
    if case.out == "dtype":
        other = "float32" if case.dtype != "float32" else "float64"
        zeros = b.asarray(np.zeros(case.values.shape), other)
    elif case.out == "shape":
        zeros = xp.zeros((*case.values.shape, 2), dtype=zeros.dtype)
    return zeros, case.out == "fresh" and b.module in MUTABLE


def _out_kind_ok(case: Case) -> bool:
    return case.kind in ("plain", "subclass", "matrix", "bfloat16", "scalar")


def _is_selu_xp_error(error: BaseException, name: str) -> bool:
    return isinstance(error, (TypeError, ValueError)) and str(error).startswith(
        (f"{name}()", "selu_xp ")
    )


def _reference(case: Case, x64: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hi, lo) of the function at `x64`, from mpmath at 50 digits."""
    name, p = case.name, case.params
    member = BY_NAME[name]
    if not p:  # the defaults: the exact decimal digits
        with mpmath.workdps(60):
            pos = mpmath.mpf(member.scale_digits)
            neg = pos * mpmath.mpf(member.alpha_digits)
    else:
        sv = Fraction(p.get("scale", member.scale))
        av = Fraction(p.get("alpha", member.alpha))
        pos = mpmath.mpf(float(sv))
        neg = mpmath.mpf(float(sv * av))  # the product, rounded once
    f = mpmath.exp if member.derivative else mpmath.expm1
    hi, lo = np.empty(x64.size), np.empty(x64.size)
    with mpmath.workdps(50):
        for i, v in enumerate(x64.ravel().tolist()):
            if math.isnan(v):
                r = mpmath.mpf("nan")
            elif v > 0:
                r = pos if member.derivative else pos * mpmath.mpf(v)
            elif v == -math.inf:
                r = mpmath.mpf(0) if member.derivative else -neg
            else:
                r = neg * f(mpmath.mpf(v))
            hi[i] = float(r)
            lo[i] = float(r - hi[i]) if mpmath.isfinite(r) else 0.0
    return hi, lo


def _check_values(case: Case, x: Any, y: Any) -> None:
    b, name = case.backend, case.name
    dtype = "bfloat16" if case.kind == "bfloat16" else case.dtype
    x64 = _widen(b, x)
    y64 = _widen(b, y)
    assert y64.shape == x64.shape
    if case.kind == "masked":  # masked positions: checked by _check_kind
        unmasked = ~np.ma.getmaskarray(y)
        x64, y64 = x64[unmasked], y64[unmasked]
    if name == "alpha_dropout":
        _check_dropout(case, x64, y64, dtype)
        return
    x64, y64 = x64.ravel(), y64.ravel()
    ok = _within_bound(y64, *_reference(case, x64), dtype, b.module in FLUSHING)
    if b.module in FLUSHING:  # or as computed from the flushed input
        flushed = np.where(np.abs(x64) < FORMATS[dtype][1], np.copysign(0.0, x64), x64)
        ok |= _within_bound(y64, *_reference(case, flushed), dtype, True)
    assert ok.all(), f"{y64[~ok]} at {x64[~ok]} for {case}"


def _within_bound(
    y64: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype: str, flush: bool
) -> np.ndarray:
    """Elementwise: `y64` within BOUND ULP of the reference ``hi + lo``.

    NaN and infinities must match; results below the smallest normal must be
    within one subnormal step, or, with `flush`, may be zero.
    """
    ok = np.zeros(y64.shape, dtype=bool)
    nan = np.isnan(hi)
    ok[nan] = np.isnan(y64[nan])
    over = ~nan & (np.abs(hi) >= _TOP[dtype])
    ok[over] = y64[over] == np.copysign(np.inf, hi[over])
    nmant, tiny = FORMATS[dtype]
    small = ~nan & ~over & (np.abs(hi) < tiny)
    step = tiny * 2.0**-nmant
    ok[small] = np.abs(y64[small] - hi[small]) <= step
    if flush:
        ok[small] |= y64[small] == 0
    normal = ~nan & ~over & ~small
    with np.errstate(divide="ignore", invalid="ignore"):
        err = ulp_errors(y64[normal], hi[normal], lo[normal], dtype)
    ok[normal] = err <= BOUND
    return ok


def _check_dropout(case: Case, x64: np.ndarray, y64: np.ndarray, dtype: str) -> None:
    rate = case.params["rate"]
    if rate == 0:
        np.testing.assert_array_equal(y64, x64)
        return
    with mpmath.workdps(40):  # the paper's a, b and dropped value, at 40 digits
        sat = -SCALE * ALPHA
        q = 1 - mpmath.mpf(rate)
        a = 1 / mpmath.sqrt(q * (rate * sat**2 + 1))
        b = -a * rate * sat
        dropped = float(a * sat + b)
        a, b = float(a), float(b)
    eps = float(np.finfo(np.float32).eps) if dtype != "float64" else 2.0**-52
    if dtype in ("float16", "bfloat16"):
        eps = 2.0**-10 if dtype == "float16" else 2.0**-7
    with np.errstate(invalid="ignore", over="ignore"):
        kept = a * x64 + b
    close = np.isclose(y64, kept, rtol=2 * eps, atol=2 * eps, equal_nan=True)
    drop = np.isclose(y64, dropped, rtol=2 * eps, atol=0)
    both = close | drop | (np.isinf(kept) & (y64 == kept))
    assert both.all(), f"values neither kept nor dropped: {y64[~both]}"


def _widen(b: Backend, a: Any) -> np.ndarray:
    if isinstance(a, np.ma.MaskedArray):
        a = a.data
    if isinstance(a, (np.ndarray, np.generic)):
        with np.errstate(invalid="ignore"):
            return np.asarray(a).astype(np.float64)
    return b.to_numpy(a).astype(np.float64)


def _snapshot(b: Backend, x: Any) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    if isinstance(x, np.ma.MaskedArray):
        return np.ma.getmaskarray(x).copy(), np.asarray(x.data).copy()
    return _widen(b, x).copy()


def _unchanged(before: Any, b: Backend, x: Any) -> None:
    after = _snapshot(b, x)
    if isinstance(before, tuple):
        for u, v in zip(before, after, strict=True):
            np.testing.assert_array_equal(u, v)
    else:
        np.testing.assert_array_equal(before, after)


def _check_kind(case: Case, x: Any, y: Any) -> None:
    if case.kind == "scalar":
        assert type(y) is type(x)
        return
    assert type(y) is type(x), f"{type(y)} for {type(x)}"
    assert y.dtype == x.dtype
    assert tuple(y.shape) == tuple(x.shape)
    if case.kind == "masked":
        np.testing.assert_array_equal(np.ma.getmaskarray(y), np.ma.getmaskarray(x))
        m = np.ma.getmaskarray(x)
        b = case.backend
        np.testing.assert_array_equal(_widen(b, y)[m], _widen(b, x)[m])


@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
@hypothesis.given(case=cases())
def test_every_call_is_right_or_refused(case: Case) -> None:
    with active(case.backend):
        x, works = _make_input(case)
        out, out_ok = _make_out(case, x)
        before = _snapshot(case.backend, x)
        kwargs = dict(case.params)
        if out is not None:
            kwargs["out"] = out
        f = getattr(selu_xp, case.name)
        args: tuple[Any, ...] = ()
        if case.name == "alpha_dropout":
            args = (kwargs.pop("rate"),)
        promised = works and case.params_ok and out_ok
        error: Exception | None = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                y = f(x, *args, **kwargs)
        except Exception as exc:
            error = exc
        outcome = "refused" if error is not None else "computed"
        hypothesis.event(f"{case.backend.id}: {outcome}")
        if error is not None:
            assert _is_selu_xp_error(error, case.name), f"{error!r} for {case}"
            assert not promised, f"{error!r} for {case}"
            return
        assert promised, f"accepted {case}"
        if out is not None:
            assert y is out
        else:
            _check_kind(case, x, y)
            _unchanged(before, case.backend, x)
        _check_values(case, _values_again(case), y)


def _values_again(case: Case) -> Any:
    """The input's values rebuilt (``out=x`` overwrites them), as `x` held them."""
    with np.errstate(over="ignore", invalid="ignore"):
        if case.backend.module != "numpy":
            return case.backend.asarray(case.values, case.dtype)
        if case.kind == "bfloat16":
            import ml_dtypes

            return case.values.astype(ml_dtypes.bfloat16)
        return case.values.astype(case.dtype)
