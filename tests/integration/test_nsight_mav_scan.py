# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.antivirus.nsight_mav_scan through real ansible-playbook / ansible runs against the emulator."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import time

import pytest
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

ACTIONS = ("mav_scan_start", "mav_scan_pause", "mav_scan_resume", "mav_scan_cancel")
CORE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2])
# Whether task results carry "invocation" (module_args), on the cores this suite runs on;
# ansible.builtin.ping tells on any other.
RESULTS_HAVE_INVOCATION = {(2, 16): True, (2, 17): True, (2, 21): False}
NO_LOG_MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def scan_task(name, check_mode=None, ignore_errors=False, **options):
    task = {"name": name, "msp.antivirus.nsight_mav_scan": options}
    if check_mode is not None:
        task["check_mode"] = check_mode
    if ignore_errors:
        task["ignore_errors"] = True
    return task


def newest_state(emulator, deviceid):
    scans = emulator.server.device(deviceid)["scans"]
    return scans[0]["state"] if scans else "none"


def action_calls(emulator):
    return [(call["service"], call["params"].get("deviceid")) for call in emulator.calls() if call["service"] in ACTIONS]


# ---- every state change, twice: changed, then not -------------------------------------

@pytest.mark.parametrize("deviceid, state, service, before, after", [
    (1001, "paused", "mav_scan_pause", "running", "paused"),      # Bitdefender
    (1002, "paused", "mav_scan_pause", "running", "paused"),      # VIPRE
    (1004, "resumed", "mav_scan_resume", "paused", "running"),    # VIPRE
    (1007, "resumed", "mav_scan_resume", "paused", "running"),    # Bitdefender, reads "Scan Stopped"
    (1003, "started", "mav_scan_start", "finished", "running"),
    (1001, "cancelled", "mav_scan_cancel", "running", "cancelled"),
])
def test_state_change_is_idempotent(emulator, run_playbook, assert_no_secrets, deviceid, state, service, before, after):
    assert newest_state(emulator, deviceid) == before
    run = run_playbook([
        scan_task("First", deviceid=deviceid, state=state),
        scan_task("Second", deviceid=deviceid, state=state),
    ]).assert_rc(0)

    first, second = run.task("First"), run.task("Second")
    assert first["status"] == "changed"
    assert first["result"]["api_status"] == "OK"
    assert first["result"]["service"] == service
    assert first["result"]["deviceid"] == deviceid
    assert second["status"] == "ok"
    assert second["result"]["changed"] is False
    assert "No change for device {0}".format(deviceid) in second["result"]["msg"]
    assert newest_state(emulator, deviceid) == after
    # Exactly one action call per run; start and cancel settle their vague second answer with a read.
    assert action_calls(emulator) == [(service, str(deviceid))] * 2
    if state in ("started", "cancelled"):
        assert "An error has occurred" in second["result"]["msg"]
        assert second["result"]["scan_state"] == ("running" if state == "started" else "cancelled")
    else:
        assert "scan is not running" in second["result"]["msg"]
        assert "list_mav_scans" not in emulator.services("nsight")
    assert_no_secrets(run.output, run.results, run.files_text())


def test_unsupported_action_type_is_no_change(emulator, run_playbook):
    # Device 1005 has never scanned: N-sight answers "Unsupported action type".
    run = run_playbook([scan_task("Pause", deviceid=1005, state="paused")]).assert_rc(0)
    result = run.result("Pause")
    assert result["changed"] is False and result["api_status"] == "FAIL"
    assert "Unsupported action type" in result["msg"]


def test_start_on_a_paused_scan_fails_with_advice(emulator, run_playbook):
    run = run_playbook([scan_task("Start", deviceid=1004, state="started", ignore_errors=True)])
    result = run.result("Start")
    assert run.task("Start")["status"] == "failed"
    assert "resume it (state=resumed)" in result["msg"]
    assert newest_state(emulator, 1004) == "paused"


def test_vague_error_that_the_scans_do_not_explain_is_a_failure(emulator, run_playbook):
    # Observed quirk: a running scan missing from list_mav_scans. Start answers "An error has
    # occurred" and the list shows no running scan, so the module cannot call it a no-op.
    emulator.server.set_scan(1001, hidden_running=True)
    run = run_playbook([scan_task("Start", deviceid=1001, state="started", ignore_errors=True)])
    result = run.result("Start")
    assert run.task("Start")["status"] == "failed"
    assert "An error has occurred" in result["msg"] and "hide a running scan" in result["msg"]
    assert result["scan_state"] == "finished"


