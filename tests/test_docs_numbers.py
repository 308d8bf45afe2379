"""The figures of the documentation come from the recorded results files.

The Performance and GPU pages get every number at build time from
``docs/_ext/results_data.py`` (their results sections and the ``{result}``
role); these tests hold that without building the documentation: every
reference on every page resolves, the two pages type no figure of their own,
the generated tables are the recorded medians, narrow, and print no path of
the machine that measured them, and the GPU page's list of changes since its
run names commits made after it.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ._processes import run_command

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RESULTS = ROOT / "benchmarks" / "results"

# The pages whose every figure must be inserted from a results file.  A page
# added here is held to it too.
FIGURE_FREE_PAGES = ("performance.md", "gpu.md")


def _load_results_data() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "docs_results_data", DOCS / "_ext" / "results_data.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


rd = _load_results_data()
ROLE = re.compile(r"\{result\}`([^`]*)`")
NBSP = "\N{NO-BREAK SPACE}"


def _pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)


def _references() -> list[tuple[str, str]]:
    return [
        (str(page.relative_to(DOCS)), " ".join(m.group(1).split()))
        for page in _pages()
        for m in ROLE.finditer(page.read_text(encoding="utf-8"))
    ]


def _raw(name: str) -> Any:
    return json.loads((RESULTS / name).read_text(encoding="utf-8"))


# --- The role ------------------------------------------------------------------


@pytest.mark.parametrize(("page", "reference"), _references())
def test_every_result_reference_on_every_page_resolves(
    page: str, reference: str
) -> None:
    assert rd.cite(reference)


def test_the_pages_cite_figures() -> None:
    """The Performance page's figures in prose come through the role."""
    cited = {page for page, _ in _references()}
    assert "performance.md" in cited


def test_cite_prints_the_recorded_value() -> None:
    doc = _raw("results.json")
    (target,) = [t for t in doc["targets"] if t["id"] == "torch-overhead-float32"]
    value = target["values"][0]["value"]
    got = rd.cite("results.json targets[id=torch-overhead-float32].values[0].value us")
    assert got == f"{value:.3g}{NBSP}µs"
    (record,) = [
        r
        for r in doc["results"]
        if (r["backend"], r["dtype"], r["size"], r["case"])
        == ("numpy", "float32", 1000, "selu")
    ]
    path = "results[backend=numpy,dtype=float32,size=1e3,case=selu].median_s"
    assert rd.cite(f"results.json {path}") == f"{record['median_s']:.3g}"
    assert rd.cite(f"results.json {path} .6e") == f"{record['median_s']:.6e}"
    assert rd.cite(f"results.json {path} time").endswith(f"{NBSP}µs")
    assert (
        rd.cite("results.json meta.machine.date date")
        == (doc["meta"]["machine"]["date"][:10])
    )


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("results.json meta.nothing", "has no key 'nothing'"),
        ("results.json results[backend=numpy].median_s", "matches"),
        ("results.json targets[999]", "out of range"),
        ("results.json meta.machine.cpu time", "not a number"),
        ("results.json meta.machine.cores nonsense", "unknown format"),
        ("missing.json meta", "not a file"),
        ("results.json", "write FILE PATH"),
    ],
)
def test_a_wrong_reference_says_what_is_wrong(reference: str, message: str) -> None:
    with pytest.raises(rd.ResultsError, match=re.escape(message)):
        rd.cite(reference)


# --- No figure typed by hand -------------------------------------------------------

_STRIP = [
    re.compile(r"^(`{3,}).*?^\1", re.S | re.M),  # fenced code: examples, not figures
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"\{\w[\w:-]*\}`[^`]*`"),  # roles, {result} included
    re.compile(r"`[^`\n]*`"),  # inline code
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"\$[^$\n]+\$"),  # math
    re.compile(r"^\(.*\)=$", re.M),  # targets of references
    re.compile(r"\]\([^)]*\)"),  # link addresses
]
# A number that stands alone: not part of a name (float32, x64, H200, cuda12x).
_FIGURE = re.compile(r"(?<![\w.\-])\d+(?:[.,]\d+)*(?:e[+-]?\d+)?(?![\w])")


def typed_figures(markdown: str) -> list[str]:
    """The numbers of a page's prose that are typed rather than inserted."""
    for pattern in _STRIP:
        markdown = pattern.sub(" ", markdown)
    return _FIGURE.findall(markdown)


def test_typed_figures_finds_what_it_should() -> None:
    text = (
        "about 0.5 us over F.selu, 1,227 passed, 40% and 1e8 elements; "
        "float32, x64, H200, cupy-cuda12x, `0.33`, $10^8$ and "
        "{result}`results.json meta.machine.cores`"
    )
    assert typed_figures(text) == ["0.5", "1,227", "40", "1e8"]


