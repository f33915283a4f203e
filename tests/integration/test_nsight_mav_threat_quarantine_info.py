# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.antivirus.nsight_mav_threat_info and nsight_mav_quarantine_info through real ansible-playbook runs against
the emulator (its seeded threats and quarantine: tests/emulator/README.md)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from harness import failed_result

THREATS = "msp.antivirus.nsight_mav_threat_info"
QUARANTINE = "msp.antivirus.nsight_mav_quarantine_info"


def task(module, name, ignore_errors=False, **options):
    found = {"name": name, module: options}
    if ignore_errors:
        found["ignore_errors"] = True
    return found


def reads(emulator, service):
    return [(call["params"]["deviceid"], call["params"].get("v")) for call in emulator.calls()
            if call["service"] == service]


def test_threats_per_device_with_the_engine_found(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([task(THREATS, "One", deviceid=1001), task(THREATS, "Many", deviceids=[1001, 1002, 1003])],
                       verbosity=4).assert_rc(0)
    one = run.result("One")
    assert run.task("One")["status"] == "ok" and one["changed"] is False
    (device,) = one["devices"]
    assert device["deviceid"] == 1001 and device["engine"] == "bitdefender"
    assert [row["name"] for row in device["rows"]] == ["Trojan.GenericKD.46542511", "Gen:Variant.Ransom.Lockbit.12"]
    assert set(device["rows"][0]) == {"name", "type", "path", "date"}
    assert device["rows"][0]["path"] == "C:\\Users\\Public\\Downloads\\invoice.exe"
    many = run.result("Many")["devices"]
    assert [(item["deviceid"], item["engine"], len(item["rows"])) for item in many] == [
        (1001, "bitdefender", 2), (1002, "vipre", 1), (1003, None, 0)]
    assert run.result("Many")["msg"] == "list_mav_threats: 3 device(s) read, 3 row(s), 0 failed."
    # Bitdefender first; VIPRE only where Bitdefender showed nothing.
    assert sorted(reads(emulator, "list_mav_threats"), key=repr) == sorted(
        [("1001", None), ("1001", None), ("1002", None), ("1002", "1"), ("1003", None), ("1003", "1")], key=repr)
    assert_no_secrets(run.output, run.results, run.files_text())


@pytest.mark.parametrize("items, api_items, statuses", [
    (None, "CURRENT", ["quarantined"]), ("previous", "PREVIOUS", ["released"]),
    ("all", "ALL", ["quarantined", "released"]),
])
def test_quarantine_items(emulator, run_playbook, items, api_items, statuses):
    options = dict(deviceid=1001) if items is None else dict(deviceid=1001, items=items)
    run = run_playbook([task(QUARANTINE, "Read", **options)]).assert_rc(0)
    (device,) = run.result("Read")["devices"]
    assert [row["status"] for row in device["rows"]] == statuses
    assert all(row["guid"] for row in device["rows"])
    assert [call["params"]["items"] for call in emulator.calls()] == [api_items]


def test_quarantine_of_a_vipre_device_and_an_engine_given(emulator, run_playbook):
    run = run_playbook([
        task(QUARANTINE, "Auto", deviceid=1002, items="all"),
        task(QUARANTINE, "Forced", deviceid=1002, items="all", engine="bitdefender"),
    ]).assert_rc(0)
    assert run.result("Auto")["devices"][0]["engine"] == "vipre"
    assert len(run.result("Auto")["devices"][0]["rows"]) == 1
    forced = run.result("Forced")
    assert forced["devices"] == forced["results"] == [{
        "deviceid": 1002, "service": "list_mav_quarantine", "changed": False, "engine": "bitdefender", "rows": [],
        "msg": "list_mav_quarantine: 0 row(s) for device 1002 (bitdefender engine)."}]
    assert reads(emulator, "list_mav_quarantine") == [("1002", None), ("1002", "1"), ("1002", "2")]


def test_check_mode_reads_the_same(emulator, run_playbook):
    tasks = [task(THREATS, "Threats", deviceids=[1001, 1008]), task(QUARANTINE, "Quarantine", deviceid=1001)]
    normal = run_playbook(tasks).assert_rc(0)
    checked = run_playbook(tasks, check=True).assert_rc(0)
    for name in ("Threats", "Quarantine"):
        assert checked.result(name)["devices"] == normal.result(name)["devices"]
        assert checked.task(name)["status"] == "ok"


def test_bulk_over_batches_with_a_failed_device(emulator, run_playbook):
    devices = list(range(1001, 1017)) + [99999]
    run = run_playbook([task(THREATS, "All", deviceids=devices, ignore_errors=True),
                        task(QUARANTINE, "All quarantine", deviceids=devices, items="all", ignore_errors=True)])
    run.assert_rc(0)
    for name in ("All", "All quarantine"):
        result = run.result(name)
        assert run.task(name)["status"] == "failed"
        assert [item["deviceid"] for item in result["devices"]] == devices
        (failed,) = [item for item in result["devices"] if item.get("failed")]
        assert failed["deviceid"] == 99999 and failed["api_code"] == 4
        assert "Invalid value for parameter: deviceid" in failed["msg"]
        assert result["msg"].endswith("16 device(s) read, {0} row(s), 1 failed.".format(
            4 if name == "All" else 3))


def test_wrong_key_stops_the_batches_and_shows_no_secret(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([task(THREATS, "Wrong key", deviceids=list(range(1001, 1017)), ignore_errors=True,
                             api_key="{{ lookup('ansible.builtin.env', 'TEST_WRONG_KEY') }}")],
                       verbosity=4, extra_env={"TEST_WRONG_KEY": "wrong-key-5e0"})
    run.assert_rc(0)
    devices = run.result("Wrong key")["devices"]
    assert all(item["failed"] for item in devices)
    assert "Check api_key" in devices[0]["msg"] or devices[0].get("skipped")
    # At most one batch (8 devices) was sent before the failure was known.
    assert 1 <= len(emulator.calls()) <= 8
    assert sum(1 for item in devices if item.get("skipped")) == 16 - len(emulator.calls())
    assert "wrong-key-5e0" not in run.output
    assert_no_secrets(run.output, run.results, run.files_text())


def test_faults_retried_and_bad_bodies_clear(emulator, run_playbook):
    emulator.server.add_fault(api="nsight", service="list_mav_threats", kind="status", status=503)
    emulator.server.add_fault(api="nsight", service="list_mav_quarantine", kind="malformed")
    run = run_playbook([task(THREATS, "Retried", deviceid=1001),
                        task(QUARANTINE, "Malformed", deviceid=1001, ignore_errors=True)])
    run.assert_rc(0)
    assert len(run.result("Retried")["devices"][0]["rows"]) == 2
    # One device: its own message at the top, naming it and saying why.
    failed = failed_result(run, "Malformed", "Device 1001: ", "not acceptable XML")
    assert failed["deviceid"] == 1001 and failed["devices"] == failed["results"]


BAD_INPUT = [
    (THREATS, "Neither", {}, "Give deviceid (one device) or deviceids (several)."),
    (THREATS, "Both", {"deviceid": 1001, "deviceids": [1002]}, "mutually exclusive: deviceid|deviceids"),
    (THREATS, "Bad engine", {"deviceid": 1001, "engine": "mcafee"}, "value of engine must be one of"),
    (QUARANTINE, "Bad items", {"deviceid": 1001, "items": "CURRENT"}, "value of items must be one of: current"),
    (QUARANTINE, "Negative", {"deviceids": [1001, -2]}, "deviceids must hold positive integers"),
    (QUARANTINE, "Retries", {"deviceid": 1001, "retries": 11}, "retries must be from 0 to 10"),
]


def test_bad_input_fails_without_any_call(emulator, run_playbook, assert_no_secrets):
    tasks = [task(module, name, ignore_errors=True, **options) for module, name, options, _fragment in BAD_INPUT]
    run = run_playbook(tasks, verbosity=4)
    run.assert_rc(0)
    for _module, name, _options, fragment in BAD_INPUT:
        failed_result(run, name, fragment)
    assert emulator.calls() == []
    assert_no_secrets(run.output, run.results, run.files_text())


def test_module_defaults_group(emulator, run_playbook):
    play = [{
        "name": "Group defaults", "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/msp.antivirus.nsight": {"server": emulator.url, "api_key": emulator.nsight_api_key}},
        "tasks": [task(THREATS, "Threats", deviceid=1008), task(QUARANTINE, "Quarantine", deviceid=1008)],
    }]
    run = run_playbook(play, extra_env={"NSIGHT_SERVER": "http://127.0.0.1:9", "NSIGHT_API_KEY": "unused"})
    run.assert_rc(0)
    assert len(run.result("Threats")["devices"][0]["rows"]) == 1
    assert run.result("Quarantine")["devices"][0]["rows"] == []
