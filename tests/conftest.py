"""Fixtures for the backend test matrix."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np
import pytest

from selu_xp import _backends, _dispatch, force_generic

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
    """Run the test on the backend's fast path and, forced, on the generic path.

    The fast leg runs what a program's default calls run: it opens no block
    (any open ``force_generic()`` block, even ``force_generic(False)``, makes
    the public functions skip their quick entry), and the quick entries are
    registered beforehand (`selu_xp._backends.lookup` adds one when it
    first finds its backend, so a process's very first call goes the long
    way).  test_matrix.py checks that the quick entry is taken.
    """
    if request.param == "generic":
        with force_generic():
            yield request.param
        return
    _register_quick_entries()
    assert _dispatch.OPEN_BLOCKS == 0, "a force_generic() block is left open"
    yield request.param
    assert _dispatch.OPEN_BLOCKS == 0, "the test left a force_generic() block open"


@functools.cache
def _register_quick_entries() -> None:
    """Find every usable backend's fast path once, as a first call would."""
    for b in BACKENDS:
        if b.skip_reason() is None:
            with active(b):
                _backends.lookup(b.asarray(np.zeros(1)), b.xp)
