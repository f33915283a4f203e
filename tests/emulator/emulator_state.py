# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the emulator remembers between requests, behind one lock."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import threading
import time

import nsight_estate
import rate_limit
import seed_data
import wfbss_seed_data

SETTABLE_SCAN_STATES = ("running", "paused", "finished", "cancelled", "none")


class EmulatorState:
    """Devices, customers, tasks, call log, pending faults, the WFBSS clock offset and the N-sight call limit.

    Request handlers run in many threads: hold `lock` while reading or changing anything.
    The call limit given here (the constructor's, the CLI's) is the one reset() restores.
    """

    def __init__(self, credentials, extra_devices=0, nsight_rate_limit=None, nsight_rate_window=rate_limit.DEFAULT_WINDOW, estate=None):
        self.lock = threading.RLock()
        self.credentials = credentials
        self.extra_devices = extra_devices
        self.estate = nsight_estate.checked_estate(estate) if estate else None
        self.initial_nsight_rate_limit = rate_limit.checked_settings(nsight_rate_limit, nsight_rate_window)
        self.reset()

    def reset(self):
        with self.lock:
            now = seed_data.utc_now()
            self.clients, self.sites, self.devices = seed_data.build_nsight_data(self.extra_devices, now)
            if self.estate:
                nsight_estate.add_estate(self.estate, self.clients, self.sites, self.devices, now)
            self.index_nsight_data()
            self.customers = seed_data.build_customers()
            wfbss_now = int(time.time())
            self.computers = wfbss_seed_data.build_computers(self.customers, wfbss_now)
            self.livestatus = wfbss_seed_data.build_livestatus_table(self.customers, self.computers, wfbss_now)
            self.pending_definition_updates = set()
            self.tasks = []
            self.calls = []
            self.faults = []
            self.clock_offset = 0
            self.nsight_rate_limit = rate_limit.RollingWindowLimit(*self.initial_nsight_rate_limit)

    def index_nsight_data(self):
        """Site ids by client, device ids by site and by client (in id order): listings must not scan the whole estate per call.

        Ids, not records, so that a record replaced under its id is still found; tests that add or remove
        sites or devices in `sites` / `devices` directly get a fresh index (the counts change).
        """
        self.client_sites = dict((clientid, []) for clientid in self.clients)
        for siteid in sorted(self.sites):
            self.client_sites.setdefault(self.sites[siteid]["clientid"], []).append(siteid)
        self.site_devices = dict((siteid, []) for siteid in self.sites)
        self.client_devices = dict((clientid, []) for clientid in self.clients)
        for deviceid in sorted(self.devices):
            device = self.devices[deviceid]
            self.site_devices.setdefault(device["siteid"], []).append(deviceid)
            self.client_devices.setdefault(device["clientid"], []).append(deviceid)
        self.indexed_counts = (len(self.clients), len(self.sites), len(self.devices))

    def current_index(self):
        if self.indexed_counts != (len(self.clients), len(self.sites), len(self.devices)):
            self.index_nsight_data()

    def sites_of_client(self, clientid):
        """The client's sites, in id order."""
        self.current_index()
        return [self.sites[siteid] for siteid in self.client_sites.get(clientid, [])]

    def devices_of(self, siteid=None, clientid=None):
        """The devices of one site, or else of one client, in id order."""
        self.current_index()
        ids = self.site_devices.get(siteid, []) if siteid is not None else self.client_devices.get(clientid, [])
        return [self.devices[deviceid] for deviceid in ids]

    def wfbss_clock(self):
        """The WFBSS server's idea of now, in Unix seconds; tests shift it to provoke clock skew."""
        return time.time() + self.clock_offset

    def set_clock_offset(self, seconds):
        with self.lock:
            self.clock_offset = seconds

    def set_nsight_rate_limit(self, limit, window=rate_limit.DEFAULT_WINDOW):
        """A new limit (None or 0: none) with fresh counters and history; ValueError on bad values. Until reset()."""
        fresh = rate_limit.RollingWindowLimit(limit, window)
        with self.lock:
            self.nsight_rate_limit = fresh
            return fresh.stats()

    def nsight_rate_limit_stats(self):
        with self.lock:
            return self.nsight_rate_limit.stats()

    def check_nsight_rate(self, apikey):
        """Count one N-sight call under its key: None when accepted, else the Retry-After seconds."""
        with self.lock:
            return self.nsight_rate_limit.check(apikey)

    def record_call(self, record):
        with self.lock:
            self.calls.append(record)

    def calls_snapshot(self):
        with self.lock:
            return copy.deepcopy(self.calls)

    def clear_calls(self):
        with self.lock:
            self.calls = []

    def add_fault(self, fault):
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def take_fault(self, api, service):
        """The first pending fault that matches this request, counted as one hit (or None)."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(api, service):
                    if fault.consume():
                        self.faults.remove(fault)
                    return fault
        return None

    def add_task(self, task):
        with self.lock:
            self.tasks.append(task)

    def tasks_snapshot(self):
        with self.lock:
            return copy.deepcopy(self.tasks)

    def device_snapshot(self, deviceid):
        """A copy of the device and its scans; KeyError when there is no such device."""
        with self.lock:
            return copy.deepcopy(self.devices[deviceid])

    def set_scan(self, deviceid, state, hidden_running=None):
        """Put the device's newest scan in `state` ("none" removes all scans); KeyError / ValueError on bad input."""
        if state is not None and state not in SETTABLE_SCAN_STATES:
            raise ValueError("scan must be one of %s" % ", ".join(SETTABLE_SCAN_STATES))
        with self.lock:
            device = self.devices[deviceid]
            if state == "none":
                device["scans"] = []
            elif state is not None:
                set_newest_scan_state(device, state)
            if hidden_running is not None:
                device["hidden_running"] = bool(hidden_running)
            return copy.deepcopy(device)


def set_newest_scan_state(device, state):
    now = seed_data.utc_now()
    if not device["scans"]:
        device["scans"].insert(0, seed_data.new_scan("running", now))
    scan = device["scans"][0]
    scan["state"] = state
    complete = state in seed_data.COMPLETE_STATES
    if complete and scan["end"] is None:
        scan["end"] = seed_data.timestamp(now)
    elif not complete:
        scan["end"] = None
