"""Derive every numeric constant of ``elu_family.h``.

The header's block between ``BEGIN DERIVED CONSTANTS`` and ``END DERIVED
CONSTANTS`` is this module's output, nothing typed by hand::

    python -m selu_xp._kernels.derive          # print the block
    python -m selu_xp._kernels.derive --write  # rewrite it in the header

The test suite re-derives the block and compares it with the header.  It
needs mpmath (the ``test`` extra); the package never imports this module.

What it derives:

* splits of ln2 and ln2/32 whose high parts have few enough bits that their
  products with the reduction's integer ``k`` are exact;
* the table ``2^(j/32)``, j = 0 .. 31, each entry rounded to nearest;
* the table's low parts ``2^(j/32) - table[j]``, for the float64 path;
* the fast polynomial: ``e^r - 1 ~ r (1 + r (c2 + r (c3 + r (c4 + r c5))))``
  on ``|r| <= ln2/64`` (a little more), its coefficients fitted by the Remez
  exchange for the smallest relative error, then rounded to double, and the
  error of the rounded polynomial measured on a dense grid;
* the careful (float64) polynomial ``e^r - 1 ~ r + r^2/2 + r^3 (d3 + ... +
  d7 r^4)`` on the same range, fitted and measured the same way;
* the error bounds of both evaluations, added term by term as the header
  argues them, and the rounding test's width.
"""

from __future__ import annotations

import argparse
import functools
from fractions import Fraction
from pathlib import Path
from typing import Any

HEADER = Path(__file__).with_name("elu_family.h")
BEGIN = "/* ---- BEGIN DERIVED CONSTANTS (python -m selu_xp._kernels.derive) ---- */"
END = "/* ---- END DERIVED CONSTANTS ---- */"

TABLE_BITS = 5
"""The table has 2^TABLE_BITS entries: the reduction is x = k ln2/32 + r."""
FAST_DEGREE = 5
"""The degree of the fast polynomial in r (coefficients c2 .. c5)."""
K_BITS = 13
"""|k| < 2^K_BITS for every x the fast evaluation sees (x >= -190)."""
K_BITS_DERIVATIVE = 16
"""|k| < 2^16 for every x the float64 derivative sees (x >= -760)."""
CAREFUL_DEGREE = 7
"""The degree of the careful polynomial in r (coefficients d3 .. d7)."""
FAMILY_LOWEST = -60.0
"""The float64 family's clamp: below it neg * expm1(x) rounds to -neg."""
REDUCED_MAX = 0.0108305
"""A bound on |r|: ln2/64 = 0.010830425 plus the rounding of the reduction."""


def _mp() -> Any:
    import mpmath

    mpmath.mp.dps = 60
    return mpmath


def _double(value: Any) -> float:
    """`value` (an mpf) rounded to the nearest double."""
    return float(value)


def _truncated(value: Any, bits: int) -> float:
    """`value` with its significand cut to `bits` bits (toward zero)."""
    mp = _mp()
    exponent = int(mp.floor(mp.log(abs(value), 2))) + 1 - bits
    return float(mp.floor(value / mp.mpf(2) ** exponent) * mp.mpf(2) ** exponent)


def ln2_splits() -> dict[str, float]:
    """ln2 = HI + LO + LO2 (HI: 32 bits) and ln2/32 = HI + LO (HI: 40 bits)."""
    mp = _mp()
    ln2 = mp.log(2)
    hi = _truncated(ln2, 32)
    lo = _double(ln2 - hi)
    lo2 = _double(ln2 - hi - lo)
    step = ln2 / 2**TABLE_BITS
    step_hi = _truncated(step, 53 - K_BITS)
    step64_hi = _truncated(step, 53 - K_BITS_DERIVATIVE)
    return {
        "SX_LN2_HI": hi,
        "SX_LN2_LO": lo,
        "SX_LN2_LO2": lo2,
        "SX_INV_LN2": _double(1 / ln2),
        "SX_STEP_HI": step_hi,
        "SX_STEP_LO": _double(step - step_hi),
        "SX_INV_STEP": _double(1 / step),
        "SX_STEP64_HI": step64_hi,
        "SX_STEP64_LO": _double(step - step64_hi),
    }


