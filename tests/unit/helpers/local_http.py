# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A real HTTP/1.1 server on 127.0.0.1 for the unit tests.

Each request is answered by the next scripted action (``LocalServer.script``)
or, once the script is used up, by ``router(request)``. Every request and
every accepted TCP connection is recorded, so tests can assert what was sent
and how many connections carried it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlsplit


class Reply:
    """Answer with ``status``, ``headers`` and ``body``, after ``delay`` seconds."""

    def __init__(self, status=200, body="", headers=None, delay=0.0, content_type="text/xml; charset=utf-8"):
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.headers = dict(headers or {})
        self.headers.setdefault("Content-Type", content_type)
        self.delay = delay


class Drop:
    """Read the request, then close the connection without a byte of answer."""


class Reset:
    """Read the request, then reset the connection (TCP RST)."""


class Truncate:
    """Announce a body of ``announced`` bytes, send ``body`` (shorter), then close."""

    def __init__(self, body="<result", announced=100):
        self.body = body.encode("utf-8")
        self.announced = announced


class Drip:
    """Answer 200 with ``body`` (its length announced), one byte every ``delay`` seconds."""

    def __init__(self, body="<result/>", delay=0.2):
        self.body = body.encode("utf-8")
        self.delay = delay


class Endless:
    """Answer 200 with a chunked body that never ends, until the client goes away."""


class Recorded:
    """One request as the server saw it."""

    def __init__(self, method, path, query, headers, connection):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.connection = connection

    def param(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def __repr__(self):
        return "Recorded({0} {1} {2})".format(self.method, self.path, self.query)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        self.server.owner.handle(self)

    do_POST = do_GET


class _Server(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def process_request(self, request, client_address):
        self.owner.count_connection(client_address)
        ThreadingMixIn.process_request(self, request, client_address)

    def handle_error(self, request, client_address):
        # Broken pipes after Drop/Reset/timeouts are expected here.
        pass


class LocalServer:
    def __init__(self, router=None):
        self.router = router
        self.requests = []
        self.connections = []
        self._script = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://127.0.0.1:{0}".format(self.port)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def script(self, *actions):
        with self._lock:
            self._script.extend(actions)

    def count_connection(self, client_address):
        with self._lock:
            self.connections.append(client_address)

    def _next_action(self, recorded):
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.router is not None:
            return self.router(recorded)
        return Reply(404, "no scripted answer")

    @staticmethod
    def _stream(handler, action):
        handler.close_connection = True
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/xml")
            if isinstance(action, Drip):
                handler.send_header("Content-Length", str(len(action.body)))
                handler.end_headers()
                for index in range(len(action.body)):
                    handler.wfile.write(action.body[index:index + 1])
                    handler.wfile.flush()
                    time.sleep(action.delay)
                return
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            chunk = b" " * 65536
            while True:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:  # the client gave up, as it should
            pass

    def handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            handler.rfile.read(length)
        parts = urlsplit(handler.path)
        recorded = Recorded(handler.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                            dict(handler.headers.items()), handler.client_address)
        with self._lock:
            self.requests.append(recorded)
        action = self._next_action(recorded)
        if isinstance(action, Drop):
            handler.close_connection = True
            return
        if isinstance(action, Reset):
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            handler.connection.close()
            return
        if isinstance(action, Truncate):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/xml")
            handler.send_header("Content-Length", str(action.announced))
            handler.end_headers()
            handler.wfile.write(action.body)
            handler.wfile.flush()
            handler.close_connection = True
            return
        if isinstance(action, (Drip, Endless)):
            self._stream(handler, action)
            return
        if action.delay:
            time.sleep(action.delay)
        try:
            handler.send_response(action.status)
            for name, value in action.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(action.body)))
            handler.end_headers()
            handler.wfile.write(action.body)
            handler.wfile.flush()
        except OSError:  # the client gave up (timeout tests)
            handler.close_connection = True
