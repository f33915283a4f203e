# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The N-sight RMM Data Extraction API: GET /api/?apikey=...&service=...

Callers hold the state lock around handle(). Every answer is HTTP 200 with an
XML envelope, status="OK" or status="FAIL", as the vendor pages show.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hmac
import re

import nsight_catalog
from http_reply import forbidden_reply, xml_reply
from nsight_xml import action_failure, action_ok, cdata_element, container, element, envelope, error
from seed_data import BITDEFENDER, CAPABILITY_FLAGS, CHECKCOUNT_FIELDS, VIPRE, client_listing_facts, new_scan, timestamp, utc_now

ENGINES = {"1": VIPRE, "2": BITDEFENDER}
DEFAULT_ENGINE = "2"
DEVICE_TYPES = ("server", "workstation")
CLIENT_DEVICE_TYPES = DEVICE_TYPES + ("mobile_device",)
STATUS_TEXT = {
    VIPRE: {"running": "RUNNING", "paused": "PAUSED", "finished": "FINISHED", "cancelled": "CANCELED", "error": "ERROR"},
    # Bitdefender documents no paused value: a paused scan reads "Scan Stopped".
    BITDEFENDER: {"running": "Scan In Progress", "paused": "Scan Stopped", "finished": "Scan Finished Normally",
                  "cancelled": "Scan Aborted", "error": "Scan Aborted"},
}
STATUS_CODE = {
    VIPRE: {"finished": 3, "cancelled": 4, "error": 5, "paused": 6, "running": 7},
    BITDEFENDER: {"finished": 0, "cancelled": 1, "error": 1, "paused": 2, "running": 3},
}
NOT_RUNNING = "Cannot execute action : scan is not running."
UNSUPPORTED = "Unsupported action type"
VAGUE_ERROR = "An error has occurred"
UPDATE_PENDING = "There is already a MAV definition update pending"
LOGIN_FAILED = "Login failed: invalid API key (or wrong regional server)"
DIGITS = re.compile(r"^[0-9]+$")


class NsightError(Exception):
    """An <error> answer: 3 login failed, 4 invalid parameter, 5 missing parameter."""

    def __init__(self, code, message):
        super(NsightError, self).__init__(message)
        self.code = code
        self.message = message


class ActionFailed(Exception):
    """A FAIL answer carrying only <msg>reason</msg>, as actions give."""


def missing(name):
    return NsightError(5, "Missing parameter: %s" % name)


def invalid(name):
    return NsightError(4, "Invalid value for parameter: %s" % name)


def service_name(request):
    return request.query.get("service")


def logged_params(request):
    """The query parameters without the API key, which never reaches the call log."""
    return dict((name, value) for name, value in request.query.items() if name != "apikey")


def handle(state, request):
    if request.method != "GET":
        return forbidden_reply()
    try:
        inner = answer(state, request.query)
        status = "OK"
    except ActionFailed as failure:
        inner, status = action_failure(str(failure)), "FAIL"
    except NsightError as failure:
        inner, status = error(failure.code, failure.message), "FAIL"
    return xml_reply(envelope(request.host, status, inner), status)


def answer(state, params):
    check_api_key(state.credentials.nsight_api_key, params.get("apikey", ""))
    name = required(params, "service")
    if name not in HANDLERS:
        raise invalid("service")
    if wants_description(params):
        return describe(nsight_catalog.SERVICES_BY_NAME[name])
    return HANDLERS[name](state, params)


def check_api_key(expected, given):
    if not hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8")):
        raise NsightError(3, LOGIN_FAILED)


def wants_description(params):
    value = params.get("describe", "").lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise invalid("describe")


# ---- parameters -------------------------------------------------------------

def required(params, name):
    # An empty value counts as missing.
    value = params.get(name, "")
    if value == "":
        raise missing(name)
    return value


def positive_int(params, name):
    value = required(params, name)
    if not DIGITS.match(value) or int(value) <= 0:
        raise invalid(name)
    return int(value)


def lookup(table, params, name):
    record = table.get(positive_int(params, name))
    if record is None:
        raise invalid(name)
    return record


def engine_param(params):
    engine = ENGINES.get(params.get("v", DEFAULT_ENGINE))
    if engine is None:
        raise invalid("v")
    return engine


def details_param(params):
    value = required(params, "details").upper()
    if value not in ("YES", "NO"):
        raise invalid("details")
    return value == "YES"


def choice(params, name, choices):
    value = required(params, name)
    if value not in choices:
        raise invalid(name)
    return value


# ---- describe ---------------------------------------------------------------

def describe(service):
    parameters = "".join(
        "<parameter>%s%s%s%s%s%s</parameter>" % (
            element("name", p.name), element("type", p.type), element("default", p.default),
            element("values", p.values), element("description", p.description), element("required", p.required))
        for p in service.parameters)
    return "<service>%s%s%s<parameters>%s</parameters>%s%s</service>" % (
        element("name", service.name),
        cdata_element("url", nsight_catalog.EXAMPLE_BASE + service.name),
        element("description", service.description),
        parameters,
        cdata_element("example", service.example),
        cdata_element("fielddescriptions", field_table(service.fields)))


