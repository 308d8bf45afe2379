"""The mpmath oracle: high-precision references of the family, and ULP errors.

Each member of the family is evaluated from its formula at 50 significant
digits.  What it takes from the package is data only: the member's name,
whether it is a derivative, and the decimal digits that define its default
parameters, from the family's table (the paper's 32 digits for SELU, which
the tests check against `ALPHA` and `SCALE`, typed here as the paper prints
them).  None of the package's doubles or code enters the evaluation.  Needs
mpmath (the ``test`` extra).

Examples
--------
>>> import numpy as np
>>> from selu_xp.testing.oracle import exact, max_ulp
>>> exact("selu", np.asarray([-1.0, 2.0]))
array([-1.11133074,  2.10140197])
>>> round(max_ulp("elu", np.asarray([-1.0]), np.asarray([-0.6321205588285577]),
...               "float64"), 3)
0.112
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import mpmath
import numpy as np

from .._accuracy import FORMATS
from .._accuracy import ulp_errors as _ulp_errors
from .._family import BY_NAME, Member

__all__ = [
    "ALPHA",
    "SCALE",
    "accuracy_grid",
    "eps",
    "exact",
    "max_ulp",
    "reference",
    "round_to",
]

# Parsed at 60 digits: at mpmath's default 53 bits they would be rounded to
# doubles, and the reference would inherit the very error it must detect.
with mpmath.workdps(60):
    _PAPER = (
        mpmath.mpf("1.6732632423543772848170429916717"),
        mpmath.mpf("1.0507009873554804934193349852946"),
    )

ALPHA: mpmath.mpf = _PAPER[0]
"""The paper's alpha_01, to its 32 printed digits (Klambauer et al. 2017)."""

SCALE: mpmath.mpf = _PAPER[1]
"""The paper's lambda_01, to its 32 printed digits."""


def _formula(member: Member) -> Callable[[mpmath.mpf], mpmath.mpf]:
    """``scale * x`` or ``scale * alpha * expm1(x)`` (the derivative:
    ``scale`` or ``scale * alpha * exp(x)``) at `member`'s defaults."""
    with mpmath.workdps(60):
        pos = mpmath.mpf(member.scale_digits)
        neg = pos * mpmath.mpf(member.alpha_digits)
    if member.derivative:
        return lambda x: pos if x > 0 else neg * mpmath.exp(x)
    return lambda x: pos * x if x > 0 else neg * mpmath.expm1(x)


def exact(name: str, x: np.ndarray) -> np.ndarray:
    """The reference of `name` at the points `x`, rounded to float64.

    For comparisons where the reference's rounding to float64 is enough.

    Parameters
    ----------
    name : str
        A member of the family (``"selu"``, ``"elu_derivative"``, ...).
    x : array_like
        The points, of any shape; taken as float64.

    Returns
    -------
    numpy.ndarray
        The values, correctly rounded to float64, in the shape of `x`.

    See Also
    --------
    reference : The same values to about 106 bits.

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp.testing.oracle import exact
    >>> exact("elu", np.asarray([[-1.0], [3.0]]))
    array([[-0.63212056],
           [ 3.        ]])
    """
    x = np.asarray(x, dtype=np.float64)
    hi, _ = reference(name, x.ravel())
    return hi.reshape(x.shape)


def eps(dtype: str) -> float:
    """The machine epsilon of `dtype`, ``bfloat16`` included.

    For tolerances stated in units of the dtype's precision.

    Parameters
    ----------
    dtype : str
        A floating dtype's name, ``"bfloat16"`` included.

    Returns
    -------
    float
        The distance from 1 to the next larger value of `dtype`.

    See Also
    --------
    round_to : Values rounded to `dtype`.

    Examples
    --------
    >>> from selu_xp.testing.oracle import eps
    >>> eps("bfloat16")
    0.0078125
    """
    return 2.0 ** -FORMATS[dtype][0]


