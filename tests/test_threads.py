"""Eight threads at once: mixed backends, functions and paths on shared inputs.

Every result must have the bits that the same call gave on one thread
beforehand, the shared inputs must come out unchanged, and nothing may warn.
Threads that run inside ``force_generic()`` are mixed with threads that run
the fast paths: the setting is local to its thread, while the count of open
blocks that makes the fast threads skip the quick entry is not, so those
threads switch between the quick entry and the long way as they go.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

import selu_xp
from selu_xp import force_generic
from selu_xp._backends import numpy as numpy_backend
from selu_xp._family import NAMES

from ._backends import BACKENDS, Backend, active, array_namespace, device

THREADS = 8
ITERATIONS = 3
ACTIVATIONS = NAMES
SPECIAL = [-np.inf, -1000.0, -50.0, -1.0, -1e-30, -0.0, 0.0, 1e-30, 1.0, 1e30, np.inf]


@dataclass(frozen=True)
class Job:
    """One call on one backend, on the fast path or inside force_generic()."""

    label: str
    backend: Backend
    generic: bool
    call: Callable[[], Any]

    def run(self) -> np.ndarray:
        with active(self.backend):
            with force_generic() if self.generic else _no_block():
                y = self.call()
            # Converted outside the block, so that the fast threads also get
            # moments with no block open (Dask's graph is already built).
            return self.backend.to_numpy(y)


@contextlib.contextmanager
def _no_block() -> Iterator[None]:
    # Not force_generic(False): any open block turns the quick entry off.
    yield


def _values(n: int, seed: int) -> np.ndarray:
    """`n` values over [-20, 10] with the special values scattered in."""
    x = np.random.default_rng(seed).uniform(-20.0, 10.0, n)
    x[:: max(1, n // 40)][: len(SPECIAL)] = SPECIAL
    x[1] = np.nan
    return x


def _bits(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.view(f"u{a.itemsize}")


def _check_same_bits(got: np.ndarray, want: np.ndarray, label: str) -> None:
    assert got.dtype == want.dtype, label
    assert got.shape == want.shape, label
    np.testing.assert_array_equal(_bits(got), _bits(want), err_msg=label)


def _run_together(
    work: list[list[Job]],
) -> tuple[list[list[tuple[Job, np.ndarray]]], list[BaseException]]:
    """Run each thread's jobs `ITERATIONS` times, all threads released at once."""
    barrier = threading.Barrier(len(work))
    results: list[list[tuple[Job, np.ndarray]]] = [[] for _ in work]
    errors: list[BaseException] = []

    def thread(t: int) -> None:
        try:
            barrier.wait()
            for _ in range(ITERATIONS):
                results[t].extend((job, job.run()) for job in work[t])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=thread, args=(t,)) for t in range(len(work))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results, errors


def _assert_concurrent_runs_match(work: list[list[Job]]) -> None:
    jobs = {job.label: job for jobs in work for job in jobs}
    expected = {label: job.run() for label, job in jobs.items()}  # one thread
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results, errors = _run_together(work)
    if errors:
        raise errors[0]
    assert [str(w.message) for w in caught] == []
    for t, done in enumerate(results):
        assert len(done) == ITERATIONS * len(work[t])
        for job, got in done:
            _check_same_bits(got, expected[job.label], f"thread {t}: {job.label}")


def _usable_backends() -> list[Backend]:
    return [b for b in BACKENDS if b.skip_reason() is None]


