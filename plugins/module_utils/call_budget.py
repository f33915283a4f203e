# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The N-sight call budget: at most ``limit`` calls in any rolling minute per server and key.

The window of the last minute's call times lives in one of two stores, behind one interface:

- FileWindow (the default): one locked file of the controller's user, shared by every thread
  and process of that controller. It holds the times on the system-wide monotonic clock (the
  same for every process of one boot), so that a step of the wall clock can neither open nor
  close the gate. ``flock`` is released by the kernel when a process dies, even by SIGKILL, so a
  dead process never blocks the others; the slot it took stays taken for its minute, as its
  call may have been sent.
- RedisWindow (``budget_url``): a sorted set in a Redis that every controller, AWX pod and
  execution node reaches, on the Redis server's clock (the one clock they all share), changed
  only by Lua scripts, so that taking a slot is one atomic step. A Redis that cannot be used
  leaves the task on its FileWindow, with a warning that the budget is no longer shared.
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
import uuid
from urllib.parse import urlsplit

from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError

try:
    import redis
except ImportError:
    HAS_REDIS = False
    REDIS_FAILURES = (OSError,)
else:
    HAS_REDIS = True
    # What a Redis that cannot be used raises: refused, timed out, a wrong password, a lost connection...
    REDIS_FAILURES = (redis.RedisError, OSError)

WINDOW_SECONDS = 60.0
DEFAULT_DIRECTORY = os.path.join("~", ".ansible", "msp.antivirus")
DIRECTORY_VARIABLE = "NSIGHT_BUDGET_DIR"
BUDGET_URL_VARIABLE = "NSIGHT_BUDGET_URL"
# A wait longer than this is named in the task's warnings.
NOTABLE_WAIT_SECONDS = 5.0
# A waiting caller looks again at least this often, since other processes free slots too.
LONGEST_NAP_SECONDS = 2.0
BUDGET_URL_SCHEMES = ("redis", "rediss")
REDIS_KEY_PREFIX = "msp.antivirus:nsight-budget:"
# The Redis key outlives its newest call by this much, then Redis drops it.
REDIS_KEY_SLACK_SECONDS = 60


def budget_digest(server, api_key):
    """The name of one server and key's budget, in a file name or a Redis key: a hash of both, never the key."""
    return hashlib.sha256("{0}\n{1}".format(server, api_key).encode("utf-8")).hexdigest()[:40]


def budget_file(directory, server, api_key):
    """The state file of one server and key."""
    return os.path.join(directory, "nsight-budget-{0}.json".format(budget_digest(server, api_key)))


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
    """``with budget.call():`` waits until one more call fits in the rolling minute, and holds its slot.

    The window lives in a file of this controller, or in the Redis that ``budget_url`` names (see RedisWindow);
    ``timeout`` bounds every Redis request.
    """

    def __init__(self, limit, server, api_key, budget_url=None, timeout=30):
        self.limit = limit
        self._lock = threading.Lock()
        self.calls = 0
        self.notable_waits = []
        # What the budget held calls up: the seconds of the waits that ended, and when each wait going on began.
        self._waited_seconds = 0.0
        self._waits_begun = {}
        if budget_url:
            self.window = SharedWindow(RedisWindow(budget_url, budget_digest(server, api_key), timeout),
                                       lambda: FileWindow(budget_file(budget_directory(), server, api_key)))
        else:
            self.window = FileWindow(budget_file(budget_directory(), server, api_key))

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
            self.window.settle(stamp)

    def acquire(self):
        """Take a slot for one call, waiting as long as the budget asks; returns the slot's stamp."""
        started = time.monotonic()
        held_up = None
        try:
            while True:
                wait, stamp = self.window.take(self.limit)
                if wait <= 0:
                    break
                if held_up is None:
                    held_up = object()
                    with self._lock:
                        self._waits_begun[held_up] = started
                time.sleep(min(wait, LONGEST_NAP_SECONDS))
        finally:
            if held_up is not None:
                with self._lock:
                    del self._waits_begun[held_up]
        waited = time.monotonic() - started
        with self._lock:
            self.calls += 1
            if held_up is not None:
                self._waited_seconds += waited
            if waited > NOTABLE_WAIT_SECONDS:
                self.notable_waits.append(waited)
        return stamp

    def seconds_waited(self):
        """How long calls have waited for the budget so far, the waits going on now included (a slot taken at
        once counts nothing): a walk's progress tells from it whether the budget is holding the walk up."""
        with self._lock:
            now = time.monotonic()
            return self._waited_seconds + sum(now - begun for begun in self._waits_begun.values())

    def free_slots(self, within=0.0):
        """How many calls the budget lets through from now to ``within`` seconds from now, taking none."""
        now, sent = self.window.snapshot()
        return max(0, self.limit - sum(1 for stamp in sent if stamp > now + within - WINDOW_SECONDS))

    def seconds_until(self, calls):
        """About how long until ``calls`` more calls can all have been sent, from now.

        In a rolling window the k-th call beyond the free slots waits for the k-th oldest call of
        the window to leave it, and every later window repeats that pattern.
        """
        now, sent = self.window.snapshot()
        waiting = calls - (self.limit - len(sent))
        if waiting <= 0:
            return 0.0
        # Oldest first: the window's calls, then those about to take the free slots now.
        pattern = (sent + [now] * (self.limit - len(sent)))[:self.limit]
        windows, index = divmod(waiting - 1, self.limit)
        return windows * WINDOW_SECONDS + max(0.0, pattern[index] + WINDOW_SECONDS - now)

    def warnings(self):
        """A line about the waits that were long enough to notice, and one about a shared budget given up."""
        with self._lock:
            waits = list(self.notable_waits)
        lines = []
        if waits:
            lines.append("N-sight call budget: {0} call(s) waited more than {1:g} s for a free slot (longest "
                         "{2:.1f} s); rate_limit allows {3} calls a minute, shared by every task and run that uses "
                         "this server and key.".format(len(waits), NOTABLE_WAIT_SECONDS, max(waits), self.limit))
        return lines + getattr(self.window, "warnings", [])


