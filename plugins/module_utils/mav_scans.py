# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Managed Antivirus scans on top of the N-sight client: finding a device's engine, reading its newest scan,
and putting its scan into a wanted state."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.device_results import ItemResult, StopRule, for_each_item
from ansible_collections.msp.antivirus.plugins.module_utils.errors import MspAntivirusError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import POOL_SIZE, concurrent_map

SCANS_SERVICE = "list_mav_scans"

# Wanted state -> the action service that reaches it.
STATE_SERVICES = {
    "paused": "mav_scan_pause",
    "resumed": "mav_scan_resume",
    "started": "mav_scan_start",
    "cancelled": "mav_scan_cancel",
}
STATE_VERBS = {"paused": "Paused", "resumed": "Resumed", "started": "Started", "cancelled": "Cancelled"}

# list_mav_scans ``v``: ask the default engine (Bitdefender, v omitted) first, then VIPRE.
ENGINES = (("bitdefender", None), ("vipre", 1))
ENGINE_VERSIONS = {"bitdefender": 2, "vipre": 1}

# Raw list_mav_scans status -> normalised state. Bitdefender documents no paused
# value: a paused Bitdefender scan reads "Scan Stopped".
SCAN_STATES = {
    "vipre": {
        "NONE": "none", "PENDING": "pending", "PENDING_AGENT": "pending", "RUNNING": "running",
        "PAUSED": "paused", "FINISHED": "finished", "CANCELED": "cancelled", "ERROR": "error",
    },
    "bitdefender": {
        "Scan In Progress": "running", "Scan Stopped": "paused",
        "Scan Aborted": "cancelled", "Scan Finished Normally": "finished",
    },
}

# FAIL texts that mean the wanted state already holds (documented, and observed),
# for the states they can answer.
NO_OP_TEXTS = ("scan is not running", "unsupported action type")
NO_OP_STATES = ("paused", "resumed", "cancelled")
# The vague FAIL that start and cancel give both for a no-op and for a real failure.
AMBIGUOUS_TEXT = "an error has occurred"
AMBIGUOUS_STATES = ("started", "cancelled")

CHANGE, NO_OP, BLOCKED = "change", "no-op", "blocked"

# The scan states that show an action has taken effect, for settling a lost answer.
REACHED_STATES = {
    "paused": ("paused",),
    "resumed": ("running",),
    "started": ("running", "pending"),
    "cancelled": ("cancelled",),
}


def normalise_status(engine, status):
    """A normalised state for a raw status; an unknown status stays visible as ``unknown``."""
    return SCAN_STATES.get(engine, {}).get((status or "").strip(), "unknown")


def predict(wanted, scan_state):
    """What acting towards ``wanted`` does when the newest scan is in ``scan_state``."""
    if wanted == "paused":
        return CHANGE if scan_state == "running" else NO_OP
    if wanted == "resumed":
        return CHANGE if scan_state == "paused" else NO_OP
    if wanted == "cancelled":
        return CHANGE if scan_state in ("running", "paused") else NO_OP
    # started
    if scan_state in ("running", "pending"):
        return NO_OP
    if scan_state == "paused":
        return BLOCKED
    return CHANGE


class ScanReading:
    """The newest scan of a device as list_mav_scans shows it."""

    def __init__(self, deviceid, engine, rows):
        self.deviceid = deviceid
        self.engine = engine
        self.rows = rows
        self.newest = rows[0] if rows else None
        self.state = normalise_status(engine, self.newest.get("status")) if self.newest else "none"


def find_engine(fetch, engine=None):
    """``(engine, rows)``: the rows ``fetch(v)`` gives for ``engine`` when given, else for the first engine
    that shows any, asking the default (Bitdefender, ``v`` omitted) first and VIPRE (``v=1``) only when
    the default shows nothing; ``(engine, [])`` when none does. Every MAV listing finds the engine this way."""
    engines = ((engine, ENGINE_VERSIONS[engine]),) if engine else ENGINES
    for name, version in engines:
        rows = fetch(version)
        if rows:
            return name, rows
    return engine, []


def read_scans(client, deviceid, details="NO", engine=None):
    """The device's scans: of ``engine`` when given, else of the engine found by asking
    the default first, then the other."""
    name, rows = find_engine(
        lambda version: client.list_mav_scans(deviceid, details=details, engine_version=version), engine)
    return ScanReading(deviceid, name, rows)


def _blocked_msg(deviceid):
    return ("Device {0} has a paused scan, so a new scan cannot start: resume it (state=resumed) or cancel it "
            "(state=cancelled) first.".format(deviceid))


