# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import quote

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import mav_definitions
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    NsightApiError,
    TransportError,
)
from ansible_collections.msp.antivirus.plugins.modules import nsight_mav_definitions_update as module_under_test
from ansible_collections.msp.antivirus.tests.unit.helpers.fake_mav_client import FakeMavClient
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Reply
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import (
    ansible_module,
    module_runner,
    run_module,
)

SERVICE = "mav_definitions_update"
PENDING = "There is already a MAV definition update pending"
UNSUPPORTED = "Unsupported action type"
KEY = "defs-Key+41/c0=ff%ee"
SCAN = {"type": "Quick Scan", "status": "Scan Finished Normally"}
DEVICES = {
    1: dict(engine="bitdefender", scans=[SCAN]),
    2: dict(engine="vipre", scans=[{"type": "Quick Scan", "status": "FINISHED"}]),
    3: dict(engine="bitdefender", scans=[]),
}


def run(client, check_mode=False, **args):
    args.setdefault("server", "https://nsight.example")
    args.setdefault("api_key", KEY)
    module = ansible_module(module_under_test.build_module, args, check_mode=check_mode)
    return module_under_test.run(module, client)


def actions(client):
    return [call for call in client.calls if call[0] == SERVICE]


# --------------------------------------------------------------------------- one device

def test_ok_is_a_change_with_its_keys_at_the_top_and_in_results():
    client = FakeMavClient(DEVICES)
    result = run(client, deviceid=1)
    assert result == dict(deviceid=1, service=SERVICE, changed=True, api_status="OK",
                          msg="Requested a MAV definitions update on device 1.",
                          results=[dict(deviceid=1, service=SERVICE, changed=True, api_status="OK",
                                        msg="Requested a MAV definitions update on device 1.")])
    assert client.calls == [(SERVICE, 1, None)]
    assert client.closed is False


def test_documented_pending_fail_is_no_change_without_a_read():
    client = FakeMavClient(DEVICES, actions={(SERVICE, 1): ("FAIL", PENDING)})
    result = run(client, deviceid=1)
    assert result["changed"] is False and "failed" not in result
    assert result["api_status"] == "FAIL"
    assert result["msg"] == "No change for device 1: N-sight answered '{0}'".format(PENDING)
    assert client.calls == [(SERVICE, 1, None)]


def test_pending_after_a_lost_answer_is_the_lost_attempts_change():
    client = FakeMavClient(DEVICES, actions={(SERVICE, 1): ("FAIL", PENDING, True)})
    result = run(client, deviceid=1)
    assert result["changed"] is True and "failed" not in result
    assert "answer to an earlier attempt was lost" in result["msg"] and PENDING in result["msg"]


def test_vipre_device_gets_a_clear_answer():
    client = FakeMavClient(DEVICES, actions={(SERVICE, 2): ("FAIL", UNSUPPORTED)})
    result = run(client, deviceid=2)
    assert result["failed"] is True and result["changed"] is False
    assert result["engine"] == "vipre"
    assert "runs the VIPRE engine" in result["msg"] and "Bitdefender only" in result["msg"]
    assert UNSUPPORTED in result["msg"]
    # The engine is read as for scans: Bitdefender first, then VIPRE.
    assert client.calls == [(SERVICE, 2, None), ("list_mav_scans", 2, None), ("list_mav_scans", 2, 1)]


def test_bitdefender_device_that_refuses_is_a_failure_with_advice():
    client = FakeMavClient(DEVICES, actions={(SERVICE, 1): ("FAIL", "An error has occurred")})
    result = run(client, deviceid=1)
    assert result["failed"] is True and result["engine"] == "bitdefender"
    assert "its scans show the Bitdefender engine" in result["msg"]
    assert "online" in result["msg"]
    assert client.calls == [(SERVICE, 1, None), ("list_mav_scans", 1, None)]


def test_refusal_of_a_device_without_scans_says_the_engine_is_unknown():
    client = FakeMavClient(DEVICES, actions={(SERVICE, 3): ("FAIL", UNSUPPORTED)})
    result = run(client, deviceid=3)
    assert result["failed"] is True and result["engine"] is None
    assert "no scan of either engine shows which engine it runs" in result["msg"]


