"""Facts about the machine, the software and the thread settings of a run."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["gpu_facts", "machine_facts", "thread_facts", "versions"]

# Environment variables that change how many threads a library uses.
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "XLA_FLAGS",
    "XLA_PYTHON_CLIENT_PREALLOCATE",
    "DASK_NUM_WORKERS",
)


def _cpuinfo() -> dict[str, str]:
    """The first processor's block of /proc/cpuinfo (empty where absent)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    facts: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if facts:
                break
            continue
        key, _, value = line.partition(":")
        facts.setdefault(key.strip(), value.strip())
    return facts


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        return None
    return None


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[1]
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def machine_facts() -> dict[str, Any]:
    """CPU model and features, cores, memory, OS, Python and the date."""
    cpu = _cpuinfo()
    flags = set(cpu.get("flags", "").split())
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "cpu": cpu.get("model name") or platform.processor() or platform.machine(),
        "cpu_features": sorted(flags & {"avx2", "avx512f", "fma", "neon", "asimd"}),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "selu_xp_commit": _git_commit(),
    }


def versions() -> dict[str, str]:
    """Versions of selu_xp and of every backend this process imported."""
    found: dict[str, str] = {}
    for module in ("selu_xp", "numpy", "torch", "jax", "jaxlib", "dask", "cupy"):
        mod = sys.modules.get(module)
        if mod is not None and hasattr(mod, "__version__"):
            found[module] = str(mod.__version__)
    for dist in ("array-api-compat", "array-api-strict", "array-api-extra"):
        version = _distribution_version(dist)
        if version is not None:
            found[dist] = version
    return found


def _distribution_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def thread_facts(requested: int | None) -> dict[str, Any]:
    """The thread settings in force, as far as each library tells them."""
    facts: dict[str, Any] = {"requested": requested}
    torch = sys.modules.get("torch")
    if torch is not None:
        facts["torch_threads"] = torch.get_num_threads()
        facts["torch_interop_threads"] = torch.get_num_interop_threads()
    if "jax" in sys.modules:
        facts["jax"] = (
            "XLA's CPU client sizes its own thread pool at start-up; it cannot "
            "be changed after import (XLA_FLAGS below, if set, is what it read)"
        )
    dask_system = sys.modules.get("dask.system")
    if dask_system is not None:
        facts["dask"] = f"threaded scheduler, {dask_system.CPU_COUNT} workers"
    facts["numpy"] = (
        "NumPy ufuncs run on the calling thread; the selu_xp fast path may use "
        "its own threads (see its documentation)"
    )
    facts["environment"] = {
        k: os.environ[k]
        for k in sorted(os.environ)
        if k in _THREAD_VARIABLES or k.startswith("SELU_XP_")
    }
    return facts


def gpu_facts(backend_ids: list[str]) -> dict[str, str]:
    """The name of the GPU each GPU backend ran on."""
    names: dict[str, str] = {}
    if "torch-cuda" in backend_ids:
        torch = sys.modules["torch"]
        names["torch-cuda"] = str(torch.cuda.get_device_name(0))
    if "cupy" in backend_ids:
        cp = sys.modules["cupy"]
        props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
        name = props.get("name", b"")
        names["cupy"] = name.decode() if isinstance(name, bytes) else str(name)
    if "jax-gpu" in backend_ids:
        jax = sys.modules["jax"]
        names["jax-gpu"] = str(jax.devices("gpu")[0].device_kind)
    return names
