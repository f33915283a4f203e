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


def is_fatal_result(result):
    """is_fatal_for_all, read back from a device's result dict (the action plugin sees only those):
    a failure without an N-sight answer (no api_status), or a login failure (error 3)."""
    if not result.get("failed") or result.get("skipped"):
        return False
    return "api_status" not in result or result.get("api_code") == 3


def is_fatal_for_all(error):
    """A failure every later call would repeat: wrong key or server, service unreachable or unreadable.
    Only a refused parameter (error 4, 5) or a FAIL is about one device."""
    return not isinstance(error, NsightApiError) or error.details.get("api_code") == 3


def ensure_state_bulk(client, deviceids, wanted, check_mode=False, workers=POOL_SIZE):
    """Many devices over one connection pool with bounded concurrency, results in input order.

    Once one device meets a failure that every call would repeat, devices not
    yet started are skipped rather than sent to fail the same way.
    """
    return for_each_device(deviceids, lambda deviceid: ensure_state(client, deviceid, wanted, check_mode),
                           lambda deviceid, reason: skipped_outcome(deviceid, wanted, reason), workers)


def for_each_device(deviceids, work, skip, workers=POOL_SIZE):
    """``work(deviceid)`` for every device over one connection pool, at most ``workers`` at a time, outcomes in
    input order. Once an outcome has ``fatal_for_all`` set (a failure every call would repeat), devices not yet
    started get ``skip(deviceid, reason)`` instead, ``reason`` being that outcome's ``msg``."""
    aborted = []

    def one(deviceid):
        if aborted:
            return skip(deviceid, aborted[0].msg)
        outcome = work(deviceid)
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


# ---- definitions update ---------------------------------------------------------------------------

UPDATE_SERVICE = "mav_definitions_update"
# The documented FAIL of mav_definitions_update when an update is already queued: nothing to do.
UPDATE_PENDING_TEXT = "there is already a mav definition update pending"


def update_definitions(client, deviceid, check_mode=False):
    """One device's ``mav_definitions_update``; API errors are returned as a failed outcome.

    Check mode sends nothing: N-sight documents no way to read whether an update is pending.
    """
    try:
        if check_mode:
            return ScanOutcome(deviceid, UPDATE_SERVICE, changed=True,
                               msg="Would call {0} for device {1}; check mode sends nothing, and N-sight documents no "
                                   "way to read whether an update is already pending.".format(UPDATE_SERVICE, deviceid))
        return _request_update(client, deviceid)
    except MspAntivirusError as exc:
        outcome = ScanOutcome(deviceid, UPDATE_SERVICE, failed=True, msg=exc.message, **exc.details)
        if exc.outcome_unknown:
            outcome.details["uncertain"] = True
            outcome.msg += (" The answer to {0} was lost, so an update may have been queued for device {1}; running "
                            "the task again is harmless (N-sight answers that one is pending).".format(
                                UPDATE_SERVICE, deviceid))
        outcome.fatal_for_all = is_fatal_for_all(exc)
        return outcome


def _request_update(client, deviceid):
    reply = client.call(UPDATE_SERVICE, deviceid=deviceid)
    if reply.ok:
        return ScanOutcome(deviceid, UPDATE_SERVICE, changed=True, api_status="OK",
                           msg="Requested a MAV definitions update on device {0}.".format(deviceid))
    text = client.redact(reply.msg) or "(no message)"
    if UPDATE_PENDING_TEXT in text.lower():
        if reply.after_lost_answer:
            # The retry of an attempt whose answer was lost finds "its" update pending: the lost one queued it.
            return ScanOutcome(deviceid, UPDATE_SERVICE, changed=True, api_status="FAIL",
                               msg="Requested a MAV definitions update on device {0}: the answer to an earlier attempt "
                                   "was lost and a retry was answered '{1}'.".format(deviceid, text))
        return ScanOutcome(deviceid, UPDATE_SERVICE, api_status="FAIL",
                           msg="No change for device {0}: N-sight answered '{1}'".format(deviceid, text))
    return _refused_update(client, deviceid, text)


