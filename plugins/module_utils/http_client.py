# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP layer: a requests.Session with timeouts, retries, TLS settings,
a User-Agent, and redaction of every secret from anything it lets out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError, TransportError

try:
    import requests
    import requests.adapters
except ImportError:
    HAS_REQUESTS = False
else:
    HAS_REQUESTS = True

# Kept equal to galaxy.yml's version by a unit test.
COLLECTION_VERSION = "0.1.0"
USER_AGENT = "msp.antivirus/{0} (Ansible collection)".format(COLLECTION_VERSION)

REDACTED = "********"
BACKOFF_BASE_SECONDS = 1.0
# No wait, whether from backoff or from a Retry-After header, exceeds this:
# a runbook step should fail visibly rather than hang for an hour.
MAX_DELAY_SECONDS = 60.0
# Bulk work runs this many requests at once over one connection pool.
POOL_SIZE = 8
# What to do about a 429 or 5xx that outlasted every retry, for both APIs.
RETRIES_EXHAUSTED_HINT = "the service is throttling or unavailable after every retry; try again later or raise retries"
# Error messages quote at most this much of an unexpected body.
EXCERPT_LENGTH = 200


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
    """A short, single-line, redacted piece of a body for error messages."""
    # Redact before cutting, so a cut cannot keep half of a secret.
    text = redact(re.sub(r"\s+", " ", text or "").strip())
    if len(text) > EXCERPT_LENGTH:
        text = text[:EXCERPT_LENGTH] + "..."
    return text


def split_base_url(value, option, example):
    """(scheme, netloc, path without trailing slash) of a host or base URL that a user gave in ``option``.

    A bare host gets https://; only http and https are accepted.
    """
    value = (value or "").strip()
    if not value:
        raise InvalidOptionError("{0} is empty: give a host such as {1}.".format(option, example))
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise InvalidOptionError("{0} {1!r} has the unsupported scheme {2!r}: use a host such as {3}, an https:// URL, "
                                 "or http:// for a local emulator.".format(option, value, parts.scheme, example))
    if not parts.hostname or parts.query or parts.fragment:
        raise InvalidOptionError("{0} {1!r} is not a host or a base URL: give a value such as {2}, with no query "
                                 "string.".format(option, value, example))
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


def concurrent_map(function, items, workers=POOL_SIZE):
    """``function(item)`` for every item, at most ``workers`` at a time (the connection pool's size),
    results in input order; the first exception is raised once all have run."""
    items = list(items)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        return list(pool.map(function, items))


# Failures that a later attempt may not meet: refused or reset connections, timeouts,
# a connection dropped in the middle of a body.
RETRYABLE_EXCEPTIONS = (
    (requests.exceptions.ConnectionError, requests.exceptions.Timeout, requests.exceptions.ChunkedEncodingError,
     requests.exceptions.ContentDecodingError) if HAS_REQUESTS else ()
)


def is_retryable_status(status):
    return status == 429 or 500 <= status <= 599


class HttpClient:
    """A requests.Session shared by every call of one module run.

    ``service`` and ``url_option`` only shape messages ("Could not reach
    N-sight... check server"). ``redactor`` is applied to every URL and every
    exception text before it leaves this class.
    """

    def __init__(self, service, url_option, timeout=30, retries=3, validate_certs=True,
                 redactor=None, user_agent=USER_AGENT, sleep=None):
        self.service = service
        self.url_option = url_option
        self.timeout = timeout
        self.retries = retries
        self.redact = redactor or Redactor()
        # Tests pass a recorder instead of really waiting.
        self._sleep = sleep or time.sleep
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.verify = validate_certs
        self.session.headers["User-Agent"] = user_agent

    def request(self, method, url, params=None, headers=None, sign=None):
        """Send one request, retrying connection errors, timeouts, 429 and 5xx.

        ``sign(prepared)`` is called on every attempt with the exact request
        about to be sent, so a signature over time and URI is always fresh.
        After the last retry a 429/5xx response is returned for the API client
        to explain; a connection failure raises TransportError.
        """
        attempt = 0
        while True:
            prepared = self.session.prepare_request(requests.Request(method, url, params=params, headers=headers))
            if sign is not None:
                sign(prepared)
            # Session.send alone ignores REQUESTS_CA_BUNDLE and friends; Session.request would merge them.
            settings = self.session.merge_environment_settings(prepared.url, {}, None, self.session.verify, None)
            response, failure, retry_after = None, None, None
            try:
                response = self.session.send(prepared, timeout=self.timeout, **settings)
            except requests.exceptions.SSLError as exc:
                failure = self._tls_error(prepared.url, exc)
            except requests.exceptions.RequestException as exc:
                failure = self._transport_error(prepared.url, exc, attempt + 1)
            # Errors are raised out here, not in the except blocks, so that no exception
            # chain carries the unredacted URL of the requests exception.
            if response is not None:
                if not is_retryable_status(response.status_code) or attempt >= self.retries:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            elif not failure.retryable or attempt >= self.retries:
                raise failure
            self._sleep(backoff_delay(attempt, retry_after))
            attempt += 1

    def _tls_error(self, url, exc):
        # A certificate problem does not heal by retrying.
        return TransportError(
            "TLS verification failed for {0}: {1}. Check the {2} option, or set validate_certs=false "
            "only for a host you trust (a local emulator).".format(self.redact(url), self.redact(exc), self.url_option),
            url=self.redact(url))

    def _transport_error(self, url, exc, attempts):
        if isinstance(exc, requests.exceptions.Timeout):
            reason = "no answer within {0} s".format(self.timeout)
        else:
            reason = self.redact(exc)
        error = TransportError(
            "Could not reach {0} at {1} after {2} attempt(s): {3}. Check the {4} option, the network path to it "
            "(DNS, proxy, firewall), and the timeout and retries options.".format(
                self.service, self.redact(url), attempts, reason, self.url_option),
            url=self.redact(url))
        error.retryable = isinstance(exc, RETRYABLE_EXCEPTIONS)
        return error

    def close(self):
        self.session.close()
