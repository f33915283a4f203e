# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP layer: a requests.Session with timeouts, retries, TLS settings,
a User-Agent, and redaction of every secret from anything it lets out.

It trusts no server: redirects are never followed, a body is capped (after
decompression), ``timeout`` bounds the whole request, and an answer lost after
the request was sent is told apart from one never sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import email.utils
import http.client
import ipaddress
import json
import random
import re
import socket
import ssl
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    HttpStatusError,
    MspAntivirusError,
    InvalidOptionError,
    TransportError,
)

try:
    import requests
    import requests.adapters
    import urllib3.exceptions
except ImportError:
    HAS_REQUESTS = False
else:
    HAS_REQUESTS = True

# Kept equal to galaxy.yml's version by a unit test.
COLLECTION_VERSION = "1.0.0"
USER_AGENT = "msp.antivirus/{0} (Ansible collection)".format(COLLECTION_VERSION)

REDACTED = "********"
BACKOFF_BASE_SECONDS = 1.0
# No wait, whether from backoff or from a Retry-After header, exceeds this:
# a runbook step should fail visibly rather than hang for an hour.
MAX_DELAY_SECONDS = 60.0
# The most retries an option may ask for: with backoff, 10 already means minutes of waiting.
MAX_RETRIES = 10
# Bulk work runs this many requests at once over one connection pool.
POOL_SIZE = 8
# What to do about a 429 or 5xx that outlasted every retry, for both APIs.
RETRIES_EXHAUSTED_HINT = "the service is throttling or unavailable after every retry; try again later or raise retries"
# Error messages quote at most this much of an unexpected body, a message or a header.
EXCERPT_LENGTH = 200
# No real answer of either API comes near this, decompressed; a larger one is dropped unread.
MAX_BODY_BYTES = 16 * 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024
# Only these are sent again after an answer was lost: resending a POST could repeat a command.
RESENDABLE_METHODS = ("GET", "HEAD")
# The encodings this layer asks for and decodes itself, within MAX_BODY_BYTES.
ACCEPT_ENCODING = "gzip, deflate"
ZLIB_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 32 + zlib.MAX_WBITS}
HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
FORBIDDEN_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")


class Redactor:
    """Removes secrets from text: their literal and URL-encoded forms, and the
    value of any query parameter that is known to carry a secret."""

    def __init__(self, secrets=(), query_keys=()):
        self._secrets = []
        for secret in secrets:
            if secret:
                self._secrets.append(secret)
                encoded = quote(secret, safe="")
                if encoded != secret:
                    self._secrets.append(encoded)
        # Longest first, so a secret that contains another is removed whole.
        self._secrets.sort(key=len, reverse=True)
        self._query_pattern = None
        if query_keys:
            names = "|".join(re.escape(key) for key in query_keys)
            self._query_pattern = re.compile(r"(?i)\b({0})=[^&#\s'\"]*".format(names))

    def __call__(self, text):
        text = str(text)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        if self._query_pattern is not None:
            text = self._query_pattern.sub(r"\1=" + REDACTED, text)
        return text


def excerpt(text, redact):
    """A short, single-line, redacted piece of a body or a message, for error messages."""
    # Redact before cutting, so a cut cannot keep half of a secret.
    text = redact(re.sub(r"\s+", " ", str(text or "")).strip())
    if len(text) > EXCERPT_LENGTH:
        text = text[:EXCERPT_LENGTH] + "..."
    return text


def clean_secret(value, option, what):
    """A secret option without the whitespace around it (a YAML block scalar adds a newline).

    One that is empty, or holds a control or non-ASCII character, is refused without being
    shown: it could not travel in a header or a URL, and the error would print it.
    """
    value = (value or "").strip()
    if not value:
        raise InvalidOptionError("{0} is empty: give {1}.".format(option, what))
    if any(ord(character) < 0x20 or ord(character) > 0x7e for character in value):
        raise InvalidOptionError("{0} holds a control character (a line break or a tab inside it) or a non-ASCII "
                                 "character, so it cannot be sent (its value is not shown): give {1}, copied again "
                                 "as plain text.".format(option, what))
    return value


