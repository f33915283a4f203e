# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Trend Micro WFBSS service-management API: /SMPI/{version}/service/wfbss/api/...

Callers hold the state lock around handle(). Checks run in this order: path
and version, headers, content type, access token, posix time, signature,
then the command and its parameters.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import datetime
import hashlib
import hmac
import re
import uuid

import wfbss_seed_data
from http_reply import json_reply
from seed_data import customer_groups

PATH = re.compile(r"^/SMPI/(?P<version>[^/]+)/service/wfbss/api/(?P<command>.+?)/?$")
VERSIONS = ("v2.6", "v2.7", "v2.8")
MAX_CLOCK_SKEW = 15 * 60
MAX_CIDS = 10
MAX_LIMIT = 100
SIGNED_INTEGER = re.compile(r"^-?[0-9]+$")
DIGITS = re.compile(r"^[0-9]+$")
REQUIRED_HEADERS = [
    ("x-access-token", "MissingHeaderAccessToken"),
    ("x-posix-time", "MissingHeaderPosixTime"),
    ("x-signature", "MissingHeaderSignature"),
    ("x-traceid", "MissingHeaderTraceID"),
]
EVENTS = (
    "virus_incidents", "spyware_incidents", "wtp_incidents", "urlfilter_incidents", "behavior_monitoring_incidents",
    "network_virus_incidents", "virus_unsuccessful", "spyware_unsuccessful", "device_control_incidents",
)
CIDS_RULE = "At least one customer ID must be specified, and no more than 10."
ONE_CID_RULE = "Only accept one Customer ID"
CCIDS_RULE = "The number of ccids must less than 100. ccids beyond that will be ignored."
MAX_CCIDS = 99  # "must less than 100": the rest are ignored, not refused
LIVESTATUS_LIMIT = 25
# The components fields, in the published order; extra fields come only when asked for.
COMPONENT_FIELDS = (
    "aa", "ip_addr", "platform", "arch", "components", "version", "scan_mode", "ss_service", "pop3_scan", "virus_detected",
    "spyware_detected", "spam_detected", "urlfilter_violated", "type", "status", "phone_number", "mac_addr", "last_connect_time",
    "sched_start_time", "sched_complete_time", "manual_start_time", "manual_complete_time",
)
EXTRA_FIELDS = ("group_name", "label", "out_of_date")
COMPUTER_ROW_FIELDS = ("ipaddr", "gid", "type", "name", "cid")


class WfbssError(Exception):
    def __init__(self, status, subject, message):
        super(WfbssError, self).__init__(message)
        self.status = status
        self.subject = subject
        self.message = message

    def reply(self):
        return json_reply(self.status, {"error_subject": self.subject, "error_message": self.message})


def invalid_parameter(field, rule):
    return WfbssError(400, "InvalidParameters", "Invalid parameter %s: %s" % (field, rule))


def service_name(request):
    """The command part of the path ("commands/reset", "customers"...), for faults and the call log."""
    match = PATH.match(request.path)
    return match.group("command") if match else None


def logged_params(request):
    return dict(request.query)


def handle(state, request):
    try:
        command = route_path(request.path)
        authenticate(state, request)
        return json_reply(200, find_command(request.method, command)(state, request))
    except WfbssError as failure:
        return failure.reply()


def route_path(path):
    match = PATH.match(path)
    if not match:
        raise WfbssError(404, "NotFound", "No such resource: %s" % path)
    if match.group("version") not in VERSIONS:
        raise WfbssError(404, "NotFound", "Unsupported API version: %s (use one of %s)" % (match.group("version"), ", ".join(VERSIONS)))
    return match.group("command")


def find_command(method, command):
    methods = COMMANDS.get(command)
    if methods is None:
        raise WfbssError(404, "NotFound", "No such resource: %s" % command)
    if method not in methods:
        raise WfbssError(405, "MethodNotAllowed", "%s does not accept %s" % (command, method))
    return methods[method]


