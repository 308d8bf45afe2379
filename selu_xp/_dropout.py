"""Alpha dropout: dropout that keeps a self-normalizing network normalized."""

from __future__ import annotations

import decimal
import sys
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from ._arrays import narrow, where_scalar, working_dtype
from ._compat import (
    constant_when_traced,
    device,
    is_tensorflow_namespace,
    not_for_autograph,
)
from ._constants import (
    PAPER_ALPHA,
    PAPER_SCALE,
    SELU_ALPHA,
    SELU_SCALE,
)
from ._inputs import adapt
from ._random import Source
from ._sources import source
from ._typing import Array, Namespace
from ._validation import (
    check_parameter,
    check_rate,
    check_seed_shape,
    check_training,
    check_variance,
    float_namespace,
    mask_shape,
)

__all__ = ["alpha_dropout"]


@not_for_autograph
def alpha_dropout(
    x: Array,
    /,
    rate: float,
    *,
    rng: Any = None,
    noise_shape: Sequence[int | None] | None = None,
    training: bool = True,
    alpha: float = SELU_ALPHA,
    scale: float = SELU_SCALE,
    mean: float = 0.0,
    variance: float = 1.0,
) -> Array:
    r"""Alpha dropout: drop units to SELU's saturation value, keep the moments.

    Each unit is dropped with probability `rate` and set to
    :math:`\alpha' = -\lambda\alpha`, the value `selu` saturates to; then the
    affine map :math:`a y + b` restores the fixed point's mean and variance
    (Klambauer et al. 2017, section "New Dropout Technique"):

    .. math::

        a = \sqrt{\frac{\nu}{q\left((1-q)(\alpha'-\mu)^2 + \nu\right)}}, \qquad
        b = \mu - a\left(q\mu + (1-q)\alpha'\right)

    with keep probability :math:`q = 1 - \text{rate}` and fixed point
    :math:`(\mu, \nu) =` (`mean`, `variance`).  For the default point
    ``(0, 1)`` these are the paper's
    :math:`a = ((1-\text{rate})(1+\text{rate}\,\alpha'^2))^{-1/2}` and
    :math:`b = -a\alpha'\,\text{rate}`.

    Parameters
    ----------
    x : array
        Activations of a SELU network, of any array API library, with a real
        floating-point dtype.
    rate : float
        Probability of dropping each unit, ``0 <= rate < 1``.
    rng : None, int, SeedSequence, Generator, or a backend's generator, optional
        The source of randomness, as in `lecun_normal`: ``None`` for fresh
        entropy, a seed or `numpy.random.Generator` for the portable stream
        (the same mask on every backend), or the backend's own generator.
    noise_shape : sequence of int or None, optional
        The shape of the dropout mask, broadcast against `x`: one entry per
        axis of `x`, each ``None`` (the size of `x` along that axis), that
        size, or 1 to share the mask along that axis.  For example
        ``(None, 1, 1, None)`` on ``(batch, height, width, channels)`` drops
        whole feature maps.  Default: the shape of `x`.
    training : bool, optional
        If False, `x` is returned unchanged; default True.
    alpha, scale : float, optional
        The SELU parameters of the network; defaults `SELU_ALPHA` and
        `SELU_SCALE`.
    mean, variance : float, optional
        The fixed point the network normalizes to (see `selu_parameters`);
        defaults 0 and 1.

    Returns
    -------
    array
        The result, with the namespace, device, dtype and shape of `x`.  When
        ``rate == 0`` or ``training`` is False this is `x` itself (not a
        copy) and nothing is drawn.

    Raises
    ------
    TypeError
        If `x` is not a real floating-point array, a parameter is not a real
        number, `training` is not a bool, `noise_shape` is not a sequence of
        integers or None, or `rng` is not accepted (another backend's
        generator, or one on another device).
    ValueError
        If `rate` is not in ``[0, 1)``, a parameter is not finite, `variance`
        is not positive, `noise_shape` does not broadcast to the shape of
        `x`, `rng` is a seed NumPy refuses (negative), or `rng` would be
        drawn once and its mask reused by every call: `rng` None for `x`
        traced by JAX (or inside ``jax.jit``) or an ndonnx array without a
        value, and a NumPy ``Generator``, ``SeedSequence`` or
        ``BitGenerator`` there and inside ``tf.function``.

    See Also
    --------
    selu : The activation whose moments the dropout keeps.
    lecun_normal : The initial weights of self-normalizing networks.
    selu_parameters : The SELU parameters for another fixed point.

    Notes
    -----
    The coefficients :math:`a`, :math:`b` and the value of dropped units,
    :math:`a\alpha' + b`, are computed in 60-digit decimal arithmetic (from
    the paper's constants as printed, for the default parameters) and rounded
    once; kept units are computed as ``a * x + b`` in float64 where the device
    has it and rounded once to the dtype of `x`.  A dropped unit takes that
    value whatever `x` holds there, NaN included.  The input is never
    modified.  With a seed, the mask of the portable stream is
    ``numpy.random.default_rng(rng).random(mask_shape) < 1 - rate`` (True
    keeps), drawn on the host and moved to the device of `x`.  Tracers run
    this function once: under ``jax.jit`` (and any JAX transformation) pass a
    PRNG key, a new one on every step, as ``rng=None`` raises there rather
    than draw one mask for every call; a seed is drawn once, at tracing (its
    one mask on every call, as its meaning is), and a NumPy ``Generator``,
    ``SeedSequence`` or ``BitGenerator`` raises, as it would not advance.
    An ndonnx graph refuses ``None`` and those generators too (a seed stores
    its one mask in the graph), while a Dask graph holds the mask drawn when
    it is built.  Under ``torch.compile(fullgraph=True)`` every ``rng`` draws
    on every call, the same numbers as eagerly.
    Inside ``tf.function`` a ``tf.random.Generator`` or ``None`` draws a new
    mask on every call, also for tensors of unknown shape; a seed there is
    drawn once, at tracing, and needs a known shape; a NumPy generator
    raises.

    References
    ----------
    .. [1] G. Klambauer, T. Unterthiner, A. Mayr and S. Hochreiter,
       "Self-Normalizing Neural Networks", NeurIPS 2017, :arxiv:`1706.02515`;
       alpha dropout and its affine correction are its section "New Dropout
       Technique".

    Examples
    --------
    >>> import numpy as np
    >>> from selu_xp import alpha_dropout
    >>> x = np.zeros(8)
    >>> y = alpha_dropout(x, 0.2, rng=0)
    >>> sorted(set(y.tolist()))
    [-1.2361598485763781, 0.3090399621440945]

    Mean and variance stay those of standardized inputs:

    >>> x = np.random.default_rng(1).standard_normal(1_000_000)
    >>> y = alpha_dropout(x, 0.1, rng=2)
    >>> round(float(y.mean()), 2), round(float(y.var()), 2)
    (0.0, 1.0)

    Without training, the input itself comes back:

    >>> alpha_dropout(x, 0.1, training=False) is x
    True
    """
    func = "alpha_dropout"
    adapted = adapt(x, func)
    if adapted is not None:
        plain = partial(
            alpha_dropout,
            rate=rate,
            rng=rng,
            noise_shape=noise_shape,
            training=training,
            alpha=alpha,
            scale=scale,
            mean=mean,
            variance=variance,
        )
        return adapted.run(plain, None, func)
    xp = float_namespace(x, func)
    p = check_rate(rate, "rate", func)
    drops = check_training(training, func) and p != 0
    params = _parameters(alpha, scale, mean, variance, func)
    dynamic = is_tensorflow_namespace(xp) and None in tuple(x.shape)
    shape = mask_shape(noise_shape, _shape(x, dynamic), func)
    draw = _mask_source(rng, x, xp, drops, dynamic, func)
    if draw is None:
        return x
    keep = draw.bernoulli(shape, 1.0 - p)
    return _affine(x, keep, *affine_coefficients(p, *params), xp)


