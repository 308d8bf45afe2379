"""The figures the README and the documentation print come from recorded
results files, and those files say what a fresh run measures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import accuracy
from selu_xp._family import NAMES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def _block(text: str, start: str, end: str) -> str:
    return text[text.index(start) + len(start) : text.index(end)].strip()


def test_readme_accuracy_table_is_the_recorded_one() -> None:
    readme = (ROOT / "README.md").read_text()
    table = _block(
        readme,
        "<!-- accuracy table: benchmarks/results/accuracy.md -->",
        "<!-- end of accuracy table -->",
    )
    assert table == (RESULTS / "accuracy.md").read_text().strip()


def test_recorded_accuracy_markdown_is_made_from_its_json() -> None:
    record = json.loads((RESULTS / "accuracy.json").read_text())
    assert accuracy.markdown(record) == (RESULTS / "accuracy.md").read_text()


@pytest.mark.parametrize("backend", accuracy.KERNEL_BACKENDS)
def test_recorded_kernel_accuracy_is_what_this_machine_measures(backend: str) -> None:
    """The compiled kernel computes the same bits on every CPU, so its
    recorded figures must be measured again exactly, here."""
    pytest.importorskip("selu_xp._kernels._ufunc", reason="kernel not built here")
    if backend == "dask":
        pytest.importorskip("dask")
    record = json.loads((RESULTS / "accuracy.json").read_text())
    rows = [
        r for r in record["rows"] if r["backend"] == backend and r["path"] == "fast"
    ]
    assert rows
    for row in rows:
        for name in accuracy.FUNCTIONS:
            got = accuracy.measure(backend, row["dtype"], name, "fast")
            assert got == pytest.approx(row[name], abs=5e-4), (row["dtype"], name)


def test_exhaustive_rounding_record() -> None:
    record = json.loads((RESULTS / "rounding.json").read_text())
    assert record["inputs_per_function"] == 2**32
    functions = record["functions"]
    assert set(functions) == set(NAMES)
    assert all(f["misrounded"] == 0 for f in functions.values())
    # Every level bit for bit, every float16 input, 10^8 float64 inputs.
    assert len(record["levels"]) >= 1
    for name, f in functions.items():
        assert set(f["levels"]) == set(record["levels"])
        assert all(v["differing_from_top"] == 0 for v in f["levels"].values())
        assert len({v["hard_cases"] for v in f["levels"].values()}) == 1, name
        assert f["nan_inputs"] == 2**24 - 2  # every float32 NaN
        assert set(record["float16_misrounded"][name].values()) == {0}
        assert set(record["float64_differing"][name].values()) == {0}
    assert record["float64_inputs"] >= 10**8
    md = (RESULTS / "rounding.md").read_text()
    from benchmarks import rounding

    assert rounding.markdown(record) == md
    readme = (ROOT / "README.md").read_text()
    assert "all 2^32 float32" in readme


def test_readme_states_the_tests_float64_bounds() -> None:
    """The README's sentence on the generic float64 path gives the tests' bounds."""
    from selu_xp._accuracy import BOUNDS

    readme = " ".join((ROOT / "README.md").read_text().split())
    common = BOUNDS[("selu", "float64")]
    assert BOUNDS[("elu", "float64")] == BOUNDS[("elu_derivative", "float64")] == common
    stated = (
        f"held in float64 to {common:g} ULP for `selu`, `elu` and `elu_derivative` "
        f"and to {BOUNDS[('selu_derivative', 'float64')]:g} ULP for `selu_derivative`"
    )
    assert stated in readme
