# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults that tests queue through POST /_emulator/faults, and the answers they produce."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import nsight_xml
from http_reply import HTML_TYPE, XML_TYPE, Reply, dropped_reply, html_reply, json_reply

APIS = ("nsight", "wfbss", "any")
KINDS_BY_API = {
    "nsight": ("latency", "status", "drop", "malformed", "entity", "error"),
    "wfbss": ("latency", "status", "drop", "malformed", "html_error", "message_error"),
}
DEFAULT_STATUS = {"status": 503, "html_error": 500, "message_error": 500}
DEFAULT_DELAY = 1.0
REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
WFBSS_SUBJECTS = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}
ENTITY_DOCTYPE = '<!DOCTYPE result [<!ENTITY boom "x">]>\n'


class Fault:
    def __init__(self, kind, api="any", service=None, status=None, retry_after=None, delay=DEFAULT_DELAY, count=1,
                 code=None, subject=None, message=None):
        self.kind = kind
        # kind "error": the N-sight <error> code and message; wfbss "status": the error_subject and error_message.
        self.code = code
        self.subject = subject
        self.message = message
        self.api = api
        self.service = service
        self.status = status if status is not None else DEFAULT_STATUS.get(kind)
        self.retry_after = retry_after
        self.delay = delay
        self.count = count  # requests still to hit; 0 = forever

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
                "subject": self.subject, "message": self.message}


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
    unknown = sorted(set(payload) - {"api", "service", "kind", "status", "retry_after", "delay", "count", "code", "subject", "message"})
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
    delay = payload.get("delay", DEFAULT_DELAY)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ValueError("delay must be a number of seconds >= 0")
    for name in ("subject", "message"):
        if payload.get(name) is not None and not isinstance(payload[name], str):
            raise ValueError("%s must be a string" % name)
    code = whole_number(payload, "code", 4 if kind == "error" else None, 1)
    return Fault(kind, api, service, whole_number(payload, "status", DEFAULT_STATUS.get(kind), 100, 599),
                 whole_number(payload, "retry_after", None, 0), delay, whole_number(payload, "count", 1, 0),
                 code=code, subject=payload.get("subject"), message=payload.get("message"))


def fault_reply(fault, api, host):
    """The answer a matched fault gives instead of the real one (latency is handled by the caller)."""
    if fault.kind == "drop":
        return dropped_reply()
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


REPLY_BUILDERS = {
    ("nsight", "status"): nsight_status,
    ("nsight", "malformed"): nsight_malformed,
    ("nsight", "entity"): nsight_entity,
    ("nsight", "error"): nsight_error,
    ("wfbss", "status"): wfbss_status,
    ("wfbss", "malformed"): wfbss_malformed,
    ("wfbss", "html_error"): wfbss_html_error,
    ("wfbss", "message_error"): wfbss_message_error,
}
