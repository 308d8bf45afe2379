"""Test runs against the newest and the lowest declared dependency versions.

``nox -s newest`` is the README's test command in a fresh environment: every
CPU backend at its newest release (PyTorch at 2.13.0, the CPU build that
installs without a download of several GB).  ``.ci/run`` runs the same command
on its own environment first, so CI does not run this session again.

``nox -s minimum`` (Python 3.10, the oldest that the project declares) and
``nox -s minimum_jax`` (Python 3.11, the oldest that JAX 0.8 runs on) install
``[project] dependencies`` and the extras they name at the lowest releases
that ``pyproject.toml`` allows, read from it (``numpy>=2.0`` becomes
``numpy==2.0``, that is 2.0.0), and run the tests that apply.  The kernel is
built as in any install, in pip's build isolation, and each session checks
that it loads before the tests run.  The test tools (pytest, hypothesis,
mpmath, ...) take their newest releases that install beside those pins; the
tests of the backends that are not installed skip, as everywhere.  ``.ci/run``
runs both.  torch, tensorflow-cpu and keras are bounded below by the releases
that the README's test command installs (other torch builds are downloads of
several GB); cupy is tested on a GPU machine only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox
from packaging.requirements import Requirement

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["minimum", "minimum_jax"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
# What the minimum runs test: the NumPy kernel, the fast and the generic path
# of every installed backend, the input policy, the errors and the random
# numbers (every test file whose tests run without torch and tensorflow).
MINIMUM_TESTS = (
    "tests/test_accuracy.py",
    "tests/test_activations.py",
    "tests/test_constants.py",
    "tests/test_dropout.py",
    "tests/test_errors.py",
    "tests/test_initializers.py",
    "tests/test_input_policy.py",
    "tests/test_kernel.py",
    "tests/test_matrix.py",
    "tests/test_parameters.py",
    "tests/test_public_api.py",
    "tests/test_random.py",
    "tests/test_transforms.py",
)
# Tests that need more than the lowest releases, and why.
NEEDS_NEWER = (
    # It asserts that torch and jax are installed, to have foreign generators.
    "tests/test_random.py::test_generator_of_another_backend_is_refused",
    # NumPy's dispatch names that it disables are those of the newest NumPy.
    "tests/test_kernel.py::test_accuracy_with_numpy_simd_disabled",
    # marray wraps the numpy module itself, an array API namespace from 2.1 on.
    "tests/test_input_policy.py::test_marray_keeps_its_mask_through_every_function",
    # array-api-strict's "no_float64" device is newer than 2.3.
    "tests/test_initializers.py::test_strict_device_without_float64",
)
# Loads the compiled kernel (a test of it would skip rather than fail) and says
# which versions run.
CHECK_KERNEL = """\
import array_api_compat, numpy, selu_xp._kernels._ufunc as k
print("kernel", k.__file__, "on numpy", numpy.__version__,
      "array-api-compat", array_api_compat.__version__)
"""


def _lowest(requirement: str) -> str:
    """`requirement` pinned to its ``>=`` bound (``numpy>=2.0``: 2.0.0)."""
    req = Requirement(requirement)
    bounds = [s.version for s in req.specifier if s.operator == ">="]
    if len(bounds) != 1:
        msg = f"{requirement!r} has no single '>=' bound to pin."
        raise ValueError(msg)
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}=={bounds[0]}"


def minimum_pins(*extras: str) -> list[str]:
    """The runtime requirements and those of `extras` at their lowest releases."""
    project = PYPROJECT["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return [_lowest(r) for r in requirements]


def _copy_of_checkout(session: nox.Session) -> Path:
    """A copy of the checkout, without build outputs, caches and environments."""
    copy = Path(session.create_tmp()) / "checkout"
    shutil.rmtree(copy, ignore_errors=True)
    skip = shutil.ignore_patterns(
        ".git", ".venv", ".nox", "build", "_build", "generated", "*.egg-info",
        "*.so", "*.o", "__pycache__", ".*_cache", ".hypothesis",
    )  # fmt: skip
    shutil.copytree(Path.cwd(), copy, ignore=skip)
    return copy


def _run_minimum(session: nox.Session, extras: tuple[str, ...], *args: str) -> None:
    test = PYPROJECT["project"]["optional-dependencies"]["test"]
    # An editable install in a copy: the kernel is built next to the sources
    # that the tests import (``python -m pytest`` puts the working directory
    # first on ``sys.path``), and the checkout's own build is left alone.
    session.chdir(_copy_of_checkout(session))
    session.install("-e", ".", *minimum_pins(*extras), *test)
    session.run("python", "-c", CHECK_KERNEL)
    deselect = [f"--deselect={t}" for t in NEEDS_NEWER]
    session.run("python", "-m", "pytest", *deselect, *args, *session.posargs)


@nox.session
def newest(session: nox.Session) -> None:
    """The README's test command: every CPU backend at its newest release."""
    session.install("torch==2.13.0", "-e", ".[backends,test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python="3.10")
def minimum(session: nox.Session) -> None:
    """NumPy, array-api-strict and Dask at their lowest releases, on Python 3.10."""
    _run_minimum(session, ("strict", "dask"), *MINIMUM_TESTS)


@nox.session(python="3.11")
def minimum_jax(session: nox.Session) -> None:
    """JAX at its lowest release (which needs Python 3.11), its tests only."""
    _run_minimum(session, ("jax",), "-k", "jax", *MINIMUM_TESTS)
