"""The rng rule: portable seeds, native generators, and refusals, on every backend."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

from selu_xp import alpha_dropout, lecun_normal
from selu_xp._backends import GENERATORS

from ._backends import BACKENDS, Backend
from ._processes import run_python
from ._toolkit import dtype_of, own_generator

SHAPE = (64, 48)


def weights(backend: Backend, dt: str, rng: Any, **kwargs: Any) -> np.ndarray:
    w = lecun_normal(
        SHAPE,
        rng=rng,
        xp=backend.xp,
        device=backend.device,
        dtype=dtype_of(backend, dt),
        **kwargs,
    )
    return backend.to_numpy(w)


def numpy_reference(dt: str, rng: Any, **kwargs: Any) -> np.ndarray:
    """The NumPy backend's numbers, rounded to `dt` as the rule says."""
    w = lecun_normal(SHAPE, rng=rng, **kwargs)
    if dt == "float64":
        return w
    w32 = w.astype(np.float32)
    if dt == "float16":
        return w32.astype(np.float16).astype(np.float32)
    if dt == "bfloat16":
        bits = w32.view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
        return bits.astype(np.uint32).view(np.float32)
    return w32


@pytest.mark.parametrize("distribution", ["truncated_normal", "normal"])
def test_portable_seed_same_numbers_on_every_backend(
    backend_dtype: tuple[Backend, str], distribution: str
) -> None:
    backend, dt = backend_dtype
    got = weights(backend, dt, 2024, distribution=distribution)
    expected = numpy_reference(dt, 2024, distribution=distribution)
    np.testing.assert_array_equal(got, expected)


def test_portable_dropout_mask_on_every_backend(backend: Backend) -> None:
    x = backend.asarray(np.zeros((40, 30)), "float32")
    y = backend.to_numpy(alpha_dropout(x, 0.3, rng=9))
    y_ref = alpha_dropout(np.zeros((40, 30), dtype=np.float32), 0.3, rng=9)
    np.testing.assert_array_equal(y, y_ref)
    # and the mask is the documented one: default_rng(seed).random(shape) < 1 - rate
    keep = np.random.default_rng(9).random((40, 30)) < 0.7
    np.testing.assert_array_equal(y > 0, keep)


@pytest.mark.parametrize(
    "make",
    [
        lambda: 77,
        lambda: np.int64(77),
        lambda: np.random.SeedSequence(77),
        lambda: np.random.PCG64(77),
        lambda: np.random.default_rng(77),
    ],
    ids=["int", "numpy-int", "SeedSequence", "BitGenerator", "Generator"],
)
def test_seed_kinds_give_the_default_rng_stream(backend: Backend, make: Any) -> None:
    got = weights(backend, "float32", make(), distribution="normal")
    expected = np.random.default_rng(77).standard_normal(SHAPE) / np.sqrt(64)
    np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_generator_is_advanced(backend: Backend) -> None:
    gen = np.random.default_rng(5)
    first = weights(backend, "float32", gen, distribution="normal")
    second = weights(backend, "float32", gen, distribution="normal")
    ref = np.random.default_rng(5).standard_normal((2, *SHAPE)) / np.sqrt(64)
    np.testing.assert_array_equal(first, ref[0].astype(np.float32))
    np.testing.assert_array_equal(second, ref[1].astype(np.float32))


def test_none_draws_fresh_entropy(backend: Backend) -> None:
    a = weights(backend, "float32", None)
    b = weights(backend, "float32", None)
    assert not np.array_equal(a, b)


