# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What hostile or broken servers and careless input do to real ansible runs against the emulator.

Redirects, answers lost after the action was carried out, huge, endless, dripping and compressed
bodies; malformed servers, secrets with line breaks, odd device ids: each must end in a clear
message (no traceback, no secret at -vvvv) and the devices in a known state.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import time
from urllib.parse import quote

import pytest
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

import harness
from harness import assert_no_traceback, failed_result

ACME_CORP = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
CORE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2])
RUNNING = (1001, 1002, 1008)  # the seed devices whose scan runs: 1001, 1008 Bitdefender, 1002 VIPRE


def scan_task(name, **options):
    return {"name": name, "msp.antivirus.nsight_mav_scan": options, "ignore_errors": True}


def reset_task(name, **options):
    return {"name": name, "msp.antivirus.wfbss_reset": options, "ignore_errors": True}


def newest_state(emulator, deviceid):
    scans = emulator.server.device(deviceid)["scans"]
    return scans[0]["state"] if scans else "none"


@pytest.fixture
def elsewhere():
    """A second emulator, where a redirect points: it must never be asked anything."""
    server = harness.start_emulator()
    yield harness.EmulatorHandle(server)
    server.stop()


# ---- redirects ------------------------------------------------------------------------------

def test_redirects_are_never_followed(emulator, elsewhere, run_playbook, assert_no_secrets):
    emulator.server.add_fault(kind="redirect", api="nsight", status=302, location=elsewhere.url + "/api/?from=redirect")
    emulator.server.add_fault(kind="redirect", api="wfbss", status=307,
                              location=elsewhere.url + "/SMPI/v2.8/service/wfbss/api/commands/reset")
    run = run_playbook([
        scan_task("Pause behind a redirect", deviceid=1001, state="paused"),
        reset_task("Reset behind a redirect", type="counter", cids=[ACME_CORP]),
    ], verbosity=4).assert_rc(0)
    pause = failed_result(run, "Pause behind a redirect", "N-sight answered HTTP 302 to " + elsewhere.url,
                          "never followed", "Check the server option")
    assert pause["http_status"] == 302
    reset = failed_result(run, "Reset behind a redirect", "WFBSS answered HTTP 307 to " + elsewhere.url,
                          "Check the url option")
    assert reset["not_reset"] == [ACME_CORP] and reset["changed"] is False
    # Nothing reached the other host, nothing was acted on here.
    assert elsewhere.calls() == []
    assert newest_state(emulator, 1001) == "running" and emulator.server.tasks() == []
    assert_no_secrets(run.output, run.results, run.files_text())


# ---- lost answers -----------------------------------------------------------------------------

def test_pause_whose_answer_was_lost_is_reported_changed(emulator, run_playbook):
    emulator.server.add_fault(kind="lost", api="nsight", service="mav_scan_pause")
    run = run_playbook([scan_task("Pause, answer lost", deviceid=1001, state="paused")]).assert_rc(0)
    paused = run.task("Pause, answer lost")
    assert paused["status"] == "changed", paused
    assert "answer to an earlier attempt was lost" in paused["result"]["msg"]
    assert paused["result"]["scan_state"] == "paused"
    assert [call["fault"] for call in emulator.calls() if call["service"] == "mav_scan_pause"] == ["lost", None]


def test_bulk_pause_with_lost_answers_reports_every_pause(emulator, run_playbook):
    # The first pause of every running device is carried out, its answer lost.
    for deviceid in RUNNING:
        emulator.server.add_fault(kind="lost", api="nsight", service="mav_scan_pause")
    run = run_playbook([scan_task("Bulk pause", deviceids=list(RUNNING) + [1003], state="paused")]).assert_rc(0)
    results = {result["deviceid"]: result for result in run.result("Bulk pause")["results"]}
    for deviceid in RUNNING:
        assert newest_state(emulator, deviceid) == "paused"
        assert results[deviceid]["changed"] is True, results[deviceid]
    assert results[1003]["changed"] is False
    assert run.task("Bulk pause")["status"] == "changed"


def test_lost_answer_by_timeout_is_settled(emulator, run_playbook):
    # Carried out, then no answer within the task's timeout.
    emulator.server.add_fault(kind="lost", api="nsight", service="mav_scan_pause", delay=4)
    started = time.monotonic()
    run = run_playbook([scan_task("Pause, answer late", deviceid=1008, state="paused", timeout=1)]).assert_rc(0)
    assert run.task("Pause, answer late")["status"] == "changed"
    assert newest_state(emulator, 1008) == "paused"
    assert time.monotonic() - started < 30


