# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk msp.antivirus.nsight_mav_scan over a flaky network (issue 18): real ansible-playbook runs on 200 devices
with running scans, through a seeded fault proxy (fault_proxy.py) in front of the emulator.

The contract: one result per device, in input order; a blip skips no device; every result matches what the
emulator holds afterwards, or says ``uncertain``; an outage (no request answered) is not a blip: the task stops
early instead of spending every retry on every device.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

import seed_data
from fault_proxy import for_device

DEVICE_COUNT = 200
# Seeds tried: 11, 12, 13 for the pause with 21, 22, 23 for the resume: every run met all four kinds, 40 to 60
# faults in some 260 requests.
PAUSE_SEED, RESUME_SEED = 11, 21
# The scan state each wanted state reaches.
REACHED = {"paused": "paused", "resumed": "running"}
# The module stops a bulk task once this many devices in a row failed without any N-sight answer.
OUTAGE_STREAK = 16
POOL_SIZE = 8  # devices in flight at once (http_client.POOL_SIZE)
# With kinds (status_503, drop_after) and every request faulted, this seed draws drop_after, then 503 three times.
LOST_THEN_503_SEED = 8


@pytest.fixture
def devices(emulator):
    """The ids of 200 Bitdefender servers with a running scan, as ``server.py --devices 200`` makes them."""
    state = emulator.server.state
    with state.lock:  # the next test's emulator.reset() takes them away again
        state.clients, state.sites, state.devices = seed_data.build_nsight_data(DEVICE_COUNT, seed_data.utc_now())
    return list(range(seed_data.BENCH_FIRST_ID, seed_data.BENCH_FIRST_ID + DEVICE_COUNT))


def run_bulk(run_playbook, proxy, deviceids, state):
    """One bulk task through the proxy, 3 retries, no pacing; the run and its per-device results."""
    options = {"server": proxy.url, "deviceids": deviceids, "state": state, "retries": 3, "rate_limit": 0,
               "timeout": 5}
    run = run_playbook([{"name": "Bulk", "msp.antivirus.nsight_mav_scan": options, "ignore_errors": True}])
    return run, run.result("Bulk").get("results", [])


def scan_states(emulator, deviceids):
    return dict((deviceid, emulator.server.device(deviceid)["scans"][0]["state"]) for deviceid in deviceids)


def tally(results, proxy):
    """What the task reported and what the proxy did, printed for the record (pytest -s, or on failure)."""
    counts = dict((flag, sum(1 for item in results if item.get(flag))) for flag in ("changed", "failed", "uncertain"))
    print("results: %s; proxy: %s" % (counts, proxy.counts))
    return counts


def assert_one_result_per_device(results, deviceids):
    assert [item.get("deviceid") for item in results] == deviceids


def assert_matches_truth(results, before, after, wanted, proxy):
    """Each result tells what happened to its device: a change reached the wanted state, a failure or a no-op
    left the scan as it was; only an ``uncertain`` result may have gone either way."""
    untrue = []
    for item in results:
        if item.get("uncertain"):
            continue
        deviceid = item["deviceid"]
        acted = item["changed"] and not item.get("failed")
        expected = REACHED[wanted] if acted else before[deviceid]
        if after[deviceid] != expected:
            untrue.append("device %d: %s before, %s after, requests met %s, reported %s" % (
                deviceid, before[deviceid], after[deviceid], proxy.history(deviceid), item))
    assert not untrue, "\n".join(untrue)


def assert_blip_contract(emulator, run, proxy, results, deviceids, before, wanted):
    assert_one_result_per_device(results, deviceids)
    assert [item["deviceid"] for item in results if item.get("skipped")] == []
    assert_matches_truth(results, before, scan_states(emulator, deviceids), wanted, proxy)
    assert "Traceback" not in run.output, run.describe()


