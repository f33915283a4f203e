# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.antivirus.wfbss_reset through real ansible-playbook / ansible runs against the emulator.

Every test asserts on the module's results and on the emulator's call log. Several failure cases
share one playbook (``ignore_errors`` and distinct task names) to keep the number of ansible
processes down. A fault is queued by a ``uri`` task to the control API just before the task it must
hit, or up front when no request of the playbook is retried (each request takes the first pending fault).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from harness import assert_no_traceback, failed_result


ACME_CORP = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
ACME_LOGISTICS = "549390C2-61B3-417E-B1F0-8955A63C08F3"
ALL_EVENTS = [
    "virus_incidents", "spyware_incidents", "wtp_incidents", "urlfilter_incidents", "behavior_monitoring_incidents",
    "network_virus_incidents", "virus_unsuccessful", "spyware_unsuccessful", "device_control_incidents",
]
RESET_PATH = "/SMPI/v2.8/service/wfbss/api/commands/reset"


def reset_task(name, ignore_errors=False, **options):
    task = {"name": name, "msp.antivirus.wfbss_reset": options}
    if ignore_errors:
        task["ignore_errors"] = True
    return task


def fault_task(emulator, name, **fault):
    """A playbook task that queues one emulator fault, so that it hits the next task's requests only."""
    return {"name": name, "ansible.builtin.uri": {
        "url": emulator.url + "/_emulator/faults", "method": "POST", "body_format": "json", "body": fault}}


def seed_cids(emulator, count):
    """The ids of the first ``count`` seeded customers, in seed order."""
    with emulator.server.state.lock:
        return [customer["id"] for customer in emulator.server.state.customers[:count]]


def wfbss_calls(emulator):
    return [call for call in emulator.calls() if call["api"] == "wfbss"]


def emulator_tasks(emulator):
    return emulator.control("GET", "wfbss/tasks")


def assert_tasks_match_emulator(emulator, tasks, reset_type, events):
    """The module's tasks are exactly the ones the emulator created, with their cids and status."""
    created = emulator_tasks(emulator)
    assert [(task["id"], task["status"], task["cids"]) for task in tasks] == \
        [(task["id"], task["status"], task["cids"]) for task in created]
    for task in created:
        assert task["command"] == "reset"
        assert task["type"] == reset_type
        assert task["events"] == events


# ---- successful resets ---------------------------------------------------------------

def test_counter_and_livestatus_resets(emulator, run_playbook, assert_no_secrets):
    cids = [ACME_CORP, ACME_LOGISTICS]
    run = run_playbook([
        reset_task("Counter", type="counter", cids=cids),
        reset_task("Livestatus with events", type="livestatus", cids=cids,
                   events=["virus_incidents", "spyware_incidents"]),
        reset_task("Livestatus without events", type="livestatus", cids=[ACME_CORP]),
    ], verbosity=4).assert_rc(0)

    for name in ("Counter", "Livestatus with events", "Livestatus without events"):
        assert run.task(name)["status"] == "changed"
    counter = run.result("Counter")
    assert counter["changed"] is True
    assert counter["batches"] == [cids]
    assert len(counter["tasks"]) == 1
    assert counter["tasks"][0]["status"] == "PENDING" and counter["tasks"][0]["cids"] == cids
    assert "not_reset" not in counter
    assert "1 reset command(s) of type counter for 2 customer(s)" in counter["msg"]
    assert run.result("Livestatus with events")["batches"] == [cids]
    assert run.result("Livestatus without events")["tasks"][0]["cids"] == [ACME_CORP]

    calls = wfbss_calls(emulator)
    assert [(call["method"], call["path"], call["service"], call["status"]) for call in calls] == \
        [("POST", RESET_PATH, "commands/reset", 200)] * 3
    # events travel only when given; cids always comma-joined in one parameter.
    assert [call["params"] for call in calls] == [
        {"type": "counter", "cids": ",".join(cids)},
        {"type": "livestatus", "cids": ",".join(cids), "events": "virus_incidents,spyware_incidents"},
        {"type": "livestatus", "cids": ACME_CORP},
    ]
    created = emulator_tasks(emulator)
    assert [(task["type"], task["events"], task["cids"]) for task in created] == [
        ("counter", None, cids),
        ("livestatus", ["virus_incidents", "spyware_incidents"], cids),
        ("livestatus", ALL_EVENTS, [ACME_CORP]),
    ]
    module_tasks = [run.result(name)["tasks"][0] for name in
                    ("Counter", "Livestatus with events", "Livestatus without events")]
    assert [(task["id"], task["status"]) for task in module_tasks] == \
        [(task["id"], task["status"]) for task in created]
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