def table() -> list[float]:
    """2^(j/32) rounded to nearest, j = 0 .. 31."""
    mp = _mp()
    n = 2**TABLE_BITS
    return [_double(mp.mpf(2) ** (mp.mpf(j) / n)) for j in range(n)]


def table_lo() -> list[float]:
    """2^(j/32) - table()[j], rounded to nearest, j = 0 .. 31."""
    mp = _mp()
    n = 2**TABLE_BITS
    return [
        _double(mp.mpf(2) ** (mp.mpf(j) / n) - mp.mpf(t)) for j, t in enumerate(table())
    ]


FAST_FIXED = (Fraction(1),)
"""The fast polynomial's fixed leading coefficients: r (1 + r (...))."""
CAREFUL_FIXED = (1, Fraction(1, 2))
"""The careful polynomial's fixed leading coefficients: r + r^2/2 + ..."""


def _fixed_part(fixed: tuple[Fraction, ...], r: Any) -> Any:
    """The fixed leading terms, sum of fixed[i] r^(i+1)."""
    mp = _mp()
    return sum(
        mp.mpf(f.numerator) / f.denominator * r ** (i + 1) for i, f in enumerate(fixed)
    )


def _relative_error(
    coefficients: list[Any], r: Any, fixed: tuple[Any, ...] = FAST_FIXED
) -> Any:
    """(p(r) - (e^r - 1)) / (e^r - 1) for the polynomial of `coefficients`
    after the `fixed` leading terms."""
    mp = _mp()
    q = mp.mpf(0)
    for c in reversed(coefficients):
        q = c + r * q
    p = _fixed_part(fixed, r) + r ** (len(fixed) + 1) * q
    exact = mp.expm1(r)
    return (p - exact) / exact


def _grid(points: int) -> list[Any]:
    """Chebyshev-spaced points of [-REDUCED_MAX, REDUCED_MAX], without 0."""
    mp = _mp()
    h = mp.mpf(REDUCED_MAX)
    grid = [h * mp.cos(mp.pi * (i + 0.5) / points) for i in range(points)]
    return [g for g in grid if g != 0]


def remez(
    degree: int = FAST_DEGREE,
    iterations: int = 12,
    fixed: tuple[Any, ...] = FAST_FIXED,
) -> list[Any]:
    """The coefficients after the `fixed` leading terms, up to r^degree,
    minimizing the relative error to e^r - 1.

    With f fixed terms F(r) the error is ``r^(f+1) (P(r) - g(r)) / (e^r -
    1)`` with g = (e^r - 1 - F(r))/r^(f+1): a linear problem in the
    coefficients, solved by the Remez exchange over a dense grid (the error
    vanishes at r = 0, which is left out).
    """
    mp = _mp()
    unknowns = degree - len(fixed)
    grid = _grid(4000)
    h = mp.mpf(REDUCED_MAX)
    # A start away from r = 0, where every basis function vanishes.
    reference = [
        h * mp.cos(mp.pi * (i + 0.25) / (unknowns + 0.5)) for i in range(unknowns + 1)
    ]

    def basis(r: Any) -> list[Any]:
        w = r ** (len(fixed) + 1) / mp.expm1(r)
        return [w * r**i for i in range(unknowns)]

    def target(r: Any) -> Any:
        return 1 - _fixed_part(fixed, r) / mp.expm1(r)

    coefficients: list[Any] = []
    for _ in range(iterations):
        rows = [[*basis(x), (-1) ** i] for i, x in enumerate(reference)]
        solution = mp.lu_solve(
            mp.matrix(rows), mp.matrix([target(x) for x in reference])
        )
        coefficients = [solution[i] for i in range(unknowns)]
        errors = [_relative_error(coefficients, r, fixed) for r in grid]
        reference = _alternating_extrema(grid, errors, unknowns + 1)
    return coefficients


