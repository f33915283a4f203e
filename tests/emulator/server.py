# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local emulator of the N-sight and WFBSS APIs for tests, demos and benchmarks.

As a script: ``python tests/emulator/server.py [--host H] [--port P]`` prints
``http://H:PORT`` once it listens and serves until SIGTERM or SIGINT.
From Python: put this directory on sys.path, then
``from server import Emulator; emulator = Emulator().start()``.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# The sibling modules import each other by plain name, whether this file runs as a script or is imported.
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import control_api  # noqa: E402
import fault_injection  # noqa: E402
import nsight_api  # noqa: E402
import wfbss_api  # noqa: E402
from nsight_estate import parse_estate  # noqa: E402
from background_server import BackgroundServer  # noqa: E402
from emulator_credentials import NSIGHT_API_KEY, WFBSS_ACCESS_TOKEN, WFBSS_SECRET_KEY, Credentials  # noqa: E402
from emulator_state import EmulatorState  # noqa: E402
from http_reply import forbidden_reply, too_many_requests_reply  # noqa: E402
from rate_limit import DEFAULT_WINDOW, checked_settings  # noqa: E402

API_MODULES = {"nsight": nsight_api, "wfbss": wfbss_api}


class ApiRequest:
    """One parsed HTTP request; `raw_uri` is the request-target exactly as received (WFBSS signs it)."""

    def __init__(self, method, raw_uri, headers, body, host):
        split = urlsplit(raw_uri)
        self.method = method
        self.raw_uri = raw_uri
        self.path = split.path
        # First value of each parameter; blank values are kept so that "missing" and "empty" can both be judged.
        self.query = dict((name, values[0]) for name, values in parse_qs(split.query, keep_blank_values=True).items())
        self.headers = headers
        self.body = body
        self.host = host


