"""Fresh processes for the tests: commands run from the repository's root."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository's root, where every command runs."""


def run_command(
    *command: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    merged: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`command` run from the repository's root, with `env` added to this
    process's environment, and its output as text.

    With `merged` the standard error goes into the output, in the order a
    terminal shows both.
    """
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    merged: bool = False,
) -> subprocess.CompletedProcess[str]:
    """This interpreter run with `args` in a fresh process (`run_command`)."""
    return run_command(sys.executable, *args, env=env, timeout=timeout, merged=merged)
