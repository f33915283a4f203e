# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Managed Antivirus definitions updates (mav_definitions_update) on top of the N-sight client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.device_results import ItemResult, for_each_item
from ansible_collections.msp.antivirus.plugins.module_utils.errors import MspAntivirusError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import POOL_SIZE
from ansible_collections.msp.antivirus.plugins.module_utils.mav_scans import read_scans

UPDATE_SERVICE = "mav_definitions_update"
# The documented FAIL of mav_definitions_update when an update is already queued: nothing to do.
UPDATE_PENDING_TEXT = "there is already a mav definition update pending"


def update_definitions(client, deviceid, check_mode=False):
    """One device's ``mav_definitions_update``; API errors are returned as a failed outcome.

    Check mode sends nothing: N-sight documents no way to read whether an update is pending.
    """
    try:
        if check_mode:
            return ItemResult(deviceid, UPDATE_SERVICE, changed=True,
                              msg="Would call {0} for device {1}; check mode sends nothing, and N-sight documents no "
                                  "way to read whether an update is already pending.".format(UPDATE_SERVICE, deviceid))
        return _request_update(client, deviceid)
    except MspAntivirusError as exc:
        result = ItemResult.from_error(deviceid, UPDATE_SERVICE, exc)
        if exc.outcome_unknown:
            result.details["uncertain"] = True
            result.msg += (" The answer to {0} was lost, so an update may have been queued for device {1}; running "
                           "the task again is harmless (N-sight answers that one is pending).".format(
                               UPDATE_SERVICE, deviceid))
        return result


def _request_update(client, deviceid):
    reply = client.call(UPDATE_SERVICE, deviceid=deviceid)
    if reply.ok:
        return ItemResult(deviceid, UPDATE_SERVICE, changed=True, api_status="OK",
                          msg="Requested a MAV definitions update on device {0}.".format(deviceid))
    text = client.redact(reply.msg) or "(no message)"
    if UPDATE_PENDING_TEXT in text.lower():
        if reply.after_lost_answer:
            # The retry of an attempt whose answer was lost finds "its" update pending: the lost one queued it.
            return ItemResult(deviceid, UPDATE_SERVICE, changed=True, api_status="FAIL",
                              msg="Requested a MAV definitions update on device {0}: the answer to an earlier attempt "
                                  "was lost and a retry was answered '{1}'.".format(deviceid, text))
        return ItemResult(deviceid, UPDATE_SERVICE, api_status="FAIL",
                          msg="No change for device {0}: N-sight answered '{1}'".format(deviceid, text))
    return _refused_update(client, deviceid, text)


def _refused_update(client, deviceid, text):
    """Any other FAIL: the service is documented for Bitdefender only, so the device's engine (read as for
    scans) tells a VIPRE device apart from a Bitdefender one that refused."""
    try:
        engine = read_scans(client, deviceid).engine
    except MspAntivirusError as exc:
        return ItemResult(deviceid, UPDATE_SERVICE, failed=True, api_status="FAIL",
                          msg="N-sight refused {0} for device {1}: '{2}'. Reading the device's scans to find its "
                              "engine failed too: {3}".format(UPDATE_SERVICE, deviceid, text, exc.message))
    if engine == "vipre":
        return ItemResult(deviceid, UPDATE_SERVICE, failed=True, api_status="FAIL", engine=engine,
                          msg="Device {0} runs the VIPRE engine, and {1} is for Bitdefender only (N-sight answered "
                              "'{2}'). VIPRE has been retired from N-sight: move the device to Bitdefender, or leave "
                              "it out of this task.".format(deviceid, UPDATE_SERVICE, text))
    found = ("its scans show the Bitdefender engine" if engine == "bitdefender"
             else "no scan of either engine shows which engine it runs")
    return ItemResult(deviceid, UPDATE_SERVICE, failed=True, api_status="FAIL", engine=engine,
                      msg="N-sight refused {0} for device {1}: '{2}'; {3}. Check that the device is online and has "
                          "Managed Antivirus (Bitdefender) installed.".format(UPDATE_SERVICE, deviceid, text, found))


def update_definitions_bulk(client, deviceids, check_mode=False, workers=POOL_SIZE):
    return for_each_item(deviceids, lambda deviceid: update_definitions(client, deviceid, check_mode),
                         lambda deviceid, reason: ItemResult.skipped(deviceid, UPDATE_SERVICE, reason),
                         workers=workers)
