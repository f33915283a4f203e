# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records of paused scans: their files, damage, the liveness of the window that wrote them, and what a recovery
takes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.msp.antivirus.plugins.plugin_utils import window_keeper as keeper
from ansible_collections.msp.antivirus.plugins.plugin_utils import window_records as records

HERE = "ctl-1/boot-a"
NOW = 1000000.0


def entry(deviceid, host="h", run_id="r1"):
    return {"deviceid": deviceid, "host": host, "run_id": run_id, "time": "t", "server": "s"}


def record(*deviceids, **window):
    data = {"server": "s", "run_id": "r1", "entries": [entry(deviceid) for deviceid in deviceids]}
    if window:
        data["window"] = dict({"stale_after": 300}, **window)
    return data


def running(*pids):
    return lambda pid: "123" if pid in pids else None


# ---- names and files -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("server, name", [
    ("www.systemmonitor.us", "www.systemmonitor.us"),
    ("https://WWW.systemmonitor.us/api/?apikey=secret", "www.systemmonitor.us"),
    ("http://user:pass@127.0.0.1:8080/", "127.0.0.1:8080"),
    ("", ""), (None, ""),
])
def test_server_name_keeps_host_and_port_only(server, name):
    assert records.server_name(server) == name


def test_record_path_is_1_0_0s(tmp_path):
    # 1.0.0: maintenance-window-<sha256(host[:port])[:16]>-<run id>.json
    path = records.record_path(str(tmp_path), "https://www.systemmonitor.us", "r1")
    digest = hashlib.sha256(b"www.systemmonitor.us").hexdigest()[:16]
    assert path == os.path.join(str(tmp_path), "maintenance-window-" + digest + "-r1.json")
    assert records.record_prefix(str(tmp_path), "www.systemmonitor.us") == \
        records.record_prefix(str(tmp_path), "HTTPS://www.systemmonitor.us/api/")


def test_write_read_remove(tmp_path):
    path = records.record_path(str(tmp_path / "new"), "s", "r1")
    assert records.write_record(path, record(1, 2)) is True
    assert records.write_record(path, record(1)) is False
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(str(tmp_path / "new")).st_mode & 0o777) == "0o700"
    data, mtime = records.read_record(path)
    assert [item["deviceid"] for item in data["entries"]] == [1]
    assert records.record_files(str(tmp_path / "new"), "s") == [path]
    assert records.record_files(str(tmp_path / "new"), "other") == []
    assert not [name for name in os.listdir(str(tmp_path / "new")) if name.startswith(".tmp-")]
    records.remove_record(path)
    records.remove_record(path)  # gone already: fine
    assert records.record_files(str(tmp_path / "missing"), "s") == []


@pytest.mark.parametrize("text, why", [
    ('{"server": "s", "entries": [{"deviceid": 1', "is not JSON"),
    ("", "is not JSON"),
    ("\xff\xfe", "is not JSON"),
    ("[1, 2]", "not a record"),
    ('{"entries": {"deviceid": 1}}', "'entries' is not a list"),
    ('{"entries": [{"deviceid": "1"}]}', "no integer deviceid"),
    ('{"entries": [{"deviceid": true}]}', "no integer deviceid"),
    ('{"entries": [], "window": 3}', "'window' is not an object"),
    ('{"entries": [], "patching": 3}', "'patching' is not a list"),
])
def test_damaged_records_are_named(tmp_path, text, why):
    path = tmp_path / "maintenance-window-x-r.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(records.DamagedRecord) as caught:
        records.read_record(str(path))
    assert why in str(caught.value)


def test_an_unreadable_record_is_named(tmp_path):
    with pytest.raises(records.DamagedRecord) as caught:
        records.read_record(str(tmp_path))  # a folder: cannot be read as a file
    assert "cannot be read" in str(caught.value)


# ---- liveness ------------------------------------------------------------------------------------------------------

def test_a_1_0_0_record_belongs_to_no_live_window():
    assert records.window_liveness(record(1), NOW, NOW, HERE, running()) == \
        (False, "written by a run without a lease (msp.antivirus 1.0.0)")


