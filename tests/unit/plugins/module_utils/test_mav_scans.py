# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import mav_scans
from ansible_collections.msp.antivirus.plugins.module_utils.device_results import TRANSPORT_FAILURES_IN_A_ROW
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    NsightApiError,
    TransportError,
)
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import Redactor
from ansible_collections.msp.antivirus.plugins.module_utils.mav_scans import (
    BLOCKED,
    CHANGE,
    NO_OP,
    STATE_SERVICES,
    apply_state,
    ensure_state,
    ensure_state_bulk,
    normalise_status,
    predict,
    predict_outcome,
    read_scans,
)
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, NsightReply
from ansible_collections.msp.antivirus.tests.unit.helpers.fake_nsight import API_KEY, FakeNsight, fail_xml

SEED_FAIL = "Cannot execute action : scan is not running."
ACTION_SERVICES = set(STATE_SERVICES.values())


class FakeClient:
    """Records every call; answers list_mav_scans from ``scans`` and actions from ``replies``.

    ``scans``: {deviceid: {engine_version: [status, ...]}} (None = the default engine, Bitdefender).
    ``replies``: {deviceid: ("OK", "") | ("FAIL", text) | an exception to raise}.
    """

    def __init__(self, scans=None, replies=None, delay=0.0, key="fake-key-123"):
        self.scans = scans or {}
        self.replies = replies or {}
        self.delay = delay
        self.calls = []
        self.redact = Redactor(secrets=[key])
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    def _enter(self):
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.delay:
            time.sleep(self.delay)

    def _leave(self):
        with self._lock:
            self.in_flight -= 1

    def list_mav_scans(self, deviceid, details="NO", engine_version=None):
        with self._lock:
            self.calls.append(("list_mav_scans", deviceid, engine_version))
        statuses = self.scans.get(deviceid, {}).get(engine_version, [])
        return [{"type": "quick", "status": status} for status in statuses]

    def call(self, service, **params):
        deviceid = params.get("deviceid")
        with self._lock:
            self.calls.append((service, deviceid))
        self._enter()
        try:
            reply = self.replies.get(deviceid, ("OK", ""))
            if isinstance(reply, Exception):
                raise reply
            # A third item marks a reply that followed an attempt whose answer was lost.
            status, msg = reply[:2]
            return NsightReply(service, status, msg, {"@status": status, "msg": msg}, *reply[2:])
        finally:
            self._leave()

    def services_called(self):
        return [call[0] for call in self.calls]


def bitdefender(*statuses):
    return {None: list(statuses)}


def vipre(*statuses):
    return {1: list(statuses)}


# --------------------------------------------------------------------------- normalise_status

@pytest.mark.parametrize("status, state", [
    ("NONE", "none"), ("PENDING", "pending"), ("PENDING_AGENT", "pending"), ("FINISHED", "finished"),
    ("CANCELED", "cancelled"), ("ERROR", "error"), ("PAUSED", "paused"), ("RUNNING", "running"),
])
def test_normalise_vipre(status, state):
    assert normalise_status("vipre", status) == state


@pytest.mark.parametrize("status, state", [
    ("Scan Finished Normally", "finished"), ("Scan Aborted", "cancelled"),
    ("Scan Stopped", "paused"), ("Scan In Progress", "running"),
])
def test_normalise_bitdefender(status, state):
    assert normalise_status("bitdefender", status) == state


@pytest.mark.parametrize("engine, status", [
    ("vipre", "Scan In Progress"), ("bitdefender", "RUNNING"), ("vipre", "SOMETHING_NEW"), (None, "RUNNING"),
    ("vipre", None), ("vipre", ""),
])
def test_normalise_unknown(engine, status):
    assert normalise_status(engine, status) == "unknown"


def test_normalise_strips_whitespace():
    assert normalise_status("bitdefender", "  Scan Stopped\n") == "paused"


# --------------------------------------------------------------------------- predict

SCAN_STATES = ("running", "paused", "pending", "finished", "cancelled", "error", "none", "unknown")
EXPECTED = {
    "paused": {"running": CHANGE},
    "resumed": {"paused": CHANGE},
    "cancelled": {"running": CHANGE, "paused": CHANGE},
    "started": {"running": NO_OP, "pending": NO_OP, "paused": BLOCKED, "finished": CHANGE, "cancelled": CHANGE,
                "error": CHANGE, "none": CHANGE, "unknown": CHANGE},
}


