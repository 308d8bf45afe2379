"""PyTorch conventions for selu_xp: ``nn.Module``s and an in-place initializer.

Importing this module imports torch (``import selu_xp`` does not).

* `SELU`, like ``torch.nn.SELU``, with the SELU parameters as arguments;
* `AlphaDropout`, like ``torch.nn.AlphaDropout``, with any fixed point and an
  optional ``torch.Generator``;
* ``init.lecun_normal_``, in the convention of ``torch.nn.init``: it fills a
  tensor in place, with ``fan_in`` from torch's ``(out, in, *kernel)`` layout,
  and draws from torch's global generator unless given one.

All three work under ``torch.compile(fullgraph=True)``, in every floating
dtype.  With torch's global generator the compiler generates the random
numbers itself (its own stream, reproducible from ``torch.manual_seed``);
with an explicit `generator`, which torch's compiler cannot trace, the draw
is one opaque operator in the graph that calls the generator on every call,
so the numbers are bit for bit those of eager mode.

Examples
--------
>>> import torch
>>> from selu_xp.torch import SELU, AlphaDropout, init
>>> _ = torch.manual_seed(0)
>>> layer = torch.nn.Linear(20, 64)
>>> _ = init.lecun_normal_(layer.weight)
>>> model = torch.nn.Sequential(layer, SELU(), AlphaDropout(0.1))
>>> model.eval()(torch.zeros(3, 20)).shape
torch.Size([3, 64])
"""

from __future__ import annotations

import math
import types
from typing import Any

import torch

from . import _activations, _dropout
from ._constants import SELU_ALPHA, SELU_SCALE
from ._initializers import TRUNCATED_STD, round_down
from ._random import Source
from ._sources import torch_source
from ._typing import Device
from ._validation import (
    check_distribution,
    check_parameter,
    check_rate,
    check_sizes,
    check_torch_generator,
    check_torch_tensor,
    check_variance,
    fan_in,
)

__all__ = ["SELU", "AlphaDropout", "init"]


def _parameter(value: object, name: str, func: str) -> float:
    """`value` checked as a finite real; a float is kept as the same object."""
    checked = check_parameter(value, name, func)
    return value if type(value) is float else checked


def _draws(generator: Any, device: Device, func: str) -> Source:
    """Draws with `generator`, or torch's global generator if None (eagerly
    and under torch.compile: `selu_xp._sources.torch_source`)."""
    return torch_source(generator, device, func)


class SELU(torch.nn.Module):
    r"""The SELU activation as a module: ``selu_xp.selu(x, alpha, scale)``.

    Like ``torch.nn.SELU``, with the SELU parameters as arguments; they are
    checked once, when the module is made.

    Parameters
    ----------
    alpha, scale : float, optional
        The SELU parameters; defaults `selu_xp.SELU_ALPHA` and
        `selu_xp.SELU_SCALE`, the constants of Klambauer et al. (2017).

    Raises
    ------
    TypeError
        If `alpha` or `scale` is not a real number.
    ValueError
        If `alpha` or `scale` is not finite.

    See Also
    --------
    selu_xp.selu : The same function for any array library.

    Notes
    -----
    On CPU tensors the module runs selu_xp's compiled kernel, correctly
    rounded in float32 (``torch.nn.SELU`` is within 1.5 ULP there), and its
    backward is the derivative kernel; on CUDA torch's own kernel with
    ``scale * alpha`` rounded once.  The module has no state (an empty
    ``state_dict``), as ``nn.SELU``.

    Examples
    --------
    >>> import torch
    >>> from selu_xp.torch import SELU
    >>> SELU()(torch.tensor([-1.0, 0.0, 1.0]))
    tensor([-1.1113,  0.0000,  1.0507])
    >>> SELU(alpha=1.5, scale=1.1)
    SELU(alpha=1.5, scale=1.1)
    """

    def __init__(self, alpha: float = SELU_ALPHA, scale: float = SELU_SCALE) -> None:
        super().__init__()
        self.alpha = _parameter(alpha, "alpha", "SELU")
        self.scale = _parameter(scale, "scale", "SELU")
        self._default = self.alpha is SELU_ALPHA and self.scale is SELU_SCALE

    def forward(self, x: Any) -> Any:
        """``selu(x)`` with the module's parameters."""
        if self._default:
            return _activations.selu(x)
        return _activations.selu(x, alpha=self.alpha, scale=self.scale)

    def extra_repr(self) -> str:
        """The parameters, for ``repr``."""
        return f"alpha={self.alpha!r}, scale={self.scale!r}"


