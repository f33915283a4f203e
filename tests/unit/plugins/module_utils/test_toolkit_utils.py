# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""module_utils for the rest of the toolkit: the WFBSS command batching, the engine search every MAV listing
shares, and the call budget counted in devices."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import mav_scans, wfbss_commands
from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import DeviceBudget
from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError, TransportError


class Budget:
    def __init__(self, free):
        self.free = free
        self.asked = []

    def free_slots(self, within=0.0):
        return self.free

    def seconds_until(self, calls):
        self.asked.append(calls)
        return float(calls)


@pytest.mark.parametrize("free, per_device, devices", [(60, 2, 30), (59, 2, 29), (5, 3, 1), (2, 3, 0)])
def test_device_budget_counts_devices_of_several_calls(free, per_device, devices):
    budget = Budget(free)
    scaled = DeviceBudget(budget, per_device)
    assert scaled.free_slots(20) == devices
    assert scaled.seconds_until(4) == 4.0 * per_device
    assert budget.asked == [4 * per_device]


def test_find_engine_asks_bitdefender_then_vipre_and_stops_at_rows():
    asked = []

    def fetch(version):
        asked.append(version)
        return ["row"] if version == 1 else []

    assert mav_scans.find_engine(fetch) == ("vipre", ["row"])
    assert asked == [None, 1]
    asked[:] = []
    assert mav_scans.find_engine(fetch, "bitdefender") == ("bitdefender", [])
    assert asked == [2]


def test_find_engine_without_rows_anywhere():
    assert mav_scans.find_engine(lambda version: []) == (None, [])


@pytest.mark.parametrize("gids, expected", [(None, None), (["G1", " G2 ", "G1"], ["G1", "G2"])])
def test_group_ids(gids, expected):
    assert wfbss_commands.group_ids(gids) == expected


@pytest.mark.parametrize("gids, message", [([], "gids is empty"), (["G1", " "], "fix ''."), (["A,B"], "fix 'A,B'.")])
def test_group_ids_refused(gids, message):
    with pytest.raises(InvalidOptionError) as raised:
        wfbss_commands.group_ids(gids)
    assert message in raised.value.message


def test_send_commands_reports_under_the_key_given():
    sent = []

    def send(cids):
        sent.append(cids)
        if len(sent) == 2:
            raise TransportError("Could not reach WFBSS.")
        return {"id": "t{0}".format(len(sent)), "status": "PENDING"}

    batches = wfbss_commands.cid_batches(["C{0}".format(index) for index in range(25)])
    result = wfbss_commands.send_commands(batches, send, "commands/scan", "3 x.", not_sent_key="not_scanned")
    assert result["failed"] is True and result["changed"] is True
    assert result["not_scanned"] == batches[1]
    assert result["tasks"] == [{"id": "t1", "status": "PENDING", "cids": batches[0]},
                               {"id": "t3", "status": "PENDING", "cids": batches[2]}]
    assert result["msg"] == "Could not reach WFBSS. Of 3 command(s), 2 created a task, 1 failed and 0 were not sent."


def test_send_commands_in_check_mode_calls_nothing():
    result = wfbss_commands.send_commands([["A"]], lambda cids: pytest.fail("sent"), "commands/scan", "1 x.",
                                          check_mode=True)
    assert result == {"changed": True, "tasks": [], "batches": [["A"]], "msg": "Would send 1 x.", "results": [
        {"cid": "A", "service": "commands/scan", "changed": True, "msg": "Would send commands/scan for customer A."}]}
