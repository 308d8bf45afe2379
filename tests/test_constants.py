"""The constants are the correctly rounded doubles of the paper's values."""

from __future__ import annotations

import mpmath

import selu_xp
from selu_xp import SELU_ALPHA, SELU_SCALE, selu
from selu_xp.testing.oracle import ALPHA, SCALE


def _correctly_rounded(value: mpmath.mpf) -> float:
    with mpmath.workdps(60):
        return float(value)


def test_alpha_and_scale_are_correctly_rounded() -> None:
    assert type(SELU_ALPHA) is float
    assert type(SELU_SCALE) is float
    assert _correctly_rounded(ALPHA) == SELU_ALPHA
    assert _correctly_rounded(SCALE) == SELU_SCALE
    assert repr(SELU_ALPHA) == "1.6732632423543772"
    assert repr(SELU_SCALE) == "1.0507009873554805"


def test_saturation_value_is_the_rounded_exact_product() -> None:
    import numpy as np

    with mpmath.workdps(60):
        exact = _correctly_rounded(SCALE * ALPHA)
    limit = float(selu(np.asarray(-np.inf)))
    assert limit == -exact
    # The product of the two rounded doubles is one ULP off: the library must
    # not use it.
    assert exact != SELU_SCALE * SELU_ALPHA


def test_version_is_a_string() -> None:
    assert isinstance(selu_xp.__version__, str)
    assert selu_xp.__version__.count(".") >= 2
