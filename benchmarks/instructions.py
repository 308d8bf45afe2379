"""Instructions per element: the compiled kernel at each dispatch level
against torch's CPU kernel, counted by ``valgrind --tool=callgrind``.

Instruction counts do not move with the machine's load, unlike times.  Each
figure counts only the instructions executed inside one function and what it
calls (callgrind's ``--toggle-collect``): the ufunc loop for the kernel
(``sx_loop_f32`` or ``sx_loop_f64``), ``at::native::selu`` for torch, over
`CALLS` calls on the same 10^6-element input, divided by ``CALLS * 10^6``.
The counts are then the same from run to run (a difference of whole-program
counts is not: start-up varies by millions of instructions).  valgrind does
not emulate AVX-512: the AVX-512 level cannot be counted under it, and torch
picks its AVX2 kernel there.

    python -m benchmarks.instructions   # writes results/instructions.{json,md}
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
# The targets: instructions per element of the kernel at the AVX2 level.
TARGETS = {"float32": 14.0, "float64": 24.0}
N = 10**6
CALLS = 5
_PROGRAM = """
import sys
import numpy as np
what, dtype, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
x = np.random.default_rng(0).standard_normal({n}).astype(dtype)
if what == "torch":
    import torch
    torch.set_num_threads(1)
    t = torch.from_numpy(x)
    f = torch.nn.functional.selu
    for _ in range(calls):
        f(t)
else:
    import selu_xp
    from selu_xp._kernels import _ufunc
    from selu_xp._backends.numpy import kernel_ufunc
    selu_xp.set_num_threads(1)  # every part on this thread, where it is counted
    _ufunc.set_level(what)
    f = kernel_ufunc("selu")
    out = np.empty_like(x)
    for _ in range(calls):
        f(x, out=out)
"""


def _function(what: str, dtype: str) -> str:
    """The function whose instructions are counted."""
    if what == "torch":
        return "at::native::selu*"
    return "sx_loop_f32" if dtype == "float32" else "sx_loop_f64"


def per_element(program: Path, what: str, dtype: str) -> float:
    """Instructions per element of one call, counted inside the kernel."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/out",
                f"--toggle-collect={_function(what, dtype)}",
                sys.executable,
                str(program),
                what,
                dtype,
                str(CALLS),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    for line in done.stderr.splitlines():
        if "Collected" in line:
            return int(line.split()[-1].replace(",", "")) / (CALLS * N)
    msg = f"no instruction count in valgrind's output: {done.stderr[-500:]}"
    raise RuntimeError(msg)


def run() -> dict[str, Any]:
    from selu_xp._kernels import _ufunc

    levels = [lvl for lvl in _ufunc.levels() if lvl != "avx512"]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp) / "program.py"
        program.write_text(_PROGRAM.format(n=N))
        for dtype in ("float32", "float64"):
            for what in [*levels, "torch"]:
                try:
                    value: float | None = per_element(program, what, dtype)
                    note = ""
                except (subprocess.CalledProcessError, RuntimeError) as error:
                    value, note = None, str(error)[:200]
                label = (
                    f"selu_xp kernel, {what}"
                    if what != "torch"
                    else ("torch.nn.functional.selu, 1 thread")
                )
                rows.append(
                    {"what": label, "dtype": dtype, "per_element": value, "note": note}
                )
                print(f"{label:40s} {dtype}: {value}", flush=True)
    return {
        "elements": N,
        "calls": CALLS,
        "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "not_counted": "avx512 (valgrind does not emulate AVX-512)",
        "rows": rows,
    }


def markdown(record: dict[str, Any]) -> str:
    lines = [
        "| kernel | dtype | instructions per element | target |",
        "| --- | --- | ---: | --- |",
    ]
    for r in record["rows"]:
        v = r["per_element"]
        target = ""
        if r["what"] == "selu_xp kernel, avx2":
            limit = TARGETS[r["dtype"]]
            verdict = "not measured" if v is None else "met" if v <= limit else "missed"
            target = f"<= {limit:g}: {verdict}"
        lines.append(
            f"| {r['what']} | {r['dtype']} | {'—' if v is None else f'{v:.1f}'} "
            f"| {target} |"
        )
    lines.append("")
    lines.append(
        f"Counted by callgrind on {record['elements']:.0e} standard-normal "
        f"elements, inside the kernel's function over {record['calls']} calls; "
        f"not counted: {record['not_counted']}."
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    """Count, print and save the instructions per element."""
    from benchmarks.facts import save

    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    record = run()
    save("instructions", record, markdown(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