def test_23_cids_are_sent_as_three_commands_and_duplicates_dropped(emulator, run_playbook):
    cids = seed_cids(emulator, 23)
    # Duplicates anywhere in the list: only the first occurrence of each counts.
    given = cids[:5] + [cids[0], cids[3]] + cids[5:] + [cids[22], cids[10]]
    run = run_playbook([reset_task("Reset 23", type="counter", cids=given)]).assert_rc(0)

    result = run.result("Reset 23")
    assert result["changed"] is True
    assert result["batches"] == [cids[:10], cids[10:20], cids[20:]]
    assert [len(task["cids"]) for task in result["tasks"]] == [10, 10, 3]
    assert [task["cids"] for task in result["tasks"]] == result["batches"]
    assert all(task["status"] == "PENDING" for task in result["tasks"])
    assert "3 reset command(s) of type counter for 23 customer(s)" in result["msg"]

    calls = wfbss_calls(emulator)
    assert [call["params"] for call in calls] == [
        {"type": "counter", "cids": ",".join(batch)} for batch in (cids[:10], cids[10:20], cids[20:])]
    assert_tasks_match_emulator(emulator, result["tasks"], "counter", None)
    assert len({task["id"] for task in result["tasks"]}) == 3


def test_exactly_10_and_20_cids_fill_whole_commands(emulator, run_playbook, assert_no_secrets):
    # At a multiple of 10 no empty command may follow the full ones.
    cids = seed_cids(emulator, 20)
    run = run_playbook([
        reset_task("Reset 10", type="counter", cids=cids[:10]),
        reset_task("Reset 20", type="livestatus", cids=cids, events=["virus_incidents"]),
    ]).assert_rc(0)

    ten = run.result("Reset 10")
    assert ten["batches"] == [cids[:10]]
    assert [task["cids"] for task in ten["tasks"]] == [cids[:10]]
    assert "1 reset command(s) of type counter for 10 customer(s)" in ten["msg"]
    twenty = run.result("Reset 20")
    assert twenty["batches"] == [cids[:10], cids[10:]]
    assert [task["cids"] for task in twenty["tasks"]] == [cids[:10], cids[10:]]
    assert "2 reset command(s) of type livestatus for 20 customer(s)" in twenty["msg"]

    assert [call["params"] for call in wfbss_calls(emulator)] == [
        {"type": "counter", "cids": ",".join(cids[:10])},
        {"type": "livestatus", "cids": ",".join(cids[:10]), "events": "virus_incidents"},
        {"type": "livestatus", "cids": ",".join(cids[10:]), "events": "virus_incidents"},
    ]
    created = emulator_tasks(emulator)
    assert [(task["type"], task["cids"]) for task in created] == [
        ("counter", cids[:10]), ("livestatus", cids[:10]), ("livestatus", cids[10:])]
    assert [task["id"] for task in ten["tasks"] + twenty["tasks"]] == [task["id"] for task in created]
    assert_no_secrets(run.output, run.results, run.files_text())


def test_duplicate_cids_in_one_command(emulator, run_playbook):
    run = run_playbook([reset_task("Dupes", type="livestatus", events=["wtp_incidents", "wtp_incidents"],
                                   cids=[ACME_LOGISTICS, ACME_CORP, ACME_LOGISTICS, ACME_CORP])]).assert_rc(0)
    result = run.result("Dupes")
    assert result["batches"] == [[ACME_LOGISTICS, ACME_CORP]]
    assert [call["params"] for call in wfbss_calls(emulator)] == [
        {"type": "livestatus", "cids": ACME_LOGISTICS + "," + ACME_CORP, "events": "wtp_incidents"}]
    assert_tasks_match_emulator(emulator, result["tasks"], "livestatus", ["wtp_incidents"])


