"""The recorded results files, read for the documentation (no Sphinx here).

Every figure that the Performance and GPU pages print comes from a file under
``benchmarks/results/``, read when the documentation is built:

* `performance_markdown` and `gpu_markdown` write the results sections of
  those two pages (the run's stamp, and per backend its targets, a plot of the
  ratio to the copy floor and one table per dtype); ``benchmark_page.py``
  puts them in place of ``<!-- results: performance -->`` and
  ``<!-- results: gpu -->``;
* `cite` gives one value of one JSON file as text, for a figure in a
  sentence.  On a page it is the ``result`` role::

      F.selu plus
      {result}`results.json targets[id=torch-overhead-float32].values[0].value us`

  which reads ``FILE PATH [FORMAT]``:

  ``FILE``
      a JSON file, relative to ``benchmarks/results/`` (``results.json``,
      ``gpu/results.json``, ``accuracy.json``, ``rounding.json``,
      ``instructions.json``, ``scale.json``);
  ``PATH``
      steps separated by dots: a key, ``[N]`` (the N-th item of a list), or
      ``[field=value,...]`` (the one item of a list of objects whose fields
      have these values; numbers compare as numbers, so ``size=1e3`` works);
  ``FORMAT``
      ``time`` (seconds, printed with a unit: ``2.74 µs``), ``us`` (a value
      in microseconds), ``ratio`` (``2.36`` and a multiplication sign),
      ``share`` (``40%``), ``size`` (``1e8``), ``int`` (``1,227``),
      ``date`` (the day of an ISO time), ``text``, or a format
      specification such as ``.3f``; by default the value as it is (three
      significant digits for a float).

  ``tests/test_docs_numbers.py`` resolves every reference on every page,
  so a path that no longer matches fails the tests as well as the build.

Nothing here imports Sphinx, so that the tests can run it without the docs
extra; the plot script (``docs/plots/benchmarks.py``) reads its series from
here too.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.facts import FEATURES
from benchmarks.report import PEERS, format_time
from benchmarks.targets import evaluate, format_size, level_of

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / "benchmarks" / "results"
NBSP = "\N{NO-BREAK SPACE}"
TIMES = "\N{MULTIPLICATION SIGN}"

# The runs the pages show: a key (the prefix of the plot functions) and the
# file, relative to RESULTS_DIR.
RUNS = {"cpu": "results.json", "gpu": "gpu/results.json"}

# Backends in the order the pages show them, with their titles.
TITLES = {
    "numpy": "NumPy",
    "torch-cpu": "PyTorch (CPU)",
    "jax-cpu": "JAX (CPU)",
    "dask": "Dask",
    "array_api_strict": "array-api-strict",
    "cupy": "CuPy",
    "torch-cuda": "PyTorch (CUDA)",
    "jax-gpu": "JAX (GPU)",
}

# selu_xp's own cases, as the tables' columns name them.
OWN_CASES = {
    "selu": "selu",
    "selu_out": "out=",
    "selu_eager": "eager",
    "selu_generic": "generic",
    "selu_persist": "persist()",
}


class ResultsError(ValueError):
    """A results file, or a reference into one, that cannot be used."""


# --- Reading -----------------------------------------------------------------


def read_json(name: str, results_dir: Path = RESULTS_DIR) -> Any:
    """The content of ``results_dir / name``, parsed once per file version."""
    path = results_dir / name
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        msg = f"{name} is not a file under benchmarks/results/ ({exc.strerror})."
        raise ResultsError(msg) from None
    return _parse(path, stamp)


@functools.lru_cache(maxsize=32)
def _parse(path: Path, stamp: int) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        msg = f"{path.name} is not valid JSON: {exc}."
        raise ResultsError(msg) from None


class Run:
    """One timing run: its meta, its records and its targets.

    The targets are evaluated by ``benchmarks/targets.py`` from the records,
    as ``python -m benchmarks.report`` does, so that a run recorded before a
    target changed is read against the targets of today.
    """

    def __init__(self, doc: Any, name: str) -> None:
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
            msg = f"{name} has no list of records under 'results'."
            raise ResultsError(msg)
        fields = ("backend", "dtype", "size", "case", "median_s")
        self.name = name
        self.meta: dict[str, Any] = doc.get("meta") or {}
        self.records: list[dict[str, Any]] = [
            r
            for r in doc["results"]
            if isinstance(r, dict)
            and all(r.get(k) is not None for k in fields)
            and _is_number(r["median_s"])
            and r["median_s"] > 0
        ]
        if not self.records:
            msg = f"no record of {name} has a backend, dtype, size, case and median_s."
            raise ResultsError(msg)
        self.index = {
            (r["backend"], r["dtype"], r["size"], r["case"]): r for r in self.records
        }
        self.targets: list[dict[str, Any]] = evaluate(self.records, level_of(self.meta))

    @classmethod
    def load(cls, key: str, results_dir: Path = RESULTS_DIR) -> Run:
        """The run of `RUNS` [key]."""
        return cls(read_json(RUNS[key], results_dir), RUNS[key])

    @property
    def backends(self) -> list[str]:
        found = dict.fromkeys(r["backend"] for r in self.records)
        return [b for b in TITLES if b in found] + [b for b in found if b not in TITLES]

    def dtypes(self, backend: str) -> list[str]:
        return sorted({r["dtype"] for r in self.records if r["backend"] == backend})

    def sizes(self, backend: str, dtype: str) -> list[int]:
        return sorted(
            {
                r["size"]
                for r in self.records
                if r["backend"] == backend and r["dtype"] == dtype
            }
        )

    def median(self, backend: str, dtype: str, size: int, case: str) -> float | None:
        r = self.index.get((backend, dtype, size, case))
        return None if r is None else float(r["median_s"])

    def peers(self, backend: str) -> list[tuple[str, str, str]]:
        """(short label, backend of its records, case) of each peer that the
        run measured, the naive one-liner first."""
        found = [("naive", backend, "naive")]
        for label, holder, case in PEERS.get(backend, []):
            found.append(
                (label.removesuffix(" CUDA").removesuffix(" GPU"), holder, case)
            )
        return [
            p for p in found if any(k[0] == p[1] and k[3] == p[2] for k in self.index)
        ]


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


# --- One value, for a sentence -------------------------------------------------

_STEP = re.compile(r"\[[^\]]*\]|[^.\[\]]+")


def lookup(name: str, path: str, results_dir: Path = RESULTS_DIR) -> Any:
    """The value at `path` in the JSON file `name` (see the module's doc)."""
    value = read_json(name, results_dir)
    steps = _STEP.findall(path)
    rebuilt = "".join(
        s if s.startswith("[") or i == 0 else f".{s}" for i, s in enumerate(steps)
    )
    if not steps or rebuilt != path:
        msg = f"{path!r} is not a path: write steps like key.list[field=value].key."
        raise ResultsError(msg)
    where = name
    for step in steps:
        value = _step(value, step, where)
        where += step if step.startswith("[") else f".{step}"
    return value


def _step(value: Any, step: str, where: str) -> Any:
    if not step.startswith("["):
        if not isinstance(value, dict) or step not in value:
            keys = ", ".join(map(str, value)) if isinstance(value, dict) else "none"
            msg = f"{where} has no key {step!r} (its keys: {keys})."
            raise ResultsError(msg)
        return value[step]
    inner = step[1:-1].strip()
    if not isinstance(value, list):
        msg = f"{where} is not a list, so {step} selects nothing."
        raise ResultsError(msg)
    if re.fullmatch(r"-?\d+", inner):
        try:
            return value[int(inner)]
        except IndexError:
            msg = f"{where} has {len(value)} items, so {step} is out of range."
            raise ResultsError(msg) from None
    wanted = [part.partition("=") for part in inner.split(",")]
    if not inner or any(not sep for _, sep, _ in wanted):
        msg = f"{step} in {where}: write [N] or [field=value,...]."
        raise ResultsError(msg)
    found = [
        item
        for item in value
        if isinstance(item, dict)
        and all(_same(item.get(k.strip()), v.strip()) for k, _, v in wanted)
    ]
    if len(found) != 1:
        msg = f"{where}{step} matches {len(found)} items, not one."
        raise ResultsError(msg)
    return found[0]


def _same(value: Any, text: str) -> bool:
    if _is_number(value):
        try:
            return float(text) == value
        except ValueError:
            return False
    return str(value) == text


def format_value(value: Any, how: str | None = None) -> str:
    """`value` as the pages print it (the formats of the module's doc)."""
    if how is None:
        return f"{value:.3g}" if isinstance(value, float) else str(value)
    if how == "text":
        return str(value)
    if how == "date":
        return _day(str(value))
    formats = {
        "time": time,
        "us": lambda v: f"{v:.3g}{NBSP}µs",
        "ratio": lambda v: f"{v:.3g}{TIMES}",
        "share": lambda v: f"{v:.0%}",
        "size": lambda v: format_size(int(v)),
        "int": lambda v: f"{int(v):,}",
    }
    if not _is_number(value):
        msg = f"{value!r} is not a number, so it cannot be formatted as {how!r}."
        raise ResultsError(msg)
    if how in formats:
        return str(formats[how](value))
    try:
        return format(value, how)
    except ValueError:
        known = ", ".join([*formats, "date", "text"])
        msg = f"unknown format {how!r}: use one of {known}, or a format spec."
        raise ResultsError(msg) from None


def cite(reference: str, results_dir: Path = RESULTS_DIR) -> str:
    """The text of a ``FILE PATH [FORMAT]`` reference (see the module's doc)."""
    parts = reference.split()
    if len(parts) not in (2, 3):
        msg = (
            f"{reference!r}: write FILE PATH [FORMAT], "
            "e.g. 'results.json meta.machine.cpu'."
        )
        raise ResultsError(msg)
    value = lookup(parts[0], parts[1], results_dir)
    return format_value(value, parts[2] if len(parts) == 3 else None)


# --- Formatting ----------------------------------------------------------------


def time(seconds: float | None) -> str:
    """A duration with its unit, which the line never separates from it."""
    return format_time(seconds).replace(" ", NBSP)


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "—"
    return f"{a / b:.2f}{TIMES}"


def _day(iso: str) -> str:
    try:
        when = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return when.date().isoformat()


def _minute(iso: str | None) -> str:
    if not iso:
        return "not recorded"
    try:
        when = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.utcoffset() is not None:
        when = when.astimezone(datetime.timezone.utc)
        return when.strftime("%Y-%m-%d %H:%M UTC")
    return when.strftime("%Y-%m-%d %H:%M")


def _table(
    header: list[str], rows: Iterable[list[str]], text_columns: int = 1
) -> list[str]:
    """A Markdown table, its first `text_columns` left-aligned, the rest right."""
    align = ["---" if i < text_columns else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


# --- Git, for the provenance of the files ----------------------------------------


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *args],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def committed_in(name: str) -> tuple[str, str] | None:
    """(short hash, day) of the last commit that changed results file `name`,
    or None outside a git checkout."""
    out = _git("log", "-1", "--format=%h %cs", "--", f"benchmarks/results/{name}")
    if out is None:
        return None
    commit, _, day = out.partition(" ")
    return commit, day


def commits_since(commit: str, path: str = "selu_xp") -> int | None:
    """How many commits since `commit` changed `path`, or None if git cannot say."""
    out = _git("rev-list", "--count", f"{commit}..HEAD", "--", path)
    return int(out) if out is not None and out.isdigit() else None


# --- The stamp of a run -----------------------------------------------------------


def stamp(run: Run, title: str) -> list[str]:
    """The machine, the code, the libraries and the timer of `run`, as an
    admonition.  No path of the machine it ran on is printed."""
    meta = run.meta
    m = meta.get("machine") or {}
    lines = [f":::{{admonition}} {title}", ":class: note", ""]
    cores = m.get("cores")
    usable = m.get("cores_usable")
    machine = [str(m.get("cpu") or "CPU not recorded")]
    if cores is not None:
        machine.append(
            f"{cores} cores"
            + (f" ({usable} usable)" if usable not in (None, cores) else "")
        )
    if m.get("memory_gib"):
        machine.append(f"{m['memory_gib']}{NBSP}GiB of memory")
    if m.get("os"):
        machine.append(str(m["os"]))
    lines.append(f"- **Machine:** {', '.join(machine)}.")
    gpus: dict[str, str] = meta.get("gpus") or {}
    if gpus:
        names: dict[str, list[str]] = {}
        for backend, device in gpus.items():
            names.setdefault(str(device), []).append(backend)
        lines.append(
            "- **GPU:** "
            + "; ".join(f"{d} ({', '.join(b)})" for d, b in names.items())
            + "."
        )
    features = m.get("cpu_features")
    if features is not None:
        listed = ", ".join(features) or "none of them"
        lines.append(
            "- **CPU features** (of those the suite looks for: "
            f"{', '.join(FEATURES)}): {listed}. NumPy's own dispatch level "
            "(`numpy.show_runtime()`) "
            "is not recorded by the suite."
        )
    python = " ".join(
        str(v) for v in (m.get("python_implementation"), m.get("python")) if v
    )
    versions = ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items())
    lines.append(f"- **Python and libraries:** {python or 'Python'}; {versions}.")
    commit = m.get("selu_xp_commit")
    code = f"- **Measured:** {_minute(m.get('date'))}, "
    if commit:
        code += f"selu_xp at commit `{commit}`"
        since = commits_since(commit)
        if since:
            code += (
                f"; {since} commits have changed `selu_xp/` since "
                f"(`git log {commit}..HEAD -- selu_xp`)"
            )
        elif since == 0:
            code += "; `selu_xp/` has not changed since"
    else:
        code += "selu_xp's commit not recorded (it ran from a working tree)"
    lines.append(code + ".")
    recorded = committed_in(run.name)
    if recorded:
        lines.append(
            f"- **Recorded:** `benchmarks/results/{run.name}`, last changed in "
            f"commit `{recorded[0]}` ({recorded[1]})."
        )
    threads = meta.get("threads") or {}
    parts = []
    if threads.get("torch_threads") is not None:
        parts.append(f"torch {threads['torch_threads']} intra-op threads")
    if threads.get("dask"):
        parts.append(f"Dask: {threads['dask']}")
    env = threads.get("environment") or {}
    if env:
        parts.append("environment " + ", ".join(f"`{k}={v}`" for k, v in env.items()))
    if parts:
        lines.append(f"- **Threads:** {'; '.join(parts)}.")
    lines.append(f"- **Timing:** {_timing(meta.get('settings') or {})}.")
    load = meta.get("load")
    if isinstance(load, list) and load:
        other = [x["other_cores"] for x in load if _is_number(x.get("other_cores"))]
        if other:
            lines.append(
                f"- **Other programs:** {sum(other) / len(other):.2f} of "
                f"{cores} cores on average while it ran (at most {max(other):.2f})."
            )
    for backend, reason in meta.get("skipped") or []:
        lines.append(f"- **Not measured:** `{backend}`: {reason}.")
    errors = meta.get("errors") or []
    if errors:
        lines.append(
            f"- **Cases that raised:** {len(errors)} (in the file's `meta.errors`)."
        )
    lines += [":::", ""]
    return lines


