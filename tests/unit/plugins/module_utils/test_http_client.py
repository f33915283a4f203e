# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import gzip
import tracemalloc
import zlib
import socket
import time
import traceback
from urllib.parse import quote

import pytest
import requests

from ansible_collections.msp.antivirus.plugins.module_utils import http_client
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    HttpStatusError,
    InvalidOptionError,
    TransportError,
)
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import (
    MAX_BODY_BYTES,
    MAX_DELAY_SECONDS,
    REDACTED,
    HttpClient,
    Redactor,
    backoff_delay,
    clean_secret,
    parse_retry_after,
    split_base_url,
)
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import (
    Drip,
    Drop,
    Endless,
    LocalServer,
    Reply,
    Reset,
    Truncate,
)

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


# The documented waits, written out rather than computed with the implementation's own formula:
# half of 1 s * 2**attempt fixed, the other half random, never over 60 s.
BACKOFF_BOUNDS = [(0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0), (8.0, 16.0), (16.0, 32.0), (30.0, 60.0), (30.0, 60.0)]


@pytest.mark.parametrize("attempt, bounds", list(enumerate(BACKOFF_BOUNDS)))
def test_backoff_jitter_bounds_and_spread(attempt, bounds):
    low, high = bounds
    delays = [backoff_delay(attempt) for dummy in range(200)]
    assert all(low <= delay <= high for delay in delays)
    assert len(set(delays)) > 1  # there is jitter
    # Spread over the whole range, not bunched at one end.
    assert min(delays) < low + (high - low) / 4 and max(delays) > high - (high - low) / 4


def test_backoff_never_shorter_than_retry_after():
    for attempt in range(4):
        assert backoff_delay(attempt, retry_after=30.0) >= 30.0
    # A Retry-After shorter than the backoff does not shorten it.
    assert backoff_delay(3, retry_after=0.0) >= 4.0


def test_backoff_capped():
    assert all(backoff_delay(attempt) <= MAX_DELAY_SECONDS for attempt in range(12))
    assert backoff_delay(12) >= MAX_DELAY_SECONDS / 2
    assert backoff_delay(0, retry_after=3600.0) == MAX_DELAY_SECONDS
    # The documented cap, as a number: a changed constant must not carry the test along.
    assert MAX_DELAY_SECONDS == 60.0
    assert all(backoff_delay(attempt) <= 60.0 for attempt in range(12))
    assert backoff_delay(0, retry_after=3600.0) == 60.0


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
    return HttpClient("N-sight", "server", redactor=Redactor(secrets=[SECRET], query_keys=["apikey"]), **kwargs)


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
    assert "the request to N-sight at" in message and "after 3 attempt(s)" in message
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
    assert message.startswith("No complete answer within 0.3 s")
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
    # The layer promises a TransportError, never a raw requests exception, and its text must not carry the key.
    local_server.script(*[Truncate() for dummy in range(4)])
    with pytest.raises(TransportError) as raised:
        make_client(sleeps, retries=0).request("GET", api_url(local_server), params={"apikey": SECRET})
    assert not isinstance(raised.value, requests.exceptions.RequestException)
    assert SECRET not in str(raised.value)
    assert quote(SECRET, safe="") not in str(raised.value)
    assert "the request to N-sight at" in str(raised.value) and "after 1 attempt(s)" in str(raised.value)
    assert raised.value.outcome_unknown is True


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


# --------------------------------------------------------------------------- hostile servers