@pytest.mark.parametrize("wanted", sorted(STATE_SERVICES))
@pytest.mark.parametrize("scan_state", SCAN_STATES)
def test_predict_table(wanted, scan_state):
    assert predict(wanted, scan_state) == EXPECTED[wanted].get(scan_state, NO_OP)


# --------------------------------------------------------------------------- read_scans

def test_read_scans_bitdefender_found_with_one_call():
    client = FakeClient(scans={7: bitdefender("Scan Stopped", "Scan Finished Normally")})
    reading = read_scans(client, 7)
    assert client.calls == [("list_mav_scans", 7, None)]
    assert reading.engine == "bitdefender"
    assert reading.state == "paused"
    assert reading.newest["status"] == "Scan Stopped"
    assert len(reading.rows) == 2


def test_read_scans_vipre_after_empty_default():
    client = FakeClient(scans={7: vipre("RUNNING", "FINISHED")})
    reading = read_scans(client, 7)
    assert client.calls == [("list_mav_scans", 7, None), ("list_mav_scans", 7, 1)]
    assert reading.engine == "vipre"
    assert reading.state == "running"


def test_read_scans_no_scans_anywhere():
    client = FakeClient()
    reading = read_scans(client, 7)
    assert len(client.calls) == 2
    assert reading.state == "none"
    assert reading.newest is None and reading.rows == []


def test_read_scans_over_real_http(local_server, sleeps):
    """First request without v (Bitdefender, the default), then v=1 only when nothing came back."""
    local_server.router = FakeNsight(devices={1: ("vipre", ["PAUSED"]), 2: ("bitdefender", ["Scan In Progress"])})
    client = NsightClient(local_server.url, API_KEY)
    assert read_scans(client, 1).state == "paused"
    assert [request.param("v") for request in local_server.requests] == [None, "1"]
    del local_server.requests[:]
    assert read_scans(client, 2).state == "running"
    assert [request.param("v") for request in local_server.requests] == [None]
    assert all(request.param("service") == "list_mav_scans" for request in local_server.requests)
    client.close()


# --------------------------------------------------------------------------- apply_state

@pytest.mark.parametrize("wanted", sorted(STATE_SERVICES))
def test_apply_ok_is_changed(wanted):
    client = FakeClient(replies={5: ("OK", "")})
    outcome = apply_state(client, 5, wanted)
    assert outcome.changed is True and outcome.failed is False
    assert outcome.details.get("api_status") == "OK"
    assert outcome.service == STATE_SERVICES[wanted]
    assert "device 5" in outcome.msg
    assert client.services_called() == [STATE_SERVICES[wanted]]
    assert outcome.as_dict() == {"deviceid": 5, "service": STATE_SERVICES[wanted], "changed": True,
                                 "msg": outcome.msg, "api_status": "OK"}


@pytest.mark.parametrize("wanted", ["paused", "resumed", "cancelled"])
@pytest.mark.parametrize("text", [SEED_FAIL, "Unsupported action type", "UNSUPPORTED ACTION TYPE."])
def test_apply_fail_meaning_already_so_is_no_change(wanted, text):
    client = FakeClient(replies={5: ("FAIL", text)})
    outcome = apply_state(client, 5, wanted)
    assert outcome.changed is False and outcome.failed is False
    assert outcome.details.get("api_status") == "FAIL"
    assert text in outcome.msg
    # Settled by the text alone: no reading.
    assert client.services_called() == [STATE_SERVICES[wanted]]
    assert "failed" not in outcome.as_dict()


def test_apply_start_with_not_running_text_is_a_failure():
    client = FakeClient(replies={5: ("FAIL", SEED_FAIL)})
    outcome = apply_state(client, 5, "started")
    assert outcome.failed is True


@pytest.mark.parametrize("wanted, scans, failed, scan_state", [
    ("started", bitdefender("Scan In Progress"), False, "running"),
    ("started", vipre("PENDING"), False, "pending"),
    ("started", vipre("FINISHED"), True, "finished"),
    ("started", bitdefender("Scan Stopped"), True, "paused"),
    ("cancelled", vipre("FINISHED"), False, "finished"),
    ("cancelled", {}, False, "none"),
    ("cancelled", vipre("RUNNING"), True, "running"),
])
def test_apply_ambiguous_settled_by_one_reading(wanted, scans, failed, scan_state):
    client = FakeClient(scans={5: scans}, replies={5: ("FAIL", "An error has occurred")})
    outcome = apply_state(client, 5, wanted)
    assert outcome.failed is failed
    assert outcome.changed is False
    assert outcome.details.get("api_status") == "FAIL"
    assert outcome.details.get("scan_state") == scan_state
    services = client.services_called()
    assert services[0] == STATE_SERVICES[wanted]
    # One reading (one or two list_mav_scans calls for the engine), no second action.
    assert set(services[1:]) == {"list_mav_scans"} and 1 <= len(services[1:]) <= 2
    if failed:
        assert "An error has occurred" in outcome.msg or "paused scan" in outcome.msg


