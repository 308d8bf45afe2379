"""Every public function of selu_xp traced by one framework, in a fresh
process, printing each warning raised: ``python -m tests._warnings_script
torch|jax|tensorflow`` (tests/test_tracing.py runs it).

A fresh process, because TorchDynamo warns once per process: a warning
raised by an earlier test would hide here.  The framework's own import-time
warnings come before the count starts.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import Any

import selu_xp
from selu_xp._family import BY_NAME, NAMES

ACTIVATIONS = NAMES


def _activations(x: Any) -> dict[str, Callable[[], Any]]:
    calls: dict[str, Callable[[], Any]] = {}
    for name in ACTIVATIONS:
        scaled = "scale" in BY_NAME[name].parameters
        other = {"alpha": 1.5, "scale": 1.1} if scaled else {}
        calls[name] = functools.partial(getattr(selu_xp, name), x)
        calls[f"{name}(non-default)"] = functools.partial(
            getattr(selu_xp, name), x, **(other or {"alpha": 0.5})
        )
    alpha, scale = selu_xp.selu_parameters(0.1, 2.0)
    calls["selu(selu_parameters)"] = lambda: selu_xp.selu(x, alpha=alpha, scale=scale)
    return calls


def _torch_cases() -> dict[str, Callable[[], Any]]:
    import torch
    import torch._inductor.compile_fx  # torch's own warnings come first

    from selu_xp.torch import SELU, AlphaDropout, init

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(16, 8)
    calls = _activations(x)
    calls["alpha_dropout"] = lambda: selu_xp.alpha_dropout(x, 0.1)
    calls["alpha_dropout(rng=Generator)"] = lambda: selu_xp.alpha_dropout(
        x, 0.1, rng=gen
    )
    calls["lecun_normal"] = lambda: selu_xp.lecun_normal((4, 4), xp=torch)
    calls["lecun_normal(rng=Generator)"] = lambda: selu_xp.lecun_normal(
        (4, 4), xp=torch, rng=gen
    )
    calls["SELU"] = lambda: SELU(alpha=1.5)(x)
    calls["AlphaDropout"] = lambda: AlphaDropout(0.1, generator=gen)(x)
    calls["init.lecun_normal_"] = lambda: init.lecun_normal_(
        torch.empty(4, 4), generator=gen
    )

    def compiled(f: Callable[[], Any]) -> Callable[[], Any]:
        torch._dynamo.reset()
        return torch.compile(f, fullgraph=True)

    cases = {name: compiled(f) for name, f in calls.items()}
    w = torch.randn(8, 8, requires_grad=True)
    forward = compiled(lambda: selu_xp.selu(x @ w))
    cases["backward"] = lambda: forward().sum().backward()
    return cases


def _jax_cases() -> dict[str, Callable[[], Any]]:
    import jax

    x = jax.numpy.linspace(-3.0, 3.0, 128).reshape(16, 8)
    key = jax.random.key(0)
    calls = _activations(x)
    calls["alpha_dropout"] = lambda: selu_xp.alpha_dropout(x, 0.1, rng=key)
    calls["lecun_normal"] = lambda: selu_xp.lecun_normal((4, 4), xp=jax.numpy, rng=key)
    calls["grad"] = lambda: jax.grad(lambda v: selu_xp.selu(v).sum())(x)
    return {name: jax.jit(f) for name, f in calls.items()}


def _tensorflow_cases() -> dict[str, Callable[[], Any]]:
    import tensorflow as tf

    x = tf.reshape(tf.linspace(-3.0, 3.0, 128), (16, 8))
    calls = _activations(x)
    calls["alpha_dropout"] = lambda: selu_xp.alpha_dropout(x, 0.1, rng=3)
    calls["lecun_normal"] = lambda: selu_xp.lecun_normal((4, 4), xp=tf, rng=3)

    def gradient() -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(selu_xp.selu(x))
        return tape.gradient(y, x)

    calls["gradient"] = gradient
    return {name: tf.function(f) for name, f in calls.items()}


CASES = {"torch": _torch_cases, "jax": _jax_cases, "tensorflow": _tensorflow_cases}


def main(framework: str) -> None:
    cases = CASES[framework]()
    for name, f in cases.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            f()
        for w in caught:
            print(f"{name}: {w.category.__name__}: {w.message}")
    print(f"traced {len(cases)} calls")


if __name__ == "__main__":
    main(sys.argv[1])
