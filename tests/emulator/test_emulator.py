# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the emulator itself, over real HTTP: python -m pytest tests/emulator"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
import zlib

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from emulator_credentials import NSIGHT_API_KEY as NSIGHT_KEY  # noqa: E402
from emulator_credentials import WFBSS_ACCESS_TOKEN as WFBSS_TOKEN  # noqa: E402
from emulator_credentials import WFBSS_SECRET_KEY as WFBSS_SECRET  # noqa: E402
from server import Emulator  # noqa: E402

# The key holds "+", "/", "=" and "%": written into a URL by hand, it must be quoted.
QUOTED_NSIGHT_KEY = urllib.parse.quote(NSIGHT_KEY, safe="")
WFBSS_BASE = "/SMPI/v2.8/service/wfbss/api/"
NOT_RUNNING = "Cannot execute action : scan is not running."
ALL_EVENTS = [
    "virus_incidents", "spyware_incidents", "wtp_incidents", "urlfilter_incidents", "behavior_monitoring_incidents",
    "network_virus_incidents", "virus_unsuccessful", "spyware_unsuccessful", "device_control_incidents",
]


# ---- helpers --------------------------------------------------------------------

class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def xml(self):
        return ET.fromstring(self.body)


def send(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as failure:
        return Answer(failure.code, failure.headers, failure.read())


@pytest.fixture(scope="module")
def emulator():
    running = Emulator(extra_devices=3).start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def fresh_state(emulator):
    assert control(emulator, "POST", "/_emulator/reset").status == 200


def control(emulator, method, path, payload=None):
    body = json.dumps(payload).encode("utf-8") if payload is not None else None
    return send(method, emulator.url + path, body, {"Content-Type": "application/json"})


def nsight(emulator, apikey=NSIGHT_KEY, **params):
    query = dict(params)
    if apikey is not None:
        query["apikey"] = apikey
    return send("GET", emulator.url + "/api/?" + urllib.parse.urlencode(query))


def nsight_xml(emulator, **params):
    answer = nsight(emulator, **params)
    assert answer.status == 200
    return answer.xml()


def assert_error(root, code, message):
    assert root.get("status") == "FAIL"
    assert root.findtext("error/errorcode") == str(code)
    assert root.findtext("error/message") == message


def assert_fail(root, message):
    assert root.get("status") == "FAIL"
    assert root.findtext("msg") == message


def assert_ok(root):
    assert root.get("status") == "OK"
    assert root.find("msg") is not None and not root.findtext("msg")


def newest_state(emulator, deviceid):
    scans = control(emulator, "GET", "/_emulator/devices/%d" % deviceid).json()["scans"]
    return scans[0]["state"] if scans else "none"


def set_scan(emulator, deviceid, **fields):
    assert control(emulator, "PUT", "/_emulator/devices/%d" % deviceid, fields).status == 200


def sign(secret, posix_time, method, request_uri, body=b""):
    """The signature as the WFBSS page describes it, computed independently of the emulator."""
    message = str(posix_time) + method + request_uri
    if body:
        message += base64.b64encode(hashlib.md5(body).digest()).decode("ascii")
    return base64.b64encode(hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")


def wfbss(emulator, method, request_uri, body=b"", posix_time=None, token=WFBSS_TOKEN, secret=WFBSS_SECRET,
          content_type="application/json; charset=utf-8", drop_header=None, signature=None):
    posix_time = str(int(time.time())) if posix_time is None else str(posix_time)
    headers = {
        "x-access-token": token,
        "x-posix-time": posix_time,
        "x-signature": signature or sign(secret, posix_time, method, request_uri, body),
        "x-traceid": str(uuid.uuid4()),
        "Content-Type": content_type,
    }
    if drop_header:
        del headers[drop_header]
    return send(method, emulator.url + request_uri, body or None, headers)


def reset_uri(query):
    return WFBSS_BASE + "commands/reset?" + query


def assert_wfbss_error(answer, status, subject):
    assert answer.status == status
    assert answer.json()["error_subject"] == subject
    assert answer.json()["error_message"]


# ---- N-sight: envelope and errors -------------------------------------------------

def test_envelope_is_shaped_like_the_vendor_example(emulator):
    answer = nsight(emulator, service="mav_scan_pause", deviceid="1001")
    assert answer.headers["Content-Type"] == "text/xml; charset=utf-8"
    text = answer.body.decode("utf-8")
    assert text.startswith('<?xml version="1.0" ?>\n<result created="')
    root = answer.xml()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$", root.get("created"))
    assert root.get("host") == urllib.parse.urlsplit(emulator.url).netloc
    assert_ok(root)


@pytest.mark.parametrize("apikey", [None, "", "wrong-key"])
def test_wrong_or_missing_key_is_error_3(emulator, apikey):
    root = nsight_xml(emulator, apikey=apikey, service="list_clients")
    assert root.get("status") == "FAIL"
    assert root.findtext("error/errorcode") == "3"
    assert "login failed" in root.findtext("error/message").lower()


@pytest.mark.parametrize("params, missing", [
    ({"service": "mav_scan_pause"}, "deviceid"),
    ({"service": "mav_scan_pause", "deviceid": ""}, "deviceid"),
    ({}, "service"),
    ({"service": "list_mav_scans", "deviceid": "1001"}, "details"),
    ({"service": "list_sites"}, "clientid"),
    ({"service": "list_servers"}, "siteid"),
    ({"service": "list_devices_at_client", "clientid": "101"}, "devicetype"),
])
def test_missing_parameter_is_error_5(emulator, params, missing):
    assert_error(nsight_xml(emulator, **params), 5, "Missing parameter: %s" % missing)


@pytest.mark.parametrize("params, invalid", [
    ({"service": "mav_scan_pause", "deviceid": "abc"}, "deviceid"),
    ({"service": "mav_scan_pause", "deviceid": "0"}, "deviceid"),
    ({"service": "mav_scan_pause", "deviceid": "-4"}, "deviceid"),
    ({"service": "mav_scan_resume", "deviceid": "99999"}, "deviceid"),
    ({"service": "no_such_service"}, "service"),
    ({"service": "list_mav_scans", "deviceid": "1001", "details": "MAYBE"}, "details"),
    ({"service": "list_mav_scans", "deviceid": "1001", "details": "NO", "v": "3"}, "v"),
    ({"service": "list_sites", "clientid": "999"}, "clientid"),
    ({"service": "list_workstations", "siteid": "x"}, "siteid"),
    ({"service": "list_devices_at_client", "clientid": "101", "devicetype": "printer"}, "devicetype"),
    ({"service": "list_clients", "devicetype": "printer"}, "devicetype"),
    ({"service": "mav_scan_pause", "deviceid": "1001", "describe": "perhaps"}, "describe"),
])
def test_invalid_parameter_is_error_4(emulator, params, invalid):
    assert_error(nsight_xml(emulator, **params), 4, "Invalid value for parameter: %s" % invalid)


def test_wrong_path_is_forbidden_html(emulator):
    answer = send("GET", emulator.url + "/api/v2/?apikey=" + QUOTED_NSIGHT_KEY)
    assert answer.status == 403
    assert answer.headers["Content-Type"].startswith("text/html")
    assert send("POST", emulator.url + "/api/?service=list_clients", b"").status == 403


def test_key_that_url_encoding_changes_is_read_decoded(emulator):
    # requests (and urlencode) send "+" as %2B: the key arrives whole. A raw "+" in a query means a space.
    assert set("+/=%") <= set(NSIGHT_KEY)
    assert QUOTED_NSIGHT_KEY != NSIGHT_KEY and "%2B" in QUOTED_NSIGHT_KEY
    root = nsight_xml(emulator, service="list_clients")
    assert root.get("status") == "OK"
    raw = send("GET", emulator.url + "/api/?service=list_clients&apikey=" + NSIGHT_KEY.replace("%", "%25"))
    assert_error(raw.xml(), 3, "Login failed: invalid API key (or wrong regional server)")


def test_both_api_paths_answer(emulator):
    for path in ("/api", "/api/"):
        answer = send("GET", emulator.url + path + "?service=list_clients&apikey=" + QUOTED_NSIGHT_KEY)
        assert answer.xml().get("status") == "OK"


# ---- N-sight: scan state machine ------------------------------------------------------

def test_pause_then_resume_a_running_scan(emulator):
    assert_ok(nsight_xml(emulator, service="mav_scan_pause", deviceid="1001"))
    assert newest_state(emulator, 1001) == "paused"
    assert_fail(nsight_xml(emulator, service="mav_scan_pause", deviceid="1001"), NOT_RUNNING)
    assert_ok(nsight_xml(emulator, service="mav_scan_resume", deviceid="1001"))
    assert newest_state(emulator, 1001) == "running"
    assert_fail(nsight_xml(emulator, service="mav_scan_resume", deviceid="1001"), NOT_RUNNING)


@pytest.mark.parametrize("service", ["mav_scan_pause", "mav_scan_resume"])
def test_pause_and_resume_with_no_scans_at_all_is_unsupported(emulator, service):
    assert_fail(nsight_xml(emulator, service=service, deviceid="1005"), "Unsupported action type")


@pytest.mark.parametrize("service, deviceid", [("mav_scan_pause", 1003), ("mav_scan_resume", 1003), ("mav_scan_resume", 1002)])
def test_pause_and_resume_in_the_wrong_state_is_not_running(emulator, service, deviceid):
    assert_fail(nsight_xml(emulator, service=service, deviceid=str(deviceid)), NOT_RUNNING)


@pytest.mark.parametrize("deviceid", [1001, 1004])
def test_start_while_running_or_paused_is_the_vague_error(emulator, deviceid):
    assert_fail(nsight_xml(emulator, service="mav_scan_start", deviceid=str(deviceid)), "An error has occurred")


@pytest.mark.parametrize("deviceid", [1003, 1005])
def test_start_adds_a_running_quick_scan_first(emulator, deviceid):
    before = len(control(emulator, "GET", "/_emulator/devices/%d" % deviceid).json()["scans"])
    assert_ok(nsight_xml(emulator, service="mav_scan_start", deviceid=str(deviceid)))
    scans = control(emulator, "GET", "/_emulator/devices/%d" % deviceid).json()["scans"]
    assert len(scans) == before + 1
    assert (scans[0]["type"], scans[0]["state"], scans[0]["end"]) == ("Quick Scan", "running", None)


@pytest.mark.parametrize("deviceid", [1002, 1004])
def test_cancel_a_running_or_paused_scan(emulator, deviceid):
    assert_ok(nsight_xml(emulator, service="mav_scan_cancel", deviceid=str(deviceid)))
    scan = control(emulator, "GET", "/_emulator/devices/%d" % deviceid).json()["scans"][0]
    assert scan["state"] == "cancelled" and scan["end"]
    assert_fail(nsight_xml(emulator, service="mav_scan_cancel", deviceid=str(deviceid)), "An error has occurred")


def test_device_without_mav_supports_no_action(emulator):
    for service in ("mav_scan_pause", "mav_scan_resume", "mav_scan_start", "mav_scan_cancel"):
        assert_fail(nsight_xml(emulator, service=service, deviceid="1016"), "Unsupported action type")


def test_definitions_update_bitdefender_only_and_once(emulator):
    assert_ok(nsight_xml(emulator, service="mav_definitions_update", deviceid="1001"))
    assert_fail(nsight_xml(emulator, service="mav_definitions_update", deviceid="1001"),
                "There is already a MAV definition update pending")
    assert nsight_xml(emulator, service="mav_definitions_update", deviceid="1002").get("status") == "FAIL"


# ---- N-sight: scan lists ----------------------------------------------------------------

def scan_rows(emulator, deviceid, details="NO", **params):
    root = nsight_xml(emulator, service="list_mav_scans", deviceid=str(deviceid), details=details, **params)
    assert root.get("status") == "OK"
    return root.findall("items/scan")


def test_list_mav_scans_answers_only_the_engine_asked_for(emulator):
    assert len(scan_rows(emulator, 1001)) == 3  # Bitdefender is the default v
    assert scan_rows(emulator, 1001, v="1") == []
    assert scan_rows(emulator, 1002) == []
    assert [row.findtext("status") for row in scan_rows(emulator, 1002, v="1")] == ["RUNNING", "FINISHED", "FINISHED"]
    empty = nsight(emulator, service="list_mav_scans", deviceid="1002", details="NO").body.decode("utf-8")
    assert "<items />" in empty


@pytest.mark.parametrize("state, vipre, bitdefender", [
    ("running", "RUNNING", "Scan In Progress"),
    ("paused", "PAUSED", "Scan Stopped"),
    ("finished", "FINISHED", "Scan Finished Normally"),
    ("cancelled", "CANCELED", "Scan Aborted"),
])
def test_list_mav_scans_status_strings(emulator, state, vipre, bitdefender):
    set_scan(emulator, 1002, scan=state)
    set_scan(emulator, 1001, scan=state)
    assert scan_rows(emulator, 1002, v="1")[0].findtext("status") == vipre
    assert scan_rows(emulator, 1001, v="2")[0].findtext("status") == bitdefender


def test_list_mav_scans_row_fields(emulator):
    running, finished = scan_rows(emulator, 1001)[:2]
    assert running.findtext("type") == "Quick Scan"
    assert running.find("end") is None and finished.findtext("end")
    assert "<type><![CDATA[Quick Scan]]></type>" in nsight(emulator, service="list_mav_scans", deviceid="1001", details="NO").body.decode()
    for name in ("start", "files_scanned", "files_cleaned", "threat_count", "quarantine_count", "error_count"):
        assert running.find(name) is not None, name
    detailed = scan_rows(emulator, 1001, details="YES")[0]
    assert detailed.find("files_scanned") is not None and detailed.find("threat_count") is None


def test_hidden_running_scan_is_missing_from_the_lists(emulator):
    set_scan(emulator, 1001, hidden_running=True)
    assert [row.findtext("status") for row in scan_rows(emulator, 1001)] == ["Scan Finished Normally"] * 2
    root = nsight_xml(emulator, service="mav_scan_device_list", deviceid="1001")
    assert [row.findtext("status") for row in root.findall("scans/scan")] == ["0", "0"]
    assert_ok(nsight_xml(emulator, service="mav_scan_pause", deviceid="1001"))  # the scan still runs
    assert scan_rows(emulator, 1001)[0].findtext("status") == "Scan Stopped"


def test_no_scans_at_all_gives_empty_items(emulator):
    assert scan_rows(emulator, 1005) == []
    set_scan(emulator, 1001, scan="none")
    assert scan_rows(emulator, 1001) == []


@pytest.mark.parametrize("state, vipre, bitdefender", [
    ("finished", "3", "0"), ("cancelled", "4", "1"), ("paused", "6", "2"), ("running", "7", "3"),
])
def test_mav_scan_device_list_numeric_status(emulator, state, vipre, bitdefender):
    set_scan(emulator, 1002, scan=state)
    set_scan(emulator, 1001, scan=state)
    assert nsight_xml(emulator, service="mav_scan_device_list", deviceid="1002", v="1").findtext("scans/scan/status") == vipre
    assert nsight_xml(emulator, service="mav_scan_device_list", deviceid="1001").findtext("scans/scan/status") == bitdefender


def test_vipre_error_scan_reads_error(emulator):
    assert scan_rows(emulator, 1014, v="1")[0].findtext("status") == "ERROR"
    assert nsight_xml(emulator, service="mav_scan_device_list", deviceid="1014", v="1").findtext("scans/scan/status") == "5"


# ---- N-sight: describe ----------------------------------------------------------------------

@pytest.mark.parametrize("service, description, describe_text", [
    ("mav_scan_pause", "Pause a Managed Antivirus scan on the specified device", "Optional. Returns a description of the service."),
    ("mav_scan_resume", "Resume a Managed Antivirus scan on the specified device.",
     "Optional. Returns a description of the entered call, the available parameters, an example of its output, "
     "and returned fields with descriptions."),
])
def test_describe_uses_the_vendor_wording(emulator, service, description, describe_text):
    root = nsight_xml(emulator, service=service, describe="true")
    assert root.get("status") == "OK"
    assert root.findtext("service/name") == service
    assert root.findtext("service/description") == description
    parameters = dict((p.findtext("name"), p) for p in root.findall("service/parameters/parameter"))
    assert parameters["describe"].findtext("description") == describe_text
    assert (parameters["deviceid"].findtext("type"), parameters["deviceid"].findtext("required")) == ("integer", "yes")
    for name in ("name", "type", "default", "values", "description", "required"):
        assert parameters["deviceid"].find(name) is not None
    assert root.findtext("service/url").endswith("service=" + service)
    assert "deviceid=DEVICEID" in root.findtext("service/example")
    assert "<td>msg</td>" in root.findtext("service/fielddescriptions")


@pytest.mark.parametrize("service", [
    "mav_scan_start", "mav_scan_pause", "mav_scan_resume", "mav_scan_cancel", "mav_definitions_update", "list_mav_scans",
    "mav_scan_device_list", "list_clients", "list_sites", "list_servers", "list_workstations", "list_devices_at_client",
])
@pytest.mark.parametrize("flag", ["true", "1"])
def test_describe_acts_on_nothing_and_needs_no_parameters(emulator, service, flag):
    root = nsight_xml(emulator, service=service, describe=flag, deviceid="1001")
    assert root.get("status") == "OK" and root.findtext("service/name") == service
    assert newest_state(emulator, 1001) == "running"


# ---- N-sight: finding devices ------------------------------------------------------------------

def test_list_clients_counts_devices(emulator):
    clients = nsight_xml(emulator, service="list_clients").findall("items/client")
    counts = dict((c.findtext("clientid"), (c.findtext("name"), c.findtext("server_count"), c.findtext("workstation_count")))
                  for c in clients)
    assert counts["101"] == ("Northwind Dental", "3", "2")
    assert counts["102"] == ("Contoso Logistics", "3", "3")
    assert counts["103"] == ("Fabrikam Legal", "2", "3")
    assert counts["190"] == ("Benchmark Lab", "3", "0")  # the fixture's extra_devices
    with_workstations = nsight_xml(emulator, service="list_clients", devicetype="workstation").findall("items/client")
    assert [c.findtext("clientid") for c in with_workstations] == ["101", "102", "103"]


def test_list_sites(emulator):
    sites = nsight_xml(emulator, service="list_sites", clientid="102").findall("items/site")
    assert [(s.findtext("siteid"), s.findtext("name"), s.findtext("connection_ok")) for s in sites] == [
        ("203", "Head Office", "1"), ("204", "Warehouse", "1"), ("205", "Remote Staff", "0")]


def test_list_servers_and_workstations(emulator):
    servers = nsight_xml(emulator, service="list_servers", siteid="201").findall("items/server")
    assert [(s.findtext("serverid"), s.findtext("name"), s.findtext("online")) for s in servers] == [
        ("1001", "NW-DC01", "1"), ("1002", "NW-FS01", "1")]
    workstations = nsight_xml(emulator, service="list_workstations", siteid="203").findall("items/workstation")
    assert [(w.findtext("workstationid"), w.findtext("name"), w.findtext("online")) for w in workstations] == [
        ("1012", "RECEPTION-PC", "0")]
    assert workstations[0].findtext("os") == "Windows 10 Pro" and workstations[0].findtext("ip") == "10.20.1.100"


def test_list_devices_at_client_groups_by_site(emulator):
    root = nsight_xml(emulator, service="list_devices_at_client", clientid="101", devicetype="workstation")
    client = root.find("items/client")
    assert client.findtext("name") == "Northwind Dental"
    by_site = dict((site.findtext("name"), [(w.findtext("id"), w.findtext("name"), w.findtext("status"), w.findtext("mav"))
                                            for w in site.findall("workstation")]) for site in client.findall("site"))
    assert by_site == {"Main Office": [("1011", "RECEPTION-PC", "OK", "1")], "Branch North": [("1013", "NW-WS-LAB", "Offline", "1")]}


def test_same_device_name_in_two_sites(emulator):
    devices = control(emulator, "GET", "/_emulator/devices").json()
    same = [(d["id"], d["site"], d["client"]) for d in devices if d["name"] == "RECEPTION-PC"]
    assert same == [(1011, "Main Office", "Northwind Dental"), (1012, "Head Office", "Contoso Logistics")]


def test_synthetic_benchmark_devices(emulator):
    devices = dict((d["id"], d) for d in control(emulator, "GET", "/_emulator/devices").json())
    assert [d for d in devices if d >= 50001] == [50001, 50002, 50003]
    assert (devices[50003]["engine"], devices[50003]["scans"][0]["state"]) == ("bitdefender", "running")
    assert_ok(nsight_xml(emulator, service="mav_scan_pause", deviceid="50002"))


# ---- control API ----------------------------------------------------------------------------------

def test_reset_restores_state_and_clears_log_faults_and_clock(emulator):
    nsight(emulator, service="mav_scan_pause", deviceid="1001")
    control(emulator, "POST", "/_emulator/faults", {"kind": "status", "count": 0})
    control(emulator, "POST", "/_emulator/clock", {"offset": 5000})
    assert control(emulator, "POST", "/_emulator/reset").json() == {"reset": True}
    assert newest_state(emulator, 1001) == "running"
    assert control(emulator, "GET", "/_emulator/calls").json() == []
    assert control(emulator, "GET", "/_emulator/faults").json() == []
    assert control(emulator, "GET", "/_emulator/clock").json()["offset"] == 0


def test_device_control_validates_input(emulator):
    assert control(emulator, "GET", "/_emulator/devices/4242").status == 404
    assert control(emulator, "PUT", "/_emulator/devices/1001", {"scan": "sleeping"}).status == 400
    assert control(emulator, "PUT", "/_emulator/devices/1001", {"colour": "red"}).status == 400
    assert control(emulator, "PUT", "/_emulator/devices/1001", {"hidden_running": "yes"}).status == 400
    assert control(emulator, "GET", "/_emulator/nothing").status == 404
    assert control(emulator, "DELETE", "/_emulator/reset").status == 405
    set_scan(emulator, 1005, scan="paused")
    assert newest_state(emulator, 1005) == "paused"


def test_call_log_records_calls_without_secrets(emulator):
    nsight(emulator, service="list_mav_scans", deviceid="1001", details="NO")
    nsight(emulator, apikey="not-the-key", service="list_clients")
    wfbss(emulator, "POST", reset_uri("type=counter&cids=A"))
    wfbss(emulator, "POST", reset_uri("type=counter&cids=A"), secret="not-the-secret")
    calls = control(emulator, "GET", "/_emulator/calls").json()
    assert [(c["api"], c["service"], c["status"], c["api_status"]) for c in calls] == [
        ("nsight", "list_mav_scans", 200, "OK"), ("nsight", "list_clients", 200, "FAIL"),
        ("wfbss", "commands/reset", 200, None), ("wfbss", "commands/reset", 401, None)]
    assert calls[0]["params"] == {"service": "list_mav_scans", "deviceid": "1001", "details": "NO"}
    assert calls[2]["params"] == {"type": "counter", "cids": "A"}
    assert calls[2]["method"] == "POST" and calls[2]["path"] == WFBSS_BASE + "commands/reset"
    assert all(isinstance(c["time"], float) for c in calls)
    dumped = json.dumps(calls)
    for secret in (NSIGHT_KEY, "not-the-key", WFBSS_TOKEN, WFBSS_SECRET, "not-the-secret"):
        assert secret not in dumped
    assert control(emulator, "DELETE", "/_emulator/calls").json() == []
    assert emulator.calls() == []


def test_in_process_helpers(emulator):
    emulator.set_scan(1003, "running", hidden_running=True)
    assert emulator.device(1003)["scans"][0]["state"] == "running"
    assert emulator.device(1003)["hidden_running"] is True
    emulator.add_fault(kind="status", status=429, api="nsight")
    assert nsight(emulator, service="list_clients").status == 429
    emulator.reset()
    assert emulator.device(1003)["scans"][0]["state"] == "finished"


# ---- faults ------------------------------------------------------------------------------------------

def add_fault(emulator, **fields):
    answer = control(emulator, "POST", "/_emulator/faults", fields)
    assert answer.status == 200, answer.body
    return answer.json()


def test_status_fault_with_retry_after_is_consumed(emulator):
    add_fault(emulator, api="nsight", kind="status", status=503, retry_after=7, count=2)
    for _attempt in range(2):
        answer = nsight(emulator, service="list_clients")
        assert (answer.status, answer.headers["Retry-After"]) == (503, "7")
    assert nsight(emulator, service="list_clients").status == 200
    assert [c["fault"] for c in emulator.calls()] == ["status", "status", None]
    assert [c["status"] for c in emulator.calls()] == [503, 503, 200]


def test_fault_matches_api_and_service(emulator):
    add_fault(emulator, api="nsight", service="list_mav_scans", kind="status", status=500)
    assert wfbss(emulator, "GET", WFBSS_BASE + "customers").status == 200
    assert nsight(emulator, service="mav_scan_pause", deviceid="1001").status == 200
    assert nsight(emulator, service="list_mav_scans", deviceid="1001", details="NO").status == 500
    assert newest_state(emulator, 1001) == "paused"


def test_faults_apply_in_order(emulator):
    add_fault(emulator, kind="status", status=429)
    add_fault(emulator, kind="status", status=503)
    assert [nsight(emulator, service="list_clients").status for _attempt in range(3)] == [429, 503, 200]


def test_forever_fault_until_deleted(emulator):
    add_fault(emulator, api="wfbss", kind="status", status=503, count=0)
    assert [wfbss(emulator, "GET", WFBSS_BASE + "customers").status for _attempt in range(3)] == [503] * 3
    assert control(emulator, "DELETE", "/_emulator/faults").json() == []
    assert wfbss(emulator, "GET", WFBSS_BASE + "customers").status == 200


def test_wfbss_status_fault_body(emulator):
    add_fault(emulator, api="wfbss", kind="status", status=429, retry_after=3)
    answer = wfbss(emulator, "POST", reset_uri("type=counter&cids=A"))
    assert (answer.status, answer.headers["Retry-After"]) == (429, "3")
    assert set(answer.json()) == {"error_subject", "error_message"}
    assert control(emulator, "GET", "/_emulator/wfbss/tasks").json() == []


def test_latency_fault_delays_then_answers(emulator):
    add_fault(emulator, kind="latency", delay=0.4)
    started = time.time()
    assert nsight_xml(emulator, service="list_clients").get("status") == "OK"
    assert time.time() - started >= 0.4


@pytest.mark.parametrize("api", ["nsight", "wfbss"])
def test_drop_fault_closes_without_answer(emulator, api):
    add_fault(emulator, api=api, kind="drop")
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        if api == "nsight":
            nsight(emulator, service="list_clients")
        else:
            wfbss(emulator, "GET", WFBSS_BASE + "customers")
    assert emulator.calls()[-1]["status"] is None and emulator.calls()[-1]["fault"] == "drop"


def test_malformed_faults(emulator):
    add_fault(emulator, api="nsight", kind="malformed")
    add_fault(emulator, api="wfbss", kind="malformed")
    answer = nsight(emulator, service="list_clients")
    assert answer.status == 200
    with pytest.raises(ET.ParseError):
        answer.xml()
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers")
    assert answer.status == 200
    with pytest.raises(ValueError):
        answer.json()


def test_entity_fault(emulator):
    add_fault(emulator, api="nsight", kind="entity")
    body = nsight(emulator, service="mav_scan_pause", deviceid="1001").body.decode("utf-8")
    assert '<!DOCTYPE result [<!ENTITY boom "x">]>' in body and "<msg>&boom;</msg>" in body
    assert newest_state(emulator, 1001) == "running"


def test_html_error_and_message_error_faults(emulator):
    add_fault(emulator, api="wfbss", kind="html_error")
    add_fault(emulator, api="wfbss", kind="message_error", status=401)
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers")
    assert answer.status == 500 and answer.headers["Content-Type"].startswith("text/html")
    assert answer.json()["error_subject"] == "InternalError"
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers")
    assert answer.status == 401 and list(answer.json()) == ["message"]


@pytest.mark.parametrize("fields", [
    {"kind": "explode"}, {"kind": "entity", "api": "wfbss"}, {"kind": "html_error", "api": "nsight"},
    {"kind": "status", "status": "503"}, {"kind": "status", "count": -1}, {"kind": "latency", "delay": "slow"},
    {"kind": "status", "api": "ldap"}, {"kind": "drop", "colour": "red"},
    {"kind": "redirect", "status": 200}, {"kind": "redirect", "status": 404}, {"kind": "redirect", "status": "302"},
    {"kind": "redirect", "location": 5}, {"kind": "redirect", "location": ""}, {"kind": "redirect", "location": "/x\r\nSet-Cookie: a=b"},
    {"kind": "lost", "delay": -1}, {"kind": "lost", "delay": True}, {"kind": "drip", "delay": "fast"},
    {"kind": "huge", "size": 10}, {"kind": "huge", "size": "big"}, {"kind": "huge", "size": 1.5},
    {"kind": "gzip_bomb", "size": 8 * 1024 ** 3}, {"kind": "endless", "api": "nsight", "size": -1},
])
def test_bad_fault_is_refused(emulator, fields):
    assert control(emulator, "POST", "/_emulator/faults", fields).status == 400
    assert control(emulator, "GET", "/_emulator/faults").json() == []


# ---- faults for hardening tests: redirects, lost answers, endless and slow bodies, compressed bombs -----------

MIB = 1024 * 1024
NSIGHT_PAUSE_1001 = "/api/?" + urllib.parse.urlencode({"service": "mav_scan_pause", "deviceid": "1001", "apikey": NSIGHT_KEY})
WFBSS_CUSTOMERS = WFBSS_BASE + "customers"


def open_raw(url, request_uri, timeout=10):
    """GET with http.client, which follows no redirect and inflates nothing; returns (connection, response)."""
    split = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=timeout)
    try:
        connection.request("GET", request_uri)
        return connection, connection.getresponse()
    except Exception:
        connection.close()
        raise


def test_new_fault_kinds_defaults(emulator):
    assert (add_fault(emulator, kind="redirect")["status"], add_fault(emulator, kind="redirect")["location"]) == (302, "http://127.0.0.1:9/elsewhere")
    assert add_fault(emulator, kind="lost")["delay"] == 0
    assert add_fault(emulator, kind="drip")["delay"] == 0.5
    huge = add_fault(emulator, kind="huge")
    assert (huge["size"], huge["status"]) == (100 * MIB, 400)
    assert add_fault(emulator, kind="endless")["size"] is None


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_fault_answers_location_and_does_nothing(emulator, status):
    add_fault(emulator, api="nsight", kind="redirect", status=status, location="http://127.0.0.1:9/api/")
    connection, response = open_raw(emulator.url, NSIGHT_PAUSE_1001)
    try:
        assert (response.status, response.getheader("Location"), response.getheader("Content-Length")) == (status, "http://127.0.0.1:9/api/", "0")
        assert response.read() == b""
    finally:
        connection.close()
    assert newest_state(emulator, 1001) == "running"
    assert (emulator.calls()[-1]["status"], emulator.calls()[-1]["fault"]) == (status, "redirect")


def test_wfbss_redirect_fault_creates_no_task(emulator):
    add_fault(emulator, api="wfbss", kind="redirect")
    connection, response = open_raw(emulator.url, reset_uri("type=counter&cids=A"))
    try:
        assert (response.status, response.getheader("Location")) == (302, "http://127.0.0.1:9/elsewhere")
    finally:
        connection.close()
    assert emulator.tasks() == []


def test_lost_fault_performs_the_request_then_closes_without_answer(emulator):
    emulator.add_fault(kind="lost", api="nsight", service="mav_scan_pause")
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        nsight(emulator, service="mav_scan_pause", deviceid="1001")
    assert newest_state(emulator, 1001) == "paused"
    record = emulator.calls()[-1]
    assert (record["service"], record["status"], record["api_status"], record["fault"]) == ("mav_scan_pause", None, "OK", "lost")
    assert_fail(nsight_xml(emulator, service="mav_scan_pause", deviceid="1001"), NOT_RUNNING)


def test_lost_wfbss_reset_still_creates_its_task(emulator):
    add_fault(emulator, api="wfbss", kind="lost", service="commands/reset")
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        wfbss(emulator, "POST", reset_uri("type=counter&cids=A"))
    assert [task["cids"] for task in emulator.tasks()] == [["A"]]
    assert emulator.calls()[-1]["fault"] == "lost"


def test_lost_fault_with_delay_lets_the_client_time_out_first(emulator):
    add_fault(emulator, api="nsight", kind="lost", delay=2)
    started = time.time()
    with pytest.raises(socket.timeout):
        open_raw(emulator.url, NSIGHT_PAUSE_1001, timeout=0.3)
    assert time.time() - started < 1.5
    assert newest_state(emulator, 1001) == "paused"


def test_huge_fault_announces_its_length(emulator):
    add_fault(emulator, api="nsight", kind="huge")
    connection, response = open_raw(emulator.url, NSIGHT_PAUSE_1001)
    try:
        assert (response.status, response.getheader("Content-Length")) == (200, str(100 * MIB))
        prefix = response.read(64 * 1024).decode("utf-8")
    finally:
        connection.close()
    assert prefix.startswith('<?xml version="1.0" ?>\n<result created="')
    assert 'status="FAIL"><msg>AAAA' in prefix
    assert newest_state(emulator, 1001) == "running"
    assert (emulator.calls()[-1]["status"], emulator.calls()[-1]["fault"]) == (200, "huge")


@pytest.mark.parametrize("api", ["nsight", "wfbss"])
def test_huge_fault_body_is_well_formed_and_exactly_its_size(emulator, api):
    add_fault(emulator, api=api, kind="huge", size=2 * MIB)
    connection, response = open_raw(emulator.url, NSIGHT_PAUSE_1001 if api == "nsight" else WFBSS_CUSTOMERS)
    try:
        body = response.read()
    finally:
        connection.close()
    assert len(body) == 2 * MIB
    if api == "nsight":
        assert response.status == 200
        root = ET.fromstring(body)
        assert root.get("status") == "FAIL" and set(root.findtext("msg")) == {"A"}
    else:
        assert response.status == 400
        answer = json.loads(body.decode("utf-8"))
        assert answer["error_subject"] == "InvalidParameters" and set(answer["error_message"]) == {"A"}


def test_huge_wfbss_fault_takes_a_status(emulator):
    add_fault(emulator, api="wfbss", kind="huge", status=502, size=4096)
    answer = send("GET", emulator.url + WFBSS_CUSTOMERS)
    assert (answer.status, len(answer.body)) == (502, 4096)


@pytest.mark.parametrize("api, start", [
    ("nsight", '<?xml version="1.0" ?>\n<result created="'),
    ("wfbss", '{"customers": ['),
])
def test_endless_fault_keeps_sending(emulator, api, start):
    add_fault(emulator, api=api, kind="endless")
    connection, response = open_raw(emulator.url, NSIGHT_PAUSE_1001 if api == "nsight" else WFBSS_CUSTOMERS)
    try:
        assert (response.status, response.getheader("Transfer-Encoding"), response.getheader("Content-Length")) == (200, "chunked", None)
        received = [response.read(64 * 1024)]
        while sum(len(piece) for piece in received) <= 3 * MIB:
            received.append(response.read(256 * 1024))
            assert received[-1]
    finally:
        connection.close()
    assert received[0].decode("utf-8").startswith(start)
    assert newest_state(emulator, 1001) == "running"
    assert nsight_xml(emulator, service="list_clients").get("status") == "OK"  # the server goes on


@pytest.mark.parametrize("api", ["nsight", "wfbss"])
def test_drip_fault_sends_the_real_answer_one_byte_per_delay(emulator, api):
    add_fault(emulator, api=api, kind="drip", delay=0.005)
    started = time.time()
    if api == "nsight":
        answer = nsight(emulator, service="mav_scan_pause", deviceid="1001")
        assert_ok(answer.xml())
        assert newest_state(emulator, 1001) == "paused"
    else:
        answer = wfbss(emulator, "POST", reset_uri("type=counter&cids=A"))
        assert answer.json()["task"]["status"] == "PENDING"
        assert [task["id"] for task in emulator.tasks()] == [answer.json()["task"]["id"]]
    assert time.time() - started >= len(answer.body) * 0.005
    assert answer.headers["Content-Length"] == str(len(answer.body))
    assert (emulator.calls()[-1]["status"], emulator.calls()[-1]["fault"]) == (200, "drip")


def test_gzip_bomb_fault_is_small_and_inflates_to_an_envelope(emulator):
    emulator.add_fault(api="nsight", kind="gzip_bomb")  # in process: compressing takes seconds, more than an HTTP timeout may allow
    connection, response = open_raw(emulator.url, NSIGHT_PAUSE_1001)
    try:
        assert (response.status, response.getheader("Content-Encoding")) == (200, "gzip")
        body = response.read()
    finally:
        connection.close()
    assert len(body) < 2 * MIB and response.getheader("Content-Length") == str(len(body))
    prefix = zlib.decompressobj(wbits=31).decompress(body, MIB)
    assert len(prefix) == MIB
    start = b'<?xml version="1.0" ?>\n<result status="OK"><items>'
    assert prefix.startswith(start) and set(prefix[len(start):]) == {ord(" ")}
    assert newest_state(emulator, 1001) == "running"
    started = time.time()
    add_fault(emulator, api="nsight", kind="gzip_bomb")  # the same size again: kept, not compressed anew
    assert time.time() - started < 1
    assert emulator.calls()[-1]["fault"] == "gzip_bomb"


def test_wfbss_gzip_bomb_inflates_to_exactly_its_size(emulator):
    add_fault(emulator, api="wfbss", kind="gzip_bomb", size=8 * MIB)
    connection, response = open_raw(emulator.url, WFBSS_CUSTOMERS)
    try:
        assert response.getheader("Content-Type") == "application/json; charset=utf-8"
        inflated = zlib.decompress(response.read(), 31)
    finally:
        connection.close()
    assert len(inflated) == 8 * MIB
    assert inflated.startswith(b'{"customers": [') and inflated.endswith(b" ")


def test_heavy_faults_end_quietly_when_the_client_hangs_up():
    process = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        url = process.stdout.readline().strip()
        for fields in ({"kind": "endless"}, {"kind": "huge"}, {"kind": "drip", "delay": 0.05}, {"kind": "lost", "delay": 0.5}):
            assert send("POST", url + "/_emulator/faults", json.dumps(dict(fields, api="nsight")).encode("utf-8")).status == 200
            try:
                connection, response = open_raw(url, "/api/?service=list_clients&apikey=x", timeout=0.3)
            except socket.timeout:
                continue  # lost: no answer comes
            try:
                assert response.read(3)
            finally:
                connection.close()
        time.sleep(1)  # the server notices the hang-ups at its next write
        assert [call["fault"] for call in json.loads(send("GET", url + "/_emulator/calls").body)] == ["endless", "huge", "drip", "lost"]
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert (process.returncode, stdout, stderr) == (0, "", "")


# ---- WFBSS: authentication ---------------------------------------------------------------------------------

def test_good_signature_starts_a_reset_task(emulator):
    answer = wfbss(emulator, "POST", reset_uri("type=counter&cids=640FE47F-5118-4D79-8221-A35D0DE2EE2C,549390C2-61B3-417E-B1F0-8955A63C08F3"))
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("application/json")
    task = answer.json()["task"]
    assert task["status"] == "PENDING" and uuid.UUID(task["id"]).version == 4
    stored = control(emulator, "GET", "/_emulator/wfbss/tasks").json()
    assert [(t["id"], t["type"], t["cids"], t["events"]) for t in stored] == [
        (task["id"], "counter", ["640FE47F-5118-4D79-8221-A35D0DE2EE2C", "549390C2-61B3-417E-B1F0-8955A63C08F3"], None)]


@pytest.mark.parametrize("version", ["v2.6", "v2.7", "v2.8"])
def test_documented_versions(emulator, version):
    assert wfbss(emulator, "GET", "/SMPI/%s/service/wfbss/api/customers?limit=1" % version).status == 200


def test_other_version_is_404(emulator):
    answer = wfbss(emulator, "GET", "/SMPI/v2.5/service/wfbss/api/customers")
    assert_wfbss_error(answer, 404, "NotFound")


def test_signature_covers_the_raw_query(emulator):
    answer = wfbss(emulator, "POST", reset_uri("type=livestatus&events=virus_incidents%2Cwtp_incidents&cids=A%2CB"))
    assert answer.status == 200
    task = control(emulator, "GET", "/_emulator/wfbss/tasks").json()[0]
    assert (task["cids"], task["events"]) == (["A", "B"], ["virus_incidents", "wtp_incidents"])
    posix_time = int(time.time())
    signed_for_comma = sign(WFBSS_SECRET, posix_time, "POST", reset_uri("type=counter&cids=A,B"))
    answer = wfbss(emulator, "POST", reset_uri("type=counter&cids=A%2CB"), posix_time=posix_time, signature=signed_for_comma)
    assert_wfbss_error(answer, 401, "AuthenticationFailureSignature")


def test_signature_covers_the_body_md5(emulator):
    uri = reset_uri("type=counter&cids=A")
    answer = wfbss(emulator, "POST", uri, body=b'{"x": 1}')
    assert_wfbss_error(answer, 400, "InvalidParameters")  # signed right, refused for the body
    posix_time = int(time.time())
    without_md5 = sign(WFBSS_SECRET, posix_time, "POST", uri)
    answer = wfbss(emulator, "POST", uri, body=b'{"x": 1}', posix_time=posix_time, signature=without_md5)
    assert_wfbss_error(answer, 401, "AuthenticationFailureSignature")


@pytest.mark.parametrize("header, subject", [
    ("x-access-token", "MissingHeaderAccessToken"),
    ("x-posix-time", "MissingHeaderPosixTime"),
    ("x-signature", "MissingHeaderSignature"),
    ("x-traceid", "MissingHeaderTraceID"),
])
def test_missing_header_is_400(emulator, header, subject):
    assert_wfbss_error(wfbss(emulator, "GET", WFBSS_BASE + "customers", drop_header=header), 400, subject)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415(emulator, content_type):
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers", content_type=content_type)
    assert_wfbss_error(answer, 415, "InvalidHeaderContentType")


def test_missing_content_type_is_415(emulator):
    assert_wfbss_error(wfbss(emulator, "GET", WFBSS_BASE + "customers", drop_header="Content-Type"), 415, "InvalidHeaderContentType")


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"])
def test_json_content_types_accepted(emulator, content_type):
    assert wfbss(emulator, "GET", WFBSS_BASE + "customers", content_type=content_type).status == 200


def test_unknown_token_is_401(emulator):
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers", token="11111111-2222-3333-4444-555555555555")
    assert_wfbss_error(answer, 401, "AuthenticationFailureAccessToken")


@pytest.mark.parametrize("posix_time", ["soon", "1.5e9", "12:00"])
def test_posix_time_not_an_integer_is_401(emulator, posix_time):
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers", posix_time=posix_time)
    assert_wfbss_error(answer, 401, "AuthenticationFailurePosixTime")


def test_wrong_secret_is_401(emulator):
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers", secret="emu-wfbss-secret-00000000")
    assert_wfbss_error(answer, 401, "AuthenticationFailureSignature")


@pytest.mark.parametrize("offset, status", [(0, 200), (800, 200), (-800, 200), (1000, 401), (-1000, 401)])
def test_fifteen_minute_clock_skew(emulator, offset, status):
    assert control(emulator, "POST", "/_emulator/clock", {"offset": offset}).json()["offset"] == offset
    answer = wfbss(emulator, "POST", reset_uri("type=counter&cids=A"))
    assert answer.status == status
    if status == 401:
        assert answer.json()["error_subject"] == "AuthenticationFailurePosixTime"


def test_stale_timestamp_is_401(emulator):
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers", posix_time=int(time.time()) - 901)
    assert_wfbss_error(answer, 401, "AuthenticationFailurePosixTime")


def test_checks_run_in_the_documented_order(emulator):
    # Missing header beats content type beats token beats time beats signature.
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers", drop_header="x-traceid", content_type="text/plain", token="bad")
    assert answer.json()["error_subject"] == "MissingHeaderTraceID"
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers", content_type="text/plain", token="bad")
    assert answer.json()["error_subject"] == "InvalidHeaderContentType"
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers", token="bad", posix_time="soon")
    assert answer.json()["error_subject"] == "AuthenticationFailureAccessToken"
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers", posix_time="soon", secret="bad")
    assert answer.json()["error_subject"] == "AuthenticationFailurePosixTime"


# ---- WFBSS: commands ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, field", [
    ("type=counter", "cids"),
    ("type=counter&cids=", "cids"),
    ("type=counter&cids=A,,B", "cids"),
    ("type=counter&cids=" + ",".join("C%d" % n for n in range(11)), "cids"),
    ("cids=A", "type"),
    ("type=everything&cids=A", "type"),
    ("type=livestatus&cids=A&events=virus_incidents,fire_incidents", "events"),
    ("type=livestatus&cids=A&events=", "events"),
])
def test_reset_parameter_validation(emulator, query, field):
    answer = wfbss(emulator, "POST", reset_uri(query))
    assert_wfbss_error(answer, 400, "InvalidParameters")
    assert "Invalid parameter %s:" % field in answer.json()["error_message"]
    assert control(emulator, "GET", "/_emulator/wfbss/tasks").json() == []


