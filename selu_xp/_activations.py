"""The public activations: resolve the namespace, validate, and compute."""

from __future__ import annotations

from collections.abc import Callable

from . import _backends, _dispatch, _generic
from ._compat import not_for_autograph
from ._constants import SELU_ALPHA, SELU_SCALE
from ._dispatch import generic_forced
from ._family import BY_NAME, Member, scaled_alpha
from ._inputs import adapt
from ._out import store
from ._typing import Array, Namespace
from ._validation import check_out, check_parameter, float_namespace

__all__ = ["elu", "elu_derivative", "selu", "selu_derivative"]


_SELU, _ELU = BY_NAME["selu"], BY_NAME["elu"]
_SELU_DERIVATIVE = BY_NAME["selu_derivative"]
_ELU_DERIVATIVE = BY_NAME["elu_derivative"]
# The default parameters as the signatures hold them: one object each, for
# the identity test that sends a default call to the quick entry.
_ELU_ALPHA = _ELU.alpha


@not_for_autograph
def selu(
    x: Array,
    /,
    *,
    alpha: float = SELU_ALPHA,
    scale: float = SELU_SCALE,
    out: Array | None = None,
) -> Array:
    r"""Scaled exponential linear unit, elementwise.

    .. math::

        \operatorname{selu}(x) = \begin{cases}
            \lambda x & x > 0 \\
            \lambda \alpha (e^x - 1) & x \le 0
        \end{cases}

    with the constants of Klambauer et al. (2017) by default, for which
    standardized inputs keep zero mean and unit variance from layer to layer.

    Parameters
    ----------
    x : array
        Input of any array API library (NumPy, CuPy, PyTorch, JAX, Dask,
        array-api-strict, ...) with a real floating-point dtype.
    alpha : float, optional
        The saturation parameter :math:`\alpha`; default `SELU_ALPHA`.
    scale : float, optional
        The scale :math:`\lambda`; default `SELU_SCALE`.
    out : array, optional
        An array to write the result into, of the same library, shape, dtype
        and device as `x`; it may be `x` itself.  Not for immutable or lazy
        arrays (JAX, Dask).

    Returns
    -------
    array
        ``selu(x)``, in the same namespace and on the same device as `x`, with
        its dtype and shape (`out` itself if given).  Lazy inputs (Dask,
        traced JAX) stay lazy.

    Raises
    ------
    TypeError
        If `x` is not an array, or its dtype is not real floating-point, or
        `alpha` or `scale` is not a real number, or `out` is not an array of
        `x`'s library and dtype, or that library's arrays cannot be written.
    ValueError
        If `alpha` or `scale` is not finite, or `out` has another shape or
        device than `x` or is read-only.

    See Also
    --------
    elu : The unscaled exponential linear unit, with any `alpha`.
    selu_derivative : The derivative of this function.

    Notes
    -----
    The product :math:`\lambda\alpha` is rounded once, from the exact product,
    rather than multiplied from the two rounded constants.  float32, float16
    and bfloat16 results are correctly rounded wherever the device has
    float64 (NumPy, Dask, PyTorch and JAX on the CPU run the compiled kernel;
    other paths compute in float64 and correct the results near a rounding
    boundary); on GPUs PyTorch and JAX run their own kernels.
    ``selu(-0.0)`` is ``-0.0``, ``selu(-inf)`` is :math:`-\lambda\alpha` and
    NaN propagates; no input raises a floating-point warning.

    References
    ----------
    .. [1] G. Klambauer, T. Unterthiner, A. Mayr and S. Hochreiter,
       "Self-Normalizing Neural Networks", NeurIPS 2017, :arxiv:`1706.02515`.

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp import selu
    >>> selu(np.asarray([-1.0, 0.0, 1.0]))
    array([-1.11133074,  0.        ,  1.05070099])

    The same call on another library keeps that library's array type:

    >>> import array_api_strict as xp
    >>> selu(xp.asarray([-1.0, 2.0], dtype=xp.float32))
    Array([-1.1113307,  2.101402 ], dtype=array_api_strict.float32)

    With `out`, the result is written into an existing array, here in place:

    >>> x = np.asarray([-1.0, 0.0, 1.0])
    >>> y = selu(x, out=x)
    >>> y is x, x
    (True, array([-1.11133074,  0.        ,  1.05070099]))
    """
    if alpha is SELU_ALPHA and scale is SELU_SCALE:
        result = _quick(x, _SELU, out)
        if result is not None:
            return result
    again = lambda v: selu(v, alpha=alpha, scale=scale)  # noqa: E731
    return _long_way(x, _SELU, alpha, scale, again, out)


