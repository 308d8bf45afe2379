"""The names the package's signatures use for array API objects.

The array API standard defines protocols, not classes, and selu_xp takes the
arrays of every library, so these are aliases of ``Any`` that say what a
value is meant to be.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, TypeAlias

__all__ = ["Array", "DType", "Device", "Namespace"]

Array: TypeAlias = Any
"""An array of any array API library (or a TensorFlow tensor)."""

DType: TypeAlias = Any
"""A dtype object of an array's namespace."""

Device: TypeAlias = Any
"""A device object of an array's namespace."""

Namespace: TypeAlias = ModuleType
"""An array API namespace (a module, or array-api-compat's wrapper module)."""