def predict_outcome(client, deviceid, wanted):
    """Check mode: read the newest scan and report what the real run would do, acting on nothing."""
    service = STATE_SERVICES[wanted]
    reading = read_scans(client, deviceid)
    verdict = predict(wanted, reading.state)
    if verdict == BLOCKED:
        return ItemResult(deviceid, service, failed=True, msg=_blocked_msg(deviceid), scan_state=reading.state)
    if verdict == CHANGE:
        msg = "Would call {0}: the newest scan of device {1} is {2}.".format(service, deviceid, reading.state)
    else:
        msg = "No change for device {0}: the newest scan is {1}.".format(deviceid, reading.state)
    return ItemResult(deviceid, service, changed=verdict == CHANGE, msg=msg, scan_state=reading.state)


def apply_state(client, deviceid, wanted):
    """Call the action service and tell a change, a no-op and a failure apart."""
    service = STATE_SERVICES[wanted]
    reply = client.call(service, deviceid=deviceid)
    if reply.ok:
        return ItemResult(deviceid, service, changed=True, api_status="OK",
                          msg="{0} the MAV scan on device {1}.".format(STATE_VERBS[wanted], deviceid))
    text = client.redact(reply.msg) or "(no message)"
    reading = None
    if reply.after_lost_answer:
        reading = _read_after_lost_answer(client, deviceid, wanted)
        if not isinstance(reading, ScanReading) or reading.state in REACHED_STATES[wanted]:
            return _settled_lost_answer(deviceid, wanted, text, reading)
    lowered = text.lower()
    if wanted in NO_OP_STATES and any(marker in lowered for marker in NO_OP_TEXTS):
        return ItemResult(deviceid, service, api_status="FAIL",
                          msg="No change for device {0}: N-sight answered '{1}'".format(deviceid, text))
    if wanted in AMBIGUOUS_STATES and AMBIGUOUS_TEXT in lowered:
        return _settle_ambiguous(client, deviceid, wanted, text, reading)
    return ItemResult(deviceid, service, failed=True, api_status="FAIL",
                      msg="N-sight refused {0} for device {1}: '{2}'. Check that the device is online and has "
                          "Managed Antivirus enabled.".format(service, deviceid, text))


def _read_after_lost_answer(client, deviceid, wanted):
    """A FAIL to a retry whose earlier attempt lost its answer may be about that attempt's own effect
    ("scan is not running" because the lost pause paused it): the newest scan tells. The reading, or
    the error that kept it from being read."""
    try:
        return read_scans(client, deviceid)
    except MspAntivirusError as exc:
        return exc


def _settled_lost_answer(deviceid, wanted, text, reading):
    """When the newest scan shows the wanted state, the lost attempt is taken to have reached it, so
    that the change is reported (and a pause gets its resume); when it cannot be read, nothing is known."""
    service = STATE_SERVICES[wanted]
    if isinstance(reading, ScanReading):
        return ItemResult(deviceid, service, changed=True, api_status="FAIL", scan_state=reading.state,
                          msg="{0} the MAV scan on device {1}: the answer to an earlier attempt was lost, a retry "
                              "was answered '{2}', and the newest scan is {3}.".format(
                                  STATE_VERBS[wanted], deviceid, text, reading.state))
    return ItemResult(deviceid, service, failed=True, api_status="FAIL", uncertain=True,
                      msg="The answer to {0} for device {1} was lost, a retry was answered '{2}', and the scan "
                          "could not be read to tell whether the lost attempt acted: {3} Check the device's scan, "
                          "and undo it if needed.".format(service, deviceid, text, reading.message))


def _settle_ambiguous(client, deviceid, wanted, text, reading=None):
    """'An error has occurred' means both "already so" and "failed": the newest scan tells which."""
    service = STATE_SERVICES[wanted]
    reading = reading or read_scans(client, deviceid)
    verdict = predict(wanted, reading.state)
    if verdict == NO_OP:
        return ItemResult(deviceid, service, api_status="FAIL", scan_state=reading.state,
                          msg="No change for device {0}: N-sight answered '{1}' and the newest scan is {2}."
                              .format(deviceid, text, reading.state))
    if verdict == BLOCKED:
        return ItemResult(deviceid, service, failed=True, api_status="FAIL", scan_state=reading.state,
                          msg=_blocked_msg(deviceid))
    return ItemResult(deviceid, service, failed=True, api_status="FAIL", scan_state=reading.state,
                      msg="N-sight refused {0} for device {1}: '{2}', and list_mav_scans shows the newest scan as "
                          "{3}. Check that the device is online and has Managed Antivirus enabled (N-sight may "
                          "also hide a running scan from list_mav_scans for a while).".format(
                              service, deviceid, text, reading.state))


