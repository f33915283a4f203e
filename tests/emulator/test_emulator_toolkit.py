# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the emulator's services for the rest of the toolkit, over real HTTP: definitions update,
threats and quarantine (N-sight), scan, update and groups (WFBSS)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# The fixtures come in through this import too.
from test_emulator import (  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
    WFBSS_BASE,
    assert_error,
    assert_fail,
    assert_ok,
    assert_wfbss_error,
    control,
    emulator,
    fresh_state,
    nsight,
    nsight_xml,
    wfbss,
)

ACME = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
LOGISTICS = "549390C2-61B3-417E-B1F0-8955A63C08F3"
PENDING = "There is already a MAV definition update pending"


# ---- N-sight: definitions update ----------------------------------------------------------------------

def test_definitions_update_ok_then_pending_per_device(emulator):
    assert_ok(nsight_xml(emulator, service="mav_definitions_update", deviceid="1001"))
    assert_fail(nsight_xml(emulator, service="mav_definitions_update", deviceid="1001"), PENDING)
    # Another Bitdefender device has its own pending state.
    assert_ok(nsight_xml(emulator, service="mav_definitions_update", deviceid="1003"))


@pytest.mark.parametrize("deviceid", ["1002", "1016"])
def test_definitions_update_on_vipre_or_without_mav_is_unsupported(emulator, deviceid):
    for _attempt in range(2):
        assert_fail(nsight_xml(emulator, service="mav_definitions_update", deviceid=deviceid), "Unsupported action type")


def test_reset_clears_pending_definition_updates(emulator):
    assert_ok(nsight_xml(emulator, service="mav_definitions_update", deviceid="1001"))
    assert control(emulator, "POST", "/_emulator/reset").status == 200
    assert_ok(nsight_xml(emulator, service="mav_definitions_update", deviceid="1001"))


@pytest.mark.parametrize("params, code, message", [
    ({}, 5, "Missing parameter: deviceid"),
    ({"deviceid": "99999"}, 4, "Invalid value for parameter: deviceid"),
    ({"deviceid": "x"}, 4, "Invalid value for parameter: deviceid"),
])
def test_definitions_update_parameters(emulator, params, code, message):
    assert_error(nsight_xml(emulator, service="mav_definitions_update", **params), code, message)


# ---- N-sight: threats and quarantine -----------------------------------------------------------------

def rows(emulator, service, path, **params):
    root = nsight_xml(emulator, service=service, **params)
    assert root.get("status") == "OK", root
    return [dict((child.tag, child.text) for child in row) for row in root.findall(path)]


def test_threats_only_under_the_devices_engine(emulator):
    bitdefender = rows(emulator, "list_mav_threats", "items/threat", deviceid="1001")
    assert [row["name"] for row in bitdefender] == ["Trojan.GenericKD.46542511", "Gen:Variant.Ransom.Lockbit.12"]
    assert all(set(row) == {"name", "type", "path", "date"} for row in bitdefender)
    assert rows(emulator, "list_mav_threats", "items/threat", deviceid="1001", v="1") == []
    assert rows(emulator, "list_mav_threats", "items/threat", deviceid="1002") == []
    assert [row["name"] for row in rows(emulator, "list_mav_threats", "items/threat", deviceid="1002", v="1")] == [
        "Trojan.Win32.Generic!BT"]


@pytest.mark.parametrize("deviceid", ["1003", "1016"])
def test_no_threats_is_an_empty_items_element(emulator, deviceid):
    root = nsight_xml(emulator, service="list_mav_threats", deviceid=deviceid)
    assert root.get("status") == "OK"
    assert root.find("items") is not None and list(root.find("items")) == []


@pytest.mark.parametrize("items, expected", [
    ("CURRENT", ["quarantined"]), ("PREVIOUS", ["released"]), ("ALL", ["quarantined", "released"]),
    ("current", ["quarantined"]),
])
def test_quarantine_items(emulator, items, expected):
    found = rows(emulator, "list_mav_quarantine", "items/item", deviceid="1001", items=items)
    assert [row["status"] for row in found] == expected
    assert all(set(row) == {"guid", "name", "path", "date", "status"} for row in found)
    assert all(uuid.UUID(row["guid"]) for row in found)


