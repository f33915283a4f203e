# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import http_client
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import LocalServer


# Every environment variable the collection's options fall back to (module_utils/arguments.py, the nsight
# inventory's env entries, the maintenance window's action and device batches). NSIGHT_BUDGET_DIR is not one:
# budget_dir below points it at the test's own folder.
CONNECTION_VARIABLES = (
    "NSIGHT_SERVER", "NSIGHT_API_KEY", "NSIGHT_VALIDATE_CERTS", "NSIGHT_RATE_LIMIT", "NSIGHT_USER_AGENT",
    "WFBSS_URL", "WFBSS_ACCESS_TOKEN", "WFBSS_SECRET_KEY", "WFBSS_API_VERSION", "WFBSS_VALIDATE_CERTS",
    "WFBSS_USER_AGENT",
)


@pytest.fixture(autouse=True)
def no_environment(monkeypatch):
    """No connection settings from the shell that runs the tests: each test sets the ones it means to use."""
    for name in CONNECTION_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def budget_dir(tmp_path, monkeypatch):
    """The N-sight call budget keeps its state in a folder of the test's, never in $HOME."""
    directory = tmp_path / "nsight-budget"
    monkeypatch.setenv("NSIGHT_BUDGET_DIR", str(directory))
    return directory


@pytest.fixture
def local_server():
    """A started LocalServer on 127.0.0.1 (no router: set ``.router`` or ``.script(...)``)."""
    server = LocalServer().start()
    yield server
    server.stop()


class SleepRecorder:
    """Stands in for time.sleep: records each delay, never waits."""

    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


@pytest.fixture
def sleeps(monkeypatch):
    """Every wait of the HTTP layer between attempts, recorded instead of waited."""
    recorder = SleepRecorder()
    monkeypatch.setattr(http_client, "wait", recorder)
    return recorder
