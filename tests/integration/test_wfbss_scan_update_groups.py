# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.antivirus.wfbss_scan, wfbss_update and wfbss_group_info through real ansible-playbook / ansible runs against
the emulator."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from harness import failed_result

ACME_CORP = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
ACME_LOGISTICS = "549390C2-61B3-417E-B1F0-8955A63C08F3"
BASE = "/SMPI/v2.8/service/wfbss/api/"


def task(module, name, ignore_errors=False, **options):
    found = {"name": name, "msp.antivirus." + module: options}
    if ignore_errors:
        found["ignore_errors"] = True
    return found


def seed_cids(emulator, count):
    with emulator.server.state.lock:
        return [customer["id"] for customer in emulator.server.state.customers[:count]]


def wfbss_calls(emulator):
    return [call for call in emulator.calls() if call["api"] == "wfbss"]


def emulator_tasks(emulator):
    return emulator.control("GET", "wfbss/tasks")


def test_scan_start_and_stop_twice_each_sends_commands(emulator, run_playbook, assert_no_secrets):
    cids = [ACME_CORP, ACME_LOGISTICS]
    run = run_playbook([
        task("wfbss_scan", "Start", type="start", cids=cids),
        task("wfbss_scan", "Start again", type="start", cids=cids),
        task("wfbss_scan", "Stop", type="stop", cids=[ACME_CORP]),
    ], verbosity=4).assert_rc(0)
    for name in ("Start", "Start again", "Stop"):
        assert run.task(name)["status"] == "changed"
    start = run.result("Start")
    assert start["batches"] == [cids] and start["tasks"][0]["cids"] == cids
    assert start["tasks"][0]["status"] == "PENDING"
    assert start["msg"] == "Sent 1 scan command(s) of type start for 2 customer(s)."
    assert "not_sent" not in start
    created = emulator_tasks(emulator)
    # The API gives no state to compare with: a second run sends its command again.
    assert [(item["command"], item["type"], item["cids"], item["gids"]) for item in created] == [
        ("scan", "start", cids, None), ("scan", "start", cids, None), ("scan", "stop", [ACME_CORP], None)]
    module_tasks = [run.result(name)["tasks"][0]["id"] for name in ("Start", "Start again", "Stop")]
    assert module_tasks == [item["id"] for item in created]
    assert [call["params"] for call in wfbss_calls(emulator)] == [
        {"type": "start", "cids": ",".join(cids)}, {"type": "start", "cids": ",".join(cids)},
        {"type": "stop", "cids": ACME_CORP}]
    assert_no_secrets(run.output, run.results, run.files_text())


def test_update_23_cids_with_gids_in_three_commands(emulator, run_playbook, assert_no_secrets):
    cids = seed_cids(emulator, 23)
    given = cids[:3] + [cids[0]] + cids[3:]
    run = run_playbook([task("wfbss_update", "Update", cids=given, gids=["G1", "G2", "G1"])],
                       verbosity=4).assert_rc(0)
    result = run.result("Update")
    assert result["batches"] == [cids[:10], cids[10:20], cids[20:]]
    assert [item["cids"] for item in result["tasks"]] == result["batches"]
    assert result["msg"] == "Sent 3 update command(s) for 23 customer(s)."
    assert [call["params"] for call in wfbss_calls(emulator)] == [
        {"cids": ",".join(batch), "gids": "G1,G2"} for batch in result["batches"]]
    assert [(item["command"], item["gids"]) for item in emulator_tasks(emulator)] == [("update", ["G1", "G2"])] * 3
    assert_no_secrets(run.output, run.results, run.files_text())


def test_check_mode_sends_nothing(emulator, run_playbook):
    cids = seed_cids(emulator, 12)
    run = run_playbook([task("wfbss_scan", "Scan", type="start", cids=cids),
                        task("wfbss_update", "Update", cids=[ACME_CORP], gids=["G1"])], check=True).assert_rc(0)
    assert run.result("Scan")["batches"] == [cids[:10], cids[10:]] and run.result("Scan")["tasks"] == []
    assert run.result("Scan")["msg"].startswith("Would send 2 scan command(s)")
    assert run.task("Update")["status"] == "changed" and run.result("Update")["tasks"] == []
    assert emulator.calls() == [] and emulator_tasks(emulator) == []