def ensure_state(client, deviceid, wanted, check_mode=False):
    """One device towards ``wanted``; API errors are returned as a failed result, ``uncertain`` when every
    answer was lost and the action may have taken effect."""
    try:
        if check_mode:
            return predict_outcome(client, deviceid, wanted)
        return apply_state(client, deviceid, wanted)
    except MspAntivirusError as exc:
        result = ItemResult.from_error(deviceid, STATE_SERVICES[wanted], exc)
        if exc.outcome_unknown and not check_mode:
            result.details["uncertain"] = True
            result.msg += (" The answer to {0} was lost, so device {1}'s scan may be {2} by this task; check it, "
                           "and undo it if needed.".format(STATE_SERVICES[wanted], deviceid, wanted))
        return result


def ensure_state_bulk(client, deviceids, wanted, check_mode=False, workers=POOL_SIZE):
    """Many devices over one connection pool with bounded concurrency, results in input order; the task stops
    early only as StopRule says. A device left ``uncertain`` (every answer lost) is then settled with one read of
    its scans, now that the service has answered others."""
    rule = StopRule()
    service = STATE_SERVICES[wanted]
    results = for_each_item(deviceids, lambda deviceid: ensure_state(client, deviceid, wanted, check_mode),
                            lambda deviceid, reason: ItemResult.skipped(deviceid, service, reason), rule, workers)
    lost = [index for index, result in enumerate(results) if result.details.get("uncertain") and result.error]
    if lost and rule.reason is None:
        settled = concurrent_map(lambda index: settle_lost_answer(client, results[index], wanted), lost, workers)
        for index, result in zip(lost, settled):
            results[index] = result
    return results


def settle_lost_answer(client, result, wanted):
    """An action whose every answer was lost, told by one read of the device's newest scan: reached (a change,
    so that a pause gets its resume), nothing to do, or not taken effect; ``result`` as it was (uncertain) when
    the read fails too."""
    deviceid, service = result.item, result.service
    try:
        reading = read_scans(client, deviceid)
    except MspAntivirusError as exc:
        result.msg += " Reading the scan afterwards failed too: {0}".format(exc.message)
        return result
    lost = "every answer to {0} was lost ({1}), and a read afterwards shows the newest scan {2}".format(
        service, result.error.message.rstrip("."), reading.state)
    if reading.state in REACHED_STATES[wanted]:
        return ItemResult(deviceid, service, changed=True, scan_state=reading.state,
                          msg="{0} the MAV scan on device {1}: {2}.".format(STATE_VERBS[wanted], deviceid, lost))
    verdict = predict(wanted, reading.state)
    if verdict == NO_OP:
        return ItemResult(deviceid, service, scan_state=reading.state,
                          msg="No change for device {0}: {1}.".format(deviceid, lost))
    if verdict == BLOCKED:
        return ItemResult(deviceid, service, failed=True, scan_state=reading.state, msg=_blocked_msg(deviceid))
    if getattr(result.error, "cause", None) == "timeout":
        # A request abandoned after timeout seconds may still be carried out by a slow server after this read:
        # it stays uncertain, so that a pause still gets its resume.
        result.details["scan_state"] = reading.state
        result.msg += (" A read afterwards shows the newest scan {0}, but the abandoned request may still be carried "
                       "out.".format(reading.state))
        return result
    return ItemResult(deviceid, service, failed=True, scan_state=reading.state,
                      msg="Device {0}: {1} did not take effect: {2}. Check the network path to N-sight (a proxy or "
                          "firewall dropping answers), then run the task again.".format(deviceid, service, lost))


def read_scan_result(client, deviceid, details="NO", engine=None):
    """One device's newest scans as nsight_mav_scan_info returns them; API errors as a failed result."""
    try:
        reading = read_scans(client, deviceid, details, engine)
    except MspAntivirusError as exc:
        return ItemResult.from_error(deviceid, SCANS_SERVICE, exc)
    found = ("the newest scan is {0} ({1} engine)".format(reading.state, reading.engine) if reading.rows
             else "no scan of {0} engine".format("the " + engine if engine else "either"))
    return ItemResult(deviceid, SCANS_SERVICE, msg="Read device {0}: {1}.".format(deviceid, found),
                      engine=reading.engine, state=reading.state, newest=reading.newest, rows=reading.rows)


def read_scan_results(client, deviceids, details="NO", engine=None, workers=POOL_SIZE):
    return for_each_item(deviceids, lambda deviceid: read_scan_result(client, deviceid, details, engine),
                         lambda deviceid, reason: ItemResult.skipped(deviceid, SCANS_SERVICE, reason),
                         workers=workers)