class FileWindow:
    """The send times of the last minute in one locked file: ``take``, ``settle`` and ``snapshot`` as every
    window has them. A stamp is a time on the monotonic clock."""

    def __init__(self, path):
        self.path = path

    def take(self, limit):
        """Under the file lock: take a slot and return (0, its stamp), or (how long until one frees, None)."""
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            now = time.monotonic()
            sent = self._recent(descriptor, now)
            if len(sent) >= limit:
                self._write(descriptor, sent)
                return sent[len(sent) - limit] + WINDOW_SECONDS - now, None
            sent.append(now)
            self._write(descriptor, sent)
            return 0.0, now
        finally:
            os.close(descriptor)  # releases the lock

    def settle(self, stamp):
        """Move a slot taken earlier to now."""
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

    def snapshot(self):
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


# Both scripts read the Redis server's clock: the one clock that every machine sharing the budget shares.
# A slot is a member of a sorted set, its score the call's time; members older than the window are dropped.
REDIS_TAKE = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('EXPIRE', KEYS[1], window + tonumber(ARGV[4]))
return '0'
"""
REDIS_SETTLE = """
local time = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(time[1]) + tonumber(time[2]) / 1000000, ARGV[1])
return 0
"""


class RedisWindow:
    """The window in a Redis sorted set named by the budget's digest: its members are random ids, its scores the
    calls' times on the Redis server's clock. Raises redis errors; SharedWindow turns them into a fallback."""

    def __init__(self, budget_url, digest, timeout):
        self.url = redacted_budget_url(budget_url)
        self.key = REDIS_KEY_PREFIX + digest
        self.client = redis.Redis.from_url(budget_url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._take = self.client.register_script(REDIS_TAKE)
        self._settle = self.client.register_script(REDIS_SETTLE)

    def take(self, limit):
        member = uuid.uuid4().hex
        wait = float(self._take(keys=[self.key], args=[limit, WINDOW_SECONDS, member, REDIS_KEY_SLACK_SECONDS]))
        return (wait, None) if wait > 0 else (0.0, member)

    def settle(self, member):
        if member is not None:
            self._settle(keys=[self.key], args=[member])

    def snapshot(self):
        seconds, microseconds = self.client.time()
        now = seconds + microseconds / 1000000.0
        scores = self.client.zrangebyscore(self.key, now - WINDOW_SECONDS, "+inf", withscores=True)
        return now, sorted(score for dummy, score in scores if score <= now)


class SharedWindow:
    """The Redis window while Redis answers; from its first failure on, this process's local window, and a
    warning that says so. Stamps of one window mean nothing to the other: a slot taken in Redis is not settled in
    the file."""

    def __init__(self, shared, local):
        self._shared = shared
        self._make_local = local
        self._local = None
        self._lock = threading.Lock()
        self.warnings = []

    def take(self, limit):
        return self._use("take", limit)

    def settle(self, stamp):
        return self._use("settle", stamp)

    def snapshot(self):
        return self._use("snapshot")

    def _use(self, step, *args):
        with self._lock:
            window = self._local or self._shared
        if window is self._shared:
            try:
                return getattr(window, step)(*args)
            except REDIS_FAILURES as exc:
                window = self._give_up(exc)
        if step == "settle" and not isinstance(args[0], float):
            return None  # a Redis slot: nothing of it is in the local window
        return getattr(window, step)(*args)

    def _give_up(self, error):
        with self._lock:
            if self._local is None:
                self._local = self._make_local()
                self.warnings.append(
                    "N-sight call budget: the Redis at {0} (budget_url) could not be used ({1}: {2}), so this task "
                    "went on with the local budget of this controller in {3}, which other controllers, pods and "
                    "jobs do not share: check that Redis, its password and the network path to it.".format(
                        self._shared.url, type(error).__name__, redacted_budget_text(str(error))[:200],
                        os.path.dirname(self._local.path)))
            return self._local


def budget_url_password(budget_url):
    """The password in ``budget_url``, a secret to redact from every message; None when there is none."""
    return urlsplit(budget_url).password if budget_url else None


def redacted_budget_url(budget_url):
    """``budget_url`` with its user name and password masked, for messages."""
    parts = urlsplit(budget_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return "{0}://{1}{2}{3}".format(parts.scheme, "********@" if "@" in parts.netloc else "", host, parts.path)


def redacted_budget_text(text):
    # redis-py's own messages name the host and port, never the password; any URL in them is masked all the same.
    return " ".join(redacted_budget_url(word) if "://" in word else word for word in text.split())


def check_budget_url(budget_url):
    """A ``budget_url`` of the documented form, refused before any call with a message that does not show it."""
    try:
        parts = urlsplit(budget_url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in BUDGET_URL_SCHEMES or not parts.hostname:
        raise InvalidOptionError("budget_url must be a Redis URL, redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss:// "
                                 "for TLS; the value given is not one (it is not shown, as it may hold a password).")
    if port == 0 or (parts.path.strip("/") and not parts.path.strip("/").isdigit()):
        raise InvalidOptionError("budget_url {0} names no usable port or database number: give "
                                 "redis://HOST:6379/0.".format(redacted_budget_url(budget_url)))
    return budget_url


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