def test_ten_cids_are_accepted(emulator):
    cids = ["C%d" % n for n in range(10)]
    assert wfbss(emulator, "POST", reset_uri("type=counter&cids=" + ",".join(cids))).status == 200
    assert control(emulator, "GET", "/_emulator/wfbss/tasks").json()[0]["cids"] == cids


def test_livestatus_events(emulator):
    assert wfbss(emulator, "POST", reset_uri("type=livestatus&cids=A")).status == 200
    assert wfbss(emulator, "POST", reset_uri("type=livestatus&events=virus_incidents,spyware_incidents&cids=A")).status == 200
    assert wfbss(emulator, "POST", reset_uri("type=livestatus&events=" + ",".join(ALL_EVENTS) + "&cids=A")).status == 200
    tasks = control(emulator, "GET", "/_emulator/wfbss/tasks").json()
    assert [t["events"] for t in tasks] == [ALL_EVENTS, ["virus_incidents", "spyware_incidents"], ALL_EVENTS]


def test_events_are_ignored_for_counter(emulator):
    assert wfbss(emulator, "POST", reset_uri("type=counter&cids=A&events=nonsense")).status == 200


def test_scan_and_update_commands(emulator):
    assert wfbss(emulator, "POST", WFBSS_BASE + "commands/scan?type=start&cids=A&gids=G1,G2").status == 200
    assert wfbss(emulator, "POST", WFBSS_BASE + "commands/update?cids=A,B").status == 200
    assert wfbss(emulator, "POST", WFBSS_BASE + "commands/scan?type=pause&cids=A").status == 400
    assert wfbss(emulator, "POST", WFBSS_BASE + "commands/update").status == 400
    tasks = control(emulator, "GET", "/_emulator/wfbss/tasks").json()
    assert [(t["command"], t.get("type"), t["cids"], t["gids"]) for t in tasks] == [
        ("scan", "start", ["A"], ["G1", "G2"]), ("update", None, ["A", "B"], None)]


