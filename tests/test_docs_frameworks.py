"""The API pages of selu_xp.keras and selu_xp.torch build without the frameworks.

The docs extra installs neither Keras nor PyTorch, so the docs build stands
in for a missing one while it imports the two modules
(``docs/_ext/missing_frameworks.py``).  Here a process that cannot import
Keras or PyTorch runs that step and reads what autodoc reads: the classes
and functions themselves, with their own docstrings and signatures, and no
stand-in left behind for the rest of the build.  CI builds the whole site
so, from a new environment with only the docs extra (.ci/run).
"""

from __future__ import annotations

import json

from ._processes import run_python

# Keras and PyTorch made unimportable, as in an environment without them;
# then the docs' configuration step, and what autodoc would read.
SCRIPT = """
import importlib.abc, inspect, json, sys

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("keras", "torch"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, Missing())
from _ext import missing_frameworks

standing_in = missing_frameworks.install()
import selu_xp.keras as sk
import selu_xp.torch as st

out = {"standing_in": standing_in, "left": [m for m in sys.modules
       if m.split(".")[0] in ("keras", "torch")]}
for module, names in ((sk, sk.__all__), (st, st.__all__)):
    for name in names:
        obj = getattr(module, name)
        out[f"{module.__name__}.{name}"] = {
            "kind": "class" if isinstance(obj, type) else type(obj).__name__,
            "doc": (inspect.getdoc(obj) or "").splitlines()[0],
            "signature": str(inspect.signature(obj)) if callable(obj) else "",
        }
print(json.dumps(out))
"""


def test_framework_modules_import_for_the_docs_without_the_frameworks() -> None:
    # PYTHONPATH: the docs' _ext package
    done = run_python("-c", SCRIPT, env={"PYTHONPATH": "docs"}, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out.pop("standing_in") == ["keras", "torch"]
    assert out.pop("left") == []
    want = {
        "selu_xp.keras.selu": ("function", "The SELU activation", "(x: 'Array')"),
        "selu_xp.keras.LecunNormal": ("class", "LeCun-normal initializer", "seed"),
        "selu_xp.keras.AlphaDropout": ("class", "Alpha dropout for Keras", "rate"),
        "selu_xp.torch.SELU": ("class", "The SELU activation as a module", "alpha"),
        "selu_xp.torch.AlphaDropout": ("class", "Alpha dropout as a module", "p"),
        "selu_xp.torch.init": ("SimpleNamespace", "", ""),
    }
    for name, (kind, doc, signature) in want.items():
        got = out.pop(name)
        assert got["kind"] == kind, (name, got)
        assert got["doc"].startswith(doc), (name, got)
        assert signature in got["signature"], (name, got)
    assert out == {}