def test_apply_ambiguous_start_on_paused_scan_says_resume_or_cancel():
    client = FakeClient(scans={5: vipre("PAUSED")}, replies={5: ("FAIL", "An error has occurred")})
    outcome = apply_state(client, 5, "started")
    assert outcome.failed
    assert "state=resumed" in outcome.msg and "state=cancelled" in outcome.msg


@pytest.mark.parametrize("wanted", ["paused", "resumed"])
def test_apply_ambiguous_text_for_pause_resume_is_a_failure_without_reading(wanted):
    client = FakeClient(replies={5: ("FAIL", "An error has occurred")})
    outcome = apply_state(client, 5, wanted)
    assert outcome.failed is True
    assert client.services_called() == [STATE_SERVICES[wanted]]


@pytest.mark.parametrize("wanted", sorted(STATE_SERVICES))
def test_apply_other_fail_is_a_failure_with_advice(wanted):
    client = FakeClient(replies={5: ("FAIL", "Device is offline")})
    outcome = apply_state(client, 5, wanted)
    assert outcome.failed is True and outcome.changed is False
    assert outcome.details.get("api_status") == "FAIL"
    assert "Device is offline" in outcome.msg
    assert "online" in outcome.msg and "Managed Antivirus" in outcome.msg
    assert outcome.as_dict()["failed"] is True


def test_apply_fail_without_message():
    outcome = apply_state(FakeClient(replies={5: ("FAIL", "")}), 5, "paused")
    assert outcome.failed and "(no message)" in outcome.msg


def test_apply_fail_text_is_redacted():
    client = FakeClient(replies={5: ("FAIL", "bad key fake-key-123")}, key="fake-key-123")
    outcome = apply_state(client, 5, "paused")
    assert "fake-key-123" not in outcome.msg


def test_apply_state_over_real_http(local_server, sleeps):
    local_server.router = FakeNsight(devices={9: ("bitdefender", ["Scan Finished Normally"])},
                                     actions={("mav_scan_pause", 9): fail_xml(SEED_FAIL)})
    client = NsightClient(local_server.url, API_KEY)
    outcome = apply_state(client, 9, "paused")
    assert (outcome.changed, outcome.failed, outcome.details.get("api_status")) == (False, False, "FAIL")
    assert SEED_FAIL in outcome.msg
    outcome = apply_state(client, 9, "resumed")
    assert (outcome.changed, outcome.failed, outcome.details.get("api_status")) == (True, False, "OK")
    assert [request.param("service") for request in local_server.requests] == ["mav_scan_pause", "mav_scan_resume"]
    client.close()


# --------------------------------------------------------------------------- check mode

@pytest.mark.parametrize("wanted, scans, changed, failed", [
    ("paused", bitdefender("Scan In Progress"), True, False),
    ("paused", bitdefender("Scan Stopped"), False, False),
    ("resumed", vipre("PAUSED"), True, False),
    ("resumed", vipre("RUNNING"), False, False),
    ("cancelled", vipre("RUNNING"), True, False),
    ("cancelled", {}, False, False),
    ("started", vipre("FINISHED"), True, False),
    ("started", bitdefender("Scan In Progress"), False, False),
    ("started", bitdefender("Scan Stopped"), False, True),
])
def test_predict_outcome_calls_no_action_service(wanted, scans, changed, failed):
    client = FakeClient(scans={3: scans})
    outcome = predict_outcome(client, 3, wanted)
    assert outcome.changed is changed
    assert outcome.failed is failed
    assert outcome.service == STATE_SERVICES[wanted]
    assert outcome.details.get("api_status") is None
    assert not ACTION_SERVICES & set(client.services_called())
    assert set(client.services_called()) == {"list_mav_scans"}
    if changed:
        assert outcome.msg.startswith("Would call " + STATE_SERVICES[wanted])


