# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import nsight
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    HttpStatusError,
    InvalidOptionError,
    MspAntivirusError,
    NsightApiError,
    ResponseParseError,
    TransportError,
)
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import REDACTED
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, normalise_server
from ansible_collections.msp.antivirus.tests.unit.helpers.fake_nsight import (
    API_KEY,
    describe_xml,
    error_xml,
    fail_xml,
    ok_xml,
    scans_xml,
)
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Drop, Reply

SEED_FAIL = "Cannot execute action : scan is not running."


ENCODED_KEY = quote(API_KEY, safe="")


def assert_no_key(error):
    """The key, in any form, must appear nowhere in what an error lets out, its traceback included."""
    rendered = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    for text in (str(error), error.message, repr(error.details), rendered):
        for form in (API_KEY, ENCODED_KEY, quote_plus(API_KEY)):
            assert form not in text
        assert API_KEY[:12] not in text


def test_the_unit_key_changes_under_url_encoding():
    assert ENCODED_KEY != API_KEY and set("+/=%") <= set(API_KEY)


@pytest.fixture
def client(local_server, sleeps):
    nsight_client = NsightClient(local_server.url, API_KEY, timeout=5, retries=2)
    yield nsight_client
    nsight_client.close()


# --------------------------------------------------------------------------- normalise_server