class AlphaDropout(torch.nn.Module):
    r"""Alpha dropout as a module: in training mode only, as ``nn.AlphaDropout``.

    In training mode each unit is dropped with probability `p` to SELU's
    saturation value and all units go through the affine map that keeps the
    fixed point (`mean`, `variance`); in evaluation mode (``model.eval()``)
    the input comes back unchanged.  The values are those of
    `selu_xp.alpha_dropout` with the same generator, bit for bit.

    Parameters
    ----------
    p : float
        Probability of dropping each unit, ``0 <= p < 1``.
    mean, variance : float, optional
        The fixed point to keep; default 0 and 1 (``nn.AlphaDropout``'s only
        one).
    generator : torch.Generator, optional
        The generator of the masks, on the input's device; default torch's
        global generator of that device (``torch.manual_seed``).

    Raises
    ------
    TypeError
        If a parameter is not a real number or `generator` is not a
        ``torch.Generator``.
    ValueError
        If `p` is not in ``[0, 1)`` or `variance` is not positive.

    See Also
    --------
    selu_xp.alpha_dropout : The same dropout for any array library.

    Notes
    -----
    Kept units are computed as ``a * x + b`` in float64 (float32 for the half
    dtypes) and rounded once.  The module has no state (an empty
    ``state_dict``); a generator's state is its own, as in torch.

    Examples
    --------
    >>> import torch
    >>> from selu_xp.torch import AlphaDropout
    >>> drop = AlphaDropout(0.2, generator=torch.Generator().manual_seed(0))
    >>> drop
    AlphaDropout(p=0.2, mean=0.0, variance=1.0)
    >>> sorted(set(drop(torch.zeros(8)).tolist()))
    [-1.2361598014831543, 0.30903995037078857]
    >>> drop.eval()(torch.zeros(2))
    tensor([0., 0.])
    """

    def __init__(
        self,
        p: float,
        *,
        mean: float = 0.0,
        variance: float = 1.0,
        generator: Any = None,
    ) -> None:
        super().__init__()
        func = "AlphaDropout"
        self.p = check_rate(p, "p", func)
        self.mean = check_parameter(mean, "mean", func)
        self.variance = check_variance(variance, func)
        check_torch_generator(generator, func)
        self.generator = generator
        self._a, self._b, self._dropped = _dropout.affine_coefficients(
            self.p, SELU_ALPHA, SELU_SCALE, self.mean, self.variance
        )

    def forward(self, x: Any) -> Any:
        """Alpha dropout of `x` in training mode, `x` itself in evaluation."""
        if not self.training or self.p == 0:
            return x
        draw = _draws(self.generator, x.device, "AlphaDropout")
        keep = draw.bernoulli(tuple(x.shape), 1.0 - self.p)
        work = torch.float64 if x.dtype in (torch.float32, torch.float64) else None
        if work is None or x.device.type not in ("cpu", "cuda"):
            work = torch.float32 if x.dtype != torch.float64 else torch.float64
        w = x.to(work)
        y = torch.where(keep, w * self._a + self._b, self._dropped)
        return y.to(x.dtype)

    def extra_repr(self) -> str:
        """The parameters, for ``repr``."""
        return f"p={self.p!r}, mean={self.mean!r}, variance={self.variance!r}"


def lecun_normal_(
    tensor: Any,
    *,
    distribution: str = "truncated_normal",
    generator: Any = None,
) -> Any:
    r"""Fill `tensor` in place with LeCun-normal weights; return it.

    In the convention of ``torch.nn.init``: the weights have variance
    ``1 / fan_in`` with ``fan_in = tensor.size(1) * prod(tensor.shape[2:])``
    (torch's ``(out, in, *kernel)`` layout), and are drawn from torch's
    global generator of the tensor's device unless `generator` is given.
    Autograd does not record the fill.

    Parameters
    ----------
    tensor : torch.Tensor
        A floating-point tensor of at least two axes, such as a
        ``Linear`` or ``Conv2d`` weight.
    distribution : {"truncated_normal", "normal"}, optional
        ``"truncated_normal"`` (default) cuts the standard normal at
        :math:`\pm 2` and corrects the standard deviation for it (divides by
        0.87962566103423978); ``"normal"`` does not truncate.
    generator : torch.Generator, optional
        The generator, on the tensor's device.

    Returns
    -------
    torch.Tensor
        `tensor` itself.

    Raises
    ------
    TypeError
        If `tensor` is not a floating-point ``torch.Tensor``, or `generator`
        is not a ``torch.Generator``.
    ValueError
        If `tensor` has fewer than two axes or ``fan_in`` is 0, or
        `distribution` is unknown.

    See Also
    --------
    selu_xp.lecun_normal : The same numbers as a new array, for any library.

    Notes
    -----
    ``torch.nn.init.kaiming_normal_(w, nonlinearity="selu")`` uses the gain
    3/4 (variance ``0.5625 / fan_in``): not the initialization of
    self-normalizing networks.  With the same generator, the values equal
    ``selu_xp.lecun_normal(w.shape, in_axis=1, out_axis=0, rng=generator,
    xp=torch)``.

    Examples
    --------
    >>> import torch
    >>> from selu_xp.torch import init
    >>> w = torch.empty(256, 512)
    >>> _ = init.lecun_normal_(w, generator=torch.Generator().manual_seed(0))
    >>> round(float(w.std() * 512**0.5), 2)
    1.0
    """
    func = "lecun_normal_"
    check_torch_tensor(tensor, func)
    shape = check_sizes(tuple(tensor.shape), func)
    fans = fan_in(shape, 1, 0, func)  # torch's layout (out, in, *kernel)
    check_distribution(distribution, func)
    check_torch_generator(generator, func)
    draw = _draws(generator, tensor.device, func)
    with torch.no_grad():
        if distribution == "normal":
            w = draw.normal(shape, 1.0 / math.sqrt(fans), tensor.dtype)
        else:
            scale = 1.0 / (TRUNCATED_STD * math.sqrt(fans))
            bound = round_down(2.0 * scale, torch.finfo(tensor.dtype))
            w = draw.truncated_normal(shape, scale, tensor.dtype)
            w = w.clamp(-bound, bound)
        tensor.copy_(w)
    return tensor


init = types.SimpleNamespace(lecun_normal_=lecun_normal_)
"""``selu_xp.torch.init.lecun_normal_``, beside ``torch.nn.init``'s functions."""
