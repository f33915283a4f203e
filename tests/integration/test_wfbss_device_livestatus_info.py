# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.antivirus.wfbss_device_info (GET components) and wfbss_livestatus_info (GET customers/livestatus) through real
ansible-playbook runs against the emulator."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import time

from harness import failed_result

ACME_CORP = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
ACME_LOGISTICS = "549390C2-61B3-417E-B1F0-8955A63C08F3"
UNKNOWN_CID = "00000000-0000-4000-8000-000000000000"
COMPONENT_FIELDS = (
    "aa", "ip_addr", "platform", "arch", "components", "version", "scan_mode", "ss_service", "pop3_scan",
    "virus_detected", "spyware_detected", "spam_detected", "urlfilter_violated", "type", "status", "phone_number",
    "mac_addr", "last_connect_time", "sched_start_time", "sched_complete_time", "manual_start_time",
    "manual_complete_time",
)
# Of Initech's 120 devices, every seventh is out of date.
INITECH_DEVICES, INITECH_OUT_OF_DATE = 120, 120 // 7
WRONG = "{{ lookup('ansible.builtin.env', 'TEST_WRONG_SECRET') }}"
COMPARED = ("changed", "msg", "results", "devices", "summary", "livestatus", "begin_time")


def task(module, name, ignore_errors=False, register=None, **options):
    found = {"name": name, "msp.antivirus." + module: options}
    if ignore_errors:
        found["ignore_errors"] = True
    if register:
        found["register"] = register
    return found


def cid_of(emulator, name):
    with emulator.server.state.lock:
        return next(customer["id"] for customer in emulator.server.state.customers if customer["name"] == name)


def seed_cids(emulator, count):
    with emulator.server.state.lock:
        return [customer["id"] for customer in emulator.server.state.customers[:count]]


def device_ids(emulator, cid):
    with emulator.server.state.lock:
        return [computer["cid"] for computer in emulator.server.state.computers[cid]]


def calls_to(emulator, service):
    return [call for call in emulator.calls() if call["api"] == "wfbss" and call["service"] == service]


def compared(result):
    return dict((key, result[key]) for key in COMPARED if key in result)


def test_devices_of_four_customers_every_page_check_mode_and_twice(emulator, run_playbook, assert_no_secrets):
    initech = cid_of(emulator, "Initech")
    cids = [ACME_CORP, ACME_LOGISTICS, initech, UNKNOWN_CID, ACME_CORP]
    options = dict(cids=cids, extra_fields=["out_of_date"])
    run = run_playbook([task("wfbss_device_info", "Devices", **options),
                        task("wfbss_device_info", "Devices again", **options),
                        dict(task("wfbss_device_info", "Devices in check mode", **options), check_mode=True)],
                       verbosity=4).assert_rc(0)
    result = run.result("Devices")
    assert run.task("Devices")["status"] == "ok" and result["changed"] is False
    assert result["summary"] == {ACME_CORP: {"devices": 3, "out_of_date": 2},
                                 ACME_LOGISTICS: {"devices": 2, "out_of_date": 0},
                                 initech: {"devices": INITECH_DEVICES, "out_of_date": INITECH_OUT_OF_DATE},
                                 UNKNOWN_CID: {"devices": 0, "out_of_date": 0}}
    assert result["msg"] == "125 device(s) of 4 customer(s); {0} out of date.".format(2 + INITECH_OUT_OF_DATE)
    assert [item["cid"] for item in result["results"]] == cids[:4]
    assert not any(item.get("failed") for item in result["results"])
    assert result["results"][3]["devices"] == [] and result["devices"][UNKNOWN_CID] == []
    # Every page: Initech's 120 devices, in the emulator's order, each with every field but group_name and label.
    assert [row["cid"] for row in result["devices"][initech]] == device_ids(emulator, initech)
    assert all(set(row) == set(COMPONENT_FIELDS) | {"cid", "out_of_date"} for row in result["devices"][initech])
    assert [row["out_of_date"] for row in result["devices"][ACME_CORP]] == [False, True, True]
    # One customer per call; Initech's 120 devices on two pages of 100.
    first_run = calls_to(emulator, "components")[:5]
    assert [(call["params"]["cids"], call["params"]["page"]) for call in first_run] == [
        (ACME_CORP, "1"), (ACME_LOGISTICS, "1"), (initech, "1"), (initech, "2"), (UNKNOWN_CID, "1")]
    assert all(call["params"]["extra_fields"] == "out_of_date" and "fields" not in call["params"]
               for call in first_run)
    # Read-only: the same answer again and in check mode, never changed.
    for name in ("Devices again", "Devices in check mode"):
        assert run.task(name)["status"] == "ok", name
        assert compared(run.result(name)) == compared(result), name
    assert len(calls_to(emulator, "components")) == 15
    assert_no_secrets(run.output, run.results, run.files_text())


