"""LeCun-normal weight initialization, for every array API library."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ._compat import not_for_autograph
from ._sources import source
from ._typing import Array, Device, DType, Namespace
from ._validation import (
    check_distribution,
    check_dtype,
    check_namespace,
    check_shape,
    fan_in,
)

__all__ = ["lecun_normal"]


# The standard deviation of the standard normal truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978


@not_for_autograph
def lecun_normal(
    shape: Sequence[int],
    *,
    in_axis: int = -2,
    out_axis: int = -1,
    distribution: str = "truncated_normal",
    dtype: DType = None,
    device: Device = None,
    rng: Any = None,
    xp: Namespace | None = None,
) -> Array:
    r"""LeCun-normal initial weights: zero mean, variance ``1 / fan_in``.

    The initialization that self-normalizing networks need (Klambauer et al.
    2017): with weights of variance :math:`1/n` for :math:`n` inputs per unit,
    standardized inputs give standardized pre-activations, which `selu` keeps
    standardized from layer to layer.

    Parameters
    ----------
    shape : sequence of int
        The shape of the weights, at least two axes.
    in_axis, out_axis : int, optional
        The axes of the input and output units.  ``fan_in`` is
        ``shape[in_axis]`` times the product of all other axes except
        `out_axis` (the receptive field of a convolution kernel).  The defaults
        ``-2, -1`` fit the JAX and Keras layout ``(*kernel, in, out)``; use
        ``in_axis=1, out_axis=0`` for PyTorch's ``(out, in, *kernel)``.
    distribution : {"truncated_normal", "normal"}, optional
        ``"truncated_normal"`` (default) draws a standard normal cut at
        :math:`\pm 2` and divides it by 0.87962566103423978, that truncation's
        standard deviation, so the standard deviation stays
        :math:`1/\sqrt{\text{fan\_in}}` and every value lies within
        :math:`\pm 2 / 0.87962566103423978 / \sqrt{\text{fan\_in}}`.
        ``"normal"`` draws an untruncated normal.
    dtype : dtype, optional
        A real floating dtype of the namespace; default its default floating
        dtype on `device` (float32 for PyTorch and JAX without 64-bit mode,
        float64 for NumPy, Dask, array-api-strict).  NumPy's long double is
        refused: the numbers are drawn in float64.
    device : device, optional
        Where to put the weights; default the namespace's default device.
    rng : None, int, SeedSequence, Generator, or a backend's generator, optional
        The source of randomness.  ``None`` draws fresh entropy.  An ``int``,
        `numpy.random.SeedSequence`, `numpy.random.BitGenerator` or
        `numpy.random.Generator` gives the portable stream: the same weights on
        every backend and device, drawn on the host with NumPy and moved.  A
        `torch.Generator`, ``cupy.random.Generator`` or JAX PRNG key draws
        natively on the device (its numbers differ between backends).
    xp : module, optional
        The array namespace, or the library itself: ``numpy``, ``torch``,
        ``cupy``, ``jax.numpy``, ``dask.array``, ``tensorflow``,
        ``array_api_strict``, or any array API namespace.  Default NumPy.

    Returns
    -------
    array
        Weights of `shape`, `dtype` and namespace `xp`, on `device`.

    Raises
    ------
    TypeError
        If `shape` is not a sequence of integers, `xp` is not an array
        namespace, `dtype` is not a real floating dtype available on `device`
        or is NumPy's long double, or `rng` is not accepted (another
        backend's generator, or one on another device).
    ValueError
        If `shape` has fewer than two axes or a negative size, an axis is out
        of range or `in_axis` equals `out_axis`, ``fan_in`` is 0,
        `distribution` is unknown, `rng` is a seed NumPy refuses (negative),
        or `rng` would be drawn once, at tracing, and its weights reused by
        every call: `rng` None inside a function that JAX traces
        (``jax.jit``), and a NumPy ``Generator``, ``SeedSequence`` or
        ``BitGenerator`` there and inside ``tf.function``.

    See Also
    --------
    selu : The activation that these weights are made for.
    alpha_dropout : The dropout of self-normalizing networks.

    Notes
    -----
    With a seed, the portable stream is ``numpy.random.default_rng(rng)``'s
    ``standard_normal`` values in C order, those beyond :math:`\pm 2` left out
    for the truncated distribution, multiplied in float64 by the standard
    deviation and rounded once to the dtype (through float32 for the half
    dtypes).  The truncated values are clipped to the bound rounded down to the
    dtype, so that rounding cannot carry one beyond it.  Native generators
    draw the truncated normal by the inverse distribution function.  Under
    ``jax.jit`` pass a PRNG key (a seed there gives its one draw on every
    call, a NumPy generator raises); under ``torch.compile(fullgraph=True)``
    every `rng` draws on every call, the same numbers as eagerly; inside
    ``tf.function`` ``None`` and a ``tf.random.Generator`` draw on every
    call.

    References
    ----------
    .. [1] Y. LeCun, L. Bottou, G. B. Orr and K.-R. Mueller, "Efficient
       BackProp", in Neural Networks: Tricks of the Trade, Springer, 1998.
    .. [2] G. Klambauer, T. Unterthiner, A. Mayr and S. Hochreiter,
       "Self-Normalizing Neural Networks", NeurIPS 2017, :arxiv:`1706.02515`,
       whose networks start from these weights (its section "Initialization").

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp import lecun_normal
    >>> w = lecun_normal((256, 512), rng=0)
    >>> w.shape, w.dtype
    ((256, 512), dtype('float64'))
    >>> bool(np.abs(w).max() <= 2 / 0.87962566103423978 / np.sqrt(256))
    True
    >>> round(float(w.std() * np.sqrt(256)), 2)
    1.0

    A convolution kernel in PyTorch's layout ``(out, in, height, width)``,
    here with array-api-strict and float32; ``fan_in = 16 * 3 * 3``:

    >>> import array_api_strict as xs
    >>> k = lecun_normal((32, 16, 3, 3), in_axis=1, out_axis=0, dtype=xs.float32,
    ...                  rng=0, xp=xs)
    >>> k.shape, k.dtype
    ((32, 16, 3, 3), array_api_strict.float32)
    """
    func = "lecun_normal"
    dims = check_shape(shape, func)
    fans = fan_in(dims, in_axis, out_axis, func)
    check_distribution(distribution, func)
    ns = check_namespace(xp, func)
    info = ns.__array_namespace_info__()
    if device is None:
        device = info.default_device()
    requested = check_dtype(ns, info, dtype, device, func)
    # NumPy's other byte orders: drawn in the native one, returned as asked.
    native = getattr(requested, "isnative", True)
    dtype = requested if native else requested.newbyteorder("=")
    draw = source(rng, ns, device, func)
    if distribution == "normal":
        w = draw.normal(dims, 1.0 / math.sqrt(fans), dtype)
    else:
        scale = 1.0 / (TRUNCATED_STD * math.sqrt(fans))
        w = draw.truncated_normal(dims, scale, dtype)
        bound = round_down(2.0 * scale, ns.finfo(dtype))
        w = ns.clip(w, -bound, bound)
    return w if native else w.astype(requested)


def round_down(value: float, finfo: Any) -> float:
    """The largest number of `finfo`'s format that is at most `value` (> 0)."""
    bits = round(-math.log2(float(finfo.eps)))
    mantissa, exponent = math.frexp(value)
    return math.ldexp(math.floor(mantissa * 2.0 ** (bits + 1)), exponent - bits - 1)
