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

PROGRESS_SECONDS = 30.0
# Calls that waited for the budget less than this in all since the last line do not make a line.
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

    ``budget`` is a CallBudget (None: no pacing, so no line); ``show(line)`` prints; ``timer``
    (threading.Timer's signature) is injected by tests.
    """

    def __init__(self, name, budget, show, interval=PROGRESS_SECONDS, timer=threading.Timer):
        self.name = name
        self.budget = budget
        self.show = show
        self.interval = interval
        self.timer = timer
        self._lock = threading.Lock()
        self._running = False
        self._pending = None
        # budget.seconds_waited() at the last line (or the start).
        self._waited_before = 0.0
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
            with self._lock:
                self._running = True
                self._waited_before = self.budget.seconds_waited()
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
        """The timer's call: a line if calls waited for the budget since the last line (a wait going on counts),
        then the next tick."""
        with self._lock:
            if not self._running:
                return
            waited = self.budget.seconds_waited()
            if waited - self._waited_before > WAITED_SECONDS:
                self._waited_before = waited
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
