"""Keras 3 conventions for selu_xp: the activation, the initializer, the layer.

Importing this module imports Keras (``import selu_xp`` does not).  It works
on Keras's jax, torch and tensorflow backends, and on the numpy backend for
inference.  Each object is registered with Keras under the package name
``"selu_xp"``, so a model saved with them loads back with them, once this
module is imported:

* `selu`, the activation, for ``activation=selu_xp.keras.selu``;
* `LecunNormal`, the initializer of self-normalizing networks;
* `AlphaDropout`, the dropout layer that keeps their mean and variance.

Examples
--------
The model of the ``tf.keras.activations.selu`` documentation, with selu_xp's
pieces (on whichever Keras backend is configured):

>>> import keras
>>> from selu_xp.keras import AlphaDropout, LecunNormal, selu
>>> model = keras.Sequential([
...     keras.Input((20,)),
...     keras.layers.Dense(64, activation=selu, kernel_initializer=LecunNormal(0)),
...     AlphaDropout(0.1, seed=0),
...     keras.layers.Dense(10, activation="softmax"),
... ])
>>> model.layers[0].activation is selu
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral
from typing import Any, NamedTuple

import keras

from . import _activations, _dropout
from ._constants import SELU_ALPHA, SELU_SCALE
from ._initializers import TRUNCATED_STD, round_down
from ._typing import Array, DType
from ._validation import (
    check_dtype_name,
    check_fan_in,
    check_keras_seed,
    check_noise_shape,
    check_parameter,
    check_rate,
    check_shape,
    check_variance,
    mask_shape,
)

__all__ = ["AlphaDropout", "LecunNormal", "selu"]


_PACKAGE = "selu_xp"

# sqrt(2), and P(Z < -2) for the standard normal Z: Z = sqrt(2) erfinv(2u - 1)
# with u between the tail and 1 - tail.  (The tail of torch's and CuPy's
# sources, erfc(2 / sqrt(2)) / 2, is an ULP away; each keeps its own bits.)
_SQRT2 = math.sqrt(2.0)
_LOWER_TAIL = 0.5 * math.erfc(_SQRT2)
# The significand bits (without the implicit one) of Keras's floating dtypes.
_SIGNIFICAND_BITS = {"float16": 10, "bfloat16": 7, "float32": 23, "float64": 52}


class _Format(NamedTuple):
    """The machine epsilon of a dtype, as `round_down` reads it from finfo."""

    eps: float


@keras.saving.register_keras_serializable(package=_PACKAGE)  # type: ignore[untyped-decorator]
def selu(x: Array) -> Array:
    """The SELU activation for Keras layers, serialized as ``"selu_xp>selu"``.

    `selu_xp.selu` with the constants of Klambauer et al. (2017), on the
    tensors of the Keras backend (JAX, PyTorch, TensorFlow or NumPy arrays),
    differentiable on each.  Keras's own ``keras.activations.selu`` computes
    ``exp(x) - 1`` in the input's dtype; this one is correctly rounded to
    within 1 ULP in float32, and 0 only at ``x = 0``.

    Parameters
    ----------
    x : tensor
        The layer's pre-activations, a tensor of the Keras backend.

    Returns
    -------
    tensor
        ``selu(x)``, a tensor of the same backend, dtype and shape.

    See Also
    --------
    selu_xp.selu : The same function for any array library, with any
        parameters.

    Examples
    --------
    >>> import keras
    >>> from selu_xp.keras import selu
    >>> layer = keras.layers.Dense(4, activation=selu)
    >>> keras.saving.get_registered_name(selu)
    'selu_xp>selu'
    >>> keras.activations.deserialize(keras.activations.serialize(selu)) is selu
    True
    """
    return _activations.selu(x)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class LecunNormal(keras.initializers.Initializer):  # type: ignore[misc]
    """LeCun-normal initializer: truncated at two sigma, variance ``1 / fan_in``.

    Draws ``N(0, 1)`` truncated to :math:`\\pm 2` and scales it by
    ``1 / (0.87962566103423978 * sqrt(fan_in))``, the truncation's standard
    deviation corrected for, so that the weights have variance
    ``1 / fan_in`` exactly and every value lies within
    ``2 / (0.87962566103423978 * sqrt(fan_in))``, on every backend.
    ``fan_in`` is taken in Keras's layout ``(*kernel, in, out)``: the product
    of every axis but the last.  The numbers come from Keras's own random ops
    on the configured backend: a uniform draw from ``keras.random.uniform``
    through the normal's inverse distribution function (``keras.ops.erfinv``),
    computed in float32 (float64 for float64 weights), rounded once to the
    dtype and clipped to the bound rounded down to it.  (Keras's own
    ``keras.random.truncated_normal`` lets values beyond two sigma through on
    its torch backend.)

    Parameters
    ----------
    seed : int, keras.random.SeedGenerator or None, optional
        As for Keras's own initializers: an ``int`` gives the same values on
        every call; ``None`` draws a seed when the initializer is made, from
        Python's generator, which ``keras.utils.set_random_seed`` seeds (so
        the same values again after the same ``set_random_seed``); a
        ``SeedGenerator`` gives new values on every call.

    Raises
    ------
    TypeError
        If `seed` is not an int, a ``keras.random.SeedGenerator`` or None;
        on a call, if the shape is not a sequence of integers or the dtype
        is not float16, bfloat16, float32 or float64.
    ValueError
        On a call, if the shape has no axis or a negative size, or
        ``fan_in`` is 0.

    See Also
    --------
    selu_xp.lecun_normal : The same initialization for any array library.

    Examples
    --------
    >>> import keras
    >>> from selu_xp.keras import LecunNormal
    >>> w = keras.ops.convert_to_numpy(LecunNormal(seed=0)((256, 128), "float32"))
    >>> w.shape, w.dtype
    ((256, 128), dtype('float32'))
    >>> round(float(w.std() * 16), 1)
    1.0
    >>> LecunNormal(seed=0).get_config()
    {'seed': 0}
    """

    def __init__(self, seed: int | Any | None = None) -> None:
        if isinstance(seed, dict):
            seed = keras.saving.deserialize_keras_object(seed)
        check_keras_seed(seed, "LecunNormal")
        self._init_seed = seed
        if seed is None:
            seed = keras.random.randint((), 1, 10**9, seed=None)
            seed = int(keras.ops.convert_to_numpy(seed))
        self.seed = int(seed) if isinstance(seed, Integral) else seed

    def __call__(
        self, shape: Sequence[int], dtype: DType = None, **kwargs: Any
    ) -> Array:
        """Weights of `shape` in `dtype` (a Keras dtype string or object)."""
        func = "LecunNormal"
        dims = check_shape(_as_sequence(shape), func, axes=1)
        fans = math.prod(dims[:-1]) if len(dims) > 1 else dims[0]
        fan_in = check_fan_in(fans, dims, func)
        dtype = keras.backend.standardize_dtype(dtype or keras.config.floatx())
        check_dtype_name(dtype, tuple(_SIGNIFICAND_BITS), func)
        bits = _SIGNIFICAND_BITS[dtype]
        std = 1.0 / (TRUNCATED_STD * math.sqrt(fan_in))
        # The inverse distribution function of a uniform draw on [Phi(-2),
        # Phi(2)], not keras.random.truncated_normal: Keras's torch backend
        # keeps the first of four normal draws within 2 sigma, and the first
        # of them whatever it is when none is (one value in 230,000 beyond).
        ops = keras.ops
        work = "float64" if dtype == "float64" else "float32"
        u = keras.random.uniform(
            dims,
            minval=_LOWER_TAIL,
            maxval=1.0 - _LOWER_TAIL,
            dtype=work,
            seed=self.seed,
        )
        z = ops.multiply(ops.erfinv(ops.subtract(ops.multiply(u, 2.0), 1.0)), _SQRT2)
        scaled = ops.multiply(z, std)
        # Neither erfinv's last bit nor the rounding to the dtype may carry a
        # value beyond the bound: clipped, before that rounding, to the bound
        # rounded down to the narrower of the two formats (so exact in both).
        computed = keras.backend.standardize_dtype(scaled.dtype)
        narrowest = min(bits, _SIGNIFICAND_BITS.get(computed, bits))
        bound = round_down(2.0 * std, _Format(2.0**-narrowest))
        return ops.cast(ops.clip(scaled, -bound, bound), dtype)

    def get_config(self) -> dict[str, Any]:
        """The initializer's arguments, for ``from_config``."""
        return {"seed": keras.saving.serialize_keras_object(self._init_seed)}


