# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A seeded fault proxy: a flaky network between the collection and the emulator, for integration tests.

Point a module's ``server`` at ``proxy.url``; the proxy forwards each request to the emulator and relays its
answer, except that a request, with probability ``fault_rate``, meets one fault of ``kinds``:

- ``status_500`` / ``status_503``: answered with that status, not forwarded (N-sight never sees it);
- ``drop_before``: the connection closed unanswered, not forwarded;
- ``drop_after``: forwarded (N-sight acts), then the connection closed unanswered (the answer is lost).

One random.Random(seed) draws for every request in turn, under a lock: the sequence of faults is the same on
every run, whichever thread serves which request. ``only(target)`` (the request's path and query) limits the
faults to some requests; the others are relayed and draw nothing. Nothing is printed: the query holds the key.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import http.client
import http.server
import random
import sys
import threading
from urllib.parse import parse_qsl, urlsplit

# harness puts tests/emulator, where background_server lives, on sys.path.
import harness  # noqa: F401 pylint: disable=unused-import
from background_server import BackgroundServer

KINDS = ("status_500", "status_503", "drop_before", "drop_after")
STATUS_FAULTS = {"status_500": 500, "status_503": 503}
RELAYED = "relayed"
# Headers of one connection (RFC 9110 7.6.1), and those the proxy sets itself: never relayed.
NOT_RELAYED = frozenset(("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                         "upgrade", "host", "content-length"))
UPSTREAM_TIMEOUT = 30


def query_params(target):
    """The query parameters of a request target (first value of each)."""
    return dict(parse_qsl(urlsplit(target).query))


def for_device(deviceid):
    """An ``only`` predicate: every request about one N-sight device."""
    return lambda target: query_params(target).get("deviceid") == str(deviceid)


class FaultProxy(BackgroundServer):
    """The proxy, serving in a daemon thread between start() and stop() (or as a context manager).

    ``counts`` holds how many requests met each kind (``relayed``: none); ``requests`` holds every request
    in arrival order as (query parameters without the API key, kind or None).
    """

    def __init__(self, upstream_url, seed, fault_rate=0.2, kinds=KINDS, only=None):
        unknown = set(kinds) - set(KINDS)
        if unknown or not kinds:
            raise ValueError("fault kinds must be some of %s, not %s" % (KINDS, sorted(unknown)))
        upstream = urlsplit(upstream_url)
        self.upstream = (upstream.hostname, upstream.port)
        self.fault_rate = fault_rate
        self.kinds = tuple(kinds)
        self.only = only
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(KINDS + (RELAYED,), 0)
        self._requests = []

    def make_server(self):
        server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        server.faults = self
        return server

    @property
    def counts(self):
        with self._lock:
            return dict(self._counts)

    @property
    def requests(self):
        with self._lock:
            return list(self._requests)

    def attempted_devices(self):
        """The distinct device ids the requests named, in order of first arrival."""
        return list(dict.fromkeys(params["deviceid"] for params, _kind in self.requests if "deviceid" in params))

    def history(self, deviceid):
        """(service, kind or None) of every request about one device, in arrival order."""
        return [(params.get("service"), kind) for params, kind in self.requests
                if params.get("deviceid") == str(deviceid)]

    def fault_for(self, target):
        """The fault this request meets, or None; drawn and counted in arrival order."""
        with self._lock:
            kind = None
            if self.only is None or self.only(target):
                if self._random.random() < self.fault_rate:
                    kind = self._random.choice(self.kinds)
            self._counts[kind or RELAYED] += 1
            params = query_params(target)
            params.pop("apikey", None)
            self._requests.append((params, kind))
            return kind


class _ProxyServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up mid-answer is no error
            super(_ProxyServer, self).handle_error(request, client_address)


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so that a drop never leaves a half-used keep-alive behind.
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind = self.server.faults.fault_for(self.path)
        if kind in STATUS_FAULTS:
            self._answer(STATUS_FAULTS[kind], "Fault proxy", [("Content-Type", "text/html")], b"<h1>Fault proxy</h1>")
        elif kind == "drop_before":
            self.close_connection = True
        elif kind == "drop_after":
            self._forward(body)
            self.close_connection = True
        else:
            self._answer(*self._forward(body))

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, *args):
        pass  # the request line carries the N-sight key

    def _forward(self, body):
        """Send the request on to the emulator: its (status, reason, headers, body)."""
        headers = dict((name, value) for name, value in self.headers.items() if name.lower() not in NOT_RELAYED)
        connection = http.client.HTTPConnection(*self.server.faults.upstream, timeout=UPSTREAM_TIMEOUT)
        try:
            connection.request(self.command, self.path, body=body or None, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.reason, answer.getheaders(), answer.read()
        finally:
            connection.close()

    def _answer(self, status, reason, headers, body):
        self.send_response_only(status, reason)
        for name, value in headers:
            if name.lower() not in NOT_RELAYED:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
