# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The batching action's stop rule across batches: the module's own stop within a batch, or the rule fed every
batch's results in order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.device_results import (
    TRANSPORT_FAILURES_IN_A_ROW,
    ItemResult,
    StopRule,
)
from ansible_collections.msp.antivirus.plugins.plugin_utils.device_batches import DeviceBatchAction

stop_reason = DeviceBatchAction._stop_reason  # pylint: disable=protected-access


def no_answer(deviceid):
    return ItemResult(deviceid, "mav_scan_pause", failed=True, transport_error="reset",
                      msg="Device {0}: Connection reset.".format(deviceid)).as_dict()


def paused(deviceid):
    return ItemResult(deviceid, "mav_scan_pause", changed=True, api_status="OK", msg="Paused.").as_dict()


def test_failures_in_a_row_are_counted_across_batches():
    rule, half = StopRule(), TRANSPORT_FAILURES_IN_A_ROW // 2
    assert stop_reason(rule, [no_answer(deviceid) for deviceid in range(half)]) is None
    reason = stop_reason(rule, [no_answer(deviceid) for deviceid in range(half, 2 * half)])
    assert reason.endswith("the last: Device {0}: Connection reset.".format(2 * half - 1))


def test_an_answer_between_batches_resets_the_count():
    rule = StopRule()
    assert stop_reason(rule, [no_answer(deviceid) for deviceid in range(TRANSPORT_FAILURES_IN_A_ROW - 1)]) is None
    assert stop_reason(rule, [paused(99)] + [no_answer(deviceid) for deviceid in range(5)]) is None


def test_the_modules_own_stop_within_a_batch_stops_the_batches_after_it():
    skipped = ItemResult.skipped(7, "mav_scan_pause", "Device 6: N-sight refused it with error 3 (Login failed).")
    assert stop_reason(StopRule(), [paused(5), skipped.as_dict()]) == (
        "Device 6: N-sight refused it with error 3 (Login failed).")