def _timing(s: dict[str, Any]) -> str:
    t = s.get("timing")
    if isinstance(t, dict):
        return (
            f"pytest-benchmark {t.get('pytest-benchmark')}: the median of at least "
            f"{t.get('min_rounds')} rounds, each at least "
            f"{float(t.get('min_time', 0)) * 1e3:g}{NBSP}ms, after one untimed call"
        )
    if "repeat" in s:
        return (
            "the suite's earlier timer (before pytest-benchmark): the median of "
            f"{s['repeat']} samples, each at least "
            f"{float(s['min_time']) * 1e3:g}{NBSP}ms, "
            f"after {s['warmup']} untimed call"
        )
    return "not recorded"


# --- Targets, tables and plots per backend ------------------------------------------

# The backend a target belongs to, by the start of its id.
_TARGET_BACKENDS = {"torch-overhead": "torch-cpu"}


def target_backend(target_id: str) -> str | None:
    """The backend whose section lists the target `target_id`."""
    for start, backend in _TARGET_BACKENDS.items():
        if target_id.startswith(start + "-"):
            return backend
    for backend in sorted(TITLES, key=len, reverse=True):
        if target_id.startswith(backend + "-"):
            return backend
    return None


def _target_line(t: dict[str, Any]) -> str:
    op = {"<=": "≤", ">=": "≥", "<": "<"}[t["comparison"]]
    if t["unit"] == "share":
        limit = f"{op} {t['limit']:.0%}"
        values = [f"{v['value']:.0%} ({format_size(v['size'])})" for v in t["values"]]
    else:
        unit = {"x": TIMES, "us": f"{NBSP}µs"}[t["unit"]]
        limit = f"{op} {t['limit']:g}{unit}"
        values = [
            f"{v['value']:.3g}{unit} ({format_size(v['size'])})" for v in t["values"]
        ]
    verdict = {True: "met", False: "**missed**", None: "not measured"}[t["met"]]
    measured = f"; measured {', '.join(values)}" if values else ""
    note = f" ({t['note']})" if t["met"] is None and t.get("note") else ""
    return f"- {verdict}{note}: {t['target']}, {limit}{measured}."