def test_check_mode_sends_nothing(emulator, run_playbook, assert_no_secrets):
    cids = seed_cids(emulator, 23)
    run = run_playbook([
        reset_task("Check 23", type="counter", cids=cids),
        reset_task("Check livestatus", type="livestatus", cids=[ACME_CORP], events=["virus_unsuccessful"]),
    ], check=True, verbosity=4).assert_rc(0)

    many = run.result("Check 23")
    assert run.task("Check 23")["status"] == "changed"
    assert many["changed"] is True
    assert many["batches"] == [cids[:10], cids[10:20], cids[20:]]
    assert many["tasks"] == []
    assert "Would send 3 reset command(s)" in many["msg"]
    one = run.result("Check livestatus")
    assert one["changed"] is True and one["batches"] == [[ACME_CORP]] and one["tasks"] == []
    assert emulator.calls() == []
    assert emulator_tasks(emulator) == []
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


# ---- documented 4xx answers ------------------------------------------------------------

def test_authentication_failures_say_which_credential(emulator, run_playbook, assert_no_secrets):
    # Wrong credentials come from the environment, as real ones would from a vault: a literal value in the
    # playbook would show in ansible's own error excerpt of the playbook source, not through the module.
    wrong_secret = "not-the-secret-4d1c7e"
    wrong_token = "11111111-2222-4333-8444-555555555555"
    run = run_playbook([
        reset_task("Wrong secret", ignore_errors=True, type="counter", cids=[ACME_CORP],
                   secret_key="{{ lookup('ansible.builtin.env', 'TEST_WRONG_SECRET') }}"),
        reset_task("Unknown token", ignore_errors=True, type="counter", cids=[ACME_CORP],
                   access_token="{{ lookup('ansible.builtin.env', 'TEST_WRONG_TOKEN') }}"),
        {"name": "Skew the WFBSS clock by 20 minutes", "ansible.builtin.uri": {
            "url": emulator.url + "/_emulator/clock", "method": "POST", "body_format": "json",
            "body": {"offset": 1200}}},
        reset_task("Clock skew", ignore_errors=True, type="counter", cids=[ACME_CORP]),
    ], verbosity=4, extra_env={"TEST_WRONG_SECRET": wrong_secret, "TEST_WRONG_TOKEN": wrong_token})
    run.assert_rc(0)

    secret = failed_result(run, "Wrong secret", "HTTP 401", "AuthenticationFailureSignature", "secret_key")
    token = failed_result(run, "Unknown token", "HTTP 401", "AuthenticationFailureAccessToken", "access_token")
    clock = failed_result(run, "Clock skew", "HTTP 401", "AuthenticationFailurePosixTime", "clock")
    for result, subject in ((secret, "AuthenticationFailureSignature"), (token, "AuthenticationFailureAccessToken"),
                            (clock, "AuthenticationFailurePosixTime")):
        assert result["http_status"] == 401
        assert result["error_subject"] == subject
        assert result["changed"] is False
        assert result["tasks"] == []
        assert result["not_reset"] == [ACME_CORP]
    assert "secret_key" not in token["msg"]

    # One request each: a 401 is not retried.
    assert [(call["service"], call["status"], call["fault"]) for call in wfbss_calls(emulator)] == \
        [("commands/reset", 401, None)] * 3
    assert emulator_tasks(emulator) == []
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())
    for text in (run.output, str(run.results)):
        assert wrong_secret not in text
        assert wrong_token not in text


