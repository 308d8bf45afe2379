"""``python -m selu_xp``: the report over the backends installed here."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from selu_xp import _report
from selu_xp._backend_table import BACKENDS, Backend, bound, ulp_errors

from ._backends import backend_params
from ._reference import reference
from ._reference import ulp_errors as reference_ulp_errors


def test_decimal_reference_matches_mpmath() -> None:
    x = _report.grid()
    hi, lo = _report.reference(x)
    mp_hi, mp_lo = reference("selu", x)
    np.testing.assert_array_equal(hi, mp_hi)
    np.testing.assert_allclose(lo, mp_lo, rtol=1e-6, atol=1e-300)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
def test_ulp_errors_measure_as_the_tests_do(dtype: str) -> None:
    x = np.concatenate([_report.grid(), [0.0, -1e-300, 1e-40]])
    hi, lo = reference("selu", x)
    rng = np.random.default_rng(3)
    y = hi * (1 + rng.uniform(-1e-3, 1e-3, hi.size))
    np.testing.assert_array_equal(
        ulp_errors(y, hi, lo, dtype), reference_ulp_errors(y, hi, lo, dtype)
    )


@pytest.fixture(scope="module")
def report() -> tuple[list[_report.Row], list[str]]:
    return _report.run()


@pytest.fixture(scope="module")
def rows(report: tuple[list[_report.Row], list[str]]) -> list[_report.Row]:
    return report[0]


REPORTED = [b for b in BACKENDS if b.report_dtypes]


@pytest.mark.parametrize("column", backend_params(REPORTED))
def test_every_usable_column_is_reported_with_the_tests_bounds(
    rows: list[_report.Row], column: Backend
) -> None:
    mine = [
        r
        for r in rows
        if (r.backend, r.device) == (column.family, column.device_label)
        and r.dtype in column.report_dtypes
    ]
    assert {(r.dtype, r.path) for r in mine} == {
        (dt, p) for dt in column.report_dtypes for p in ("fast", "generic")
    }
    assert all(r.ok for r in mine), mine
    for r in mine:
        assert r.bound == bound(column, "selu", r.dtype, r.path), r


def test_a_skipped_column_is_noted_with_why(
    report: tuple[list[_report.Row], list[str]],
) -> None:
    rows, notes = report
    for column in REPORTED:
        reason = column.skip_reason()
        if reason is not None:
            assert f"{column.id}: {reason}" in notes
        else:
            assert any(r.backend == column.family for r in rows)


def test_exit_status_reflects_disagreement(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from selu_xp import selu

    def off_by_a_few_ulps(x: Any) -> Any:
        y = selu(x)
        return (
            y * (1 + 16 * np.finfo(np.float32).eps) if isinstance(y, np.ndarray) else y
        )

    monkeypatch.setattr(_report, "selu", off_by_a_few_ulps)
    assert _report.main() == 1
    assert "FAILED" in capsys.readouterr().out


def test_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "selu_xp"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: all" in done.stdout
    assert "numpy" in done.stdout