def test_ensure_state_check_mode_acts_on_nothing():
    client = FakeClient(scans={3: vipre("RUNNING")})
    outcome = ensure_state(client, 3, "paused", check_mode=True)
    assert outcome.changed is True
    assert outcome.details.get("scan_state") == "running"
    assert not ACTION_SERVICES & set(client.services_called())


# --------------------------------------------------------------------------- ensure_state errors

def test_ensure_state_turns_api_error_into_failed_outcome():
    error = NsightApiError("N-sight refused mav_scan_pause with error 4 (Invalid value).", api_code=4,
                           api_status="FAIL", url="u")
    outcome = ensure_state(FakeClient(replies={5: error}), 5, "paused")
    assert outcome.failed is True
    result = outcome.as_dict()
    assert result["api_code"] == 4 and result["api_status"] == "FAIL" and result["msg"] == "Device 5: " + error.message


# --------------------------------------------------------------------------- ensure_state_bulk

def test_bulk_keeps_input_order():
    ids = [15, 3, 99, 7, 1, 42, 8, 23, 4, 16, 2]
    client = FakeClient(replies={99: ("FAIL", SEED_FAIL), 42: ("FAIL", "Device is offline")}, delay=0.01)
    outcomes = ensure_state_bulk(client, ids, "paused")
    assert [outcome.item for outcome in outcomes] == ids
    by_id = dict((outcome.item, outcome) for outcome in outcomes)
    assert by_id[99].changed is False and by_id[99].failed is False
    assert by_id[42].failed is True
    assert all(by_id[deviceid].changed for deviceid in ids if deviceid not in (99, 42))
    # A non-fatal failure does not stop the others.
    assert sorted(call[1] for call in client.calls) == sorted(ids)


def test_bulk_concurrency_bounded():
    client = FakeClient(delay=0.05)
    ids = list(range(1, 21))
    outcomes = ensure_state_bulk(client, ids, "paused", workers=4)
    assert len(outcomes) == 20
    assert 1 < client.max_in_flight <= 4


def test_bulk_default_concurrency_is_pool_size():
    client = FakeClient(delay=0.05)
    ensure_state_bulk(client, list(range(1, 21)), "paused")
    assert 1 < client.max_in_flight <= mav_scans.POOL_SIZE


def test_bulk_fatal_error_skips_devices_not_started():
    login_failed = NsightApiError("N-sight refused mav_scan_pause with error 3 (Login failed).", api_code=3,
                                  api_status="FAIL")
    client = FakeClient(replies={1: login_failed})
    outcomes = ensure_state_bulk(client, [1, 2, 3, 4], "paused", workers=1)
    assert [call[1] for call in client.calls] == [1]
    assert [outcome.failed for outcome in outcomes] == [True, True, True, True]
    assert outcomes[0].as_dict()["api_code"] == 3
    for outcome in outcomes[1:]:
        assert outcome.msg.startswith("Skipped device {0}".format(outcome.item))
        assert "Login failed" in outcome.msg
        assert outcome.service == "mav_scan_pause"


def test_bulk_non_fatal_error_does_not_skip():
    client = FakeClient(replies={1: NsightApiError("bad id", api_code=4)})
    outcomes = ensure_state_bulk(client, [1, 2, 3], "paused", workers=1)
    assert [outcome.failed for outcome in outcomes] == [True, False, False]
    assert [call[1] for call in client.calls] == [1, 2, 3]


def transport_error(cause, lost=False):
    error = TransportError("Could not reach N-sight ({0}) at http://h/api/?apikey=********.".format(cause))
    error.cause = cause
    error.retryable = True
    error.outcome_unknown = lost
    return error


@pytest.mark.parametrize("cause", ["timeout", "reset", "other"])
def test_bulk_device_that_exhausts_its_retries_fails_alone(cause):
    client = FakeClient(scans={3: bitdefender("Scan In Progress")}, replies={3: transport_error(cause)})
    outcomes = ensure_state_bulk(client, list(range(1, 41)), "paused", workers=1)
    assert [outcome.item for outcome in outcomes if outcome.failed] == [3]
    assert not any(outcome.details.get("skipped") for outcome in outcomes)
    assert outcomes[2].as_dict()["transport_error"] == cause


