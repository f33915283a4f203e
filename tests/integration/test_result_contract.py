# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One result contract, every module through the same cases (real ansible-playbook runs, the emulator):
an unknown device or customer, a login that fails, one bad item among good ones, check mode.

Each case is one playbook holding one task per module. ``results`` holds one entry per item in input order;
with one ``deviceid`` that device's keys and its own message are at the top; an item's failure fails that item,
and the task when any did; a failure every call would repeat stops the task early, the rest ``skipped``.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from harness import failed_result

UNKNOWN_DEVICE = 999999
# A well-formed customer id that the emulator's 230 customers do not have.
UNKNOWN_CID = "00000000-0000-4000-8000-000000000000"
# More than one batch of the action plugins (8 devices) and of WFBSS commands (10 customers).
DEVICES = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012]
WRONG = "{{ lookup('ansible.builtin.env', 'TEST_WRONG_CREDENTIAL') }}"

# module -> (API, the service it calls, its own options)
MODULES = {
    "nsight_mav_scan": ("nsight", "mav_scan_pause", {"state": "paused"}),
    "nsight_mav_definitions_update": ("nsight", "mav_definitions_update", {}),
    "nsight_mav_scan_info": ("nsight", "list_mav_scans", {}),
    "nsight_mav_threat_info": ("nsight", "list_mav_threats", {}),
    "nsight_mav_quarantine_info": ("nsight", "list_mav_quarantine", {}),
    "wfbss_reset": ("wfbss", "commands/reset", {"type": "counter"}),
    "wfbss_scan": ("wfbss", "commands/scan", {"type": "start"}),
    "wfbss_update": ("wfbss", "commands/update", {}),
    "wfbss_group_info": ("wfbss", "customers/groups", {}),
    "wfbss_device_info": ("wfbss", "components", {}),
    "wfbss_livestatus_info": ("wfbss", "customers/livestatus", {}),
}
# The WFBSS services that take one customer per call; the others take up to 10.
ONE_CUSTOMER_PER_CALL = ("components",)
# The WFBSS reads whose answer says whether it was about a customer (``found``).
FOUND_OR_NOT = ("customers/groups", "customers/livestatus")
# The N-sight services that act; check mode calls none of them.
ACTIONS = ("mav_scan_pause", "mav_definitions_update")


def seed_cids(emulator, count):
    with emulator.server.state.lock:
        return [customer["id"] for customer in emulator.server.state.customers[:count]]


def items(api, deviceids, cids):
    return {"deviceids": deviceids} if api == "nsight" else {"cids": cids}


def key_of(api):
    return "deviceid" if api == "nsight" else "cid"


def tasks(per_module, **task_options):
    """One task per module, named after it, its options from ``per_module(api)``."""
    return [dict({"name": name, "msp.antivirus." + name: dict(options, **per_module(api)), "register": "result",
                  "ignore_errors": True}, **task_options) for name, (api, _service, options) in MODULES.items()]


def calls_to(emulator, service):
    return [call for call in emulator.calls() if call["service"] == service]


def test_unknown_device_or_customer(emulator, run_playbook, assert_no_secrets):
    run = run_playbook(tasks(lambda api: {"deviceid": UNKNOWN_DEVICE} if api == "nsight" else {"cids": [UNKNOWN_CID]}))
    run.assert_rc(0)
    for name, (api, service, _options) in MODULES.items():
        result = run.result(name)
        (item,) = result["results"]
        if api == "nsight":
            # One device: its keys and its own message at the top, naming it and saying why.
            failed = failed_result(run, name, "Device {0}: ".format(UNKNOWN_DEVICE), "error 4")
            assert failed["deviceid"] == UNKNOWN_DEVICE and failed["api_code"] == 4, name
            assert all(failed[key] == value for key, value in item.items() if key != "failed"), name
        else:
            # WFBSS documents no per-customer error: commands are accepted, groups and live status are not found,
            # devices are none.
            assert item["cid"] == UNKNOWN_CID and not item.get("failed"), (name, item)
            assert item.get("found", True) is (service not in FOUND_OR_NOT), (name, item)
            if service == "components":
                assert item["devices"] == [] and item["summary"] == {"devices": 0}, (name, item)
    assert_no_secrets(run.output, run.results, run.files_text())