def test_every_answer_lost_is_settled_by_one_read(emulator, run_playbook, assert_no_secrets):
    # Every pause acts and loses its answer: one read afterwards shows the scan paused, so the pause is a change.
    emulator.server.add_fault(kind="lost", api="nsight", service="mav_scan_pause", count=0)
    run = run_playbook([
        scan_task("Pause, always lost", deviceid=1001, state="paused", retries=1),
        scan_task("Bulk, always lost", deviceids=[1002], state="paused", retries=1),
    ], verbosity=4).assert_rc(0)
    single = run.result("Pause, always lost")
    bulk = run.result("Bulk, always lost")["results"][0]
    for result in (single, bulk):
        assert result["changed"] is True and "failed" not in result and "uncertain" not in result, result
        assert "every answer to mav_scan_pause was lost" in result["msg"] and "2 attempt(s)" in result["msg"]
        assert result["scan_state"] == "paused"
    assert newest_state(emulator, 1001) == newest_state(emulator, 1002) == "paused"
    assert_no_secrets(run.output, run.results, run.files_text())


def test_every_answer_lost_and_the_scan_unreadable_is_uncertain(emulator, run_playbook, assert_no_secrets):
    emulator.server.add_fault(kind="lost", api="nsight", service="mav_scan_pause", count=0)
    emulator.server.add_fault(kind="drop", api="nsight", service="list_mav_scans", count=0)
    run = run_playbook([scan_task("Pause, always lost", deviceid=1001, state="paused", retries=1)],
                       verbosity=4).assert_rc(0)
    single = failed_result(run, "Pause, always lost", "Device 1001: ", "2 attempt(s)", "may be paused by this task",
                           "Reading the scan afterwards failed too")
    assert single["uncertain"] is True and single["transport_error"] == "reset"
    assert newest_state(emulator, 1001) == "paused"
    assert_no_secrets(run.output, run.results, run.files_text())


def test_lost_wfbss_command_is_sent_once(emulator, run_playbook, assert_no_secrets):
    emulator.server.add_fault(kind="lost", api="wfbss", service="commands/reset")
    run = run_playbook([reset_task("Reset, answer lost", type="counter", cids=[ACME_CORP])], verbosity=4).assert_rc(0)
    result = failed_result(run, "Reset, answer lost", "not sent again")
    assert result["unconfirmed"] == [ACME_CORP] and result["tasks"] == []
    # Exactly one command reached WFBSS, and it was carried out.
    assert len(emulator.server.tasks()) == 1
    assert_no_secrets(run.output, run.results, run.files_text())


# ---- secrets echoed by a server -----------------------------------------------------------------

def test_url_encoded_secrets_echoed_in_error_bodies_are_redacted(emulator, run_playbook, assert_no_secrets):
    # Here the URL-encoded secrets stand in a body, after no "apikey=": only the redaction of each
    # secret's encoded form hides them, in the messages and in the tracebacks (ansible-core 2.19+ shows them).
    key, token = quote(emulator.nsight_api_key, safe=""), quote(emulator.wfbss_access_token, safe="")
    assert key != emulator.nsight_api_key and token != emulator.wfbss_access_token
    emulator.server.add_fault(api="nsight", kind="error", code=3, message="Login failed for key " + key + " (as sent)")
    emulator.server.add_fault(api="wfbss", service="commands/reset", kind="status", status=400,
                              subject="InvalidParameters", message="Token " + token + " may not reset these")
    run = run_playbook([
        scan_task("Key echoed encoded", deviceid=1001, state="paused"),
        reset_task("Token echoed encoded", type="counter", cids=[ACME_CORP]),
    ], verbosity=4, extra_env={"ANSIBLE_DISPLAY_TRACEBACK": "error"}).assert_rc(0)
    pause, reset = run.task("Key echoed encoded"), run.task("Token echoed encoded")
    assert pause["status"] == "failed" and reset["status"] == "failed"
    assert "Login failed for key ******** (as sent)" in pause["result"]["msg"]
    assert pause["result"]["api_code"] == 3
    assert "HTTP 400 InvalidParameters" in reset["result"]["msg"]
    assert "Token ******** may not reset these" in reset["result"]["msg"]
    assert reset["result"]["not_reset"] == [ACME_CORP]
    if CORE >= (2, 19):
        assert run.output.count("Traceback (most recent call last)") >= 2  # the tracebacks were shown
    assert [call["fault"] for call in emulator.calls()] == ["error", "status"]
    assert_no_secrets(run.output, run.results, run.files_text())


# ---- bodies: huge, endless, dripping, compressed ----------------------------------------------

