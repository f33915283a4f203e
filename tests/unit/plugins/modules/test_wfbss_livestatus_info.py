# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import quote

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError, TransportError
from ansible_collections.msp.antivirus.plugins.modules import wfbss_livestatus_info
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Reply
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import ansible_module, module_runner

TOKEN = "live-token+4a6e/9d55=7f0e"
SECRET = "live/secret=key%20x+y"
ACME = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
LIVESTATUS_PATH = "/SMPI/v2.8/service/wfbss/api/customers/livestatus"
STATUS = {"wtp": {"light": 1, "incident_exceed": {"count": 3, "start_time": 1, "end_time": 2}}, "update_time": 2}


class FakeWfbss:
    warnings = []

    def __init__(self, known=None, errors=None):
        self.known = known
        self.errors = errors or {}
        self.asked = []

    def livestatus(self, cids, begin_time=None):
        self.asked.append((list(cids), begin_time))
        error = self.errors.get(len(self.asked) - 1)
        if error is not None:
            raise error
        return [{"id": cid, "livestatus": STATUS} for cid in cids if self.known is None or cid in self.known]

    def close(self):
        pass


def run(client, **args):
    args.setdefault("access_token", TOKEN)
    args.setdefault("secret_key", SECRET)
    return wfbss_livestatus_info.run(ansible_module(wfbss_livestatus_info.build_module, args), client)


def test_the_live_status_of_each_customer():
    client = FakeWfbss(known={"A"})
    result = run(client, cids=["A", "B", "A"])
    assert client.asked == [(["A", "B"], None)]
    assert result["changed"] is False and "failed" not in result and "begin_time" not in result
    assert result["livestatus"] == {"A": STATUS}
    assert [(item["cid"], item["found"], item["livestatus"]) for item in result["results"]] == [
        ("A", True, STATUS), ("B", False, None)]


@pytest.mark.parametrize("begin_time, seconds", [(1370315252, 1370315252), ("1370315252", 1370315252),
                                                 ("2026-12-07", 1796601600),
                                                 ("2026-12-07T10:30:00+02:00", 1796632200)])
def test_begin_time_is_sent_in_unix_seconds(begin_time, seconds):
    client = FakeWfbss()
    result = run(client, cids=["A"], begin_time=begin_time)
    assert client.asked == [(["A"], seconds)] and result["begin_time"] == seconds


def test_more_than_ten_customers_in_calls_of_ten_one_failing_alone():
    cids = ["C{0:02d}".format(number) for number in range(23)]
    client = FakeWfbss(errors={0: TransportError("Connection reset for WFBSS at https://x/.")})
    result = run(client, cids=cids)
    assert [asked[0] for asked in client.asked] == [cids[:10], cids[10:20], cids[20:]]
    assert result["failed"] is True and result["msg"].startswith("Connection reset")
    assert [item["cid"] for item in result["results"] if item.get("failed")] == cids[:10]
    assert sorted(result["livestatus"]) == cids[10:]


@pytest.mark.parametrize("args, message", [(dict(cids=[]), "cids is empty"),
                                           (dict(cids=["A"], begin_time="last week"), "is not a time"),
                                           (dict(cids=["A"], begin_time=-3), "before 1970")])
def test_bad_input_is_refused_before_any_call(args, message):
    client = FakeWfbss()
    with pytest.raises(InvalidOptionError) as raised:
        run(client, **args)
    assert message in raised.value.message and client.asked == []


@pytest.fixture
def main(local_server, capsys):
    return module_runner(wfbss_livestatus_info.main, dict(url=local_server.url, access_token=TOKEN,
                                                          secret_key=SECRET, retries=0),
                         [TOKEN, SECRET, quote(TOKEN, safe=""), quote(SECRET, safe="")], capsys)


def json_reply(status, body):
    return Reply(status, json.dumps(body), content_type="application/json")


def test_main_gets_customers_livestatus_signed(local_server, main):
    local_server.script(json_reply(200, {"paging": {"total": 1, "limit": 25, "page": 1},
                                         "customers": [{"id": ACME, "livestatus": STATUS}]}))
    result = main(cids=[ACME], begin_time="2026-12-07T10:30:00Z")
    assert result.rc == 0, result
    (request,) = local_server.requests
    assert (request.method, request.path, request.param("cids"), request.param("begin_time")) == (
        "GET", LIVESTATUS_PATH, ACME, "1796639400")
    assert request.headers["x-access-token"] == TOKEN and request.headers["x-signature"]
    assert result["livestatus"] == {ACME: STATUS} and result["begin_time"] == 1796639400


def test_main_http_error_says_what_to_check(local_server, main):
    local_server.script(json_reply(401, {"error_subject": "AuthenticationFailureAccessToken", "error_message": "x"}))
    result = main(cids=[ACME])
    assert result.rc == 1 and result["http_status"] == 401 and "check access_token" in result["msg"]


def test_main_bad_begin_time_sends_nothing(local_server, main):
    result = main(cids=[ACME], begin_time="tomorrow")
    assert result.rc == 1 and "begin_time 'tomorrow' is not a time" in result["msg"]
    assert local_server.requests == []


def test_main_malformed_answer_fails_clearly(local_server, main):
    local_server.script(json_reply(200, {"customers": {"id": ACME}}))
    result = main(cids=[ACME])
    assert result.rc == 1 and "without the expected paging and customers[]" in result["msg"]
