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
    return start_task(state, "reset", type=reset_type, cids=cids, events=events)


def scan_command(state, request):
    refuse_body(request)
    scan_type = choice(request.query, "type", ("start", "stop"))
    return start_task(state, "scan", type=scan_type, cids=customer_ids(request.query), gids=group_ids(request.query))


def update_command(state, request):
    refuse_body(request)
    return start_task(state, "update", cids=customer_ids(request.query), gids=group_ids(request.query))


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
    known = dict((customer["id"].upper(), customer["id"]) for customer in state.customers)
    cids = [known[cid.upper()] for cid in customer_ids(request.query) if cid.upper() in known]
    return {"customers": [{"id": cid, "groups": customer_groups(cid)} for cid in cids]}


COMMANDS = {
    "commands/reset": {"POST": reset_command},
    "commands/scan": {"POST": scan_command},
    "commands/update": {"POST": update_command},
    "customers": {"GET": list_customers},
    "customers/groups": {"GET": list_customer_groups},
}
