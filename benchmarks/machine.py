"""Facts about the machine, the software and the thread settings of a run."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["CpuMeter", "gpu_facts", "machine_facts", "thread_facts", "versions"]

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


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _selu_xp_source() -> tuple[str | None, str | None]:
    """Where the imported selu_xp lives, and its git commit if it is a checkout."""
    import selu_xp

    package = Path(selu_xp.__file__).resolve().parent
    root = package.parent
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != root:
        return str(package), None  # an installed copy, not a checkout
    return str(package), _git(root, "describe", "--always", "--dirty")


def machine_facts() -> dict[str, Any]:
    """CPU model and features, cores, memory, OS, Python and the date."""
    cpu = _cpuinfo()
    path, commit = _selu_xp_source()
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
        "selu_xp_path": path,
        "selu_xp_commit": commit,
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


def _proc_stat() -> tuple[float, float] | None:
    """Seconds of busy and of stolen CPU time since boot, all cores together."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    ticks = [int(v) for v in fields[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (ticks + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / hz, steal / hz


class CpuMeter:
    """How busy the machine was with work other than this process.

    Other programs running at the same time inflate the timings; this reads
    /proc/stat and this process's own CPU time to tell how many cores, on
    average, went to other work (and how much time the hypervisor stole)
    since the last reading.  Where /proc/stat is missing it reports None.
    """

    def __init__(self) -> None:
        self._last = self._now()

    @staticmethod
    def _now() -> tuple[float, tuple[float, float] | None, float]:
        own = os.times()
        return time.perf_counter(), _proc_stat(), own.user + own.system

    def read(self) -> dict[str, float | None]:
        """Cores busy with other processes and cores stolen, since the last read."""
        (t0, stat0, own0), (t1, stat1, own1) = self._last, self._now()
        self._last = (t1, stat1, own1)
        wall = t1 - t0
        if stat0 is None or stat1 is None or wall <= 0:
            return {"other_cores": None, "steal_cores": None, "wall_s": wall}
        busy = stat1[0] - stat0[0] - (own1 - own0)
        return {
            "other_cores": round(max(busy, 0.0) / wall, 3),
            "steal_cores": round((stat1[1] - stat0[1]) / wall, 3),
            "wall_s": round(wall, 3),
        }
