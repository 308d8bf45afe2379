"""selu_xp against the frameworks' own SELU, where selu_xp runs its kernel.

``python -m benchmarks.frameworks`` measures, in one process, with the two
sides' calls in alternating blocks (`benchmarks.facts.alternating_blocks`):

* PyTorch CPU tensors: ``selu_xp.selu`` against ``torch.nn.functional.selu``
  at 1e3 .. 1e7 elements, float32 and float64 (the median time per call and
  the ratio), so the overhead at 1e3 too;
* JAX CPU arrays: ``jax.jit(selu_xp.selu)`` against ``jax.jit(jax.nn.selu)``,
  the same sizes, float32 (float64 needs x64: run with ``--x64``);
* a compiled training step of the seed's model (Dense 20-64-32-16-10, SELU
  between the layers, batch 256, SGD), with ``torch.compile``, selu_xp's
  ``selu`` against ``F.selu``: selu_xp's operator is opaque to Inductor,
  which then cannot fuse the activation into the matrix products' epilogues.

It writes ``benchmarks/results/frameworks.json`` and ``.md`` with the
machine (CPU model and SIMD features) and versions.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.facts import alternating_blocks, machine, save, versions

SIZES = (10**3, 10**4, 10**5, 10**6, 10**7)
CALLS = {10**3: 3000, 10**4: 1500, 10**5: 300, 10**6: 60, 10**7: 12}


WARM_UP = 20
"""Untimed calls at the start of each block: after the block's settling
sleep the core runs slower for a while, which would be charged to the
first calls of every block."""


def _medians(cases: dict[str, Callable[..., Any]], calls: int) -> dict[str, float]:
    """Median seconds per call of each case, timed in alternating blocks,
    each block after `WARM_UP` untimed calls."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for f in cases.values():  # warm up: allocation, compilation
        for _ in range(3):
            f()
    previous = None
    for name, f in alternating_blocks(cases, calls):
        if name != previous:
            for _ in range(WARM_UP):
                f()
            previous = name
        t0 = time.perf_counter()
        f()
        times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def torch_rows(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    import torch

    import selu_xp

    rows = []
    for dtype in ("float32", "float64"):
        for n in sizes:
            x = torch.randn(n, dtype=getattr(torch, dtype))
            cases = {
                "selu_xp": lambda x=x: selu_xp.selu(x),
                "F.selu": lambda x=x: torch.nn.functional.selu(x),
            }
            m = _medians(cases, CALLS[n])
            rows.append(_row("torch", dtype, n, m["selu_xp"], m["F.selu"]))
    return rows


def jax_rows(sizes: tuple[int, ...], x64: bool) -> list[dict[str, Any]]:
    import jax

    import selu_xp

    jax.config.update("jax_enable_x64", x64)
    ours, theirs = jax.jit(selu_xp.selu), jax.jit(jax.nn.selu)
    rows = []
    for dtype in ("float64",) if x64 else ("float32",):
        for n in sizes:
            x = jax.numpy.asarray(np.random.default_rng(0).standard_normal(n), dtype)
            cases = {
                "selu_xp": lambda x=x: ours(x).block_until_ready(),
                "jax.nn.selu": lambda x=x: theirs(x).block_until_ready(),
            }
            m = _medians(cases, CALLS[n])
            rows.append(_row("jax", dtype, n, m["selu_xp"], m["jax.nn.selu"]))
    return rows


def _row(
    library: str, dtype: str, n: int, ours: float, theirs: float
) -> dict[str, Any]:
    return {
        "library": library,
        "dtype": dtype,
        "size": n,
        "selu_xp_us": round(ours * 1e6, 2),
        "own_us": round(theirs * 1e6, 2),
        "ratio": round(ours / theirs, 3),
        "difference_us": round((ours - theirs) * 1e6, 2),
    }


def training_step(steps: int = 300) -> dict[str, Any]:
    """Median time of a compiled training step, selu_xp's selu and F.selu."""
    import torch

    import selu_xp

    def model(activation: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
        torch.manual_seed(0)
        sizes = [20, 64, 32, 16, 10]
        layers = [torch.nn.Linear(a, b) for a, b in itertools.pairwise(sizes)]
        params = [p for layer in layers for p in layer.parameters()]
        opt = torch.optim.SGD(params, lr=0.01)

        def step(x: Any, y: Any) -> Any:
            h = x
            for layer in layers[:-1]:
                h = activation(layer(h))
            loss = torch.nn.functional.cross_entropy(layers[-1](h), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return torch.compile(step)

    x = torch.randn(256, 20)
    y = torch.randint(0, 10, (256,))
    ours = model(selu_xp.selu)
    theirs = model(torch.nn.functional.selu)
    cases = {"selu_xp": lambda: ours(x, y), "F.selu": lambda: theirs(x, y)}
    m = _medians(cases, steps)
    return {
        "model": "Dense 20-64-32-16-10, batch 256, SGD, torch.compile",
        "selu_xp_us": round(m["selu_xp"] * 1e6, 1),
        "own_us": round(m["F.selu"] * 1e6, 1),
        "ratio": round(m["selu_xp"] / m["F.selu"], 3),
    }


def markdown(record: dict[str, Any]) -> str:
    lines = [
        "| library | dtype | elements | selu_xp (µs) | own SELU (µs) "
        "| ratio | difference (µs) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r['library']} | {r['dtype']} | {r['size']:.0e} | {r['selu_xp_us']} "
        f"| {r['own_us']} | {r['ratio']} | {r['difference_us']} |"
        for r in record["rows"]
    ]
    t = record.get("training_step")
    if t:
        lines += [
            "",
            "| training step | selu_xp (µs) | F.selu (µs) | ratio |",
            "| --- | ---: | ---: | ---: |",
            f"| {t['model']} | {t['selu_xp_us']} | {t['own_us']} | {t['ratio']} |",
        ]
    m = record["machine"]
    lines += [
        "",
        f"Measured on {m['cpu']} ({', '.join(m['cpu_features'])}; {m['cores']} "
        f"cores), torch CPU capability {record.get('torch_capability')}, "
        f"{record['date']}; own SELU is torch.nn.functional.selu for torch and "
        "jax.jit(jax.nn.selu) for jax.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e3,1e4,1e5,1e6,1e7")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    sizes = tuple(int(float(s)) for s in args.sizes.split(","))
    import torch

    facts = machine()
    record: dict[str, Any] = {
        "machine": facts,
        "date": facts["date"],
        "versions": versions(),
        "torch_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_threads": torch.get_num_threads(),
    }
    rows = torch_rows(sizes)
    rows += jax_rows(sizes, x64=False)
    record["rows"] = rows
    record["training_step"] = training_step(args.steps)
    record["versions"] = versions()
    text = markdown(record)
    print(text, file=sys.stderr)
    if not args.no_save:
        save("frameworks", record, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
