"""Inputs that need a step before and after the computation, and inputs refused.

Most arrays go straight to their namespace's path.  A few kinds are first
turned into an array that does, and the result is turned back into the kind
that was given; a few are refused with a message that says how to convert
them.  `adapt` returns ``None`` for an array that needs nothing (every call
of the common kinds pays one ``isinstance`` test and two dict look-ups):

==========================  ===================================================
NumPy scalar                computed as a 0-d array, returned as that scalar
non-native byte order       computed on a native copy, returned in the input's
                            byte order
``ml_dtypes.bfloat16``      computed in float64, rounded once to bfloat16
other ``ml_dtypes`` types   refused (float8, float6, float4, int4, ...)
long double                 refused: no kernel or namespace computes in it
``numpy.ma.MaskedArray``    computed on the data; masked positions keep the
                            input's values and the mask is copied
``numpy.matrix``, other     computed on the ndarray, returned as the subclass
ndarray subclasses          through its ``__array_wrap__``
subclasses that override    refused (for example units): their meaning of an
``__array_ufunc__``         elementwise function is theirs to define
pydata ``sparse``           computed on the stored values and the fill value;
                            the format is kept
marray                      computed on the data; masked positions keep the
                            input's values and the mask is copied
==========================  ===================================================
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

from ._compat import array_namespace
from ._typing import Array
from ._validation import check_out

__all__ = ["Adapted", "adapt"]


class Adapted:
    """An input turned into a plain array, and the way back to its kind.

    ``run(f, out, func)`` computes `f` on the plain array(s) and returns the
    result as the input's kind, written into `out` when one is given (only
    for kinds that can take it).
    """

    __slots__ = ("_apply", "_kind", "_out_ok", "x")

    def __init__(
        self,
        x: Array,
        apply: Callable[[Callable[[Array], Array]], Array],
        kind: str,
        *,
        out_ok: bool = True,
    ) -> None:
        self.x = x
        self._apply = apply
        self._kind = kind
        self._out_ok = out_ok

    def run(self, f: Callable[[Array], Array], out: Array | None, func: str) -> Array:
        """`f` applied to the input, in the input's kind (into `out` if given)."""
        if out is not None:
            self._check_out(out, func)
        result = self._apply(f)
        if out is None:
            return result
        out[...] = result
        return out

    def _check_out(self, out: Array, func: str) -> None:
        x = self.x
        if not self._out_ok:
            msg = (
                f"{func}() cannot write into out for {self._kind} input; call it "
                "without out and use the returned array."
            )
            raise TypeError(msg)
        # A NumPy scalar's result goes into a 0-d array, as with NumPy's ufuncs.
        kind = np.ndarray if isinstance(x, np.generic) else type(x)
        if type(out) is not kind:
            msg = (
                f"{func}() expects out to be a {kind.__qualname__} like x, got "
                f"{type(out).__module__}.{type(out).__qualname__}."
            )
            raise TypeError(msg)
        # The rest on plain ndarray views: array-api-compat takes no np.matrix.
        plain = np.asarray(x)
        check_out(plain, np.asarray(out), array_namespace(plain), func)


Back = Callable[[Array], Array]


def adapt(x: Array, func: str) -> Adapted | None:
    """`x` as a plain array and the way back, ``None`` if it needs nothing.

    Raises a ``TypeError`` for the kinds that are refused.
    """
    if isinstance(x, np.ndarray):
        if type(x) is np.ndarray:
            return _numpy(x, x, func)
        return _numpy_subclass(x, func)
    if isinstance(x, np.generic):
        kind = type(x)
        return _numpy(x, np.asarray(x), func, lambda r: kind(r[()]), "NumPy scalar")
    sparse = sys.modules.get("sparse")
    if sparse is not None and isinstance(x, sparse.SparseArray):
        if func == "alpha_dropout":
            msg = (
                f"{func}() of a sparse array is dense (each implicit zero is kept "
                "or dropped on its own); call it on x.todense()."
            )
            raise TypeError(msg)
        return Adapted(
            x,
            lambda f: sparse.elemwise(lambda values: f(np.asarray(values)), x),
            "sparse",
            out_ok=False,
        )
    if type(x).__module__.partition(".")[0] == "marray":
        return _marray(x)  # marray makes one MArray class per namespace
    return None


