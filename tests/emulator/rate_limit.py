# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The N-sight call limit: at most `limit` calls per API key in any rolling `window` seconds.

N-able's own N-sight client states a budget of 60 calls per minute per API key; how the
service answers a call over it is not documented. The emulator answers 429 with Retry-After
(its guess, see README.md). Callers hold the state lock around check().
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import collections
import json
import math
import time

DEFAULT_WINDOW = 60


def checked_settings(limit, window=DEFAULT_WINDOW):
    """(limit or None, window) after validation; raise ValueError saying what is wrong. None or 0 means no limit."""
    # bool is an int in Python, but true/false is surely a mistake here.
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError("limit must be null or a whole number >= 0 (null or 0: no limit), not %s" % shown(limit))
    if isinstance(window, bool) or not isinstance(window, (int, float)) or not math.isfinite(window) or window <= 0:
        raise ValueError("window must be a number of seconds > 0, not %s" % shown(window))
    return (limit or None), window


def shown(value):
    """The value as JSON writes it (the control API's callers wrote JSON), else as Python does."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


class RollingWindowLimit:
    """Accepted calls per key, their times within the window, and the counters tests read.

    Counters are kept with or without a limit: `max_in_window` is the most accepted calls one key
    had in any `window` seconds (a call at time t is in the window (now - window, now]).
    Refused calls take no slot: they are counted, not remembered.
    """

    def __init__(self, limit=None, window=DEFAULT_WINDOW, clock=time.monotonic):
        self.limit, self.window = checked_settings(limit, window)
        self.clock = clock
        self.history = {}  # key -> deque of the times of its accepted calls still in the window
        self.accepted = 0
        self.refused = 0
        self.max_in_window = 0

    def check(self, key):
        """Count one call under `key`: None when accepted, else the whole seconds to send as Retry-After (>= 1)."""
        now = self.clock()
        times = self.history.setdefault(key, collections.deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if self.limit is not None and len(times) >= self.limit:
            self.refused += 1
            return max(1, int(math.ceil(times[0] + self.window - now)))
        times.append(now)
        self.accepted += 1
        self.max_in_window = max(self.max_in_window, len(times))
        return None

    def stats(self):
        return {"limit": self.limit, "window": self.window, "accepted": self.accepted, "refused": self.refused,
                "max_in_window": self.max_in_window}