@pytest.fixture
def elsewhere():
    """A second server, where a redirect would lead: it must never be asked anything."""
    server = LocalServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_redirect_is_never_followed(local_server, elsewhere, sleeps, status, method):
    target = elsewhere.url + "/steal?apikey=" + quote(SECRET, safe="")
    local_server.script(Reply(status, headers={"Location": target}))
    with pytest.raises(HttpStatusError) as raised:
        make_client(sleeps).request(method, api_url(local_server), params={"apikey": SECRET})
    message = str(raised.value)
    assert "HTTP {0} to {1}/steal?apikey={2}".format(status, elsewhere.url, REDACTED) in message
    assert "never followed" in message and "server option" in message
    assert SECRET not in message and quote(SECRET, safe="") not in message
    assert raised.value.details["http_status"] == status
    assert len(local_server.requests) == 1 and elsewhere.requests == []
    assert sleeps.delays == []


def test_body_over_the_cap_is_refused_unretried(local_server, sleeps):
    local_server.script(Reply(body=b"x" * (MAX_BODY_BYTES + 1)))
    with pytest.raises(TransportError) as raised:
        make_client(sleeps).request("GET", api_url(local_server), params={"apikey": SECRET})
    assert "larger than 16 MiB" in str(raised.value)
    assert len(local_server.requests) == 1


def test_body_at_the_cap_is_read(local_server, sleeps):
    local_server.script(Reply(body=b"x" * MAX_BODY_BYTES))
    response = make_client(sleeps).request("GET", api_url(local_server))
    assert len(response.content) == MAX_BODY_BYTES