def test_unbounded_and_slow_bodies_fail_clearly_and_soon(emulator, run_playbook, assert_no_secrets):
    faults = [
        ("Huge FAIL", dict(kind="huge", size=20 * 1024 * 1024), "larger than 16 MiB"),
        ("Gzip bomb", dict(kind="gzip_bomb", size=1024 * 1024 * 1024), "larger than 16 MiB (after decompression)"),
        ("Endless", dict(kind="endless"), ""),
        ("Drip", dict(kind="drip", delay=0.5), "No complete answer within 2 s"),
    ]
    tasks = []
    for name, fault, _fragment in faults:
        emulator.server.add_fault(api="nsight", service="list_mav_scans", **fault)
        tasks.append({"name": name, "msp.antivirus.nsight_mav_scan_info": {"deviceid": 1001, "timeout": 2, "retries": 0},
                      "ignore_errors": True})
    started = time.monotonic()
    run = run_playbook(tasks, verbosity=3).assert_rc(0)
    elapsed = time.monotonic() - started
    for name, _fault, fragment in faults:
        failed_result(run, name, fragment)
        assert len(run.result(name)["msg"]) < 700
    # Four tasks of at most a 2 s request each, plus ansible's own start-up.
    assert elapsed < 40, elapsed
    assert_no_secrets(run.output, run.results, run.files_text())


def test_long_fail_message_is_shortened_in_the_output(emulator, run_playbook):
    emulator.server.add_fault(kind="huge", api="nsight", service="mav_scan_pause", size=1024 * 1024)
    run = run_playbook([scan_task("Long FAIL", deviceid=1001, state="paused")]).assert_rc(0)
    result = failed_result(run, "Long FAIL", "N-sight refused mav_scan_pause for device 1001")
    assert len(result["msg"]) < 500
    assert len(run.output) < 20000


# ---- careless input ----------------------------------------------------------------------------

@pytest.mark.parametrize("server, fragment", [
    ("127.0.0.1:99999", "Port out of range"),
    ("127.0.0.1:abc", "Port could not be cast"),
    ("[::1", "Invalid IPv6 URL"),
    ("a..b", "is not a host name"),
    ("www.system monitor.us", "a space or a control character"),
    ("http://www.systemmonitor.us", "uses plain http"),
    ("https://admin:hunter2@127.0.0.1", "user name or password"),
])
def test_bad_server_is_refused_before_any_call(emulator, run_adhoc, assert_no_secrets, server, fragment):
    run = run_adhoc("msp.antivirus.nsight_mav_scan", {"deviceid": 1001, "state": "paused", "server": server},
                    verbosity=3)
    assert run.rc != 0
    result = run.results[-1]["result"]
    assert fragment in result["msg"] and "hunter2" not in run.output
    assert_no_traceback(run, result)
    assert emulator.calls() == []
    assert_no_secrets(run.output, run.results, run.files_text())


@pytest.mark.parametrize("options, fragment", [
    ({"deviceid": True}, "deviceid must be a positive integer"),
    ({"deviceid": 10 ** 30}, "deviceid must be a positive integer"),
    ({"deviceids": [1001, True]}, "deviceids must hold positive integers"),
    ({"deviceid": 1001, "retries": 50}, "retries must be from 0 to 10"),
])
def test_odd_device_ids_and_numbers_are_refused(emulator, run_playbook, options, fragment):
    run = run_playbook([scan_task("Odd input", state="paused", **options)]).assert_rc(0)
    failed_result(run, "Odd input", fragment)
    assert emulator.calls() == []


def test_secrets_from_block_scalars_work_and_broken_ones_are_refused_unshown(
        emulator, run_playbook, tmp_path, assert_no_secrets):
    log_path = tmp_path / "ansible.log"
    key, token = emulator.nsight_api_key, emulator.wfbss_access_token
    run = run_playbook([
        scan_task("Key with a trailing newline", deviceid=1001, state="paused", api_key=key + "\n"),
        reset_task("Token with a trailing newline", type="counter", cids=[ACME_CORP], access_token=token + "\n"),
        scan_task("Key broken by a newline", deviceid=1002, state="paused", api_key=key[:6] + "\n" + key[6:]),
        reset_task("Token broken by a newline", type="counter", cids=[ACME_CORP],
                   access_token=token[:6] + "\n" + token[6:]),
        reset_task("api_version with a newline", type="counter", cids=[ACME_CORP], api_version="v2.8\n"),
    ], verbosity=4, extra_env={"ANSIBLE_LOG_PATH": str(log_path)}).assert_rc(0)
    assert run.task("Key with a trailing newline")["status"] == "changed"
    assert run.task("Token with a trailing newline")["status"] == "changed"
    failed_result(run, "Key broken by a newline", "api_key holds a control character", "not shown")
    failed_result(run, "Token broken by a newline", "access_token holds a control character", "not shown")
    failed_result(run, "api_version with a newline", "is not a version such as v2.8")
    assert newest_state(emulator, 1002) == "running" and len(emulator.server.tasks()) == 1
    for text in (run.output, log_path.read_text()):
        assert key[:6] + "\\n" not in text and token[:6] + "\\n" not in text
    assert_no_secrets(run.output, run.results, log_path.read_text(), run.files_text())
