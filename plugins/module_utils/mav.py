# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Managed Antivirus scan logic on top of the N-sight client: reading a device's
newest scan whatever its engine, and putting its scan into a wanted state."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.errors import MspAntivirusError, NsightApiError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import POOL_SIZE, concurrent_map

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

    def as_dict(self):
        return {"deviceid": self.deviceid, "engine": self.engine, "state": self.state,
                "newest": self.newest, "rows": self.rows}


def read_scans(client, deviceid, details="NO", engine=None):
    """The device's scans: of ``engine`` when given, else of the engine found by asking
    the default first, then the other."""
    engines = ((engine, ENGINE_VERSIONS[engine]),) if engine else ENGINES
    for name, version in engines:
        rows = client.list_mav_scans(deviceid, details=details, engine_version=version)
        if rows:
            return ScanReading(deviceid, name, rows)
    return ScanReading(deviceid, engine, [])


class ScanOutcome:
    """One device's result, shaped as the module returns it."""

    def __init__(self, deviceid, service, changed=False, failed=False, msg="", api_status=None, scan_state=None,
                 **details):
        self.deviceid = deviceid
        self.service = service
        self.changed = changed
        self.failed = failed
        self.msg = msg
        self.api_status = api_status
        self.scan_state = scan_state
        self.details = details
        # Set when the failure would repeat for every other device.
        self.fatal_for_all = False

    def as_dict(self):
        result = {"deviceid": self.deviceid, "service": self.service, "changed": self.changed, "msg": self.msg}
        if self.failed:
            result["failed"] = True
        if self.api_status is not None:
            result["api_status"] = self.api_status
        if self.scan_state is not None:
            result["scan_state"] = self.scan_state
        result.update(self.details)
        return result


def _blocked_msg(deviceid):
    return ("Device {0} has a paused scan, so a new scan cannot start: resume it (state=resumed) or cancel it "
            "(state=cancelled) first.".format(deviceid))


def predict_outcome(client, deviceid, wanted):
    """Check mode: read the newest scan and report what the real run would do, acting on nothing."""
    service = STATE_SERVICES[wanted]
    reading = read_scans(client, deviceid)
    verdict = predict(wanted, reading.state)
    if verdict == BLOCKED:
        return ScanOutcome(deviceid, service, failed=True, msg=_blocked_msg(deviceid), scan_state=reading.state)
    if verdict == CHANGE:
        msg = "Would call {0}: the newest scan of device {1} is {2}.".format(service, deviceid, reading.state)
    else:
        msg = "No change for device {0}: the newest scan is {1}.".format(deviceid, reading.state)
    return ScanOutcome(deviceid, service, changed=verdict == CHANGE, msg=msg, scan_state=reading.state)