def _alternating_extrema(grid: list[Any], errors: list[Any], count: int) -> list[Any]:
    """`count` points of alternating error sign with the largest errors."""
    runs: list[tuple[Any, Any]] = []  # (|error|, r), one per run of a sign
    for r, e in sorted(zip(grid, errors, strict=True)):
        if runs and (e > 0) == (runs[-1][1] > 0):
            if abs(e) > abs(runs[-1][1]):
                runs[-1] = (r, e)
        else:
            runs.append((r, e))
    while len(runs) > count:  # drop the smaller of the two ends
        runs.pop(0 if abs(runs[0][1]) < abs(runs[-1][1]) else -1)
    return [r for r, _ in runs]


@functools.cache
def _fitted(degree: int, fixed: tuple[Any, ...]) -> tuple[tuple[float, ...], float]:
    """The Remez coefficients after `fixed`, rounded to double, and the
    largest relative error of their polynomial (evaluated exactly) on the
    dense grid and at the ends.  Cached: the header's block and the tests
    ask for the same fits."""
    mp = _mp()
    rounded = tuple(_double(c) for c in remez(degree, fixed=fixed))
    h = mp.mpf(REDUCED_MAX)
    points = [*_grid(20000), h, -h]
    worst = max(
        abs(_relative_error([mp.mpf(c) for c in rounded], r, fixed)) for r in points
    )
    return rounded, float(worst)


def fast_coefficients() -> tuple[tuple[float, ...], float]:
    """The fast polynomial's c2 .. c5 in double, and its relative error."""
    return _fitted(FAST_DEGREE, FAST_FIXED)


def careful_coefficients() -> tuple[tuple[float, ...], float]:
    """The careful polynomial's d3 .. d7 in double, and its relative error."""
    return _fitted(CAREFUL_DEGREE, CAREFUL_FIXED)


def careful_error_bounds(poly_error: float) -> tuple[float, float]:
    """Relative error bounds of the float64 family and derivative before
    their last rounding, the terms as ``elu_family.h`` argues them.

    The family's absolute errors are divided by the smallest ``|e^x - 1|``
    with k != 0 (k = 0 has the same terms relative to ``e^x - 1`` itself,
    and smaller), and its polynomial terms are weighted by ``rho``, the
    largest ``|s p| / |e^x - 1|``.
    """
    mp = _mp()
    u = mp.mpf(2) ** -53
    h = mp.mpf(REDUCED_MAX)
    c26 = mp.mpf(2) ** -26
    splits = ln2_splits()
    smallest = -mp.expm1(-(mp.log(2) / 2 ** (TABLE_BITS + 1)) * (1 - mp.mpf(2) ** -50))
    rho = mp.expm1(h) / smallest
    k_max = -FAMILY_LOWEST / (mp.log(2) / 2**TABLE_BITS) + 1
    b_max = k_max * abs(mp.mpf(splits["SX_STEP_LO"]))
    coefficient = u * c26  # neg' = N1 + N2, N2 rounded once
    table = 2 * u * c26  # each entry's low part: a few roundings below 2^-26
    reduction = u / 2 * b_max * 2 + b_max**2 / 2 * (1 + h) + u * h * b_max
    # a^2, its sum with a^3 q, the products in q, over |p| >= |a| (1 - h/2).
    evaluation = (u / 4 * h + u / 2 * h / 2 * (1 + h) + 3 * u * h**2) / (1 - h / 2)
    polynomial = rho * (mp.mpf(poly_error) + evaluation)
    assembly = (u / 2 * 2 * c26 + 5 * u / 2 * 4 * c26 + u / 2 * 2 * b_max) / smallest
    family = (
        coefficient + (table * (1 + h) + reduction) / smallest + polynomial + assembly
    )
    derivative = (
        coefficient
        + table
        + (u / 2 * h + mp.mpf(poly_error) * h + u * h)  # r, p, its roundings
        + 3 * u / 2 * h * (1 + h)  # s p, s_lo (1 + p) and their sum
    )
    return float(family), float(derivative)


