# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import socket
import time
import traceback
from urllib.parse import quote

import pytest
import requests

from ansible_collections.msp.antivirus.plugins.module_utils import http_client
from ansible_collections.msp.antivirus.plugins.module_utils.errors import TransportError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import (
    MAX_DELAY_SECONDS,
    REDACTED,
    HttpClient,
    Redactor,
    backoff_delay,
    parse_retry_after,
)
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Drop, Reply, Reset, Truncate

SECRET = "s3cr3t-Key/with+odd=chars&more"


# --------------------------------------------------------------------------- Redactor

def test_redactor_removes_literal_secret():
    redact = Redactor(secrets=["topsecret"])
    assert redact("key is topsecret, again topsecret.") == "key is {0}, again {0}.".format(REDACTED)


def test_redactor_removes_url_encoded_secret():
    redact = Redactor(secrets=[SECRET])
    encoded = quote(SECRET, safe="")
    assert encoded != SECRET
    out = redact("literal {0} and encoded {1}".format(SECRET, encoded))
    assert SECRET not in out
    assert encoded not in out
    assert out == "literal {0} and encoded {0}".format(REDACTED)


def test_redactor_redacts_query_values_of_secret_keys():
    redact = Redactor(query_keys=["apikey"])
    out = redact("GET https://h/api/?APIKEY=abc123&service=x and '?apikey=zzz' done")
    assert "abc123" not in out and "zzz" not in out
    assert "APIKEY={0}&service=x".format(REDACTED) in out
    assert "apikey={0}'".format(REDACTED) in out


def test_redactor_query_pattern_does_not_eat_other_parameters():
    redact = Redactor(query_keys=["apikey"])
    assert redact("/api/?service=list&deviceid=5&apikey=k#frag") == "/api/?service=list&deviceid=5&apikey={0}#frag".format(REDACTED)
    # A parameter that merely ends with the name is left alone.
    assert redact("x_apikey=visible") == "x_apikey=visible"


def test_redactor_longest_secret_first():
    # "abc" is inside "abcdef": removing the short one first would leave "def" behind.
    redact = Redactor(secrets=["abc", "abcdef"])
    out = redact("value=abcdef")
    assert out == "value=" + REDACTED
    assert "def" not in out


def test_redactor_ignores_empty_secrets_and_stringifies():
    redact = Redactor(secrets=["", None, "k"])
    assert redact(ValueError("bad k")) == "bad " + REDACTED
    assert Redactor()("nothing to hide") == "nothing to hide"


# --------------------------------------------------------------------------- parse_retry_after

@pytest.mark.parametrize("value, expected", [("0", 0.0), ("7", 7.0), (" 120 ", 120.0)])
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    now = 1700000000.0
    header = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(42.0)


def test_parse_retry_after_http_date_in_the_past_is_zero():
    now = 1700000000.0
    assert parse_retry_after(email.utils.formatdate(now - 600, usegmt=True), now=now) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "1.5", "-3", "Sun, 99 Foo 20xx", "   "])
def test_parse_retry_after_garbage_is_none(value):
    assert parse_retry_after(value) is None


def test_parse_retry_after_superscript_digit_is_garbage():
    # http.client decodes headers as latin-1, so a server byte 0xB2 arrives as u"\u00b2".
    assert parse_retry_after(u"\u00b2") is None


# --------------------------------------------------------------------------- backoff_delay

