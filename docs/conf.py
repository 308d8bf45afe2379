"""Sphinx configuration for the selu_xp documentation.

Build the site (offline, warnings as errors) from the repository root with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

run every example on it with::

    python -m sphinx -W --keep-going -b doctest docs docs/_build/doctest

and look at every page of the built site in headless Chromium with::

    python docs/check_browser.py docs/_build/html

The site reads offline too: MathJax is served from its _static/ folder.

Set ``SELU_XP_DOCS_INTERSPHINX=1`` to link to the NumPy, PyTorch, JAX, CuPy,
Dask and array API documentation; that needs network access to fetch their
inventories, so it is off by default and the build never depends on it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def _local_package(name: str) -> None:
    """Import docs/`name`/ as the package `name`, for ``extensions``."""
    spec = importlib.util.spec_from_file_location(name, DOCS / name / "__init__.py")
    assert spec is not None
    assert spec.loader is not None
    sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules[name])


_local_package("_ext")

from _ext import (  # noqa: E402
    benchmark_page,
    constant_docs,
    missing_frameworks,
    public_names,
)

import selu_xp  # noqa: E402

# -- Project ------------------------------------------------------------------
project = "selu_xp"
author = "The selu_xp developers"
copyright = "2026, The selu_xp developers"
release = selu_xp.__version__
version = release

# -- General ------------------------------------------------------------------
extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.extlinks",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",
    "sphinx_copybutton",
    "matplotlib.sphinxext.plot_directive",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "plots/**", "README*"]
default_role = "py:obj"
nitpicky = False

# MathJax is served from the site itself: the sphinx-mathjax-offline extension
# (the docs extra) copies MathJax 3 into _static/mathjax/ and points
# mathjax_path at its tex-chtml.js, so the formulas render with no network.
# Leave mathjax_path unset here: the extension sets it.  textmacros makes
# \_ and the like inside \text{} work as in LaTeX (fan\_in in a docstring).
mathjax3_config = {
    "loader": {"load": ["[tex]/textmacros"]},
    "tex": {"packages": {"[+]": ["textmacros"]}},
}

myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

extlinks = {"arxiv": ("https://arxiv.org/abs/%s", "arXiv:%s")}

# -- API reference ------------------------------------------------------------
autosummary_generate = [
    "api/index.md",
    "api/frameworks.md",
    "api/toolkit.md",
    "api/testing.md",
]
# selu_xp.keras and selu_xp.torch import Keras and PyTorch, which the docs
# extra leaves out: where one is missing, a stand-in takes its place, so that
# their pages are built from their docstrings all the same.
STANDING_IN = missing_frameworks.install()
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_class_members_toctree = False

# -- Examples as doctests -----------------------------------------------------
# Only the examples written on the pages run here; the docstrings' examples
# run under pytest --doctest-modules (with the same NumPy output format).
doctest_test_doctest_blocks = ""
doctest_global_setup = """
import importlib.util

import numpy as np
import selu_xp

np.set_printoptions(legacy=False)


def _installed(name):
    return importlib.util.find_spec(name) is not None


HAS_TORCH = _installed("torch")
HAS_JAX = _installed("jax")
HAS_DASK = _installed("dask")
HAS_STRICT = _installed("array_api_strict")
HAS_TF = _installed("tensorflow")
HAS_KERAS = _installed("keras")
"""
doctest_default_flags = (
    __import__("doctest").ELLIPSIS
    | __import__("doctest").NORMALIZE_WHITESPACE
    | __import__("doctest").DONT_ACCEPT_TRUE_FOR_1
)

# -- Figures, generated at build time -----------------------------------------
plot_basedir = str(DOCS / "plots")
plot_working_directory = str(DOCS / "plots")
plot_formats = [("png", 130)]
plot_html_show_formats = False
plot_html_show_source_link = True
plot_include_source = False
plot_rcparams = {"figure.autolayout": True, "font.size": 10}
plot_apply_rcparams = True

# -- Links to other projects --------------------------------------------------
INTERSPHINX = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "torch": ("https://docs.pytorch.org/docs/stable", None),
    "jax": ("https://docs.jax.dev/en/latest", None),
    "cupy": ("https://docs.cupy.dev/en/stable", None),
    "dask": ("https://docs.dask.org/en/stable", None),
    "array-api": ("https://data-apis.org/array-api/latest", None),
}
intersphinx_mapping = INTERSPHINX if os.environ.get("SELU_XP_DOCS_INTERSPHINX") else {}
intersphinx_timeout = 10

# -- HTML ---------------------------------------------------------------------
html_theme = "furo"
html_title = f"selu_xp {release}"
# Layout corrections to furo (tables, tracebacks, formulas on a phone).
html_static_path = ["_static"]
html_css_files = ["selu_xp.css"]
# A browser asks every site for an icon; without one it logs a 404.
html_favicon = "_static/favicon.svg"
html_theme_options = {"navigation_with_keys": True}
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True


def setup(app):  # type: ignore[no-untyped-def]
    """Connect the checks and fallbacks of the local extensions."""
    app.connect("env-check-consistency", public_names.check_documented)
    app.connect("autodoc-process-docstring", constant_docs.use_definition_docs)
    # The Performance and GPU pages' results sections and the {result} role
    # read benchmarks/results/ (docs/_ext/benchmark_page.py).
    benchmark_page.setup(app)
