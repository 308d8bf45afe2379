"""JAX arrays on the CPU run the kernel through XLA's FFI: the handler's view
of XLA's binary interface, both x64 modes, the transforms and shard_map."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import selu_xp
from selu_xp._backends import numpy as numpy_backend

from ._processes import ROOT, run_command, run_python

jax = pytest.importorskip("jax")
_ufunc = pytest.importorskip(
    "selu_xp._kernels._ufunc", reason="the compiled kernel was not built here"
)

KERNELS = ROOT / "selu_xp" / "_kernels"

# Each of the handler's declarations (xla_ffi.h) and the structure of
# jaxlib's header it stands for, with their fields in order.
LAYOUTS = {
    ("sx_xla_extension", "XLA_FFI_Extension_Base"): [
        ("struct_size", "struct_size"),
        ("type", "type"),
        ("next", "next"),
    ],
    ("sx_xla_version", "XLA_FFI_Api_Version"): [
        ("struct_size", "struct_size"),
        ("extension_start", "extension_start"),
        ("major", "major_version"),
        ("minor", "minor_version"),
    ],
    ("sx_xla_metadata", "XLA_FFI_Metadata"): [
        ("struct_size", "struct_size"),
        ("version", "api_version"),
        ("traits", "traits"),
        ("state_type_id", "state_type_id"),
    ],
    ("sx_xla_metadata_extension", "XLA_FFI_Metadata_Extension"): [
        ("base", "extension_base"),
        ("metadata", "metadata"),
    ],
    ("sx_xla_buffer", "XLA_FFI_Buffer"): [
        ("struct_size", "struct_size"),
        ("extension_start", "extension_start"),
        ("dtype", "dtype"),
        ("data", "data"),
        ("rank", "rank"),
        ("dims", "dims"),
    ],
    ("sx_xla_list", "XLA_FFI_Args"): [
        ("struct_size", "struct_size"),
        ("extension_start", "extension_start"),
        ("size", "size"),
        ("types", "types"),
        ("items", "args"),
    ],
    ("sx_xla_name", "XLA_FFI_ByteSpan"): [("ptr", "ptr"), ("len", "len")],
    ("sx_xla_scalar", "XLA_FFI_Scalar"): [("dtype", "dtype"), ("value", "value")],
    ("sx_xla_attrs", "XLA_FFI_Attrs"): [
        ("struct_size", "struct_size"),
        ("extension_start", "extension_start"),
        ("size", "size"),
        ("types", "types"),
        ("names", "names"),
        ("values", "attrs"),
    ],
    ("sx_xla_call_frame", "XLA_FFI_CallFrame"): [
        ("struct_size", "struct_size"),
        ("extension_start", "extension_start"),
        ("api", "api"),
        ("ctx", "ctx"),
        ("stage", "stage"),
        ("args", "args"),
        ("rets", "rets"),
        ("attrs", "attrs"),
        ("future", "future"),
    ],
}
CONSTANTS = {
    "SX_XLA_API_MAJOR": "XLA_FFI_API_MAJOR",
    "SX_XLA_EXTENSION_METADATA": "XLA_FFI_Extension_Metadata",
    "SX_XLA_EXECUTE": "XLA_FFI_ExecutionStage_EXECUTE",
    "SX_XLA_F16": "XLA_FFI_DataType_F16",
    "SX_XLA_F32": "XLA_FFI_DataType_F32",
    "SX_XLA_F64": "XLA_FFI_DataType_F64",
    "SX_XLA_BF16": "XLA_FFI_DataType_BF16",
}


def test_the_handlers_declarations_match_jaxlibs_header(tmp_path: Path) -> None:
    """Every size, offset and constant the handler relies on, against the
    header of the installed jaxlib, by a C compiler."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler here")
    lines = [
        "#include <stddef.h>",
        '#include "xla/ffi/api/c_api.h"',
        f'#include "{KERNELS / "xla_ffi.h"}"',
    ]
    for (ours, theirs), fields in LAYOUTS.items():
        lines.append(
            f'_Static_assert(sizeof({ours}) == sizeof({theirs}), "{ours} size");'
        )
        for mine, field in fields:
            lines.append(
                f"_Static_assert(offsetof({ours}, {mine}) == offsetof({theirs}, "
                f'{field}), "{ours}.{mine}");'
            )
    lines.append('_Static_assert(sizeof(sx_xla_list) == sizeof(XLA_FFI_Rets), "rets");')
    for ours, theirs in CONSTANTS.items():
        lines.append(f'_Static_assert({ours} == {theirs}, "{ours}");')
    # The version reported is one that this XLA accepts: no newer than its own.
    lines.append('_Static_assert(SX_XLA_API_MINOR <= XLA_FFI_API_MINOR, "minor");')
    source = tmp_path / "layout.c"
    source.write_text("\n".join(lines) + "\n")
    run = run_command(
        cc, "-std=c11", "-fsyntax-only", f"-I{jax.ffi.include_dir()}", str(source)
    )
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("x64", [False, True])
def test_both_x64_modes_run_the_kernel(x64: bool) -> None:
    """In a fresh process each: float32 (and float64 with x64) on the
    kernel's handler, its bits, under jit and vmap."""
    script = f"""
import jax, numpy as np
jax.config.update("jax_enable_x64", {x64})
import selu_xp
from selu_xp._backends import numpy as nb
rng = np.random.default_rng(0)
dtypes = ["float32", "float64"] if {x64} else ["float32"]
for dtype in dtypes:
    x = (rng.standard_normal(10**5) * 30).astype(dtype)
    want = nb.kernel_ufunc("selu")(x).view("u%d" % x.itemsize)
    for f in (selu_xp.selu, jax.jit(selu_xp.selu), jax.vmap(selu_xp.selu)):
        got = np.asarray(f(jax.numpy.asarray(x))).view(want.dtype)
        assert (got == want).all(), dtype
    text = jax.jit(selu_xp.selu).lower(jax.numpy.asarray(x)).as_text()
    assert "selu_xp_elu_family" in text, text
print("ok")
"""
    _run_ok(script)