def test_refusal_whose_engine_cannot_be_read_keeps_both_messages():
    client = FakeMavClient(DEVICES, actions={(SERVICE, 1): ("FAIL", UNSUPPORTED)},
                           failures={("list_mav_scans", 1): TransportError("Could not reach N-sight.")})
    result = run(client, deviceid=1)
    assert result["failed"] is True
    assert UNSUPPORTED in result["msg"] and "Could not reach N-sight." in result["msg"]
    assert "engine" not in result


def test_error_4_is_a_failure_with_its_code():
    error = NsightApiError("N-sight refused mav_definitions_update with error 4 (Invalid value for parameter: "
                           "deviceid). Check ...", api_code=4, api_status="FAIL")
    client = FakeMavClient(DEVICES, failures={(SERVICE, 9): error})
    result = run(client, deviceid=9)
    assert result["failed"] is True and result["api_code"] == 4
    assert "Invalid value for parameter: deviceid" in result["msg"]


def test_every_answer_lost_is_uncertain():
    error = TransportError("Could not reach N-sight: no complete answer.")
    error.outcome_unknown = True
    client = FakeMavClient(DEVICES, failures={(SERVICE, 1): error})
    result = run(client, deviceid=1)
    assert result["failed"] is True and result["uncertain"] is True
    assert "may have been queued" in result["msg"]


# --------------------------------------------------------------------------- check mode

def test_check_mode_sends_nothing_and_reports_a_change():
    client = FakeMavClient(DEVICES, actions={(SERVICE, 1): ("FAIL", PENDING)})
    result = run(client, check_mode=True, deviceids=[1, 2, 1])
    assert client.calls == []
    assert [item["changed"] for item in result["results"]] == [True, True]
    assert all("Would call mav_definitions_update" in item["msg"] for item in result["results"])
    assert result["changed"] is True and "failed" not in result
    assert "api_status" not in result["results"][0]


def test_check_mode_still_refuses_bad_input():
    with pytest.raises(InvalidOptionError):
        run(FakeMavClient(), check_mode=True, deviceids=[1, 0])


# --------------------------------------------------------------------------- bulk

def test_bulk_results_in_order_duplicates_dropped_and_summary():
    client = FakeMavClient(DEVICES, actions={(SERVICE, 3): ("FAIL", PENDING)})
    result = run(client, deviceids=[3, 1, 3])
    assert [item["deviceid"] for item in result["results"]] == [3, 1]
    assert [item["changed"] for item in result["results"]] == [False, True]
    assert result["changed"] is True and "failed" not in result
    assert result["msg"] == "1 device(s) changed, 1 unchanged, 0 failed."
    assert result["service"] == SERVICE
    assert "deviceid" not in result


def test_bulk_failure_of_one_device_fails_the_task_after_the_others():
    client = FakeMavClient(DEVICES, actions={(SERVICE, 2): ("FAIL", UNSUPPORTED)})
    result = run(client, deviceids=[1, 2, 3])
    assert result["failed"] is True
    assert [item.get("failed", False) for item in result["results"]] == [False, True, False]
    assert result["msg"] == "2 device(s) changed, 0 unchanged, 1 failed."
    assert sorted(call[1] for call in actions(client)) == [1, 2, 3]


def test_bulk_failure_every_call_would_repeat_skips_the_rest():
    client = FakeMavClient(DEVICES, failures={(SERVICE, None): NsightApiError("Login failed.", api_code=3)})
    outcomes = mav_definitions.update_definitions_bulk(client, [1, 2, 3], workers=1)
    assert [outcome.as_dict().get("skipped", False) for outcome in outcomes] == [False, True, True]
    assert all(outcome.failed for outcome in outcomes)
    assert outcomes[1].msg == ("Skipped device 2: an earlier item failed in a way every call would repeat: "
                               "Device 1: Login failed.")
    assert len(actions(client)) == 1


