# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.antivirus.nsight_mav_definitions_update through real ansible-playbook / ansible runs against the emulator."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from harness import failed_result

SERVICE = "mav_definitions_update"
PENDING = "There is already a MAV definition update pending"


def update_task(name, ignore_errors=False, **options):
    task = {"name": name, "msp.antivirus.nsight_mav_definitions_update": options}
    if ignore_errors:
        task["ignore_errors"] = True
    return task


def calls_of(emulator, service=SERVICE):
    return [call["params"].get("deviceid") for call in emulator.calls() if call["service"] == service]


def test_update_then_pending_is_idempotent(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([update_task("First", deviceid=1001), update_task("Second", deviceid=1001)],
                       verbosity=4).assert_rc(0)
    first, second = run.task("First"), run.task("Second")
    assert first["status"] == "changed"
    assert first["result"]["api_status"] == "OK" and first["result"]["service"] == SERVICE
    assert first["result"]["deviceid"] == 1001
    assert first["result"]["results"][0]["changed"] is True
    assert second["status"] == "ok"
    assert second["result"]["changed"] is False and second["result"]["api_status"] == "FAIL"
    assert PENDING in second["result"]["msg"]
    # One call each; the documented FAIL needs no read.
    assert [call["service"] for call in emulator.calls()] == [SERVICE, SERVICE]
    assert_no_secrets(run.output, run.results, run.files_text())


def test_vipre_and_no_mav_devices_get_a_clear_answer(emulator, run_playbook):
    run = run_playbook([update_task("VIPRE", deviceid=1002, ignore_errors=True),
                        update_task("No MAV", deviceid=1016, ignore_errors=True)])
    run.assert_rc(0)
    vipre = failed_result(run, "VIPRE", "runs the VIPRE engine", "Bitdefender only", "Unsupported action type")
    assert vipre["engine"] == "vipre"
    none = failed_result(run, "No MAV", "no scan of either engine", "Managed Antivirus")
    assert none["engine"] is None
    # The engine read as for scans: Bitdefender first, VIPRE second.
    reads = [(call["params"]["deviceid"], call["params"].get("v")) for call in emulator.calls()
             if call["service"] == "list_mav_scans"]
    assert reads == [("1002", None), ("1002", "1"), ("1016", None), ("1016", "1")]


def test_check_mode_sends_nothing(emulator, run_playbook):
    run = run_playbook([update_task("Predict one", deviceid=1001), update_task("Predict bulk", deviceids=[1002, 1003])],
                       check=True).assert_rc(0)
    assert run.task("Predict one")["status"] == "changed"
    assert run.result("Predict one")["changed"] is True and "api_status" not in run.result("Predict one")
    assert [item["changed"] for item in run.result("Predict bulk")["results"]] == [True, True]
    assert emulator.calls() == []
    # Nothing was queued: the real run still changes.
    real = run_playbook([update_task("Real", deviceid=1001)]).assert_rc(0)
    assert real.result("Real")["changed"] is True


def test_bulk_within_one_run_and_over_batches(emulator, run_playbook):
    small = [1001, 1003, 1002, 1001]
    many = [1003, 1005, 1007, 1008, 1009, 1011, 1013, 1015, 1001, 1002, 1004]
    run = run_playbook([
        update_task("Small", deviceids=small, ignore_errors=True),
        update_task("Many", deviceids=many, ignore_errors=True),
    ])
    run.assert_rc(0)
    small_result = run.result("Small")
    assert run.task("Small")["status"] == "failed"
    assert [item["deviceid"] for item in small_result["results"]] == [1001, 1003, 1002]
    assert [item.get("failed", False) for item in small_result["results"]] == [False, False, True]
    assert small_result["msg"] == "2 device(s) changed, 0 unchanged, 1 failed."
    many_result = run.result("Many")
    # More than 8 devices: the action plugin hands the module its devices in batches; one result, in order.
    assert [item["deviceid"] for item in many_result["results"]] == many
    changed = {item["deviceid"]: item["changed"] for item in many_result["results"]}
    assert changed[1001] is False and changed[1003] is False  # pending from the first task
    assert [item["deviceid"] for item in many_result["results"] if item.get("failed")] == [1002, 1004]
    assert many_result["msg"] == "7 device(s) changed, 2 unchanged, 2 failed."
    assert sorted(calls_of(emulator)) == sorted(str(deviceid) for deviceid in set(small) | set(many)
                                                for _attempt in range(2 if deviceid in small else 1))


def test_unknown_device_and_wrong_key(emulator, run_playbook, assert_no_secrets):
    # The wrong key comes from the environment, as a real one would from a vault: a literal in the playbook would
    # show in ansible's own excerpt of the playbook source, not through the module.
    wrong_key = "{{ lookup('ansible.builtin.env', 'TEST_WRONG_KEY') }}"
    run = run_playbook([
        update_task("Unknown", deviceid=99999, ignore_errors=True),
        update_task("Wrong key", deviceid=1001, api_key=wrong_key, ignore_errors=True),
        update_task("Wrong key bulk", deviceids=list(range(1001, 1017)), api_key=wrong_key, ignore_errors=True),
    ], verbosity=4, extra_env={"TEST_WRONG_KEY": "not-the-key-7c1"})
    run.assert_rc(0)
    unknown = failed_result(run, "Unknown", "Invalid value for parameter: deviceid", "serverid or workstationid")
    assert unknown["api_code"] == 4
    wrong = failed_result(run, "Wrong key", "Check api_key", "regional")
    assert wrong["api_code"] == 3
    bulk = run.result("Wrong key bulk")["results"]
    assert all(item["failed"] for item in bulk)
    assert sum(1 for item in bulk if item.get("skipped")) >= 16 - 8
    assert "not-the-key-7c1" not in run.output
    assert_no_secrets(run.output, run.results, run.files_text())


def test_lost_answer_then_pending_is_a_change(emulator, run_playbook):
    # The first attempt queues the update but its answer is lost; the retry finds it pending.
    emulator.server.add_fault(api="nsight", service=SERVICE, kind="lost")
    run = run_playbook([update_task("Lost", deviceid=1001, retries=1)]).assert_rc(0)
    result = run.result("Lost")
    assert run.task("Lost")["status"] == "changed"
    assert "answer to an earlier attempt was lost" in result["msg"] and PENDING in result["msg"]
    assert [call["fault"] for call in emulator.calls()] == ["lost", None]


BAD_INPUT = [
    ("Neither", {}, "Give deviceid (one device) or deviceids (several)."),
    ("Both", {"deviceid": 1001, "deviceids": [1002]}, "mutually exclusive: deviceid|deviceids"),
    ("Zero", {"deviceid": 0}, "deviceid must be a positive integer"),
    ("Empty list", {"deviceids": []}, "deviceids is empty"),
    ("Not a number", {"deviceids": [1001, "x"]}, "deviceids"),
    ("Timeout", {"deviceid": 1001, "timeout": 0}, "timeout must be a positive number"),
    ("Unknown option", {"deviceid": 1001, "state": "paused"}, "Unsupported parameters"),
]


def test_bad_input_fails_without_any_call(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([update_task(name, ignore_errors=True, **options) for name, options, _fragment in BAD_INPUT],
                       verbosity=4)
    run.assert_rc(0)
    for name, _options, fragment in BAD_INPUT:
        failed_result(run, name, fragment)
    assert emulator.calls() == []
    assert_no_secrets(run.output, run.results, run.files_text())


def test_module_defaults_group_and_adhoc(emulator, run_playbook, run_adhoc, assert_no_secrets):
    play = [{
        "name": "Group defaults", "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/msp.antivirus.nsight": {"server": emulator.url, "api_key": emulator.nsight_api_key}},
        "tasks": [update_task("Update", deviceid=1001)],
    }]
    run = run_playbook(play, extra_env={"NSIGHT_SERVER": "http://127.0.0.1:9", "NSIGHT_API_KEY": "unused"})
    assert run.assert_rc(0).result("Update")["changed"] is True
    adhoc = run_adhoc("msp.antivirus.nsight_mav_definitions_update", "deviceid=1003", verbosity=4).assert_rc(0)
    assert adhoc.results[0]["status"] == "changed"
    assert calls_of(emulator) == ["1001", "1003"]
    assert_no_secrets(adhoc.output, adhoc.results, adhoc.files_text())