def test_failure_of_the_second_command_and_a_lost_answer(emulator, run_playbook, assert_no_secrets):
    cids = seed_cids(emulator, 23)
    emulator.server.add_fault(api="wfbss", service="commands/scan", kind="latency", delay=0)
    emulator.server.add_fault(api="wfbss", service="commands/scan", kind="status", status=500,
                              subject="InternalError", message="Task queue unavailable")
    emulator.server.add_fault(api="wfbss", service="commands/update", kind="drop")
    run = run_playbook([
        task("wfbss_scan", "Scan", ignore_errors=True, type="start", cids=cids, retries=0),
        task("wfbss_update", "Update", ignore_errors=True, cids=[ACME_CORP], retries=3),
    ], verbosity=4)
    run.assert_rc(0)
    scan = failed_result(run, "Scan", "HTTP 500 InternalError", "Task queue unavailable",
                         "Of 3 command(s), 2 created a task, 1 failed and 0 were not sent.")
    assert scan["changed"] is True
    # The failed command failed its ten customers only: the third command was still sent.
    assert [item["cids"] for item in scan["tasks"]] == [cids[:10], cids[20:]]
    assert scan["not_sent"] == cids[10:20] and "unconfirmed" not in scan
    assert [item["cid"] for item in scan["results"] if item.get("failed")] == cids[10:20]
    assert [item["cid"] for item in scan["results"]] == cids
    update = failed_result(run, "Update", "Connection closed without an answer", "not sent again")
    assert update["unconfirmed"] == [ACME_CORP] and update["not_sent"] == [] and update["changed"] is True
    assert update["results"][0]["uncertain"] is True
    # The dropped command was not sent again.
    assert [(call["service"], call["status"]) for call in wfbss_calls(emulator)] == [
        ("commands/scan", 200), ("commands/scan", 500), ("commands/scan", 200), ("commands/update", None)]
    assert wfbss_calls(emulator)[-1]["fault"] == "drop"
    assert_no_secrets(run.output, run.results, run.files_text())


def test_wrong_credentials_say_which_to_check(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([
        task("wfbss_scan", "Wrong secret", ignore_errors=True, type="start", cids=[ACME_CORP],
             secret_key="{{ lookup('ansible.builtin.env', 'TEST_WRONG_SECRET') }}"),
        task("wfbss_group_info", "Wrong token", ignore_errors=True, cids=[ACME_CORP],
             access_token="{{ lookup('ansible.builtin.env', 'TEST_WRONG_TOKEN') }}"),
    ], verbosity=4, extra_env={"TEST_WRONG_SECRET": "wrong-secret-19ad", "TEST_WRONG_TOKEN": "wrong-token-77e2"})
    run.assert_rc(0)
    secret = failed_result(run, "Wrong secret", "HTTP 401", "AuthenticationFailureSignature", "secret_key")
    assert secret["not_sent"] == [ACME_CORP] and secret["changed"] is False
    token = failed_result(run, "Wrong token", "HTTP 401", "AuthenticationFailureAccessToken", "access_token")
    assert token["http_status"] == 401
    assert emulator_tasks(emulator) == []
    for text in ("wrong-secret-19ad", "wrong-token-77e2"):
        assert text not in run.output
    assert_no_secrets(run.output, run.results, run.files_text())


def test_group_info_then_scan_of_one_group(emulator, run_playbook, assert_no_secrets):
    play = [{
        "name": "Groups, then a scan of the servers", "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/msp.antivirus.wfbss": {
            "url": emulator.url, "access_token": emulator.wfbss_access_token, "secret_key": emulator.wfbss_secret_key}},
        "tasks": [
            {"name": "Find Acme", "msp.antivirus.wfbss_customer_info": {"name": "Acme"}, "register": "acme"},
            {"name": "Groups", "msp.antivirus.wfbss_group_info": {"cids": "{{ lookup('ansible.builtin.vars', "
                                                                          "'acme').cids + ['NOBODY'] }}"},
             "register": "acme_groups"},
            task("wfbss_scan", "Scan servers", type="start", cids="{{ acme.cids }}",
                 gids="{{ acme_groups.groups | selectattr('type', 'equalto', 2) | map(attribute='id') | map('string') | list }}"),
        ],
    }]
    run = run_playbook(play, extra_env={"WFBSS_URL": None, "WFBSS_ACCESS_TOKEN": None, "WFBSS_SECRET_KEY": None},
                       verbosity=4).assert_rc(0)
    groups = run.result("Groups")
    assert run.task("Groups")["status"] == "ok" and groups["changed"] is False
    assert [customer["id"] for customer in groups["customers"]] == [ACME_CORP, ACME_LOGISTICS]
    assert all(set(group) == {"id", "name", "type"} for customer in groups["customers"] for group in customer["groups"])
    # As the customers/groups page's example: type and id 1 "Device (Default)", 2 "Server (Default)", integers.
    assert [(group["cid"], group["id"], group["type"]) for group in groups["groups"]] == [
        (ACME_CORP, 1, 1), (ACME_CORP, 2, 2), (ACME_LOGISTICS, 1, 1), (ACME_LOGISTICS, 2, 2)]
    assert groups["gids"] == ["1", "2", "1", "2"]
    assert groups["not_found"] == ["NOBODY"] and "NOBODY" in groups["msg"]
    (created,) = emulator_tasks(emulator)
    assert created["gids"] == ["2"] and created["cids"] == [ACME_CORP, ACME_LOGISTICS]
    assert [call["path"] for call in wfbss_calls(emulator)] == [BASE + "customers", BASE + "customers/groups",
                                                                BASE + "commands/scan"]
    assert_no_secrets(run.output, run.results, run.files_text())