def field_table(fields):
    rows = "".join("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % field for field in fields)
    return "<table><tr><th>Field</th><th>Type</th><th>Can Be Empty</th><th>Description</th></tr>%s</table>" % rows


# ---- MAV actions --------------------------------------------------------------

def newest_scan(device):
    """The newest scan, or None; devices without MAV support no scan action at all."""
    if not device["mav"]:
        raise ActionFailed(UNSUPPORTED)
    return device["scans"][0] if device["scans"] else None


def mav_scan_pause(state, params):
    return change_scan_state(lookup(state.devices, params, "deviceid"), "running", "paused")


def mav_scan_resume(state, params):
    return change_scan_state(lookup(state.devices, params, "deviceid"), "paused", "running")


def change_scan_state(device, current, wanted):
    scan = newest_scan(device)
    if scan is None:
        raise ActionFailed(UNSUPPORTED)  # observed quirk: no scans at all
    if scan["state"] != current:
        raise ActionFailed(NOT_RUNNING)  # the documented text, for resume too
    scan["state"] = wanted
    return action_ok()


def mav_scan_start(state, params):
    device = lookup(state.devices, params, "deviceid")
    scan = newest_scan(device)
    if scan is not None and scan["state"] in ("running", "paused"):
        raise ActionFailed(VAGUE_ERROR)
    device["scans"].insert(0, new_scan("running", utc_now()))
    return action_ok()


def mav_scan_cancel(state, params):
    scan = newest_scan(lookup(state.devices, params, "deviceid"))
    if scan is None or scan["state"] not in ("running", "paused"):
        raise ActionFailed(VAGUE_ERROR)
    scan["state"] = "cancelled"
    scan["end"] = timestamp(utc_now())
    return action_ok()


def mav_definitions_update(state, params):
    device = lookup(state.devices, params, "deviceid")
    if device["engine"] != BITDEFENDER:
        raise ActionFailed(UNSUPPORTED)
    if device["id"] in state.pending_definition_updates:
        raise ActionFailed(UPDATE_PENDING)
    state.pending_definition_updates.add(device["id"])
    return action_ok()


# ---- MAV scan lists -------------------------------------------------------------

def listed_scans(device, engine):
    """Scans as list services show them: only the engine asked for; hidden_running drops running ones (observed quirk)."""
    if device["engine"] != engine:
        return []
    return [scan for scan in device["scans"] if not (device["hidden_running"] and scan["state"] == "running")]


def scan_times(scan):
    times = element("start", scan["start"])
    return times + element("end", scan["end"]) if scan["end"] else times


def list_mav_scans(state, params):
    device = lookup(state.devices, params, "deviceid")
    details = details_param(params)
    engine = engine_param(params)
    return container("items", [scan_row(scan, engine, details) for scan in listed_scans(device, engine)])


def scan_row(scan, engine, details):
    row = [
        cdata_element("type", scan["type"]),
        element("status", STATUS_TEXT[engine][scan["state"]]),
        scan_times(scan),
        element("files_scanned", scan["files_scanned"]),
        element("files_cleaned", scan["files_cleaned"]),
    ]
    if not details:
        row += [element(name, scan[name]) for name in ("threat_count", "quarantine_count", "error_count")]
    return "<scan>%s</scan>" % "".join(row)


def mav_scan_device_list(state, params):
    device = lookup(state.devices, params, "deviceid")
    engine = engine_param(params)
    rows = ["<scan>%s%s%s</scan>" % (cdata_element("type", scan["type"]), element("status", STATUS_CODE[engine][scan["state"]]),
                                     scan_times(scan))
            for scan in listed_scans(device, engine)]
    return container("scans", rows)


# ---- MAV threats and quarantine --------------------------------------------------------
# N-able documents neither the row element nor the fields: README.md, "Guesses".

QUARANTINE_ITEMS = ("CURRENT", "PREVIOUS", "ALL")


def engine_rows(device, engine, key):
    """A device's threats or quarantine as the list services show them: only under the engine asked for."""
    return device[key] if device["engine"] == engine else []


def list_mav_threats(state, params):
    device = lookup(state.devices, params, "deviceid")
    engine = engine_param(params)
    return container("items", ["<threat>%s%s%s%s</threat>" % (
        cdata_element("name", threat["name"]), element("type", threat["type"]), cdata_element("path", threat["path"]),
        element("date", threat["date"])) for threat in engine_rows(device, engine, "threats")])


def list_mav_quarantine(state, params):
    device = lookup(state.devices, params, "deviceid")
    items = required(params, "items").upper()
    if items not in QUARANTINE_ITEMS:
        raise invalid("items")
    engine = engine_param(params)
    rows = [entry for entry in engine_rows(device, engine, "quarantine")
            if items == "ALL" or entry["current"] == (items == "CURRENT")]
    return container("items", ["<item>%s%s%s%s%s</item>" % (
        element("guid", entry["guid"]), cdata_element("name", entry["name"]), cdata_element("path", entry["path"]),
        element("date", entry["date"]), element("status", "quarantined" if entry["current"] else "released"))
        for entry in rows])


# ---- finding devices --------------------------------------------------------------

def devices_where(state, siteid=None, clientid=None, device_type=None):
    """Devices of one site or one client (in id order), optionally of one type, from the state's index."""
    return [device for device in state.devices_of(siteid, clientid) if device_type is None or device["type"] == device_type]


def client_sites(state, client):
    return state.sites_of_client(client["clientid"])


def list_clients(state, params):
    device_type = params.get("devicetype") or None
    if device_type is not None and device_type not in CLIENT_DEVICE_TYPES:
        raise invalid("devicetype")
    rows = []
    for client in sorted(state.clients.values(), key=lambda c: c["clientid"]):
        devices = devices_where(state, clientid=client["clientid"])
        counts = dict((kind, len([d for d in devices if d["type"] == kind])) for kind in CLIENT_DEVICE_TYPES)
        if device_type is None or counts[device_type]:
            rows.append(client_row(client, counts))
    return container("items", rows)


def client_row(client, counts):
    return "<client>%s%s%s%s%s%s%s</client>" % (
        element("clientid", client["clientid"]), cdata_element("name", client["name"]),
        element("server_count", counts["server"]), element("workstation_count", counts["workstation"]),
        element("mobile_device_count", counts["mobile_device"]), element("device_count", sum(counts.values())),
        element("creation_date", client["creation_date"]))


def list_sites(state, params):
    client = lookup(state.clients, params, "clientid")
    return container("items", ["<site>%s%s%s%s%s%s</site>" % (
        element("siteid", site["siteid"]), cdata_element("name", site["name"]), element("connection_ok", site["connection_ok"]),
        element("creation_date", site["creation_date"]), cdata_element("city", site["city"]), element("country", site["country"]))
        for site in client_sites(state, client)])


def list_servers(state, params):
    return list_site_devices(state, params, "server")


def list_workstations(state, params):
    return list_site_devices(state, params, "workstation")


def list_site_devices(state, params, device_type):
    site = lookup(state.sites, params, "siteid")
    return container("items", ["<%s>%s%s%s%s%s</%s>" % (
        device_type, element(device_type + "id", device["id"]), cdata_element("name", device["name"]),
        cdata_element("os", device["os"]), element("ip", device["ip"]), element("online", device["online"]), device_type)
        for device in devices_where(state, siteid=site["siteid"], device_type=device_type)])


def list_devices_at_client(state, params):
    """"Default ordering first by sitename then by devicename"; sites without such devices are left out (a guess)."""
    client = lookup(state.clients, params, "clientid")
    device_type = choice(params, "devicetype", CLIENT_DEVICE_TYPES)
    site_elements = []
    for site in sorted(client_sites(state, client), key=lambda s: (s["name"], s["siteid"])):
        devices = sorted(devices_where(state, siteid=site["siteid"], device_type=device_type), key=lambda d: (d["name"], d["id"]))
        if devices:
            site_elements.append("<site>%s%s%s</site>" % (
                element("id", site["siteid"]), cdata_element("name", site["name"]),
                "".join(client_device_row(device, device_type) for device in devices)))
    return "<items><client>%s%s%s</client></items>" % (
        element("id", client["clientid"]), cdata_element("name", client["name"]), "".join(site_elements))


def client_device_row(device, device_type):
    facts = client_listing_facts(device)
    checks = "".join(element(name, facts["checkcount"][name]) for name in CHECKCOUNT_FIELDS)
    flags = "".join(element(name, facts[name]) for name in CAPABILITY_FLAGS)
    return "<%s>%s%s%s%s%s<checkcount>%s</checkcount>%s</%s>" % (
        device_type, element("id", device["id"]), cdata_element("name", device["name"]),
        cdata_element("username", facts["username"]), cdata_element("description", facts["description"]),
        element("status", facts["status"]), checks, flags, device_type)


HANDLERS = {
    "mav_scan_pause": mav_scan_pause,
    "mav_scan_resume": mav_scan_resume,
    "mav_scan_start": mav_scan_start,
    "mav_scan_cancel": mav_scan_cancel,
    "mav_definitions_update": mav_definitions_update,
    "list_mav_scans": list_mav_scans,
    "mav_scan_device_list": mav_scan_device_list,
    "list_mav_threats": list_mav_threats,
    "list_mav_quarantine": list_mav_quarantine,
    "list_clients": list_clients,
    "list_sites": list_sites,
    "list_servers": list_servers,
    "list_workstations": list_workstations,
    "list_devices_at_client": list_devices_at_client,
}