def test_wrong_method_and_unknown_command(emulator):
    assert_wfbss_error(wfbss(emulator, "GET", reset_uri("type=counter&cids=A")), 405, "MethodNotAllowed")
    assert_wfbss_error(wfbss(emulator, "GET", WFBSS_BASE + "commands/tasks"), 404, "NotFound")


# ---- WFBSS: customers ----------------------------------------------------------------------------------------

def customers(emulator, query=""):
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers" + ("?" + query if query else ""))
    assert answer.status == 200, answer.body
    return answer.json()


def test_customers_paging(emulator):
    first = customers(emulator)
    assert first["paging"] == {"total": 230, "limit": 100, "page": 1}
    assert len(first["customers"]) == 100
    third = customers(emulator, "page=3&limit=100")
    assert len(third["customers"]) == 30
    assert customers(emulator, "page=4")["customers"] == []
    all_ids = [c["id"] for page in (1, 2, 3) for c in customers(emulator, "page=%d" % page)["customers"]]
    assert len(set(all_ids)) == 230
    assert [c["name"] for c in customers(emulator, "limit=2&page=2")["customers"]] == ["Globex", "Initech"]


def test_customer_fields(emulator):
    acme = customers(emulator, "q=acme%20corp")["customers"]
    assert [c["id"] for c in acme] == ["640FE47F-5118-4D79-8221-A35D0DE2EE2C"]
    assert set(acme[0]) == {"id", "eid", "name", "license_type", "license_period", "seat_count", "expire",
                            "auto_renewal", "time_zone", "sp_subscription"}
    for customer in customers(emulator)["customers"]:
        assert customer["id"] == customer["id"].upper() and uuid.UUID(customer["id"])


