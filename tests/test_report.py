"""``python -m selu_xp``: the report over the backends installed here."""

from __future__ import annotations

import math
import os
import re
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import selu_xp
from selu_xp import _report
from selu_xp.testing import BACKENDS, Backend, bound, ulp_errors
from selu_xp.testing.oracle import reference

from ._backends import backend_params
from ._processes import run_python


def test_decimal_reference_matches_mpmath() -> None:
    x = _report.grid()
    hi, lo = _report.reference(x)
    mp_hi, mp_lo = reference("selu", x)
    np.testing.assert_array_equal(hi, mp_hi)
    np.testing.assert_allclose(lo, mp_lo, rtol=1e-6, atol=1e-300)


# Significand bits and smallest normal of each format (IEEE 754; bfloat16 is
# float32's exponent with 7 bits).
_FORMATS = {
    "float64": (52, 2.0**-1022),
    "float32": (23, 2.0**-126),
    "float16": (10, 2.0**-14),
    "bfloat16": (7, 2.0**-126),
}


def _ulps_exactly(y: float, hi: float, lo: float, dtype: str) -> float:
    """|y - (hi + lo)| in ULPs of `dtype` at hi, in rational arithmetic."""
    bits, tiny = _FORMATS[dtype]
    if abs(hi) < tiny:
        return math.nan
    _, e = math.frexp(hi)  # |hi| in [2**(e-1), 2**e)
    ulp = Fraction(2) ** (e - 1 - bits)
    return float(abs(Fraction(y) - Fraction(hi) - Fraction(lo)) / ulp)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
def test_ulp_errors_is_the_exact_measure(dtype: str) -> None:
    x = np.concatenate([_report.grid()[::7], [0.0, -1e-300, 1e-40]])
    hi, lo = reference("selu", x)
    rng = np.random.default_rng(3)
    y = hi * (1 + rng.uniform(-1e-3, 1e-3, hi.size))
    points = zip(y.tolist(), hi.tolist(), lo.tolist(), strict=True)
    want = [_ulps_exactly(*v, dtype) for v in points]
    np.testing.assert_allclose(ulp_errors(y, hi, lo, dtype), want, rtol=1e-12)


def test_bound_refuses_what_is_not_a_member_or_a_path() -> None:
    numpy = next(b for b in BACKENDS if b.id == "numpy")
    with pytest.raises(ValueError, match="member of the family"):
        bound(numpy, "relu", "float32", "fast")
    with pytest.raises(ValueError, match="member of the family"):
        bound(numpy, "selu", "float32", "slow")


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


# A line of a C++ library's log (glog and absl: "I0000 00:00:...", TensorFlow's
# oneDNN and CPU-feature notes, absl's warning before its initialization).
LIBRARY_LOG = re.compile(r"^[IWEF]\d{4} |absl|oneDNN|cpu_feature_guard")


def test_command_line_prints_its_own_report_first() -> None:
    # The standard error merged into the output, as a terminal shows both:
    # the report's lines come first and together, whatever the backends'
    # libraries (TensorFlow's C++ logs) write while they load.
    done = run_python("-m", "selu_xp", merged=True)
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"selu_xp {selu_xp.__version__}: selu on"), lines[:8]
    end = next(i for i, line in enumerate(lines) if line.startswith("OK: all"))
    report = lines[: end + 1]
    assert not [line for line in report if LIBRARY_LOG.search(line)], report
    assert any(line.startswith("numpy ") for line in report)


def test_library_output_is_held_and_written_after_the_report(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def run_writing_to_fd_2() -> tuple[list[_report.Row], list[str]]:
        os.write(2, b"I0000 a library's log line\n")
        return [], []

    monkeypatch.setattr(_report, "run", run_writing_to_fd_2)
    assert _report.main() == 0
    out, err = capfd.readouterr()
    assert "OK: all 0 rows" in out
    assert err.endswith("during the report:\nI0000 a library's log line\n"), err


def test_a_cpu_row_with_the_kernels_bound_must_have_numpys_bits() -> None:
    """Within its bound but an ULP from NumPy is a failure where the row's
    path has the kernel's bound (every CPU path with float64), and only
    the bound applies where it has not (JAX without x64)."""
    exact = _report.Row("x", "cpu", "float32", "fast", 0.5, 1.0, 0.5, same_bits=True)
    assert exact.failures == ["NumPy's bits (1.000 ULP from them)"]
    loose = _report.Row("x", "cpu", "float32", "generic", 1.5, 1.0, 2.5)
    assert loose.ok
    rows, _ = _report.run()
    cpu = [r for r in rows if not r.gpu]
    assert all(r.same_bits or r.bound > 0.5 for r in cpu)
    assert all(r.ok for r in rows)
