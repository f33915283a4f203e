# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A server that serves in a daemon thread between start() and stop(), or as a context manager: the emulator,
and the fault proxy of the integration tests."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import threading


class BackgroundServer:
    """Subclasses build their socketserver in ``make_server()``; ``url`` is where it listens."""

    httpd = None
    thread = None

    def make_server(self):
        raise NotImplementedError

    def start(self):
        self.httpd = self.make_server()
        # A short poll, so that stop() returns at once rather than after up to half a second.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="%s-%d" % (type(self).__name__, self.httpd.server_address[1]), daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()
            self.httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return "http://%s:%d" % (host, port)
