"""Beyond one process and one device: Dask distributed, JAX sharding, torch transforms.

The Dask tests start a ``LocalCluster`` of two worker processes once for the
module; the JAX test runs ``_jax_sharding_script`` in a subprocess that sees
four host CPU devices; the PyTorch tests run in this process.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import selu_xp
from selu_xp import alpha_dropout, elu, elu_derivative, lecun_normal, selu
from selu_xp.testing.oracle import exact

from ._backends import BACKENDS, assert_close, assert_equal
from ._processes import ROOT, run_python

VALUES = np.linspace(-4.0, 4.0, 600).reshape(20, 30)


# --------------------------------------------------------------------------
# Dask distributed
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A client of a local cluster of two single-threaded worker processes."""
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed"
    )
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        # A free port of the system's choosing: the scheduler serves HTTP
        # (health, metrics) even without a dashboard, on 8787 by default,
        # and warns when another process holds that port.
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    with cluster, distributed.Client(cluster) as c:
        yield c


def _names_on_scheduler(client: Any) -> set[str]:
    """The names (layers) of every task the cluster's scheduler holds."""

    def names(dask_scheduler: Any) -> set[str]:
        return {k[0] if isinstance(k, tuple) else str(k) for k in dask_scheduler.tasks}

    return set(client.run_on_scheduler(names))


def _chunked(chunks: Any) -> Any:
    import dask.array as da

    return da.from_array(VALUES, chunks=chunks)


# The graph a call builds (one blockwise layer, the chunks kept, nothing
# computed) is tests/test_transforms.py::test_dask_stays_lazy; here, what the
# cluster computes and holds.


@pytest.mark.parametrize("func", [selu, elu, elu_derivative], ids=lambda f: f.__name__)
def test_dask_cluster_matches_the_reference(client: Any, func: Any) -> None:
    got = client.compute(func(_chunked((7, 11)))).result()
    assert_close(got, exact(func.__name__, VALUES), rtol=1e-15)


def test_dask_cluster_computes_nothing_before_compute(client: Any) -> None:
    from distributed import wait

    z = alpha_dropout(elu(selu(_chunked((5, 10)))), 0.2, rng=3)
    layers = set(z.dask.layers)
    assert not layers & _names_on_scheduler(client)
    # Held in the cluster's memory, the result's tasks are now on the scheduler.
    persisted = client.persist(z)
    wait(persisted)
    assert z.name in _names_on_scheduler(client)
    np.testing.assert_array_equal(
        persisted.compute(), alpha_dropout(elu(selu(VALUES)), 0.2, rng=3)
    )


def test_dask_cluster_dropout_reproducible_across_chunkings(client: Any) -> None:
    """The rule: the mask is the seed's host stream over the whole array.

    ``numpy.random.default_rng(seed).random(shape) < 1 - rate`` for the
    shape of the whole array, whatever its chunks, so that a seed gives the
    NumPy result for any chunking and on any cluster.
    """
    expected = alpha_dropout(VALUES, 0.3, rng=11)
    results = [
        client.compute(alpha_dropout(_chunked(chunks), 0.3, rng=11)).result()
        for chunks in [(7, 11), (20, 30), (1, 30), (7, 11)]
    ]
    for got in results:
        np.testing.assert_array_equal(got, expected)
    other = alpha_dropout(_chunked((7, 11)), 0.3, rng=12).compute()
    assert not np.array_equal(other, expected)


def test_dask_cluster_lecun_normal(client: Any) -> None:
    import dask.array as da

    w = lecun_normal((40, 30), xp=da, rng=5)
    assert isinstance(w, da.Array)
    got = client.compute(w).result()
    np.testing.assert_array_equal(got, lecun_normal((40, 30), xp=np, rng=5))
    # Variance 1 / fan_in, fan_in = shape[-2] = 40 by default (1200 samples).
    assert abs(got.std() * np.sqrt(40) - 1) < 0.08


CUPY = next(b for b in BACKENDS if b.id == "cupy")


