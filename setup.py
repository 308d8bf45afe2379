"""Build the compiled kernel (selu_xp._kernels._ufunc); everything else is in
pyproject.toml.

The extension is optional: without a C compiler the package still installs,
and every function runs on the generic array-API path.
"""

import sys

import numpy as np
from setuptools import Extension, setup

if sys.platform == "win32":
    FLAGS = ["/O2", "/fp:precise"]
else:
    # No FMA contraction: every dispatch level (and CUDA, built with
    # --fmad=false) must round each operation the same way.
    # -fno-trapping-math lets the compiler vectorize the branch-free selects;
    # the loops clear the floating-point flags they raise.
    FLAGS = ["-O3", "-fno-trapping-math", "-ffp-contract=off", "-fno-math-errno"]

setup(
    ext_modules=[
        Extension(
            "selu_xp._kernels._ufunc",
            sources=["selu_xp/_kernels/_ufunc.c"],
            depends=[
                "selu_xp/_kernels/elu_family.h",
                "selu_xp/_kernels/fpenv.h",
                "selu_xp/_kernels/loops_x86.h",
                "selu_xp/_kernels/pool.h",
                "selu_xp/_kernels/xla_ffi.h",
            ],
            include_dirs=[np.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=FLAGS,
            optional=True,
        )
    ]
)