def test_quarantine_engine_rule(emulator):
    assert rows(emulator, "list_mav_quarantine", "items/item", deviceid="1002", items="ALL") == []
    assert len(rows(emulator, "list_mav_quarantine", "items/item", deviceid="1002", items="ALL", v="1")) == 1


@pytest.mark.parametrize("service, params, code, message", [
    ("list_mav_quarantine", {"deviceid": "1001"}, 5, "Missing parameter: items"),
    ("list_mav_quarantine", {"deviceid": "1001", "items": "SOME"}, 4, "Invalid value for parameter: items"),
    ("list_mav_quarantine", {"items": "ALL"}, 5, "Missing parameter: deviceid"),
    ("list_mav_quarantine", {"deviceid": "1001", "items": "ALL", "v": "3"}, 4, "Invalid value for parameter: v"),
    ("list_mav_threats", {}, 5, "Missing parameter: deviceid"),
    ("list_mav_threats", {"deviceid": "99999"}, 4, "Invalid value for parameter: deviceid"),
    ("list_mav_threats", {"deviceid": "1001", "v": "0"}, 4, "Invalid value for parameter: v"),
])
def test_listing_parameters(emulator, service, params, code, message):
    assert_error(nsight_xml(emulator, service=service, **params), code, message)


@pytest.mark.parametrize("service, parameters", [
    ("list_mav_threats", ["describe", "deviceid", "v"]),
    ("list_mav_quarantine", ["describe", "deviceid", "items", "v"]),
    ("mav_definitions_update", ["describe", "deviceid"]),
])
def test_describe_catalogue_entries(emulator, service, parameters):
    root = nsight_xml(emulator, service=service, describe="true")
    assert root.get("status") == "OK"
    assert root.findtext("service/name") == service
    assert [name.text for name in root.findall("service/parameters/parameter/name")] == parameters
    assert service in root.findtext("service/example")
    # describe acts on nothing: an update is still possible afterwards.
    if service == "mav_definitions_update":
        assert_ok(nsight_xml(emulator, service=service, deviceid="1001"))


def test_wrong_key_is_error_3_for_the_new_services(emulator):
    for service in ("list_mav_threats", "list_mav_quarantine", "mav_definitions_update"):
        root = nsight(emulator, apikey="wrong", service=service, deviceid="1001", items="ALL").xml()
        assert root.findtext("error/errorcode") == "3"


def test_listings_are_logged_without_the_key(emulator):
    nsight_xml(emulator, service="list_mav_quarantine", deviceid="1001", items="ALL")
    (call,) = control(emulator, "GET", "/_emulator/calls").json()
    assert call["service"] == "list_mav_quarantine" and call["api_status"] == "OK"
    assert call["params"] == {"service": "list_mav_quarantine", "deviceid": "1001", "items": "ALL"}


# ---- WFBSS: scan, update, groups ---------------------------------------------------------------------

def tasks(emulator):
    return control(emulator, "GET", "/_emulator/wfbss/tasks").json()


@pytest.mark.parametrize("scan_type", ["start", "stop"])
def test_scan_command_creates_a_pending_task(emulator, scan_type):
    answer = wfbss(emulator, "POST", WFBSS_BASE + "commands/scan?type=%s&cids=%s,%s" % (scan_type, ACME, LOGISTICS))
    assert answer.status == 200
    task = answer.json()["task"]
    assert task["status"] == "PENDING" and uuid.UUID(task["id"]).version == 4
    (stored,) = tasks(emulator)
    assert (stored["id"], stored["command"], stored["type"], stored["cids"], stored["gids"]) == (
        task["id"], "scan", scan_type, [ACME, LOGISTICS], None)


def test_update_command_with_gids(emulator):
    answer = wfbss(emulator, "POST", WFBSS_BASE + "commands/update?cids=%s&gids=G1%%2CG2" % ACME)
    assert answer.status == 200, answer.body
    (stored,) = tasks(emulator)
    assert (stored["command"], stored["cids"], stored["gids"]) == ("update", [ACME], ["G1", "G2"])
    assert "type" not in stored