def test_documented_errors_and_odd_bodies(emulator, run_playbook, assert_no_secrets):
    # 400 and 415 answers that a well-formed request cannot provoke, then bodies of other shapes.
    server = emulator.server
    server.add_fault(api="wfbss", service="commands/reset", kind="status", status=400, subject="InvalidParameters",
                     message="Invalid parameter cids: At least one customer ID must be specified, and no more than 10.")
    server.add_fault(api="wfbss", service="commands/reset", kind="status", status=400,
                     subject="MissingHeaderTraceID", message="Missing header: x-traceid")
    server.add_fault(api="wfbss", service="commands/reset", kind="status", status=415,
                     subject="InvalidHeaderContentType", message="content-type must be application/json")
    server.add_fault(api="wfbss", service="commands/reset", kind="html_error", status=500)
    server.add_fault(api="wfbss", service="commands/reset", kind="message_error", status=502)
    run = run_playbook([
        reset_task("400 InvalidParameters", ignore_errors=True, type="counter", cids=[ACME_CORP]),
        reset_task("400 MissingHeaderTraceID", ignore_errors=True, type="counter", cids=[ACME_CORP]),
        reset_task("415 InvalidHeaderContentType", ignore_errors=True, type="counter", cids=[ACME_CORP]),
        reset_task("500 as text/html", ignore_errors=True, type="counter", cids=[ACME_CORP], retries=0),
        reset_task("502 with message", ignore_errors=True, type="counter", cids=[ACME_CORP], retries=0),
        reset_task("404 bad api_version", ignore_errors=True, type="counter", cids=[ACME_CORP], api_version="v9.9"),
    ], verbosity=4)
    run.assert_rc(0)

    invalid = failed_result(run, "400 InvalidParameters", "HTTP 400 InvalidParameters", "Invalid parameter cids",
                            "Next: check the values")
    header = failed_result(run, "400 MissingHeaderTraceID", "HTTP 400 MissingHeaderTraceID", "x-traceid", "Next:")
    media = failed_result(run, "415 InvalidHeaderContentType", "HTTP 415 InvalidHeaderContentType",
                          "content type", "report it")
    html = failed_result(run, "500 as text/html", "HTTP 500 InternalError", "Emulated fault: HTTP 500",
                         "try again later")
    message = failed_result(run, "502 with message", "HTTP 502", "Emulated fault: HTTP 502", "try again later")
    version = failed_result(run, "404 bad api_version", "HTTP 404 NotFound", "v9.9", "check url and api_version")
    expected = [
        (invalid, 400, "InvalidParameters"), (header, 400, "MissingHeaderTraceID"),
        (media, 415, "InvalidHeaderContentType"), (html, 500, "InternalError"), (message, 502, None),
        (version, 404, "NotFound"),
    ]
    for result, status, subject in expected:
        assert result["http_status"] == status, result
        assert result.get("error_subject") == subject, result
        assert result["not_reset"] == [ACME_CORP] and result["tasks"] == []
    # The html body is JSON despite its content type: the subject is read, not an HTML excerpt.
    assert "<" not in html["msg"]

    calls = wfbss_calls(emulator)
    assert [(call["status"], call["fault"]) for call in calls] == [
        (400, "status"), (400, "status"), (415, "status"), (500, "html_error"), (502, "message_error"), (404, None)]
    assert calls[-1]["path"] == "/SMPI/v9.9/service/wfbss/api/commands/reset"
    assert emulator.control("GET", "faults") == []
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


# ---- retries, dropped connections, malformed answers ---------------------------------------

