# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import quote

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    TransportError,
    WfbssApiError,
)
from ansible_collections.msp.antivirus.plugins.modules import wfbss_group_info
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Reply
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import ansible_module, module_runner

TOKEN = "group-token+4a6e/9d55=7f0e"
SECRET = "group/secret=key%20x+y"
ACME = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
GROUPS_PATH = "/SMPI/v2.8/service/wfbss/api/customers/groups"


def groups_of(cid):
    return [{"id": cid + "-S", "name": "Servers (default)", "type": "server"},
            {"id": cid + "-D", "name": "Desktops (default)", "type": "desktop", "extra": 1}]


class FakeWfbss:
    warnings = []

    def __init__(self, known=None, error=None, errors=None):
        self.known = known
        self.error = error
        # {call index: error}: the calls that fail, the others answer.
        self.errors = errors or {}
        self.asked = []

    def customer_groups(self, cids):
        self.asked.append(list(cids))
        error = self.errors.get(len(self.asked) - 1, self.error)
        if error is not None:
            raise error
        return [{"id": cid, "groups": groups_of(cid)} for cid in cids if self.known is None or cid in self.known]

    def close(self):
        pass


def run(client, **args):
    args.setdefault("access_token", TOKEN)
    args.setdefault("secret_key", SECRET)
    return wfbss_group_info.run(ansible_module(wfbss_group_info.build_module, args), client)


def test_groups_of_each_customer_with_their_cid_and_the_gids():
    client = FakeWfbss()
    result = run(client, cids=["A", "B", "A"])
    assert client.asked == [["A", "B"]]
    assert result["changed"] is False
    assert result["customers"] == [{"id": "A", "groups": groups_of("A")}, {"id": "B", "groups": groups_of("B")}]
    assert result["groups"][1] == dict(groups_of("A")[1], cid="A")
    assert result["gids"] == ["A-S", "A-D", "B-S", "B-D"]
    assert result["not_found"] == []
    assert result["msg"] == "4 group(s) of 2 customer(s)."


def test_integer_group_ids_as_in_the_documented_example_are_gids_as_strings():
    client = FakeWfbss()
    client.customer_groups = lambda cids: [{"id": cid, "groups": [
        {"type": 1, "id": 1, "name": "Device (Default)"}, {"type": 2, "id": 2, "name": "Server (Default)"},
        {"type": 3, "id": True, "name": "not an id"}, {"type": 4, "id": "", "name": "empty"}]} for cid in cids]
    result = run(client, cids=[ACME])
    # The groups stay as the API gave them; gids, fed to wfbss_scan's list of str, writes the integers in decimal.
    assert [group["id"] for group in result["groups"]] == [1, 2, True, ""]
    assert result["gids"] == ["1", "2"]


def test_more_than_ten_customers_are_asked_for_ten_at_a_time():
    cids = ["C{0:02d}".format(index) for index in range(23)]
    client = FakeWfbss()
    result = run(client, cids=cids)
    assert client.asked == [cids[:10], cids[10:20], cids[20:]]
    assert len(result["customers"]) == 23 and len(result["gids"]) == 46


def test_customers_left_out_of_the_answer_are_not_found():
    result = run(FakeWfbss(known={"A"}), cids=["A", "NOBODY"])
    assert result["not_found"] == ["NOBODY"]
    assert "No groups were listed for 1 customer id(s): NOBODY." in result["msg"]
    assert "failed" not in result


def test_a_failed_call_fails_its_customers_with_the_first_failure_at_the_top():
    error = WfbssApiError("WFBSS answered HTTP 401 ...", http_status=401)
    result = run(FakeWfbss(error=error), cids=["A", "B"])
    assert result["failed"] is True and result["http_status"] == 401
    assert result["msg"].startswith("WFBSS answered HTTP 401 ...")
    assert [(item["cid"], item["failed"], item["http_status"]) for item in result["results"]] == [
        ("A", True, 401), ("B", True, 401)]


def test_a_call_that_fails_by_transport_fails_only_its_customers():
    cids = ["C{0:02d}".format(number) for number in range(23)]
    client = FakeWfbss(errors={1: TransportError("Connection reset for WFBSS at https://x/.")})
    result = run(client, cids=cids)
    assert len(client.asked) == 3
    assert result["failed"] is True and result["msg"].startswith("Connection reset")
    failed = [item["cid"] for item in result["results"] if item.get("failed")]
    assert failed == cids[10:20]
    assert len(result["customers"]) == 13 and result["not_found"] == []


def test_a_failure_every_call_would_repeat_skips_the_calls_after_it():
    cids = ["C{0:02d}".format(number) for number in range(23)]
    client = FakeWfbss(errors={0: WfbssApiError("WFBSS answered HTTP 401.", http_status=401)})
    result = run(client, cids=cids)
    assert len(client.asked) == 1
    assert all(item["failed"] for item in result["results"])
    assert [item["cid"] for item in result["results"] if item.get("skipped")] == cids[10:]
    assert "WFBSS answered HTTP 401." in result["results"][-1]["msg"]


@pytest.mark.parametrize("cids, message", [([], "cids is empty"), (["A,B"], "cids must be single")])
def test_bad_input_is_refused_before_any_call(cids, message):
    client = FakeWfbss()
    with pytest.raises(InvalidOptionError) as raised:
        run(client, cids=cids)
    assert message in raised.value.message and client.asked == []


@pytest.fixture
def main(local_server, capsys):
    return module_runner(wfbss_group_info.main, dict(url=local_server.url, access_token=TOKEN, secret_key=SECRET,
                                                     retries=0), [TOKEN, SECRET, quote(TOKEN, safe=""),
                                                                  quote(SECRET, safe="")], capsys)


def json_reply(status, body):
    return Reply(status, json.dumps(body), content_type="application/json")


def test_main_gets_customers_groups_signed(local_server, main):
    local_server.script(json_reply(200, {"customers": [{"id": ACME, "groups": groups_of(ACME)}]}))
    result = main(cids=[ACME])
    assert result.rc == 0, result
    (request,) = local_server.requests
    assert (request.method, request.path, request.param("cids")) == ("GET", GROUPS_PATH, ACME)
    assert request.headers["x-access-token"] == TOKEN and request.headers["x-signature"]
    assert result["gids"] == [ACME + "-S", ACME + "-D"]


@pytest.mark.parametrize("body", [{"groups": []}, {"customers": {"id": ACME}}, {"customers": [{"id": ACME, "groups": 3}]},
                                  ["x"]])
def test_main_answer_without_the_documented_shape_fails_clearly(local_server, main, body):
    local_server.script(json_reply(200, body))
    result = main(cids=[ACME])
    assert result.rc == 1 and "without the documented customers[].groups[] list" in result["msg"]


def test_main_http_error_says_what_to_check(local_server, main):
    local_server.script(json_reply(401, {"error_subject": "AuthenticationFailureAccessToken", "error_message": "x"}))
    result = main(cids=[ACME])
    assert result.rc == 1 and result["http_status"] == 401 and "check access_token" in result["msg"]


def test_main_bad_input_sends_nothing(local_server, main):
    result = main(cids=[""])
    assert result.rc == 1 and "cids must be single" in result["msg"]
    assert local_server.requests == []


def test_main_check_mode_reads(local_server, main):
    local_server.script(json_reply(200, {"customers": []}))
    result = main(check_mode=True, cids=[ACME])
    assert result.rc == 0 and result["not_found"] == [ACME]
    assert len(local_server.requests) == 1