def test_customer_keyword_is_case_insensitive(emulator):
    assert [c["name"] for c in customers(emulator, "q=ACME")["customers"]] == ["Acme Corp", "Acme Logistics"]
    assert customers(emulator, "q=contoso%20dental")["paging"]["total"] == 38
    assert customers(emulator, "q=nobody")["paging"]["total"] == 0


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "page=0", "page=-1", "page="])
def test_customer_paging_validation(emulator, query):
    assert_wfbss_error(wfbss(emulator, "GET", WFBSS_BASE + "customers?" + query), 400, "InvalidParameters")


def test_customer_groups(emulator):
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers/groups?cids=640FE47F-5118-4D79-8221-A35D0DE2EE2C,UNKNOWN")
    listed = answer.json()["customers"]
    assert [c["id"] for c in listed] == ["640FE47F-5118-4D79-8221-A35D0DE2EE2C"]
    assert [set(g) for g in listed[0]["groups"]] == [{"id", "name", "type"}] * 2


def test_bad_content_length_is_400(emulator):
    connection = http.client.HTTPConnection(*emulator.httpd.server_address[:2], timeout=10)
    try:
        connection.putrequest("POST", "/_emulator/reset")
        connection.putheader("Content-Length", "many")
        connection.endheaders()
        assert connection.getresponse().status == 400
    finally:
        connection.close()


