#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsight_mav_threat_info
short_description: Read the Managed Antivirus threats N-sight lists for devices
version_added: 1.0.0
description:
  - Reads the Managed Antivirus (MAV) threats of one or many N-sight RMM devices with the Data Extraction API service
    C(list_mav_threats).
  - N-sight documents neither the row element nor the fields of C(list_mav_threats). The module returns each row as
    the service gave it (every child element of C(<items>), values as text) and normalises nothing.
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
      - Several device ids, read concurrently over one connection pool, at most 8 requests at a time, within the
        N-sight call budget (O(rate_limit)); a task that runs longer than 10 seconds prints its progress.
      - Duplicates are dropped. The task fails if any device could not be read, after every other device was read.
      - When one device fails in a way every call would repeat (wrong O(api_key) or O(server), service unreachable),
        devices not yet started are skipped and reported failed instead of being sent.
      - Mutually exclusive with O(deviceid).
    type: list
    elements: int
  engine:
    description:
      - The antivirus engine whose threats to read (the C(v) parameter).
      - V(auto) asks for Bitdefender threats (the API's default) first and for VIPRE threats only when none come
        back, as M(msp.antivirus.nsight_mav_scan_info) does for scans; a device without threats then costs two calls
        and reads as RV(devices[].engine=null).
    type: str
    choices: [auto, bitdefender, vipre]
    default: auto
notes:
  - N-sight asks not to poll automatically more often than every 90 seconds.
seealso:
  - module: msp.antivirus.nsight_mav_quarantine_info
  - module: msp.antivirus.nsight_mav_scan_info
"""

EXAMPLES = r"""
- name: Read the threats of a server
  msp.antivirus.nsight_mav_threat_info:
    server: www.systemmonitor.us
    api_key: "{{ nsight_api_key }}"
    deviceid: 123456
  delegate_to: localhost
  register: threats

- name: Show how many threats N-sight lists for it
  ansible.builtin.debug:
    msg: "{{ threats.devices[0].rows | length }} threat(s)"

- name: Read the threats of several Bitdefender devices, one call each
  msp.antivirus.nsight_mav_threat_info:
    deviceids: [123456, 123457]
    engine: bitdefender
  delegate_to: localhost
"""

RETURN = r"""
msg:
  description: How many devices were read, how many rows they gave, how many failed.
  returned: always
  type: str
  sample: "list_mav_threats: 2 device(s) read, 3 row(s), 0 failed."
service:
  description: The N-sight service called.
  returned: always
  type: str
  sample: list_mav_threats
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
      description: The engine whose threats these are, V(bitdefender) or V(vipre); null when O(engine=auto) found none.
      type: str
      returned: always
      sample: bitdefender
    rows:
      description:
        - Every row as the service gave it, a dict of the row's elements with their text; the fields are not
          documented by N-able.
        - A row that holds only text is given as a dict of one key, the row element's name, whose value is the text.
      type: list
      elements: dict
      returned: always
      sample:
        - name: Trojan.GenericKD.1234
          file: C:\Users\Public\invoice.exe
    failed:
      description: Present and true when this device could not be read.
      type: bool
      returned: when this device failed
      sample: true
    msg:
      description: Why this device could not be read, and what to check.
      type: str
      returned: when this device failed
      sample: "N-sight refused list_mav_threats with error 4 (Invalid value for parameter: deviceid). Check that ..."
    api_code:
      description: The N-sight error code (3 login failed, 4 invalid parameter, 5 missing parameter).
      type: int
      returned: when N-sight answered an C(<error>) for this device
      sample: 4
    skipped:
      description: Present and true when the device was not read, because an earlier device failed in a way every
        call would repeat.
      type: bool
      returned: when the device was skipped
      sample: true
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import (
    DEVICE_ARGS,
    NSIGHT_CONNECTION_ARGS,
    device_ids,
    nsight_client_args,
)
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.mav import ENGINE_VERSIONS, listing_result
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, missing_libraries

SERVICE = "list_mav_threats"


def run(module, client):
    """The threats of every device; ``failed=True`` when a device failed. Bad input fails before any API call."""
    return listing_result(client, device_ids(module.params), module.params["engine"], SERVICE,
                          lambda deviceid, version: client.list_mav_threats(deviceid, engine_version=version))


def build_module():
    argument_spec = dict(
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
