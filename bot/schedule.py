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

:class:`EngineConfig` holds the caps and timings that the scheduler, the tracker, progress and
delivery all read, so it lives here with the schedule they share rather than in any of them.
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


_TIMING = Timing()  # the vendor's advice, declared once: EngineConfig's polls default to it


@dataclass(frozen=True)
class EngineConfig:
    """Caps and timings in the vendor's seconds; ``time_scale`` shrinks every wait (tests, demo)."""

    max_in_flight: int = 20
    max_in_flight_per_scope: int = 8
    max_in_flight_per_member: int = 2
    rate_per_second: float = 0.5  # vendor submissions; the documented limit is one per 3 s
    burst: int = 3
    # with no history of the operation; then near its learned duration
    first_poll: float = _TIMING.first
    poll_min: float = _TIMING.poll_min
    poll_max: float = _TIMING.poll_max
    # between polls once a task is near or past its learned duration
    close_poll: float = _TIMING.close
    progress_interval: float = 10.0  # least time between two moves of a progress bar
    webhook_poll: float = 300.0  # the slow fallback when webhooks are on
    poll_rate: float = 25.0  # polls per second at most, whatever the number of jobs in flight
    expected_seconds: float = 120.0  # a typical generation, for the bar until one is learned
    job_timeout: float = 1200.0
    # How long a job whose create answer was lost keeps its hold, waiting for a webhook that
    # names it (the vendor's first webhook comes within a generation's time).
    unconfirmed_window: float = 1200.0
    submit_attempts: int = 5
    status_interval: float = 2.0  # least time between two edits of one status message
    min_tick: float = 0.02  # wall seconds between two scheduler passes, however many wake-ups
    # Wall seconds (never scaled: it measures whether an instance is alive) an instance's claim
    # on a job it submits or polls lasts unless renewed; renewed every third of it, so another
    # instance takes the job over between one and a little over one lease after its owner died.
    lease_seconds: float = 30.0
    time_scale: float = 1.0

    @property
    def timing(self) -> Timing:
        return Timing(self.first_poll, self.poll_min, self.poll_max, self.close_poll)

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale


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