def test_stop_ends_idle_keep_alive_connections():
    with Emulator() as emulator:
        connection = http.client.HTTPConnection(*emulator.httpd.server_address[:2], timeout=10)
        connection.request("GET", "/_emulator/calls")
        assert connection.getresponse().read() == b"[]"
    try:
        with pytest.raises((OSError, http.client.HTTPException)):
            connection.request("GET", "/_emulator/calls")
            connection.getresponse()
    finally:
        connection.close()


# ---- command line -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_url_and_stops_cleanly(stop_signal):
    process = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), "--port", "0", "--nsight-api-key", "cli-key", "--devices", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        url = process.stdout.readline().strip()
        assert re.match(r"^http://127\.0\.0\.1:\d+$", url)
        answer = send("GET", url + "/api/?service=list_clients&apikey=cli-key")
        assert ET.fromstring(answer.body).get("status") == "OK"
        assert send("GET", url + "/_emulator/devices/50002").status == 200
        assert send("GET", url + "/_emulator/devices/50003").status == 404
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert (stdout, stderr) == ("", "")


def test_error_fault_answers_a_documented_error_envelope(emulator):
    assert control(emulator, "POST", "/_emulator/faults",
                   {"api": "nsight", "kind": "error", "code": 5, "message": "Missing parameter: deviceid"}).status == 200
    assert_error(nsight_xml(emulator, service="mav_scan_pause", deviceid=1001), 5, "Missing parameter: deviceid")
    assert newest_state(emulator, 1001) == "running"