def test_a_failed_login_stops_each_task_early(emulator, run_playbook, assert_no_secrets):
    cids = seed_cids(emulator, 12)
    run = run_playbook(tasks(lambda api: dict(items(api, DEVICES, cids),
                                              **{"api_key" if api == "nsight" else "secret_key": WRONG})),
                       extra_env={"TEST_WRONG_CREDENTIAL": "not-the-credential-4e1f"}, verbosity=4)
    run.assert_rc(0)
    for name, (api, service, _options) in MODULES.items():
        result = failed_result(run, name)
        results = result["results"]
        assert [item[key_of(api)] for item in results] == items(api, DEVICES, cids)[key_of(api) + "s"], name
        assert all(item["failed"] for item in results), name
        first = next(item for item in results if not item.get("skipped"))
        assert ("error 3" if api == "nsight" else "HTTP 401") in first["msg"], (name, first)
        skipped = [item for item in results if item.get("skipped")]
        # The first batch (at most 8 devices at once, or 1 command) meets the refusal; nothing after it is sent.
        assert skipped and 1 <= len(calls_to(emulator, service)) <= (8 if api == "nsight" else 1), name
        assert all("every call would repeat" in item["msg"] for item in skipped), name
    assert_no_secrets(run.output, run.results, run.files_text())
    assert "not-the-credential-4e1f" not in run.output + json.dumps(run.results) + run.files_text()


def test_one_bad_item_among_good_ones_fails_alone(emulator, run_playbook, assert_no_secrets):
    cids = seed_cids(emulator, 11)
    # Bitdefender devices: a definitions update is for Bitdefender only.
    deviceids = [1001, UNKNOWN_DEVICE, 1003]
    # WFBSS: the first call of each module meets an HTTP 500 (no retries): its ten customers fail (one for components,
    # which takes one customer per call), the others, in the next calls, do not.
    for name, (api, service, _options) in MODULES.items():
        if api == "wfbss":
            emulator.server.add_fault(api="wfbss", service=service, kind="status", status=500)
    run = run_playbook(tasks(lambda api: dict(items(api, deviceids, cids), retries=0)))
    run.assert_rc(0)
    for name, (api, service, _options) in MODULES.items():
        result = failed_result(run, name)
        results = result["results"]
        bad = [UNKNOWN_DEVICE] if api == "nsight" else cids[:1] if service in ONE_CUSTOMER_PER_CALL else cids[:10]
        assert [item[key_of(api)] for item in results] == (deviceids if api == "nsight" else cids), name
        assert [item[key_of(api)] for item in results if item.get("failed")] == bad, name
        assert not any(item.get("skipped") for item in results), name
        if api == "nsight":
            assert result["msg"].endswith(", 1 failed."), (name, result["msg"])
    assert_no_secrets(run.output, run.results, run.files_text())


@pytest.mark.parametrize("check_keyword", [False, True], ids=["--check", "check_mode"])
def test_check_mode_acts_on_nothing(emulator, run_playbook, check_keyword):
    cids = seed_cids(emulator, 2)
    options = {"check_mode": True} if check_keyword else {}
    run = run_playbook(tasks(lambda api: items(api, [1001, 1003], cids), **options), check=not check_keyword)
    run.assert_rc(0)
    for name, (api, _service, _options) in MODULES.items():
        result = run.result(name)
        assert not result.get("failed"), (name, result)
        assert [item[key_of(api)] for item in result["results"]] == ([1001, 1003] if api == "nsight" else cids)
    services = {call["service"] for call in emulator.calls()}
    assert not services & set(ACTIONS) and not any(service.startswith("commands/") for service in services)
    assert emulator.server.tasks() == []
