# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""budget_url: the N-sight call budget shared through a real Redis by runs that share no folder (AWX pods, execution
nodes, sliced jobs), against the emulator's own rolling-window limit; and what a Redis that cannot be used does.

The emulator refuses a call over its limit with 429. The budget's window is N-sight's minute, so the tests that go
over a budget take about a minute each.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from harness import ansible_executable, failed_result
from redis_server import free_port

LIMIT = 10
FIRST_HALF, SECOND_HALF = list(range(1001, 1009)), list(range(1009, 1017))


def bulk_pause(deviceids, name="Bulk pause", **options):
    return {"name": name, "msp.antivirus.nsight_mav_scan": dict({"deviceids": deviceids, "state": "paused"}, **options)}


def pod_env(tmp_path, pod, budget_url):
    """The environment of one AWX pod: a budget folder of its own, the shared Redis."""
    return {"NSIGHT_RATE_LIMIT": LIMIT, "NSIGHT_BUDGET_DIR": tmp_path / pod, "NSIGHT_BUDGET_URL": budget_url}


def secrets_of(emulator, redis_server):
    return [emulator.nsight_api_key, quote(emulator.nsight_api_key, safe=""), redis_server.password]


def test_two_runs_with_folders_of_their_own_share_one_budget_through_redis(emulator, run_playbook, redis_server,
                                                                           tmp_path, assert_no_secrets):
    emulator.server.set_nsight_rate_limit(LIMIT, window=60)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda work: run_playbook([bulk_pause(work[1])], verbosity=3,
                                                       extra_env=pod_env(tmp_path, work[0], redis_server.url)),
                             [("pod-a", FIRST_HALF), ("pod-b", SECOND_HALF)]))
    elapsed = time.monotonic() - started
    for run in runs:
        run.assert_rc(0)
        assert not any(item.get("failed") for item in run.result("Bulk pause")["results"])
    stats = emulator.server.rate_limit_stats()
    # 16 calls, 10 a minute: the last 6 waited for the first 6 to leave the minute, in whichever run they were.
    assert (stats["accepted"], stats["refused"]) == (16, 0) and stats["max_in_window"] <= LIMIT
    assert 58 < elapsed < 120, elapsed
    # Neither pod touched its own folder: the budget was Redis's alone.
    assert not any(os.listdir(str(tmp_path / pod)) for pod in ("pod-a", "pod-b") if os.path.isdir(str(tmp_path / pod)))
    # Redis holds a hash and call times, never the key; no run shows the Redis password.
    contents = redis_server.contents()
    assert contents.startswith("msp.antivirus:nsight-budget:") and contents.count("\n") == 0
    for run in runs:
        assert_no_secrets(run.output, run.results, run.files_text())
        for secret in secrets_of(emulator, redis_server):
            assert secret not in run.output + json.dumps(run.results) + run.files_text()
            assert secret not in contents


def test_an_unreachable_redis_leaves_the_task_on_the_local_budget_with_a_warning(emulator, run_playbook, tmp_path):
    closed = "redis://:not-a-real-pass@127.0.0.1:{0}/0".format(free_port())
    started = time.monotonic()
    run = run_playbook([bulk_pause(FIRST_HALF[:2], timeout=5)], verbosity=3,
                       extra_env={"NSIGHT_RATE_LIMIT": LIMIT, "NSIGHT_BUDGET_DIR": tmp_path / "pod",
                                  "NSIGHT_BUDGET_URL": closed})
    run.assert_rc(0)
    assert time.monotonic() - started < 60
    result = run.result("Bulk pause")
    assert not any(item.get("failed") for item in result["results"]) and len(result["results"]) == 2
    (warning,) = [line for line in result["warnings"] if "budget_url" in line]
    assert warning.startswith("N-sight call budget: the Redis at redis://********@127.0.0.1:")
    assert "which other controllers, pods and jobs do not share" in warning
    assert os.listdir(str(tmp_path / "pod"))  # the local budget took over
    assert "not-a-real-pass" not in run.output + json.dumps(run.results) + run.files_text()


def test_redis_stopped_mid_run_leaves_the_rest_on_the_local_budget(emulator, run_playbook, redis_server, tmp_path):
    emulator.server.set_nsight_rate_limit(LIMIT, window=60)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(run=run_playbook(
        [bulk_pause(FIRST_HALF + SECOND_HALF, retries=5, timeout=5)], verbosity=3,
        extra_env=pod_env(tmp_path, "pod", redis_server.url))))
    worker.start()
    # The budget lets 10 calls through, then the run waits for the minute to pass: stop Redis meanwhile.
    deadline = time.monotonic() + 60
    while len(emulator.calls()) < LIMIT and time.monotonic() < deadline:
        time.sleep(0.2)
    redis_server.stop()
    worker.join(timeout=240)
    assert not worker.is_alive()
    run = outcome["run"]
    run.assert_rc(0)
    result = run.result("Bulk pause")
    assert len(result["results"]) == 16 and not any(item.get("failed") for item in result["results"])
    assert any("could not be used" in warning and "do not share" in warning for warning in result["warnings"])
    assert redis_server.password not in run.output + json.dumps(run.results) + run.files_text()


def test_a_budget_url_of_another_form_is_refused_before_any_call(emulator, run_playbook):
    run = run_playbook([dict(bulk_pause(FIRST_HALF[:1], "Not Redis", budget_url="https://:pw@cache.example/"),
                             ignore_errors=True)], verbosity=3).assert_rc(0)
    failed_result(run, "Not Redis", "budget_url must be a Redis URL")
    assert emulator.calls() == []
    assert ":pw@" not in run.output


def test_a_redis_that_never_answers_costs_at_most_timeout(emulator, run_playbook, tmp_path):
    with socket.socket() as silent:  # accepts connections, answers nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = "redis://127.0.0.1:{0}/0".format(silent.getsockname()[1])
        started = time.monotonic()
        run = run_playbook([bulk_pause(FIRST_HALF[:2], timeout=3)], verbosity=3,
                           extra_env={"NSIGHT_RATE_LIMIT": LIMIT, "NSIGHT_BUDGET_DIR": tmp_path / "pod",
                                      "NSIGHT_BUDGET_URL": url})
        elapsed = time.monotonic() - started
    run.assert_rc(0)
    result = run.result("Bulk pause")
    assert not any(item.get("failed") for item in result["results"])
    assert any("could not be used (TimeoutError" in warning for warning in result["warnings"]), result["warnings"]
    # One wait of timeout (3 s) for Redis, then the local budget; ansible-playbook's own start-up besides.
    assert elapsed < 30, elapsed


def test_the_inventory_walk_spends_the_shared_budget(emulator, ansible_runner, redis_server, tmp_path):
    source = tmp_path / "estate.nsight.yml"
    source.write_text("plugin: msp.antivirus.nsight\n")
    listed = ansible_runner.run_command([ansible_executable("ansible-inventory"), "-i", str(source), "--list"],
                                        kind="inventory",
                                        inventory=False,
                                        extra_env=dict(pod_env(tmp_path, "pod", redis_server.url), NSIGHT_RATE_LIMIT=60))
    listed.assert_rc(0)
    calls = len([call for call in emulator.calls() if call["api"] == "nsight"])
    (key,) = redis_server.client().keys()
    assert redis_server.client().zcard(key) == calls > 0
    assert redis_server.password not in listed.output
