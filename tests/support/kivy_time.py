"""Kivy's clock on a time source a test moves forward: UI timeouts without sleeping.

Kivy reads the time through `Clock.time`; this replaces it with the real time plus what the test
has added. `advance` adds it a step per frame rather than at once, so an interval event (a blink
every 0.35 s) fires as many times as it would have, in order, with its widgets drawn in between."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class KivyTime:
    def __init__(self) -> None:
        from kivy.clock import Clock

        self.clock = Clock
        self.real: Callable[[], float] = Clock.time
        self.added = 0.0
        self.pending = 0.0
        self.step = 0.05
        self.done: list[Callable[[], None]] = []
        Clock.time = self.time

    def time(self) -> float:
        return self.real() + self.added

    def advance(self, seconds: float, done: Callable[[], None], step: float = 0.05) -> None:
        """Move Kivy's time `seconds` forward, `step` per frame; call `done` once it has moved."""
        self.step = step
        self.done.append(done)
        if self.pending <= 0:
            self.clock.schedule_interval(self._frame, 0)
        self.pending += seconds

    def _frame(self, dt: Any) -> bool:
        move = min(self.step, self.pending)
        self.added += move
        self.pending -= move
        if self.pending > 1e-9:
            return True
        self.pending = 0.0
        done, self.done = self.done, []
        for call in done:  # on the next frame, after the events due at the new time have run
            self.clock.schedule_once(lambda dt, call=call: call(), 0)
        return False