def test_wfbss_status_fault_takes_subject_and_message(emulator):
    assert control(emulator, "POST", "/_emulator/faults", {
        "api": "wfbss", "kind": "status", "status": 415, "subject": "InvalidHeaderContentType",
        "message": "Content-Type must be application/json"}).status == 200
    answer = wfbss(emulator, "POST", reset_uri("type=counter&cids=A"))
    assert answer.status == 415
    assert answer.json() == {"error_subject": "InvalidHeaderContentType",
                             "error_message": "Content-Type must be application/json"}


def test_call_log_keeps_the_trace_headers_not_the_secrets(emulator):
    answer = wfbss(emulator, "POST", reset_uri("type=counter&cids=A"))
    assert answer.status == 200
    record = [call for call in control(emulator, "GET", "/_emulator/calls").json() if call["api"] == "wfbss"][-1]
    assert record["posix_time"].isdigit()
    assert uuid.UUID(record["traceid"])
    assert WFBSS_SECRET not in json.dumps(record) and WFBSS_TOKEN not in json.dumps(record)


# ---- N-sight call limit -------------------------------------------------------------------------------------

def rate_limit(emulator, payload=None):
    """PUT the limit when a payload is given, else GET it; the answer's JSON (status 200 asserted)."""
    answer = control(emulator, "PUT", "/_emulator/nsight/rate-limit", payload) if payload is not None \
        else control(emulator, "GET", "/_emulator/nsight/rate-limit")
    assert answer.status == 200, answer.body
    return answer.json()


