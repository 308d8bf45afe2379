"""The suite's options and what a run records beside pytest-benchmark's numbers.

pytest-benchmark calibrates, repeats, times and summarizes each case, and
records the machine and the commit; this file chooses the cases (backends,
dtypes, sizes) and adds what it does not know: the versions of the backends,
their thread settings and GPUs, the cases skipped and the errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.backends import CASES, resolve
from benchmarks.facts import versions
from benchmarks.targets import format_size

SETTINGS = pytest.StashKey[dict[str, Any]]()
# Environment variables that change how many threads a library uses.
_THREAD_VARIABLES = (
    *("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "XLA_FLAGS"),
    *("XLA_PYTHON_CLIENT_PREALLOCATE", "DASK_NUM_WORKERS"),
)


def _count(text: str) -> int:
    try:
        n = round(float(text))
    except ValueError:
        n = 0
    if n < 1:
        msg = f"expected a positive element count such as 1e6, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return n


def _sizes(text: str) -> list[int]:
    return sorted({_count(s) for s in text.split(",") if s.strip()})


def _names(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("selu_xp", "selu_xp benchmark suite")
    add = group.addoption
    add("--sizes", type=_sizes, default=_sizes("1e3,1e4,1e5,1e6,1e7"), help="1e3..1e7")
    add("--large", action="store_true", help="also 1e8 elements")
    add("--dtypes", type=_names, default=["float32", "float64"], help="float32,float64")
    add("--backends", type=_names, default=None, help="families or ids (default all)")
    add("--cases", type=_names, default=None, help=f"among {', '.join(CASES)}")
    add(
        "--threads",
        type=int,
        default=None,
        help="torch.set_num_threads(N) and selu_xp.set_num_threads(N)",
    )
    add(
        "--level",
        default=None,
        help="force the kernel's dispatch level (baseline, avx2, avx512) and "
        "torch's ATEN_CPU_CAPABILITY (default, avx2, avx512) to match",
    )
    add("--dask-chunk", type=_count, default=10**7, help="elements (1e7)")
    add("--seed", type=int, default=0, help="seed of the standard-normal input")


def pytest_configure(config: pytest.Config) -> None:
    opt = config.option
    if not hasattr(opt, "dask_chunk"):  # pytest run elsewhere, this file not initial
        return
    sizes = sorted({*opt.sizes, *([10**8] if opt.large else [])})
    bad = sorted({*opt.dtypes} - {"float32", "float64"})
    if bad:
        msg = f"--dtypes takes float32 and float64, got {', '.join(bad)}"
        raise pytest.UsageError(msg)
    unknown = sorted(set(opt.cases or []) - set(CASES))
    if unknown:
        msg = f"--cases got {', '.join(unknown)}; the cases are {', '.join(CASES)}"
        raise pytest.UsageError(msg)
    # JAX would otherwise reserve most of a GPU's memory for itself.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if opt.level is not None:
        _force_level(opt.level)
    if opt.threads is not None:
        import selu_xp

        selu_xp.set_num_threads(opt.threads)
    try:
        backends, skipped = resolve(opt.backends)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    families = {b.family for b in backends}
    if "jax" in families:  # float64 stays float64
        import jax

        jax.config.update("jax_enable_x64", True)
    if "torch" in families and opt.threads is not None:
        import torch

        torch.set_num_threads(opt.threads)
    config.stash[SETTINGS] = {
        "sizes": sizes,
        "dtypes": opt.dtypes,
        "backends": [b.id for b in backends],
        "cases": opt.cases,
        "dask_chunk": opt.dask_chunk,
        "seed": opt.seed,
        "argv": [
            str(a)
            for a in config.invocation_params.args
            if not str(a).startswith("--benchmark-json")
        ],
        "_backends": {b.id: b for b in backends},
        "skipped": [list(s) for s in skipped],
        "errors": [],
    }


_TORCH_CAPABILITY = {"baseline": "default", "avx2": "avx2", "avx512": "avx512"}


def _force_level(level: str) -> None:
    """The kernel at `level`, and torch (not imported yet) at the same one."""
    if level not in _TORCH_CAPABILITY:
        msg = f"--level takes {', '.join(_TORCH_CAPABILITY)}, got {level!r}"
        raise pytest.UsageError(msg)
    if "torch" in sys.modules:
        msg = "--level must be set before torch is imported"
        raise pytest.UsageError(msg)
    os.environ["ATEN_CPU_CAPABILITY"] = _TORCH_CAPABILITY[level]
    from selu_xp._kernels import _ufunc

    try:
        _ufunc.set_level(level)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per dtype, size, backend and case, in that order: the cases of
    one backend run one after another on the same input."""
    if "run" not in metafunc.fixturenames or SETTINGS not in metafunc.config.stash:
        return
    s = metafunc.config.stash[SETTINGS]
    probe = np.zeros(8)
    names = {}
    for b in s["_backends"].values():  # the names of its cases, from a tiny input
        cases = b.cases(b.prepare(probe, 8), probe)
        names[b.id] = [c.name for c in cases if not s["cases"] or c.name in s["cases"]]
    params = [
        pytest.param((b, dtype, n, case), id=f"{dtype}-{format_size(n)}-{b}-{case}")
        for dtype in s["dtypes"]
        for n in s["sizes"]
        for b in s["backends"]
        for case in names[b]
    ]
    metafunc.parametrize("run", params)


