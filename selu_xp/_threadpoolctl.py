"""The kernel's thread pool as one of threadpoolctl's libraries.

threadpoolctl finds the thread pools of the shared libraries a process has
loaded by their file names and symbols.  Registered here, it lists the
compiled kernel (``user_api`` and ``internal_api`` "selu_xp") in
``threadpool_info()``, and ``threadpool_limits(n)`` sets its thread count for
a block as it does for BLAS and OpenMP.  The count is the one
`selu_xp.set_num_threads` sets.

selu_xp registers the controller when it is imported after threadpoolctl,
and when threadpoolctl is imported after it (an import hook that does
nothing else); importing selu_xp never imports threadpoolctl.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["install"]

_NAME = "threadpoolctl"


def _register(threadpoolctl: Any) -> None:
    """Register the kernel's controller with the `threadpoolctl` module."""
    from . import __version__

    class SeluXpController(threadpoolctl.LibController):  # type: ignore[misc]
        """The compiled kernel's thread pool."""

        user_api = "selu_xp"
        internal_api = "selu_xp"
        filename_prefixes = ("_ufunc",)
        check_symbols = ("selu_xp_get_num_threads", "selu_xp_set_num_threads")

        def get_num_threads(self) -> int:
            return int(self.dynlib.selu_xp_get_num_threads())

        def set_num_threads(self, num_threads: int) -> None:
            self.dynlib.selu_xp_set_num_threads(int(num_threads))

        def get_version(self) -> str:
            return __version__

    threadpoolctl.register(SeluXpController)


class _Loader(importlib.abc.Loader):
    """threadpoolctl's own loader, then the registration."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _register(module)


class _Finder(importlib.abc.MetaPathFinder):
    """Waits for threadpoolctl's import, once."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _NAME:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    """Register the controller now or when threadpoolctl is imported."""
    from ._backends.numpy import kernel_module

    if kernel_module() is None:
        return  # no compiled kernel, no pool
    if _NAME in sys.modules:
        _register(sys.modules[_NAME])
    elif not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