def _parameters(
    alpha: object, scale: object, mean: object, variance: object, func: str
) -> tuple[float, float, float, float]:
    """The SELU parameters and the fixed point, checked, as floats."""
    return (
        check_parameter(alpha, "alpha", func),
        check_parameter(scale, "scale", func),
        check_parameter(mean, "mean", func),
        check_variance(variance, func),
    )


def _mask_source(
    rng: object, x: Array, xp: Namespace, drops: bool, dynamic: bool, func: str
) -> Source | None:
    """The source of the mask; None when nothing is dropped, and `x` comes back.

    A given `rng` is checked even then (a wrong one is refused all the same),
    but without `x`: no numbers are drawn for it, so none could be reused by
    a tracer.
    """
    if not drops and rng is None:
        return None
    draw = source(rng, xp, device(x), func, like=x if drops else None)
    if not drops:
        return None
    check_seed_shape(rng, x, dynamic, func)
    return draw


def _shape(x: Array, dynamic: bool) -> tuple[Any, ...]:
    """The shape of `x`; unknown TensorFlow sizes as scalar tensors."""
    if not dynamic:
        return tuple(x.shape)
    tf = sys.modules["tensorflow"]
    sizes = tf.shape(x)
    return tuple(sizes[i] if n is None else n for i, n in enumerate(tuple(x.shape)))


@constant_when_traced  # decimal arithmetic: computed while torch.compile traces
def affine_coefficients(
    rate: float, alpha: float, scale: float, mean: float, variance: float
) -> tuple[float, float, float]:
    """``(a, b, a * alpha' + b)``, each correctly rounded from 60 digits."""
    return _decimal_coefficients(rate, alpha, scale, mean, variance)


@lru_cache(maxsize=64)
def _decimal_coefficients(
    rate: float, alpha: float, scale: float, mean: float, variance: float
) -> tuple[float, float, float]:
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        if alpha == SELU_ALPHA and scale == SELU_SCALE:
            saturation = -Decimal(PAPER_ALPHA) * Decimal(PAPER_SCALE)
        else:
            saturation = -Decimal(alpha) * Decimal(scale)
        m, v = Decimal(mean), Decimal(variance)
        drop = Decimal(rate)
        keep = 1 - drop
        a = (v / (keep * (drop * (saturation - m) ** 2 + v))).sqrt()
        b = m - a * (keep * m + drop * saturation)
        dropped = m + a * keep * (saturation - m)
        return float(a), float(b), float(dropped)


def _affine(
    x: Array, keep: Array, a: float, b: float, dropped: float, xp: Namespace
) -> Array:
    """``a * x + b`` where `keep`, else `dropped`, rounded once to `x`'s dtype."""
    work = working_dtype(x, xp)
    xw = x if x.dtype == work else xp.astype(x, work)
    low = where_scalar(dropped, xw, xp)
    return narrow(xp.where(keep, a * xw + b, low), x.dtype, xp)
