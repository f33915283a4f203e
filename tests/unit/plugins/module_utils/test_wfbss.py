# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import quote

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import wfbss
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    ResponseParseError,
    TransportError,
    WfbssApiError,
)
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import WfbssClient, normalise_url, signature
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Drop, Reply

# Secrets that change under URL encoding, so that an encoded leak cannot pass for no leak.
TOKEN = "0c8d7e2a-3b1f+4a6e/9d55=7f0e%4b2c"
SECRET = "wf+bss/secret=key%20x"
TASK_ID = "4cab9d44-ea63-41dd-9215-ac261a3bdcff"


def json_reply(status, body):
    return Reply(status, json.dumps(body), content_type="application/json")


class FixedClock:
    """Stands in for the time module in wfbss.py: the signed x-posix-time is known."""

    now = 1700000000

    @classmethod
    def time(cls):
        return cls.now


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(wfbss, "time", FixedClock)
    return FixedClock


@pytest.fixture
def client(local_server, sleeps):
    wfbss_client = WfbssClient(local_server.url, TOKEN, SECRET, timeout=5, retries=2)
    yield wfbss_client
    wfbss_client.close()


def assert_no_secrets(text):
    for secret in (TOKEN, SECRET):
        assert secret not in text and quote(secret, safe="") not in text


# --------------------------------------------------------------------------- signature

def test_signature_fixed_vector_without_body():
    # Computed with: printf '%s' "$message" | openssl dgst -sha256 -hmac emu-secret -binary | base64
    uri = "/SMPI/v2.8/service/wfbss/api/commands/reset?type=counter&cids=A%2CB"
    assert signature("emu-secret", "1700000000", "post", uri) == "Dgoj4f8Lqlk343CZJHeTaqAuHmuYNaZFdGCaYpz9Dmk="


def test_signature_fixed_vector_with_body():
    # The message ends in base64(md5(body)) = u2y1xo30ZSlByvZSo2by2A== for {"a":1}.
    uri = "/SMPI/v2.8/service/wfbss/api/customers"
    assert signature("emu-secret", "1700000000", "PUT", uri, b'{"a":1}') == "7Ibi4Ap4YfuuuIYF/n/vwpG8n9EwmTTuke0TOUkWTPM="


def test_request_is_signed_over_the_uri_as_sent(local_server, client):
    local_server.script(json_reply(200, {"task": {"id": TASK_ID, "status": "PENDING"}}))
    client.reset("counter", ["A", "B"])
    sent = local_server.requests[0]
    assert sent.headers["x-access-token"] == TOKEN and sent.headers["x-posix-time"] == "1700000000"
    assert sent.path == "/SMPI/v2.8/service/wfbss/api/commands/reset"
    assert (sent.param("type"), sent.param("cids")) == ("counter", "A,B")
    # Not signature() itself: a vector made apart from the code under test, with
    # msg='1700000000POST/SMPI/v2.8/service/wfbss/api/commands/reset?type=counter&cids=A%2CB'
    # printf '%s' "$msg" | openssl dgst -sha256 -hmac 'wf+bss/secret=key%20x' -binary | base64
    assert sent.headers["x-signature"] == "d2KMHYiaAJ0f57LrsUgoRimxOK8bSAifeuhKwgdFsLg="
    assert sent.headers["content-type"] == "application/json; charset=utf-8"


# --------------------------------------------------------------------------- URLs

@pytest.mark.parametrize("url, version, expected", [
    ("https://cspi.trendmicro.com", "v2.8", "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/"),
    ("cspi.trendmicro.com", "v2.6", "https://cspi.trendmicro.com/SMPI/v2.6/service/wfbss/api/"),
    ("https://cspi-stg.trendmicro.com/SMPI", "v2.8", "https://cspi-stg.trendmicro.com/SMPI/v2.8/service/wfbss/api/"),
    ("https://cspi-stg.trendmicro.com/smpi/", "v2.7", "https://cspi-stg.trendmicro.com/SMPI/v2.7/service/wfbss/api/"),
    ("http://127.0.0.1:8080/", "v2.8", "http://127.0.0.1:8080/SMPI/v2.8/service/wfbss/api/"),
    (None, "v2.8", "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/"),
])
def test_normalise_url(url, version, expected):
    assert normalise_url(url, version) == expected