def gzip_of_zeros(size):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(block) for _block in range(size // len(block))]
    return b"".join(parts) + compressor.flush()


def test_gzip_bomb_never_inflates_past_the_cap(local_server, sleeps):
    bomb = gzip_of_zeros(256 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    local_server.script(Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        with pytest.raises(TransportError) as raised:
            make_client(sleeps).request("GET", api_url(local_server))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than 16 MiB (after decompression)" in str(raised.value)
    # The cap plus a little: never the 256 MiB the bomb inflates to.
    assert peak < 3 * MAX_BODY_BYTES


def test_gzip_body_is_decoded(local_server, sleeps):
    local_server.script(Reply(body=gzip.compress(b"<result/>"), headers={"Content-Encoding": "gzip"}))
    response = make_client(sleeps).request("GET", api_url(local_server))
    assert response.content == b"<result/>"
    assert local_server.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


def test_corrupt_gzip_body_is_a_transport_error(local_server, sleeps):
    local_server.script(Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    with pytest.raises(TransportError):
        make_client(sleeps, retries=0).request("GET", api_url(local_server))


def test_timeout_bounds_a_dripping_answer(local_server, sleeps):
    # 40 bytes at 0.1 s each would take 4 s; the whole request may take 1 s.
    local_server.script(Drip("<result>" + "x" * 32, delay=0.1))
    started = time.monotonic()
    with pytest.raises(TransportError) as raised:
        make_client(sleeps, retries=0, timeout=1).request("GET", api_url(local_server))
    assert time.monotonic() - started < 2.0
    assert str(raised.value).startswith("No complete answer within 1 s")
    assert raised.value.outcome_unknown is True


def test_endless_body_stops_at_the_cap_or_the_deadline(local_server, sleeps):
    local_server.script(Endless())
    started = time.monotonic()
    with pytest.raises(TransportError):
        make_client(sleeps, retries=0, timeout=3).request("GET", api_url(local_server))
    assert time.monotonic() - started < 4.0


def test_answer_after_a_lost_answer_is_marked(local_server, sleeps):
    local_server.script(Drop(), Reply(body="second"))
    response = make_client(sleeps).request("GET", api_url(local_server))
    assert (response.content, response.after_lost_answer) == (b"second", True)


def test_answer_without_loss_is_not_marked(local_server, sleeps):
    local_server.script(Reply(503), Reply(body="second"))
    response = make_client(sleeps).request("GET", api_url(local_server))
    assert response.after_lost_answer is False


def test_refused_connection_is_not_a_lost_answer(sleeps):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(TransportError) as raised:
        make_client(sleeps, retries=1).request("POST", "http://127.0.0.1:{0}/api/".format(port))
    # Never sent, so a POST is retried too, and nothing is uncertain.
    assert raised.value.outcome_unknown is False and len(sleeps.delays) == 1


def test_post_whose_answer_was_lost_is_not_sent_again(local_server, sleeps):
    local_server.script(Drop(), Reply(body="{}"))
    with pytest.raises(TransportError) as raised:
        make_client(sleeps).request("POST", api_url(local_server))
    assert raised.value.outcome_unknown is True
    assert "not sent again" in str(raised.value)
    assert len(local_server.requests) == 1


def test_post_answered_503_is_retried(local_server, sleeps):
    local_server.script(Reply(503), Reply(body="{}"))
    response = make_client(sleeps).request("POST", api_url(local_server))
    assert response.status_code == 200 and len(local_server.requests) == 2


def test_lost_answers_on_every_attempt_are_outcome_unknown(local_server, sleeps):
    local_server.script(Drop(), Drop())
    with pytest.raises(TransportError) as raised:
        make_client(sleeps, retries=1).request("GET", api_url(local_server))
    assert raised.value.outcome_unknown is True and raised.value.retryable is True


def test_redirect_to_a_url_holding_the_encoded_secret_outside_any_query_key(local_server, sleeps):
    # Not after "apikey=": only the redaction of the URL-encoded form can hide it, in the message and the traceback.
    encoded = quote(SECRET, safe="")
    assert encoded != SECRET
    local_server.script(Reply(302, headers={"Location": "https://elsewhere.example/k/" + encoded + "/steal"}))
    with pytest.raises(HttpStatusError) as raised:
        make_client(sleeps).request("GET", api_url(local_server), params={"apikey": SECRET})
    rendered = "".join(traceback.format_exception(type(raised.value), raised.value, raised.value.__traceback__))
    assert "HTTP 302 to https://elsewhere.example/k/{0}/steal".format(REDACTED) in str(raised.value)
    assert encoded not in rendered and SECRET not in rendered
    assert encoded not in repr(raised.value.details)


def test_exception_text_holding_the_encoded_secret_leaves_redacted(local_server, sleeps):
    encoded = quote(SECRET, safe="")

    def sign(prepared):
        raise ValueError("Invalid header value b'" + encoded + "'")

    with pytest.raises(TransportError) as raised:
        make_client(sleeps).request("GET", api_url(local_server), sign=sign)
    rendered = "".join(traceback.format_exception(type(raised.value), raised.value, raised.value.__traceback__))
    assert encoded not in rendered
    assert "Invalid header value b'{0}'".format(REDACTED) in str(raised.value)


def test_any_exception_of_the_send_path_leaves_redacted(local_server, sleeps):
    def sign(prepared):
        raise ValueError("Invalid header value " + SECRET + "\n")

    with pytest.raises(TransportError) as raised:
        make_client(sleeps).request("GET", api_url(local_server), params={"apikey": SECRET}, sign=sign)
    rendered = "".join(traceback.format_exception(type(raised.value), raised.value, raised.value.__traceback__))
    assert SECRET not in rendered and quote(SECRET, safe="") not in rendered
    assert "ValueError" in str(raised.value) and local_server.requests == []


def test_long_exception_texts_are_shortened(sleeps):
    client = make_client(sleeps)
    error = client._transport_error("http://h/", requests.exceptions.ConnectionError("x" * 5000), 1, False)
    assert len(str(error)) < 600


# --------------------------------------------------------------------------- base URLs and secrets

@pytest.mark.parametrize("value, fragment", [
    ("127.0.0.1:99999", "Port out of range"),
    ("127.0.0.1:abc", "Port could not be cast"),
    ("https://host:0", "port 0 is not a port"),
    ("[::1", "Invalid IPv6 URL"),
    ("a..b", "'a..b' is not a host name"),
    ("-a.example", "is not a host name"),
    ("www.system monitor.us", "a space or a control character"),
    ("www.systemmonitor.us\n", None),
    ("http://www.systemmonitor.us", "plain http"),
    ("http://10.0.0.5:8080", "plain http"),
    ("ftp://127.0.0.1", "unsupported scheme"),
])
def test_bad_base_urls_are_refused(value, fragment):
    if fragment is None:
        # Whitespace around a value is dropped, not refused.
        assert split_base_url(value, "server", "www.systemmonitor.us")[1] == "www.systemmonitor.us"
        return
    with pytest.raises(InvalidOptionError) as raised:
        split_base_url(value, "server", "www.systemmonitor.us")
    assert fragment in str(raised.value) and str(raised.value).startswith("server ")


@pytest.mark.parametrize("value", ["https://user:pa55word@host", "user@host", "http://:pa55word@127.0.0.1:8080/x"])
def test_user_info_is_refused_without_echo(value):
    with pytest.raises(InvalidOptionError) as raised:
        split_base_url(value, "server", "www.systemmonitor.us")
    assert "user name or password" in str(raised.value)
    assert "pa55word" not in str(raised.value) and "user@" not in str(raised.value)


@pytest.mark.parametrize("value, expected", [
    ("www.systemmonitor.us", ("https", "www.systemmonitor.us", "")),
    ("http://127.0.0.1:8080", ("http", "127.0.0.1:8080", "")),
    ("http://127.8.9.1:8080/", ("http", "127.8.9.1:8080", "")),
    ("http://[::1]:8080/api/", ("http", "[::1]:8080", "/api")),
    ("http://localhost:1", ("http", "localhost:1", "")),
    ("https://host.example:8443/prefix/", ("https", "host.example:8443", "/prefix")),
    ("https://10.0.0.5", ("https", "10.0.0.5", "")),
])
def test_good_base_urls(value, expected):
    assert split_base_url(value, "server", "www.systemmonitor.us") == expected


def test_secret_whitespace_is_stripped():
    assert clean_secret("  abc-123\n", "api_key", "the key") == "abc-123"


@pytest.mark.parametrize("value", ["abc\n123", "abc\t123", "abc\x00", "ab\u00e9c", "key\u2028x"])
def test_secret_with_control_or_non_ascii_is_refused_unshown(value):
    with pytest.raises(InvalidOptionError) as raised:
        clean_secret(value, "access_token", "the access token")
    message = str(raised.value)
    assert message.startswith("access_token holds a control character") and "not shown" in message
    assert value.strip() not in message and "abc" not in message


@pytest.mark.parametrize("value", ["", "   ", "\n", None])
def test_empty_secret_is_refused(value):
    with pytest.raises(InvalidOptionError) as raised:
        clean_secret(value, "api_key", "the key")
    assert str(raised.value) == "api_key is empty: give the key."


# --------------------------------------------------------------------------- visible retries

def test_every_retry_leaves_a_warning_naming_service_status_and_wait(local_server, sleeps):
    local_server.script(Reply(503, headers={"Retry-After": "7"}), Drop(), Reply(body="ok"))
    client = make_client(sleeps)
    client.request("GET", api_url(local_server), params={"apikey": SECRET}, label="mav_scan_pause")
    assert client.warnings == [
        "N-sight mav_scan_pause: HTTP 503 with Retry-After 7 s on attempt 1 of 4; retrying in 7.0 s.",
        "N-sight mav_scan_pause: no complete answer (timeout or connection lost) on attempt 2 of 4; "
        "retrying in {0:.1f} s.".format(sleeps.delays[1]),
    ]
    assert sleeps.delays[0] == 7.0
    # The second wait is the backoff alone: 1 to 2 s.
    assert 1.0 <= sleeps.delays[1] <= 2.0


def test_no_retry_no_warning(local_server, sleeps):
    local_server.script(Reply(body="ok"))
    client = make_client(sleeps)
    client.request("GET", api_url(local_server))
    assert client.warnings == []