@pytest.fixture
def settings(pytestconfig: pytest.Config) -> dict[str, Any]:
    """The run's settings, and its backends by id under ``_backends``."""
    return pytestconfig.stash[SETTINGS]


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """Record a case that raised (pytest reports it as a failure too)."""
    if call.when == "call" and call.excinfo and call.excinfo.errisinstance(Exception):
        error = {"case": item.name, "error": call.excinfo.exconly()}
        item.config.stash[SETTINGS]["errors"].append(error)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if SETTINGS in config.stash:
        for backend_id, reason in config.stash[SETTINGS]["skipped"]:
            terminalreporter.write_line(f"skipped {backend_id}: {reason}")


def _gpus(backend_ids: list[str]) -> dict[str, str]:
    names = {}
    if "torch-cuda" in backend_ids:
        names["torch-cuda"] = str(sys.modules["torch"].cuda.get_device_name(0))
    if "cupy" in backend_ids:
        cp = sys.modules["cupy"]
        name = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)["name"]
        names["cupy"] = name.decode() if isinstance(name, bytes) else str(name)
    if "jax-gpu" in backend_ids:
        names["jax-gpu"] = str(sys.modules["jax"].devices("gpu")[0].device_kind)
    return names


def _selu_xp_threads() -> int:
    import selu_xp

    return selu_xp.get_num_threads()


def _levels(torch: Any) -> dict[str, Any]:
    """The kernel's dispatch level and torch's CPU capability in this run."""
    from selu_xp._backends.numpy import kernel_module

    module = kernel_module()
    return {
        "selu_xp": None if module is None else module.get_level(),
        "torch": None if torch is None else torch.backends.cpu.get_cpu_capability(),
    }


def pytest_benchmark_update_json(
    config: pytest.Config, benchmarks: Any, output_json: dict[str, Any]
) -> None:
    """Add the suite's own facts to pytest-benchmark's JSON, under ``selu_xp``."""
    settings = {k: v for k, v in config.stash[SETTINGS].items() if k != "_backends"}
    torch = sys.modules.get("torch")
    output_json["selu_xp"] = {
        "path": str(Path(sys.modules["selu_xp"].__file__ or "").parent),
        "versions": versions(),
        "threads": {
            "requested": config.option.threads,
            "torch_threads": None if torch is None else torch.get_num_threads(),
            "selu_xp_threads": _selu_xp_threads(),
            "environment": {
                k: v
                for k, v in sorted(os.environ.items())
                if k in _THREAD_VARIABLES or k.startswith("SELU_XP_")
            },
        },
        "gpus": _gpus(settings["backends"]),
        "levels": _levels(torch),
        "cases": CASES,
        "skipped": settings.pop("skipped"),
        "errors": settings.pop("errors"),
        "settings": settings,
    }
