"""The stamp the measurements carry: the machine and the versions; and what
the measurements share: the result files, the alternating blocks of timed
calls, the runs in fresh processes.

The timing suite takes the machine and the commit from pytest-benchmark; the
accuracy, rounding and scale measurements (which are not timed by it) take
them from here, and every result file takes the versions from here.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "BLOCKS",
    "RESULTS",
    "alternating_blocks",
    "fresh_json",
    "machine",
    "save",
    "versions",
]

RESULTS = Path(__file__).parent / "results"
"""Where the recorded results live, beside the suite."""

FEATURES = ("avx2", "avx512f", "fma", "neon", "asimd")


def _proc(name: str) -> dict[str, str]:
    """The first block of ``/proc/<name>`` as keys and values (empty elsewhere)."""
    try:
        block = Path("/proc", name).read_text().split("\n\n")[0]
    except OSError:
        return {}
    pairs = (line.partition(":") for line in block.splitlines())
    return {k.strip(): v.strip() for k, _, v in pairs}


def machine() -> dict[str, Any]:
    """The date, CPU model and SIMD features, cores, memory, OS and Python."""
    cpu = _proc("cpuinfo")
    memory = _proc("meminfo").get("MemTotal", "")
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat("T", "seconds"),
        "cpu": cpu.get("model name") or platform.processor() or platform.machine(),
        "cpu_features": sorted(set(cpu.get("flags", "").split()) & set(FEATURES)),
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory.split()[0]) / 2**20, 1) if memory else None,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    """Versions of selu_xp, of the backends this process imported, and of the
    array-API packages installed."""
    found = {
        name: str(sys.modules[name].__version__)
        for name in ("selu_xp", "numpy", "torch", "jax", "jaxlib", "dask", "cupy")
        if hasattr(sys.modules.get(name), "__version__")
    }
    for dist in ("array-api-compat", "array-api-strict", "array-api-extra"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[dist] = importlib.metadata.version(dist)
    return found


def save(stem: str, record: dict[str, Any], text: str) -> None:
    """Write `record` to ``results/<stem>.json`` and `text` to ``<stem>.md``."""
    (RESULTS / f"{stem}.json").write_text(json.dumps(record, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(text)


def fresh_json(code: str, env: Mapping[str, str] | None = None) -> Any:
    """The JSON value that Python `code` prints on its last line, run in a
    fresh process with `env` added to this one's environment.

    Raises
    ------
    subprocess.CalledProcessError
        If the process fails.
    """
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


BLOCKS = 3
"""The blocks of `alternating_blocks`."""


SETTLE = 0.02
"""Seconds of sleep before each block of `alternating_blocks`."""


def alternating_blocks(
    cases: dict[str, Callable[[], Any]], calls: int, blocks: int = BLOCKS
) -> Iterator[tuple[str, Callable[[], Any]]]:
    """Each case `calls` times, in `blocks` blocks of calls in a row, the
    cases' blocks alternating.

    Call by call alternation would time each library with the other's
    threads still spinning (torch's OpenMP threads, selu_xp's pool): on two
    cores they take the CPU that the second thread of the case timed needs.
    For the same reason each block starts after `SETTLE` seconds of sleep,
    longer than either library's threads spin before they sleep: a block of
    short calls would otherwise run while the previous block's threads
    still spin.
    """
    for block in range(blocks):
        for name, f in cases.items():
            time.sleep(SETTLE)
            for _ in range(calls // blocks + (block < calls % blocks)):
                yield name, f
