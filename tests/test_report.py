"""``python -m selu_xp``: the report over the backends installed here."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from selu_xp import _report

from ._reference import reference


def test_decimal_reference_matches_mpmath() -> None:
    x = _report.grid()
    hi, lo = _report.reference(x)
    mp_hi, mp_lo = reference("selu", x)
    np.testing.assert_array_equal(hi, mp_hi)
    np.testing.assert_allclose(lo, mp_lo, rtol=1e-6, atol=1e-300)


@pytest.fixture(scope="module")
def rows() -> list[_report.Row]:
    return _report.run()[0]


@pytest.mark.parametrize(
    "backend", ["numpy", "array_api_strict", "torch", "jax", "dask", "tensorflow"]
)
def test_every_installed_cpu_backend_is_reported(
    rows: list[_report.Row], backend: str
) -> None:
    module = "dask" if backend == "dask" else backend
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{backend} is not installed")
    mine = [r for r in rows if r.backend == backend]
    assert {(r.dtype, r.path) for r in mine} == {
        (dt, p) for dt in ("float32", "float64") for p in ("fast", "generic")
    }
    assert all(r.ok for r in mine), mine


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