def _as_sequence(shape: object) -> object:
    """`shape`, or a tuple of its entries if it is another iterable.

    A ``tf.TensorShape`` or a NumPy array of sizes is not a ``Sequence``; a
    sequence (or anything not iterable) reaches the check as it is, to be
    named in its message.
    """
    if isinstance(shape, Iterable) and not isinstance(shape, Sequence):
        return tuple(shape)
    return shape


@keras.saving.register_keras_serializable(package=_PACKAGE)
class AlphaDropout(keras.layers.Layer):  # type: ignore[misc]
    r"""Alpha dropout for Keras: drops to SELU's saturation, keeps the moments.

    In training, each unit is dropped with probability `rate` and set to
    :math:`-\lambda\alpha`, then every unit goes through the affine map that
    restores the fixed point's mean and variance (see
    `selu_xp.alpha_dropout`, which computes the same coefficients).  The mask
    is drawn with Keras's random ops from a ``keras.random.SeedGenerator``
    that the layer owns, so every training step gets a fresh mask, also in a
    compiled step (jax, ``tf.function``, the torch backend).  Outside training
    the layer is the identity.

    Parameters
    ----------
    rate : float
        Probability of dropping each unit, ``0 <= rate < 1``.
    noise_shape : sequence of int or None, optional
        The mask's shape, broadcast against the input; ``None`` entries take
        the input's size on that axis (``(None, 1, None)`` shares the mask
        along axis 1).  Default: the input's shape.
    seed : int, keras.random.SeedGenerator or None, optional
        The seed of the layer's generator, or the generator itself.
    mean, variance : float, optional
        The fixed point to keep (see `selu_xp.selu_parameters`); default 0
        and 1.
    **kwargs
        Keras's layer arguments (``name``, ``dtype``, ...).

    Raises
    ------
    TypeError
        If `rate`, `mean` or `variance` is not a real number, `noise_shape`
        is not a sequence of integers or None, or `seed` is not an int, a
        ``keras.random.SeedGenerator`` or None.
    ValueError
        If `rate` is not in ``[0, 1)``, `mean` or `variance` is not finite,
        or `variance` is not positive; on a call, if `noise_shape` does not
        have one entry per axis of the input or does not broadcast to it.

    See Also
    --------
    selu_xp.alpha_dropout : The same dropout for any array library.

    Notes
    -----
    Keras's own ``keras.layers.AlphaDropout(rate, noise_shape, seed)`` keeps
    only the fixed point (0, 1); this one takes `mean` and `variance` too,
    and computes the coefficients from the paper's constants in 60-digit
    arithmetic.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from selu_xp.keras import AlphaDropout
    >>> layer = AlphaDropout(0.2, seed=0)
    >>> x = np.zeros((2, 4), dtype="float32")
    >>> bool((keras.ops.convert_to_numpy(layer(x)) == x).all())  # the identity
    True
    >>> y = keras.ops.convert_to_numpy(layer(x, training=True))
    >>> set(np.round(y.astype(float), 5).ravel().tolist()) <= {-1.23616, 0.30904}
    True
    """

    def __init__(
        self,
        rate: float,
        noise_shape: Any = None,
        seed: int | Any | None = None,
        mean: float = 0.0,
        variance: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        func = "AlphaDropout"
        self.rate = check_rate(rate, "rate", func)
        self.mean = check_parameter(mean, "mean", func)
        self.variance = check_variance(variance, func)
        self.noise_shape = check_noise_shape(noise_shape, func)
        if isinstance(seed, dict):
            seed = keras.saving.deserialize_keras_object(seed)
        check_keras_seed(seed, func)
        self.seed = int(seed) if isinstance(seed, Integral) else seed
        self.seed_generator = (
            keras.random.SeedGenerator(self.seed)
            if self.seed is None or isinstance(self.seed, int)
            else self.seed
        )
        self.supports_masking = True
        self._a, self._b, self._dropped = _dropout.affine_coefficients(
            self.rate, SELU_ALPHA, SELU_SCALE, self.mean, self.variance
        )
        self.built = True

    def call(self, inputs: Array, training: bool = False) -> Array:
        """The identity in inference; alpha dropout in training."""
        if not training or self.rate == 0:
            return inputs
        ops = keras.ops
        shape = mask_shape(self.noise_shape, keras.ops.shape(inputs), "AlphaDropout")
        u = keras.random.uniform(shape, seed=self.seed_generator)
        keep = ops.greater_equal(u, self.rate)
        kept = ops.add(ops.multiply(inputs, self._a), self._b)
        dropped = ops.cast(self._dropped, inputs.dtype)
        return ops.cast(ops.where(keep, kept, dropped), inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The input's shape."""
        return input_shape

    def get_config(self) -> dict[str, Any]:
        """The layer's arguments, for ``from_config``."""
        config = super().get_config()
        config.update(
            rate=self.rate,
            noise_shape=self.noise_shape,
            seed=keras.saving.serialize_keras_object(self.seed),
            mean=self.mean,
            variance=self.variance,
        )
        return dict(config)
