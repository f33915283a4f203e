# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the integration tests: real ansible runs of msp.antivirus against the API emulator.

- ``emulator``: the emulator with fresh state (one server per session, reset before each test):
  ``.url``, ``.calls()``, ``.services(api)``, ``.control(method, path, body)``, ``.reset()``,
  ``.env()``, the credentials ``.nsight_api_key`` / ``.wfbss_access_token`` / ``.wfbss_secret_key``
  and ``.server``, the in-process Emulator (``set_scan``, ``add_fault``, ``device`` ...).
- ``run_playbook(tasks_or_playbook, check=False, verbosity=0, extra_env=None, extra_args=())`` and
  ``run_adhoc(module, args, ...)``: run ansible-playbook / ansible with the NSIGHT_* and WFBSS_*
  variables pointing at the emulator; return an ``AnsibleRun`` (``.rc``, ``.stdout``, ``.stderr``,
  ``.results``, ``.task(name)``, ``.result(name)``, ``.assert_rc(0)``, ``.files_text()``: the ansible log,
  fact cache and results the run wrote in its directory). See harness.py.
- ``fault_proxy(seed=..., fault_rate=..., kinds=..., only=...)``: starts a seeded FaultProxy (fault_proxy.py) in front
  of the emulator, a flaky network for the ``server`` option; every one started is stopped after the test.
- ``redis_server``: a real Redis with a password, for budget_url (redis_server.py), stopped after the test.
- ``assert_no_secrets(*texts)``: fails if any emulator credential appears in the texts, literally or
  URL-encoded; give it ``run.output, run.results, run.files_text()``.

Run with ``make integration`` or, in a virtualenv with ansible-core, ``python -m pytest tests/integration``.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

import harness
from fault_proxy import FaultProxy
from redis_server import RedisServer


@pytest.fixture(scope='session')
def emulator_server():
    server = harness.start_emulator()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server):
    handle = harness.EmulatorHandle(emulator_server)
    handle.reset()
    return handle


@pytest.fixture
def ansible_runner(tmp_path, emulator):
    return harness.AnsibleRunner(tmp_path, emulator)


@pytest.fixture
def run_playbook(ansible_runner):
    return ansible_runner.playbook


@pytest.fixture
def run_adhoc(ansible_runner):
    return ansible_runner.adhoc


@pytest.fixture
def assert_no_secrets():
    return harness.assert_no_secrets


@pytest.fixture
def fault_proxy(emulator):
    proxies = []

    def start(**options):
        proxies.append(FaultProxy(emulator.url, **options).start())
        return proxies[-1]

    yield start
    for proxy in proxies:
        proxy.stop()


@pytest.fixture
def redis_server(tmp_path):
    """A real Redis (redis_server.py), started for the test and stopped after it; ``.url`` holds its password."""
    with RedisServer(tmp_path / "redis") as server:
        yield server