@pytest.mark.parametrize("version", ["v2.8\n", "2.8", "v2", "v2.8/../x", "v2.8 ", ""])
def test_bad_api_version_is_refused(version):
    with pytest.raises(InvalidOptionError) as raised:
        normalise_url("https://cspi.trendmicro.com", version)
    assert "is not a version such as v2.8" in str(raised.value)


@pytest.mark.parametrize("url, fragment", [
    ("http://cspi.trendmicro.com", "plain http"),
    ("https://user:pw@cspi.trendmicro.com", "user name or password"),
])
def test_unsafe_url_is_refused(url, fragment):
    with pytest.raises(InvalidOptionError) as raised:
        WfbssClient(url, TOKEN, SECRET)
    assert fragment in str(raised.value) and "pw" not in str(raised.value)


# --------------------------------------------------------------------------- secrets

def test_secrets_from_block_scalars_are_stripped(local_server, sleeps, fixed_clock, monkeypatch):
    monkeypatch.setattr(fixed_clock, "now", 1)
    local_server.script(json_reply(200, {"task": {"id": TASK_ID, "status": "PENDING"}}))
    WfbssClient(local_server.url, TOKEN + "\n", "  " + SECRET + "\n").reset(
        "counter", ["A"])
    sent = local_server.requests[0]
    assert sent.headers["x-access-token"] == TOKEN
    # msg='1POST/SMPI/v2.8/service/wfbss/api/commands/reset?type=counter&cids=A'
    # printf '%s' "$msg" | openssl dgst -sha256 -hmac 'wf+bss/secret=key%20x' -binary | base64
    assert sent.path == "/SMPI/v2.8/service/wfbss/api/commands/reset"
    assert sent.headers["x-signature"] == "Ff/c/aAbcsujEk9veLCe4dmqnCukhkJ+xIq6bMAV4L0="


@pytest.mark.parametrize("name", ["access_token", "secret_key"])
def test_secret_with_a_line_break_inside_is_refused_unshown(local_server, name):
    values = dict(access_token=TOKEN, secret_key=SECRET)
    values[name] = values[name][:5] + "\n" + values[name][5:]
    with pytest.raises(InvalidOptionError) as raised:
        WfbssClient(local_server.url, **values)
    assert str(raised.value).startswith(name + " holds a control character")
    assert_no_secrets(str(raised.value))
    assert values[name][:5] not in str(raised.value) and local_server.requests == []


@pytest.mark.parametrize("name, variable", [("access_token", "WFBSS_ACCESS_TOKEN"), ("secret_key", "WFBSS_SECRET_KEY")])
def test_empty_secret_is_refused(local_server, name, variable):
    values = dict(access_token=TOKEN, secret_key=SECRET)
    values[name] = " "
    with pytest.raises(InvalidOptionError) as raised:
        WfbssClient(local_server.url, **values)
    assert str(raised.value).startswith(name + " is empty") and variable in str(raised.value)


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("subject, hint", [
    ("AuthenticationFailureAccessToken", "check access_token"),
    ("InvalidHeaderAccessToken", "check access_token"),
    ("AuthenticationFailureSignature", "check secret_key"),
    ("AuthenticationFailurePosixTime", "check the controller's clock"),
    ("SomethingNew", "check access_token, secret_key, and the controller's clock"),
])
def test_401_names_the_credential_to_check(local_server, client, subject, hint):
    local_server.script(json_reply(401, {"error_subject": subject, "error_message": "refused"}))
    with pytest.raises(WfbssApiError) as raised:
        client.reset("counter", ["A"])
    message = str(raised.value)
    assert message.startswith("WFBSS answered HTTP 401 {0} to POST commands/reset: refused.".format(subject))
    assert "Next: " + hint in message
    assert raised.value.details["http_status"] == 401 and raised.value.details["error_subject"] == subject


