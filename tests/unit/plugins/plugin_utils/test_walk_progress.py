# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The progress lines of an inventory walk, on a fake clock, timer and budget: no test waits 30 s."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.msp.antivirus.plugins.plugin_utils.walk_progress import (
    PROGRESS_SECONDS,
    WalkProgress,
    about,
)


class FakeTimer:
    """threading.Timer's interface; the test fires it with fire()."""

    def __init__(self, interval, function):
        self.interval = interval
        self.function = function
        self.daemon = False
        self.started = self.cancelled = False

    def start(self):
        self.started = True

    def cancel(self):
        self.cancelled = True


class FakeBudget:
    """A CallBudget that tells how long calls have waited for it (``waited``), and how long calls take."""

    def __init__(self, limit=60):
        self.limit = limit
        self.waited = 0.0
        self.asked = []

    def seconds_waited(self):
        return self.waited

    def seconds_until(self, calls):
        self.asked.append(calls)
        return calls * 60.0 / self.limit


class Harness:
    def __init__(self, budget=True):
        self.budget = FakeBudget() if budget else None
        self.lines = []
        self.timers = []
        self.progress = WalkProgress("msp.antivirus.nsight", self.budget, self.lines.append, timer=self.timer)

    def timer(self, interval, function):
        self.timers.append(FakeTimer(interval, function))
        return self.timers[-1]

    def fire(self):
        """The pending timer runs out."""
        self.timers[-1].function()


@pytest.fixture
def walk():
    return Harness()


def test_no_line_for_a_walk_that_never_waits(walk):
    with walk.progress as progress:
        progress.stage("clients", 3)
        for _client in range(3):
            progress.done(devices=4)
            walk.fire()
    assert walk.lines == []
    assert len(walk.timers) == 4 and all(timer.started and timer.daemon for timer in walk.timers)
    assert walk.timers[0].interval == PROGRESS_SECONDS


def test_a_line_when_calls_waited_in_the_interval(walk):
    with walk.progress as progress:
        progress.stage("clients", 300, calls_each=2)
        for _client in range(12):
            progress.done(devices=100)
        walk.budget.waited += 2.0
        walk.fire()
        assert walk.lines == [
            "msp.antivirus.nsight: waiting for the N-sight call budget (60 calls a minute): clients 12/300 done, "
            "1200 devices so far, about 10 min of calls left."]
        assert walk.budget.asked == [(300 - 12) * 2]
        # Nothing waited since that line: no other one.
        walk.fire()
        assert len(walk.lines) == 1


def test_waits_before_the_walk_do_not_count(walk):
    walk.budget.waited = 50.0  # the budget's waits for an earlier use of the client
    with walk.progress:
        walk.fire()
    assert walk.lines == []


def test_short_waits_add_up_until_they_make_a_line(walk):
    with walk.progress:
        walk.budget.waited += 0.3
        walk.fire()
        assert walk.lines == []
        walk.budget.waited += 0.3
        walk.fire()
        assert len(walk.lines) == 1


def test_at_most_one_line_per_interval(walk):
    with walk.progress as progress:
        progress.stage("site listings", 10)
        for _call in range(5):
            walk.budget.waited += 3.0
        walk.fire()
        walk.budget.waited += 3.0
        walk.fire()
    assert len(walk.lines) == 2
    assert [timer.interval for timer in walk.timers] == [PROGRESS_SECONDS] * 3


def test_calls_known_to_follow_are_counted(walk):
    with walk.progress as progress:
        progress.stage("clients", 5, later=lambda: 40)
        progress.done()
        walk.budget.waited += 1.0
        walk.fire()
        progress.stage("MAV listings", 3)
        walk.budget.waited += 1.0
        walk.fire()
    assert walk.budget.asked == [4 + 40, 3]
    assert "clients 1/5 done" in walk.lines[0] and "about 44 s of calls left" in walk.lines[0]
    assert "MAV listings 0/3 done" in walk.lines[1]


def test_nothing_after_the_walk(walk):
    with walk.progress:
        walk.budget.waited += 5.0
    assert walk.timers[-1].cancelled
    walk.timers[-1].function()  # a timer that fired as the walk ended
    assert walk.lines == []
    assert len(walk.timers) == 1


def test_no_budget_no_timer():
    walk = Harness(budget=False)
    with walk.progress as progress:
        progress.stage("clients", 2)
        progress.done(devices=3)
    assert walk.timers == [] and walk.lines == []


def test_an_error_in_the_walk_goes_through(walk):
    with pytest.raises(ValueError):
        with walk.progress:
            raise ValueError("walk failed")
    assert walk.timers[-1].cancelled


@pytest.mark.parametrize("seconds, text", [
    (0, "about 0 s"), (0.2, "about 1 s"), (89, "about 89 s"), (90, "about 2 min"), (1860, "about 31 min"),
    (1861, "about 32 min"),
])
def test_about(seconds, text):
    assert about(seconds) == text
