"""Checking that a replay after ``back``/``goto``/``reset`` redoes what the first run did.

Replays are exact when the job is deterministic. A user function that calls ``random``, reads the wall
clock or changes state outside Flink's (a global counter, an object shared between calls) computes other
values the second time, and the replayed trace silently differs from the one the student saw. So the
events that time travel drops are kept, and every replayed step is compared with them; at the first
step that differs a ``ReplayDivergenceWarning`` names the step and both versions of it.
flowlab extension (Flink has no time travel).
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

from flowlab.trace import Trace, TraceEvent


class ReplayDivergenceWarning(UserWarning):
    """A replayed step differs from the first run: the job is not deterministic."""


ADVICE = ("A user function is not deterministic: it uses `random`, the wall clock, or state outside Flink's "
          "(a global variable, an object shared between calls or subtasks), so back()/goto() cannot reproduce "
          "the run. Compute from the record and keep state in Flink state (ValueState, ...); for random data use "
          "GeneratorSource(lambda i, rng: ...), whose rng is seeded.")


def _show(events: list[TraceEvent]) -> str:
    return "; ".join(repr(e) for e in events[:3]) + (f"; … ({len(events)} events)" if len(events) > 3 else "") \
        if events else "no event"


class ReplayCheck:
    """The events a replay must redo, in step order, compared step by step as the replay makes them.

    They are kept as the pieces of trace that time travel cut off (columns, not event objects), so going back
    in a run of millions of events costs no more than the cut itself.
    """

    def __init__(self) -> None:
        self._pieces: list[Trace] = []      # in step order, each piece's steps after the previous one's
        self.divergence: str | None = None

    @property
    def pending(self) -> bool:
        return bool(self._pieces)

    def remember(self, dropped: Trace) -> None:
        """Time travel dropped ``dropped`` (the newest steps); they come before what is still expected."""
        if not len(dropped):
            return
        last = dropped.last_step
        rest = [piece.split_after(last) for piece in self._pieces]
        self._pieces = [dropped] + [piece for piece in rest if len(piece)]

    def forget(self) -> None:
        """The run may change on purpose (a fault was added): nothing to compare with any more."""
        self._pieces = []

    def check(self, step: int, trace: Trace, first: int) -> None:
        """Compare the events of replayed ``step`` (``trace``'s events from index ``first``) with the first run's;
        warn at the first difference."""
        pieces = self._pieces
        while pieces and pieces[0].last_step < step:
            pieces.pop(0)
        if not pieces:
            return
        if pieces[0].rows_of_step(step) == trace.rows_of_step(step, first):
            return
        before = pieces[0].of_step(step)
        events = trace.since(first)
        self.divergence = (f"replaying step {step} gave other events than the first run. First run: {_show(before)}. "
                           f"Replay: {_show(events)}. {ADVICE}")
        self.forget()
        warnings.warn(self.divergence, ReplayDivergenceWarning, stacklevel=user_stacklevel())


_PACKAGE = str(Path(__file__).resolve().parents[2]) + os.sep    # flowlab's own directory, not any folder named so


def user_stacklevel() -> int:
    """Point the warning at the notebook's call: the first frame outside flowlab's package directory."""
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    return level
