# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seeded fault proxy itself (fault_proxy.py), with plain HTTP requests through it to the emulator."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import http.client
from urllib.parse import quote, urlsplit

import pytest

from fault_proxy import KINDS, for_device


def nsight_target(emulator, service, deviceid):
    return "/api/?apikey=%s&service=%s&deviceid=%d" % (quote(emulator.nsight_api_key, safe=""), service, deviceid)


def send(proxy, target):
    """GET target through the proxy: (status, headers, body), or None when the connection closed unanswered."""
    connection = http.client.HTTPConnection(urlsplit(proxy.url).hostname, urlsplit(proxy.url).port, timeout=10)
    try:
        connection.request("GET", target)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    except (http.client.HTTPException, ConnectionError):
        return None
    finally:
        connection.close()


def kinds_met(proxy):
    return [kind for _params, kind in proxy.requests]


def newest_state(emulator, deviceid):
    return emulator.server.device(deviceid)["scans"][0]["state"]


def test_same_seed_gives_the_same_faults(emulator, fault_proxy):
    sequences = []
    for seed in (7, 7, 8):
        proxy = fault_proxy(seed=seed, fault_rate=0.5)
        for dummy in range(40):
            send(proxy, nsight_target(emulator, "list_mav_scans", 1003))
        sequences.append(kinds_met(proxy))
    assert sequences[0] == sequences[1]
    assert sequences[0] != sequences[2]
    assert set(sequences[0]) == set(KINDS) | {None}


@pytest.mark.parametrize("kind, answered, reached", [
    ("drop_after", None, True),     # N-sight acts, its answer is lost
    ("drop_before", None, False),   # N-sight never sees it
    ("status_503", 503, False),
    ("status_500", 500, False),
])
def test_each_fault_answers_and_reaches_the_emulator_as_named(emulator, fault_proxy, kind, answered, reached):
    proxy = fault_proxy(seed=1, fault_rate=1.0, kinds=(kind,))
    answer = send(proxy, nsight_target(emulator, "mav_scan_pause", 1001))
    assert (answer and answer[0]) == answered
    pauses = [call for call in emulator.calls() if call["service"] == "mav_scan_pause"]
    assert [call["params"]["deviceid"] for call in pauses] == (["1001"] if reached else [])
    assert newest_state(emulator, 1001) == ("paused" if reached else "running")
    assert proxy.counts[kind] == 1


def test_an_unfaulted_answer_is_relayed_as_it_came(emulator, fault_proxy):
    emulator.server.add_fault(kind="status", status=429, retry_after=7)
    proxy = fault_proxy(seed=1, fault_rate=0.0)
    throttled = send(proxy, nsight_target(emulator, "mav_scan_pause", 1001))
    status, headers, body = send(proxy, nsight_target(emulator, "mav_scan_pause", 1001))
    assert (throttled[0], throttled[1]["Retry-After"]) == (429, "7")
    assert (status, headers["Content-Type"]) == (200, "text/xml; charset=utf-8")
    assert b'status="OK"' in body and int(headers["Content-Length"]) == len(body)
    assert proxy.counts["relayed"] == 2


def test_only_faults_the_requests_it_names(emulator, fault_proxy):
    proxy = fault_proxy(seed=1, fault_rate=1.0, kinds=("drop_before",), only=for_device(1002))
    assert send(proxy, nsight_target(emulator, "mav_scan_pause", 1001))[0] == 200
    assert send(proxy, nsight_target(emulator, "mav_scan_pause", 1002)) is None
    assert send(proxy, nsight_target(emulator, "mav_scan_pause", 10020))[0] == 200
    assert kinds_met(proxy) == [None, "drop_before", None]
    assert proxy.attempted_devices() == ["1001", "1002", "10020"]


def test_no_secret_is_printed_or_kept(emulator, fault_proxy, assert_no_secrets, capfd):
    proxy = fault_proxy(seed=3, fault_rate=0.5)
    for deviceid in (1001, 1002, 1008):
        send(proxy, nsight_target(emulator, "mav_scan_pause", deviceid))
    printed = capfd.readouterr()
    assert_no_secrets(printed.out, printed.err, proxy.requests)
