# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import http_client
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import LocalServer


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
