"""The test matrix itself: its fast leg runs what a default call runs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import selu_xp
from selu_xp import _backends, _dispatch
from selu_xp._family import NAMES

from ._backends import Backend

FUNCTIONS = NAMES

# The backends whose array type has a quick entry, and the functions for which
# that entry returns the result itself rather than None (the long way).
QUICK_RESULTS = {
    "numpy": set(FUNCTIONS),
    "torch": set(FUNCTIONS),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_fast_leg_takes_the_quick_entry(
    backend: Backend, name: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the fast leg a default call goes through the quick entry, as it does
    outside the tests, from the test's first call on; on the generic leg it
    does not."""
    x = backend.asarray(np.linspace(-2.0, 2.0, 9))
    if path == "generic":
        _backends.lookup(x, backend.xp)  # the fast leg did this
    found = _backends.BY_TYPE.get(type(x))
    quick = None if found is None else found.quick
    if backend.module not in QUICK_RESULTS:
        assert quick is None, f"{backend} has a quick entry the matrix ignores"
        return
    assert quick is not None, f"no quick entry for {type(x).__name__}"
    returned: list[bool] = []

    def spy(*args: Any) -> Any:
        result = quick(*args)
        returned.append(result is not None)
        return result

    assert found is not None
    monkeypatch.setitem(_backends.BY_TYPE, type(x), found._replace(quick=spy))
    getattr(selu_xp, name)(x)
    if path == "generic":
        assert _dispatch.OPEN_BLOCKS > 0
        assert returned == []
    else:
        assert _dispatch.OPEN_BLOCKS == 0
        assert returned == [name in QUICK_RESULTS[backend.module]]