def _same(result: Array) -> Array:
    return result


def _plain(x: Array, plain: Array, back: Back, kind: str, out_ok: bool) -> Adapted:
    return Adapted(x, lambda f: back(f(plain)), kind, out_ok=out_ok)


def _numpy(
    x: Array,
    plain: np.ndarray,
    func: str,
    back: Back = _same,
    kind: str = "",
    *,
    out_ok: bool = True,
) -> Adapted | None:
    """Native float16/32/64 pass; other byte orders and bfloat16 are converted."""
    converted = _converted(plain, func)
    if converted is None:
        return _plain(x, plain, back, kind, out_ok) if kind else None
    dtype = plain.dtype

    def back_converted(result: Array) -> Array:
        # ml_dtypes flags NaN and rounding to infinity in its casts.
        with np.errstate(invalid="ignore", over="ignore"):
            return back(result.astype(dtype))

    return _plain(x, converted, back_converted, kind or str(dtype), out_ok)


def _converted(plain: np.ndarray, func: str) -> np.ndarray | None:
    """`plain` in the dtype it is computed in, ``None`` if it is that already."""
    dtype = plain.dtype
    if dtype.type.__module__.startswith("ml_dtypes"):
        return _ml_dtypes_converted(plain, func)
    if dtype.kind == "f":
        if dtype.char == "g":
            msg = (
                f"{func}() does not compute in long double ({dtype}, "
                f"{dtype.itemsize * 8} bits in memory): neither its kernel nor any "
                "array API namespace does. Convert it first, for example with "
                "x.astype(numpy.float64)."
            )
            raise TypeError(msg)
        return None if dtype.isnative else plain.astype(dtype.newbyteorder("="))
    return None  # not floating: float_namespace refuses it by name


def _ml_dtypes_converted(plain: np.ndarray, func: str) -> np.ndarray:
    dtype = plain.dtype
    if dtype.name == "bfloat16":
        # float64 results rounded once: ml_dtypes casts float64 to bfloat16
        # directly, not through float32.  Its casts flag signalling NaNs.
        with np.errstate(invalid="ignore"):
            return plain.astype(np.float64)
    msg = (
        f"{func}() does not compute in {dtype.name}, a storage format with no "
        "arithmetic of its own. Convert it first, for example with "
        "x.astype(numpy.float32), and the result back with .astype(x.dtype)."
    )
    raise TypeError(msg)


def _numpy_subclass(x: Array, func: str) -> Adapted | None:
    if isinstance(x, np.ma.MaskedArray):
        return _masked_numpy(x, func)
    if type(x).__array_ufunc__ is not np.ndarray.__array_ufunc__:
        msg = (
            f"{func}() does not know what an elementwise function means for "
            f"{type(x).__module__}.{type(x).__qualname__}, which overrides "
            "__array_ufunc__. Pass numpy.asarray(x) (and convert the result back "
            "yourself) if its values are plain numbers."
        )
        raise TypeError(msg)

    def wrap(result: Array) -> Array:
        return x.__array_wrap__(result, None, False)

    return _numpy(x, x.view(np.ndarray), func, wrap, type(x).__qualname__)


def _masked_numpy(x: Array, func: str) -> Adapted | None:
    data = x.view(np.ndarray)
    keep = ~np.ma.getmaskarray(x)

    def back(values: Array) -> Array:
        y = x.copy()  # the mask, the fill value and the masked data as they are
        np.copyto(y.data, values, where=keep)
        return y

    return _numpy(x, data, func, back, "masked", out_ok=False)


def _marray(x: Array) -> Adapted:
    mxp = x.__array_namespace__()
    data, mask = x.data, x.mask
    dxp = data.__array_namespace__()

    def back(result: Array) -> Array:
        return mxp.asarray(dxp.where(mask, data, result), mask=mask, copy=True)

    return _plain(x, data, back, "marray", out_ok=False)
