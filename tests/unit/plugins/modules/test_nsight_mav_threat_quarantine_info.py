# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""nsight_mav_threat_info and nsight_mav_quarantine_info: the same shape, one listing service each."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import quote

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import mav_listings
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    NsightApiError,
    ResponseParseError,
    TransportError,
)
from ansible_collections.msp.antivirus.plugins.modules import nsight_mav_quarantine_info, nsight_mav_threat_info
from ansible_collections.msp.antivirus.tests.unit.helpers.fake_mav_client import FakeMavClient
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Reply
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import ansible_module, module_runner

KEY = "list-Key+41/c0=ff%ee"
THREAT = {"name": "Trojan.GenericKD.1", "path": "C:\\x.exe"}
VIPRE_THREAT = {"name": "Trojan.Win32!BT"}
ITEM = {"guid": "G-1", "name": "Trojan.GenericKD.1"}
OLD_ITEM = {"guid": "G-0", "name": "Adware.1"}
DEVICES = {
    1: dict(engine="bitdefender", threats=[THREAT], quarantine={"CURRENT": [ITEM], "PREVIOUS": [OLD_ITEM],
                                                                "ALL": [ITEM, OLD_ITEM]}),
    2: dict(engine="vipre", threats=[VIPRE_THREAT], quarantine={"CURRENT": [ITEM]}),
    3: dict(engine="bitdefender"),
}
MODULES = {"threats": (nsight_mav_threat_info, "list_mav_threats"),
           "quarantine": (nsight_mav_quarantine_info, "list_mav_quarantine")}


def run(module, client, check_mode=False, **args):
    args.setdefault("server", "https://nsight.example")
    args.setdefault("api_key", KEY)
    return module.run(ansible_module(module.build_module, args, check_mode=check_mode), client)


@pytest.fixture(params=sorted(MODULES))
def listing(request):
    """(module, service) of each of the two modules."""
    return MODULES[request.param]


def test_rows_raw_per_device_engine_found_as_for_scans(listing):
    module, service = listing
    client = FakeMavClient(DEVICES)
    result = run(module, client, deviceids=[1, 2, 3, 1])
    assert result["changed"] is False and "failed" not in result
    assert result["service"] == service
    devices = result["devices"]
    engines = [(device["deviceid"], device["engine"]) for device in devices]
    assert engines == [(1, "bitdefender"), (2, "vipre"), (3, None)]
    assert devices[2]["rows"] == []
    # Bitdefender (v omitted) first; VIPRE (v=1) only when Bitdefender showed nothing.
    assert sorted(client.calls, key=repr) == sorted([(service, 1, None), (service, 2, None), (service, 2, 1),
                                                     (service, 3, None), (service, 3, 1)], key=repr)
    assert result["msg"].startswith(service + ": 3 device(s) read, ")


def test_threat_rows_are_the_services_own():
    result = run(nsight_mav_threat_info, FakeMavClient(DEVICES), deviceid=2)
    device = {"deviceid": 2, "service": "list_mav_threats", "changed": False, "engine": "vipre",
              "rows": [VIPRE_THREAT], "msg": "list_mav_threats: 1 row(s) for device 2 (vipre engine)."}
    # One device: its keys and its own message at the top, and in results (and devices, as 1.0.0 gave it).
    assert result == dict(device, results=[device], devices=[device])


@pytest.mark.parametrize("items, api_items, rows", [
    (None, "CURRENT", [ITEM]), ("current", "CURRENT", [ITEM]), ("previous", "PREVIOUS", [OLD_ITEM]),
    ("all", "ALL", [ITEM, OLD_ITEM]),
])
def test_quarantine_items_option_maps_to_the_api_values(items, api_items, rows):
    client = FakeMavClient(DEVICES)
    args = dict(deviceid=1) if items is None else dict(deviceid=1, items=items)
    result = run(nsight_mav_quarantine_info, client, **args)
    assert client.items_asked == api_items
    assert result["devices"][0]["rows"] == rows


@pytest.mark.parametrize("engine, version", [("bitdefender", 2), ("vipre", 1)])
def test_an_engine_given_is_asked_once(listing, engine, version):
    module, service = listing
    client = FakeMavClient(DEVICES)
    result = run(module, client, deviceid=3, engine=engine)
    assert client.calls == [(service, 3, version)]
    assert result["devices"][0]["engine"] == engine


def test_check_mode_reads_the_same(listing):
    module, service = listing
    client = FakeMavClient(DEVICES)
    assert run(module, client, check_mode=True, deviceid=1) == run(module, FakeMavClient(DEVICES), deviceid=1)
    assert client.calls == [(service, 1, None)]


def test_a_device_that_fails_fails_the_task_after_the_others(listing):
    module, service = listing
    error = NsightApiError("N-sight refused {0} with error 4 (Invalid value for parameter: deviceid).".format(service),
                           api_code=4, api_status="FAIL")
    client = FakeMavClient(DEVICES, failures={(service, 9): error})
    result = run(module, client, deviceids=[1, 9, 2])
    assert result["failed"] is True
    failed = result["devices"][1]
    assert failed["failed"] is True and failed["api_code"] == 4 and failed["rows"] == []
    assert "Invalid value for parameter: deviceid" in failed["msg"]
    assert [device["engine"] for device in result["devices"]] == ["bitdefender", None, "vipre"]
    assert result["msg"].endswith(", 1 failed.")