@not_for_autograph
def selu_derivative(
    x: Array,
    /,
    *,
    alpha: float = SELU_ALPHA,
    scale: float = SELU_SCALE,
    out: Array | None = None,
) -> Array:
    r"""Derivative of `selu` with respect to its input, elementwise.

    .. math::

        \operatorname{selu}'(x) = \begin{cases}
            \lambda & x > 0 \\
            \lambda \alpha e^x & x \le 0
        \end{cases}

    For code without automatic differentiation.  At ``x == 0`` the value is
    that of the left branch, :math:`\lambda\alpha`, as in the paper, PyTorch
    and JAX.

    Parameters
    ----------
    x : array
        Input with a real floating-point dtype.
    alpha : float, optional
        The saturation parameter :math:`\alpha`; default `SELU_ALPHA`.
    scale : float, optional
        The scale :math:`\lambda`; default `SELU_SCALE`.
    out : array, optional
        An array to write the result into, as for `selu`.

    Returns
    -------
    array
        The derivative, with the namespace, device, dtype and shape of `x`.

    Raises
    ------
    TypeError
        If `x` is not a real floating-point array, or a parameter is not real.
    ValueError
        If `alpha` or `scale` is not finite.

    See Also
    --------
    selu : The function whose derivative this is.
    elu_derivative : The derivative of `elu`.

    Notes
    -----
    The left branch is computed from ``exp(x)``, not from ``selu(x) + lambda *
    alpha``, so it keeps its relative accuracy for very negative `x` instead of
    cancelling to zero (in float32 below about ``x = -17``).  NaN gives NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp import selu_derivative
    >>> selu_derivative(np.asarray([-50.0, 0.0, 3.0]))
    array([3.39093384e-22, 1.75809934e+00, 1.05070099e+00])
    """
    if alpha is SELU_ALPHA and scale is SELU_SCALE:
        result = _quick(x, _SELU_DERIVATIVE, out)
        if result is not None:
            return result
    again = lambda v: selu_derivative(v, alpha=alpha, scale=scale)  # noqa: E731
    return _long_way(x, _SELU_DERIVATIVE, alpha, scale, again, out)


@not_for_autograph
def elu(x: Array, /, alpha: float = _ELU_ALPHA, *, out: Array | None = None) -> Array:
    r"""Exponential linear unit, elementwise.

    .. math::

        \operatorname{elu}(x) = \begin{cases}
            x & x > 0 \\
            \alpha (e^x - 1) & x \le 0
        \end{cases}

    Parameters
    ----------
    x : array
        Input with a real floating-point dtype.
    alpha : float, optional
        The saturation value for large negative inputs is :math:`-\alpha`.
        Default 1.
    out : array, optional
        An array to write the result into, as for `selu`.

    Returns
    -------
    array
        ``elu(x)``, with the namespace, device, dtype and shape of `x`.

    Raises
    ------
    TypeError
        If `x` is not a real floating-point array, or `alpha` is not real.
    ValueError
        If `alpha` is not finite.

    See Also
    --------
    selu : The scaled exponential linear unit.
    elu_derivative : The derivative of this function.

    Notes
    -----
    ``selu(x) == SELU_SCALE * elu(x, SELU_ALPHA)`` up to rounding; `selu`
    rounds once instead of twice.

    References
    ----------
    .. [1] D.-A. Clevert, T. Unterthiner and S. Hochreiter, "Fast and Accurate
       Deep Network Learning by Exponential Linear Units (ELUs)", ICLR 2016,
       :arxiv:`1511.07289`.

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp import elu
    >>> elu(np.asarray([-1.0, 0.0, 2.0]))
    array([-0.63212056,  0.        ,  2.        ])
    >>> elu(np.asarray([-1.0, 0.0, 2.0]), alpha=0.5)
    array([-0.31606028,  0.        ,  2.        ])
    """
    if alpha is _ELU_ALPHA:
        result = _quick(x, _ELU, out)
        if result is not None:
            return result
    return _long_way(x, _ELU, alpha, 1.0, lambda v: elu(v, alpha), out)


