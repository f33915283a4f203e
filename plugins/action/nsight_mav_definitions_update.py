# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs msp.antivirus.nsight_mav_definitions_update over many devices in batches, with progress lines."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import DeviceBudget
from ansible_collections.msp.antivirus.plugins.module_utils.mav import (
    is_fatal_result,
    UPDATE_SERVICE,
    skipped_update,
    summarise,
)
from ansible_collections.msp.antivirus.plugins.plugin_utils.device_batches import DeviceBatchAction


class ActionModule(DeviceBatchAction):
    MODULE = "msp.antivirus.nsight_mav_definitions_update"
    LIST_KEY = "results"

    @staticmethod
    def _budget(args):
        # A refused update reads the device's scans to find its engine: up to three calls for a device.
        budget = DeviceBatchAction._budget(args)
        return DeviceBudget(budget, 3) if budget is not None else None

    def merge(self, args, results, merged):
        merged_result = dict(changed=any(item["changed"] for item in merged), service=UPDATE_SERVICE,
                             results=merged, msg=summarise(merged))
        if any(item.get("failed") for item in merged):
            merged_result["failed"] = True
        return merged_result

    def stop_reason(self, answer):
        for item in answer["results"]:
            if is_fatal_result(item):
                return item["msg"]
        return None

    def skipped(self, args, ids, reason):
        return [skipped_update(deviceid, reason).as_dict() for deviceid in ids]