@pytest.mark.parametrize("page", FIGURE_FREE_PAGES)
def test_page_types_no_figure(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    assert typed_figures(text) == []


# --- The generated sections ---------------------------------------------------------


def _runs() -> list[str]:
    return [key for key, name in rd.RUNS.items() if (RESULTS / name).is_file()]


def test_generated_sections_print_no_path_of_the_machine() -> None:
    text = rd.performance_markdown() + rd.gpu_markdown()
    for key in _runs():
        meta = _raw(rd.RUNS[key])["meta"]
        path = meta["machine"].get("selu_xp_path")
        if path:
            assert path not in text
            assert str(Path(path).parent) not in text
        for arg in meta.get("settings", {}).get("argv", []):
            if "/" in arg:
                assert arg not in text
    assert not re.search(r"(?<![\w.`])/(work|root|home|tmp|Users|mnt)/", text)


def _tables(markdown: str) -> list[list[list[str]]]:
    tables: list[list[list[str]]] = []
    previous = False
    for line in markdown.splitlines():
        row = line.startswith("|")
        if row:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not previous:
                tables.append([])
            tables[-1].append(cells)
        previous = row
    return tables


def test_generated_tables_are_narrow() -> None:
    """Few columns, short figures, and no space where a figure could wrap:
    a number and its unit are joined by a no-break space."""
    tables = _tables(rd.performance_markdown() + rd.gpu_markdown())
    assert tables
    for table in tables:
        header, _, *body = table
        assert len(header) <= 8, header
        assert all(len(cell) <= 15 for cell in header), header
        for row in body:
            assert len(row) == len(header)
            for cell in filter(re.compile(r"\d").search, row):
                assert len(cell) <= 10, (header, row)
                assert " " not in cell, (header, row)


@pytest.mark.parametrize("key", _runs())
def test_generated_tables_are_the_recorded_medians(key: str) -> None:
    """Checked against the file as read here, not through the page's reader."""
    doc = _raw(rd.RUNS[key])
    median = {
        (r["backend"], r["dtype"], r["size"], r["case"]): r["median_s"]
        for r in doc["results"]
    }
    run = rd.Run.load(key)
    checked = 0
    for backend in run.backends:
        for dtype in run.dtypes(backend):
            header, rows = rd.table(run, backend, dtype)
            for row in rows:
                cells = dict(zip(header, row, strict=True))
                n = int(float(cells["n"]))
                selu = median[(backend, dtype, n, "selu")]
                assert cells["selu"] == rd.format_time(selu).replace(" ", NBSP)
                copy = median[(backend, dtype, n, "copy")]
                assert cells["\N{MULTIPLICATION SIGN} copy"] == (
                    f"{selu / copy:.2f}\N{MULTIPLICATION SIGN}"
                )
                checked += 1
    assert checked == len({k[:3] for k in median if k[3] == "selu"})


def test_every_target_has_a_section() -> None:
    """Each target is listed under its backend, or as not measured."""
    for key in _runs():
        run = rd.Run.load(key)
        for target in run.targets:
            assert rd.target_backend(target["id"]) in rd.TITLES, target["id"]


def test_stamp_carries_the_cpu_features() -> None:
    meta = _raw("results.json")["meta"]
    text = rd.performance_markdown()
    for feature in meta["machine"]["cpu_features"]:
        assert feature in text
    assert meta["machine"]["cpu"] in text
    assert meta["machine"]["selu_xp_commit"] in text


def test_gpu_tests_and_accuracy_are_read_from_their_files() -> None:
    log = (RESULTS / "gpu" / "tests.log").read_text(encoding="utf-8")
    counts, _ = rd.pytest_summary(log)
    last = [line for line in log.splitlines() if " passed" in line][-1]
    assert counts["passed"] == int(re.search(r"(\d+) passed", last).group(1))  # type: ignore[union-attr]
    report = (RESULTS / "gpu" / "report.txt").read_text(encoding="utf-8")
    gpu_rows = [
        line for line in report.splitlines() if re.search(r"\b(cuda|gpu)\b", line)
    ]
    table = rd.gpu_accuracy_markdown(report)
    assert len(table) - 2 == len(gpu_rows) // 2  # one row per fast/generic pair
    text = rd.gpu_markdown()
    assert f"{counts['passed']:,} passed" in text


# --- The GPU page's account of what changed -------------------------------------------


def _git(*args: str) -> str:
    done = run_command("git", "-C", str(ROOT), *args)
    return done.stdout.strip() if done.returncode == 0 else ""


def test_gpu_page_lists_changes_made_after_its_run() -> None:
    if (
        shutil.which("git") is None
        or _git("rev-parse", "--is-inside-work-tree") != "true"
    ):
        pytest.skip("not a git checkout")
    if _git("rev-parse", "--is-shallow-repository") == "true":
        pytest.skip("a shallow clone lacks the commits the page names")
    page = (DOCS / "gpu.md").read_text(encoding="utf-8")
    section = page[page.index("### What has changed since the run") :]
    section = section[: section.index("<!-- results: gpu -->")]
    commits = re.findall(r"`([0-9a-f]{7,40})`", section)
    assert commits
    run_date = datetime.datetime.fromisoformat(
        _raw("gpu/results.json")["meta"]["machine"]["date"]
    )
    for commit in commits:
        when = _git("show", "-s", "--format=%cI", commit)
        assert when, f"{commit} is not a commit of this repository"
        assert datetime.datetime.fromisoformat(when) > run_date, commit


# --- Code blocks -------------------------------------------------------------------

# What a fenced block on these pages may be: run by the doctest builder, a shell
# command marked as such, or a directive that inserts recorded files.
_RUN_OR_MARKED = {"{doctest}", "{testcode}", "{testoutput}", "{testsetup}"}
_SHELL = {"console"}
_INSERTS = {"{include}", "{eval-rst}"}


@pytest.mark.parametrize("page", FIGURE_FREE_PAGES)
def test_code_blocks_run_or_are_shell(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"^```(\S*)[^\n]*\n(.*?)^```", text, re.S | re.M)
    assert blocks
    for info, body in blocks:
        assert info in _RUN_OR_MARKED | _SHELL | _INSERTS, info
        if info in _SHELL:
            lines = [line for line in body.splitlines() if line.strip()]
            assert all(line.startswith("$ ") for line in lines), body
