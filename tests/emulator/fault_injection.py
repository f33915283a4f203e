# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults that tests queue through POST /_emulator/faults, and the answers they produce."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import math

import fault_bodies
import nsight_xml
from http_reply import HTML_TYPE, JSON_TYPE, XML_TYPE, Reply, StreamedReply, dropped_reply, html_reply, json_reply

APIS = ("nsight", "wfbss", "any")
# The kinds hardening tests need: misbehaving transports and bodies, the same on both APIs.
HARDENING_KINDS = ("redirect", "lost", "huge", "endless", "drip", "gzip_bomb")
KINDS_BY_API = {
    "nsight": ("latency", "status", "drop", "malformed", "entity", "error") + HARDENING_KINDS,
    "wfbss": ("latency", "status", "drop", "malformed", "html_error", "message_error") + HARDENING_KINDS,
}
PERFORMING_KINDS = ("lost", "drip")  # these run the real request, then spoil its answer
FIELDS = ("api", "service", "kind", "status", "retry_after", "delay", "count", "code", "subject", "message", "location", "size")
DEFAULT_STATUS = {"status": 503, "html_error": 500, "message_error": 500, "redirect": 302, "huge": 400}
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
DEFAULT_DELAYS = {"lost": 0, "drip": 0.5}
DEFAULT_DELAY = 1.0  # every other kind (only latency uses it)
DEFAULT_LOCATION = "http://127.0.0.1:9/elsewhere"  # the discard port: nothing answers there
DEFAULT_SIZES = {"huge": 100 * 1024 * 1024, "gzip_bomb": 1024 * 1024 * 1024}
MIN_SIZE = 1024
MAX_SIZE = 4 * 1024 * 1024 * 1024
# Fixed, so that one compressed bomb per size serves every request; a valid start, then spaces.
GZIP_BOMB_HEADS = {"nsight": nsight_xml.XML_DECLARATION.encode("ascii") + b'<result status="OK"><items>', "wfbss": b'{"customers": ['}
REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
WFBSS_SUBJECTS = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}
ENTITY_DOCTYPE = '<!DOCTYPE result [<!ENTITY boom "x">]>\n'


class Fault:
    def __init__(self, kind, api="any", service=None, status=None, retry_after=None, delay=None, count=1,
                 code=None, subject=None, message=None, location=None, size=None):
        self.kind = kind
        # kind "error": the N-sight <error> code and message; wfbss "status": the error_subject and error_message.
        self.code = code
        self.subject = subject
        self.message = message
        self.api = api
        self.service = service
        self.status = status if status is not None else DEFAULT_STATUS.get(kind)
        self.retry_after = retry_after
        self.delay = delay if delay is not None else DEFAULT_DELAYS.get(kind, DEFAULT_DELAY)
        self.count = count  # requests still to hit; 0 = forever
        self.location = location  # redirect: the Location header
        self.size = size  # huge, gzip_bomb: body bytes (inflated, for the bomb)

    @property
    def performs_request(self):
        return self.kind in PERFORMING_KINDS

    def matches(self, api, service):
        return (self.api in (api, "any") and self.kind in KINDS_BY_API[api]
                and (self.service is None or self.service == service))

    def consume(self):
        """Count one hit; return True when the fault is used up."""
        if self.count == 0:
            return False
        self.count -= 1
        return self.count == 0

    def to_dict(self):
        return {"kind": self.kind, "api": self.api, "service": self.service, "status": self.status,
                "retry_after": self.retry_after, "delay": self.delay, "count": self.count, "code": self.code,
                "subject": self.subject, "message": self.message, "location": self.location, "size": self.size}


def whole_number(payload, name, default, minimum, maximum=None):
    value = payload.get(name, default)
    if value is None and default is None:
        return None
    # bool is an int in Python, but true/false is surely a mistake here.
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (maximum is not None and value > maximum):
        raise ValueError("%s must be an integer from %d%s" % (name, minimum, "" if maximum is None else " to %d" % maximum))
    return value


def parse_fault(payload):
    """Validate a POST /_emulator/faults body; raise ValueError saying what is wrong."""
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(payload) - set(FIELDS))
    if unknown:
        raise ValueError("unknown field(s): %s" % ", ".join(unknown))
    api = payload.get("api", "any")
    if api not in APIS:
        raise ValueError("api must be one of %s" % ", ".join(APIS))
    kind = payload.get("kind")
    kinds = KINDS_BY_API["nsight"] + KINDS_BY_API["wfbss"] if api == "any" else KINDS_BY_API[api]
    if kind not in kinds:
        raise ValueError("kind must be one of %s for api %s" % (", ".join(sorted(set(kinds))), api))
    service = payload.get("service")
    if service is not None and not isinstance(service, str):
        raise ValueError("service must be a string")
    delay = payload.get("delay", DEFAULT_DELAYS.get(kind, DEFAULT_DELAY))
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not math.isfinite(delay) or delay < 0:
        raise ValueError("delay must be a number of seconds >= 0")
    for name in ("subject", "message"):
        if payload.get(name) is not None and not isinstance(payload[name], str):
            raise ValueError("%s must be a string" % name)
    location = payload.get("location", DEFAULT_LOCATION if kind == "redirect" else None)
    if location is not None and (not isinstance(location, str) or not location.strip() or "\r" in location or "\n" in location):
        raise ValueError("location must be a non-empty string without line breaks")
    status = whole_number(payload, "status", DEFAULT_STATUS.get(kind), 100, 599)
    if kind == "redirect" and status not in REDIRECT_STATUSES:
        raise ValueError("status must be one of %s for kind redirect" % ", ".join(str(code) for code in REDIRECT_STATUSES))
    code = whole_number(payload, "code", 4 if kind == "error" else None, 1)
    size = whole_number(payload, "size", DEFAULT_SIZES.get(kind), MIN_SIZE, MAX_SIZE)
    fault = Fault(kind, api, service, status, whole_number(payload, "retry_after", None, 0), delay, whole_number(payload, "count", 1, 0),
                  code=code, subject=payload.get("subject"), message=payload.get("message"), location=location, size=size)
    if kind == "gzip_bomb":
        # Built now (seconds per GiB, then kept), so that the request the fault hits is answered at once.
        for bomb_api in ("nsight", "wfbss") if api == "any" else (api,):
            fault_bodies.gzip_bomb(GZIP_BOMB_HEADS[bomb_api], size)
    return fault