def test_150_ccids_in_two_calls_with_fields_and_extra_fields(emulator, run_playbook, assert_no_secrets):
    initech = cid_of(emulator, "Initech")
    known = device_ids(emulator, initech)
    ccids = known + ["{0:032x}".format(number) for number in range(150 - len(known))]
    run = run_playbook([task("wfbss_device_info", "Some devices", cids=[initech], ccids=ccids + known[:3],
                             fields=["platform", "version"], extra_fields=["group_name", "label"])]).assert_rc(0)
    result = run.result("Some devices")
    assert result["summary"] == {initech: {"devices": INITECH_DEVICES}}
    assert result["msg"] == "120 device(s) of 1 customer(s)."
    rows = result["devices"][initech]
    assert [row["cid"] for row in rows] == known
    assert all(set(row) == {"cid", "platform", "version", "group_name", "label"} for row in rows)
    calls = calls_to(emulator, "components")
    assert [call["params"]["ccids"].split(",") for call in calls] == [ccids[:99], ccids[99:]]
    assert all((call["params"]["fields"], call["params"]["extra_fields"]) == ("platform,version", "group_name,label")
               for call in calls)
    assert_no_secrets(run.output, run.results, run.files_text())


def test_out_of_date_before_and_after_an_update(emulator, run_playbook, assert_no_secrets):
    cids = [ACME_CORP, ACME_LOGISTICS]
    out_of_date = ("{{ %s.results | selectattr('summary', 'defined') | selectattr('summary.out_of_date', 'gt', 0) "
                   "| map(attribute='cid') | list }}")
    run = run_playbook([
        task("wfbss_device_info", "Before", register="before", cids=cids, extra_fields=["out_of_date"]),
        {"name": "Out of date before", "ansible.builtin.set_fact": {"stale_before": out_of_date % "before"}},
        task("wfbss_update", "Update", cids=cids),
        task("wfbss_device_info", "After", register="after", cids=cids, extra_fields=["out_of_date"]),
        {"name": "Out of date after", "ansible.builtin.set_fact": {"stale_after": out_of_date % "after"}},
    ]).assert_rc(0)
    assert run.result("Before")["summary"] == {ACME_CORP: {"devices": 3, "out_of_date": 2},
                                               ACME_LOGISTICS: {"devices": 2, "out_of_date": 0}}
    assert run.result("Before")["msg"] == "5 device(s) of 2 customer(s); 2 out of date."
    assert run.result("Out of date before")["ansible_facts"]["stale_before"] == [ACME_CORP]
    assert run.result("After")["summary"] == {ACME_CORP: {"devices": 3, "out_of_date": 0},
                                              ACME_LOGISTICS: {"devices": 2, "out_of_date": 0}}
    assert run.result("Out of date after")["ansible_facts"]["stale_after"] == []
    assert_no_secrets(run.output, run.results, run.files_text())


def test_lights_before_and_after_a_livestatus_reset(emulator, run_playbook, assert_no_secrets):
    cids = [ACME_CORP, ACME_LOGISTICS]
    begin_time = int(time.time()) - 1
    run = run_playbook([
        task("wfbss_livestatus_info", "Before", cids=cids),
        task("wfbss_livestatus_info", "Updated before", cids=cids, begin_time=begin_time),
        task("wfbss_reset", "Reset", type="livestatus", cids=[ACME_CORP]),
        task("wfbss_livestatus_info", "After", cids=cids),
        task("wfbss_livestatus_info", "Updated after", cids=cids, begin_time=begin_time),
    ], verbosity=4).assert_rc(0)
    before = run.result("Before")
    assert run.task("Before")["status"] == "ok" and before["changed"] is False and "begin_time" not in before
    assert before["msg"] == "Live status of 2 customer(s)."
    acme = before["livestatus"][ACME_CORP]
    assert (acme["antivirus"]["light"], acme["wtp"]["light"]) == (2, 1)
    assert acme["antivirus"]["incident_exceed"]["count"] == 5 and acme["update_time"] < begin_time
    assert all(item["found"] for item in before["results"])
    updated_before = run.result("Updated before")
    assert updated_before["livestatus"] == {} and updated_before["begin_time"] == begin_time
    assert [item["found"] for item in updated_before["results"]] == [False, False]
    assert "was updated after begin_time {0}".format(begin_time) in updated_before["results"][0]["msg"]
    after = run.result("After")["livestatus"][ACME_CORP]
    assert (after["antivirus"]["light"], after["wtp"]["light"]) == (0, 0)
    assert after["antivirus"]["incident_exceed"] == {"count": 0, "start_time": 0, "end_time": 0}
    assert after["update_time"] > begin_time and after["license"] == acme["license"]
    assert run.result("After")["livestatus"][ACME_LOGISTICS] == before["livestatus"][ACME_LOGISTICS]
    updated_after = run.result("Updated after")
    assert list(updated_after["livestatus"]) == [ACME_CORP] and updated_after["livestatus"][ACME_CORP] == after
    assert [item["found"] for item in updated_after["results"]] == [True, False]
    assert updated_after["msg"] == "Live status of 1 customer(s). None updated after begin_time {0} for 1 customer " \
                                   "id(s): {1}.".format(begin_time, ACME_LOGISTICS)
    assert [call["params"].get("begin_time") for call in calls_to(emulator, "customers/livestatus")] == [
        None, str(begin_time), None, str(begin_time)]
    assert_no_secrets(run.output, run.results, run.files_text())


