"""The benchmark suite runs and writes what the documentation reads.

No timing is asserted: only that a tiny run completes, that its files have
the documented structure, and that the target verdicts follow from numbers.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` does not put the root there
    sys.path.insert(0, str(ROOT))

from benchmarks.backends import resolve  # noqa: E402
from benchmarks.targets import evaluate, format_size  # noqa: E402
from benchmarks.timing import Progress, Sampler, interleave, measure  # noqa: E402

SIZES = (1000, 10_000)
RECORD_KEYS = {
    "backend",
    "dtype",
    "size",
    "case",
    "median_s",
    "q1_s",
    "q3_s",
    "iqr_s",
    "repeat",
    "number",
    "bytes",
    "gbps",
    "chunk",
}


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], str]:
    """One tiny run of ``python -m benchmarks`` into a temporary folder."""
    out = tmp_path_factory.mktemp("bench")
    backends = ["numpy"]
    backends += [
        b for b, m in (("torch-cpu", "torch"), ("jax-cpu", "jax")) if _installed(m)
    ]
    cmd = [
        sys.executable,
        "-m",
        "benchmarks",
        "--sizes",
        ",".join(map(str, SIZES)),
        "--repeat",
        "2",
        "--min-time",
        "0.0005",
        "--backends",
        ",".join(backends),
        "--out",
        str(out),
        "--no-progress",
    ]
    done = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    return out, backends, done.stderr


def test_json_has_every_case_of_every_backend(run: tuple[Path, list[str], str]) -> None:
    out, backends, _ = run
    doc = json.loads((out / "results.json").read_text())
    assert doc["schema_version"] == 1
    meta = doc["meta"]
    assert meta["machine"]["cpu"]
    assert meta["machine"]["cores"] >= 1
    assert "numpy" in meta["versions"]
    assert "selu_xp" in meta["versions"]
    assert meta["settings"]["sizes"] == list(SIZES)
    assert meta["settings"]["backends"] == backends
    assert meta["errors"] == []
    records = doc["results"]
    assert all(set(r) == RECORD_KEYS for r in records)
    found = {(r["backend"], r["dtype"], r["size"], r["case"]) for r in records}
    expected = {"selu", "selu_generic", "copy", "naive"}
    own = {"torch-cpu": "torch_selu", "jax-cpu": "jax_selu"}
    for backend in backends:
        cases = expected | ({own[backend]} if backend in own else set())
        for dtype in ("float32", "float64"):
            for n in SIZES:
                missing = {c for c in cases if (backend, dtype, n, c) not in found}
                assert not missing, (backend, dtype, n, missing)
    for r in records:
        assert 0 < r["q1_s"] <= r["median_s"] <= r["q3_s"]
        assert r["iqr_s"] == pytest.approx(r["q3_s"] - r["q1_s"])
        itemsize = 4 if r["dtype"] == "float32" else 8
        assert r["bytes"] == 2 * r["size"] * itemsize
        assert r["gbps"] == pytest.approx(r["bytes"] / r["median_s"] / 1e9)
    by_id = {t["id"]: t for t in doc["targets"]}
    overhead = by_id["numpy-overhead-float32"]
    assert [v["size"] for v in overhead["values"]] == [1000]
    assert overhead["met"] in (True, False)
    # No 1e7 in this run: the copy and Dask targets are not measured.
    assert by_id["numpy-vs-copy-float64"]["met"] is None
    assert by_id["dask-vs-numpy-float32"]["met"] is None


def test_markdown_has_targets_and_a_table_per_dtype(
    run: tuple[Path, list[str], str],
) -> None:
    out, backends, _ = run
    text = (out / "results.md").read_text()
    for heading in ("### Targets", "### float32", "### float64", "### Time per call"):
        assert f"\n{heading}" in text
    for backend in backends:
        assert f"| {backend} | 1e3 |" in text
        assert f"| {backend} | 1e4 |" in text
    assert "| target | measured (n) | limit | result |" in text


def test_plot_is_written_or_its_absence_explained(
    run: tuple[Path, list[str], str],
) -> None:
    out, _, stderr = run
    if _installed("matplotlib"):
        assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert not (out / "results.png").exists()
        assert "matplotlib is not installed" in stderr


def _rec(backend: str, case: str, n: int, t: float, **kw: Any) -> dict[str, Any]:
    return {
        "backend": backend,
        "dtype": "float32",
        "size": n,
        "case": case,
        "median_s": t,
        "chunk": None,
        **kw,
    }


def test_targets_follow_from_the_numbers() -> None:
    records = [
        _rec("numpy", "selu", 10**6, 1.0),
        _rec("torch-cpu", "torch_selu", 10**6, 2.5),  # 0.4: within 0.5
        _rec("numpy", "selu", 10**7, 3.0),
        _rec("torch-cpu", "torch_selu", 10**7, 5.0),  # 0.6: over 0.5
        _rec("numpy", "copy", 10**6, 0.25),  # 4.0, but only 1e7 counts
        _rec("numpy", "copy", 10**7, 1.5),  # 2.0: exactly the float32 limit
        _rec("numpy", "selu", 1000, 2e-6),  # exactly the limit
        _rec("dask", "selu", 10**8, 2.4, chunk=10**7),
        _rec("dask", "numpy_selu", 10**8, 2.0),  # 1.2: exactly the limit
        _rec("dask", "selu_persist", 10**8, 2.6, chunk=10**7),  # 1.3: over
        _rec("cupy", "selu", 10**8, 1.0),
        _rec("cupy", "copy", 10**8, 0.85),  # 85 % of the copy bandwidth
    ]
    by_id = {t["id"]: t for t in evaluate(records)}
    torch_target = by_id["numpy-vs-torch-float32"]
    assert [(v["size"], v["value"]) for v in torch_target["values"]] == [
        (10**6, pytest.approx(0.4)),
        (10**7, pytest.approx(0.6)),
    ]
    assert torch_target["met"] is False
    copy = by_id["numpy-vs-copy-float32"]
    assert [v["size"] for v in copy["values"]] == [10**7]
    assert copy["met"] is True
    assert by_id["numpy-overhead-float32"]["values"][0]["value"] == pytest.approx(2.0)
    assert by_id["numpy-overhead-float32"]["met"] is True
    assert by_id["dask-vs-numpy-float32"]["met"] is True
    persist = by_id["dask-vs-numpy-float32-persist"]
    assert persist["values"][0]["value"] == pytest.approx(1.3)
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


def test_measure_counts_calls_and_syncs() -> None:
    calls = syncs = 0

    def call() -> None:
        nonlocal calls
        calls += 1

    def sync() -> None:
        nonlocal syncs
        syncs += 1

    stats = measure(call, sync, repeat=5, warmup=2, min_time=1e-4)
    assert stats.repeat == 5
    assert stats.number >= 1
    assert calls == 2 + 1 + 5 * stats.number  # warm-up, calibration, samples
    assert syncs == 2 + 1 + 5
    assert stats.q1 <= stats.median <= stats.q3


def test_interleave_takes_rounds_and_settles_single_calls() -> None:
    log: list[str] = []

    def case(name: str, seconds: float) -> Sampler:
        def call() -> None:
            log.append(name)
            if seconds:
                time.sleep(seconds)

        return Sampler(call, lambda: None, repeat=3, warmup=0, min_time=1e-3)

    slow, fast = case("slow", 2e-3), case("fast", 0.0)
    assert slow.number == 1
    assert fast.number > 1
    log.clear()
    interleave([slow, fast], lambda s, exc: None)
    assert slow.done
    assert fast.done
    assert slow.stats().repeat == fast.stats().repeat == 3
    runs = [k for i, k in enumerate(log) if i == 0 or log[i - 1] != k]
    # Three rounds, each starting one case later (slow-fast, fast-slow,
    # slow-fast; without the rotation there would be six alternations), and
    # every slow sample is one settling call and one timed call.
    assert runs == ["slow", "fast", "slow", "fast"]
    assert log.count("slow") == 6
    assert log.count("fast") == 3 * fast.number


def test_interleave_drops_a_failing_case() -> None:
    calls = 0

    def broken() -> None:
        nonlocal calls
        calls += 1
        if calls > 1:  # the calibration call passes, the first sample fails
            raise RuntimeError("boom")

    bad = Sampler(broken, lambda: None, repeat=3, warmup=0, min_time=0.0)
    good = Sampler(lambda: None, lambda: None, repeat=3, warmup=0, min_time=0.0)
    errors: list[str] = []
    interleave([bad, good], lambda s, exc: errors.append(str(exc)))
    assert errors == ["boom"]
    assert good.done
    assert not bad.done


def test_format_size() -> None:
    assert format_size(1000) == "1e3"
    assert format_size(10**8) == "1e8"
    assert format_size(12_345) == "1.23e+04"


def test_progress_in_a_log_writes_lines_not_redraws() -> None:
    stream = io.StringIO()
    bar = Progress(4, stream=stream, log_every=0.0)
    bar.update("first")
    bar.advance()
    bar.update("second")
    bar.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0].startswith("[")
    assert "0/4" in lines[0]
    assert "first" in lines[0]
    assert "1/4" in lines[1]
    assert "second" in lines[1]
    assert "4/4" in lines[-1]
    assert "100%" in lines[-1]


def test_unknown_backend_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match=r"unknown backend\(s\) tensorflow.*numpy"):
        resolve(["numpy", "tensorflow"])