@pytest.mark.parametrize("cause", ["tls", "dns", "refused"])
def test_bulk_failure_every_call_would_repeat_stops_at_once(cause):
    client = FakeClient(replies={1: transport_error(cause)})
    outcomes = ensure_state_bulk(client, [1, 2, 3], "paused", workers=1)
    assert [call[1] for call in client.calls] == [1]
    assert [outcome.details.get("skipped", False) for outcome in outcomes] == [False, True, True]


def test_bulk_outage_stops_after_transport_failures_in_a_row():
    ids = list(range(1, 101))
    client = FakeClient(replies=dict((deviceid, transport_error("reset")) for deviceid in ids[5:]))
    outcomes = ensure_state_bulk(client, ids, "paused", workers=1)
    sent = 5 + TRANSPORT_FAILURES_IN_A_ROW
    assert [call[1] for call in client.calls] == ids[:sent]
    assert [outcome.item for outcome in outcomes if outcome.details.get("skipped")] == ids[sent:]
    assert "items in a row got no answer" in outcomes[-1].msg


def test_bulk_over_one_bounded_connection_pool(local_server, sleeps):
    fake = FakeNsight(devices=dict((deviceid, ("vipre", ["RUNNING"])) for deviceid in range(1, 25)))

    def slow(request):
        reply = fake(request)
        reply.delay = 0.05
        return reply

    local_server.router = slow
    client = NsightClient(local_server.url, API_KEY)
    outcomes = ensure_state_bulk(client, list(range(1, 25)), "paused")
    client.close()
    assert [outcome.changed for outcome in outcomes] == [True] * 24
    assert len(local_server.requests) == 24
    # Concurrent, but never more connections than the pool (and the worker count) allows.
    assert 1 < len(local_server.connections) <= mav_scans.POOL_SIZE


def test_bulk_check_mode_calls_no_action_service():
    client = FakeClient(scans={1: vipre("RUNNING"), 2: bitdefender("Scan Stopped")})
    outcomes = ensure_state_bulk(client, [1, 2, 3], "paused", check_mode=True)
    assert [outcome.changed for outcome in outcomes] == [True, False, False]
    assert set(client.services_called()) == {"list_mav_scans"}


# --------------------------------------------------------------------------- lost answers

LOST = True


def test_no_op_fail_after_lost_answer_with_paused_scan_is_a_change():
    # The lost pause paused the scan; the retry's "not running" is about that pause.
    client = FakeClient(scans={7: bitdefender("Scan Stopped")}, replies={7: ("FAIL", SEED_FAIL, LOST)})
    outcome = apply_state(client, 7, "paused")
    assert (outcome.changed, outcome.failed, outcome.details.get("scan_state")) == (True, False, "paused")
    assert "answer to an earlier attempt was lost" in outcome.msg
    assert client.services_called() == ["mav_scan_pause", "list_mav_scans"]


def test_no_op_fail_after_lost_answer_with_finished_scan_stays_a_no_op():
    client = FakeClient(scans={7: bitdefender("Scan Finished Normally")}, replies={7: ("FAIL", SEED_FAIL, LOST)})
    outcome = apply_state(client, 7, "paused")
    assert (outcome.changed, outcome.failed) == (False, False)
    assert outcome.msg.startswith("No change for device 7")


def test_no_op_fail_without_lost_answer_reads_nothing():
    client = FakeClient(scans={7: bitdefender("Scan Stopped")}, replies={7: ("FAIL", SEED_FAIL)})
    outcome = apply_state(client, 7, "paused")
    assert (outcome.changed, outcome.failed) == (False, False)
    assert client.services_called() == ["mav_scan_pause"]


def test_resume_after_lost_answer_with_running_scan_is_a_change():
    client = FakeClient(scans={7: vipre("RUNNING")}, replies={7: ("FAIL", SEED_FAIL, LOST)})
    outcome = apply_state(client, 7, "resumed")
    assert (outcome.changed, outcome.details.get("scan_state")) == (True, "running")


def test_ambiguous_fail_after_lost_answer_reads_the_scan_once():
    client = FakeClient(scans={7: bitdefender("Scan Finished Normally")},
                        replies={7: ("FAIL", "An error has occurred", LOST)})
    outcome = apply_state(client, 7, "cancelled")
    assert (outcome.changed, outcome.failed, outcome.details.get("scan_state")) == (False, False, "finished")
    # Bitdefender answered, so VIPRE is not asked; the ambiguity is settled by the same reading.
    assert client.services_called() == ["mav_scan_cancel", "list_mav_scans"]