def fast_error_bound(poly_error: float) -> float:
    """A bound on the relative error of the fast ``neg * expm1(x)``, x <= 0.

    The terms, each argued in ``elu_family.h``: the reduction (r exact but
    for one rounding), the table entry's rounding, the polynomial
    (`poly_error` plus two roundings), the product ``s * p``, the final
    subtraction, and the coefficient ``neg_hi`` with its product.  The
    absolute errors are divided by the smallest |e^x - 1| with k != 0.
    """
    mp = _mp()
    u = mp.mpf(2) ** -53
    h = mp.mpf(REDUCED_MAX)
    smallest = -mp.expm1(-(mp.log(2) / 2 ** (TABLE_BITS + 1)) * (1 - mp.mpf(2) ** -50))
    absolute = (
        u + h * u * (1 + h) + h * (1 + h) * (poly_error + 3 * u) + h * u * (1 + h)
    )
    bound = (absolute / smallest + u) * (1 + u) ** 2 + 2 * u
    return float(bound)


def rounding_test_width(bound: float) -> float:
    """Twice `bound`, rounded up to a power of two."""
    import math

    return 2.0 ** math.ceil(math.log2(2 * bound))


def _literal(value: float) -> str:
    """A C literal that reads back as exactly `value`."""
    text = repr(value)
    return text if any(c in text for c in ".e") else text + ".0"


def block() -> str:
    """The header's derived block, as text."""
    import math

    coefficients, error = fast_coefficients()
    lines = [BEGIN]
    for name, value in ln2_splits().items():
        lines.append(f"#define {name} {_literal(value)}")
    lines.append(
        "/* e^r - 1 = r (1 + r (C2 + r (C3 + r (C4 + r C5)))) on |r| <= "
        f"{REDUCED_MAX}: relative\n * error of the rounded coefficients "
        f"(exact arithmetic) {error:.3g} = 2^{math.log2(error):.2f}. */"
    )
    for i, c in enumerate(coefficients, start=2):
        lines.append(f"#define SX_FAST_C{i} {_literal(c)}")
    bound = fast_error_bound(error)
    lines.append(
        f"/* The fast evaluation's relative error is below {bound:.3g} = "
        f"2^{math.log2(bound):.2f}. */"
    )
    lines.append(f"#define SX_NEAR {_literal(rounding_test_width(bound))}")
    careful, careful_error = careful_coefficients()
    lines.append(
        "/* e^r - 1 = r + r^2/2 + r^3 (D3 + r (D4 + r (D5 + r (D6 + r D7)))) on "
        f"|r| <= {REDUCED_MAX}:\n * relative error of the rounded coefficients "
        f"{careful_error:.3g} = 2^{math.log2(careful_error):.2f}. */"
    )
    for i, c in enumerate(careful, start=3):
        lines.append(f"#define SX_D{i} {_literal(c)}")
    family, derivative = careful_error_bounds(careful_error)
    lines.append(
        "/* The float64 family's relative error before its last rounding is "
        f"below\n * {family:.3g} = 2^{math.log2(family):.2f} (at most "
        f"{0.5 + family * 2**53:.3f} ulp in all), the derivative's below "
        f"{derivative:.3g}\n * = 2^{math.log2(derivative):.2f} "
        f"({0.5 + derivative * 2**53:.3f} ulp). */"
    )
    n = 2**TABLE_BITS
    lines.append(f"/* 2^(j/{n}), rounded to nearest, and what that leaves. */")
    for name, values in (("sx_exp2_table", table()), ("sx_exp2_table_lo", table_lo())):
        lines.append(f"SX_TABLE double {name}[{n}] = {{")
        entries = [_literal(t) for t in values]
        lines.extend(
            "    " + ", ".join(entries[i : i + 3]) + ","
            for i in range(0, len(entries), 3)
        )
        lines.append("};")
    lines.append(END)
    return "\n".join(lines)


def header_block(text: str) -> str:
    """The derived block as it stands in the header `text`."""
    start = text.index(BEGIN)
    return text[start : text.index(END, start) + len(END)]


def main() -> None:
    """Print the derived block, or write it into the header."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the header")
    new = block()
    if not parser.parse_args().write:
        print(new)
        return
    text = HEADER.read_text()
    HEADER.write_text(text.replace(header_block(text), new))


if __name__ == "__main__":
    main()
