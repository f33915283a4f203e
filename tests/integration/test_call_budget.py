# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The N-sight call budget against the emulator's own rolling-window limit, in real ansible runs.

The emulator refuses a call over its limit with 429 (our assumption of what N-sight does): a run
that keeps to its budget sees none refused. The budget's window is N-sight's minute, so the tests
that go over a budget take about a minute each.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from harness import ansible_executable, failed_result

ALL_DEVICES = list(range(1001, 1017))  # every seed device: 16 calls for a bulk pause


def bulk_pause(name="Bulk pause", **options):
    return {"name": name, "msp.antivirus.nsight_mav_scan": dict({"deviceids": ALL_DEVICES, "state": "paused"}, **options)}


def budget_files(directory):
    return [os.path.join(directory, name) for name in os.listdir(directory)] if os.path.isdir(directory) else []


def test_bulk_task_keeps_to_its_budget_and_shows_progress(emulator, run_playbook, tmp_path, assert_no_secrets):
    emulator.server.set_nsight_rate_limit(10, window=60)
    budget_dir = tmp_path / "budget"
    started = time.monotonic()
    run = run_playbook([bulk_pause()], extra_env={"NSIGHT_RATE_LIMIT": 10, "NSIGHT_BUDGET_DIR": budget_dir})
    elapsed = time.monotonic() - started
    run.assert_rc(0)
    stats = emulator.server.rate_limit_stats()
    assert (stats["accepted"], stats["refused"], stats["max_in_window"]) == (16, 0, 10)
    # Calls 11 to 16 wait for calls 1 to 6 to leave the minute.
    assert 58 < elapsed < 90, elapsed
    assert len(run.result("Bulk pause")["results"]) == 16
    progress = [line for line in run.stdout.splitlines() if line.startswith("msp.antivirus.nsight_mav_scan: ")]
    assert progress and all("/16 devices" in line and "left" in line for line in progress), run.stdout
    # A line at least every 30 s: a minute of waiting gives two or more.
    assert len(progress) >= 2, progress
    assert_no_secrets(run.output, run.results)


def test_forks_and_two_playbooks_at_once_share_one_budget(emulator, ansible_runner, tmp_path):
    """Eight forked single-device tasks in each of two playbook runs started together: 32 calls, budget 20."""
    emulator.server.set_nsight_rate_limit(20, window=60)
    budget_dir = str(tmp_path / "shared-budget")
    hosts = dict(("host{0}".format(index), {"deviceid": 1001 + index}) for index in range(8))
    inventory = tmp_path / "hosts.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts, "vars": {"ansible_connection": "local"}}}))
    play = [{"name": "Forked reads", "hosts": "host*", "gather_facts": False, "tasks": [
        {"name": "Read", "msp.antivirus.nsight_mav_scan_info": {"deviceid": "{{ deviceid }}", "engine": "bitdefender"},
         "delegate_to": "localhost"},
        {"name": "Read again",
         "msp.antivirus.nsight_mav_scan_info": {"deviceid": "{{ deviceid }}", "engine": "bitdefender"},
         "delegate_to": "localhost"},
    ]}]
    env = {"NSIGHT_RATE_LIMIT": 20, "NSIGHT_BUDGET_DIR": budget_dir, "ANSIBLE_FORKS": 8}
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _: ansible_runner.playbook(play, extra_env=env, extra_args=("-i", str(inventory))),
                             range(2)))
    elapsed = time.monotonic() - started
    for run in runs:
        run.assert_rc(0)
        assert len(run.results_for("Read again")) == 8
    stats = emulator.server.rate_limit_stats()
    assert (stats["accepted"], stats["refused"]) == (32, 0)
    assert stats["max_in_window"] <= 20
    assert 55 < elapsed < 120, elapsed
    assert len(budget_files(budget_dir)) == 1


def test_default_budget_applies_its_state_is_private_and_holds_no_secret(emulator, run_playbook, tmp_path):
    budget_dir = tmp_path / "budget"
    run = run_playbook([bulk_pause()], extra_env={"NSIGHT_RATE_LIMIT": None, "NSIGHT_BUDGET_DIR": budget_dir})
    run.assert_rc(0)
    files = budget_files(str(budget_dir))
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(str(budget_dir)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    with open(files[0]) as state:
        stamps = json.load(state)
    # One stamp per call sent, all within the last minute: the default of 60 counted them.
    assert len(stamps) == 16 == emulator.server.rate_limit_stats()["accepted"]
    key = emulator.nsight_api_key
    for text in (files[0], open(files[0]).read()):
        assert key not in text and quote(key, safe="") not in text


def test_zero_turns_pacing_off(emulator, run_playbook, tmp_path):
    # A 2-second window: the throttled calls are retried after its short Retry-After.
    emulator.server.set_nsight_rate_limit(4, window=2)
    budget_dir = tmp_path / "budget"
    run = run_playbook([bulk_pause(retries=5)], extra_env={"NSIGHT_RATE_LIMIT": 0, "NSIGHT_BUDGET_DIR": budget_dir})
    run.assert_rc(0)
    # Unpaced, the bulk task outran the emulator's limit: proof that nothing held it back.
    assert emulator.server.rate_limit_stats()["refused"] > 0
    assert budget_files(str(budget_dir)) == []
    # Every throttled attempt is named in the task's warnings.
    warnings = run.result("Bulk pause").get("warnings", [])
    assert any("HTTP 429 with Retry-After" in warning and "retrying in" in warning for warning in warnings), warnings


def test_bad_rate_limit_is_refused_before_any_call(emulator, run_playbook):
    run = run_playbook([
        dict(bulk_pause("Negative", rate_limit=-1), ignore_errors=True),
        dict(bulk_pause("Not a number", rate_limit="fast"), ignore_errors=True),
    ]).assert_rc(0)
    failed_result(run, "Negative", "rate_limit must be 0 (no pacing, for a local emulator) or a number")
    failed_result(run, "Not a number", "rate_limit")
    assert emulator.calls() == []


def test_inventory_walk_reports_its_cost(emulator, tmp_path):
    source = tmp_path / "estate.nsight.yml"
    source.write_text("plugin: msp.antivirus.nsight\n")
    env = dict(os.environ, **emulator.env())
    env.update(ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""), NSIGHT_RATE_LIMIT="0",
               NSIGHT_BUDGET_DIR=str(tmp_path / "budget"), ANSIBLE_HOME=str(tmp_path / "home"))
    listed = subprocess.run([ansible_executable("ansible-inventory"), "-i", str(source), "--list", "-v"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True, check=False, timeout=120)
    assert listed.returncode == 0, listed.stdout
    calls = len([call for call in emulator.calls() if call["api"] == "nsight"])
    assert "msp.antivirus.nsight: the sites walk cost {0} N-sight call(s)".format(calls) in listed.stdout
