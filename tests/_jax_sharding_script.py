"""Run by test_scale_out in a subprocess with four host CPU devices.

Prints one JSON object: for each check, ``true`` or an error text.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

import selu_xp

ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu_ref(x: np.ndarray) -> np.ndarray:
    """SELU in NumPy float64, written out from its definition."""
    x = x.astype(np.float64)
    return SCALE * np.where(x > 0, x, ALPHA * np.expm1(np.minimum(x, 0)))


def selu_grad_ref(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return SCALE * np.where(x > 0, 1.0, ALPHA * np.exp(np.minimum(x, 0)))


def elu_ref(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def close(got: Any, want: np.ndarray, atol: float = 0.0) -> bool:
    """float32 results against a float64 reference, to 1e-6 relative."""
    return bool(np.allclose(np.asarray(got, np.float64), want, rtol=1e-6, atol=atol))


def main() -> None:
    # Imported here, so that collecting this module needs no JAX.
    import jax
    import jax.numpy as jnp
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    devices = jax.devices()
    mesh = Mesh(np.asarray(devices).reshape(4), ("d",))
    sharding = NamedSharding(mesh, PartitionSpec("d"))
    values = np.linspace(-4.0, 4.0, 64, dtype=np.float32).reshape(8, 8)
    x = jax.device_put(jnp.asarray(values), sharding)
    results: dict[str, Any] = {"devices": len(devices)}

    def check(name: str, fn: Any) -> None:
        try:
            results[name] = bool(fn())
        except Exception as exc:  # reported to the test, which fails
            results[name] = f"{type(exc).__name__}: {exc}"

    def keeps(y: Any) -> bool:
        return bool(y.sharding.is_equivalent_to(x.sharding, x.ndim))

    check("input_sharded", lambda: len(x.sharding.device_set) == 4)
    check("selu_sharding", lambda: keeps(selu_xp.selu(x)))
    check("elu_sharding", lambda: keeps(selu_xp.elu(x)))
    check("selu_values", lambda: close(selu_xp.selu(x), selu_ref(values)))
    check("elu_values", lambda: close(selu_xp.elu(x), elu_ref(values)))
    key = jax.random.key(0)
    dropped = selu_xp.alpha_dropout(x, 0.25, rng=key)
    check("dropout_sharding", lambda: keeps(dropped))
    check(
        "dropout_same_key",
        lambda: np.array_equal(dropped, selu_xp.alpha_dropout(x, 0.25, rng=key)),
    )
    # Each unit is either the one dropped value or a * x + b, with a > 0.
    check("dropout_two_levels", lambda: _two_levels(values, np.asarray(dropped)))
    # A seed draws the host stream, the same mask as NumPy's.
    seeded = selu_xp.alpha_dropout(x, 0.25, rng=7)
    check("dropout_seed_sharding", lambda: keeps(seeded))
    check(
        "dropout_seed_values",
        lambda: close(
            seeded,
            selu_xp.alpha_dropout(values.astype(np.float64), 0.25, rng=7),
            atol=1e-6,  # a * x + b crosses zero
        ),
    )

    def jitted() -> bool:
        y = jax.jit(selu_xp.selu)(x)
        return keeps(y) and close(y, selu_ref(values))

    check("jit", jitted)
    check("vmap", lambda: close(jax.vmap(selu_xp.selu)(x), selu_ref(values)))
    check(
        "grad",
        lambda: close(
            jax.grad(lambda v: selu_xp.selu(v).sum())(x), selu_grad_ref(values)
        ),
    )
    row = x[0]
    check(
        "jacfwd",
        lambda: close(jax.jacfwd(selu_xp.selu)(row), np.diag(selu_grad_ref(values[0]))),
    )

    shard_map: Any = getattr(jax, "shard_map", None)
    if shard_map is None:  # older JAX
        from jax.experimental.shard_map import shard_map
    spec = PartitionSpec("d")

    def mapped() -> bool:
        f = shard_map(selu_xp.selu, mesh=mesh, in_specs=spec, out_specs=spec)
        y = jax.jit(f)(x)
        return keeps(y) and close(y, selu_ref(values))

    check("shard_map", mapped)
    json.dump(results, sys.stdout)


def _two_levels(values: np.ndarray, dropped: np.ndarray) -> bool:
    levels, counts = np.unique(dropped, return_counts=True)
    kept = dropped != levels[counts.argmax()]
    x, y = values[kept].astype(np.float64), dropped[kept].astype(np.float64)
    slope, offset = np.polyfit(x, y, 1)
    residual = np.abs(slope * x + offset - y).max()
    return bool(0 < kept.mean() < 1 and slope > 0 and residual < 1e-5)


if __name__ == "__main__":
    main()