def test_own_generator_is_reproducible(backend: Backend) -> None:
    if own_generator(backend, 0) is None:
        # No generator of its own: the backend's documented alternative is the
        # portable stream, reproducible from a seed.
        np.testing.assert_array_equal(
            weights(backend, "float32", 3), weights(backend, "float32", 3)
        )
        return
    a = weights(backend, "float32", own_generator(backend, 3))
    b = weights(backend, "float32", own_generator(backend, 3))
    c = weights(backend, "float32", own_generator(backend, 4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_raw_jax_key() -> None:
    jax = pytest.importorskip("jax")
    a = lecun_normal(SHAPE, rng=jax.random.PRNGKey(1), xp=jax.numpy)
    b = lecun_normal(SHAPE, rng=jax.random.key(1), xp=jax.numpy)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(TypeError, match="single JAX PRNG key"):
        lecun_normal(SHAPE, rng=jax.random.split(jax.random.key(1), 2), xp=jax.numpy)


def test_jax_key_under_jit() -> None:
    jax = pytest.importorskip("jax")

    @jax.jit
    def init(key: Any) -> Any:
        return lecun_normal(SHAPE, rng=key, xp=jax.numpy)

    key = jax.random.key(8)
    np.testing.assert_array_equal(
        np.asarray(init(key)), np.asarray(lecun_normal(SHAPE, rng=key, xp=jax.numpy))
    )


def foreign_generators(backend: Backend) -> list[Any]:
    """Generators of the other installed libraries than `backend`'s."""
    mine = backend.module.split(".")[0]
    found: list[Any] = []
    for other in BACKENDS:
        lib = other.module.split(".")[0]
        if lib == mine or other.skip_reason() is not None:
            continue
        gen = own_generator(other, 0)
        if gen is not None and not any(type(g) is type(gen) for g in found):
            found.append(gen)
    return found


def test_generator_of_another_backend_is_refused(backend: Backend) -> None:
    gens = foreign_generators(backend)
    assert gens  # torch and jax are installed in the test environment
    x = backend.asarray(np.zeros((4, 3)), "float32")
    for gen in gens:
        with pytest.raises(TypeError, match="as rng, but the output is an array of"):
            lecun_normal((4, 3), rng=gen, xp=backend.xp, device=backend.device)
        with pytest.raises(TypeError, match="as rng, but the output is an array of"):
            alpha_dropout(x, 0.5, rng=gen)


def test_generator_on_another_device_is_refused() -> None:
    torch = pytest.importorskip("torch")
    gen = torch.Generator(device="cpu")
    with pytest.raises(
        TypeError, match="on device cpu, but the output is on device meta"
    ):
        lecun_normal((4, 3), rng=gen, xp=torch, device="meta")
    with pytest.raises(TypeError, match="device"):
        alpha_dropout(torch.zeros(4, 3, device="meta"), 0.5, rng=gen)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fresh_entropy_on_a_device_without_generators(dtype: str) -> None:
    """torch's meta device has no Generator objects; rng=None still works there
    and gives meta arrays of the asked shape and dtype."""
    torch = pytest.importorskip("torch")
    dt = getattr(torch, dtype)
    w = lecun_normal((4, 3), xp=torch, device="meta", dtype=dt)
    assert (w.device.type, w.shape, w.dtype) == ("meta", (4, 3), dt)
    y = alpha_dropout(torch.zeros(4, 3, device="meta", dtype=dt), 0.5)
    assert (y.device.type, y.shape, y.dtype) == ("meta", (4, 3), dt)


def test_dask_generator_is_refused() -> None:
    da = pytest.importorskip("dask.array")
    with pytest.raises(TypeError, match="rng"):
        lecun_normal((4, 3), rng=da.random.default_rng(0), xp=da)


@pytest.mark.parametrize(
    "rng", ["0", 1.5, True, [1, 2], np.random.RandomState(0)], ids=repr
)
def test_unknown_rng_is_refused(rng: object) -> None:
    with pytest.raises(TypeError, match="expects rng to be None, an int"):
        lecun_normal((4, 3), rng=rng)
    with pytest.raises(TypeError, match="expects rng to be None, an int"):
        alpha_dropout(np.zeros(3), 0.5, rng=rng)


def test_negative_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot seed"):
        lecun_normal((4, 3), rng=-1)


@pytest.mark.parametrize("library", list(GENERATORS))
def test_a_generator_library_draws_in_its_backend_module(library: str) -> None:
    """A library's generator is its backend module's (one place to add one),
    and the message that lists what rng accepts names it."""
    pytest.importorskip(library)
    backend = importlib.import_module(f"selu_xp._backends.{library}")
    assert callable(backend.native_source)
    assert callable(backend.fresh_source)
    assert backend.native_source(object(), np, None, "f") is None
    with pytest.raises(TypeError, match="expects rng to be") as info:
        lecun_normal((4, 3), rng=object())
    assert GENERATORS[library] in str(info.value)


def test_an_unknown_rng_imports_no_library() -> None:
    """Generators are recognised among the libraries already imported only."""
    code = (
        "import sys, numpy as np, selu_xp\n"
        "try:\n"
        "    selu_xp.alpha_dropout(np.zeros(3), 0.5, rng='0')\n"
        "except TypeError:\n"
        "    pass\n"
        "print(sorted(set(sys.modules) & {'torch', 'jax', 'tensorflow', 'cupy'}))"
    )
    done = run_python("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
