"""Timing one call robustly, and a progress bar on stderr."""

from __future__ import annotations

import contextlib
import gc
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

__all__ = ["Progress", "Sampler", "Stats", "interleave", "measure"]

# No sample is timed with more calls than this, however fast the call.
_MAX_NUMBER = 100_000


@dataclass(frozen=True)
class Stats:
    """Seconds per call: median and quartiles over `repeat` samples.

    Each sample times `number` back-to-back calls and divides by `number`,
    so that calls of a few microseconds are not lost in the timer's noise.
    """

    median: float
    q1: float
    q3: float
    repeat: int
    number: int

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


def _quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated quantile of already sorted values (NumPy's default)."""
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


class Sampler:
    """The samples of one call, taken one at a time.

    Created, it makes `warmup` untimed calls and one timed call, and chooses
    the number of calls per sample so that a sample lasts at least
    `min_time` seconds.  With a `budget` (seconds), calls so slow that
    `repeat` samples would overrun it get fewer samples, but never fewer
    than 3.  `sync` waits for asynchronous work (a GPU stream) and runs at the
    end of every sample, inside the timed region.  `context` (for example
    ``selu_xp.force_generic``) is entered around the calibration and around
    each sample; the garbage collector is off while a sample runs.  Samples of
    several `Sampler` objects can be taken in turn (`interleave`), so that a
    drift of the machine's speed during a run affects all of them alike.
    """

    def __init__(
        self,
        call: Callable[[], Any],
        sync: Callable[[], None],
        *,
        repeat: int,
        warmup: int,
        min_time: float,
        context: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
        budget: float | None = None,
    ) -> None:
        self.call, self.sync, self.context = call, sync, context
        with self._entered():
            for _ in range(warmup):
                call()
                sync()
            start = time.perf_counter()
            call()
            sync()
            once = time.perf_counter() - start
        self.number = 1
        if once < min_time:
            self.number = min(_MAX_NUMBER, math.ceil(min_time / max(once, 1e-8)))
        elif budget is not None and once * repeat > budget:
            repeat = max(min(3, repeat), math.floor(budget / once))
        self.repeat = repeat
        self.samples: list[float] = []

    def _entered(self) -> contextlib.AbstractContextManager[Any]:
        return self.context() if self.context is not None else contextlib.nullcontext()

    @property
    def done(self) -> bool:
        return len(self.samples) >= self.repeat

    def sample(self, *, settle: bool = False) -> None:
        """Time one sample: `number` calls and one `sync`.

        With `settle`, a sample of one call is preceded by an untimed call,
        which takes the cost of whatever the previous call (of another case)
        left behind: memory to be reclaimed or compacted, a cache or a thread
        pool in another state.  A sample of many calls has it in its first.
        """
        call, number = self.call, self.number
        gc_was_enabled = gc.isenabled()
        with self._entered():
            if settle and number == 1:
                call()
                self.sync()
            gc.disable()
            try:
                start = time.perf_counter()
                for _ in range(number):
                    call()
                self.sync()
                elapsed = time.perf_counter() - start
            finally:
                if gc_was_enabled:
                    gc.enable()
        self.samples.append(elapsed / number)

    def stats(self) -> Stats:
        """Median and quartiles of the samples taken."""
        samples = sorted(self.samples)
        return Stats(
            median=_quantile(samples, 0.5),
            q1=_quantile(samples, 0.25),
            q3=_quantile(samples, 0.75),
            repeat=len(samples),
            number=self.number,
        )


def measure(call: Callable[[], Any], sync: Callable[[], None], **options: Any) -> Stats:
    """Time `call` alone: a `Sampler` (`options` are its keywords) and all its
    samples in a row."""
    sampler = Sampler(call, sync, **options)
    while not sampler.done:
        sampler.sample()
    return sampler.stats()


def interleave(
    samplers: list[Sampler], on_error: Callable[[Sampler, Exception], None]
) -> None:
    """Take the samples of all `samplers` in rounds, one of each per round.

    Each round starts one sampler later than the one before, so that no
    sampler always follows the same one (a call can leave the next one a
    slower machine: torch's worker threads spin for a while after a parallel
    kernel, and slowed a following JAX call by a quarter here), and each
    sample of a single call is settled by an untimed call first (a Dask
    compute of 1e8 float64 elements measured 0.32 s or 1.46 s depending on
    the case before it).  A sampler whose call raises is reported to
    `on_error` and dropped.
    """
    active = list(samplers)
    start = 0
    while active:
        start %= len(active)
        for sampler in active[start:] + active[:start]:
            try:
                sampler.sample(settle=True)
            except Exception as exc:  # reported, and the others go on
                active.remove(sampler)
                on_error(sampler, exc)
                continue
            if sampler.done:
                active.remove(sampler)
        start += 1


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


class Progress:
    """A one-line progress bar on a terminal, or sparse lines in a log.

    On a terminal the line is redrawn in place; otherwise (a log file, CI) a
    line is written at most every `log_every` seconds and at the end.
    """

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        enabled: bool = True,
        width: int = 28,
        log_every: float = 10.0,
    ) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.width = width
        self.log_every = log_every
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._start = time.perf_counter()
        self._last_log = -math.inf

    def line(self, label: str) -> str:
        """The text of the bar after `done` of `total` steps."""
        frac = min(self.done / self.total, 1.0)
        filled = round(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self._start
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        return (
            f"[{bar}] {self.done}/{self.total} {frac:4.0%} "
            f"{_clock(elapsed)} elapsed, ~{_clock(eta)} left  {label}"
        )

    def update(self, label: str) -> None:
        """Show that the step `label` is starting."""
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r\x1b[2K" + self.line(label)[:160])
            self.stream.flush()
            return
        now = time.perf_counter()
        if now - self._last_log >= self.log_every:
            self._last_log = now
            self.stream.write(self.line(label) + "\n")
            self.stream.flush()

    def advance(self) -> None:
        """Count one step as done."""
        self.done += 1

    def close(self) -> None:
        """Finish the bar with a full line."""
        if not self.enabled:
            return
        self.done = self.total
        self.stream.write(("\r\x1b[2K" if self.tty else "") + self.line("done") + "\n")
        self.stream.flush()