def test_retries_resign_and_fail_clearly(emulator, run_playbook, assert_no_secrets):
    reset = dict(api="wfbss", service="commands/reset")
    run = run_playbook([
        # 3 s: more than the first backoff alone ever waits (0.5 to 1 s), so only Retry-After explains the gap.
        fault_task(emulator, "Queue a 503 with Retry-After", kind="status", status=503, retry_after=3, **reset),
        reset_task("503 then success", type="counter", cids=[ACME_CORP]),
        # A 502 without Retry-After: retried after the backoff alone. (A dropped connection is not retried
        # for a command: test_dropped_connection_is_not_sent_again.)
        fault_task(emulator, "Queue a 502", kind="status", status=502, **reset),
        reset_task("502 then success", type="counter", cids=[ACME_LOGISTICS]),
        fault_task(emulator, "Queue two 503", kind="status", status=503, count=2, **reset),
        reset_task("Retries exhausted", ignore_errors=True, type="counter", cids=[ACME_CORP], retries=1),
        fault_task(emulator, "Queue a malformed answer", kind="malformed", **reset),
        reset_task("Malformed answer", ignore_errors=True, type="counter", cids=[ACME_CORP]),
    ], verbosity=4)
    run.assert_rc(0)

    calls = wfbss_calls(emulator)
    assert [(call["status"], call["fault"]) for call in calls] == [
        (503, "status"), (200, None),          # retried after Retry-After
        (502, "status"), (200, None),          # retried after the backoff
        (503, "status"), (503, "status"),      # retries: 1, both attempts refused
        (200, "malformed"),                    # not retried: HTTP 200
    ]

    # Every attempt is signed afresh: new trace id, posix time not older, after Retry-After.
    first, second = calls[0], calls[1]
    assert first["traceid"] and second["traceid"] and first["traceid"] != second["traceid"]
    assert int(second["posix_time"]) >= int(first["posix_time"])
    assert second["time"] - first["time"] >= 2.9
    assert int(second["posix_time"]) - int(first["posix_time"]) >= 2
    assert calls[2]["traceid"] != calls[3]["traceid"]
    # The backoff alone: at least half of its first ceiling (1 s), far less than a Retry-After of 3 s.
    assert 0.45 <= calls[3]["time"] - calls[2]["time"] < 2.5
    assert len({call["traceid"] for call in calls}) == len(calls)

    retried = run.result("503 then success")
    assert run.task("503 then success")["status"] == "changed"
    assert retried["tasks"][0]["cids"] == [ACME_CORP]
    dropped = run.result("502 then success")
    assert run.task("502 then success")["status"] == "changed"
    assert dropped["tasks"][0]["cids"] == [ACME_LOGISTICS]
    assert [task["id"] for task in emulator_tasks(emulator)] == [retried["tasks"][0]["id"], dropped["tasks"][0]["id"]]

    exhausted = failed_result(run, "Retries exhausted", "HTTP 503 ServiceUnavailable", "retries")
    assert exhausted["http_status"] == 503 and exhausted["error_subject"] == "ServiceUnavailable"
    assert exhausted["not_reset"] == [ACME_CORP] and exhausted["changed"] is False
    malformed = failed_result(run, "Malformed answer", "not JSON", "url")
    assert malformed["not_reset"] == [ACME_CORP] and malformed["changed"] is False
    assert "http_status" not in malformed
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


def test_dropped_connection_is_not_sent_again(emulator, run_playbook, assert_no_secrets):
    # The command was sent and its answer lost: WFBSS may have carried it out, so a retry could reset twice.
    emulator.server.add_fault(api="wfbss", service="commands/reset", kind="drop", count=0)
    run = run_playbook([reset_task("Always dropped", ignore_errors=True, type="counter", cids=[ACME_CORP],
                                   retries=3)], verbosity=4)
    run.assert_rc(0)
    result = failed_result(run, "Always dropped", "Connection closed without an answer", "1 attempt(s)",
                           "not sent again")
    assert result["unconfirmed"] == [ACME_CORP] and result["not_reset"] == []
    assert result["changed"] is True
    assert [(call["status"], call["fault"]) for call in wfbss_calls(emulator)] == [(None, "drop")]
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


def test_failure_in_second_of_three_commands(emulator, run_playbook, assert_no_secrets):
    cids = seed_cids(emulator, 23)
    # The first command passes a no-delay latency fault; the second takes the error and fails its ten customers
    # alone; the third is still sent.
    emulator.server.add_fault(api="wfbss", service="commands/reset", kind="latency", delay=0)
    emulator.server.add_fault(api="wfbss", service="commands/reset", kind="status", status=500,
                              subject="InternalError", message="Task queue unavailable")
    run = run_playbook([reset_task("Reset 23", ignore_errors=True, type="counter", cids=cids, retries=0)],
                       verbosity=4)
    run.assert_rc(0)

    result = failed_result(run, "Reset 23", "HTTP 500 InternalError", "Task queue unavailable",
                           "Of 3 command(s), 2 created a task, 1 failed and 0 were not sent.")
    assert result["changed"] is True
    assert result["http_status"] == 500 and result["error_subject"] == "InternalError"
    assert result["batches"] == [cids[:10], cids[10:20], cids[20:]]
    assert [task["cids"] for task in result["tasks"]] == [cids[:10], cids[20:]]
    assert result["not_reset"] == cids[10:20]
    assert [(item["cid"], item.get("failed", False)) for item in result["results"]] == [
        (cid, cid in cids[10:20]) for cid in cids]

    calls = wfbss_calls(emulator)
    assert [(call["params"]["cids"], call["status"]) for call in calls] == [
        (",".join(cids[:10]), 200), (",".join(cids[10:20]), 500), (",".join(cids[20:]), 200)]
    assert_tasks_match_emulator(emulator, result["tasks"], "counter", None)
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