def test_group_info_of_23_customers_in_three_reads_and_in_check_mode(emulator, run_playbook):
    cids = seed_cids(emulator, 23)
    run = run_playbook([task("wfbss_group_info", "Groups", cids=cids)], check=True).assert_rc(0)
    result = run.result("Groups")
    assert [customer["id"] for customer in result["customers"]] == cids
    assert len(result["gids"]) == 46 and result["not_found"] == []
    assert [call["params"]["cids"] for call in wfbss_calls(emulator)] == [
        ",".join(cids[:10]), ",".join(cids[10:20]), ",".join(cids[20:])]


BAD_INPUT = [
    ("wfbss_scan", "No type", {"cids": [ACME_CORP]}, "missing required arguments: type"),
    ("wfbss_scan", "Pause type", {"type": "pause", "cids": [ACME_CORP]}, "value of type must be one of: start, stop"),
    ("wfbss_scan", "Empty gids", {"type": "start", "cids": [ACME_CORP], "gids": []}, "gids is empty"),
    ("wfbss_update", "Gid with comma", {"cids": [ACME_CORP], "gids": ["A,B"]}, "gids must be single"),
    ("wfbss_update", "Empty cids", {"cids": []}, "cids is empty"),
    ("wfbss_update", "Events", {"cids": [ACME_CORP], "events": ["virus_incidents"]}, "Unsupported parameters"),
    ("wfbss_group_info", "Empty cid", {"cids": [ACME_CORP, ""]}, "cids must be single, non-empty customer ids"),
    ("wfbss_group_info", "No cids", {}, "missing required arguments: cids"),
    ("wfbss_scan", "ftp url", {"type": "start", "cids": [ACME_CORP], "url": "ftp://cspi.trendmicro.com"},
     "unsupported scheme 'ftp'"),
]


def test_bad_input_sends_nothing(emulator, run_playbook, assert_no_secrets):
    tasks = [task(module, name, ignore_errors=True, **options) for module, name, options, _fragment in BAD_INPUT]
    run = run_playbook(tasks, verbosity=4)
    run.assert_rc(0)
    for _module, name, _options, fragment in BAD_INPUT:
        failed_result(run, name, fragment)
    assert emulator.calls() == []
    assert_no_secrets(run.output, run.results, run.files_text())


def test_adhoc(emulator, run_adhoc, assert_no_secrets):
    run = run_adhoc("msp.antivirus.wfbss_update", {"cids": [ACME_CORP]}, verbosity=4).assert_rc(0)
    assert run.results[0]["status"] == "changed"
    assert [item["command"] for item in emulator_tasks(emulator)] == ["update"]
    assert_no_secrets(run.output, run.results, run.files_text())
