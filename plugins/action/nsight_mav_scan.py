# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs msp.antivirus.nsight_mav_scan over many devices in batches, with progress lines."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.mav_scans import STATE_SERVICES
from ansible_collections.msp.antivirus.plugins.plugin_utils.device_batches import DeviceBatchAction


class ActionModule(DeviceBatchAction):
    MODULE = "msp.antivirus.nsight_mav_scan"

    def service(self, args):
        return STATE_SERVICES[args["state"]]

    def calls_per_device(self, args):
        # Check mode reads the newest scan: Bitdefender first, VIPRE when Bitdefender shows none.
        return 2 if self._task.check_mode else 1