@pytest.mark.parametrize("args, message", [
    (dict(), "Give deviceid (one device) or deviceids (several)."),
    (dict(deviceid=0), "deviceid must be a positive integer"),
    (dict(deviceids=[]), "deviceids is empty"),
    (dict(deviceids=[4, -1]), "deviceids must hold positive integers"),
])
def test_bad_input_is_refused_before_any_call(args, message):
    client = FakeMavClient(DEVICES)
    with pytest.raises(InvalidOptionError) as raised:
        run(client, **args)
    assert message in raised.value.message
    assert client.calls == []


# --------------------------------------------------------------------------- through main()

def fail_xml(text):
    return '<?xml version="1.0" ?>\n<result status="FAIL"><msg>{0}</msg></result>'.format(text)


@pytest.fixture
def main(local_server, capsys):
    return module_runner(module_under_test.main, dict(server=local_server.url, api_key=KEY, retries=0, rate_limit=0),
                         [KEY, quote(KEY, safe="")], capsys)


def test_main_over_http_sends_the_documented_request(local_server, main):
    local_server.script(Reply(body='<?xml version="1.0" ?>\n<result status="OK"><msg /></result>'))
    result = main(deviceid=42)
    assert result.rc == 0 and result["changed"] is True, result
    (request,) = local_server.requests
    assert request.path == "/api/"
    assert (request.param("service"), request.param("deviceid"), request.param("apikey")) == (SERVICE, "42", KEY)


def test_main_a_server_echoing_the_key_never_shows_it(local_server, main):
    local_server.script(Reply(body=fail_xml(PENDING + " for key " + KEY)))
    result = main(deviceid=42, _ansible_verbosity=4)
    assert result.rc == 0 and result["changed"] is False, result
    assert "********" in result["msg"]


def test_main_fails_a_refused_device(local_server, main):
    empty = '<?xml version="1.0" ?>\n<result status="OK"><items /></result>'
    local_server.script(Reply(body=fail_xml(UNSUPPORTED)), Reply(body=empty), Reply(body=empty))
    result = main(deviceid=42)
    assert result.rc == 1 and result.failed
    assert result["results"][0]["engine"] is None
    services = [request.param("service") for request in local_server.requests]
    assert services == [SERVICE, "list_mav_scans", "list_mav_scans"]


def test_main_check_mode_sends_nothing(local_server, main):
    result = main(check_mode=True, deviceids=[1, 2])
    assert result.rc == 0 and result["changed"] is True
    assert local_server.requests == []


@pytest.mark.parametrize("args, fragment", [
    (dict(deviceid=1, deviceids=[2]), "mutually exclusive"),
    (dict(deviceid="x"), "deviceid"),
    (dict(deviceid=1, timeout=0), "timeout must be a positive number"),
    (dict(deviceid=1, rate_limit=-1), "rate_limit must be 0"),
    (dict(deviceid=1, api_key=""), "api_key is empty"),
    (dict(), "Give deviceid"),
])
def test_main_bad_input_fails_without_any_request(local_server, main, args, fragment):
    result = main(**args)
    assert result.rc == 1 and fragment in result["msg"]
    assert local_server.requests == []


def test_main_validates_before_building_the_client(capsys, monkeypatch):
    built = []
    monkeypatch.setattr(module_under_test, "NsightClient", lambda **kwargs: built.append(kwargs) or FakeMavClient())
    result = run_module(module_under_test.main, dict(server="h.example", api_key=KEY, deviceids=[]), capsys)
    assert result.failed and built == []


def test_main_builds_the_client_from_the_options_and_closes_it(capsys, monkeypatch):
    clients = []

    def build(**kwargs):
        clients.append((kwargs, FakeMavClient(DEVICES)))
        return clients[-1][1]

    monkeypatch.setattr(module_under_test, "NsightClient", build)
    result = run_module(module_under_test.main, dict(server="h.example", api_key=KEY, deviceid=1, timeout=7,
                                                     retries=2, rate_limit=5), capsys)
    assert not result.failed, result
    (kwargs, client), = clients
    expected = dict(server="h.example", api_key=KEY, timeout=7, retries=2, validate_certs=True, rate_limit=5)
    assert dict((name, kwargs.get(name)) for name in expected) == expected
    assert client.closed is True and client.calls == [(SERVICE, 1, None)]
