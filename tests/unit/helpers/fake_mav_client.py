# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A fake NsightClient for the units of the MAV modules' ``run(module, client)``: devices with an engine,
scans, threats and quarantine; action answers per service and device; errors it raises on demand."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightReply

ENGINE_OF_VERSION = {None: "bitdefender", 2: "bitdefender", 1: "vipre"}


class FakeMavClient:
    """``devices``: ``{deviceid: dict(engine=..., scans=[rows], threats=[rows], quarantine={"CURRENT": [rows]...})}``.

    ``actions[(service, deviceid)]`` is ``(status, msg)`` (default ``("OK", "")``), or ``(status, msg, True)`` for
    an answer that came after a lost one; ``failures[(service, deviceid)]`` an error raised instead (deviceid None:
    for every device). ``calls`` records ``(service, deviceid, v)`` in order.
    """

    def __init__(self, devices=None, actions=None, failures=None):
        self.devices = dict(devices or {})
        self.actions = dict(actions or {})
        self.failures = dict(failures or {})
        self.calls = []
        self.warnings = []
        self.closed = False

    @staticmethod
    def redact(text):
        return str(text)

    def _fail(self, service, deviceid):
        for key in ((service, deviceid), (service, None)):
            if key in self.failures:
                raise self.failures[key]

    def call(self, service, **params):
        deviceid = params.get("deviceid")
        self.calls.append((service, deviceid, params.get("v")))
        self._fail(service, deviceid)
        answer = self.actions.get((service, deviceid), ("OK", ""))
        status, msg, after_lost = (tuple(answer) + (False,))[:3]
        return NsightReply(service, status, msg, {"@status": status}, after_lost)

    def _rows(self, service, deviceid, version, key, items=None):
        self.calls.append((service, deviceid, version))
        self._fail(service, deviceid)
        device = self.devices.get(deviceid, {})
        if device.get("engine") != ENGINE_OF_VERSION[version]:
            return []
        rows = device.get(key, [])
        if items is not None:
            rows = rows.get(items, []) if isinstance(rows, dict) else rows
        return [dict(row) for row in rows]

    def list_mav_scans(self, deviceid, details="NO", engine_version=None):
        return self._rows("list_mav_scans", deviceid, engine_version, "scans")

    def list_mav_threats(self, deviceid, engine_version=None):
        return self._rows("list_mav_threats", deviceid, engine_version, "threats")

    def list_mav_quarantine(self, deviceid, items="CURRENT", engine_version=None):
        self.items_asked = items
        return self._rows("list_mav_quarantine", deviceid, engine_version, "quarantine", items)

    def close(self):
        self.closed = True
