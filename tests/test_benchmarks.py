"""The benchmark suite runs and writes what the documentation reads.

No timing is asserted: only that a tiny run completes, that its files have
the documented structure, that the recorded results still read, and that the
target verdicts follow from the numbers.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.backends import resolve
from benchmarks.report import markdown
from benchmarks.targets import evaluate, format_size, level_of

from ._processes import run_python

ROOT = Path(__file__).resolve().parents[1]

RECORD_KEYS = {
    *("backend", "dtype", "size", "case", "median_s", "q1_s", "q3_s", "iqr_s"),
    *("repeat", "number", "bytes", "gbps", "chunk"),
}
Run = tuple[Path, list[str], str]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One tiny run of ``python -m benchmarks``: 1e3 elements, few rounds."""
    pytest.importorskip("pytest_benchmark", reason="the bench extra is not installed")
    out = tmp_path_factory.mktemp("bench")
    backends = ["numpy"]
    if importlib.util.find_spec("torch") is not None:
        backends.append("torch-cpu")
    options = ["--sizes", "1e3", "--backends", ",".join(backends), "--out", str(out)]
    timing = ["--benchmark-min-rounds=2", "--benchmark-max-time=0.002", "-q"]
    done = run_python("-m", "benchmarks", *options, *timing, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, backends, done.stderr


def test_json_has_every_case_of_every_backend(run: Run) -> None:
    out, backends, _ = run
    doc = json.loads((out / "results.json").read_text())
    assert doc["schema_version"] == 1
    meta = doc["meta"]
    assert meta["machine"]["cpu"]
    assert meta["machine"]["cores"] >= 1
    assert {"numpy", "selu_xp"} <= set(meta["versions"])
    assert meta["settings"]["sizes"] == [1000]
    assert meta["settings"]["backends"] == backends
    assert meta["settings"]["timing"]["min_rounds"] == 2
    assert meta["errors"] == []
    records = doc["results"]
    assert all(set(r) == RECORD_KEYS for r in records)
    found = {(r["backend"], r["dtype"], r["case"]) for r in records}
    cases = {"selu", "selu_out", "selu_generic", "copy", "naive"}
    for backend in backends:
        own = {"torch_selu"} if backend == "torch-cpu" else set()
        for dtype in ("float32", "float64"):
            assert {(backend, dtype, c) for c in cases | own} <= found
    for r in records:
        assert 0 < r["q1_s"] <= r["median_s"] <= r["q3_s"]
        assert r["repeat"] >= 2
        assert r["bytes"] == 2 * r["size"] * (4 if r["dtype"] == "float32" else 8)
        assert r["gbps"] == pytest.approx(r["bytes"] / r["median_s"] / 1e9)
    by_id = {t["id"]: t for t in doc["targets"]}
    assert [v["size"] for v in by_id["numpy-overhead-float32"]["values"]] == [1000]
    assert by_id["numpy-overhead-float32"]["met"] in (True, False)
    if "torch-cpu" in backends:  # a ratio of two cases of the same run
        assert by_id["torch-overhead-float64"]["met"] in (True, False)
    # No 1e7 or 1e8 in this run: the copy and Dask targets are not measured
    # (the copy target exists at the AVX-512 level only).
    assert by_id.get("numpy-out-vs-copy-float32", {"met": None})["met"] is None
    assert by_id["dask-vs-numpy-float32"]["met"] is None


def test_markdown_and_plot(run: Run) -> None:
    out, backends, stderr = run
    text = (out / "results.md").read_text()
    for heading in ("### Targets", "### float32", "### float64", "### Time per call"):
        assert f"\n{heading}" in text
    assert "pytest-benchmark" in text
    for backend in backends:
        assert f"| {backend} | 1e3 |" in text
    if importlib.util.find_spec("matplotlib") is None:
        assert "matplotlib is not installed" in stderr
    else:
        assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_recorded_results_still_read() -> None:
    """The committed run's targets follow from its numbers, and the report
    makes the same tables of them as the committed Markdown."""
    results = ROOT / "benchmarks" / "results"
    doc = json.loads((results / "results.json").read_text())
    assert evaluate(doc["results"], level_of(doc["meta"])) == doc["targets"]
    text = markdown(doc["meta"], doc["results"], doc["targets"])
    recorded = (results / "results.md").read_text()
    tables = text.index("### Targets")
    assert text[tables:] == recorded[recorded.index("### Targets") :]


def _rec(backend: str, case: str, n: int, t: float, **kw: Any) -> dict[str, Any]:
    record = {"backend": backend, "dtype": "float32", "size": n, "case": case}
    return {**record, "median_s": t, "chunk": None, **kw}


def test_targets_follow_from_the_numbers() -> None:
    records = [
        _rec("numpy", "selu", 10**3, 2e-6),  # exactly the float32 limit
        _rec("numpy", "selu_out", 10**3, 2.4e-6),  # 0.4 µs over allocating
        _rec("numpy", "selu", 10**5, 0.5),
        _rec("torch-cpu", "torch_selu", 10**5, 1.0),  # 0.5: within 0.8
        _rec("numpy", "selu", 10**7, 3.0),
        _rec("torch-cpu", "torch_selu", 10**7, 3.5),  # 0.857: over 0.8
        _rec("numpy", "selu", 10**8, 9.0),
        _rec("torch-cpu", "torch_selu", 10**8, 1.0),  # 1e8 is not a target size
        _rec("numpy", "selu_out", 10**7, 2.0),
        _rec("numpy", "copy", 10**6, 0.25),  # only 1e7 counts
        _rec("numpy", "copy", 10**7, 1.0),  # 2.0: exactly the limit
        _rec("dask", "selu", 10**8, 2.4, chunk=10**7),
        _rec("dask", "numpy_selu", 10**8, 2.0),  # 1.2: exactly the limit
        _rec("dask", "selu_persist", 10**8, 2.3, chunk=10**7),  # 1.15: over 1.1
        _rec("cupy", "selu", 10**8, 1.0),
        _rec("cupy", "copy", 10**8, 0.85),  # 85 % of the copy bandwidth
    ]
    by_id = {t["id"]: t for t in evaluate(records, "avx512")}
    torch_target = by_id["numpy-vs-torch-float32"]
    assert [(v["size"], v["value"]) for v in torch_target["values"]] == [
        (10**5, pytest.approx(0.5)),
        (10**7, pytest.approx(3.0 / 3.5)),
    ]
    assert torch_target["limit"] == 0.8
    assert torch_target["met"] is False
    # The AVX2 run is held to 1.0: the same numbers meet it.
    avx2 = {t["id"]: t for t in evaluate(records, "avx2")}
    assert avx2["numpy-vs-torch-float32"]["met"] is True
    assert "numpy-vs-jax-float32" not in avx2
    copy = by_id["numpy-out-vs-copy-float32"]
    assert [v["size"] for v in copy["values"]] == [10**7]
    assert copy["met"] is True
    assert by_id["numpy-overhead-float32"]["values"][0]["value"] == pytest.approx(2.0)
    assert by_id["numpy-overhead-float32"]["met"] is True
    slack = by_id["numpy-out-overhead-float32"]
    assert slack["values"][0]["value"] == pytest.approx(0.4)
    assert slack["met"] is False
    assert by_id["dask-vs-numpy-float32"]["met"] is True
    persist = by_id["dask-vs-numpy-float32-persist"]
    assert persist["values"][0]["value"] == pytest.approx(1.15)
    assert persist["met"] is False
    assert by_id["dask-vs-numpy-float64-persist"]["met"] is None
    assert by_id["cupy-vs-copy-float32"]["values"][0]["value"] == pytest.approx(0.85)
    assert by_id["cupy-vs-copy-float32"]["met"] is False
    # Nothing was measured for these: neither met nor missed.
    assert by_id["numpy-vs-jax-float32"]["met"] is None
    assert by_id["numpy-vs-torch-float64"]["met"] is None
    assert by_id["cupy-vs-torch-float32"]["met"] is None


def test_dask_target_needs_the_stated_chunks() -> None:
    records = [
        _rec("dask", "selu", 10**8, 1.0, chunk=10**8),
        _rec("dask", "numpy_selu", 10**8, 1.0),
    ]
    target = {t["id"]: t for t in evaluate(records)}["dask-vs-numpy-float32"]
    assert target["met"] is None
    assert "1e7" in target["note"]


def test_format_size() -> None:
    assert format_size(1000) == "1e3"
    assert format_size(10**8) == "1e8"
    assert format_size(12_345) == "1.23e+04"


def test_unknown_backend_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match=r"unknown backend\(s\) tensorflow.*numpy"):
        resolve(["numpy", "tensorflow"])


def test_recorded_avx2_run_still_reads() -> None:
    """The AVX2 column's run (kernel and torch forced to AVX2) is held to the
    AVX2 limits, and its targets follow from its numbers."""
    doc = json.loads((ROOT / "benchmarks/results/avx2/results.json").read_text())
    assert doc["meta"]["levels"]["selu_xp"] == "avx2"
    assert doc["meta"]["levels"]["torch"] == "AVX2"
    targets = evaluate(doc["results"], level_of(doc["meta"]))
    assert targets == doc["targets"]
    limits = {t["id"]: t["limit"] for t in targets}
    assert limits["numpy-vs-torch-float32"] == 1.0
    assert limits["numpy-vs-torch-float64"] == 0.8
