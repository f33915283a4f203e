# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Progress lines of an inventory walk that may wait for the N-sight call budget.

An inventory prints nothing until it is done, and a walk of a large estate under 60 calls a minute can take half
an hour: while it runs, a line every PROGRESS_SECONDS tells what is done and about how long the calls left take,
but only when the budget made a call wait since the last line (a fast walk prints none).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import threading
import time

PROGRESS_SECONDS = 30.0
# A slot that took longer than this to get waited for the budget, not only for the budget's file lock.
WAITED_SECONDS = 0.5


def about(seconds):
    """A rough duration: seconds under a minute and a half, whole minutes (rounded up) above."""
    if seconds < 90:
        return "about {0} s".format(int(math.ceil(seconds)))
    return "about {0} min".format(int(math.ceil(seconds / 60.0)))


class WalkProgress:
    """``with WalkProgress(...) as progress:`` around a walk. The walk names each stage, its number of units (what
    it counts: clients, listings...), the calls each takes and the calls known to follow it, and reports each unit
    done with the devices it found.

    ``budget`` is a CallBudget (None: no pacing, so no line); ``show(line)`` prints; ``clock`` and ``timer``
    (threading.Timer's signature) are injected by tests.
    """

    def __init__(self, name, budget, show, interval=PROGRESS_SECONDS, clock=time.monotonic, timer=threading.Timer):
        self.name = name
        self.budget = budget
        self.show = show
        self.interval = interval
        self.clock = clock
        self.timer = timer
        self._lock = threading.Lock()
        self._running = False
        self._pending = None
        self._waited = False
        # The start of each slot being waited for now, by a token of its own.
        self._acquiring = {}
        self.label, self.total, self.calls_each, self.later = "", 0, 0, (lambda: 0)
        self.done_units = 0
        self.devices = 0

    def stage(self, label, total, calls_each=1, later=lambda: 0):
        """A new stage of ``total`` units of ``calls_each`` calls; ``later()``: the calls known to follow it."""
        with self._lock:
            self.label, self.total, self.calls_each, self.later = label, total, calls_each, later
            self.done_units = 0

    def done(self, devices=0):
        """One unit of the stage is done; it found ``devices`` devices."""
        with self._lock:
            self.done_units += 1
            self.devices += devices

    def __enter__(self):
        if self.budget is not None:
            self._watch()
            with self._lock:
                self._running = True
                self._schedule()
        return self

    def __exit__(self, *exc_info):
        with self._lock:
            self._running = False
            pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel()
        return False

    def tick(self):
        """The timer's call: a line if a call waited since the last tick or is waiting now, then the next tick."""
        with self._lock:
            if not self._running:
                return
            now = self.clock()
            if self._waited or any(now - started > WAITED_SECONDS for started in self._acquiring.values()):
                self._waited = False
                self.show(self._line())
            self._schedule()

    def _line(self):
        calls_left = (self.total - self.done_units) * self.calls_each + self.later()
        return ("{0}: waiting for the N-sight call budget ({1} calls a minute): {2} {3}/{4} done, {5} devices so far, "
                "{6} of calls left.".format(self.name, self.budget.limit, self.label, self.done_units, self.total,
                                            self.devices, about(self.budget.seconds_until(calls_left))))

    def _schedule(self):
        self._pending = self.timer(self.interval, self.tick)
        self._pending.daemon = True
        self._pending.start()

    def _watch(self):
        """Time every slot the budget hands out. CallBudget.call takes each slot through its own acquire(), so
        this budget's acquire is replaced by a timed one."""
        acquire = self.budget.acquire

        def timed_acquire():
            token, started = object(), self.clock()
            with self._lock:
                self._acquiring[token] = started
            try:
                return acquire()
            finally:
                with self._lock:
                    del self._acquiring[token]
                    self._waited = self._waited or self.clock() - started > WAITED_SECONDS

        self.budget.acquire = timed_acquire
