# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import json
import os
import signal
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import call_budget
from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import CallBudget
from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError

SERVER = "https://www.systemmonitor.us/api/"
KEY = "k3y+with/odd=chars%x"
WINDOW = 1.0  # the minute, shrunk so that tests take seconds


@pytest.fixture
def short_window(monkeypatch):
    monkeypatch.setattr(call_budget, "WINDOW_SECONDS", WINDOW)
    monkeypatch.setattr(call_budget, "LONGEST_NAP_SECONDS", 0.05)


def stamps(budget):
    with open(budget.window.path) as state:
        return json.load(state)


def max_in_window(times, window=WINDOW):
    times = sorted(times)
    return max(sum(1 for other in times if start <= other < start + window) for start in times)


def test_state_is_private_and_named_without_the_key(budget_dir):
    budget = CallBudget(5, SERVER, KEY)
    with budget.call():
        pass
    assert stat.S_IMODE(os.stat(str(budget_dir)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(budget.window.path).st_mode) == 0o600
    for text in (budget.window.path, open(budget.window.path).read()):
        assert KEY not in text and quote(KEY, safe="") not in text and "k3y" not in text
    assert len(stamps(budget)) == 1


def test_one_state_per_server_and_key(budget_dir):
    paths = {CallBudget(5, server, key).window.path for server in (SERVER, "https://other/api/") for key in (KEY, "other")}
    assert len(paths) == 4
    assert CallBudget(5, SERVER, KEY).window.path == CallBudget(9, SERVER, KEY).window.path


def test_threads_never_pass_the_limit_in_any_window(short_window, budget_dir):
    budget = CallBudget(3, SERVER, KEY)
    sent = []
    lock = threading.Lock()

    def one(_number):
        with budget.call():
            with lock:
                sent.append(time.monotonic())

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(9)))
    # 9 calls at 3 a window: the last three wait for two windows to pass.
    assert time.monotonic() - started >= 2 * WINDOW
    assert max_in_window(sent) <= 3
    assert budget.calls == 9


def test_two_processes_share_one_budget(short_window, budget_dir):
    read_end, write_end = os.pipe()
    started = time.monotonic()
    children = []
    for _child in range(2):
        pid = os.fork()
        if pid == 0:  # each child sends three calls and reports when, then leaves without any cleanup
            try:
                for _call in range(3):
                    with CallBudget(4, SERVER, KEY).call():
                        os.write(write_end, "{0!r}\n".format(time.monotonic()).encode())
            finally:
                os._exit(0)
        children.append(pid)
    os.close(write_end)
    for pid in children:
        os.waitpid(pid, 0)
    with os.fdopen(read_end) as reports:
        sent = [float(line) for line in reports.read().split()]
    # Six calls under a limit of 4 shared by both: two of them waited for the window to pass.
    assert len(sent) == 6
    assert max_in_window(sent) <= 4
    assert time.monotonic() - started >= WINDOW