def api_for_path(path):
    if path == "/_emulator" or path.startswith("/_emulator/"):
        return "control"
    if path in ("/api", "/api/"):
        return "nsight"
    if path.startswith("/SMPI/"):
        return "wfbss"
    return None


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the clients' sessions expect
    server_version = "msp-antivirus-emulator/1.0"

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            return
        body = self.rfile.read(length) if length > 0 else b""
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        reply = self.server.emulator.respond(ApiRequest(self.command, self.path, self.headers, body, host))
        if reply.drop:
            time.sleep(reply.drop_delay)
            self.close_connection = True
            return
        self.send_reply(reply)

    def send_reply(self, reply):
        """Headers, then the body piece by piece; a client that hangs up meanwhile ends it (see handle_error)."""
        length = reply.content_length()
        self.send_response(reply.status)
        if reply.content_type is not None:
            self.send_header("Content-Type", reply.content_type)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        for chunk in reply.body_chunks():
            if length is not None:
                self.wfile.write(chunk)
            elif chunk:  # an empty chunk would end a chunked body
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        if length is None:
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format, *args):
        """Silent: the request line carries the N-sight API key. GET /_emulator/calls is the log."""


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Remembers open connections, so that stop() also ends idle keep-alive ones.

    Without that, a client's pooled connection would still get answers after stop().
    """

    daemon_threads = True

    def __init__(self, address, emulator):
        super(EmulatorHTTPServer, self).__init__(address, EmulatorRequestHandler)
        self.emulator = emulator
        self.open_connections = set()
        self.connections_accepted = 0  # for benchmarks: shows whether clients reuse connections
        self.connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.open_connections.add(request)
            self.connections_accepted += 1
        super(EmulatorHTTPServer, self).process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.open_connections.discard(request)
        super(EmulatorHTTPServer, self).shutdown_request(request)

    def handle_error(self, request, client_address):
        # A client that gives up (its timeout, a latency, endless or drip fault) is routine here, not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super(EmulatorHTTPServer, self).handle_error(request, client_address)

    def server_close(self):
        # Idle keep-alive connections too, or a client's pooled connection would still get answers.
        self.close_open_connections()
        super(EmulatorHTTPServer, self).server_close()

    def close_open_connections(self):
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its client


class Emulator(BackgroundServer):
    """The emulator server; start() serves in a daemon thread, stop() ends it."""

    def __init__(self, host="127.0.0.1", port=0, extra_devices=0,
                 nsight_api_key=NSIGHT_API_KEY, wfbss_access_token=WFBSS_ACCESS_TOKEN, wfbss_secret_key=WFBSS_SECRET_KEY,
                 nsight_rate_limit=None, nsight_rate_window=DEFAULT_WINDOW, estate=None):
        self.host = host
        self.port = port
        # The call limit given here survives reset(); one set later (set_nsight_rate_limit, the control API) does not.
        # estate: (clients, sites, devices) of a synthetic N-sight estate, or None.
        self.state = EmulatorState(Credentials(nsight_api_key, wfbss_access_token, wfbss_secret_key), extra_devices,
                                   nsight_rate_limit, nsight_rate_window, estate)

    def make_server(self):
        return EmulatorHTTPServer((self.host, self.port), self)

    @property
    def connections_accepted(self):
        """TCP connections accepted since start, whatever the state resets."""
        return self.httpd.connections_accepted

    # ---- conveniences for tests running in the same process -----------------

    def calls(self):
        return self.state.calls_snapshot()

    def reset(self):
        self.state.reset()

    def add_fault(self, **fields):
        fault = fault_injection.parse_fault(fields)
        self.state.add_fault(fault)
        return fault

    def set_scan(self, deviceid, scan=None, hidden_running=None):
        return self.state.set_scan(deviceid, scan, hidden_running)

    def device(self, deviceid):
        return self.state.device_snapshot(deviceid)

    def tasks(self):
        return self.state.tasks_snapshot()

    def set_clock_offset(self, seconds):
        self.state.set_clock_offset(seconds)

    def set_nsight_rate_limit(self, limit, window=DEFAULT_WINDOW):
        """At most `limit` N-sight calls per API key in any `window` seconds (None or 0: no limit), counters afresh."""
        return self.state.set_nsight_rate_limit(limit, window)

    def rate_limit_stats(self):
        """{"limit", "window", "accepted", "refused", "max_in_window"} of the N-sight call limit."""
        return self.state.nsight_rate_limit_stats()

    # ---- request handling ---------------------------------------------------

    def respond(self, request):
        api = api_for_path(request.path)
        if api == "control":
            return control_api.handle(self.state, request)
        if api is None:
            return forbidden_reply()
        return self.serve_api(api, request)

    def serve_api(self, api, request):
        module = API_MODULES[api]
        service = module.service_name(request)
        # The limit comes first, on arrival: a refused call does nothing else (no fault taken, no state change).
        retry_after = self.state.check_nsight_rate(request.query.get("apikey", "")) if api == "nsight" else None
        if retry_after is not None:
            reply = too_many_requests_reply(retry_after)
            self.record_call(api, module, request, service, reply, None, refused=True)
            return reply
        fault = self.state.take_fault(api, service)
        if fault is not None and fault.kind == "latency":
            time.sleep(fault.delay)  # outside the lock: other requests go on meanwhile
            fault = None
        reply = None
        if fault is None or fault.performs_request:
            with self.state.lock:
                reply = module.handle(self.state, request)
        if fault is not None:
            reply = fault_injection.fault_reply(fault, api, request.host, performed=reply)
        self.record_call(api, module, request, service, reply, fault)
        return reply

    def record_call(self, api, module, request, service, reply, fault, refused=False):
        self.state.record_call({
            "api": api, "method": request.method, "path": request.path, "service": service,
            "params": module.logged_params(request), "status": reply.status, "api_status": reply.api_status,
            "fault": fault.kind if fault is not None else None, "refused": refused, "time": time.time(),
            # Not secrets, and they show that each attempt of a retry was signed afresh.
            "posix_time": request.headers.get("x-posix-time"), "traceid": request.headers.get("x-traceid"),
        })


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Local emulator of the N-sight and WFBSS APIs.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument("--devices", type=int, default=0, metavar="N",
                        help="add N synthetic running Bitdefender servers, ids 50001.., for benchmarks")
    parser.add_argument("--estate", type=estate_argument, default=None, metavar="CLIENTS,SITES,DEVICES",
                        help="add a synthetic N-sight estate (e.g. 300,900,10000), ids 600001.., 700001.., 1000001.., for benchmarks")
    parser.add_argument("--nsight-api-key", default=NSIGHT_API_KEY)
    parser.add_argument("--wfbss-access-token", default=WFBSS_ACCESS_TOKEN)
    parser.add_argument("--wfbss-secret-key", default=WFBSS_SECRET_KEY)
    parser.add_argument("--nsight-rate-limit", type=rate_limit_argument, default=None, metavar="N",
                        help="at most N N-sight calls per API key in any rolling window; more get HTTP 429 (default: no limit)")
    parser.add_argument("--nsight-rate-window", type=window_argument, default=DEFAULT_WINDOW, metavar="SECONDS",
                        help="the rolling window of --nsight-rate-limit, in seconds (default %d)" % DEFAULT_WINDOW)
    return parser.parse_args(argv)


def estate_argument(text):
    try:
        return parse_estate(text)
    except ValueError:
        raise argparse.ArgumentTypeError("CLIENTS,SITES,DEVICES with 1 <= CLIENTS <= SITES and DEVICES >= 0, not %r" % text)


def rate_limit_argument(text):
    try:
        return checked_settings(int(text))[0]
    except ValueError:
        raise argparse.ArgumentTypeError("a whole number >= 0 (0: no limit), not %r" % text)


def window_argument(text):
    try:
        value = float(text)
        return checked_settings(None, int(value) if value.is_integer() else value)[1]
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError("a number of seconds > 0, not %r" % text)


def stop_signal_event():
    """An event set by SIGTERM or SIGINT, so that both end the server cleanly, without a traceback."""
    stop_requested = threading.Event()

    def request_stop(signum, frame):
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop_requested


def main(argv=None):
    args = parse_args(argv)
    stop_requested = stop_signal_event()
    emulator = Emulator(args.host, args.port, args.devices, args.nsight_api_key, args.wfbss_access_token, args.wfbss_secret_key,
                        args.nsight_rate_limit, args.nsight_rate_window, args.estate)
    emulator.start()
    print(emulator.url, flush=True)
    # A timeout keeps the main thread waking up, so signals are handled promptly on every Python version.
    while not stop_requested.wait(0.5):
        continue
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
