"""Stand-ins for Keras and PyTorch, so that the docs build without them.

``selu_xp.keras`` and ``selu_xp.torch`` import their framework, and the API
pages document them with autodoc, which imports them.  The docs extra does
not install the frameworks: PyTorch's default wheel is a CUDA build of
several GB (the README installs the CPU build by name), and Keras needs a
backend.  Where a framework is missing, `install` imports the framework
modules with a stand-in in its place, before autodoc runs: any attribute of
the stand-in is another stand-in, a class derived from one is a plain class,
and a stand-in used as a decorator returns what it decorates.  So the
package's classes and functions keep their own docstrings and signatures,
which are all that the pages show.

Sphinx's ``autodoc_mock_imports`` does not fit: its mock turns a class or
function under a mocked decorator
(``@keras.saving.register_keras_serializable``) into a mock object, which
autosummary documents as data, and gives classes derived from a mock the
mock's ``__new__(*args, **kwargs)`` as signature.

Where a framework is installed nothing is replaced, and the doctest build
runs the framework pages' examples on it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Sequence
from typing import Any

FRAMEWORKS = ("keras", "torch")


class StandIn:
    """Any attribute of a missing framework."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> StandIn:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return StandIn(f"{self._name}.{attr}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]):
            return args[0]  # used as a decorator: what it decorates
        return StandIn(f"{self._name}(...)")

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        return (object,)  # a base class: the derived class is a plain class

    def __repr__(self) -> str:
        return self._name


class _Module(types.ModuleType):
    def __getattr__(self, attr: str) -> StandIn:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return StandIn(f"{self.__name__}.{attr}")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)

    def find_spec(
        self, fullname: str, path: Any, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".")[0] in self.names:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _Module(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a finder that refuses it
        return False


def install() -> list[str]:
    """Import the framework modules, standing in for every missing framework.

    The stand-ins are in ``sys.modules`` only while ``selu_xp.keras`` and
    ``selu_xp.torch`` are imported: they keep theirs, and nothing else in the
    build (the figures' code, the doctests) takes a stand-in for the
    framework.  Returns the names of the missing frameworks.
    """
    missing = [name for name in FRAMEWORKS if not _installed(name)]
    if not missing:
        return missing
    finder = _Finder(missing)
    sys.meta_path.insert(0, finder)
    try:
        for name in FRAMEWORKS:
            importlib.import_module(f"selu_xp.{name}")
    finally:
        sys.meta_path.remove(finder)
        for name in list(sys.modules):
            if name.split(".")[0] in missing:
                del sys.modules[name]
    return missing