def _refused_update(client, deviceid, text):
    """Any other FAIL: the service is documented for Bitdefender only, so the device's engine (read as for
    scans) tells a VIPRE device apart from a Bitdefender one that refused."""
    try:
        engine = read_scans(client, deviceid).engine
    except MspAntivirusError as exc:
        return ScanOutcome(deviceid, UPDATE_SERVICE, failed=True, api_status="FAIL",
                           msg="N-sight refused {0} for device {1}: '{2}'. Reading the device's scans to find its "
                               "engine failed too: {3}".format(UPDATE_SERVICE, deviceid, text, exc.message))
    if engine == "vipre":
        return ScanOutcome(deviceid, UPDATE_SERVICE, failed=True, api_status="FAIL", engine=engine,
                           msg="Device {0} runs the VIPRE engine, and {1} is for Bitdefender only (N-sight answered "
                               "'{2}'). VIPRE has been retired from N-sight: move the device to Bitdefender, or leave "
                               "it out of this task.".format(deviceid, UPDATE_SERVICE, text))
    found = ("its scans show the Bitdefender engine" if engine == "bitdefender"
             else "no scan of either engine shows which engine it runs")
    return ScanOutcome(deviceid, UPDATE_SERVICE, failed=True, api_status="FAIL", engine=engine,
                       msg="N-sight refused {0} for device {1}: '{2}'; {3}. Check that the device is online and has "
                           "Managed Antivirus (Bitdefender) installed.".format(UPDATE_SERVICE, deviceid, text, found))


def update_definitions_bulk(client, deviceids, check_mode=False, workers=POOL_SIZE):
    return for_each_device(deviceids, lambda deviceid: update_definitions(client, deviceid, check_mode),
                           skipped_update, workers)


def skipped_update(deviceid, reason):
    return ScanOutcome(deviceid, UPDATE_SERVICE, failed=True, skipped=True,
                       msg="Skipped device {0}{1}{2}".format(deviceid, SKIPPED_BECAUSE, reason))


# ---- threat and quarantine listings ---------------------------------------------------------------

class Listing:
    """One device's rows of a MAV listing (list_mav_threats, list_mav_quarantine), as the service gave them,
    with the engine they came from; or the failure that kept them from being read."""

    def __init__(self, deviceid, service, engine=None, rows=None, failed=False, msg=None, **details):
        self.deviceid = deviceid
        self.service = service
        self.engine = engine
        self.rows = rows or []
        self.failed = failed
        self.msg = msg
        self.details = details
        self.fatal_for_all = False

    def as_dict(self):
        result = {"deviceid": self.deviceid, "engine": self.engine, "rows": self.rows}
        if self.failed:
            result.update(failed=True, msg=self.msg)
        result.update(self.details)
        return result


def read_listing(client, deviceid, service, fetch, engine=None):
    """``fetch(deviceid, v)`` rows for the device, the engine found as for scans; errors become a failed Listing."""
    try:
        name, rows = find_engine(lambda version: fetch(deviceid, version), engine)
        return Listing(deviceid, service, name, rows)
    except MspAntivirusError as exc:
        listing = Listing(deviceid, service, engine, failed=True, msg=exc.message, **exc.details)
        listing.fatal_for_all = is_fatal_for_all(exc)
        return listing


def read_listing_bulk(client, deviceids, service, fetch, engine=None, workers=POOL_SIZE):
    return for_each_device(deviceids, lambda deviceid: read_listing(client, deviceid, service, fetch, engine),
                           lambda deviceid, reason: skipped_listing(deviceid, service, reason), workers)


def skipped_listing(deviceid, service, reason):
    return Listing(deviceid, service, failed=True, skipped=True,
                   msg="Skipped device {0}{1}{2}".format(deviceid, SKIPPED_BECAUSE, reason))


def summarise_listings(service, results):
    """The ``msg`` of a listing task: devices read, rows found, devices failed."""
    failed = sum(1 for result in results if result.get("failed"))
    rows = sum(len(result["rows"]) for result in results if not result.get("failed"))
    return "{0}: {1} device(s) read, {2} row(s), {3} failed.".format(service, len(results) - failed, rows, failed)


def listing_result(client, ids, engine, service, fetch):
    """The result of a threat or quarantine task over the devices ``ids`` (already validated): ``devices`` in input
    order, a summary ``msg``, and ``failed=True`` when a device failed (the others are still read). ``engine`` is
    the module's option: ``auto`` finds each device's engine."""
    engine = None if engine == "auto" else engine
    devices = [listing.as_dict() for listing in read_listing_bulk(client, ids, service, fetch, engine)]
    result = dict(changed=False, service=service, devices=devices, msg=summarise_listings(service, devices))
    if any(device.get("failed") for device in devices):
        result["failed"] = True
    return result