def test_a_process_killed_holding_the_lock_blocks_nobody(short_window, budget_dir):
    budget = CallBudget(5, SERVER, KEY)
    with budget.call():
        pass
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        descriptor = os.open(budget.window.path, os.O_RDWR)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(ready_write, b"x")
        time.sleep(60)
        os._exit(0)
    os.read(ready_read, 1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    started = time.monotonic()
    with budget.call():
        pass
    assert time.monotonic() - started < 0.5


def test_a_process_killed_mid_call_keeps_its_slot_only_for_its_window(short_window, budget_dir):
    pid = os.fork()
    if pid == 0:
        with CallBudget(1, SERVER, KEY).call():
            os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    budget = CallBudget(1, SERVER, KEY)
    started = time.monotonic()
    with budget.call():
        waited = time.monotonic() - started
    # Its call may have been sent, so its slot stays taken - for one window, not for ever.
    assert 0 < waited <= WINDOW + 0.2


def test_half_written_state_starts_afresh(short_window, budget_dir):
    budget = CallBudget(2, SERVER, KEY)
    with open(budget.window.path, "w") as state:
        state.write('[1.0, 2.')
    with budget.call():
        pass
    assert len(stamps(budget)) == 1


def test_times_ahead_of_now_are_from_before_a_reboot(short_window, budget_dir):
    budget = CallBudget(1, SERVER, KEY)
    with open(budget.window.path, "w") as state:
        json.dump([time.monotonic() + 1000.0], state)
    started = time.monotonic()
    with budget.call():
        pass
    assert time.monotonic() - started < 0.2


def test_a_wall_clock_step_does_not_open_the_gate(short_window, budget_dir, monkeypatch):
    budget = CallBudget(1, SERVER, KEY)
    with budget.call():
        pass
    monkeypatch.setattr(time, "time", lambda: 4102444800.0)  # the wall clock jumps to 2100
    started = time.monotonic()
    with budget.call():
        pass
    assert time.monotonic() - started >= WINDOW * 0.9


def test_slot_time_moves_to_the_end_of_the_call(short_window, budget_dir):
    budget = CallBudget(2, SERVER, KEY)
    before = time.monotonic()
    with budget.call():
        time.sleep(0.3)
    assert stamps(budget)[0] >= before + 0.3


def test_free_slots_and_seconds_until(short_window, budget_dir):
    budget = CallBudget(3, SERVER, KEY)
    assert budget.free_slots() == 3 and budget.seconds_until(3) == 0
    for _call in range(3):
        with budget.call():
            pass
    assert budget.free_slots() == 0
    assert budget.free_slots(WINDOW + 0.1) == 3
    assert 0.8 * WINDOW < budget.seconds_until(1) <= WINDOW
    # Beyond one window of calls, the next window repeats the pattern.
    assert 1.8 * WINDOW < budget.seconds_until(4) <= 2 * WINDOW


def test_long_waits_are_named_in_a_warning(budget_dir, monkeypatch):
    monkeypatch.setattr(call_budget, "NOTABLE_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(call_budget, "WINDOW_SECONDS", 0.5)
    monkeypatch.setattr(call_budget, "LONGEST_NAP_SECONDS", 0.05)
    budget = CallBudget(1, SERVER, KEY)
    assert budget.warnings() == []
    for _call in range(2):
        with budget.call():
            pass
    [warning] = budget.warnings()
    assert warning.startswith("N-sight call budget: 1 call(s) waited more than 0.1 s for a free slot (longest 0.")
    assert "rate_limit allows 1 calls a minute" in warning


def test_seconds_waited_counts_only_what_the_budget_held_up(short_window, budget_dir):
    """A slot taken at once counts nothing; a wait counts while it goes on (a walk's progress reads it mid-wait)
    and once it ended."""
    budget = CallBudget(1, SERVER, KEY)
    with budget.call():
        pass
    assert budget.seconds_waited() == 0.0
    seen = []
    waiter = threading.Thread(target=budget.acquire)
    waiter.start()
    time.sleep(0.3)
    seen.append(budget.seconds_waited())
    waiter.join()
    assert 0.2 < seen[0] < WINDOW
    assert budget.seconds_waited() >= seen[0]
    assert budget.seconds_waited() == pytest.approx(budget.seconds_waited())


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("NSIGHT_BUDGET_DIR", str(blocker / "budget"))
    with pytest.raises(InvalidOptionError) as raised:
        CallBudget(60, SERVER, KEY)
    assert "cannot be made" in str(raised.value) and "NSIGHT_BUDGET_DIR" in str(raised.value)
    assert "rate_limit=0" in str(raised.value)


def test_default_folder_is_under_the_users_ansible_home(monkeypatch, tmp_path):
    monkeypatch.delenv("NSIGHT_BUDGET_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    budget = CallBudget(60, SERVER, KEY)
    assert os.path.dirname(budget.window.path) == str(tmp_path / ".ansible" / "msp.antivirus")


# --------------------------------------------------------------------------- a budget shared through Redis

class FlakyWindow:
    """A shared window that answers until ``fail_after`` steps, then raises as a lost Redis would."""

    url = "redis://********@redis.example:6379/0"

    def __init__(self, fail_after):
        self.fail_after = fail_after
        self.steps = []

    def _step(self, name, *args):
        self.steps.append(name)
        if len(self.steps) > self.fail_after:
            raise ConnectionRefusedError(111, "Connection refused")

    def take(self, limit):
        self._step("take")
        return 0.0, "member-{0}".format(len(self.steps))

    def settle(self, stamp):
        self._step("settle")

    def snapshot(self):
        self._step("snapshot")
        return 100.0, []


def shared_budget(tmp_path, shared):
    budget = CallBudget(3, SERVER, KEY)
    local = budget.window
    budget.window = call_budget.SharedWindow(shared, lambda: local)
    return budget, local


def test_shared_window_goes_on_locally_with_one_warning_once_redis_fails(tmp_path):
    shared = FlakyWindow(fail_after=2)
    budget, local = shared_budget(tmp_path, shared)
    with budget.call():  # taken and settled in Redis
        pass
    with budget.call():  # Redis fails: taken in the local window
        pass
    with budget.call():
        pass
    assert shared.steps == ["take", "settle", "take"]
    assert len(local.snapshot()[1]) == 2
    (warning,) = [line for line in budget.warnings() if "Redis" in line]
    assert warning.startswith("N-sight call budget: the Redis at redis://********@redis.example:6379/0 (budget_url) "
                              "could not be used (ConnectionRefusedError: ")
    assert "not share" in warning and os.path.dirname(local.path) in warning


def test_a_redis_slot_is_not_settled_in_the_local_window(tmp_path):
    shared = FlakyWindow(fail_after=1)
    budget, local = shared_budget(tmp_path, shared)
    with budget.call():  # taken in Redis; Redis fails when it is settled
        pass
    assert local.snapshot()[1] == []
    assert budget.free_slots() == 3


@pytest.mark.parametrize("url, shown", [
    ("redis://:s3cr3t-pass@cache.example:6380/2", "redis://********@cache.example:6380/2"),
    ("rediss://user:s3cr3t-pass@cache.example/0", "rediss://********@cache.example/0"),
    ("redis://cache.example", "redis://cache.example"),
])
def test_budget_urls_are_shown_without_their_password(url, shown):
    assert call_budget.check_budget_url(url) == url
    assert call_budget.redacted_budget_url(url) == shown
    assert call_budget.budget_url_password(url) == ("s3cr3t-pass" if "@" in url else None)


@pytest.mark.parametrize("url", ["http://cache.example", "cache.example:6379", "redis://", "redis://:pw@h:0/0",
                                 "redis://:pw@h:notaport/0", "redis://:pw@h/cache"])
def test_budget_urls_of_another_form_are_refused_without_being_shown(url):
    with pytest.raises(InvalidOptionError) as refused:
        call_budget.check_budget_url(url)
    assert "pw" not in refused.value.message and "budget_url" in refused.value.message