def reference(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The reference of `name` at the float64 points `x`, as a double-double.

    Each value is evaluated with mpmath at 50 significant digits from the
    member's formula and the decimal digits of its default parameters.

    Parameters
    ----------
    name : str
        A member of the family (``"selu"``, ``"elu_derivative"``, ...).
    x : array_like
        One-dimensional points, taken as float64.

    Returns
    -------
    hi : numpy.ndarray
        The values rounded to float64.
    lo : numpy.ndarray
        The rest, ``reference - hi`` (``0.0`` for infinite values).

    See Also
    --------
    exact : `hi` alone, in any shape.
    max_ulp : The largest error of results against it.

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp.testing.oracle import reference
    >>> hi, lo = reference("selu", np.asarray([1.0]))
    >>> float(hi[0]), abs(float(lo[0])) < 2.0**-53
    (1.0507009873554805, True)
    """
    hi, lo = _reference(name, tuple(np.asarray(x, dtype=np.float64).tolist()))
    return hi.copy(), lo.copy()  # the cache's own arrays stay unwritten


@lru_cache(maxsize=64)
def _reference(name: str, xs: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    f = _formula(BY_NAME[name])
    hi = np.empty(len(xs))
    lo = np.empty(len(xs))
    with mpmath.workdps(50):
        for i, v in enumerate(xs):
            r = f(mpmath.mpf(v))
            hi[i] = float(r)
            lo[i] = float(r - hi[i]) if mpmath.isfinite(r) else 0.0
    return hi, lo


def max_ulp(name: str, x: np.ndarray, y: np.ndarray, dtype: str) -> float:
    """The largest error of `y = name(x)` against the reference, in ULPs.

    The measure of `selu_xp.testing.ulp_errors`, against `reference`.

    Parameters
    ----------
    name : str
        A member of the family (``"selu"``, ``"elu_derivative"``, ...).
    x : array_like
        The inputs, as float64 values.
    y : array_like
        The results to judge, widened exactly to float64.
    dtype : str
        The results' dtype before widening.

    Returns
    -------
    float
        The largest error in ULPs of `dtype`, over the results whose
        reference is normal in `dtype`.

    See Also
    --------
    selu_xp.testing.ulp_errors : The errors one by one.

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp.testing.oracle import max_ulp
    >>> y = np.asarray([1.0507009873554805])
    >>> max_ulp("selu", np.asarray([1.0]), y, "float64") < 0.5
    True
    """
    hi, lo = reference(name, x)
    return float(np.nanmax(_ulp_errors(y, hi, lo, dtype)))


def accuracy_grid(dtype: str) -> np.ndarray:
    """A dense grid over [-30, 10] plus tiny negatives, exactly in `dtype`.

    The points are returned as float64 values that are representable in
    `dtype` (duplicates removed), so that the reference sees the very inputs
    the function under test sees.

    Parameters
    ----------
    dtype : str
        ``"float64"``, ``"float32"``, ``"float16"`` or ``"bfloat16"``.

    Returns
    -------
    numpy.ndarray
        The sorted float64 points.

    See Also
    --------
    round_to : The rounding that makes them exact in `dtype`.

    Examples
    --------
    >>> from selu_xp.testing.oracle import accuracy_grid
    >>> accuracy_grid("float64").size
    42002
    """
    dense = np.linspace(-30.0, 10.0, 40001)
    tiny = -np.geomspace(1e-12, 1e-3, 2001)
    x = np.concatenate([dense, tiny])
    return np.unique(round_to(x, dtype))


def round_to(x: np.ndarray, dtype: str) -> np.ndarray:
    """`x` rounded to `dtype` to nearest even, and widened back to float64.

    bfloat16 is rounded on the top 16 bits of the float32 pattern, without
    a bfloat16 type.

    Parameters
    ----------
    x : numpy.ndarray
        The values, as float64.
    dtype : str
        ``"float64"``, ``"float32"``, ``"float16"`` or ``"bfloat16"``.

    Returns
    -------
    numpy.ndarray
        The float64 values that `dtype` represents exactly.

    See Also
    --------
    eps : The spacing of `dtype` at 1.

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp.testing.oracle import round_to
    >>> round_to(np.asarray([1.0 + 2.0**-9]), "bfloat16")
    array([1.])
    """
    if dtype == "bfloat16":
        # Round to nearest even on the top 16 bits of the float32 pattern.
        bits: np.ndarray = x.astype(np.float32).view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
        return bits.astype(np.uint32).view(np.float32).astype(np.float64)
    return x.astype(dtype).astype(np.float64)