def test_same_controller_goes_by_the_process():
    data = record(1, controller=HERE, pid=42, pid_started="123")
    assert records.window_liveness(data, 0, NOW, HERE, running(42))[0] is True  # even with its lease given up
    live, why = records.window_liveness(data, NOW, NOW, HERE, running())
    assert not live and "has ended" in why
    # The pid reused by another process: the window's process has ended.
    assert records.window_liveness(data, NOW, NOW, HERE, lambda pid: "999")[0] is False


def test_another_controller_goes_by_the_lease():
    data = record(1, controller="ctl-2/boot-b", pid=42, pid_started="1")
    live, why = records.window_liveness(data, NOW - 10, NOW, HERE, running(42))
    assert live and "ctl-2 renewed its lease 10 s ago" in why
    assert records.window_liveness(data, NOW - 301, NOW, HERE, running(42))[0] is False
    # Given up by its keeper when the run ended (modification time 0).
    assert records.window_liveness(data, 0, NOW, HERE, running(42))[0] is False


def test_recovery_leaves_a_live_window_alone():
    live = ("/r/live.json", dict(record(1, 2, controller=HERE, pid=42, pid_started="123"), patching=[3]), NOW)
    dead = ("/r/dead.json", record(2, 3, 4, controller=HERE, pid=41, pid_started="123"), NOW)
    old = ("/r/old.json", record(5), NOW)
    plan = records.recovery_plan([live, dead, old], [entry(6)], now=NOW, here=HERE, started_of=running(42))
    # 2 and 3 are the live window's (paused, or being patched): an older record naming them does not count.
    assert plan["devices"] == [4, 5, 6]
    assert sorted(plan["taken"]) == ["/r/dead.json", "/r/old.json"]
    assert list(plan["live"]) == ["/r/live.json"]
    forced = records.recovery_plan([live, dead, old], [], force=True, now=NOW, here=HERE, started_of=running(42))
    assert forced["devices"] == [1, 2, 3, 4, 5]


def test_left_entries():
    assert [item["deviceid"] for item in records.left_entries(record(1, 2, 3), {1, 3})] == [2]


# ---- the lease keeper ----------------------------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_keeper_renews_then_gives_the_lease_up_when_the_run_ends(tmp_path, monkeypatch):
    path = tmp_path / "record.json"
    path.write_text("{}")
    os.utime(str(path), (1, 1))
    clock = Clock()
    alive = {"left": 30}

    def started(pid):
        alive["left"] -= 1
        return "7" if alive["left"] > 0 else None

    monkeypatch.setattr(keeper, "process_started", started)
    assert keeper.keep(str(path), 42, 10, sleep=clock.sleep, clock=clock) == "ended"
    assert os.stat(str(path)).st_mtime == 0


def test_keeper_ends_when_the_record_is_removed(tmp_path, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(keeper, "process_started", lambda pid: "7")
    assert keeper.keep(str(tmp_path / "gone.json"), 42, 10, sleep=clock.sleep, clock=clock) == "removed"


def test_keeper_process_watches_its_parent(tmp_path):
    """The real script, as start_keeper runs it, for a process that ends: the lease is given up at once."""
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record(1)))
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    watcher = subprocess.Popen([sys.executable, records.KEEPER, str(path), str(parent.pid), "0.5"])
    try:
        time.sleep(1.0)
        assert os.stat(str(path)).st_mtime > time.time() - 5  # renewed while the run lives
        parent.wait()
        assert watcher.wait(timeout=10) == 0
        assert os.stat(str(path)).st_mtime == 0
    finally:
        for process in (parent, watcher):
            if process.poll() is None:
                process.kill()
                process.wait()


def test_process_started_of_a_process_that_does_not_run():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert records.process_started(child.pid) is None
    assert records.process_started(os.getpid())


def test_a_zombie_has_ended():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            with open("/proc/{0}/stat".format(child.pid)) as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            time.sleep(0.05)
        assert records.process_started(child.pid) is None
    finally:
        child.wait()