def test_lost_answer_whose_scan_cannot_be_read_is_uncertain():
    client = FakeClient(replies={7: ("FAIL", SEED_FAIL, LOST)})
    unreadable = TransportError("Could not reach N-sight")
    client.list_mav_scans = lambda *args, **kwargs: (never for never in ()).throw(unreadable)
    outcome = apply_state(client, 7, "paused")
    assert (outcome.changed, outcome.failed, outcome.details.get("uncertain")) == (False, True, True)
    assert "could not be read" in outcome.msg and "Could not reach N-sight" in outcome.msg


def lost_every_time():
    error = TransportError("Could not reach N-sight at http://h/api/?apikey=******** after 4 attempt(s).")
    error.retryable = True
    error.outcome_unknown = True
    return error


def test_every_answer_lost_is_reported_uncertain():
    client = FakeClient(replies={7: lost_every_time()})
    outcome = ensure_state(client, 7, "paused")
    assert outcome.failed and outcome.details["uncertain"] is True
    assert "may be paused by this task" in outcome.msg
    assert outcome.as_dict()["uncertain"] is True


def test_unreachable_before_sending_is_not_uncertain():
    error = TransportError("Could not reach N-sight: connection refused")
    error.retryable = True
    outcome = ensure_state(FakeClient(replies={7: error}), 7, "paused")
    assert outcome.failed and "uncertain" not in outcome.as_dict()


def test_check_mode_read_lost_is_not_uncertain():
    client = FakeClient()
    client.list_mav_scans = lambda *args, **kwargs: (never for never in ()).throw(lost_every_time())
    outcome = ensure_state(client, 7, "paused", check_mode=True)
    assert outcome.failed and "uncertain" not in outcome.as_dict()


# --------------------------------------------------------------------------- settling a lost action

@pytest.mark.parametrize("wanted, scans, changed, failed, scan_state", [
    ("paused", bitdefender("Scan Stopped"), True, False, "paused"),
    ("paused", bitdefender("Scan In Progress"), False, True, "running"),
    ("paused", bitdefender("Scan Finished Normally"), False, False, "finished"),
    ("resumed", vipre("RUNNING"), True, False, "running"),
    ("resumed", vipre("PAUSED"), False, True, "paused"),
    ("started", vipre("PAUSED"), False, True, "paused"),
])
def test_bulk_settles_every_lost_answer_with_one_read(wanted, scans, changed, failed, scan_state):
    client = FakeClient(scans={7: scans}, replies={7: lost_every_time()})
    outcomes = ensure_state_bulk(client, [6, 7, 8], wanted)
    settled = outcomes[1].as_dict()
    assert (settled["changed"], settled.get("failed", False), settled["scan_state"]) == (changed, failed, scan_state)
    assert "uncertain" not in settled
    # One read of device 7 only (Bitdefender first, VIPRE when Bitdefender shows none).
    assert {call[1] for call in client.calls if call[0] == "list_mav_scans"} == {7}


def test_bulk_lost_answer_stays_uncertain_when_the_read_fails_too():
    client = FakeClient(replies={7: lost_every_time()})
    client.list_mav_scans = lambda *args, **kwargs: (never for never in ()).throw(transport_error("reset"))
    outcome = ensure_state_bulk(client, [7], "paused")[0]
    assert outcome.failed and outcome.details["uncertain"] is True
    assert "Reading the scan afterwards failed too" in outcome.msg


def test_bulk_stopped_early_reads_nothing_more():
    client = FakeClient(replies={1: lost_every_time(), 2: transport_error("refused")})
    outcomes = ensure_state_bulk(client, [1, 2, 3], "paused", workers=1)
    assert outcomes[0].details["uncertain"] is True
    assert "list_mav_scans" not in client.services_called()


def test_bulk_timed_out_action_not_seen_by_the_read_stays_uncertain():
    # A slow server may still carry out a request abandoned after timeout seconds, after the read.
    timed_out = lost_every_time()
    timed_out.cause = "timeout"
    client = FakeClient(scans={7: bitdefender("Scan In Progress")}, replies={7: timed_out})
    outcome = ensure_state_bulk(client, [7], "paused")[0].as_dict()
    assert outcome["failed"] is True and outcome["uncertain"] is True and outcome["scan_state"] == "running"
    assert "the abandoned request may still be carried out" in outcome["msg"]
