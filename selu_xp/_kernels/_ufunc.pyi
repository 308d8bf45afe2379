"""Types of the compiled kernel module (``_ufunc.c``)."""

import numpy as np

def make_ufunc(
    name: str,
    derivative: bool,
    pos_hi: float,
    pos_lo: float,
    neg_hi: float,
    neg_lo: float,
    doc: str = "",
) -> np.ufunc: ...
def levels() -> tuple[str, ...]: ...
def get_level() -> str: ...
def set_level(name: str) -> None: ...