def counters(stats):
    return (stats["accepted"], stats["refused"], stats["max_in_window"])


def test_no_nsight_rate_limit_by_default(emulator):
    assert rate_limit(emulator) == {"limit": None, "window": 60, "accepted": 0, "refused": 0, "max_in_window": 0}
    for _call in range(8):
        assert nsight_xml(emulator, service="list_clients").get("status") == "OK"
    # Counted even without a limit.
    assert counters(rate_limit(emulator)) == (8, 0, 8)
    assert emulator.rate_limit_stats() == rate_limit(emulator)
    assert [c["refused"] for c in emulator.calls()] == [False] * 8


def test_call_over_the_limit_is_429_with_retry_after_and_does_nothing(emulator):
    assert rate_limit(emulator, {"limit": 3, "window": 2}) == {"limit": 3, "window": 2, "accepted": 0, "refused": 0, "max_in_window": 0}
    for _call in range(3):
        assert nsight_xml(emulator, service="list_clients").get("status") == "OK"
    refused = nsight(emulator, service="mav_scan_pause", deviceid="1001")
    assert refused.status == 429
    assert refused.headers["Retry-After"] in ("1", "2")
    assert refused.headers["Content-Type"].startswith("text/html")
    assert b"Too Many Requests" in refused.body
    assert newest_state(emulator, 1001) == "running"
    # Refused calls take no slot: once the oldest call has left the window, the next one is accepted.
    assert nsight(emulator, service="mav_scan_pause", deviceid="1001").status == 429
    time.sleep(int(refused.headers["Retry-After"]) + 0.05)
    assert_ok(nsight_xml(emulator, service="mav_scan_pause", deviceid="1001"))
    assert newest_state(emulator, 1001) == "paused"
    assert counters(rate_limit(emulator)) == (4, 2, 3)
    calls = emulator.calls()
    assert [(c["service"], c["status"], c["refused"]) for c in calls] == [("list_clients", 200, False)] * 3 + [
        ("mav_scan_pause", 429, True), ("mav_scan_pause", 429, True), ("mav_scan_pause", 200, False)]
    assert (calls[3]["api_status"], calls[3]["fault"], calls[3]["params"]) == (None, None, {"service": "mav_scan_pause", "deviceid": "1001"})