def fault_reply(fault, api, host, performed=None):
    """The answer a matched fault gives instead of the real one (latency is handled by the caller).

    `performed` is the real answer, for the kinds that run the request first (lost, drip).
    """
    if fault.kind == "drop":
        return dropped_reply()
    if fault.kind == "lost":
        return dropped_reply(fault.delay, performed.api_status)
    if fault.kind == "drip":
        reply = StreamedReply(performed.status, fault_bodies.dripped(performed.body, fault.delay), len(performed.body),
                              performed.content_type, performed.headers, performed.api_status)
    else:
        reply = REPLY_BUILDERS[(api, fault.kind)](fault, host)
    if fault.retry_after is not None:
        reply.headers["Retry-After"] = str(fault.retry_after)
    return reply


def wfbss_error_body(status, subject=None, message=None):
    return {"error_subject": subject or WFBSS_SUBJECTS.get(status, "InternalError"),
            "error_message": message or "Emulated fault: HTTP %d" % status}


def nsight_status(fault, host):
    return html_reply(fault.status, REASONS.get(fault.status, "Error"))


def nsight_malformed(fault, host):
    whole = nsight_xml.envelope(host, "OK", "<items><scan><type>%s</type></scan></items>" % nsight_xml.cdata("Quick Scan"))
    return Reply(200, whole[:len(whole) // 2], XML_TYPE)


def nsight_entity(fault, host):
    # A parser that expands entities would read "x"; a safe one refuses the document.
    body = nsight_xml.envelope(host, "FAIL", "<msg>&boom;</msg>", doctype=ENTITY_DOCTYPE)
    return Reply(200, body, XML_TYPE)


def nsight_error(fault, host):
    # A documented <error> envelope (codes 3, 4, 5) that the real request could not provoke.
    inner = nsight_xml.error(fault.code, fault.message or "Emulated error %d" % fault.code)
    return Reply(200, nsight_xml.envelope(host, "FAIL", inner), XML_TYPE, api_status="FAIL")


def wfbss_status(fault, host):
    return json_reply(fault.status, wfbss_error_body(fault.status, fault.subject, fault.message))


def wfbss_malformed(fault, host):
    whole = json.dumps({"task": {"status": "PENDING", "id": "00000000-0000-4000-8000-000000000000"}})
    return Reply(200, whole[:len(whole) // 2])


def wfbss_html_error(fault, host):
    return Reply(fault.status, json.dumps(wfbss_error_body(fault.status)), HTML_TYPE)


def wfbss_message_error(fault, host):
    return json_reply(fault.status, {"message": "Emulated fault: HTTP %d" % fault.status})


def redirect(fault, host):
    return Reply(fault.status, b"", None, {"Location": fault.location})


def nsight_huge(fault, host):
    head = (nsight_xml.envelope_head(host, "FAIL") + "<msg>").encode("utf-8")
    chunks, length = fault_bodies.padded(head, ("</msg>" + nsight_xml.ENVELOPE_TAIL).encode("ascii"), fault.size, b"A")
    return StreamedReply(200, chunks, length, XML_TYPE)


def wfbss_huge(fault, host):
    chunks, length = fault_bodies.padded(b'{"error_subject": "InvalidParameters", "error_message": "', b'"}', fault.size, b"A")
    return StreamedReply(fault.status, chunks, length, JSON_TYPE)


def nsight_endless(fault, host):
    head = (nsight_xml.envelope_head(host, "OK") + "<items>").encode("utf-8")
    return StreamedReply(200, fault_bodies.endless(head, b" "), None, XML_TYPE)


def wfbss_endless(fault, host):
    return StreamedReply(200, fault_bodies.endless(b'{"customers": [', b" "), None, JSON_TYPE)


def nsight_gzip_bomb(fault, host):
    return Reply(200, fault_bodies.gzip_bomb(GZIP_BOMB_HEADS["nsight"], fault.size), XML_TYPE, {"Content-Encoding": "gzip"})


def wfbss_gzip_bomb(fault, host):
    return Reply(200, fault_bodies.gzip_bomb(GZIP_BOMB_HEADS["wfbss"], fault.size), JSON_TYPE, {"Content-Encoding": "gzip"})


REPLY_BUILDERS = {
    ("nsight", "status"): nsight_status,
    ("nsight", "malformed"): nsight_malformed,
    ("nsight", "entity"): nsight_entity,
    ("nsight", "error"): nsight_error,
    ("wfbss", "status"): wfbss_status,
    ("wfbss", "malformed"): wfbss_malformed,
    ("wfbss", "html_error"): wfbss_html_error,
    ("wfbss", "message_error"): wfbss_message_error,
    ("nsight", "redirect"): redirect,
    ("wfbss", "redirect"): redirect,
    ("nsight", "huge"): nsight_huge,
    ("wfbss", "huge"): wfbss_huge,
    ("nsight", "endless"): nsight_endless,
    ("wfbss", "endless"): wfbss_endless,
    ("nsight", "gzip_bomb"): nsight_gzip_bomb,
    ("wfbss", "gzip_bomb"): wfbss_gzip_bomb,
}
