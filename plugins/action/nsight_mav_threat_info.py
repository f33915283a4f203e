# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs msp.antivirus.nsight_mav_threat_info over many devices in batches, with progress lines."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import DeviceBudget
from ansible_collections.msp.antivirus.plugins.module_utils.mav import (
    is_fatal_result,
    skipped_listing,
    summarise_listings,
)
from ansible_collections.msp.antivirus.plugins.plugin_utils.device_batches import DeviceBatchAction

SERVICE = "list_mav_threats"


class ActionModule(DeviceBatchAction):
    MODULE = "msp.antivirus.nsight_mav_threat_info"
    LIST_KEY = "devices"

    @staticmethod
    def _budget(args):
        # engine=auto reads a device twice when the default engine shows nothing.
        budget = DeviceBatchAction._budget(args)
        if budget is None:
            return None
        return DeviceBudget(budget, 2) if args.get("engine") in (None, "", "auto") else budget

    def merge(self, args, results, merged):
        merged_result = dict(changed=False, service=SERVICE, devices=merged, msg=summarise_listings(SERVICE, merged))
        if any(item.get("failed") for item in merged):
            merged_result["failed"] = True
        return merged_result

    def stop_reason(self, answer):
        for item in answer["devices"]:
            if is_fatal_result(item):
                return item["msg"]
        return None

    def skipped(self, args, ids, reason):
        return [skipped_listing(deviceid, SERVICE, reason).as_dict() for deviceid in ids]