@pytest.mark.parametrize("server, expected", [
    ("www.systemmonitor.us", "https://www.systemmonitor.us/api/"),
    ("  wwweurope1.systemmonitor.eu.com  ", "https://wwweurope1.systemmonitor.eu.com/api/"),
    ("https://www.systemmonitor.us", "https://www.systemmonitor.us/api/"),
    ("https://www.systemmonitor.us/", "https://www.systemmonitor.us/api/"),
    ("https://www.systemmonitor.us/api", "https://www.systemmonitor.us/api/"),
    ("https://www.systemmonitor.us/api/", "https://www.systemmonitor.us/api/"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/api/"),
    ("http://127.0.0.1:8080/api/", "http://127.0.0.1:8080/api/"),
    ("HTTPS://www.systemmonitor.us", "https://www.systemmonitor.us/api/"),
    ("www.systemmonitor.us:8443", "https://www.systemmonitor.us:8443/api/"),
])
def test_normalise_server(server, expected):
    assert normalise_server(server) == expected


@pytest.mark.parametrize("server, fragment", [
    ("ftp://www.systemmonitor.us", "unsupported scheme 'ftp'"),
    ("https://www.systemmonitor.us/api/?apikey=x", "no query string"),
    ("https://www.systemmonitor.us/#frag", "no query string"),
    ("https://", "not a host"),
    ("", "server is empty"),
    ("   ", "server is empty"),
    (None, "server is empty"),
])
def test_normalise_server_rejects(server, fragment):
    with pytest.raises(InvalidOptionError) as raised:
        normalise_server(server)
    assert fragment in str(raised.value)


def test_client_rejects_empty_key_before_any_request(local_server):
    with pytest.raises(InvalidOptionError) as raised:
        NsightClient(local_server.url, "")
    assert "api_key is empty" in str(raised.value)
    assert "NSIGHT_API_KEY" in str(raised.value)
    assert local_server.requests == []


def test_client_rejects_bad_server_before_any_request():
    with pytest.raises(InvalidOptionError):
        NsightClient("ftp://127.0.0.1:1", API_KEY)


# --------------------------------------------------------------------------- envelopes

def test_call_ok_with_empty_msg(local_server, client):
    local_server.script(Reply(body=ok_xml()))
    reply = client.call("mav_scan_pause", deviceid=123)
    assert reply.ok and reply.status == "OK" and reply.msg == ""
    assert reply.service == "mav_scan_pause"
    seen = local_server.requests[0]
    assert seen.path == "/api/"
    assert seen.param("apikey") == API_KEY
    assert seen.param("service") == "mav_scan_pause"
    assert seen.param("deviceid") == "123"


def test_call_utf8_body_with_charset(local_server, client):
    body = u'<?xml version="1.0" encoding="UTF-8"?><result status="FAIL"><msg>Ger\u00e4t offline</msg></result>'
    local_server.script(Reply(body=body, content_type="text/xml; charset=utf-8"))
    assert client.call("mav_scan_pause", deviceid=1).msg == u"Ger\u00e4t offline"


def test_call_utf8_body_declared_only_in_xml_prolog(local_server, client):
    body = u'<?xml version="1.0" encoding="UTF-8"?><result status="FAIL"><msg>Ger\u00e4t offline</msg></result>'
    local_server.script(Reply(body=body, content_type="text/xml"))
    assert client.call("mav_scan_pause", deviceid=1).msg == u"Ger\u00e4t offline"


def test_client_passes_connection_settings_to_the_session(local_server):
    nsight_client = NsightClient(local_server.url, API_KEY, timeout=7, retries=1, validate_certs=False)
    assert nsight_client.transport.timeout == 7
    assert nsight_client.transport.retries == 1
    assert nsight_client.transport.session.verify is False
    assert nsight_client.base_url == local_server.url + "/api/"
    nsight_client.close()


def test_call_drops_none_parameters(local_server, client):
    local_server.script(Reply(body=ok_xml()))
    client.call("list_mav_scans", deviceid=1, v=None, details="NO")
    assert sorted(local_server.requests[0].query) == ["apikey", "details", "deviceid", "service"]


def test_call_fail_with_msg_text(local_server, client):
    local_server.script(Reply(body=fail_xml(SEED_FAIL)))
    reply = client.call("mav_scan_pause", deviceid=1)
    assert not reply.ok
    assert reply.status == "FAIL"
    assert reply.msg == SEED_FAIL


def test_call_fail_msg_in_cdata(local_server, client):
    local_server.script(Reply(body=fail_xml("<![CDATA[  Unsupported action type <x>  ]]>")))
    reply = client.call("mav_scan_resume", deviceid=1)
    assert reply.msg == "Unsupported action type <x>"


@pytest.mark.parametrize("code, message, hint_words", [
    (3, "Login failed", ("api_key", "regional")),
    (4, "Invalid value for parameter: deviceid", ("device id",)),
    (5, "Missing parameter: deviceid", ("bug in msp.antivirus",)),
])
def test_error_envelope_raises_api_error_with_hint(local_server, client, code, message, hint_words):
    local_server.script(Reply(body=error_xml(code, message)))
    with pytest.raises(NsightApiError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    error = raised.value
    assert error.details["api_code"] == code
    assert error.details["api_status"] == "FAIL"
    assert "error {0}".format(code) in str(error)
    assert message in str(error)
    for word in hint_words:
        assert word in str(error).lower()
    assert_no_key(error)
    assert REDACTED in error.details["url"]


def test_error_code_3_names_key_and_regional_server(local_server, client):
    local_server.script(Reply(body=error_xml(3, "Login failed")))
    with pytest.raises(NsightApiError) as raised:
        client.call("list_mav_scans", deviceid=1)
    text = str(raised.value).lower()
    assert "check api_key" in text
    assert "regional n-sight server" in text


def test_error_unknown_code_still_typed(local_server, client):
    local_server.script(Reply(body=error_xml("x", "Strange")))
    with pytest.raises(NsightApiError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert raised.value.details["api_code"] is None
    assert "Strange" in str(raised.value)


def test_error_message_echoing_key_is_redacted(local_server, client):
    local_server.script(Reply(body=error_xml(3, "Login failed for key " + API_KEY)))
    with pytest.raises(NsightApiError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert_no_key(raised.value)
    assert REDACTED in str(raised.value)


@pytest.mark.parametrize("body", [
    "<result status='OK'><msg></result>",
    "not xml at all",
    "",
    "<?xml version='1.0'?><result status='OK'><msg>x</msg></result><result/>",
])
def test_malformed_xml_is_parse_error_with_excerpt(local_server, client, body):
    local_server.script(Reply(body=body))
    with pytest.raises(ResponseParseError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    text = str(raised.value)
    assert "not acceptable XML" in text
    assert "Body: " + body.strip()[:30] in text
    assert_no_key(raised.value)


def test_long_body_excerpt_is_short_and_single_line(local_server, client):
    body = "<html>\n" + ("garbage\n" * 200)
    local_server.script(Reply(body=body))
    with pytest.raises(ResponseParseError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    text = str(raised.value)
    excerpt = text.split("Body: ", 1)[1]
    assert "\n" not in text
    assert excerpt.endswith("...")
    # A short piece (200 characters), not the whole 1600-character body.
    assert len(excerpt) <= 210


@pytest.mark.parametrize("body", [
    '<?xml version="1.0"?><!DOCTYPE result [<!ENTITY boom "EXPANDED">]><result status="OK"><msg>&boom;</msg></result>',
    '<?xml version="1.0"?><!DOCTYPE result [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    '<result status="OK"><msg>&xxe;</msg></result>',
], ids=["internal-entity", "external-entity"])
def test_entity_declaration_refused(local_server, client, body, monkeypatch):
    # Refused by the collection itself, before any parser runs: not left to xmltodict's own refusal.
    parsed = []

    def parse(*args, **kwargs):
        parsed.append(args)
        raise AssertionError("xmltodict.parse ran on a body with an entity declaration")

    monkeypatch.setattr(nsight.xmltodict, "parse", parse)
    local_server.script(Reply(body=body))
    with pytest.raises(ResponseParseError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert "EXPANDED" not in str(raised.value).split("Body:", maxsplit=1)[0]
    assert "(entity declarations are refused)" in str(raised.value)
    assert "not acceptable XML" in str(raised.value)
    assert parsed == []


@pytest.mark.parametrize("body", [
    "<html><body>Hello</body></html>",
    '<scans status="OK"><scan/></scans>',
    '<result status="MAYBE"><msg/></result>',
    "<result>text only</result>",
])
def test_body_without_result_envelope_is_parse_error(local_server, client, body):
    local_server.script(Reply(body=body))
    with pytest.raises(ResponseParseError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert 'documented <result status="OK|FAIL"> envelope' in str(raised.value)
    assert "Check that server is the N-sight API host" in str(raised.value)


def test_html_403_is_http_status_error_with_hint(local_server, client):
    local_server.script(Reply(403, "<html><body><h1>403 Forbidden</h1></body></html>", content_type="text/html"))
    with pytest.raises(HttpStatusError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    error = raised.value
    assert error.details["http_status"] == 403
    assert "HTTP 403" in str(error)
    assert "API host of your N-sight region" in str(error)
    assert "web application firewall" in str(error)
    assert "403 Forbidden" in str(error)
    assert_no_key(error)
    assert len(local_server.requests) == 1  # 403 is not retried


def test_persistent_503_is_http_status_error_after_retries(local_server, client, sleeps):
    local_server.script(*[Reply(503, "unavailable") for dummy in range(3)])
    with pytest.raises(HttpStatusError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert raised.value.details["http_status"] == 503
    assert "throttling or unavailable" in str(raised.value)
    assert len(local_server.requests) == 3
    assert len(sleeps.delays) == 2


def test_other_status_is_http_status_error(local_server, client):
    local_server.script(Reply(404, "nope"))
    with pytest.raises(HttpStatusError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert "check the server option" in str(raised.value)


def test_bodies_echoing_the_url_encoded_key_outside_the_query_are_redacted(local_server, client):
    # Not after "apikey=": only the redaction of the key's encoded form hides it.
    local_server.script(Reply(403, "<p>Blocked: the key {0} is not allowed here</p>".format(ENCODED_KEY)),
                        Reply(body=error_xml(3, "Login failed for " + ENCODED_KEY)))
    with pytest.raises(HttpStatusError) as forbidden:
        client.call("mav_scan_pause", deviceid=1)
    assert "the key {0} is not allowed".format(REDACTED) in str(forbidden.value)
    assert_no_key(forbidden.value)
    with pytest.raises(NsightApiError) as refused:
        client.call("mav_scan_pause", deviceid=1)
    assert "Login failed for " + REDACTED in str(refused.value)
    assert_no_key(refused.value)


def test_html_body_echoing_key_is_redacted(local_server, client):
    local_server.script(Reply(403, "<p>Blocked GET /api/?apikey={0}&service=x, key {0}</p>".format(API_KEY)))
    with pytest.raises(HttpStatusError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert_no_key(raised.value)


def test_excerpt_never_leaks_part_of_key(local_server, client):
    # The key starts 190 characters in: the 200-character cut keeps its first 10 characters.
    body = "x" * 186 + "key " + API_KEY + " rejected"
    local_server.script(Reply(403, body))
    with pytest.raises(HttpStatusError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert API_KEY[:10] not in str(raised.value)


def test_transport_error_never_leaks_key(local_server, sleeps):
    local_server.script(Drop(), Drop())
    client = NsightClient(local_server.url, API_KEY, retries=1)
    with pytest.raises(TransportError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert_no_key(raised.value)
    assert "the request to N-sight at" in str(raised.value)
    assert "apikey=" + REDACTED in str(raised.value)


def test_every_error_is_an_msp_error():
    for cls in (HttpStatusError, InvalidOptionError, NsightApiError, ResponseParseError, TransportError):
        assert issubclass(cls, MspAntivirusError)
    error = NsightApiError("text", api_code=3)
    assert str(error) == "text" and error.details == {"api_code": 3}


# --------------------------------------------------------------------------- rows / describe

@pytest.mark.parametrize("statuses", [[], ["Scan In Progress"], ["RUNNING", "FINISHED", "CANCELED"]],
                         ids=["zero", "one", "many"])
def test_rows(local_server, client, statuses):
    local_server.script(Reply(body=scans_xml(statuses)))
    rows = client.rows("list_mav_scans", "items", "scan", deviceid=1, details="NO")
    assert [row["status"] for row in rows] == statuses
    assert all(isinstance(row, dict) for row in rows)


def test_rows_without_container(local_server, client):
    local_server.script(Reply(body=ok_xml()))
    assert client.rows("list_mav_scans", "items", "scan", deviceid=1) == []


def test_rows_cdata_values(local_server, client):
    local_server.script(Reply(body=scans_xml(["Scan Stopped", "Scan Finished Normally"], cdata=True)))
    rows = client.list_mav_scans(1)
    assert [row["status"] for row in rows] == ["Scan Stopped", "Scan Finished Normally"]


def test_rows_fail_is_api_error(local_server, client):
    local_server.script(Reply(body=fail_xml("No such device")))
    with pytest.raises(NsightApiError) as raised:
        client.rows("list_mav_scans", "items", "scan", deviceid=1)
    assert "FAIL to list_mav_scans: No such device" in str(raised.value)


def test_rows_unexpected_container(local_server, client):
    local_server.script(Reply(body='<result status="OK"><items>just text</items></result>'))
    with pytest.raises(ResponseParseError):
        client.rows("list_mav_scans", "items", "scan", deviceid=1)


def test_list_mav_scans_parameters(local_server, client):
    local_server.script(Reply(body=scans_xml([])), Reply(body=scans_xml([])))
    client.list_mav_scans(42)
    client.list_mav_scans(42, details="YES", engine_version=1)
    first, second = local_server.requests
    assert first.param("service") == "list_mav_scans"
    assert first.param("details") == "NO" and first.param("v") is None
    assert second.param("details") == "YES" and second.param("v") == "1"


@pytest.mark.parametrize("parameters", [("deviceid",), ("deviceid", "describe")], ids=["one", "many"])
def test_describe_parses_parameters_into_a_list(local_server, client, parameters):
    local_server.script(Reply(body=describe_xml("mav_scan_pause", parameters)))
    description = client.describe("mav_scan_pause")
    assert local_server.requests[0].param("describe") == "true"
    assert "deviceid" not in local_server.requests[0].query
    assert description["name"] == "mav_scan_pause"
    assert description["description"] == "Pause a Managed Antivirus scan on the specified device"
    assert isinstance(description["parameters"], list)
    assert [parameter["name"] for parameter in description["parameters"]] == list(parameters)
    assert description["parameters"][0]["required"] == "yes"


def test_describe_without_service_element(local_server, client):
    local_server.script(Reply(body=ok_xml()))
    with pytest.raises(ResponseParseError) as raised:
        client.describe("mav_scan_pause")
    assert "without a <service> element" in str(raised.value)


def test_missing_libraries(monkeypatch):
    assert nsight.missing_libraries() == []
    monkeypatch.setattr(nsight, "HAS_XMLTODICT", False)
    assert nsight.missing_libraries() == ["xmltodict"]
    monkeypatch.setattr(nsight.http_client, "HAS_REQUESTS", False)
    assert nsight.missing_libraries() == ["requests", "xmltodict"]


# --------------------------------------------------------------------------- hardening

def test_key_from_a_block_scalar_is_stripped_and_sent_clean(local_server, sleeps):
    local_server.script(Reply(body=ok_xml()))
    NsightClient(local_server.url, API_KEY + "\n").call("mav_scan_pause", deviceid=1)
    assert local_server.requests[0].param("apikey") == API_KEY


def test_key_with_inner_line_break_is_refused_unshown(local_server):
    with pytest.raises(InvalidOptionError) as raised:
        NsightClient(local_server.url, API_KEY[:6] + "\n" + API_KEY[6:])
    assert "api_key holds a control character" in str(raised.value)
    assert API_KEY[:6] not in str(raised.value) and local_server.requests == []


def test_long_fail_message_is_shortened(local_server, client):
    local_server.script(Reply(body=fail_xml("Cannot execute action " + "x" * 100000)))
    reply = client.call("mav_scan_pause", deviceid=1)
    assert reply.msg.startswith("Cannot execute action xxx") and len(reply.msg) <= 203


def test_long_error_message_is_shortened(local_server, client):
    local_server.script(Reply(body=error_xml(4, "Invalid value " + "y" * 100000)))
    with pytest.raises(NsightApiError) as raised:
        client.call("mav_scan_pause", deviceid=1)
    assert len(str(raised.value)) < 600


def test_reply_after_lost_answer_is_marked(local_server, client):
    local_server.script(Drop(), Reply(body=fail_xml(SEED_FAIL)))
    reply = client.call("mav_scan_pause", deviceid=1)
    assert (reply.ok, reply.msg, reply.after_lost_answer) == (False, SEED_FAIL, True)


@pytest.mark.parametrize("server", ["http://www.systemmonitor.us", "https://me:secret@www.systemmonitor.us"])
def test_unsafe_servers_refused_before_any_request(server):
    with pytest.raises(InvalidOptionError) as raised:
        NsightClient(server, API_KEY)
    assert "secret" not in str(raised.value)
