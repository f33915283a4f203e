# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs msp.antivirus.nsight_mav_scan_info over many devices in batches, with progress lines."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.mav_scans import SCANS_SERVICE
from ansible_collections.msp.antivirus.plugins.plugin_utils.device_batches import DeviceListingAction


class ActionModule(DeviceListingAction):
    MODULE = "msp.antivirus.nsight_mav_scan_info"
    SERVICE = SCANS_SERVICE