def test_error_message_echoing_secrets_is_redacted_and_shortened(local_server, client):
    local_server.script(json_reply(400, {"error_subject": "InvalidParameters" + "s" * 500,
                                         "error_message": TOKEN + " " + SECRET + " " + quote(TOKEN, safe="") + " " +
                                         quote(SECRET, safe="") + " " + "m" * 100000}))
    with pytest.raises(WfbssApiError) as raised:
        client.reset("counter", ["A"])
    assert_no_secrets(str(raised.value))
    assert len(str(raised.value)) < 800 and len(raised.value.details["error_subject"]) <= 203


@pytest.mark.parametrize("answer", [
    {"task": {"id": 12345, "status": "PENDING"}},
    {"task": {"id": "", "status": "PENDING"}},
    {"task": {"id": ["x"], "status": "PENDING"}},
    {"task": {"id": TASK_ID, "status": {"nested": 1}}},
    {"task": "PENDING"},
    ["task"],
])
def test_task_of_the_wrong_shape_is_refused(local_server, client, answer):
    local_server.script(json_reply(200, answer))
    with pytest.raises(ResponseParseError) as raised:
        client.reset("counter", ["A"])
    assert "without the documented task {id, status}" in str(raised.value)


def test_lost_answer_to_a_command_is_not_sent_again(local_server, client):
    local_server.script(Drop(), json_reply(200, {"task": {"id": TASK_ID, "status": "PENDING"}}))
    with pytest.raises(TransportError) as raised:
        client.reset("counter", ["A"])
    assert raised.value.outcome_unknown is True and len(local_server.requests) == 1


# --------------------------------------------------------------------------- customers paging

def customers_page(page, count, total, limit=100):
    rows = [{"id": "cid-{0}-{1}".format(page, index), "name": "Customer"} for index in range(count)]
    return json_reply(200, {"paging": {"total": total, "limit": limit, "page": page}, "customers": rows})


def test_paging_follows_every_page_and_stops_at_total(local_server, client):
    local_server.script(customers_page(1, 100, 250), customers_page(2, 100, 250), customers_page(3, 50, 250))
    assert len(client.customers()) == 250
    assert [request.param("page") for request in local_server.requests] == ["1", "2", "3"]


def test_paging_stops_on_a_short_page_without_total(local_server, client):
    local_server.script(customers_page(1, 100, None), customers_page(2, 7, None))
    assert len(client.customers("acme")) == 107
    assert local_server.requests[0].param("q") == "acme"


def test_server_ignoring_page_is_stopped_at_the_repeat(local_server, client):
    local_server.router = lambda request: customers_page(1, 100, 10 ** 6)
    with pytest.raises(ResponseParseError) as raised:
        client.customers()
    assert "page 2 of customers with the same customers as page 1" in str(raised.value)
    assert len(local_server.requests) == 2


def test_endless_distinct_pages_stop_at_the_page_cap(local_server, client, monkeypatch):
    monkeypatch.setattr(wfbss, "MAX_PAGES", 5)
    local_server.router = lambda request: customers_page(int(request.param("page")), 100, None)
    with pytest.raises(ResponseParseError) as raised:
        client.customers()
    assert "more than 5 pages of customers" in str(raised.value)
    assert len(local_server.requests) == 5


def test_batches_split_at_ten():
    for count, sizes in ((1, [1]), (9, [9]), (10, [10]), (11, [10, 1]), (20, [10, 10]), (21, [10, 10, 1])):
        items = ["c{0}".format(index) for index in range(count)]
        split = wfbss.batches(items)
        assert [len(batch) for batch in split] == sizes
        assert [item for batch in split for item in batch] == items


# --------------------------------------------------------------------------- read services

