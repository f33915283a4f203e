# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import quote

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError, WfbssApiError
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import COMPONENT_EXTRA_FIELDS, COMPONENT_FIELDS
from ansible_collections.msp.antivirus.plugins.modules import wfbss_device_info
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Reply
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import ansible_module, module_runner

TOKEN = "device-token+4a6e/9d55=7f0e"
SECRET = "device/secret=key%20x+y"
ACME = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
COMPONENTS_PATH = "/SMPI/v2.8/service/wfbss/api/components"


def rows_of(cid, count=2):
    return [{"cid": "{0}-{1}".format(cid, number), "platform": "Windows 11 Pro", "out_of_date": number % 2 == 0}
            for number in range(count)]


class FakeWfbss:
    warnings = []

    def __init__(self, error=None):
        self.error = error
        self.asked = []

    def components(self, cid, ccids=None, fields=None, extra_fields=None):
        self.asked.append(dict(cid=cid, ccids=ccids, fields=fields, extra_fields=extra_fields))
        if self.error is not None:
            raise self.error
        return rows_of(cid)

    def close(self):
        pass


def run(client, **args):
    args.setdefault("access_token", TOKEN)
    args.setdefault("secret_key", SECRET)
    return wfbss_device_info.run(ansible_module(wfbss_device_info.build_module, args), client)


def test_the_devices_of_each_customer_one_call_each():
    client = FakeWfbss()
    result = run(client, cids=["A", "B", "A"], extra_fields=["out_of_date"])
    assert [asked["cid"] for asked in client.asked] == ["A", "B"]
    assert client.asked[0] == dict(cid="A", ccids=None, fields=None, extra_fields=["out_of_date"])
    assert result["changed"] is False and "failed" not in result
    assert result["devices"] == {"A": rows_of("A"), "B": rows_of("B")}
    assert result["summary"] == {"A": {"devices": 2, "out_of_date": 1}, "B": {"devices": 2, "out_of_date": 1}}
    assert [item["cid"] for item in result["results"]] == ["A", "B"]
    assert result["results"][0]["devices"] == rows_of("A")
    assert result["msg"] == "4 device(s) of 2 customer(s); 2 out of date."


def test_without_out_of_date_no_count():
    result = run(FakeWfbss(), cids=["A"], fields=["platform", "arch"])
    assert result["summary"] == {"A": {"devices": 2}} and result["msg"] == "2 device(s) of 1 customer(s)."


def test_ccids_over_99_in_two_calls_per_customer():
    ccids = ["{0:032x}".format(number) for number in range(150)]
    client = FakeWfbss()
    run(client, cids=["A", "B"], ccids=ccids)
    assert [(asked["cid"], asked["ccids"]) for asked in client.asked] == [
        ("A", ccids[:99]), ("A", ccids[99:]), ("B", ccids[:99]), ("B", ccids[99:])]


def test_a_401_skips_the_other_customers_with_the_failure_at_the_top():
    error = WfbssApiError("WFBSS answered HTTP 401 ...", http_status=401, error_subject="AuthenticationFailure")
    client = FakeWfbss(error=error)
    result = run(client, cids=["A", "B"])
    assert len(client.asked) == 1
    assert result["failed"] is True and result["http_status"] == 401
    assert result["error_subject"] == "AuthenticationFailure"
    assert result["msg"].startswith("WFBSS answered HTTP 401 ...")
    assert [item.get("skipped", False) for item in result["results"]] == [False, True]


@pytest.mark.parametrize("args, message", [(dict(cids=[]), "cids is empty"), (dict(cids=["A,B"]), "cids must be"),
                                           (dict(cids=["A"], ccids=[""]), "ccids must be single")])
def test_bad_input_is_refused_before_any_call(args, message):
    client = FakeWfbss()
    with pytest.raises(InvalidOptionError) as raised:
        run(client, **args)
    assert message in raised.value.message and client.asked == []


def test_the_choices_are_the_documented_fields():
    module = ansible_module(wfbss_device_info.build_module, dict(access_token=TOKEN, secret_key=SECRET, cids=["A"]))
    assert module.argument_spec["fields"]["choices"] == list(COMPONENT_FIELDS)
    assert module.argument_spec["extra_fields"]["choices"] == list(COMPONENT_EXTRA_FIELDS)


@pytest.fixture
def main(local_server, capsys):
    return module_runner(wfbss_device_info.main, dict(url=local_server.url, access_token=TOKEN, secret_key=SECRET,
                                                      retries=0), [TOKEN, SECRET, quote(TOKEN, safe=""),
                                                                   quote(SECRET, safe="")], capsys)


def json_reply(status, body):
    return Reply(status, json.dumps(body), content_type="application/json")


def page(rows, total):
    return {"paging": {"total": total, "limit": 100, "page": 1}, "customers": [{"id": ACME, "computers": rows}]}


def test_main_gets_components_signed(local_server, main):
    rows = [{"cid": "031b1d0ecb52c74b8a08c7261299ca19", "platform": "x", "out_of_date": "Yes"}]
    local_server.script(json_reply(200, page(rows, 1)))
    result = main(cids=[ACME], ccids=["031b1d0ecb52c74b8a08c7261299ca19"], fields=["platform"],
                  extra_fields=["out_of_date", "label"])
    assert result.rc == 0, result
    (request,) = local_server.requests
    assert (request.method, request.path, request.param("cids")) == ("GET", COMPONENTS_PATH, ACME)
    assert (request.param("ccids"), request.param("fields"), request.param("extra_fields")) == (
        "031b1d0ecb52c74b8a08c7261299ca19", "platform", "out_of_date,label")
    assert request.headers["x-access-token"] == TOKEN and request.headers["x-signature"]
    assert result["devices"] == {ACME: rows} and result["summary"] == {ACME: {"devices": 1, "out_of_date": 1}}


def test_main_unknown_customer_has_no_devices(local_server, main):
    local_server.script(json_reply(200, {"paging": {"total": 0, "limit": 100, "page": 1}, "customers": []}))
    result = main(cids=[ACME])
    assert result.rc == 0 and result["summary"] == {ACME: {"devices": 0}} and result["devices"] == {ACME: []}


def test_main_answer_without_the_expected_shape_fails_clearly(local_server, main):
    local_server.script(json_reply(200, {"customers": [{"id": ACME, "devices": []}]}))
    result = main(cids=[ACME])
    assert result.rc == 1 and "without the expected paging and customers[].computers[]" in result["msg"]
    assert result["results"][0]["failed"] is True


def test_main_bad_field_is_refused_by_the_spec(local_server, main):
    result = main(cids=[ACME], fields=["colour"])
    assert result.rc == 1 and "fields" in result["msg"] and local_server.requests == []


def test_main_check_mode_reads(local_server, main):
    local_server.script(json_reply(200, page([], 0)))
    result = main(check_mode=True, cids=[ACME])
    assert result.rc == 0 and result["changed"] is False and len(local_server.requests) == 1