def is_loopback(host):
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_valid_host(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    return 0 < len(name) <= 253 and all(HOST_LABEL.match(label) for label in name.split("."))


def split_base_url(value, option, example):
    """(scheme, netloc, path without trailing slash) of a host or base URL that a user gave in ``option``.

    A bare host gets https://. Plain http is accepted only to a loopback address (a local emulator);
    user info (``user:password@``) is refused without being echoed.
    """
    value = (value or "").strip()
    if not value:
        raise InvalidOptionError("{0} is empty: give a host such as {1}.".format(option, example))
    if "://" not in value:
        value = "https://" + value
    authority = value.split("://", 1)[1].split("/", 1)[0]
    if "@" in authority:
        raise InvalidOptionError("{0} holds a user name or password before '@' (not shown here): give only the host, "
                                 "such as {1}; the credentials have options of their own.".format(option, example))
    problem = None
    if FORBIDDEN_IN_URL.search(value):
        problem = "it holds a space or a control character"
    else:
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError as exc:
            problem = str(exc)
        else:
            if parts.scheme not in ("http", "https"):
                raise InvalidOptionError("{0} {1!r} has the unsupported scheme {2!r}: use a host such as {3}, an "
                                         "https:// URL, or http:// for a local emulator.".format(
                                             option, value, parts.scheme, example))
            if not parts.hostname or not is_valid_host(parts.hostname):
                problem = "{0!r} is not a host name or an IP address".format(parts.hostname or "")
            elif port == 0:
                problem = "port 0 is not a port"
            elif parts.query or parts.fragment:
                problem = "a base URL takes no query string or fragment"
    if problem is not None:
        raise InvalidOptionError("{0} {1!r} is not a host or a base URL ({2}): give a value such as {3}.".format(
            option, value, problem, example))
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InvalidOptionError("{0} {1!r} uses plain http, which would send the credentials in clear text: use "
                                 "https:// (plain http is accepted only for a loopback address such as a local "
                                 "emulator).".format(option, value))
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def missing_libraries():
    return [] if HAS_REQUESTS else ["requests"]


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if re.match(r"^[0-9]+$", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt, retry_after=None):
    """Exponential backoff with jitter, never shorter than Retry-After, never over the cap."""
    # The exponent is bounded so that a huge retries value cannot overflow the float.
    ceiling = min(MAX_DELAY_SECONDS, BACKOFF_BASE_SECONDS * (2 ** min(attempt, 16)))
    # "Equal jitter": half fixed, half random, so concurrent retries spread out
    # without ever retrying at once.
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, MAX_DELAY_SECONDS)


def wait(seconds):
    """Every wait between attempts goes through here (unit tests record them instead)."""
    time.sleep(seconds)


def concurrent_map(function, items, workers=POOL_SIZE):
    """``function(item)`` for every item, at most ``workers`` at a time (the connection pool's size),
    results in input order; the first exception is raised once all have run."""
    items = list(items)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        return list(pool.map(function, items))


# Failures that a later attempt may not meet: refused or reset connections, timeouts,
# a connection dropped in the middle of a body, a body that could not be decoded.
RETRYABLE_EXCEPTIONS = (
    (requests.exceptions.ConnectionError, requests.exceptions.Timeout, requests.exceptions.ChunkedEncodingError,
     requests.exceptions.ContentDecodingError) if HAS_REQUESTS else ()
)


def is_retryable_status(status):
    return status == 429 or 500 <= status <= 599


def is_redirect(status):
    return 300 <= status <= 399


def never_sent(exc):
    """Whether a requests failure happened before the request left: no connection was made."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.exceptions.ConnectionError) and isinstance(
        reason, urllib3.exceptions.NewConnectionError)


# What an exception in a failed request's chain says happened: (type, TransportError.cause, reason),
# the first that matches wins. A RemoteDisconnected is also a ConnectionResetError, so it comes first.
CONNECTION_FAILURES = (
    (ConnectionRefusedError, "refused", "connection refused"),
    (http.client.RemoteDisconnected, "reset", "connection closed without an answer"),
    (ConnectionResetError, "reset", "connection reset"),
    (ConnectionAbortedError, "reset", "connection aborted"),
    (BrokenPipeError, "reset", "connection closed while the request was sent"),
    (http.client.IncompleteRead, "reset", "connection closed in the middle of the answer"),
    # socket.timeout is TimeoutError from Python 3.10 on; before, it is its own class.
    ((socket.timeout, TimeoutError), "timeout", "timed out"),
)
# getaddrinfo's answers that the name has no address; any other (EAI_AGAIN: no answer now) may not recur.
NAME_UNKNOWN = (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME))
# OpenSSL's verify codes (X509_V_ERR_*) for a certificate of another host name or IP address.
NAME_MISMATCH = (62, 64)
# What to check, for the verify codes whose OpenSSL words leave it out.
VERIFY_HINTS = {
    19: "the chain's root CA is not trusted",
    20: "the issuing CA is not trusted",
    21: "its issuer is neither sent by the server nor trusted",
}
# The tag and the source place around OpenSSL's words: "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1010)".
SSL_DECORATION = re.compile(r"^\[SSL(?:: \w+)?\] | \(_ssl\.c:\d+\)$")


def exception_chain(exc):
    """``exc`` and every exception it wraps, outermost first: requests and urllib3 keep the one that
    happened in ``args`` or ``reason`` (MaxRetryError), Python in ``__cause__``."""
    chain, pending = [], [exc]
    while pending:
        current = pending.pop(0)
        if isinstance(current, BaseException) and not any(current is seen for seen in chain):
            chain.append(current)
            pending.extend(current.args + (getattr(current, "reason", None), current.__cause__))
    return chain


def first_of(chain, kind):
    return next((exc for exc in chain if isinstance(exc, kind)), None)


def own_words(exc):
    """What one exception says, without the wrapping of the library that raised it: an OSError's text (an
    ssl error's without its tag and source place), only the name of a requests or urllib3 error, whose text
    may hold the URL and urllib3's connection pool."""
    if isinstance(exc, (requests.exceptions.RequestException, urllib3.exceptions.HTTPError)):
        return type(exc).__name__
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return SSL_DECORATION.sub("", text) or type(exc).__name__