def test_rolling_window_max_in_window(emulator):
    rate_limit(emulator, {"limit": 0, "window": 1})
    for _call in range(3):
        nsight(emulator, service="list_clients")
    time.sleep(1.05)
    for _call in range(2):
        nsight(emulator, service="list_clients")
    stats = rate_limit(emulator)
    assert (stats["limit"], stats["window"]) == (None, 1)
    assert counters(stats) == (5, 0, 3)


def test_rate_limit_is_per_api_key_wrong_keys_included(emulator):
    rate_limit(emulator, {"limit": 2})
    for apikey in (NSIGHT_KEY, "wrong-key", None):
        for _call in range(2):
            assert nsight(emulator, apikey=apikey, service="list_clients").status == 200
        over = nsight(emulator, apikey=apikey, service="list_clients")
        assert over.status == 429
        assert 59 <= int(over.headers["Retry-After"]) <= 60
    # WFBSS is not limited, and the refused N-sight calls left no secret in the log or the counters.
    assert wfbss(emulator, "POST", reset_uri("type=counter&cids=A")).status == 200
    stats = rate_limit(emulator)
    assert stats == {"limit": 2, "window": 60, "accepted": 6, "refused": 3, "max_in_window": 2}
    assert [c["refused"] for c in emulator.calls()] == [False, False, True] * 3 + [False]
    assert NSIGHT_KEY not in json.dumps(emulator.calls()) and "wrong-key" not in json.dumps(emulator.calls())


def test_refused_call_takes_no_fault(emulator):
    emulator.set_nsight_rate_limit(1)
    assert nsight(emulator, service="list_clients").status == 200
    add_fault(emulator, api="nsight", kind="status", status=500)
    assert nsight(emulator, service="list_clients").status == 429
    assert len(control(emulator, "GET", "/_emulator/faults").json()) == 1
    emulator.set_nsight_rate_limit(None)
    assert nsight(emulator, service="list_clients").status == 500


def test_reset_keeps_only_the_constructors_limit(emulator):
    rate_limit(emulator, {"limit": 1, "window": 5})
    nsight(emulator, service="list_clients")
    emulator.reset()
    assert emulator.rate_limit_stats() == {"limit": None, "window": 60, "accepted": 0, "refused": 0, "max_in_window": 0}
    with Emulator(nsight_rate_limit=1, nsight_rate_window=30) as limited:
        assert nsight(limited, service="list_clients").status == 200
        assert nsight(limited, service="list_clients").status == 429
        assert control(limited, "POST", "/_emulator/reset").status == 200
        assert limited.rate_limit_stats() == {"limit": 1, "window": 30, "accepted": 0, "refused": 0, "max_in_window": 0}
        assert nsight(limited, service="list_clients").status == 200  # the window's history went with the reset
        assert limited.set_nsight_rate_limit(0)["limit"] is None
        assert nsight(limited, service="list_clients").status == 200
        limited.reset()
        assert limited.rate_limit_stats()["limit"] == 1


@pytest.mark.parametrize("payload, message", [
    ({"limit": -1}, "limit must be null or a whole number >= 0"),
    ({"limit": "3"}, "limit must be null or a whole number >= 0 (null or 0: no limit), not \"3\""),
    ({"limit": 2.5}, "limit must be null or a whole number >= 0"),
    ({"limit": True}, "limit must be null or a whole number >= 0"),
    ({"window": 5}, "limit is required"),
    ({"limit": 3, "window": 0}, "window must be a number of seconds > 0, not 0"),
    ({"limit": 3, "window": -1.5}, "window must be a number of seconds > 0"),
    ({"limit": 3, "window": "60"}, "window must be a number of seconds > 0"),
    ({"limit": 3, "window": None}, "window must be a number of seconds > 0, not null"),
    ({"limit": 3, "window": False}, "window must be a number of seconds > 0"),
    ({"limit": 3, "burst": 5}, "unknown field(s): burst (allowed: limit, window)"),
    ([3, 60], "the body must be a JSON object"),
])
def test_rate_limit_control_validation(emulator, payload, message):
    answer = control(emulator, "PUT", "/_emulator/nsight/rate-limit", payload)
    assert answer.status == 400
    assert answer.json()["error"].startswith(message)
    assert rate_limit(emulator)["limit"] is None


def test_rate_limit_control_other_failures(emulator):
    answer = send("PUT", emulator.url + "/_emulator/nsight/rate-limit", b"{limit: 3}", {"Content-Type": "application/json"})
    assert answer.status == 400 and answer.json()["error"].startswith("the body is not JSON")
    assert control(emulator, "DELETE", "/_emulator/nsight/rate-limit").status == 405
    with pytest.raises(ValueError, match="limit must be"):
        Emulator(nsight_rate_limit=-1)
    with pytest.raises(ValueError, match="window must be"):
        emulator.set_nsight_rate_limit(3, window=0)
    assert emulator.rate_limit_stats()["limit"] is None


def test_cli_rate_limit_options():
    process = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), "--nsight-rate-limit", "1", "--nsight-rate-window", "30"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        url = process.stdout.readline().strip()
        query = "/api/?" + urllib.parse.urlencode({"service": "list_clients", "apikey": NSIGHT_KEY})
        assert send("GET", url + query).status == 200
        assert send("GET", url + query).status == 429
        assert send("POST", url + "/_emulator/reset").status == 200
        assert send("GET", url + "/_emulator/nsight/rate-limit").json() == {
            "limit": 1, "window": 30, "accepted": 0, "refused": 0, "max_in_window": 0}
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0


@pytest.mark.parametrize("option, value", [("--nsight-rate-limit", "-2"), ("--nsight-rate-limit", "many"),
                                           ("--nsight-rate-window", "0"), ("--nsight-rate-window", "nan")])
def test_cli_refuses_bad_rate_limit_options(option, value):
    finished = subprocess.run([sys.executable, os.path.join(HERE, "server.py"), option, value],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=30,
                              check=False)
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert option in finished.stderr