@pytest.mark.parametrize("command, query, field", [
    ("commands/scan", "cids=A", "type"),
    ("commands/scan", "type=pause&cids=A", "type"),
    ("commands/scan", "type=start", "cids"),
    ("commands/scan", "type=start&cids=" + ",".join("C%d" % n for n in range(11)), "cids"),
    ("commands/scan", "type=start&cids=A,,B", "cids"),
    ("commands/scan", "type=start&cids=A&gids=", "gids"),
    ("commands/update", "cids=", "cids"),
    ("commands/update", "cids=" + ",".join("C%d" % n for n in range(11)), "cids"),
    ("commands/update", "cids=A&gids=G1,", "gids"),
])
def test_command_parameter_validation(emulator, command, query, field):
    answer = wfbss(emulator, "POST", WFBSS_BASE + command + "?" + query)
    assert_wfbss_error(answer, 400, "InvalidParameters")
    assert field in answer.json()["error_message"]
    assert tasks(emulator) == []


def test_ten_cids_pass_on_scan_and_update(emulator):
    cids = ",".join("C%d" % n for n in range(10))
    assert wfbss(emulator, "POST", WFBSS_BASE + "commands/scan?type=start&cids=" + cids).status == 200
    assert wfbss(emulator, "POST", WFBSS_BASE + "commands/update?cids=" + cids).status == 200


@pytest.mark.parametrize("command", ["commands/scan?type=start&cids=A", "commands/update?cids=A"])
def test_commands_check_the_signature_and_refuse_a_body(emulator, command):
    assert_wfbss_error(wfbss(emulator, "POST", WFBSS_BASE + command, signature="bm90LWl0"), 401,
                       "AuthenticationFailureSignature")
    assert_wfbss_error(wfbss(emulator, "POST", WFBSS_BASE + command, body=b"{}"), 400, "InvalidParameters")
    assert_wfbss_error(wfbss(emulator, "GET", WFBSS_BASE + command), 405, "MethodNotAllowed")
    assert tasks(emulator) == []


def test_groups_of_several_customers_in_the_order_asked(emulator):
    answer = wfbss(emulator, "GET", WFBSS_BASE + "customers/groups?cids=%s,%s" % (LOGISTICS, ACME))
    assert answer.status == 200
    listed = answer.json()["customers"]
    assert [customer["id"] for customer in listed] == [LOGISTICS, ACME]
    # As the customers/groups page's example (018): the same two groups, integer ids and types, for every customer.
    for customer in listed:
        assert customer["groups"] == [{"type": 1, "id": 1, "name": "Device (Default)"}, {"type": 2, "id": 2, "name": "Server (Default)"}]
    assert control(emulator, "POST", "/_emulator/reset").status == 200
    again = wfbss(emulator, "GET", WFBSS_BASE + "customers/groups?cids=%s,%s" % (LOGISTICS, ACME)).json()["customers"]
    assert again == listed


def test_groups_cids_rule_and_unknown_customers(emulator):
    assert_wfbss_error(wfbss(emulator, "GET", WFBSS_BASE + "customers/groups"), 400, "InvalidParameters")
    eleven = ",".join([ACME] * 11)
    assert_wfbss_error(wfbss(emulator, "GET", WFBSS_BASE + "customers/groups?cids=" + eleven), 400, "InvalidParameters")
    assert wfbss(emulator, "GET", WFBSS_BASE + "customers/groups?cids=NOBODY").json() == {"customers": []}
    # Case-insensitive match, answered with the stored id.
    lower = wfbss(emulator, "GET", WFBSS_BASE + "customers/groups?cids=" + ACME.lower()).json()["customers"]
    assert [customer["id"] for customer in lower] == [ACME]
    assert_wfbss_error(wfbss(emulator, "POST", WFBSS_BASE + "customers/groups?cids=" + ACME), 405, "MethodNotAllowed")