# ---- authentication ---------------------------------------------------------

def authenticate(state, request):
    headers = request.headers
    for name, subject in REQUIRED_HEADERS:
        if not headers.get(name):
            raise WfbssError(400, subject, "Missing header: %s" % name)
    media_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise WfbssError(415, "InvalidHeaderContentType", "content-type must be application/json")
    if not same_text(headers["x-access-token"], state.credentials.wfbss_access_token):
        raise WfbssError(401, "AuthenticationFailureAccessToken", "Unknown access token")
    check_posix_time(headers["x-posix-time"], state.wfbss_clock())
    expected = signature(state.credentials.wfbss_secret_key, headers["x-posix-time"], request.method, request.raw_uri, request.body)
    if not same_text(headers["x-signature"], expected):
        raise WfbssError(401, "AuthenticationFailureSignature", "The signature does not match the request")


def check_posix_time(value, clock):
    if not SIGNED_INTEGER.match(value.strip()):
        raise WfbssError(401, "AuthenticationFailurePosixTime", "x-posix-time must be whole Unix seconds")
    if abs(clock - int(value)) > MAX_CLOCK_SKEW:
        raise WfbssError(401, "AuthenticationFailurePosixTime", "x-posix-time is more than 15 minutes from the server clock")


def signature(secret_key, posix_time, method, request_uri, body):
    """base64(HMAC-SHA256(secret, posix_time + METHOD + request_uri [+ base64(md5(body))]))."""
    message = posix_time + method.upper() + request_uri
    if body:
        message += base64.b64encode(hashlib.md5(body).digest()).decode("ascii")
    # http.server decodes the request line as latin-1, so encoding back gives the bytes the client signed.
    digest = hmac.new(secret_key.encode("utf-8"), message.encode("latin-1", "replace"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def same_text(given, expected):
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


# ---- parameters -----------------------------------------------------------------

def comma_list(query, field, rule, allowed=None, maximum=None):
    """A required comma list without empty items, optionally bounded in size and checked against allowed values."""
    items = [item.strip() for item in query.get(field, "").split(",")]
    if not all(items) or (maximum is not None and len(items) > maximum):
        raise invalid_parameter(field, rule)
    if allowed is not None and not set(items) <= set(allowed):
        raise invalid_parameter(field, rule)
    return items


def customer_ids(query):
    return comma_list(query, "cids", CIDS_RULE, maximum=MAX_CIDS)


def group_ids(query):
    if "gids" not in query:
        return None
    return comma_list(query, "gids", "A list of group IDs separated by comma.")


def choice(query, field, choices):
    value = query.get(field)
    if value not in choices:
        raise invalid_parameter(field, "must be %s" % " or ".join(choices))
    return value


def bounded_int(query, field, default, minimum, maximum=None):
    value = query.get(field, str(default))
    if not DIGITS.match(value) or int(value) < minimum or (maximum is not None and int(value) > maximum):
        raise invalid_parameter(field, "must be an integer from %d%s" % (minimum, "" if maximum is None else " to %d" % maximum))
    return int(value)


def integer(query, field, rule):
    value = query.get(field, "")
    if not SIGNED_INTEGER.match(value):
        raise invalid_parameter(field, rule)
    return int(value)


def paging(query, default_limit):
    """(page, limit) of a listing: page >= 1 (default 1), limit 1-100."""
    return bounded_int(query, "page", 1, 1), bounded_int(query, "limit", default_limit, 1, MAX_LIMIT)


def page_of(rows, page, limit):
    first = (page - 1) * limit
    return rows[first:first + limit]


def paging_answer(total, page, limit):
    return {"total": total, "limit": limit, "page": page}


def refuse_body(request):
    if request.body:
        raise invalid_parameter("body", "Do not supply a request body with this method.")


# ---- commands -------------------------------------------------------------------

def start_task(state, command, **details):
    """Store an asynchronous task; the API has no endpoint to read it back, so it stays PENDING."""
    task_id = str(uuid.uuid4())
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    state.add_task(dict(id=task_id, status="PENDING", command=command, created=created, **details))
    return {"task": {"status": "PENDING", "id": task_id}}


def reset_command(state, request):
    refuse_body(request)
    query = request.query
    reset_type = choice(query, "type", ("counter", "livestatus"))
    cids = customer_ids(query)
    events = None
    if reset_type == "livestatus":
        # The page: events is only effective with livestatus; without it every event is reset.
        events = comma_list(query, "events", "Valid values: " + ", ".join(EVENTS), allowed=EVENTS) if "events" in query else list(EVENTS)
        reset_livestatus(state, cids, events)
    return start_task(state, "reset", type=reset_type, cids=cids, events=events)


def scan_command(state, request):
    refuse_body(request)
    scan_type = choice(request.query, "type", ("start", "stop"))
    cids, gids = customer_ids(request.query), group_ids(request.query)
    mark_scans(state, scan_type, cids, gids)
    return start_task(state, "scan", type=scan_type, cids=cids, gids=gids)


def update_command(state, request):
    refuse_body(request)
    cids, gids = customer_ids(request.query), group_ids(request.query)
    mark_updated(state, cids, gids)
    return start_task(state, "update", cids=cids, gids=gids)


# ---- what commands change (at once; the emulator's guesses: README.md, "Guesses") -------------

def known_customers(state):
    """Customers by upper-case id: ids are matched without regard to letter case."""
    return dict((customer["id"].upper(), customer) for customer in state.customers)


def known_cids(state, cids):
    known = known_customers(state)
    return [known[cid.upper()]["id"] for cid in cids if cid.upper() in known]


def reset_livestatus(state, cids, events):
    """Each event's livestatus key goes green with no incidents; the *_unsuccessful events have no visible key."""
    now = int(state.wfbss_clock())
    keys = [wfbss_seed_data.RESET_EVENT_KEYS[event] for event in events if wfbss_seed_data.RESET_EVENT_KEYS[event]]
    for cid in known_cids(state, cids):
        status = state.livestatus[cid]
        for key in keys:
            status[key] = wfbss_seed_data.event_status(0, 0, now)
        status["update_time"] = now


def chosen_computers(state, cids, gids):
    """The computers of the known customers among cids, only of the groups gids names when given."""
    return [computer for cid in known_cids(state, cids) for computer in state.computers[cid]
            if gids is None or str(computer["gid"]) in gids]


def mark_scans(state, scan_type, cids, gids):
    now = int(state.wfbss_clock())
    for computer in chosen_computers(state, cids, gids):
        if scan_type == "start":
            computer["manual_start_time"], computer["manual_complete_time"] = now, 0
        else:
            computer["manual_complete_time"] = now


def mark_updated(state, cids, gids):
    now = int(state.wfbss_clock())
    for computer in chosen_computers(state, cids, gids):
        computer.update(wfbss_seed_data.updated_fields())
        computer["last_connect_time"] = now


def list_customers(state, request):
    query = request.query
    limit = bounded_int(query, "limit", MAX_LIMIT, 1, MAX_LIMIT)
    page = bounded_int(query, "page", 1, 1)
    keyword = query.get("q", "").lower()
    matching = [customer for customer in state.customers if keyword in customer["name"].lower()]
    first = (page - 1) * limit
    return {"paging": {"total": len(matching), "limit": limit, "page": page}, "customers": matching[first:first + limit]}


def list_customer_groups(state, request):
    """Groups of the known customers among cids; unknown ids are left out."""
    return {"customers": [{"id": cid, "groups": customer_groups()} for cid in known_cids(state, customer_ids(request.query))]}


# ---- read services: customers/computers, customers/livestatus, components ----------------------

def selected_customers(state, query):
    """cids given: 1 to 10 ids, the known ones once each in the order asked; no cids: every customer."""
    if "cids" not in query:
        return list(state.customers)
    known = known_customers(state)
    chosen = []
    for cid in customer_ids(query):
        customer = known.get(cid.upper())
        if customer is not None and customer not in chosen:
            chosen.append(customer)
    return chosen


def list_customer_computers(state, request):
    """Paging counts devices: a page holds devices [first:first + limit] in customer order, grouped per customer."""
    refuse_body(request)
    customers = selected_customers(state, request.query)
    page, limit = paging(request.query, MAX_LIMIT)
    rows = [(customer, computer) for customer in customers for computer in state.computers[customer["id"]]]
    grouped = []
    for customer, computer in page_of(rows, page, limit):
        if not grouped or grouped[-1]["id"] != customer["id"]:
            grouped.append({"total": len(state.computers[customer["id"]]), "id": customer["id"], "eid": customer["eid"], "computers": []})
        grouped[-1]["computers"].append(dict((field, computer[field]) for field in COMPUTER_ROW_FIELDS))
    return {"paging": paging_answer(len(rows), page, limit), "customers": grouped}


def list_customer_livestatus(state, request):
    """Paging counts customers; begin_time keeps those whose livestatus was updated after it."""
    refuse_body(request)
    query = request.query
    customers = selected_customers(state, query)
    page, limit = paging(query, LIVESTATUS_LIMIT)
    if "begin_time" in query:
        begin_time = integer(query, "begin_time", "Unix timestamp (seconds since 1970-01-01 00:00:00 UTC)")
        customers = [customer for customer in customers if state.livestatus[customer["id"]]["update_time"] > begin_time]
    return {"paging": paging_answer(len(customers), page, limit),
            "customers": [{"id": customer["id"], "livestatus": state.livestatus[customer["id"]]} for customer in page_of(customers, page, limit)]}


def list_components(state, request):
    """The answer's shape is not published: ours is customers/computers's (README.md, "Guesses")."""
    refuse_body(request)
    query = request.query
    cid = one_customer_id(query)
    ccids = comma_list(query, "ccids", CCIDS_RULE)[:MAX_CCIDS] if "ccids" in query else None
    fields = optional_fields(query, "fields", COMPONENT_FIELDS) or COMPONENT_FIELDS
    extra_fields = optional_fields(query, "extra_fields", EXTRA_FIELDS) or ()
    page, limit = paging(query, MAX_LIMIT)
    customer = known_customers(state).get(cid.upper())
    computers = state.computers[customer["id"]] if customer else []
    if ccids is not None:
        wanted = set(ccids)
        computers = [computer for computer in computers if computer["cid"] in wanted]
    rows = [component_row(computer, fields, extra_fields) for computer in page_of(computers, page, limit)]
    return {"paging": paging_answer(len(computers), page, limit),
            "customers": [{"id": customer["id"], "computers": rows}] if computers else []}


def one_customer_id(query):
    cids = [cid.strip() for cid in query.get("cids", "").split(",")]
    if len(cids) != 1 or not cids[0]:
        raise invalid_parameter("cids", ONE_CID_RULE)
    return cids[0]


def optional_fields(query, name, allowed):
    """The fields named, in the order given, or None when the parameter is absent."""
    if name not in query:
        return None
    return comma_list(query, name, "Valid values: " + ", ".join(allowed), allowed=allowed)


def component_row(computer, fields, extra_fields):
    row = {"cid": computer["cid"]}
    row.update((field, computer[field]) for field in tuple(fields) + tuple(extra_fields))
    return row


COMMANDS = {
    "commands/reset": {"POST": reset_command},
    "commands/scan": {"POST": scan_command},
    "commands/update": {"POST": update_command},
    "customers": {"GET": list_customers},
    "customers/groups": {"GET": list_customer_groups},
    "customers/computers": {"GET": list_customer_computers},
    "customers/livestatus": {"GET": list_customer_livestatus},
    "components": {"GET": list_components},
}