@not_for_autograph
def elu_derivative(
    x: Array, /, alpha: float = _ELU_ALPHA, *, out: Array | None = None
) -> Array:
    r"""Derivative of `elu` with respect to its input, elementwise.

    ``1`` for ``x > 0`` and ``alpha * exp(x)`` for ``x <= 0`` (the left
    branch's value at ``x == 0``).

    Parameters
    ----------
    x : array
        Input with a real floating-point dtype.
    alpha : float, optional
        The ELU parameter; default 1.
    out : array, optional
        An array to write the result into, as for `selu`.

    Returns
    -------
    array
        :math:`\operatorname{elu}'(x)` elementwise: an array like `x` (its
        library, device, dtype and shape), or `out`.

    Raises
    ------
    TypeError
        If `x` is not a real floating-point array, or `alpha` is not real.
    ValueError
        If `alpha` is not finite.

    See Also
    --------
    elu : The function whose derivative this is.
    selu_derivative : The derivative of `selu`.

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp import elu_derivative
    >>> elu_derivative(np.asarray([-1.0, 0.0, 2.0]))
    array([0.36787944, 1.        , 1.        ])
    """
    if alpha is _ELU_ALPHA:
        result = _quick(x, _ELU_DERIVATIVE, out)
        if result is not None:
            return result
    again = lambda v: elu_derivative(v, alpha)  # noqa: E731
    return _long_way(x, _ELU_DERIVATIVE, alpha, 1.0, again, out)


def _quick(x: Array, member: Member, out: Array | None) -> Array | None:
    """`member`'s default result through the quick entry of `x`'s exact
    type, or ``None``.

    With `out`, only a backend's ``quick_out`` (NumPy's) takes it, and only
    for an `out` it can write without any other check; else the long way.
    """
    # The cache and the block count are read directly: this is every default
    # call's path, and two function calls would add a fifth to its overhead.
    if _dispatch.OPEN_BLOCKS:
        return None  # a force_generic() block is open somewhere: the long way
    path = _backends.BY_TYPE.get(type(x))
    if path is None:
        return None
    if out is not None:
        if path.quick_out is None:
            return None
        return path.quick_out(x, out, member.pos, member.neg, member.derivative)
    if path.quick is None:
        return None
    return path.quick(x, member.pos, member.neg, member.derivative)


def _long_way(
    x: Array,
    member: Member,
    alpha: float,
    scale: float,
    again: Callable[[Array], Array],
    out: Array | None,
) -> Array:
    """`member` with all the checks: `x` adapted or validated, then computed.

    `again` is the public function itself with the same parameters, for an
    adapted `x`.  The coefficients are ``(scale, scale * alpha)``, the
    product rounded once.
    """
    func = member.name
    adapted = adapt(x, func)
    if adapted is not None:
        return adapted.run(again, out, func)
    xp = float_namespace(x, func)
    a = check_parameter(alpha, "alpha", func)
    s = check_parameter(scale, "scale", func)
    pos, neg = s, scaled_alpha(a, s)
    return _compute(x, pos, neg, xp, derivative=member.derivative, out=out, func=func)


def _compute(
    x: Array,
    pos: float,
    neg: float,
    xp: Namespace,
    *,
    derivative: bool,
    out: Array | None,
    func: str,
) -> Array:
    """Run the fast path for `xp` if there is one and it is not disabled."""
    if out is not None:
        check_out(x, out, xp, func)
    if not generic_forced():
        path = _backends.lookup(x, xp)
        if path is not None:
            fast = path.derivative if derivative else path.family
            return fast(x, pos, neg, xp=xp, out=out)
    if derivative:
        result = _generic.elu_family_derivative(x, pos, neg, xp=xp)
    else:
        result = _generic.elu_family(x, pos, neg, xp=xp)
    return result if out is None else store(result, out, xp)
