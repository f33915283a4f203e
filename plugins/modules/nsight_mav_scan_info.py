#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsight_mav_scan_info
short_description: Read the newest N-sight Managed Antivirus scans of devices
version_added: 1.0.0
description:
  - Reads the Managed Antivirus (MAV) scans of one or many N-sight RMM devices with the Data Extraction API service
    C(list_mav_scans), newest first.
  - Gives each device's newest scan a normalised state (V(running), V(paused), V(finished)...), the same whichever
    engine answered, beside the raw rows, so a playbook can test RV(devices[].state) without knowing the engine.
  - Runs on the controller; in a play about managed hosts, delegate it to C(localhost).
author:
  - msp.antivirus contributors (@msp)
requirements:
  - requests
  - xmltodict
extends_documentation_fragment:
  - msp.antivirus.nsight
  - msp.antivirus.connection
  - msp.antivirus.attributes
  - msp.antivirus.attributes.NSIGHT
attributes:
  check_mode:
    description: The module only reads; it runs the same in check mode.
    support: full
options:
  deviceid:
    description:
      - The N-sight device id, a C(serverid) or C(workstationid).
      - Mutually exclusive with O(deviceids); one of them is required.
    type: int
  deviceids:
    description:
      - Several device ids, read concurrently over one connection pool, at most 8 requests at a time.
      - Duplicates are dropped. Mutually exclusive with O(deviceid).
    type: list
    elements: int
  details:
    description:
      - The C(details) parameter of C(list_mav_scans). V(false) (C(details=NO)) adds the counters C(threat_count),
        C(quarantine_count) and C(error_count) to each row; V(true) asks for the detailed form.
    type: bool
    default: false
  engine:
    description:
      - The antivirus engine whose scans to read.
      - V(auto) finds the device's engine, asking for Bitdefender scans (the API's default) first and for VIPRE scans
        when none come back; this may take two calls per device.
    type: str
    choices: [auto, bitdefender, vipre]
    default: auto
notes:
  - Bitdefender documents no paused scan status; a paused Bitdefender scan reads C(Scan Stopped), which is reported
    as V(paused).
  - N-sight sometimes leaves a running scan out of C(list_mav_scans) for a while.
  - N-sight asks not to poll automatically more often than every 90 seconds.
seealso:
  - module: msp.antivirus.nsight_mav_scan
"""

EXAMPLES = r"""
- name: Read the newest scan of a server
  msp.antivirus.nsight_mav_scan_info:
    server: www.systemmonitor.us
    api_key: "{{ nsight_api_key }}"
    deviceid: 123456
  delegate_to: localhost
  register: scan_info

- name: Show the state of the newest scan
  ansible.builtin.debug:
    msg: "The scan of device 123456 is {{ scan_info.devices[0].state }}"

- name: Read the scans of several VIPRE devices with details
  msp.antivirus.nsight_mav_scan_info:
    deviceids: [123456, 123457]
    engine: vipre
    details: true
  delegate_to: localhost
"""

RETURN = r"""
devices:
  description: One entry per device, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    deviceid:
      description: The device.
      type: int
      returned: always
      sample: 123456
    engine:
      description: The engine whose scans these are, V(bitdefender) or V(vipre); null when O(engine=auto) found none.
      type: str
      returned: always
      sample: bitdefender
    state:
      description:
        - The normalised state of the newest scan, one of V(running), V(paused), V(finished), V(cancelled),
          V(pending), V(error), V(none) (no scan) or V(unknown) (a status the module does not know).
      type: str
      returned: always
      sample: running
    newest:
      description: The newest scan row as the API gave it; null when there is none.
      type: dict
      returned: always
      sample:
        type: Quick Scan
        status: Scan In Progress
        start: "2026-11-22 09:00:00"
        files_scanned: "1200"
    rows:
      description: Every scan row as the API gave it, newest first.
      type: list
      elements: dict
      returned: always
      sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import (
    DEVICE_ARGS,
    NSIGHT_CONNECTION_ARGS,
    device_ids,
    nsight_client_args,
)
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import concurrent_map
from ansible_collections.msp.antivirus.plugins.module_utils.mav import ENGINE_VERSIONS, read_scans
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, missing_libraries


def run(module, client):
    """The newest scans of every device; bad input fails before any API call."""
    params = module.params
    ids = device_ids(params)
    details = "YES" if params["details"] else "NO"
    engine = None if params["engine"] == "auto" else params["engine"]
    readings = concurrent_map(lambda deviceid: read_scans(client, deviceid, details, engine), ids)
    return dict(changed=False, devices=[reading.as_dict() for reading in readings])


def build_module():
    argument_spec = dict(
        details=dict(type="bool", default=False),
        engine=dict(type="str", default="auto", choices=["auto"] + sorted(ENGINE_VERSIONS)),
        **dict(DEVICE_ARGS, **NSIGHT_CONNECTION_ARGS)
    )
    return AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("deviceid", "deviceids")],
        supports_check_mode=True,
    )


def main():
    module = build_module()
    fail_on_missing_libraries(module, missing_libraries())
    run_module(module, run, lambda params: NsightClient(**nsight_client_args(params)), validate=device_ids)


if __name__ == "__main__":
    main()