# ---- check mode ---------------------------------------------------------------------

@pytest.mark.parametrize("deviceid, state, expected", [
    (1001, "paused", True), (1003, "paused", False),
    (1004, "resumed", True), (1007, "resumed", True), (1001, "resumed", False),
    (1003, "started", True), (1002, "started", False),
    (1002, "cancelled", True), (1006, "cancelled", False),
])
def test_check_mode_predicts_the_real_run_and_changes_nothing(emulator, run_playbook, deviceid, state, expected):
    before = emulator.server.device(deviceid)
    run = run_playbook([scan_task("Predict", deviceid=deviceid, state=state)], check=True).assert_rc(0)
    predicted = run.result("Predict")
    assert predicted["changed"] is expected
    assert "api_status" not in predicted
    assert predicted["scan_state"] in ("running", "paused", "finished", "cancelled", "none")
    assert emulator.server.device(deviceid) == before
    assert action_calls(emulator) == []
    assert set(emulator.services("nsight")) == {"list_mav_scans"}

    emulator.reset()
    real = run_playbook([scan_task("Act", deviceid=deviceid, state=state)]).assert_rc(0)
    assert real.result("Act")["changed"] is expected


def test_check_mode_finds_the_vipre_engine_after_an_empty_default_answer(emulator, run_playbook):
    run_playbook([scan_task("Predict", deviceid=1002, state="paused")], check=True).assert_rc(0)
    reads = [call["params"] for call in emulator.calls()]
    assert [params.get("v") for params in reads] == [None, "1"]
    assert all(params["details"] == "NO" for params in reads)


# ---- describe --------------------------------------------------------------------------

def test_describe_returns_the_service_description_and_acts_on_nothing(emulator, run_playbook):
    run = run_playbook([scan_task("Describe", state="paused", describe=True)]).assert_rc(0)
    result = run.result("Describe")
    assert result["changed"] is False
    assert result["description"]["name"] == "mav_scan_pause"
    assert "Pause a Managed Antivirus scan" in result["description"]["description"]
    assert "deviceid" in [parameter["name"] for parameter in result["description"]["parameters"]]
    assert [call["params"] for call in emulator.calls()] == [{"service": "mav_scan_pause", "describe": "true"}]
    assert newest_state(emulator, 1001) == "running"


# ---- bulk ------------------------------------------------------------------------------

def test_bulk_acts_on_every_device_once_and_is_idempotent(emulator, run_playbook):
    devices = [1001, 1002, 1003, 1005, 1008, 1009, 1010, 1015, 1001]
    run = run_playbook([
        scan_task("Pause all", deviceids=devices, state="paused"),
        scan_task("Pause all again", deviceids=devices, state="paused"),
    ]).assert_rc(0)
    first, second = run.result("Pause all"), run.result("Pause all again")
    assert [item["deviceid"] for item in first["results"]] == [1001, 1002, 1003, 1005, 1008, 1009, 1010, 1015]
    assert {item["deviceid"]: item["changed"] for item in first["results"]} == {
        1001: True, 1002: True, 1003: False, 1005: False, 1008: True, 1009: True, 1010: True, 1015: True}
    assert first["changed"] is True and first["msg"] == "6 device(s) changed, 2 unchanged, 0 failed."
    assert second["changed"] is False and second["msg"] == "0 device(s) changed, 8 unchanged, 0 failed."
    assert sorted(action_calls(emulator)) == sorted([("mav_scan_pause", str(d)) for d in set(devices)] * 2)


def test_bulk_failure_of_one_device_fails_the_task_after_the_others_acted(emulator, run_playbook):
    run = run_playbook([scan_task("Pause", deviceids=[1001, 99999, 1002], state="paused", ignore_errors=True)])
    task = run.task("Pause")
    assert task["status"] == "failed"
    by_device = {item["deviceid"]: item for item in task["result"]["results"]}
    assert by_device[99999]["failed"] is True and by_device[99999]["api_code"] == 4
    assert "Invalid value for parameter: deviceid" in by_device[99999]["msg"]
    assert by_device[1001]["changed"] and by_device[1002]["changed"]
    assert newest_state(emulator, 1001) == "paused" and newest_state(emulator, 1002) == "paused"
    assert task["result"]["msg"] == "2 device(s) changed, 0 unchanged, 1 failed."


