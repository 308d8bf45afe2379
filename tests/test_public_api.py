"""The public namespace is exactly what __all__ says."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import selu_xp

from ._processes import run_python

DOCS = Path(__file__).resolve().parent.parent / "docs" / "api"


def _documented() -> set[str]:
    """The names the API pages list in their autosummary tables."""
    names = set()
    for page in ("index.md", "toolkit.md"):
        for line in (DOCS / page).read_text().splitlines():
            if line.startswith("   ") and not line.lstrip().startswith(":"):
                names.add(line.strip())
    return names - {""}


# The public names: those of the API pages, and the version.
PUBLIC = _documented() | {"__version__"}


def test_all_lists_exactly_the_public_names() -> None:
    assert set(selu_xp.__all__) == PUBLIC
    assert list(selu_xp.__all__) == sorted(selu_xp.__all__)
    exported = {
        name
        for name, value in vars(selu_xp).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert exported == PUBLIC - {"__version__"}


# The modules whose __all__ is public API; each public callable's docstring
# is held to every numpydoc check ([tool.numpydoc_validation] in pyproject.toml
# leaves the private modules, where these are defined, to this test).
PUBLIC_MODULES = (
    *("selu_xp", "selu_xp.keras", "selu_xp.torch"),
    *("selu_xp.testing", "selu_xp.testing.oracle"),
)


def _public_callables(module_name: str) -> list[str]:
    module = pytest.importorskip(module_name)
    names = [
        f"{module_name}.{name}"
        for name in module.__all__
        if callable(getattr(module, name))
        and not inspect.ismodule(getattr(module, name))
    ]
    if module_name == "selu_xp.torch":
        names.append("selu_xp.torch.init.lecun_normal_")
    return names


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_docstrings_pass_every_numpydoc_check(module_name: str) -> None:
    from numpydoc.validate import validate

    failures = {
        name: [f"{code}: {message}" for code, message in validate(name)["errors"]]
        for name in _public_callables(module_name)
    }
    assert {k: v for k, v in failures.items() if v} == {}


def test_the_harness_page_lists_exactly_its_public_names() -> None:
    import selu_xp.testing
    from selu_xp.testing import oracle

    text = (DOCS / "testing.md").read_text()
    listed = {
        line.strip()
        for line in text.splitlines()
        if line.startswith("   ") and not line.lstrip().startswith(":")
    }
    assert listed == {*selu_xp.testing.__all__, *oracle.__all__}


def test_signatures_are_the_documented_ones() -> None:
    sig = inspect.signature(selu_xp.selu)
    assert [(p.name, p.kind) for p in sig.parameters.values()][:3] == [
        ("x", inspect.Parameter.POSITIONAL_ONLY),
        ("alpha", inspect.Parameter.KEYWORD_ONLY),
        ("scale", inspect.Parameter.KEYWORD_ONLY),
    ]
    sig = inspect.signature(selu_xp.elu)
    assert [(p.name, p.kind) for p in sig.parameters.values()][:2] == [
        ("x", inspect.Parameter.POSITIONAL_ONLY),
        ("alpha", inspect.Parameter.POSITIONAL_OR_KEYWORD),
    ]
    assert sig.parameters["alpha"].default == 1.0


FRAMEWORK_MODULES = {
    "selu_xp.keras": {"AlphaDropout", "LecunNormal", "selu"},
    "selu_xp.torch": {"AlphaDropout", "SELU", "init"},
}


@pytest.mark.parametrize("name", sorted(FRAMEWORK_MODULES))
def test_framework_modules_all_and_docstrings(name: str) -> None:
    module = pytest.importorskip(name)
    assert set(module.__all__) == FRAMEWORK_MODULES[name]
    assert len(module.__all__) == len(FRAMEWORK_MODULES[name])


def test_import_selu_xp_imports_no_framework_module() -> None:
    code = (
        "import sys, selu_xp\n"
        "loaded = {'selu_xp.keras', 'selu_xp.torch', 'keras', 'tensorflow'}\n"
        "assert not loaded & set(sys.modules), loaded & set(sys.modules)\n"
    )
    done = run_python("-c", code, timeout=120)
    assert done.returncode == 0, done.stderr