def targets_markdown(run: Run, backend: str) -> list[str]:
    """The targets of `backend` that `run` measured, one bullet each."""
    mine = [
        t
        for t in run.targets
        if target_backend(t["id"]) == backend and t["met"] is not None
    ]
    if not mine:
        return []
    return ["Targets, evaluated from this run:", "", *map(_target_line, mine), ""]


def unmeasured_targets(run: Run) -> list[dict[str, Any]]:
    """The targets of backends that `run` has no record of."""
    return [
        t
        for t in run.targets
        if t["met"] is None and target_backend(t["id"]) not in run.backends
    ]


def table(run: Run, backend: str, dtype: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the table of `backend` in `dtype`: per size,
    selu_xp's own times, then its time divided by the copy floor's and by
    each peer's (below 1: selu_xp is faster)."""
    sizes = run.sizes(backend, dtype)
    own = [
        (case, label)
        for case, label in OWN_CASES.items()
        if any(run.median(backend, dtype, n, case) is not None for n in sizes)
    ]
    peers = run.peers(backend)
    chunked = any(
        (r := run.index.get((backend, dtype, n, "selu"))) and r.get("chunk")
        for n in sizes
    )
    header = ["n", *(label for _, label in own), f"{TIMES} copy"]
    header += [f"{TIMES} {label}" for label, _, _ in peers]
    if chunked:
        header.append("chunk")
    rows = []
    for n in sizes:
        fast = run.median(backend, dtype, n, "selu")
        row = [format_size(n)]
        row += [time(run.median(backend, dtype, n, case)) for case, _ in own]
        row.append(ratio(fast, run.median(backend, dtype, n, "copy")))
        row += [ratio(fast, run.median(h, dtype, n, c)) for _, h, c in peers]
        if chunked:
            rec = run.index.get((backend, dtype, n, "selu")) or {}
            row.append(format_size(rec["chunk"]) if rec.get("chunk") else "—")
        rows.append(row)
    return header, rows


def ratio_series(
    run: Run, backend: str
) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """Per dtype, per line of the plot: (size, time / the backend's copy floor)."""
    out: dict[str, dict[str, list[tuple[int, float]]]] = {}
    lines = [(OWN_CASES[c], backend, c) for c in OWN_CASES]
    lines += run.peers(backend)
    for dtype in run.dtypes(backend):
        series: dict[str, list[tuple[int, float]]] = {}
        for label, holder, case in lines:
            for n in run.sizes(backend, dtype):
                t = run.median(holder, dtype, n, case)
                floor = run.median(backend, dtype, n, "copy")
                if t is not None and floor:
                    series.setdefault(label, []).append((n, t / floor))
        out[dtype] = series
    return out


def plot_function(key: str, backend: str) -> str:
    """The name of the function of ``plots/benchmarks.py`` that draws `backend`."""
    return key + "_" + re.sub(r"\W", "_", backend)


def measured(run: Run) -> str:
    """When `run` was measured, and at which commit, for a caption."""
    m = run.meta.get("machine") or {}
    day = _day(str(m["date"])) if m.get("date") else "on a day not recorded"
    commit = m.get("selu_xp_commit")
    return f"measured {day}" + (
        f" at `{commit}`" if commit else ", selu_xp's commit not recorded"
    )


def backend_markdown(
    run: Run, key: str, backend: str, level: int, caveat: str = ""
) -> list[str]:
    """The section of one backend: targets, plot, one table per dtype, each
    figure and table captioned with when it was measured."""
    title = TITLES.get(backend, backend)
    when = measured(run) + caveat
    lines = [f"{'#' * level} {title}", "", *targets_markdown(run, backend)]
    lines += [
        "```{eval-rst}",
        f".. plot:: benchmarks.py {plot_function(key, backend)}",
        f"   :alt: {title}: time of each case divided by the copy floor's, "
        "against the number of elements, one panel per dtype.",
        f"   :caption: {title}: time over the copy floor ({when.replace('`', '``')}).",
        "```",
        "",
    ]
    for dtype in run.dtypes(backend):
        header, rows = table(run, backend, dtype)
        lines += [
            f":::{{table}} {title}, {dtype} ({when})",
            ":class: recorded-results",
            *_table(header, rows),
            ":::",
            "",
        ]
    return lines


TABLE_KEY = (
    "Times are medians per call, allocating the output except `out=`; "
    f"`{TIMES} copy` and `{TIMES}` a peer are selu_xp's `selu` time divided by "
    "the copy floor's and by the peer's at the same size (below 1: selu_xp is "
    f"faster); `n` is the number of elements. The plots divide every case by "
    "the copy floor (1: as fast as a copy)."
)


def run_markdown(
    run: Run, key: str, title: str, level: int, caveat: str = ""
) -> list[str]:
    """The stamp of `run`, then a section per backend; `caveat` ends the
    captions of its figures and tables."""
    lines = [*stamp(run, title), TABLE_KEY, ""]
    for backend in run.backends:
        lines += backend_markdown(run, key, backend, level, caveat)
    return lines


# --- The two pages ---------------------------------------------------------------

NO_RUN = """\
:::{{note}}
No benchmark results are recorded in this build of the documentation:
`benchmarks/results/{name}` does not exist. Run the suite as described below
and rebuild the documentation to see the tables and plots here.
:::
"""


def performance_markdown(results_dir: Path = RESULTS_DIR) -> str:
    """The results section of the Performance page, from ``results.json``."""
    if not (results_dir / RUNS["cpu"]).is_file():
        return NO_RUN.format(name=RUNS["cpu"])
    run = Run.load("cpu", results_dir)
    lines = run_markdown(run, "cpu", "The run shown", 3)
    missing = unmeasured_targets(run)
    if missing:
        lines += ["### Not measured in this run", ""]
        lines += [_target_line(t) for t in missing]
        lines.append("")
    return "\n".join(lines) + "\n"


def pytest_summary(text: str) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """The counts of pytest's last summary line (``passed``, ``skipped``, ...)
    and the skip reasons with their counts, from a log's text."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        found = re.findall(
            r"(\d+) (passed|failed|skipped|deselected|xfailed|xpassed|errors?)\b", line
        )
        if found and line.strip().startswith(tuple("0123456789=")):
            counts = {word: int(n) for n, word in found}
    reasons: dict[str, int] = {}
    for n, reason in re.findall(r"^SKIPPED \[(\d+)\] [^:]+:\d+: (.+)$", text, re.M):
        reasons[reason] = reasons.get(reason, 0) + int(n)
    return counts, [(n, r) for r, n in reasons.items()]


def report_rows(text: str) -> list[dict[str, str]]:
    """The rows of a ``python -m selu_xp`` report, by column name."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith("backend") and set(lines[i + 1]) <= {"-", " "}:
            widths = [len(d) for d in lines[i + 1].split()]
            break
    else:
        msg = "the report has no table (a header line over a line of dashes)."
        raise ResultsError(msg)
    starts = [m.start() for m in re.finditer(r"-+", lines[i + 1])]
    names = [lines[i][s : s + w].strip() for s, w in zip(starts, widths, strict=True)]
    rows = []
    for line in lines[i + 2 :]:
        if not line.strip() or line.startswith(" "):
            break
        cells = [line[s : s + w].strip() for s, w in zip(starts, widths, strict=True)]
        rows.append(dict(zip(names, cells, strict=True)))
    return rows


def gpu_accuracy_markdown(text: str) -> list[str]:
    """The GPU rows of a report as one narrow table: the largest error in ULP
    of selu_xp's two paths and of the library's own SELU."""
    rows = [
        r
        for r in report_rows(text)
        if any(g in r.get("device", "") for g in ("cuda", "gpu"))
    ]
    merged: dict[tuple[str, str], dict[str, str]] = {}
    for r in rows:
        device = r["device"].split(" (")[0].split(":")[0]
        name = _REPORT_BACKENDS.get((r["backend"], device), f"{r['backend']} {device}")
        key = (TITLES.get(name, name), r["dtype"])
        entry = merged.setdefault(key, {"own": r.get("own selu", "-")})
        entry[r["path"]] = r["max ULP"]
        entry["bound"] = r["bound"]
    body = [
        [
            name,
            dtype,
            e.get("fast", "—"),
            e.get("generic", "—"),
            e["own"] if e["own"] != "-" else "—",
            e["bound"],
        ]
        for (name, dtype), e in merged.items()
    ]
    header = ["backend", "dtype", "fast", "generic", "own SELU", "bound"]
    return _table(header, body, text_columns=2)


# A report row's (library, device) as a backend of the benchmark suite.
_REPORT_BACKENDS = {
    ("torch", "cuda"): "torch-cuda",
    ("jax", "gpu"): "jax-gpu",
    ("cupy", "cuda"): "cupy",
}


def gpu_markdown(results_dir: Path = RESULTS_DIR) -> str:
    """The measured section of the GPU page, from ``results/gpu/``."""
    lines: list[str] = []
    gpu = results_dir / "gpu"
    log = gpu / "tests.log"
    if log.is_file():
        counts, reasons = pytest_summary(log.read_text(encoding="utf-8"))
        recorded = committed_in("gpu/tests.log")
        lines += ["### Tests", ""]
        summary = ", ".join(f"{n:,} {word}" for word, n in counts.items())
        lines.append(
            "The GPU part of the test matrix, as `benchmarks/gpu_check.sh` "
            f"runs it: {summary or 'no summary line found'}"
            + (
                f" (`tests.log`, committed in `{recorded[0]}`, {recorded[1]})"
                if recorded
                else ""
            )
            + "."
            + (" The skips:" if reasons else "")
        )
        lines.append("")
        lines += [f"- {n} skipped: {reason}." for n, reason in reasons]
        lines.append("")
    report = gpu / "report.txt"
    if report.is_file():
        recorded = committed_in("gpu/report.txt")
        lines += [
            "### Accuracy",
            "",
            "The largest error in ULP of `selu` on the GPU rows of "
            "`python -m selu_xp` (`report.txt`"
            + (f", committed in `{recorded[0]}`, {recorded[1]}" if recorded else "")
            + "; the file records no date of its own): selu_xp's fast and generic "
            "paths, the library's own SELU on the same points, and the bound "
            "the report held each row to.",
            "",
            ":::{table} Largest error in ULP on the GPU ("
            + (f"recorded in `{recorded[0]}`; " if recorded else "")
            + "before the changes listed above)",
            ":class: recorded-results",
            *gpu_accuracy_markdown(report.read_text(encoding="utf-8")),
            ":::",
            "",
        ]
    if (results_dir / RUNS["gpu"]).is_file():
        run = Run.load("gpu", results_dir)
        lines += ["### Speed", ""]
        lines += run_markdown(
            run, "gpu", "The GPU run", 4, "; before the changes listed above"
        )
    if not lines:
        return NO_RUN.format(name="gpu/")
    return "\n".join(lines) + "\n"