def describe_transport_failure(exc):
    """(cause, reason) of a request that failed without a TLS error: its TransportError.cause, and what
    happened in a few plain words, to be redacted. requests' Timeout is told by the caller, who knows the wait."""
    chain = exception_chain(exc)
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        cause, reason = "body", "the answer could not be decoded ({0})".format(own_words(chain[-1]))
    else:
        cause, reason = connection_failure(chain)
    if isinstance(exc, requests.exceptions.ProxyError):
        reason += " (at the proxy)"
    return cause, reason


def connection_failure(chain):
    unresolved = first_of(chain, socket.gaierror)
    if unresolved is not None:
        if unresolved.errno in NAME_UNKNOWN:
            return "dns", "the host name does not resolve"
        return "other", "the host name could not be resolved ({0})".format(own_words(unresolved))
    for kind, cause, reason in CONNECTION_FAILURES:
        if first_of(chain, kind) is not None:
            return cause, reason
    if isinstance(chain[0], requests.exceptions.ChunkedEncodingError):
        return "reset", "the answer broke off in the middle"
    # Unknown: told in the words of the innermost exception, and never taken for one that would recur.
    return "other", own_words(chain[-1])


def describe_tls_failure(exc, host):
    """(cause, reason) of a failed TLS connection to ``host``, as describe_transport_failure. A handshake
    the peer cut short is a lost connection that another call may not meet; any other TLS failure recurs."""
    chain = exception_chain(exc)
    unverified = first_of(chain, ssl.SSLCertVerificationError)
    if unverified is not None:
        return "tls", "TLS certificate verification failed ({0})".format(verify_failure(unverified, host))
    if first_of(chain, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)) is not None:
        return "reset", "connection closed during the TLS handshake"
    failed = first_of(chain, ssl.SSLError)
    if failed is not None:
        return "tls", "TLS connection failed ({0})".format(own_words(failed))
    return "other", "TLS connection failed ({0})".format(own_words(chain[-1]))


def verify_failure(error, host):
    """OpenSSL's words for a certificate it refused, with the host or what to check where they leave it out."""
    code = getattr(error, "verify_code", None)
    if code in NAME_MISMATCH:
        return "host name mismatch: the certificate is not for {0}".format(host)
    words = getattr(error, "verify_message", None) or own_words(error)
    return "{0}: {1}".format(words, VERIFY_HINTS[code]) if code in VERIFY_HINTS else words


def sentence(text):
    """``text`` as the start of a message."""
    return text[:1].upper() + text[1:]


class HttpResponse:
    """A complete answer, its body read within the size cap and decoded.

    ``after_lost_answer`` is true when an earlier attempt of the same request may have been carried
    out without its answer arriving: what this answer says may be about that attempt's effect.
    """

    def __init__(self, status_code, headers, url, content, after_lost_answer=False):
        self.status_code = status_code
        self.headers = headers
        self.url = url
        self.content = content
        self.after_lost_answer = after_lost_answer

    @property
    def text(self):
        charset = re.search(r"charset=([\w.:-]+)", self.headers.get("Content-Type", ""), re.I)
        try:
            return self.content.decode(charset.group(1) if charset else "utf-8", "replace")
        except LookupError:
            return self.content.decode("utf-8", "replace")

    def json(self):
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.content.decode("utf-8", "replace"))


class _BodyTooLarge(Exception):
    pass


class _Deadline(Exception):
    pass