# ---- bad input: refused before any request ---------------------------------------------------

BAD_INPUT = [
    # (task name, options, fragments of msg)
    ("Empty cids list", dict(type="counter", cids=[]), ["cids", "cids is empty: list at least one WFBSS customer id"]),
    ("Empty cid", dict(type="counter", cids=[ACME_CORP, ""]),
     ["cids", "''", "cids must be single, non-empty customer ids", "fix ''."]),
    ("Cid with a comma", dict(type="counter", cids=[ACME_CORP + "," + ACME_LOGISTICS]),
     ["cids", "comma", "the API joins them with commas", "fix '%s,%s'" % (ACME_CORP, ACME_LOGISTICS)]),
    ("Unknown event", dict(type="livestatus", cids=[ACME_CORP], events=["virus_incidents", "coffee_incidents"]),
     ["events", "coffee_incidents", "Got no match for: coffee_incidents"]),
    ("Events with counter", dict(type="counter", cids=[ACME_CORP], events=["virus_incidents"]),
     ["events", "livestatus", "events applies only to type=livestatus"]),
    ("Empty events list", dict(type="livestatus", cids=[ACME_CORP], events=[]),
     ["events is empty", "omit events to reset every live-status event"]),
    ("Unknown type", dict(type="everything", cids=[ACME_CORP]),
     ["type", "counter", "livestatus", "value of type must be one of: counter, livestatus, got: everything"]),
    ("ftp url", dict(type="counter", cids=[ACME_CORP], url="ftp://cspi.trendmicro.com"),
     ["url", "ftp", "has the unsupported scheme 'ftp'"]),
    ("Version without v", dict(type="counter", cids=[ACME_CORP], api_version="2.8"),
     ["api_version", "2.8", "v2.8", "api_version '2.8' is not a version such as v2.8"]),
    ("Timeout 0", dict(type="counter", cids=[ACME_CORP], timeout=0),
     ["timeout", "positive", "timeout must be a positive number of seconds, got 0"]),
    ("Negative retries", dict(type="counter", cids=[ACME_CORP], retries=-1),
     ["retries", "retries must be from 0 to 10, got -1"]),
]