def test_a_failure_every_call_would_repeat_skips_the_rest(listing):
    module, service = listing
    refused = TransportError("Connection refused by N-sight.")
    refused.cause = "refused"
    client = FakeMavClient(DEVICES, failures={(service, None): refused})
    result = mav_listings.listing_result([1, 2, 3], "auto", service, lambda deviceid, version: client.list_mav_threats(
        deviceid, version) if service == "list_mav_threats" else client.list_mav_quarantine(deviceid, "ALL", version),
        workers=1)
    assert [device.get("skipped", False) for device in result["results"]] == [False, True, True]
    assert result["results"][2]["msg"] == ("Skipped device 3: an earlier item failed in a way every call would "
                                           "repeat: Device 1: Connection refused by N-sight.")
    assert result["devices"] == result["results"]
    assert len(client.calls) == 1


def test_a_bad_answer_is_a_failure_of_that_device(listing):
    module, service = listing
    client = FakeMavClient(DEVICES, failures={(service, 1): ResponseParseError("N-sight answered oddly.")})
    result = run(module, client, deviceid=1)
    assert result["failed"] is True and result["devices"][0]["msg"] == "Device 1: N-sight answered oddly."


@pytest.mark.parametrize("args, message", [
    (dict(), "Give deviceid (one device) or deviceids (several)."),
    (dict(deviceid=-3), "deviceid must be a positive integer"),
    (dict(deviceids=[]), "deviceids is empty"),
])
def test_bad_input_is_refused_before_any_call(listing, args, message):
    module, service = listing
    client = FakeMavClient(DEVICES)
    with pytest.raises(InvalidOptionError) as raised:
        run(module, client, **args)
    assert message in raised.value.message
    assert client.calls == []


# --------------------------------------------------------------------------- through main() over HTTP

ENVELOPE = '<?xml version="1.0" ?>\n<result status="OK">{0}</result>'


@pytest.fixture
def main(local_server, capsys, listing):
    module, dummy = listing
    return module_runner(module.main, dict(server=local_server.url, api_key=KEY, retries=0, rate_limit=0),
                         [KEY, quote(KEY, safe="")], capsys)


def test_main_returns_every_child_of_items_raw(local_server, main, listing):
    module, service = listing
    body = ENVELOPE.format('<items count="3"><threat><name><![CDATA[A & B]]></name><size>12</size></threat>'
                           '<threat><name>C</name></threat><entry>just text</entry></items>')
    local_server.script(Reply(body=body))
    result = main(deviceid=7)
    assert result.rc == 0, result
    (device,) = result["devices"]
    assert device["engine"] == "bitdefender"
    assert device["rows"] == [{"name": "A & B", "size": "12"}, {"name": "C"}, {"entry": "just text"}]
    (request,) = local_server.requests
    assert request.param("service") == service and request.param("deviceid") == "7"
    assert request.param("v") is None
    if service == "list_mav_quarantine":
        assert request.param("items") == "CURRENT"


def test_main_empty_items_then_vipre(local_server, main, listing):
    module, service = listing
    local_server.script(Reply(body=ENVELOPE.format("<items />")),
                        Reply(body=ENVELOPE.format("<items><row><name>V</name></row></items>")))
    result = main(deviceid=7)
    assert result["devices"] == result["results"] == [{
        "deviceid": 7, "service": service, "changed": False, "engine": "vipre", "rows": [{"name": "V"}],
        "msg": "{0}: 1 row(s) for device 7 (vipre engine).".format(service)}]
    assert [request.param("v") for request in local_server.requests] == [None, "1"]


def test_main_fail_answer_fails_the_device_and_the_task_without_the_key(local_server, main):
    local_server.script(Reply(body='<?xml version="1.0" ?>\n<result status="FAIL"><msg>No access for {0}</msg>'
                                   '</result>'.format(KEY)))
    result = main(deviceid=7)
    assert result.rc == 1 and result.failed
    assert "answered FAIL" in result["devices"][0]["msg"] and "********" in result["devices"][0]["msg"]


def test_main_unexpected_items_text_is_a_parse_error(local_server, main):
    local_server.script(Reply(body=ENVELOPE.format("<items>oops</items>")))
    result = main(deviceid=7)
    assert result.rc == 1
    assert "unexpected <items> element" in result["devices"][0]["msg"]


@pytest.mark.parametrize("args, fragment", [
    (dict(deviceid=1, deviceids=[2]), "mutually exclusive"),
    (dict(deviceid=1, engine="mcafee"), "engine"),
    (dict(deviceid=1, retries=11), "retries must be from 0 to 10"),
    (dict(deviceids=[0]), "deviceids must hold positive integers"),
])
def test_main_bad_input_fails_without_any_request(local_server, main, args, fragment):
    result = main(**args)
    assert result.rc == 1 and fragment in result["msg"]
    assert local_server.requests == []


def test_main_quarantine_items_refused_when_unknown(local_server, capsys):
    runner = module_runner(nsight_mav_quarantine_info.main, dict(server=local_server.url, api_key=KEY), [KEY], capsys)
    result = runner(deviceid=1, items="CURRENT")
    assert result.rc == 1 and "items" in result["msg"] and local_server.requests == []