def computers_page(page, total, *customers):
    """A customers/computers page: ``customers`` are (cid, [device ids]) pairs."""
    entries = [{"id": cid, "eid": "E", "total": len(devices), "computers": [
        {"cid": device, "name": "PC-" + device, "ipaddr": "1.0.0.10", "gid": 1, "type": 1} for device in devices]}
        for cid, devices in customers]
    return json_reply(200, {"paging": {"total": total, "limit": 100, "page": page}, "customers": entries})


def test_computers_of_a_customer_that_spans_two_pages_are_merged(local_server, client):
    first = ["d{0}".format(index) for index in range(100)]
    local_server.script(computers_page(1, 103, ("A", ["a1"]), ("B", first[:99])),
                        computers_page(2, 103, ("B", first[99:] + ["x", "y"])))
    customers = client.computers(["A", "B"])
    assert [(customer["id"], len(customer["computers"])) for customer in customers] == [("A", 1), ("B", 102)]
    assert customers[1]["computers"][-1] == {"cid": "y", "name": "PC-y", "ipaddr": "1.0.0.10", "gid": 1, "type": 1}
    assert [(request.param("page"), request.param("limit"), request.param("cids")) for request in local_server.requests] \
        == [("1", "100", "A,B"), ("2", "100", "A,B")]


@pytest.mark.parametrize("answer", [
    {"paging": {"total": 1}, "customers": [{"id": "A"}]},
    {"paging": {"total": 1}, "customers": [{"id": "A", "computers": "none"}]},
    {"paging": {"total": 1}, "customers": [{"id": "A", "computers": ["row"]}]},
    {"customers": [{"id": "A", "computers": []}]},
    ["not", "an", "object"],
])
def test_a_devices_answer_of_another_shape_is_refused(local_server, client, answer):
    local_server.script(json_reply(200, answer))
    with pytest.raises(ResponseParseError) as raised:
        client.computers(["A"])
    assert "without the expected paging and customers[].computers[]" in str(raised.value)


def test_components_asks_for_one_customer_and_its_fields(local_server, client):
    local_server.script(json_reply(200, {"paging": {"total": 2, "limit": 100, "page": 1}, "customers": [
        {"id": "A", "computers": [{"cid": "d1", "out_of_date": True}, {"cid": "d2", "out_of_date": False}]}]}))
    rows = client.components("A", ccids=["d1", "d2"], fields=["platform", "arch"], extra_fields=["out_of_date"])
    assert rows == [{"cid": "d1", "out_of_date": True}, {"cid": "d2", "out_of_date": False}]
    request = local_server.requests[0]
    assert (request.param("cids"), request.param("ccids"), request.param("fields"), request.param("extra_fields")) \
        == ("A", "d1,d2", "platform,arch", "out_of_date")


def test_components_without_options_sends_none_of_them(local_server, client):
    local_server.script(json_reply(200, {"paging": {"total": 0, "limit": 100, "page": 1}, "customers": []}))
    assert client.components("A") == []
    assert all(local_server.requests[0].param(name) is None for name in ("ccids", "fields", "extra_fields"))


def test_livestatus_follows_pages_of_customers_and_sends_begin_time(local_server, client):
    def page(number, count):
        return json_reply(200, {"paging": {"total": 101, "limit": 100, "page": number}, "customers": [
            {"id": "C{0}-{1}".format(number, index), "livestatus": {"wtp": {"light": 0}}} for index in range(count)]})
    local_server.script(page(1, 100), page(2, 1))
    customers = client.livestatus(["A"], begin_time=1370315252)
    assert len(customers) == 101 and customers[0]["livestatus"] == {"wtp": {"light": 0}}
    assert [request.param("begin_time") for request in local_server.requests] == ["1370315252"] * 2


def test_livestatus_without_begin_time_does_not_send_it(local_server, client):
    local_server.script(json_reply(200, {"paging": {"total": 0, "limit": 100, "page": 1}, "customers": []}))
    assert client.livestatus(["A"]) == []
    assert local_server.requests[0].param("begin_time") is None