def test_bad_input_sends_nothing(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([reset_task(name, ignore_errors=True, **options) for name, options, dummy in BAD_INPUT],
                       verbosity=4)
    run.assert_rc(0)
    for name, dummy, fragments in BAD_INPUT:
        result = failed_result(run, name, *fragments)
        assert result.get("changed", False) is False, result
        assert "http_status" not in result
    assert emulator.calls() == []
    assert emulator_tasks(emulator) == []
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


def test_user_errors_carry_no_stack_frames_at_high_verbosity(emulator, run_playbook):
    run = run_playbook([
        reset_task("Wrong secret", ignore_errors=True, type="counter", cids=[ACME_CORP],
                   secret_key="{{ lookup('ansible.builtin.env', 'TEST_WRONG_SECRET') }}"),
        reset_task("Empty cids", ignore_errors=True, type="counter", cids=[]),
    ], verbosity=4, extra_env={"TEST_WRONG_SECRET": "not-the-secret-0b7e"})
    run.assert_rc(0)
    for name in ("Wrong secret", "Empty cids"):
        result = failed_result(run, name)
        assert 'File "' not in str(result.get("exception", "")), result["exception"]
    assert "The full traceback is" not in run.output
    assert [call["status"] for call in wfbss_calls(emulator)] == [401]


# ---- ways to give the options ------------------------------------------------------------------

def test_module_defaults_group_and_smpi_url(emulator, run_playbook, assert_no_secrets):
    # No WFBSS_* variables: everything comes from module_defaults or the task.
    no_env = {"WFBSS_URL": None, "WFBSS_ACCESS_TOKEN": None, "WFBSS_SECRET_KEY": None}
    play = {
        "name": "WFBSS through module_defaults", "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/msp.antivirus.wfbss": {
            "url": emulator.url, "access_token": emulator.wfbss_access_token,
            "secret_key": emulator.wfbss_secret_key}},
        "tasks": [
            {"name": "Find Acme", "msp.antivirus.wfbss_customer_info": {"name": "Acme"}, "register": "acme"},
            reset_task("Reset from defaults", type="counter", cids="{{ acme.cids }}"),
            reset_task("Reset via /SMPI url", type="livestatus", cids=[ACME_CORP], url=emulator.url + "/SMPI"),
            reset_task("Reset via /SMPI/ url", type="counter", cids=[ACME_LOGISTICS], url=emulator.url + "/SMPI/"),
        ],
    }
    run = run_playbook([play], extra_env=no_env, verbosity=4).assert_rc(0)

    assert run.result("Find Acme")["cids"] == [ACME_CORP, ACME_LOGISTICS]
    assert run.result("Reset from defaults")["tasks"][0]["cids"] == [ACME_CORP, ACME_LOGISTICS]
    assert run.result("Reset via /SMPI url")["tasks"][0]["cids"] == [ACME_CORP]
    assert run.result("Reset via /SMPI/ url")["tasks"][0]["cids"] == [ACME_LOGISTICS]
    calls = wfbss_calls(emulator)
    assert [(call["path"], call["status"]) for call in calls] == [
        ("/SMPI/v2.8/service/wfbss/api/customers", 200)] + [(RESET_PATH, 200)] * 3
    assert [call["params"]["type"] for call in calls[1:]] == ["counter", "livestatus", "counter"]
    assert len(emulator_tasks(emulator)) == 3
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


def test_without_credentials_fails_before_any_call(emulator, run_playbook):
    run = run_playbook([reset_task("No credentials", ignore_errors=True, type="counter", cids=[ACME_CORP])],
                       extra_env={"WFBSS_ACCESS_TOKEN": None, "WFBSS_SECRET_KEY": None})
    run.assert_rc(0)
    failed_result(run, "No credentials", "access_token", "secret_key", "missing required arguments: access_token, secret_key")
    assert emulator.calls() == []


def test_adhoc(emulator, run_adhoc, assert_no_secrets):
    run = run_adhoc("msp.antivirus.wfbss_reset",
                    {"type": "livestatus", "cids": [ACME_CORP, ACME_LOGISTICS], "events": ["device_control_incidents"]},
                    verbosity=4)
    run.assert_rc(0)
    assert len(run.results) == 1
    record = run.results[0]
    assert record["status"] == "changed"
    assert record["result"]["tasks"][0]["cids"] == [ACME_CORP, ACME_LOGISTICS]
    assert [call["params"] for call in wfbss_calls(emulator)] == [{
        "type": "livestatus", "cids": ACME_CORP + "," + ACME_LOGISTICS, "events": "device_control_incidents"}]
    assert_tasks_match_emulator(emulator, record["result"]["tasks"], "livestatus", ["device_control_incidents"])
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


def test_adhoc_failure_has_no_secret(emulator, run_adhoc, assert_no_secrets):
    options = {"type": "counter", "cids": [ACME_CORP], "secret_key": "adhoc-wrong-secret-93b2"}
    run = run_adhoc("msp.antivirus.wfbss_reset", options, verbosity=4)
    assert run.rc == 2, run.describe()
    result = run.results[0]["result"]
    assert run.results[0]["status"] == "failed"
    assert "secret_key" in result["msg"] and result["http_status"] == 401
    assert_no_traceback(run, result)
    assert "adhoc-wrong-secret-93b2" not in run.output
    assert [call["status"] for call in wfbss_calls(emulator)] == [401]
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())
