"""When to poll a task, learned from how long the same operation and model took recently.

The vendor advises polling every 15-25 s, and a song takes one to three minutes, so a poller
on that schedule asks five to ten times for each song. With a few recent durations at hand the
first poll is placed at their median, when the task is likely done, and later ones follow
closely (every ``close`` seconds) until the task is well past its estimate; with no history
the fixed schedule stays.

A poll learns only that a task finished somewhere since the previous poll, so a duration seen
by polling is recorded as ``close / 2`` before the poll that saw it done: when the first poll
keeps finding tasks done, the estimate creeps earlier until it brackets the real duration,
instead of staying wherever it first landed. A webhook's time is recorded as it is.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass

HISTORY = 20  # recent durations the estimate is the median of
MIN_HISTORY = 3  # fewer than this and the fixed schedule is used


@dataclass(frozen=True)
class Timing:
    """The fixed schedule and the close polling that follows a learned estimate (vendor s)."""

    first: float = 10.0
    poll_min: float = 15.0
    poll_max: float = 25.0
    close: float = 5.0
    overtime: float = 1.5  # close polling lasts until the estimate times this


def estimate(durations: list[float]) -> float | None:
    """The expected duration, or None while there are too few to say."""
    if len(durations) < MIN_HISTORY:
        return None
    return statistics.median(durations[:HISTORY])


def first_poll(expected: float | None, timing: Timing) -> float:
    """Seconds after submission to poll first."""
    return timing.first if expected is None else max(timing.close, expected)


def next_poll(elapsed: float, expected: float | None, timing: Timing) -> float:
    """Seconds from now to the next poll of a task submitted ``elapsed`` seconds ago."""
    if expected is not None:
        if elapsed < expected - timing.close:
            return expected - elapsed
        if elapsed < expected * timing.overtime:
            return timing.close
    return random.uniform(timing.poll_min, timing.poll_max)


def learned(elapsed: float, by_webhook: bool, timing: Timing) -> float:
    """The duration to record for a task seen finished ``elapsed`` seconds after submission."""
    return elapsed if by_webhook else max(0.0, elapsed - timing.close / 2)


def progress(elapsed: float, expected: float) -> tuple[float, float]:
    """(fraction shown, seconds left) of a task ``elapsed`` seconds into an ``expected`` run."""
    return min(0.95, max(0.0, elapsed / expected)), max(0.0, expected - elapsed)
