"""How many threads the compiled kernel uses for one large array.

The kernel splits a contiguous array of ``_ufunc.parallel_min()`` elements or
more over a persistent pool of threads inside the extension.  The count
starts from the environment variable ``SELU_XP_NUM_THREADS``, else the CPUs
this process may run on.  threadpoolctl sees the pool too
(``_threadpoolctl.py``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from ._backends.numpy import kernel_module
from ._validation import check_num_threads

__all__ = ["get_num_threads", "num_threads", "set_num_threads"]

ENVIRONMENT = "SELU_XP_NUM_THREADS"
_LOCK = threading.Lock()
_count = 1  # the setting, also without the compiled kernel


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _from_environment() -> int:
    text = os.environ.get(ENVIRONMENT, "").strip()
    if not text:
        return _cpus()
    try:
        return check_num_threads(int(text))
    except ValueError:
        msg = f"{ENVIRONMENT} must be an integer from 1 to 256, got {text!r}"
        raise ValueError(msg) from None


def set_num_threads(n: int) -> int:
    """Set how many threads the compiled kernel uses for one large array.

    The count includes the calling thread; ``1`` computes every array on the
    calling thread.  Arrays are split only from 32,768 elements on, and a
    call made while another thread's call is using the threads computes on
    its own thread, so no more threads run than this count.  The setting is
    global to the process; the environment variable ``SELU_XP_NUM_THREADS``
    gives its starting value (else the CPUs this process may use).

    Parameters
    ----------
    n : int
        The thread count, from 1 to 256.

    Returns
    -------
    int
        The previous count.

    Raises
    ------
    ValueError
        If `n` is not an integer from 1 to 256.

    See Also
    --------
    get_num_threads : The current count.
    num_threads : The same for one block of code.

    Examples
    --------
    >>> import selu_xp
    >>> previous = selu_xp.set_num_threads(1)
    >>> selu_xp.get_num_threads()
    1
    >>> _ = selu_xp.set_num_threads(previous)
    """
    global _count
    n = check_num_threads(n)
    with _LOCK:
        previous, _count = get_num_threads(), n
        module = kernel_module()
        if module is not None:
            module.set_num_threads(n)
    return previous


def get_num_threads() -> int:
    """The number of threads the compiled kernel uses for one large array.

    Arrays smaller than 32,768 elements, and calls made while another
    thread's call holds the kernel's threads, use one thread whatever it says.

    Returns
    -------
    int
        The count set by `set_num_threads` (or ``SELU_XP_NUM_THREADS``, or
        the CPUs this process may use), the calling thread included.

    See Also
    --------
    set_num_threads : Change it.

    Examples
    --------
    >>> import selu_xp
    >>> selu_xp.get_num_threads() >= 1
    True
    """
    module = kernel_module()
    # The kernel's own count, which threadpoolctl may also have set.
    return _count if module is None else int(module.get_num_threads())


@contextlib.contextmanager
def num_threads(n: int) -> Iterator[None]:
    """Use `n` threads for one large array inside this block.

    The count is global to the process, as with `set_num_threads`, and is
    restored when the block ends.

    Parameters
    ----------
    n : int
        The thread count, from 1 to 256.

    Yields
    ------
    None

    See Also
    --------
    set_num_threads : Set the count for the rest of the process.

    Examples
    --------
    >>> import numpy as np
    >>> import selu_xp
    >>> x = np.linspace(-3.0, 3.0, 100_000, dtype=np.float32)
    >>> with selu_xp.num_threads(1):
    ...     y = selu_xp.selu(x)
    >>> bool((y == selu_xp.selu(x)).all())
    True
    """
    previous = set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(previous)


set_num_threads(_from_environment())
