"""The input policy: every kind of input is computed correctly or refused by name.

One test (or one parametrized test) per row of the policy table in
``docs/inputs.md``.  Results are checked against the mpmath reference, or
against the same values given as a plain native array where the kind only
changes how the values are held (byte order, mask, sparsity, subclass).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import selu_xp
from selu_xp import force_generic
from selu_xp._family import BY_NAME, NAMES
from selu_xp.testing import ulp_errors
from selu_xp.testing.oracle import max_ulp, reference

ACTIVATIONS = NAMES
PATHS = ("fast", "generic")
# Negative values near 0, the saturation, huge positives, and the specials.
VALUES = [-1e-8, -0.5, -3.0, -30.0, 0.0, -0.0, 0.1, 2.0, 1e4, np.inf, -np.inf, np.nan]


def _call(name: str, x: Any, path: str, **kwargs: Any) -> Any:
    f = getattr(selu_xp, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if path == "generic":
            with force_generic():
                return f(x, **kwargs)
        return f(x, **kwargs)


def _same_values(a: Any, b: Any) -> None:
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b), strict=False)


# -- byte order ---------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("char", ["f2", "f4", "f8"])
def test_non_native_byte_order_is_computed_in_its_own_precision(
    char: str, name: str, path: str
) -> None:
    swapped = ">" if sys.byteorder == "little" else "<"
    native = np.asarray(VALUES, dtype=char)
    x = native.astype(swapped + char)
    before = x.copy()
    y = _call(name, x, path)
    assert y.dtype == x.dtype  # the byte order is kept
    _same_values(y, _call(name, native, path))
    _same_values(x, before)
    finite = np.isfinite(native) & (np.abs(native) < 1e3)
    dtype = {"f2": "float16", "f4": "float32", "f8": "float64"}[char]
    bound = 1.5 if dtype == "float64" else 1.0
    xf = native[finite].astype(np.float64)
    assert max_ulp(name, xf, np.asarray(y)[finite], dtype) <= bound


def test_non_native_out_and_lecun_normal_dtype() -> None:
    swapped = ">" if sys.byteorder == "little" else "<"
    x = np.asarray([-1.0, 2.0], dtype=swapped + "f8")
    out = np.empty(2, dtype=swapped + "f8")
    assert selu_xp.selu(x, out=out) is out
    _same_values(out, selu_xp.selu(x.astype("f8")))
    with pytest.raises(TypeError, match="dtype"):
        selu_xp.selu(x, out=np.empty(2))
    w = selu_xp.lecun_normal((3, 4), dtype=np.dtype(swapped + "f8"), xp=np, rng=1)
    assert w.dtype == np.dtype(swapped + "f8")
    _same_values(w, selu_xp.lecun_normal((3, 4), dtype=np.float64, xp=np, rng=1))


# -- long double and ml_dtypes --------------------------------------------------


@pytest.mark.parametrize("name", [*ACTIVATIONS, "alpha_dropout"])
def test_long_double_is_refused_by_name(name: str) -> None:
    x = np.asarray([-1.0, 1.0], dtype=np.longdouble)
    args = (0.5,) if name == "alpha_dropout" else ()
    with pytest.raises(TypeError, match=r"long double.*astype\(numpy.float64\)"):
        getattr(selu_xp, name)(x, *args)


@pytest.mark.parametrize(
    "dtype", [np.longdouble, np.dtype(np.longdouble).newbyteorder()]
)
@pytest.mark.parametrize("rng", [0, None])
def test_lecun_normal_refuses_long_double(dtype: Any, rng: int | None) -> None:
    # Its numbers are float64 draws: long double weights would carry float64
    # values (or worse) under a dtype that promises more.
    with pytest.raises(
        TypeError,
        match=r"lecun_normal\(\) does not compute in long "
        r"double.*dtype=numpy\.float64",
    ):
        selu_xp.lecun_normal((4, 3), dtype=dtype, xp=np, rng=rng)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_ml_dtypes_bfloat16_is_correctly_rounded_exhaustively(
    name: str, path: str
) -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    bits = np.arange(2**16, dtype=np.uint16)
    x = bits.view(ml_dtypes.bfloat16)
    y = _call(name, x, path)
    assert y.dtype == x.dtype
    with np.errstate(invalid="ignore"):  # ml_dtypes flags signalling NaNs
        xf, yf = x.astype(np.float64), y.astype(np.float64)
    keep = np.isfinite(xf)
    hi, lo = reference(name, xf[keep])
    # From the midpoint between bfloat16's largest value (2**128 - 2**120)
    # and 2**128, values round to infinity.
    huge = np.abs(hi) >= 2.0**128 - 2.0**119
    np.testing.assert_array_equal(yf[keep][huge], np.copysign(np.inf, hi[huge]))
    with np.errstate(divide="ignore", invalid="ignore"):  # zero references
        err = ulp_errors(yf[keep][~huge], hi[~huge], lo[~huge], "bfloat16")
    # 0.5 ULP is correct rounding (a result within 1e-6 ULP of a midpoint
    # could round either way; the float64 result it is rounded from is
    # 1e-13 bfloat16 ULPs from the exact value).
    assert float(np.nanmax(err)) <= 0.5 + 1e-6


@pytest.mark.parametrize("kind", ["float8_e4m3fn", "float8_e5m2", "float4_e2m1fn"])
def test_other_ml_dtypes_are_refused_by_name(kind: str) -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    if not hasattr(ml_dtypes, kind):
        pytest.skip(f"ml_dtypes {ml_dtypes.__version__} has no {kind}")
    x = np.asarray([-1.0, 1.0], dtype=getattr(ml_dtypes, kind))
    with pytest.raises(TypeError, match=rf"{kind}.*astype\(numpy.float32\)"):
        selu_xp.selu(x)


# -- masks --------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_masked_array_keeps_mask_and_masked_values(name: str, path: str) -> None:
    data = np.asarray([-1.0, 2.0, np.nan, -40.0, 1e308, -0.5])
    mask = np.asarray([False, True, True, False, True, False])
    x = np.ma.masked_array(data, mask=mask, fill_value=-7.0)
    y = _call(name, x, path)
    assert type(y) is np.ma.MaskedArray
    np.testing.assert_array_equal(np.ma.getmaskarray(y), mask)
    assert y.fill_value == -7.0
    _same_values(y.data[mask], data[mask])  # untouched, 1e308 and NaN included
    _same_values(y.data[~mask], _call(name, data[~mask], path))
    _same_values(x.data, data)
    np.testing.assert_array_equal(x.mask, mask)
    with pytest.raises(TypeError, match="masked"):
        getattr(selu_xp, name)(x, out=x.copy())


def test_masked_array_with_nomask_and_alpha_dropout() -> None:
    x = np.ma.masked_array(np.linspace(-2, 2, 8))  # mask is nomask
    y = selu_xp.selu(x)
    assert not np.ma.getmaskarray(y).any()
    _same_values(y.data, selu_xp.selu(x.data))
    mask = np.arange(8) % 3 == 0
    xm = np.ma.masked_array(np.linspace(-2, 2, 8), mask=mask)
    y = selu_xp.alpha_dropout(xm, 0.5, rng=3)
    assert type(y) is np.ma.MaskedArray
    np.testing.assert_array_equal(np.ma.getmaskarray(y), mask)
    _same_values(y.data[mask], xm.data[mask])
    plain = selu_xp.alpha_dropout(xm.data, 0.5, rng=3)
    _same_values(y.data[~mask], plain[~mask])


def test_marray_keeps_its_mask_through_every_function() -> None:
    marray = pytest.importorskip("marray")
    mxp = marray.masked_namespace(np)
    data = np.asarray([-1.0, 2.0, -3.0, 0.5, -0.25, 4.0])
    mask = np.asarray([False, True, False, True, False, False])
    x = mxp.asarray(data, mask=mask)
    for name in ACTIVATIONS:
        for path in PATHS:
            y = _call(name, x, path)
            np.testing.assert_array_equal(y.mask, mask)
            _same_values(y.data[mask], data[mask])
            _same_values(y.data[~mask], _call(name, data, path)[~mask])
    y = selu_xp.alpha_dropout(x, 0.5, rng=5)
    np.testing.assert_array_equal(y.mask, mask)  # dropped entries stay masked
    _same_values(y.data[mask], data[mask])
    _same_values(y.data[~mask], selu_xp.alpha_dropout(data, 0.5, rng=5)[~mask])


# -- subclasses and scalars ------------------------------------------------------


class _Tagged(np.ndarray):
    """A subclass that keeps a tag through views, as many user subclasses do."""

    tag: str = ""

    def __array_finalize__(self, obj: Any) -> None:
        self.tag = getattr(obj, "tag", "")


class _Units(np.ndarray):
    """A subclass with its own ufunc semantics (as unit libraries have)."""

    def __array_ufunc__(self, *args: Any, **kwargs: Any) -> Any:
        return NotImplemented


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_subclasses_keep_their_type(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        m = np.matrix([[-1.0, 0.5], [2.0, -3.0]])
    y = _call(name, m, "fast")
    assert type(y) is np.matrix
    _same_values(y, _call(name, np.asarray(m), "fast"))
    out = m.copy()
    assert _call(name, m, "fast", out=out) is out
    _same_values(out, y)
    with pytest.raises(TypeError, match="out to be a matrix"):
        getattr(selu_xp, name)(m, out=np.asarray(m).copy())
    t = np.asarray([-1.0, 1.0]).view(_Tagged)
    t.tag = "kept"
    y = _call(name, t, "generic")
    assert type(y) is _Tagged
    assert y.tag == "kept"
    _same_values(y, _call(name, np.asarray([-1.0, 1.0]), "generic"))


def test_subclass_with_its_own_ufunc_rules_is_refused() -> None:
    x = np.asarray([-1.0, 1.0]).view(_Units)
    with pytest.raises(TypeError, match=r"__array_ufunc__.*numpy.asarray"):
        selu_xp.selu(x)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("kind", [np.float16, np.float32, np.float64])
def test_numpy_scalars_give_numpy_scalars(kind: type, name: str) -> None:
    y = _call(name, kind(-0.75), "fast")
    assert type(y) is kind
    _same_values(y, _call(name, np.asarray([-0.75], dtype=kind), "fast")[0])


@pytest.mark.parametrize("value", [-1.0, 1, [-1.0, 2.0], (0.5,), True])
def test_python_scalars_and_sequences_are_refused(value: Any) -> None:
    with pytest.raises(TypeError, match=r"expects an array.*numpy.asarray"):
        selu_xp.selu(value)


@pytest.mark.parametrize("dtype", ["int64", "bool", "complex128", "object"])
def test_other_numpy_dtypes_are_refused_by_name(dtype: str) -> None:
    x = np.zeros(2, dtype=dtype)
    with pytest.raises(TypeError, match=rf"real floating-point.*{dtype}"):
        selu_xp.selu(x)


# -- shapes, strides, out= -------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_zero_d_empty_huge_strided(path: str) -> None:
    from selu_xp._backends import numpy as numpy_backend

    zero_d = _call("selu", np.asarray(-1.0, dtype=np.float32), path)
    assert zero_d.shape == ()
    assert zero_d.dtype == np.float32
    assert _call("elu", np.empty((0, 3)), path).shape == (0, 3)
    n = 3 * numpy_backend.PARALLEL_MIN + 7  # split over threads, with a tail
    big = np.linspace(-20.0, 5.0, n, dtype=np.float32)
    y = _call("selu", big, path)
    sample = slice(None, None, 9973)
    _same_values(y[sample], _call("selu", np.ascontiguousarray(big[sample]), path))
    grid = np.linspace(-5, 5, 60).reshape(6, 10)
    for view in (grid.T, grid[::-2, 1::3], grid[:, ::-1]):
        _same_values(_call("selu", view, path), _call("selu", view.copy(), path))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("shift", [1, -1, 0])
def test_overlapping_out_is_as_if_computed_from_a_copy(shift: int, path: str) -> None:
    base = np.linspace(-4.0, 4.0, 101)
    expected = _call("selu", base[1:-1].copy(), path)
    x = base[1:-1]
    out = base[1 + shift : len(base) - 1 + shift]
    y = _call("selu", x, path, out=out)
    assert y is out
    _same_values(out, expected)


# -- pydata sparse ---------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("fmt", ["coo", "gcxs", "dok"])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_sparse_stays_sparse_in_its_format(name: str, fmt: str, path: str) -> None:
    sparse = pytest.importorskip("sparse")
    dense = np.zeros((4, 5), dtype=np.float32)
    dense[0, 1], dense[2, 3], dense[3, 0] = -1e-8, 2.0, -3.0
    x = sparse.asarray(dense, format=fmt)
    y = _call(name, x, path)
    assert isinstance(y, type(x))
    assert y.format == x.format
    _same_values(y.todense(), _call(name, dense, path))
    assert y.fill_value == _call(name, np.zeros(1, np.float32), path)[0]
    if not BY_NAME[name].derivative:
        assert y.fill_value == 0
        assert y.nnz <= x.nnz
    with pytest.raises(TypeError, match="sparse"):
        getattr(selu_xp, name)(x, out=x)


def test_alpha_dropout_of_sparse_is_refused() -> None:
    sparse = pytest.importorskip("sparse")
    x = sparse.asarray(np.eye(3))
    with pytest.raises(TypeError, match=r"dense.*todense"):
        selu_xp.alpha_dropout(x, 0.5, rng=0)


# -- array-api-strict standards ------------------------------------------------------


@pytest.fixture
def strict_2023() -> Any:
    xps = pytest.importorskip("array_api_strict")
    with xps.ArrayAPIStrictFlags(api_version="2023.12"):
        yield xps


def test_array_api_strict_2023_12_runs_every_function(strict_2023: Any) -> None:
    xps = strict_2023
    data = np.linspace(-5.0, 3.0, 17)
    for path in PATHS:
        for name in ACTIVATIONS:
            for dtype in (xps.float32, xps.float64):
                y = _call(name, xps.asarray(data, dtype=dtype), path)
                assert y.dtype == dtype
                with xps.ArrayAPIStrictFlags(api_version="2024.12"):
                    want = _call(name, xps.asarray(data, dtype=dtype), path)
                _same_values(np.asarray(y), np.asarray(want))
    d = selu_xp.alpha_dropout(xps.asarray(data), 0.3, rng=2)
    _same_values(np.asarray(d), selu_xp.alpha_dropout(data, 0.3, rng=2))
    w = selu_xp.lecun_normal((3, 2), xp=xps, rng=2)
    _same_values(np.asarray(w), selu_xp.lecun_normal((3, 2), xp=np, rng=2))


@pytest.mark.parametrize("version", ["2021.12", "2022.12"])
@pytest.mark.parametrize("name", [*ACTIVATIONS, "alpha_dropout", "lecun_normal"])
def test_older_array_api_strict_is_refused_naming_the_version(
    version: str, name: str
) -> None:
    xps = pytest.importorskip("array_api_strict")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 2021.12 is served as 2022.12
        flags = xps.ArrayAPIStrictFlags(api_version=version)
        flags.__enter__()
    try:
        call: Callable[[], Any]
        if name == "lecun_normal":
            call = lambda: selu_xp.lecun_normal((2, 2), xp=xps, rng=0)  # noqa: E731
        else:
            x = xps.asarray([-1.0, 1.0])
            args = (0.5,) if name == "alpha_dropout" else ()
            call = lambda: getattr(selu_xp, name)(x, *args)  # noqa: E731
        with pytest.raises(TypeError, match=r"2023\.12 standard or later.*api_version"):
            call()
    finally:
        flags.__exit__(None, None, None)


# -- ndonnx and onnxruntime ----------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ndonnx_exports_selu_and_elu_with_dynamic_shapes(dtype: str) -> None:
    ndx = pytest.importorskip("ndonnx")
    ort = pytest.importorskip("onnxruntime")
    a = ndx.argument(shape=("N", 3), dtype=getattr(ndx, dtype))
    outputs = {name: getattr(selu_xp, name)(a) for name in ACTIVATIONS}
    outputs["elu_half"] = selu_xp.elu(a, 0.5)
    model = ndx.build({"x": a}, outputs)
    session = ort.InferenceSession(model.SerializeToString())
    names = [o.name for o in session.get_outputs()]
    bound = 1.5 if dtype == "float64" else 1.0
    for rows in (1, 7, 1000):
        x = np.linspace(-30.0, 10.0, 3 * rows, dtype=dtype).reshape(rows, 3)
        for n, y in zip(names, session.run(None, {"x": x}), strict=True):
            assert y.shape == x.shape
            assert y.dtype == x.dtype
            if n == "elu_half":
                want = selu_xp.elu(x, 0.5)
                np.testing.assert_allclose(y, want, rtol=2 * np.finfo(dtype).eps)
                continue
            err = max_ulp(n, x.ravel().astype(np.float64), y.ravel(), dtype)
            assert err <= bound, f"{n} {dtype}: {err:.3f} ULP"


def test_readme_policy_table_is_the_documented_one() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    start, end = "<!-- input policy -->", "<!-- end of input policy -->"

    def table(path: Path) -> str:
        text = path.read_text()
        return text[text.index(start) + len(start) : text.index(end)].strip()

    assert table(root / "README.md") == table(root / "docs" / "inputs.md")
