"""selu_xp.torch: SELU and AlphaDropout modules and init.lecun_normal_."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import selu_xp

torch = pytest.importorskip("torch")
st = pytest.importorskip("selu_xp.torch")

DTYPES = ["float32", "float64"]

# torch.compile of the modules and init: tests/test_tracing.py.


def _x(dtype: str = "float32", n: int = 2001) -> Any:
    return torch.linspace(-20, 5, n, dtype=getattr(torch, dtype))


# --- SELU ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_selu_default_is_selu_xp_and_torch_selu(dtype: str) -> None:
    x = _x(dtype)
    y = st.SELU()(x)
    assert y.dtype == x.dtype
    torch.testing.assert_close(y, selu_xp.selu(x), rtol=0, atol=0)
    rtol = 2.4e-7 if dtype == "float32" else 5e-16
    torch.testing.assert_close(y, torch.nn.functional.selu(x), rtol=rtol, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("alpha", "scale"), [(1.5, 1.1), (1.0, 1.0), (0.5, 2.0)])
def test_selu_parameters(dtype: str, alpha: float, scale: float) -> None:
    x = _x(dtype)
    got = st.SELU(alpha=alpha, scale=scale)(x).double().numpy()
    xs = x.double().numpy()
    want = np.where(xs > 0, scale * xs, scale * alpha * np.expm1(np.minimum(xs, 0)))
    rtol = 1.2e-7 if dtype == "float32" else 4e-16
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300)


def test_selu_module_conventions() -> None:
    m = st.SELU(alpha=1.5, scale=1.1)
    assert repr(m) == "SELU(alpha=1.5, scale=1.1)"
    assert repr(st.SELU()) == (
        f"SELU(alpha={selu_xp.SELU_ALPHA!r}, scale={selu_xp.SELU_SCALE!r})"
    )
    assert m.state_dict() == {}
    assert list(m.parameters()) == []
    with pytest.raises(TypeError, match=r"SELU\(\) expects alpha to be a real number"):
        st.SELU(alpha="1")
    with pytest.raises(ValueError, match="finite scale"):
        st.SELU(scale=math.inf)


def test_selu_gradient_is_selu_derivative() -> None:
    x = torch.tensor([-50.0, -1.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    st.SELU()(x).sum().backward()
    torch.testing.assert_close(
        x.grad, selu_xp.selu_derivative(x.detach()), rtol=1e-15, atol=0
    )


# --- AlphaDropout -------------------------------------------------------------

CLOSED_FORM = {-1.2361598485763781, 0.3090399621440945}  # rate 0.2, zeros


def test_alpha_dropout_is_selu_xp_alpha_dropout_with_the_same_generator() -> None:
    x = torch.randn(300, 40, generator=torch.Generator().manual_seed(1))
    m = st.AlphaDropout(0.2, generator=torch.Generator().manual_seed(5))
    want = selu_xp.alpha_dropout(x, 0.2, rng=torch.Generator().manual_seed(5))
    torch.testing.assert_close(m(x), want, rtol=0, atol=0)
    zeros = m(torch.zeros(1000, dtype=torch.float64))
    assert set(zeros.tolist()) == CLOSED_FORM


def test_alpha_dropout_train_and_eval() -> None:
    m = st.AlphaDropout(0.3)
    x = torch.randn(500, 400, dtype=torch.float64)
    assert m.training
    y = m(x)
    assert not torch.equal(y, x)
    assert abs(float(y.mean())) < 0.01
    assert abs(float(y.var()) - 1.0) < 0.02
    m.eval()
    assert m(x) is x
    assert st.AlphaDropout(0.0)(x) is x


def test_alpha_dropout_uses_torch_global_generator() -> None:
    m = st.AlphaDropout(0.5)
    x = torch.zeros(64)
    torch.manual_seed(3)
    a = m(x)
    torch.manual_seed(3)
    torch.testing.assert_close(m(x), a, rtol=0, atol=0)
    assert not torch.equal(m(x), a)


def test_alpha_dropout_other_fixed_point() -> None:
    x = torch.zeros(4000, dtype=torch.float64)
    m = st.AlphaDropout(0.2, mean=-0.1, variance=2.0, generator=torch.Generator())
    ref = selu_xp.alpha_dropout(np.zeros(4000), 0.2, rng=0, mean=-0.1, variance=2.0)
    assert set(m(x).tolist()) == set(np.unique(ref).tolist())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_alpha_dropout_keeps_dtype(dtype: str) -> None:
    x = torch.zeros(10, dtype=getattr(torch, dtype))
    assert st.AlphaDropout(0.5)(x).dtype == x.dtype


def test_alpha_dropout_module_conventions() -> None:
    m = st.AlphaDropout(0.25, mean=0.5, variance=2.0)
    assert repr(m) == "AlphaDropout(p=0.25, mean=0.5, variance=2.0)"
    assert m.state_dict() == {}
    m.load_state_dict({})
    with pytest.raises(ValueError, match=r"0 <= p < 1, got 1\.0"):
        st.AlphaDropout(1.0)
    with pytest.raises(ValueError, match="positive variance"):
        st.AlphaDropout(0.1, variance=-1.0)
    with pytest.raises(TypeError, match=r"generator to be a torch\.Generator"):
        st.AlphaDropout(0.1, generator=np.random.default_rng(0))


# --- init.lecun_normal_ -------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "fan_in"), [((512, 256), 256), ((64, 16, 3, 3), 144), ((8, 400, 5), 2000)]
)
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal"])
def test_lecun_normal_fills_in_place_with_torch_layout(
    shape: tuple[int, ...], fan_in: int, distribution: str
) -> None:
    w = torch.empty(shape)
    out = st.init.lecun_normal_(
        w, distribution=distribution, generator=torch.Generator().manual_seed(0)
    )
    assert out is w
    v = w.double().numpy()
    std = 1 / math.sqrt(fan_in)
    assert abs(v.std() / std - 1) < 0.03
    bound = 2 / 0.87962566103423978 * std
    if distribution == "truncated_normal":
        assert np.abs(v).max() <= bound
    else:
        assert np.abs(v).max() > bound
    want = selu_xp.lecun_normal(
        shape,
        in_axis=1,
        out_axis=0,
        distribution=distribution,
        rng=torch.Generator().manual_seed(0),
        dtype=torch.float32,
        xp=torch,
    )
    torch.testing.assert_close(w, want, rtol=0, atol=0)


def test_lecun_normal_is_not_kaiming_selu() -> None:
    w = st.init.lecun_normal_(torch.empty(1000, 500))
    k = torch.nn.init.kaiming_normal_(
        torch.empty(1000, 500), nonlinearity="selu", mode="fan_in"
    )
    assert abs(float(w.var()) * 500 - 1.0) < 0.02
    assert abs(float(k.var()) * 500 - 0.5625) < 0.02


def test_lecun_normal_parameter_and_global_generator() -> None:
    layer = torch.nn.Conv2d(3, 8, 3)
    torch.manual_seed(4)
    st.init.lecun_normal_(layer.weight)
    first = layer.weight.detach().clone()
    torch.manual_seed(4)
    st.init.lecun_normal_(layer.weight)
    torch.testing.assert_close(layer.weight.detach(), first, rtol=0, atol=0)
    assert layer.weight.is_leaf
    assert layer.weight.requires_grad


def test_lecun_normal_errors() -> None:
    with pytest.raises(ValueError, match="at least two non-negative sizes"):
        st.init.lecun_normal_(torch.empty(5))
    with pytest.raises(
        TypeError, match=r"floating-point torch\.Tensor, got torch\.int64"
    ):
        st.init.lecun_normal_(torch.zeros(3, 2, dtype=torch.int64))
    with pytest.raises(TypeError, match=r"floating-point torch\.Tensor"):
        st.init.lecun_normal_(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="distribution"):
        st.init.lecun_normal_(torch.empty(3, 2), distribution="uniform")
    with pytest.raises(ValueError, match="fan_in = 0"):
        st.init.lecun_normal_(torch.empty(3, 0))