@pytest.mark.skipif(CUPY.skip_reason() is not None, reason=str(CUPY.skip_reason()))
def test_dask_of_cupy_chunks_takes_the_cupy_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cupy
    import dask
    import dask.array as da

    from selu_xp._backends import cupy as cupy_backend

    cx = cupy.asarray(VALUES)
    cupy_path = cupy_backend.elu_family
    calls: list[Any] = []

    def counting(block: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(type(block))
        return cupy_path(block, *args, **kwargs)

    monkeypatch.setattr(cupy_backend, "elu_family", counting)
    x = da.from_array(cx, chunks=(7, 11), asarray=False)
    y = selu(x)
    assert len(y.dask.layers) == len(x.dask.layers) + 1
    assert y.chunks == x.chunks
    with dask.config.set(scheduler="synchronous"):
        got = y.compute()
    assert isinstance(got, cupy.ndarray)
    assert calls == [cupy.ndarray] * x.npartitions
    with selu_xp.force_generic():
        expected = selu(VALUES)
    np.testing.assert_allclose(cupy.asnumpy(got), expected, rtol=1e-15, atol=0)


# --------------------------------------------------------------------------
# JAX sharding and transforms on four host devices
# --------------------------------------------------------------------------


def test_jax_sharding_and_transforms() -> None:
    pytest.importorskip("jax")
    env = {
        "XLA_FLAGS": "--xla_force_host_platform_device_count=4",
        "JAX_PLATFORMS": "cpu",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    proc = run_python("-m", "tests._jax_sharding_script", env=env)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert results.pop("devices") == 4
    failed = {name: value for name, value in results.items() if value is not True}
    assert not failed, failed
    assert len(results) >= 15


# --------------------------------------------------------------------------
# PyTorch transforms
# --------------------------------------------------------------------------

ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _selu_ref(x: np.ndarray) -> np.ndarray:
    return SCALE * np.where(x > 0, x, ALPHA * np.expm1(np.minimum(x, 0)))


def _selu_grad_ref(x: np.ndarray) -> np.ndarray:
    return SCALE * np.where(x > 0, 1.0, ALPHA * np.exp(np.minimum(x, 0)))


# torch.compile: tests/test_tracing.py.


def test_torch_func_vmap_and_grad() -> None:
    torch = pytest.importorskip("torch")
    from torch.func import grad, vmap

    m = torch.linspace(-4, 4, 48, dtype=torch.float64).reshape(6, 8)
    np.testing.assert_allclose(
        vmap(selu)(m).numpy(), _selu_ref(m.numpy()), rtol=1e-14, atol=0
    )
    x = m.reshape(-1)
    np.testing.assert_allclose(
        vmap(grad(selu))(x).numpy(), _selu_grad_ref(x.numpy()), rtol=1e-14, atol=0
    )
    np.testing.assert_allclose(
        grad(lambda v: selu(v).sum())(x).numpy(),
        _selu_grad_ref(x.numpy()),
        rtol=1e-14,
        atol=0,
    )
    e = grad(lambda v: elu(v).sum())(x).numpy()
    v = x.numpy()
    np.testing.assert_allclose(e, np.where(v > 0, 1.0, np.exp(v)), rtol=1e-14, atol=0)


@pytest.mark.parametrize("func", [selu, elu], ids=["selu", "elu"])
def test_torch_gradcheck(func: Any) -> None:
    torch = pytest.importorskip("torch")
    points = [-3.0, -1.2, -0.4, -0.05, 0.05, 0.7, 2.5]
    x = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(func, (x,))
    assert torch.autograd.gradgradcheck(func, (x,))


@pytest.mark.parametrize("func", [selu, elu], ids=["selu", "elu"])
def test_torch_no_grad_and_inference_mode(func: Any) -> None:
    torch = pytest.importorskip("torch")
    x = torch.linspace(-3, 3, 10, dtype=torch.float64, requires_grad=True)
    expected = func(x.detach()).numpy()
    with torch.no_grad():
        y = func(x)
    assert not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), expected)
    with torch.inference_mode():
        z = func(torch.linspace(-3, 3, 10, dtype=torch.float64))
        # Large enough for the chunked float32 path on CPU.
        big = func(torch.linspace(-3, 3, 1 << 20, dtype=torch.float32))
    assert z.is_inference()
    assert big.is_inference()
    np.testing.assert_array_equal(z.numpy(), expected)
    assert big.dtype == torch.float32
    assert big.shape == (1 << 20,)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("func", [selu, elu, elu_derivative], ids=lambda f: f.__name__)
def test_torch_meta_device(func: Any, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    x = torch.empty(3, 5, device="meta", dtype=getattr(torch, dtype))
    # A meta tensor has no values: array-api-extra checks the rest.
    assert_equal(func(x), torch.empty(3, 5, device="meta", dtype=getattr(torch, dtype)))


# --------------------------------------------------------------------------
# The scale benchmark, on a tiny array
# --------------------------------------------------------------------------


def test_scale_benchmark_small_run() -> None:
    import dask.array as da

    from benchmarks.scale import markdown, run

    r = run(size=200_000, chunk=30_000, dtype="float64", workers=2, repeat=1)
    assert r["chunks"] == 7
    assert r["bytes"] == 1_600_000
    # The same generator, materialized (it is small), through NumPy.
    x = da.random.default_rng(0).standard_normal(200_000, chunks=30_000).compute()
    np.testing.assert_allclose(r["sums"]["generate_sum"], x.sum(), rtol=1e-9)
    np.testing.assert_allclose(
        r["sums"]["generate_selu_sum"], _selu_ref(x).sum(), rtol=1e-9
    )
    assert r["peak_rss_bytes"] > 0
    meta = {"cpu": "cpu", "cores": 2, "memory_gib": 1.0, "date": "d", "versions": {}}
    assert "| peak RSS of the process |" in markdown(meta, r)