class BodyReader:
    """Collects a body, decompressing it itself, and stops once it passes MAX_BODY_BYTES:
    no compressed bomb ever inflates further than the cap."""

    def __init__(self, content_encoding):
        encoding = (content_encoding or "identity").strip().lower()
        self._inflater = zlib.decompressobj(ZLIB_WBITS[encoding]) if encoding in ZLIB_WBITS else None
        self.parts = []
        self.size = 0

    def add(self, data):
        if self._inflater is None:
            self._keep(data)
            return
        while data:
            self._keep(self._inflater.decompress(data, MAX_BODY_BYTES - self.size + 1))
            data = self._inflater.unconsumed_tail

    def finish(self):
        if self._inflater is not None:
            self._keep(self._inflater.flush())
        return b"".join(self.parts)

    def _keep(self, piece):
        self.size += len(piece)
        if self.size > MAX_BODY_BYTES:
            raise _BodyTooLarge()
        self.parts.append(piece)


def stop_reading(raw):
    """Wakes a read blocked on a server that drips its answer (urllib3 2.3 and newer; on older
    ones the deadline is checked after each read)."""
    try:
        raw.shutdown()
    except (AttributeError, ValueError, RuntimeError, OSError):
        pass


class HttpClient:
    """A requests.Session shared by every call of one module run.

    ``service`` and ``url_option`` only shape messages ("Connection refused: the
    request to N-sight at ... Check the server option"). ``redactor`` is applied to every URL and every
    exception text before it leaves this class. ``with pace():`` wraps every
    attempt (the N-sight call budget).
    """

    def __init__(self, service, url_option, timeout=30, retries=3, validate_certs=True,
                 redactor=None, user_agent=USER_AGENT, pace=None):
        self.service = service
        self.url_option = url_option
        self.timeout = timeout
        self.retries = retries
        self.redact = redactor or Redactor()
        # Wraps every attempt, retries included: the N-sight call budget waits there.
        self._pace = pace or contextlib.nullcontext
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.verify = validate_certs
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept-Encoding"] = ACCEPT_ENCODING
        # One line per retry or wait, for the module's ``warnings``: slowness is never silent.
        self.warnings = []
        # Every attempt sent, retries included (the inventory plugin reports what its walk cost).
        self.attempts = 0
        self._lock = threading.Lock()

    def request(self, method, url, params=None, headers=None, sign=None, label=None):
        """Send one request, retrying connection errors, timeouts, 429 and 5xx; return an HttpResponse.

        ``sign(prepared)`` is called on every attempt with the exact request
        about to be sent, so a signature over time and URI is always fresh.
        After the last retry a 429/5xx response is returned for the API client
        to explain; a connection failure raises TransportError, with
        ``outcome_unknown`` set when a request may have been carried out unanswered.
        A POST whose answer was lost is not sent again. ``label`` names the request in the
        warning that every retry leaves (the N-sight service, the WFBSS path).
        """
        attempt = 0
        lost = False
        while True:
            response, failure, retry_after = None, None, None
            prepared_url = url
            with self._lock:
                self.attempts += 1
            try:
                prepared = self.session.prepare_request(requests.Request(method, url, params=params, headers=headers))
                prepared_url = prepared.url
                with self._pace():
                    if sign is not None:
                        sign(prepared)
                    response = self._send(prepared, lost)
            except requests.exceptions.SSLError as exc:
                failure = self._tls_error(prepared_url, exc)
            except requests.exceptions.RequestException as exc:
                failure = self._transport_error(prepared_url, exc, attempt + 1, lost_answer=not never_sent(exc))
            except _Deadline:
                failure = self._transport_error(prepared_url, requests.exceptions.Timeout(), attempt + 1,
                                                lost_answer=True)
            except _BodyTooLarge:
                failure = TransportError(
                    "{0} answered {1} with a body larger than {2} MiB (after decompression), which no real answer "
                    "needs; it was dropped unread. Check the {3} option.".format(
                        self.service, self.redact(prepared_url), MAX_BODY_BYTES // (1024 * 1024), self.url_option),
                    url=self.redact(prepared_url))
                failure.cause = "body"
            except MspAntivirusError as exc:  # the call budget's folder cannot be used
                failure = exc
            except Exception as exc:  # anything else the send path raises leaves only as a redacted message
                failure = TransportError("Could not send the request to {0} at {1}: {2}: {3}. Check the {4} option "
                                         "and the credentials' values.".format(
                                             self.service, self.redact(prepared_url), type(exc).__name__,
                                             excerpt(exc, self.redact), self.url_option),
                                         url=self.redact(prepared_url))
            # Errors are raised out here, not in the except blocks, so that no exception
            # chain carries the unredacted URL of the requests exception.
            if response is not None:
                if is_redirect(response.status_code):
                    raise self._redirect_error(response)
                if not is_retryable_status(response.status_code) or attempt >= self.retries:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            else:
                lost = lost or failure.outcome_unknown
                failure.outcome_unknown = lost
                if not failure.retryable or attempt >= self.retries:
                    raise failure
                if failure.outcome_unknown and method.upper() not in RESENDABLE_METHODS:
                    failure.message += (" The request was sent and its answer lost, so it may have been carried "
                                        "out; it was not sent again, as that could repeat it.")
                    raise failure
            delay = backoff_delay(attempt, retry_after)
            self._warn_retry(label or method, response, failure, attempt, delay, retry_after)
            wait(delay)
            attempt += 1

    def _warn_retry(self, label, response, failure, attempt, delay, retry_after):
        if response is not None:
            reason = "HTTP {0}{1}".format(response.status_code, " with Retry-After {0:g} s".format(retry_after)
                                          if retry_after is not None else "")
        elif failure.outcome_unknown:
            reason = "no complete answer (timeout or connection lost)"
        else:
            reason = "no connection"
        with self._lock:
            self.warnings.append("{0} {1}: {2} on attempt {3} of {4}; retrying in {5:.1f} s.".format(
                self.service, label, reason, attempt + 1, self.retries + 1, delay))

    def _send(self, prepared, after_lost_answer):
        """One attempt: the answer within ``timeout`` in all, its body within MAX_BODY_BYTES."""
        deadline = time.monotonic() + self.timeout
        # Session.send alone ignores REQUESTS_CA_BUNDLE and friends; Session.request would merge them.
        settings = self.session.merge_environment_settings(prepared.url, {}, True, self.session.verify, None)
        raw_response = self.session.send(prepared, timeout=self.timeout, allow_redirects=False, **settings)
        try:
            content = b""
            if not is_redirect(raw_response.status_code):
                content = self._read_body(raw_response, deadline)
            return HttpResponse(raw_response.status_code, raw_response.headers, raw_response.url, content,
                                after_lost_answer)
        finally:
            raw_response.close()

    def _read_body(self, raw_response, deadline):
        raw = raw_response.raw
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Deadline()
        reader = BodyReader(raw_response.headers.get("Content-Encoding"))
        watchdog = threading.Timer(remaining, stop_reading, (raw,))
        watchdog.daemon = True
        watchdog.start()
        try:
            while True:
                try:
                    chunk = raw.read(READ_CHUNK_BYTES, decode_content=False)
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    if time.monotonic() >= deadline:
                        raise _Deadline()
                    raise requests.exceptions.ChunkedEncodingError(exc)
                if time.monotonic() >= deadline:
                    raise _Deadline()
                if not chunk:
                    break
                reader.add(chunk)
            return reader.finish()
        except zlib.error as exc:
            raise requests.exceptions.ContentDecodingError(exc)
        finally:
            watchdog.cancel()

    def _redirect_error(self, response):
        location = excerpt(response.headers.get("Location") or "(no Location header)", self.redact)
        return HttpStatusError(
            "{0} answered HTTP {1} to {2}, a redirect. Redirects are never followed, so that the credentials go to "
            "no other host. Check the {3} option: give the API host itself (an https:// URL, not a web page that "
            "forwards).".format(self.service, response.status_code, location, self.url_option),
            http_status=response.status_code, url=self.redact(response.url))

    def _tls_error(self, url, exc):
        # A certificate problem does not heal by retrying.
        cause, reason = describe_tls_failure(exc, urlsplit(url).hostname)
        error = TransportError(
            "{0} for {1} at {2}. Check the {3} option, or set validate_certs=false only for a host you trust "
            "(a local emulator).".format(sentence(excerpt(reason, self.redact)), self.service, self.redact(url),
                                         self.url_option),
            url=self.redact(url))
        error.cause = cause
        return error

    def _transport_error(self, url, exc, attempts, lost_answer):
        if isinstance(exc, requests.exceptions.Timeout):
            cause, reason = "timeout", "no complete answer within {0} s".format(self.timeout)
        else:
            cause, reason = describe_transport_failure(exc)
        error = TransportError(
            "{0}: the request to {1} at {2} failed after {3} attempt(s). Check the {4} option, the network path to "
            "it (DNS, proxy, firewall), and the timeout and retries options.".format(
                sentence(excerpt(reason, self.redact)), self.service, self.redact(url), attempts, self.url_option),
            url=self.redact(url))
        error.cause = cause
        error.retryable = isinstance(exc, RETRYABLE_EXCEPTIONS)
        error.outcome_unknown = lost_answer
        return error

    def close(self):
        self.session.close()
