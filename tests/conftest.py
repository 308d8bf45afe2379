"""Fixtures for the backend test matrix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from selu_xp import force_generic

from ._backends import BACKENDS, Backend, active, backend_dtype_params, backend_params


@pytest.fixture(params=backend_params(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Every backend of the matrix, on its device; skipped only when unusable."""
    with active(request.param) as b:
        yield b


@pytest.fixture(params=backend_dtype_params(BACKENDS))
def backend_dtype(request: pytest.FixtureRequest) -> Iterator[tuple[Backend, str]]:
    """Every (backend, floating dtype) pair that the backend offers."""
    b, dt = request.param
    with active(b):
        yield b, dt


@pytest.fixture(params=["fast", "generic"])
def path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test on the backend's fast path and, forced, on the generic path."""
    with force_generic(request.param == "generic"):
        yield request.param