def test_a_blip_in_one_request_of_five_skips_nothing_and_every_result_tells_the_truth(
        emulator, devices, run_playbook, fault_proxy, assert_no_secrets):
    running = scan_states(emulator, devices)
    pause_proxy = fault_proxy(seed=PAUSE_SEED, fault_rate=0.2)
    pause, paused = run_bulk(run_playbook, pause_proxy, devices, "paused")
    counts = tally(paused, pause_proxy)
    assert all(pause_proxy.counts[kind] > 0 for kind in pause_proxy.kinds), pause_proxy.counts
    assert_blip_contract(emulator, pause, pause_proxy, paused, devices, running, "paused")
    # Four attempts per request: a device fails only when one request met a fault on every one of them.
    assert counts["failed"] <= DEVICE_COUNT // 20, counts

    after_pause = scan_states(emulator, devices)
    resume_proxy = fault_proxy(seed=RESUME_SEED, fault_rate=0.2)
    resume, resumed = run_bulk(run_playbook, resume_proxy, devices, "resumed")
    counts = tally(resumed, resume_proxy)
    assert_blip_contract(emulator, resume, resume_proxy, resumed, devices, after_pause, "resumed")
    assert counts["failed"] <= DEVICE_COUNT // 20, counts
    for run in (pause, resume):
        assert_no_secrets(run.output, run.results, run.files_text())


def test_an_answer_lost_then_only_errors_is_uncertain(emulator, run_playbook, fault_proxy, assert_no_secrets):
    """A rare path of the test above, made certain: the pause acts but its answer is lost, then every retry
    meets a 503. The last answer is an error, yet the device is paused: only ``uncertain`` tells the truth."""
    proxy = fault_proxy(seed=LOST_THEN_503_SEED, fault_rate=1.0, kinds=("status_503", "drop_after"))
    run, results = run_bulk(run_playbook, proxy, [1001], "paused")
    tally(results, proxy)
    assert proxy.history(1001)[:4] == [("mav_scan_pause", "drop_after")] + [("mav_scan_pause", "status_503")] * 3
    assert_one_result_per_device(results, [1001])
    assert_matches_truth(results, {1001: "running"}, scan_states(emulator, [1001]), "paused", proxy)
    assert_no_secrets(run.output, run.results, run.files_text())


# The 5th device fails in the action plugin's first batch (POOL_SIZE devices), so its failure is seen between
# batches; the 50th fails inside a later module run, while its batch's other devices are being sent.
@pytest.mark.parametrize("position", [5, 50])
def test_one_device_lost_entirely_fails_alone(emulator, devices, run_playbook, fault_proxy, assert_no_secrets,
                                              position):
    lost = devices[position - 1]
    proxy = fault_proxy(seed=1, fault_rate=1.0, kinds=("drop_before",), only=for_device(lost))
    run, results = run_bulk(run_playbook, proxy, devices, "paused")
    tally(results, proxy)
    assert run.task("Bulk")["status"] == "failed"
    assert_one_result_per_device(results, devices)
    by_device = dict((item["deviceid"], item) for item in results)
    assert by_device[lost]["failed"] is True and not by_device[lost].get("skipped"), by_device[lost]
    others = [item for item in results if item["deviceid"] != lost]
    assert [item["deviceid"] for item in others if not item["changed"] or item.get("failed")] == []
    states = scan_states(emulator, devices)
    assert states[lost] == "running"  # every request for it was dropped before reaching N-sight
    assert [deviceid for deviceid in devices if deviceid != lost and states[deviceid] != "paused"] == []
    assert_no_secrets(run.output, run.results, run.files_text())


def test_an_outage_is_not_a_blip_the_task_stops_early(emulator, devices, run_playbook, fault_proxy, assert_no_secrets):
    proxy = fault_proxy(seed=1, fault_rate=1.0, kinds=("drop_before",))
    run, results = run_bulk(run_playbook, proxy, devices, "paused")
    tally(results, proxy)
    assert run.task("Bulk")["status"] == "failed"
    assert_one_result_per_device(results, devices)
    attempted = proxy.attempted_devices()
    # The task stops after OUTAGE_STREAK devices in a row failed by transport; by then at most a pool's worth
    # of others had started (POOL_SIZE), and a little slack for where batches of the action plugin fall.
    # Without the stop, all 200 devices would be tried, each with every retry of every request.
    assert len(attempted) <= OUTAGE_STREAK + POOL_SIZE + 4, (len(attempted), len(proxy.requests))
    assert all(item.get("failed") for item in results)
    # A skipped device says why: it quotes the failure that stopped the task.
    failures = [item["msg"] for item in results if str(item["deviceid"]) in attempted]
    for item in results:
        if str(item["deviceid"]) not in attempted:
            assert item.get("skipped") is True, item
            assert any(failure in item["msg"] for failure in failures), item
    assert set(scan_states(emulator, devices).values()) == {"running"}
    assert_no_secrets(run.output, run.results, run.files_text())