def _spread(jobs: list[Job]) -> list[list[Job]]:
    """Even threads take fast jobs, odd threads generic ones: each job runs in
    two threads, which start it at different points of their lists."""
    work = []
    for t in range(THREADS):
        mine = [job for job in jobs if job.generic == bool(t % 2)]
        q = t // 2  # 0 to 3 among the threads of the same path
        half = mine[q % 2 :: 2]
        k = (q // 2) * len(half) // 2
        work.append(half[k:] + half[:k])
    return work


FUNCTIONS = [*ACTIVATIONS, "alpha_dropout", "lecun_normal"]


def _call(name: str, x: Any, seed: int) -> Callable[[], Any]:
    """A call of `name` on the shared input `x` (lecun_normal: in its namespace,
    device and dtype), random ones with an explicit seed."""
    if name == "alpha_dropout":
        return lambda: selu_xp.alpha_dropout(x, 0.25, rng=seed)
    if name == "lecun_normal":
        ns = array_namespace(x)
        return lambda: selu_xp.lecun_normal(
            (12, 5), xp=ns, device=device(x), dtype=x.dtype, rng=seed
        )
    f = getattr(selu_xp, name)
    return lambda: f(x)


def test_mixed_backends_functions_and_paths() -> None:
    inputs: list[tuple[Backend, Any, np.ndarray]] = []
    jobs: list[Job] = []
    for i, backend in enumerate(_usable_backends()):
        dtypes = [dt for dt in ("float32", "float64") if dt in backend.dtypes()]
        for k, dtype in enumerate(dtypes):
            source = _values(300, 10 * i + k).astype(dtype)
            with active(backend):
                x = backend.asarray(source, dtype)
            inputs.append((backend, x, source))
            for m, name in enumerate(FUNCTIONS):
                # NumPy and PyTorch run every function in both dtypes (their
                # fast paths differ by dtype); the others, slower (Dask builds
                # a graph for each operation of the generic path), alternate.
                alternate = backend.module not in ("numpy", "torch")
                if alternate and len(dtypes) > 1 and (m + i) % 2 != k:
                    continue
                call = _call(name, x, seed=100 * i + 10 * k + m)
                for generic, path in ((False, "fast"), (True, "generic")):
                    label = f"{backend}-{dtype}-{name}-{path}"
                    jobs.append(Job(label, backend, generic, call))
    versions = [getattr(x, "_version", None) for _, x, _ in inputs]
    _assert_concurrent_runs_match(_spread(jobs))
    for (backend, x, source), version in zip(inputs, versions, strict=True):
        label = f"the {source.dtype} input of {backend}"
        _check_same_bits(backend.to_numpy(x), source, label)
        assert getattr(x, "_version", None) == version, f"{label} was written to"


def test_numpy_split_over_threads_under_concurrency() -> None:
    """Arrays of PARALLEL_MIN elements or more are cut into parts computed by
    the kernel's thread pool; eight callers share that pool at once (a call
    that finds it busy computes on its own thread)."""
    n = numpy_backend.PARALLEL_MIN + 3
    sources = {
        "float32": _values(n, 1).astype(np.float32),
        "float64": _values(2 * n, 2).reshape(2, n, order="F"),
    }
    small = _values(1000, 3)
    inputs = {dtype: a.copy(order="K") for dtype, a in sources.items()}
    for a in [*inputs.values(), small]:
        a.flags.writeable = False  # a write would raise, not pass unseen
    backend = next(b for b in BACKENDS if b.id == "numpy")
    jobs = []
    for name in ACTIVATIONS:
        f = getattr(selu_xp, name)
        for dtype, x in inputs.items():
            whole = numpy_backend.kernel_ufunc(name)(x)
            _check_same_bits(f(x), whole, f"{name} {dtype}: split against whole")
            jobs.append(Job(f"{dtype}-{name}", backend, False, _plain(f, x)))
            jobs.append(Job(f"{dtype}-{name}-out", backend, False, _into_new(f, x)))
        # The generic threads are there to open and close force_generic()
        # blocks, which sends the fast threads from the quick entry to the
        # long way and back (both split); a small input keeps them quick.
        jobs.append(Job(f"small-{name}-generic", backend, True, _plain(f, small)))
    with selu_xp.num_threads(4):
        _assert_concurrent_runs_match(_spread(jobs))
    for dtype, x in inputs.items():
        _check_same_bits(x, sources[dtype], f"the {dtype} input")


def _plain(f: Callable[..., Any], x: np.ndarray) -> Callable[[], Any]:
    return lambda: f(x)


def _into_new(f: Callable[..., Any], x: np.ndarray) -> Callable[[], Any]:
    """``f(x, out=...)`` into a fresh array of the calling thread's own."""
    return lambda: f(x, out=np.empty_like(x))