def apply_state(client, deviceid, wanted):
    """Call the action service and tell a change, a no-op and a failure apart."""
    service = STATE_SERVICES[wanted]
    reply = client.call(service, deviceid=deviceid)
    if reply.ok:
        return ScanOutcome(deviceid, service, changed=True, api_status="OK",
                           msg="{0} the MAV scan on device {1}.".format(STATE_VERBS[wanted], deviceid))
    text = client.redact(reply.msg) or "(no message)"
    reading = None
    if reply.after_lost_answer:
        reading = _read_after_lost_answer(client, deviceid, wanted)
        if not isinstance(reading, ScanReading) or reading.state in REACHED_STATES[wanted]:
            return _settled_lost_answer(deviceid, wanted, text, reading)
    lowered = text.lower()
    if wanted in NO_OP_STATES and any(marker in lowered for marker in NO_OP_TEXTS):
        return ScanOutcome(deviceid, service, api_status="FAIL",
                           msg="No change for device {0}: N-sight answered '{1}'".format(deviceid, text))
    if wanted in AMBIGUOUS_STATES and AMBIGUOUS_TEXT in lowered:
        return _settle_ambiguous(client, deviceid, wanted, text, reading)
    return ScanOutcome(deviceid, service, failed=True, api_status="FAIL",
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
        return ScanOutcome(deviceid, service, changed=True, api_status="FAIL", scan_state=reading.state,
                           msg="{0} the MAV scan on device {1}: the answer to an earlier attempt was lost, a retry "
                               "was answered '{2}', and the newest scan is {3}.".format(
                                   STATE_VERBS[wanted], deviceid, text, reading.state))
    return ScanOutcome(deviceid, service, failed=True, api_status="FAIL", uncertain=True,
                       msg="The answer to {0} for device {1} was lost, a retry was answered '{2}', and the scan "
                           "could not be read to tell whether the lost attempt acted: {3} Check the device's scan, "
                           "and undo it if needed.".format(service, deviceid, text, reading.message))


def _settle_ambiguous(client, deviceid, wanted, text, reading=None):
    """'An error has occurred' means both "already so" and "failed": the newest scan tells which."""
    service = STATE_SERVICES[wanted]
    reading = reading or read_scans(client, deviceid)
    verdict = predict(wanted, reading.state)
    if verdict == NO_OP:
        return ScanOutcome(deviceid, service, api_status="FAIL", scan_state=reading.state,
                           msg="No change for device {0}: N-sight answered '{1}' and the newest scan is {2}."
                               .format(deviceid, text, reading.state))
    if verdict == BLOCKED:
        return ScanOutcome(deviceid, service, failed=True, api_status="FAIL", scan_state=reading.state,
                           msg=_blocked_msg(deviceid))
    return ScanOutcome(deviceid, service, failed=True, api_status="FAIL", scan_state=reading.state,
                       msg="N-sight refused {0} for device {1}: '{2}', and list_mav_scans shows the newest scan as "
                           "{3}. Check that the device is online and has Managed Antivirus enabled (N-sight may "
                           "also hide a running scan from list_mav_scans for a while).".format(
                               service, deviceid, text, reading.state))


def ensure_state(client, deviceid, wanted, check_mode=False):
    """One device towards ``wanted``; API errors are returned as a failed outcome."""
    try:
        if check_mode:
            return predict_outcome(client, deviceid, wanted)
        return apply_state(client, deviceid, wanted)
    except MspAntivirusError as exc:
        outcome = ScanOutcome(deviceid, STATE_SERVICES[wanted], failed=True, msg=exc.message, **exc.details)
        if exc.outcome_unknown and not check_mode:
            # Every answer was lost: the action may have taken effect. Say so, so that a pause is resumed.
            outcome.details["uncertain"] = True
            outcome.msg += (" The answer to {0} was lost, so device {1}'s scan may be {2} by this task; check it, "
                            "and undo it if needed.".format(STATE_SERVICES[wanted], deviceid, wanted))
        outcome.fatal_for_all = is_fatal_for_all(exc)
        return outcome


def is_fatal_for_all(error):
    """A failure every later call would repeat: wrong key or server, service unreachable or unreadable.
    Only a refused parameter (error 4, 5) or a FAIL is about one device."""
    return not isinstance(error, NsightApiError) or error.details.get("api_code") == 3


def ensure_state_bulk(client, deviceids, wanted, check_mode=False, workers=POOL_SIZE):
    """Many devices over one connection pool with bounded concurrency, results in input order.

    Once one device meets a failure that every call would repeat, devices not
    yet started are skipped rather than sent to fail the same way.
    """
    aborted = []

    def one(deviceid):
        if aborted:
            return skipped_outcome(deviceid, wanted, aborted[0].msg)
        outcome = ensure_state(client, deviceid, wanted, check_mode)
        if outcome.fatal_for_all:
            aborted.append(outcome)
        return outcome

    return concurrent_map(one, deviceids, workers)


SKIPPED_BECAUSE = ": an earlier device failed in a way every call would repeat: "


def skipped_outcome(deviceid, wanted, reason):
    """A device not sent, because an earlier one failed in a way every call would repeat."""
    return ScanOutcome(deviceid, STATE_SERVICES[wanted], failed=True, skipped=True,
                       msg="Skipped device {0}{1}{2}".format(deviceid, SKIPPED_BECAUSE, reason))


def summarise(results):
    """The ``msg`` of a bulk result: how many devices changed, did not, failed."""
    counts = {"changed": 0, "unchanged": 0, "failed": 0}
    for result in results:
        key = "failed" if result.get("failed") else "changed" if result["changed"] else "unchanged"
        counts[key] += 1
    return "{changed} device(s) changed, {unchanged} unchanged, {failed} failed.".format(**counts)
