# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The N-sight call budget: at most ``limit`` calls in any rolling minute per server and key,
shared by every thread and process of the controller's user through one locked file.

The file holds the send times of the calls of the last minute, on the system-wide monotonic
clock (the same for every process of one boot), so that a step of the wall clock can neither
open nor close the gate. ``flock`` is released by the kernel when a process dies, even by
SIGKILL, so a dead process never blocks the others; the slot it took stays taken for its
minute, as its call may have been sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import threading
import time

from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError

WINDOW_SECONDS = 60.0
DEFAULT_DIRECTORY = os.path.join("~", ".ansible", "msp.antivirus")
DIRECTORY_VARIABLE = "NSIGHT_BUDGET_DIR"
# A wait longer than this is named in the task's warnings.
NOTABLE_WAIT_SECONDS = 5.0
# A waiting caller looks again at least this often, since other processes free slots too.
LONGEST_NAP_SECONDS = 2.0


def budget_file(directory, server, api_key):
    """The state file of one server and key: named by a hash of both, never holding the key."""
    digest = hashlib.sha256("{0}\n{1}".format(server, api_key).encode("utf-8")).hexdigest()[:40]
    return os.path.join(directory, "nsight-budget-{0}.json".format(digest))


def budget_directory():
    """NSIGHT_BUDGET_DIR, else ~/.ansible/msp.antivirus; made private (0700) when this makes it."""
    directory = os.path.expanduser(os.environ.get(DIRECTORY_VARIABLE) or DEFAULT_DIRECTORY)
    try:
        os.makedirs(directory, mode=0o700)
    except OSError as exc:
        if exc.errno != errno.EEXIST or not os.path.isdir(directory):
            raise InvalidOptionError(
                "The N-sight call budget needs a folder of its own, and {0} cannot be made ({1}). Set {2} to a "
                "writable folder, or rate_limit=0 to turn pacing off.".format(directory, exc.strerror,
                                                                              DIRECTORY_VARIABLE))
    return directory


class CallBudget:
    """``with budget.call():`` waits until one more call fits in the rolling minute, and holds its slot."""

    def __init__(self, limit, server, api_key):
        self.limit = limit
        self.path = budget_file(budget_directory(), server, api_key)
        self._lock = threading.Lock()
        self.calls = 0
        self.notable_waits = []

    @contextlib.contextmanager
    def call(self):
        """Around one call: wait for a slot and take it, then, once the answer is in (or the attempt
        failed), move the slot's time to then. The server counts a call when it arrives, which is
        after it was sent: counting from the end of each call keeps every gap the server sees at a
        minute or more."""
        stamp = self.acquire()
        try:
            yield
        finally:
            self._settle(stamp)

    def acquire(self):
        """Take a slot for one call, waiting as long as the budget asks; returns the slot's time."""
        started = time.monotonic()
        while True:
            wait, stamp = self._try_take()
            if wait <= 0:
                break
            time.sleep(min(wait, LONGEST_NAP_SECONDS))
        waited = time.monotonic() - started
        with self._lock:
            self.calls += 1
            if waited > NOTABLE_WAIT_SECONDS:
                self.notable_waits.append(waited)
        return stamp

    def _settle(self, stamp):
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            now = time.monotonic()
            sent = self._recent(descriptor, now)
            if stamp in sent:
                sent[sent.index(stamp)] = now
            self._write(descriptor, sorted(sent))
        finally:
            os.close(descriptor)

    def free_slots(self, within=0.0):
        """How many calls the budget lets through from now to ``within`` seconds from now, taking none."""
        now, sent = self._snapshot()
        return max(0, self.limit - sum(1 for stamp in sent if stamp > now + within - WINDOW_SECONDS))

    def seconds_until(self, calls):
        """About how long until ``calls`` more calls can all have been sent, from now.

        In a rolling window the k-th call beyond the free slots waits for the k-th oldest call of
        the window to leave it, and every later window repeats that pattern.
        """
        now, sent = self._snapshot()
        waiting = calls - (self.limit - len(sent))
        if waiting <= 0:
            return 0.0
        # Oldest first: the window's calls, then those about to take the free slots now.
        pattern = (sent + [now] * (self.limit - len(sent)))[:self.limit]
        windows, index = divmod(waiting - 1, self.limit)
        return windows * WINDOW_SECONDS + max(0.0, pattern[index] + WINDOW_SECONDS - now)

    def _snapshot(self):
        """(now, the sorted send times of the last minute), read under a shared lock, taking nothing."""
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH)
            now = time.monotonic()
            return now, self._recent(descriptor, now)
        finally:
            os.close(descriptor)

    def _recent(self, descriptor, now):
        # A time ahead of now was written before a reboot (the monotonic clock restarts).
        return sorted(stamp for stamp in self._read(descriptor) if now - WINDOW_SECONDS < stamp <= now)

    def _try_take(self):
        """Under the file lock: take a slot and return (0, its time), or (how long until one frees, None)."""
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            now = time.monotonic()
            sent = self._recent(descriptor, now)
            if len(sent) >= self.limit:
                self._write(descriptor, sent)
                return sent[len(sent) - self.limit] + WINDOW_SECONDS - now, None
            sent.append(now)
            self._write(descriptor, sent)
            return 0.0, now
        finally:
            os.close(descriptor)  # releases the lock

    def _open(self):
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise InvalidOptionError(
                "The N-sight call budget cannot use {0} ({1}). Set {2} to a writable folder, or rate_limit=0 to "
                "turn pacing off.".format(self.path, exc.strerror, DIRECTORY_VARIABLE))

    @staticmethod
    def _read(descriptor):
        os.lseek(descriptor, 0, os.SEEK_SET)
        text = b""
        while True:
            chunk = os.read(descriptor, 65536)
            if not chunk:
                break
            text += chunk
        try:
            stamps = json.loads(text.decode("utf-8")) if text else []
        except ValueError:
            return []  # a half-written file of a process killed mid-write: start afresh
        return [stamp for stamp in stamps if isinstance(stamp, float)] if isinstance(stamps, list) else []

    @staticmethod
    def _write(descriptor, stamps):
        data = json.dumps(stamps).encode("utf-8")
        os.lseek(descriptor, 0, os.SEEK_SET)
        os.ftruncate(descriptor, 0)
        os.write(descriptor, data)

    def warnings(self):
        """One line about the waits that were long enough to notice, or none."""
        with self._lock:
            waits = list(self.notable_waits)
        if not waits:
            return []
        return ["N-sight call budget: {0} call(s) waited more than {1:g} s for a free slot (longest {2:.1f} s); "
                "rate_limit allows {3} calls a minute, shared by every task and run that uses this server and "
                "key.".format(len(waits), NOTABLE_WAIT_SECONDS, max(waits), self.limit)]


class DeviceBudget:
    """A CallBudget counted in devices that take up to ``calls_per_device`` calls each, for sizing the batches of
    a bulk task whose devices may cost more than one call (an engine found on the second read)."""

    def __init__(self, budget, calls_per_device):
        self.budget = budget
        self.calls_per_device = calls_per_device

    def free_slots(self, within=0.0):
        return self.budget.free_slots(within) // self.calls_per_device

    def seconds_until(self, calls):
        return self.budget.seconds_until(calls * self.calls_per_device)
