# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test-control API under /_emulator/: JSON in and out, never any credentials.

It is the emulator's own, not a vendor API; README.md lists the endpoints.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re

from fault_injection import parse_fault
from http_reply import json_reply
from rate_limit import DEFAULT_WINDOW

DEVICE_FIELDS = ("scan", "hidden_running")
RATE_LIMIT_FIELDS = ("limit", "window")


class ControlError(Exception):
    def __init__(self, status, message):
        super(ControlError, self).__init__(message)
        self.status = status


def handle(state, request):
    path = request.path.rstrip("/")
    for pattern, methods in ROUTES:
        match = pattern.match(path)
        if match is None:
            continue
        if request.method not in methods:
            return json_reply(405, {"error": "%s accepts %s" % (path, ", ".join(sorted(methods)))})
        try:
            return json_reply(200, methods[request.method](state, request, **match.groupdict()))
        except ControlError as failure:
            return json_reply(failure.status, {"error": str(failure)})
    return json_reply(404, {"error": "no such control endpoint: %s" % path})


def json_body(request):
    if not request.body:
        return {}
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except ValueError as failure:
        raise ControlError(400, "the body is not JSON: %s" % failure)
    if not isinstance(payload, dict):
        raise ControlError(400, "the body must be a JSON object")
    return payload


def get_calls(state, request):
    return state.calls_snapshot()


def delete_calls(state, request):
    state.clear_calls()
    return []


def reset(state, request):
    state.reset()
    return {"reset": True}


def get_faults(state, request):
    with state.lock:
        return [fault.to_dict() for fault in state.faults]


def add_fault(state, request):
    try:
        fault = parse_fault(json_body(request))
    except ValueError as failure:
        raise ControlError(400, str(failure))
    state.add_fault(fault)
    return fault.to_dict()


def delete_faults(state, request):
    state.clear_faults()
    return []


def list_devices(state, request):
    with state.lock:
        return [state.device_snapshot(deviceid) for deviceid in sorted(state.devices)]


def get_device(state, request, deviceid):
    try:
        return state.device_snapshot(int(deviceid))
    except KeyError:
        raise ControlError(404, "no device %s" % deviceid)


def put_device(state, request, deviceid):
    payload = json_body(request)
    unknown = sorted(set(payload) - set(DEVICE_FIELDS))
    if unknown:
        raise ControlError(400, "unknown field(s): %s (allowed: %s)" % (", ".join(unknown), ", ".join(DEVICE_FIELDS)))
    hidden_running = payload.get("hidden_running")
    if hidden_running is not None and not isinstance(hidden_running, bool):
        raise ControlError(400, "hidden_running must be true or false")
    try:
        return state.set_scan(int(deviceid), payload.get("scan"), hidden_running)
    except KeyError:
        raise ControlError(404, "no device %s" % deviceid)
    except ValueError as failure:
        raise ControlError(400, str(failure))


def get_clock(state, request):
    return {"offset": state.clock_offset, "now": state.wfbss_clock()}


def set_clock(state, request):
    offset = json_body(request).get("offset")
    if isinstance(offset, bool) or not isinstance(offset, (int, float)):
        raise ControlError(400, "offset must be a number of seconds")
    state.set_clock_offset(offset)
    return get_clock(state, request)


def get_tasks(state, request):
    return state.tasks_snapshot()


def get_rate_limit(state, request):
    return state.nsight_rate_limit_stats()


def put_rate_limit(state, request):
    payload = json_body(request)
    unknown = sorted(set(payload) - set(RATE_LIMIT_FIELDS))
    if unknown:
        raise ControlError(400, "unknown field(s): %s (allowed: %s)" % (", ".join(unknown), ", ".join(RATE_LIMIT_FIELDS)))
    if "limit" not in payload:
        raise ControlError(400, "limit is required: a whole number of calls, or null or 0 for no limit")
    try:
        return state.set_nsight_rate_limit(payload["limit"], payload.get("window", DEFAULT_WINDOW))
    except ValueError as failure:
        raise ControlError(400, str(failure))


ROUTES = [
    (re.compile(r"^/_emulator/calls$"), {"GET": get_calls, "DELETE": delete_calls}),
    (re.compile(r"^/_emulator/reset$"), {"POST": reset}),
    (re.compile(r"^/_emulator/faults$"), {"GET": get_faults, "POST": add_fault, "DELETE": delete_faults}),
    (re.compile(r"^/_emulator/devices$"), {"GET": list_devices}),
    (re.compile(r"^/_emulator/devices/(?P<deviceid>[0-9]+)$"), {"GET": get_device, "PUT": put_device}),
    (re.compile(r"^/_emulator/clock$"), {"GET": get_clock, "POST": set_clock}),
    (re.compile(r"^/_emulator/wfbss/tasks$"), {"GET": get_tasks}),
    (re.compile(r"^/_emulator/nsight/rate-limit$"), {"GET": get_rate_limit, "PUT": put_rate_limit}),
]