def test_bulk_with_a_wrong_key_skips_devices_not_yet_started(emulator, run_playbook, assert_no_secrets):
    devices = list(range(1001, 1017)) + list(range(2001, 2017))
    run = run_playbook([scan_task("Pause", deviceids=devices, state="paused", api_key="not-the-key")])
    assert run.rc == 2
    results = run.result("Pause")["results"]
    assert all(item["failed"] for item in results)
    sent = len(emulator.calls())
    # At most one pool's worth of requests went out before the failure was known.
    assert 1 <= sent <= 8
    assert sum("Skipped device" in item["msg"] for item in results) == len(devices) - sent
    assert_no_secrets(run.output, run.results, run.files_text())


def test_check_mode_bulk(emulator, run_playbook):
    run = run_playbook([scan_task("Predict", deviceids=[1001, 1003, 1004], state="paused")], check=True).assert_rc(0)
    assert [item["changed"] for item in run.result("Predict")["results"]] == [True, False, False]
    assert action_calls(emulator) == []


# ---- N-sight errors -----------------------------------------------------------------------

def test_error_3_says_to_check_the_key_and_region(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([scan_task("Pause", deviceid=1001, state="paused", api_key="wrong-key-123")], verbosity=4)
    assert run.rc == 2
    result = run.result("Pause")
    assert result["api_code"] == 3
    assert "check api_key" in result["msg"].lower() and "regional" in result["msg"]
    assert "wrong-key-123" not in run.output
    assert_no_secrets(run.output, run.results, run.files_text())


def test_error_4_names_the_invalid_device(emulator, run_playbook):
    run = run_playbook([scan_task("Pause", deviceid=99999, state="paused", ignore_errors=True)])
    result = run.result("Pause")
    assert result["api_code"] == 4 and "Invalid value for parameter: deviceid" in result["msg"]
    assert "serverid or workstationid" in result["msg"]


def test_error_5_is_reported_as_a_collection_bug(emulator, run_playbook):
    emulator.server.add_fault(api="nsight", kind="error", code=5, message="Missing parameter: deviceid")
    run = run_playbook([scan_task("Pause", deviceid=1001, state="paused", ignore_errors=True)])
    result = run.result("Pause")
    assert result["api_code"] == 5 and "Missing parameter: deviceid" in result["msg"]
    assert "please report it" in result["msg"]


def test_wrong_path_gives_http_403_advice(emulator, run_playbook):
    run = run_playbook([scan_task("Pause", deviceid=1001, state="paused", server=emulator.url + "/wrong",
                                  ignore_errors=True)])
    result = run.result("Pause")
    assert result["http_status"] == 403
    assert "API host of your N-sight region" in result["msg"]


# ---- faults: retries, timeouts, bad bodies ---------------------------------------------------

# Retry-After is 3 s: the first backoff alone waits 0.5 to 1 s, so only an honoured Retry-After reaches 2.9 s.
@pytest.mark.parametrize("fault, gap", [
    ({"kind": "status", "status": 429, "retry_after": 3}, (2.9, 10)),
    ({"kind": "status", "status": 503, "retry_after": 3}, (2.9, 10)),
    ({"kind": "status", "status": 500}, (0.45, 2.5)),
    ({"kind": "drop"}, (0.45, 2.5)),
])
def test_transient_faults_are_retried(emulator, run_playbook, fault, gap):
    emulator.server.add_fault(api="nsight", **fault)
    run = run_playbook([scan_task("Pause", deviceid=1001, state="paused")]).assert_rc(0)
    assert run.result("Pause")["changed"] is True
    calls = emulator.calls()
    assert [call["fault"] for call in calls] == [fault["kind"], None]
    if fault.get("retry_after"):
        assert calls[1]["time"] - calls[0]["time"] >= 0.9
    shortest, longest = gap
    assert shortest <= calls[1]["time"] - calls[0]["time"] < longest


def test_retries_exhausted_fail_clearly(emulator, run_playbook):
    emulator.server.add_fault(api="nsight", kind="status", status=503, count=0)
    run = run_playbook([scan_task("Pause", deviceid=1001, state="paused", retries=1, ignore_errors=True)])
    result = run.result("Pause")
    assert result["http_status"] == 503
    assert "try again later or raise retries" in result["msg"]
    assert len(emulator.calls()) == 2


def test_timeout_without_retries(emulator, run_playbook):
    emulator.server.add_fault(api="nsight", kind="latency", delay=3)
    run = run_playbook([scan_task("Pause", deviceid=1001, state="paused", timeout=1, retries=0, ignore_errors=True)])
    result = run.result("Pause")
    assert "No complete answer within 1 s" in result["msg"] and "timeout" in result["msg"]
    # The read afterwards still sees the scan running, but the abandoned pause may yet be carried out: uncertain,
    # so that a maintenance window resumes it.
    assert result["uncertain"] is True and result["transport_error"] == "timeout"
    assert "but the abandoned request may still be carried out" in result["msg"]
    # The emulator carries out the abandoned pause later; let it finish before the next test resets.
    deadline = time.time() + 10
    while len(emulator.calls()) < 2 and time.time() < deadline:
        time.sleep(0.2)
    assert sorted(call["service"] for call in emulator.calls()) == ["list_mav_scans", "mav_scan_pause"]
    assert emulator.server.device(1001)["scans"][0]["state"] == "paused"


def test_latency_within_the_timeout_is_fine(emulator, run_playbook):
    emulator.server.add_fault(api="nsight", kind="latency", delay=1)
    run = run_playbook([scan_task("Pause", deviceid=1001, state="paused", timeout=5)]).assert_rc(0)
    assert run.result("Pause")["changed"] is True


@pytest.mark.parametrize("kind, expected", [
    ("malformed", "not acceptable XML"),
    ("entity", "entity declarations are refused"),
])
def test_bad_bodies_fail_with_an_excerpt_and_no_traceback(emulator, run_playbook, kind, expected):
    emulator.server.add_fault(api="nsight", kind=kind)
    run = run_playbook([scan_task("Pause", deviceid=1001, state="paused", ignore_errors=True)], verbosity=3)
    result = run.result("Pause")
    assert run.task("Pause")["status"] == "failed"
    assert expected in result["msg"] and "Body: " in result["msg"]
    assert "Traceback" not in run.output
    assert newest_state(emulator, 1001) == "running"


# ---- bad input: a clear message and no API call ------------------------------------------------

@pytest.mark.parametrize("options, expected", [
    ({"deviceid": 0, "state": "paused"}, "deviceid must be a positive integer"),
    ({"deviceid": -4, "state": "paused"}, "deviceid must be a positive integer"),
    ({"deviceid": "abc", "state": "paused"}, "argument 'deviceid' is of type"),
    ({"deviceid": 1001, "deviceids": [1002], "state": "paused"}, "mutually exclusive: deviceid|deviceids"),
    ({"state": "paused"}, "Give deviceid (one device) or deviceids (several), or describe=true."),
    ({"deviceids": [], "state": "paused"}, "deviceids is empty"),
    ({"deviceids": [1001, 0], "state": "paused"}, "deviceids must hold positive integers"),
    ({"deviceid": 1001, "state": "sleeping"}, "value of state must be one of: paused, resumed, started, cancelled"),
    ({"deviceid": 1001}, "missing required arguments: state"),
    ({"deviceid": 1001, "state": "paused", "server": "ftp://example.com"}, "unsupported scheme 'ftp'"),
    ({"deviceid": 1001, "state": "paused", "timeout": 0}, "timeout must be a positive number"),
    ({"deviceid": 1001, "state": "paused", "retries": -1}, "retries must be from 0 to 10"),
])
def test_bad_input_fails_clearly_without_any_api_call(emulator, run_playbook, assert_no_secrets, options, expected):
    run = run_playbook([scan_task("Bad", ignore_errors=True, **options)])
    task = run.task("Bad")
    assert task["status"] == "failed"
    assert expected in task["result"]["msg"]
    assert "Traceback" not in run.output
    assert emulator.calls() == []
    assert_no_secrets(run.output, run.results, run.files_text())


def test_empty_server_variable_counts_as_not_set(emulator, run_adhoc):
    # AWX renders an optional input left empty as an empty string: that is "not set".
    run = run_adhoc("msp.antivirus.nsight_mav_scan", {"deviceid": 1001, "state": "paused"},
                    extra_env={"NSIGHT_SERVER": ""})
    assert run.rc != 0
    assert "missing required arguments: server" in run.output
    assert emulator.calls() == []


def test_blank_server_option_says_what_to_set(emulator, run_adhoc):
    run = run_adhoc("msp.antivirus.nsight_mav_scan", {"deviceid": 1001, "state": "paused", "server": " "})
    assert run.rc != 0
    assert "server is empty" in run.output and "NSIGHT_SERVER" in run.output
    assert emulator.calls() == []


# ---- secrets, ad-hoc, module_defaults ---------------------------------------------------------

def test_no_secret_at_vvvv_on_success_check_and_failure(emulator, run_playbook, assert_no_secrets):
    emulator.server.add_fault(api="nsight", kind="drop", count=0, service="mav_scan_cancel")
    run = run_playbook([
        scan_task("Pause", deviceid=1001, state="paused"),
        scan_task("Predict", deviceid=1002, state="paused", check_mode=True),
        scan_task("Bulk", deviceids=[1004, 99999], state="resumed", ignore_errors=True),
        scan_task("Unreachable", deviceid=1002, state="cancelled", retries=1, ignore_errors=True),
        scan_task("Describe", state="resumed", describe=True),
    ], verbosity=4)
    assert run.task("Pause")["status"] == "changed"
    assert run.task("Unreachable")["status"] == "failed"
    assert "apikey=********" in run.result("Unreachable")["msg"]
    assert "Connection closed without an answer" in run.result("Unreachable")["msg"]
    assert_no_secrets(run.output, run.results, run.files_text())


def test_api_key_is_no_log_in_invocation_and_everywhere_else(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([
        {"name": "Does this core return invocation", "ansible.builtin.ping": {"data": "probe"}},
        scan_task("Key from the environment", deviceid=1001, state="paused"),
        scan_task("Key as an option", deviceid=1002, state="paused",
                  api_key="{{ lookup('ansible.builtin.env', 'NSIGHT_API_KEY') }}"),
    ], verbosity=4).assert_rc(0)
    has_invocation = "invocation" in run.result("Does this core return invocation")
    if CORE in RESULTS_HAVE_INVOCATION:
        assert has_invocation is RESULTS_HAVE_INVOCATION[CORE], CORE
    for name, deviceid in (("Key from the environment", 1001), ("Key as an option", 1002)):
        result = run.result(name)
        assert run.task(name)["status"] == "changed" and result["deviceid"] == deviceid
        if has_invocation:
            args = result["invocation"]["module_args"]
            assert args["api_key"] == NO_LOG_MASK
            assert args["deviceid"] == deviceid and args["server"] == emulator.url  # the real arguments
        else:
            assert "invocation" not in result
            assert NO_LOG_MASK not in json.dumps(result)
    # The key really was sent (the emulator accepted it), and shows nowhere, in no form, at -vvvv.
    assert [(call["service"], call["params"]["deviceid"], call["api_status"]) for call in emulator.calls()
            if call["service"] == "mav_scan_pause"] == [("mav_scan_pause", "1001", "OK"), ("mav_scan_pause", "1002", "OK")]
    assert "ESTABLISH LOCAL CONNECTION" in run.stdout
    assert_no_secrets(run.output, run.results, run.files_text())


def test_adhoc_command(emulator, run_adhoc, assert_no_secrets):
    run = run_adhoc("msp.antivirus.nsight_mav_scan", "deviceid=1002 state=paused", verbosity=4).assert_rc(0)
    assert run.results[0]["status"] == "changed"
    assert newest_state(emulator, 1002) == "paused"
    assert_no_secrets(run.output, run.results, run.files_text())


def test_module_defaults_group_sets_the_connection(emulator, run_playbook):
    play = [{
        "name": "Group defaults",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/msp.antivirus.nsight": {"server": emulator.url, "api_key": emulator.nsight_api_key}},
        "tasks": [scan_task("Pause", deviceid=1001, state="paused")],
    }]
    run = run_playbook(play, extra_env={"NSIGHT_SERVER": "http://127.0.0.1:9", "NSIGHT_API_KEY": "unused"}).assert_rc(0)
    assert run.result("Pause")["changed"] is True