def test_transforms_use_the_derivative_kernel() -> None:
    x = np.linspace(-60.0, 5.0, 1001).astype(np.float32)
    slope = numpy_backend.kernel_ufunc("selu_derivative")(x)
    xj = jax.numpy.asarray(x)
    grads = {
        "grad": jax.grad(lambda v: selu_xp.selu(v).sum())(xj),
        "vmap(grad)": jax.vmap(jax.grad(selu_xp.selu))(xj),
        "jacfwd": jax.numpy.diagonal(jax.jacfwd(selu_xp.selu)(xj[:50])),
        "jvp": jax.jvp(selu_xp.selu, (xj,), (jax.numpy.ones_like(xj),))[1],
    }
    for name, g in grads.items():
        want = slope[: np.asarray(g).size]
        np.testing.assert_array_equal(np.asarray(g), want, err_msg=name)
    # f'' is f' left of 0 and 0 right of it, also from the kernel
    second = jax.vmap(jax.grad(jax.grad(selu_xp.selu)))(xj)
    np.testing.assert_array_equal(np.asarray(second), np.where(x > 0, 0, slope))


def test_shard_map_over_host_devices() -> None:
    """On 4 host devices (XLA_FLAGS, a fresh process): each shard runs the
    handler, the whole has the kernel's bits."""
    script = """
import os
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
import jax, numpy as np
from jax.sharding import Mesh, PartitionSpec as P
import selu_xp
from selu_xp._backends import numpy as nb
mesh = Mesh(np.array(jax.devices()), ("i",))
f = jax.jit(jax.shard_map(selu_xp.selu, mesh=mesh, in_specs=P("i"), out_specs=P("i")))
x = np.linspace(-20, 5, 4096, dtype=np.float32)
got = np.asarray(f(jax.numpy.asarray(x)))
assert len(jax.devices()) == 4
assert (got.view(np.uint32) == nb.kernel_ufunc("selu")(x).view(np.uint32)).all()
print("ok")
"""
    _run_ok(script)


def test_half_dtypes_and_empty_arrays() -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    every = np.arange(2**16, dtype=np.uint16)
    for dtype, code in ((np.float16, 0), (ml_dtypes.bfloat16, 1)):
        want = np.empty_like(every)
        f = numpy_backend.kernel_ufunc("elu")
        _ufunc.apply(f, code, every.ctypes.data, want.ctypes.data, every.size)
        got = np.asarray(selu_xp.elu(jax.numpy.asarray(every.view(dtype))))
        np.testing.assert_array_equal(got.view(np.uint16), want)
    empty = selu_xp.selu(jax.numpy.zeros((0, 3), dtype=jax.numpy.float32))
    assert empty.shape == (0, 3)


def _run_ok(script: str) -> None:
    """Run `script` in a fresh Python process; it must print ``ok`` last."""
    run = run_python("-c", script)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().endswith("ok")
