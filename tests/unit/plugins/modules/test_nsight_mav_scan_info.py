# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.msp.antivirus.plugins.modules import nsight_mav_scan_info
from ansible_collections.msp.antivirus.tests.unit.helpers.fake_nsight import API_KEY, FakeNsight
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import nsight_module_runner, nsight_run_runner


@pytest.fixture
def nsight(local_server):
    local_server.router = FakeNsight(devices={
        201: ("bitdefender", ["Scan Stopped", "Scan Finished Normally"]),
        202: ("vipre", ["RUNNING"]),
        203: ("vipre", []),
    })
    return local_server


@pytest.fixture
def run(nsight, capsys):
    """main(), its result as the module prints it."""
    return nsight_module_runner(nsight_mav_scan_info.main, nsight.url, API_KEY, capsys)


@pytest.fixture
def act(nsight):
    """nsight_mav_scan_info.run(module, client) itself, with a real NsightClient against the local N-sight."""
    return nsight_run_runner(nsight_mav_scan_info, nsight.url, API_KEY)


def test_reads_each_device_finding_its_engine(nsight, act):
    result = act(deviceids=[202, 201, 203, 202])
    assert sorted(result) == ["changed", "devices", "msg", "results", "service"]
    assert result["changed"] is False and result["service"] == "list_mav_scans"
    assert result["msg"] == "list_mav_scans: 3 device(s) read, 3 row(s), 0 failed."
    devices = result["results"]
    assert result["devices"] == devices  # kept for compatibility with 1.0.0
    assert [device["deviceid"] for device in devices] == [202, 201, 203]
    assert [(device["engine"], device["state"]) for device in devices] == [
        ("vipre", "running"), ("bitdefender", "paused"), (None, "none")]
    assert devices[1]["newest"]["status"] == "Scan Stopped"
    assert len(devices[1]["rows"]) == 2
    assert devices[2]["newest"] is None and devices[2]["rows"] == []
    asked = {}
    for request in nsight.requests:
        asked.setdefault(request.param("deviceid"), []).append(request.param("v"))
    # Bitdefender (v omitted) first; VIPRE (v=1) only where nothing came back.
    assert asked == {"202": [None, "1"], "201": [None], "203": [None, "1"]}
    assert all(request.param("service") == "list_mav_scans" for request in nsight.requests)


@pytest.mark.parametrize("engine, version", [("vipre", "1"), ("bitdefender", "2")])
def test_explicit_engine_is_asked_once(nsight, act, engine, version):
    result = act(deviceid=202, engine=engine, details=True)
    assert "failed" not in result, result
    assert [request.param("v") for request in nsight.requests] == [version]
    assert nsight.requests[0].param("details") == "YES"
    assert result["devices"][0]["engine"] == engine


def test_check_mode_reads_too(nsight, act):
    result = act(check_mode=True, deviceid=201)
    assert "failed" not in result, result
    assert result["devices"][0]["state"] == "paused"


def test_main_exits_with_the_devices(nsight, run):
    result = run(deviceid=202)
    assert not result.failed, result
    assert result.rc == 0
    assert result["changed"] is False
    assert [(device["deviceid"], device["engine"], device["state"]) for device in result["devices"]] == [
        (202, "vipre", "running")]


@pytest.mark.parametrize("args, fragment", [
    (dict(deviceid=0), "deviceid must be a positive integer"),
    (dict(deviceids=[]), "deviceids is empty"),
    (dict(), "deviceid"),
    (dict(deviceid=1, engine="norton"), "engine"),
    (dict(deviceid=1, timeout=0), "timeout must be a positive number"),
    (dict(deviceid=1, server="ftp://x"), "unsupported scheme"),
])
def test_bad_input_fails_without_any_request(nsight, run, args, fragment):
    result = run(**args)
    assert result.failed
    assert fragment in result["msg"]
    assert nsight.requests == []


def test_unknown_device_fails_alone(nsight, act):
    result = act(deviceids=[201, 999])
    assert result["failed"] is True
    known, unknown = result["results"]
    assert "failed" not in known and known["state"] == "paused"
    assert unknown["failed"] is True and unknown["api_code"] == 4 and unknown["deviceid"] == 999
    assert result["msg"] == "list_mav_scans: 1 device(s) read, 2 row(s), 1 failed."


def test_unknown_device_fails_with_api_code(nsight, run):
    result = run(deviceid=999)
    assert result.failed
    assert result.rc == 1
    assert result["api_code"] == 4