def test_backoff_grows_exponentially_with_equal_jitter(monkeypatch):
    # Lowest and highest jitter: delay is in [ceiling/2, ceiling] with ceiling = base * 2**attempt.
    monkeypatch.setattr(http_client.random, "uniform", lambda low, high: low)
    low = [backoff_delay(attempt) for attempt in range(5)]
    monkeypatch.setattr(http_client.random, "uniform", lambda low, high: high)
    high = [backoff_delay(attempt) for attempt in range(5)]
    assert low == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert high == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_backoff_jitter_bounds_and_spread():
    for attempt in range(6):
        ceiling = min(MAX_DELAY_SECONDS, http_client.BACKOFF_BASE_SECONDS * 2 ** attempt)
        delays = [backoff_delay(attempt) for dummy in range(200)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1  # there is jitter


def test_backoff_never_shorter_than_retry_after():
    for attempt in range(4):
        assert backoff_delay(attempt, retry_after=30.0) >= 30.0
    # A Retry-After shorter than the backoff does not shorten it.
    assert backoff_delay(3, retry_after=0.0) >= 4.0


def test_backoff_capped():
    assert all(backoff_delay(attempt) <= MAX_DELAY_SECONDS for attempt in range(12))
    assert backoff_delay(12) >= MAX_DELAY_SECONDS / 2
    assert backoff_delay(0, retry_after=3600.0) == MAX_DELAY_SECONDS


def test_backoff_capped_for_any_attempt():
    assert backoff_delay(1100) <= MAX_DELAY_SECONDS


@pytest.mark.parametrize("status, retryable", [(200, False), (404, False), (403, False), (429, True), (500, True),
                                               (503, True), (599, True)])
def test_is_retryable_status(status, retryable):
    assert http_client.is_retryable_status(status) is retryable


# --------------------------------------------------------------------------- HttpClient against a real server

def make_client(sleeps, **kwargs):
    kwargs.setdefault("retries", 3)
    kwargs.setdefault("timeout", 5)
    return HttpClient("N-sight", "server", redactor=Redactor(secrets=[SECRET], query_keys=["apikey"]),
                      sleep=sleeps, **kwargs)


def api_url(server):
    return server.url + "/api/"


def test_request_success_sends_params_and_user_agent(local_server, sleeps):
    local_server.script(Reply(body="hello"))
    client = make_client(sleeps)
    response = client.request("GET", api_url(local_server), params={"apikey": SECRET, "service": "x"})
    assert response.status_code == 200
    assert response.text == "hello"
    seen = local_server.requests[0]
    assert seen.param("apikey") == SECRET and seen.param("service") == "x"
    assert "msp.antivirus/" + http_client.COLLECTION_VERSION in seen.headers["User-Agent"]
    assert sleeps.delays == []


def test_user_agent_is_configurable(local_server, sleeps):
    local_server.script(Reply(body="ok"))
    make_client(sleeps, user_agent="custom-agent/1").request("GET", api_url(local_server))
    assert local_server.requests[0].headers["User-Agent"] == "custom-agent/1"


@pytest.mark.parametrize("status", [429, 503, 500])
def test_request_retries_retryable_status_honouring_retry_after(local_server, sleeps, status):
    local_server.script(Reply(status, "busy", headers={"Retry-After": "7"}),
                        Reply(status, "busy", headers={"Retry-After": "9"}),
                        Reply(body="finally"))
    response = make_client(sleeps).request("GET", api_url(local_server))
    assert response.status_code == 200 and response.text == "finally"
    assert len(local_server.requests) == 3
    assert len(sleeps.delays) == 2
    assert sleeps.delays[0] >= 7 and sleeps.delays[1] >= 9
    # One keep-alive connection carried the retries too.
    assert len(local_server.connections) == 1


def test_request_retry_after_http_date_honoured(local_server, sleeps):
    local_server.script(Reply(503, headers={"Retry-After": email.utils.formatdate(time.time() + 20, usegmt=True)}),
                        Reply(body="ok"))
    make_client(sleeps).request("GET", api_url(local_server))
    assert 15 <= sleeps.delays[0] <= 21


def test_request_retry_after_capped(local_server, sleeps):
    local_server.script(Reply(429, headers={"Retry-After": "86400"}), Reply(body="ok"))
    make_client(sleeps).request("GET", api_url(local_server))
    assert sleeps.delays == [MAX_DELAY_SECONDS]


def test_request_returns_last_retryable_response_after_retries(local_server, sleeps):
    local_server.script(*[Reply(503, "down") for dummy in range(3)])
    response = make_client(sleeps, retries=2).request("GET", api_url(local_server))
    assert response.status_code == 503
    assert len(local_server.requests) == 3
    assert len(sleeps.delays) == 2


def test_request_does_not_retry_4xx(local_server, sleeps):
    local_server.script(Reply(403, "forbidden"), Reply(body="never"))
    response = make_client(sleeps).request("GET", api_url(local_server))
    assert response.status_code == 403
    assert len(local_server.requests) == 1
    assert sleeps.delays == []


def test_retries_zero_sends_exactly_once(local_server, sleeps):
    local_server.script(Reply(503, "down"), Reply(body="never"))
    response = make_client(sleeps, retries=0).request("GET", api_url(local_server))
    assert response.status_code == 503
    assert len(local_server.requests) == 1
    assert sleeps.delays == []


def test_retries_zero_connection_failure_sends_once(local_server, sleeps):
    local_server.script(Drop(), Reply(body="never"))
    with pytest.raises(TransportError) as raised:
        make_client(sleeps, retries=0).request("GET", api_url(local_server), params={"apikey": SECRET})
    assert len(local_server.requests) == 1
    assert "after 1 attempt(s)" in str(raised.value)


@pytest.mark.parametrize("failure", [Drop, Reset], ids=["dropped", "reset"])
def test_connection_failure_retried_then_succeeds(local_server, sleeps, failure):
    local_server.script(failure(), failure(), Reply(body="ok"))
    response = make_client(sleeps).request("GET", api_url(local_server), params={"apikey": SECRET})
    assert response.text == "ok"
    assert len(local_server.requests) == 3
    assert len(sleeps.delays) == 2


@pytest.mark.parametrize("failure", [Drop, Reset], ids=["dropped", "reset"])
def test_connection_failure_exhausts_retries_with_redacted_transport_error(local_server, sleeps, failure):
    local_server.script(*[failure() for dummy in range(3)])
    with pytest.raises(TransportError) as raised:
        make_client(sleeps, retries=2).request("GET", api_url(local_server), params={"apikey": SECRET, "service": "s"})
    message = str(raised.value)
    assert len(local_server.requests) == 3
    assert len(sleeps.delays) == 2
    assert "Could not reach N-sight" in message and "after 3 attempt(s)" in message
    assert "Check the server option" in message
    assert SECRET not in message and quote(SECRET, safe="") not in message
    assert "apikey=" + REDACTED in message
    assert SECRET not in repr(raised.value.details)
    assert REDACTED in raised.value.details["url"]


def test_timeout_gives_no_answer_within(local_server, sleeps):
    local_server.script(Reply(body="late", delay=1.5), Reply(body="late", delay=1.5))
    started = time.monotonic()
    with pytest.raises(TransportError) as raised:
        make_client(sleeps, retries=1, timeout=0.3).request("GET", api_url(local_server), params={"apikey": SECRET})
    assert time.monotonic() - started < 1.4
    message = str(raised.value)
    assert "no answer within 0.3 s" in message
    assert "after 2 attempt(s)" in message
    assert SECRET not in message
    assert len(sleeps.delays) == 1


def free_port():
    """A port nothing listens on once the probe socket is closed."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_unreachable_port_is_transport_error(sleeps):
    with pytest.raises(TransportError) as raised:
        make_client(sleeps, retries=1).request("GET", "http://127.0.0.1:{0}/api/".format(free_port()),
                                               params={"apikey": SECRET})
    assert SECRET not in str(raised.value)
    assert quote(SECRET, safe="") not in str(raised.value)
    assert len(sleeps.delays) == 1


def test_transport_error_traceback_never_carries_key(sleeps):
    with pytest.raises(TransportError) as raised:
        make_client(sleeps, retries=0).request("GET", "http://127.0.0.1:{0}/api/".format(free_port()),
                                               params={"apikey": SECRET})
    error = raised.value
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert SECRET not in text
    assert quote(SECRET, safe="") not in text


def test_tls_failure_not_retried_and_redacted(local_server, sleeps):
    # Speaking TLS to a plain HTTP server fails the handshake: an SSLError, which retrying cannot heal.
    url = "https://127.0.0.1:{0}/api/".format(local_server.port)
    with pytest.raises(TransportError) as raised:
        make_client(sleeps).request("GET", url, params={"apikey": SECRET})
    assert "validate_certs" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert sleeps.delays == []
    assert len(local_server.connections) == 1


def test_connection_dropped_mid_body_is_retried(local_server, sleeps):
    local_server.script(Truncate(), Reply(body="ok"))
    response = make_client(sleeps).request("GET", api_url(local_server), params={"apikey": SECRET})
    assert response.text == "ok"


def test_connection_dropped_mid_body_never_leaks_key(local_server, sleeps):
    # Whatever the exception type, its text must not carry the key.
    local_server.script(*[Truncate() for dummy in range(4)])
    with pytest.raises((TransportError, requests.exceptions.RequestException)) as raised:
        make_client(sleeps, retries=0).request("GET", api_url(local_server), params={"apikey": SECRET})
    assert SECRET not in str(raised.value)


def test_sign_called_once_per_attempt_with_fresh_request(local_server, sleeps):
    local_server.script(Reply(503), Drop(), Reply(body="ok"))
    seen = []

    def sign(prepared):
        seen.append(prepared)
        # A reused request would accumulate this header.
        previous = prepared.headers.get("X-Sign-Count", "0")
        prepared.headers["X-Sign-Count"] = str(int(previous) + 1)
        prepared.headers["X-Attempt"] = str(len(seen))

    response = make_client(sleeps).request("GET", api_url(local_server), params={"a": "1"}, sign=sign)
    assert response.text == "ok"
    assert len(seen) == 3
    assert len(set(id(prepared) for prepared in seen)) == 3
    assert [request.headers["X-Sign-Count"] for request in local_server.requests] == ["1", "1", "1"]
    assert [request.headers["X-Attempt"] for request in local_server.requests] == ["1", "2", "3"]
    assert all(prepared.url.endswith("/api/?a=1") for prepared in seen)


def test_one_connection_reused_across_sequential_calls(local_server, sleeps):
    local_server.router = lambda request: Reply(body="ok")
    client = make_client(sleeps)
    for number in range(5):
        assert client.request("GET", api_url(local_server), params={"n": str(number)}).text == "ok"
    assert len(local_server.requests) == 5
    assert len(local_server.connections) == 1
    client.close()


def test_session_settings(sleeps):
    client = make_client(sleeps, validate_certs=False, timeout=12, retries=5)
    assert client.session.verify is False
    assert client.timeout == 12 and client.retries == 5
    assert client.session.headers["User-Agent"] == http_client.USER_AGENT
    assert http_client.USER_AGENT.startswith("msp.antivirus/" + http_client.COLLECTION_VERSION)


def test_missing_libraries_reports_requests(monkeypatch):
    assert http_client.missing_libraries() == []
    monkeypatch.setattr(http_client, "HAS_REQUESTS", False)
    assert http_client.missing_libraries() == ["requests"]


def test_proxy_from_environment_is_used(local_server, sleeps, monkeypatch):
    # Error messages tell users to check their proxy: the environment's proxy must be honoured.
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", local_server.url)
    monkeypatch.setenv("http_proxy", local_server.url)
    local_server.script(Reply(body="via proxy"))
    response = make_client(sleeps).request("GET", "http://nsight.invalid/api/", params={"apikey": SECRET})
    assert response.text == "via proxy"
    assert local_server.requests[0].headers["Host"] == "nsight.invalid"
    assert local_server.requests[0].path == "/api/"