def test_begin_time_forms_and_bad_ones_send_nothing(emulator, run_playbook, assert_no_secrets):
    # Acme Corp's live status was updated 5 minutes ago, Acme Logistics's 3 days ago.
    cids = [ACME_CORP, ACME_LOGISTICS]
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    hour_ago = now - datetime.timedelta(hours=1)
    yesterday = (now - datetime.timedelta(days=1)).date()
    plus_two = hour_ago.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    forms = [
        ("Int", int(hour_ago.timestamp()), int(hour_ago.timestamp())),
        ("Digits", str(int(hour_ago.timestamp())), int(hour_ago.timestamp())),
        ("Date", yesterday.isoformat(),
         int(datetime.datetime.combine(yesterday, datetime.time(), datetime.timezone.utc).timestamp())),
        ("Date and time in UTC", hour_ago.strftime("%Y-%m-%d %H:%M"), int(hour_ago.replace(second=0).timestamp())),
        ("Date and time with Z", hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ"), int(hour_ago.timestamp())),
        ("Date and time with a zone", plus_two.strftime("%Y-%m-%dT%H:%M:%S+02:00"), int(hour_ago.timestamp())),
    ]
    bad = [("Words", "last tuesday"), ("Negative", -5), ("Bad date", "2026-02-30"), ("Float", "1796639400.5")]
    run = run_playbook([task("wfbss_livestatus_info", name, cids=cids, begin_time=value) for name, value, dummy in forms]
                       + [task("wfbss_livestatus_info", name, ignore_errors=True, cids=cids, begin_time=value)
                          for name, value in bad]).assert_rc(0)
    for name, _value, seconds in forms:
        result = run.result(name)
        assert result["begin_time"] == seconds, name
        assert [item["found"] for item in result["results"]] == [True, False], name
        assert list(result["livestatus"]) == [ACME_CORP], name
    for name, _value in bad:
        failed = failed_result(run, name, "begin_time", "2026-12-07T10:30:00+02:00", "no zone means UTC")
        assert "results" not in failed, name
    # The bad ones made no call.
    assert [call["params"]["begin_time"] for call in calls_to(emulator, "customers/livestatus")] == [
        str(seconds) for _name, _value, seconds in forms]
    assert_no_secrets(run.output, run.results, run.files_text())


def test_livestatus_of_23_customers_in_three_calls_and_an_unknown_one(emulator, run_playbook, assert_no_secrets):
    cids = seed_cids(emulator, 22) + [UNKNOWN_CID]
    options = dict(cids=cids)
    run = run_playbook([task("wfbss_livestatus_info", "Lights", **options),
                        dict(task("wfbss_livestatus_info", "Lights in check mode", **options), check_mode=True)],
                       check=False).assert_rc(0)
    result = run.result("Lights")
    assert [item["cid"] for item in result["results"]] == cids
    assert [item["found"] for item in result["results"]] == [True] * 22 + [False]
    assert result["results"][-1]["livestatus"] is None
    assert "unknown customer" in result["results"][-1]["msg"]
    # A dict: Ansible's JSON sorts its keys.
    assert sorted(result["livestatus"]) == sorted(cids[:22])
    assert result["msg"] == "Live status of 22 customer(s). None for 1 customer id(s): {0}.".format(UNKNOWN_CID)
    assert compared(run.result("Lights in check mode")) == compared(result)
    assert [call["params"]["cids"] for call in calls_to(emulator, "customers/livestatus")] == [
        ",".join(cids[:10]), ",".join(cids[10:20]), ",".join(cids[20:])] * 2
    assert_no_secrets(run.output, run.results, run.files_text())


def test_a_wrong_secret_fails_with_the_hint_and_skips_the_rest(emulator, run_playbook, assert_no_secrets):
    cids = seed_cids(emulator, 12)
    run = run_playbook([task("wfbss_device_info", "Devices", ignore_errors=True, cids=cids[:3], secret_key=WRONG),
                        task("wfbss_livestatus_info", "Lights", ignore_errors=True, cids=cids, secret_key=WRONG)],
                       verbosity=4, extra_env={"TEST_WRONG_SECRET": "wrong-secret-5c1d"}).assert_rc(0)
    for name, called in (("Devices", "components"), ("Lights", "customers/livestatus")):
        result = failed_result(run, name, "HTTP 401", "AuthenticationFailureSignature", "secret_key")
        assert result["http_status"] == 401 and result["error_subject"] == "AuthenticationFailureSignature", name
        assert result["url"].startswith(emulator.url) and "every call would repeat" in result["results"][-1]["msg"]
        assert all(item["failed"] for item in result["results"]), name
        assert len(calls_to(emulator, called)) == 1, name
    devices = run.result("Devices")
    assert [item.get("skipped", False) for item in devices["results"]] == [False, True, True]
    assert devices["devices"] == {} and devices["summary"] == {}
    assert run.result("Lights")["livestatus"] == {}
    assert "wrong-secret-5c1d" not in run.output
    assert_no_secrets(run.output, run.results, run.files_text())


def test_a_server_error_fails_its_customers_only(emulator, run_playbook, assert_no_secrets):
    cids = seed_cids(emulator, 12)
    emulator.control("POST", "faults", {"api": "wfbss", "service": "components", "kind": "status", "status": 500,
                                        "subject": "InternalError", "message": "Component store unavailable"})
    emulator.control("POST", "faults", {"api": "wfbss", "service": "customers/livestatus", "kind": "status",
                                        "status": 503})
    run = run_playbook([
        task("wfbss_device_info", "Devices", ignore_errors=True, cids=[ACME_CORP, ACME_LOGISTICS], retries=0),
        task("wfbss_livestatus_info", "Lights", ignore_errors=True, cids=cids, retries=0),
    ], verbosity=4).assert_rc(0)
    devices = failed_result(run, "Devices", "HTTP 500", "Component store unavailable",
                            "2 device(s) of 1 customer(s). 1 customer(s) failed.")
    assert devices["http_status"] == 500
    assert [item.get("failed", False) for item in devices["results"]] == [True, False]
    assert devices["summary"] == {ACME_LOGISTICS: {"devices": 2}} and list(devices["devices"]) == [ACME_LOGISTICS]
    lights = failed_result(run, "Lights", "HTTP 503", "Live status of 2 customer(s). 10 customer(s) failed.")
    assert [item["cid"] for item in lights["results"] if item.get("failed")] == cids[:10]
    assert sorted(lights["livestatus"]) == sorted(cids[10:])
    assert not any(item.get("skipped") for item in lights["results"])
    assert_no_secrets(run.output, run.results, run.files_text())


def test_a_malformed_answer_fails_clearly(emulator, run_playbook, assert_no_secrets):
    for service in ("components", "customers/livestatus"):
        emulator.control("POST", "faults", {"api": "wfbss", "service": service, "kind": "malformed"})
    run = run_playbook([
        task("wfbss_device_info", "Devices", ignore_errors=True, cids=[ACME_CORP], retries=0),
        task("wfbss_livestatus_info", "Lights", ignore_errors=True, cids=[ACME_CORP], retries=0),
    ]).assert_rc(0)
    for name in ("Devices", "Lights"):
        result = failed_result(run, name, "1 customer(s) failed.")
        (item,) = result["results"]
        assert item["failed"] is True and item["cid"] == ACME_CORP and item["msg"].startswith("Customer " + ACME_CORP)
        assert "Traceback" not in run.output
    assert_no_secrets(run.output, run.results, run.files_text())


BAD_INPUT = [
    ("wfbss_device_info", "No cids", {}, "missing required arguments: cids"),
    ("wfbss_device_info", "Two cids in one", {"cids": [ACME_CORP + "," + ACME_LOGISTICS]}, "cids must be single"),
    ("wfbss_device_info", "Empty ccid", {"cids": [ACME_CORP], "ccids": [""]}, "ccids must be single"),
    ("wfbss_device_info", "Unknown field", {"cids": [ACME_CORP], "fields": ["colour"]},
     "value of fields must be one or more of"),
    ("wfbss_device_info", "Unknown extra field", {"cids": [ACME_CORP], "extra_fields": ["platform"]},
     "value of extra_fields must be one or more of"),
    ("wfbss_livestatus_info", "Empty cids", {"cids": []}, "cids is empty"),
]


def test_bad_input_sends_nothing(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([task(module, name, ignore_errors=True, **options)
                        for module, name, options, _fragment in BAD_INPUT], verbosity=4).assert_rc(0)
    for _module, name, _options, fragment in BAD_INPUT:
        failed_result(run, name, fragment)
    assert emulator.calls() == []
    assert_no_secrets(run.output, run.results, run.files_text())
