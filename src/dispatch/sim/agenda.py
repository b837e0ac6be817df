"""The simulated day's timetable: what happens next, in time order, and the clock it sets.

Events at the same instant run in the order they were scheduled, so a run depends on the
seed alone, never on the machine.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

Action = Callable[[], None]


@dataclass(order=True)
class _Entry:
    at: datetime
    order: int
    action: Action = field(compare=False)


class Agenda:
    """A priority queue of actions keyed by simulated time; ``now`` is the time of the
    action being run (the simulated clock the services read)."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._queue: list[_Entry] = []
        self._order = itertools.count()

    def at(self, when: datetime, action: Action) -> None:
        """Run ``action`` at ``when`` (at once, in turn, if ``when`` is already past)."""
        heapq.heappush(self._queue, _Entry(max(when, self.now), next(self._order), action))

    def run(self, until: datetime, on_step: Callable[[datetime], None] | None = None) -> None:
        """Run every action due up to ``until`` in time order; actions may schedule more."""
        while self._queue and self._queue[0].at <= until:
            entry = heapq.heappop(self._queue)
            self.now = entry.at
            entry.action()
            if on_step is not None:
                on_step(self.now)
        self.now = max(self.now, until)

    def __len__(self) -> int:
        return len(self._queue)
