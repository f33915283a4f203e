#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsight_mav_definitions_update
short_description: Request a Managed Antivirus definitions update on N-sight devices
version_added: 1.0.0
description:
  - Asks N-sight RMM to update the Managed Antivirus (MAV) definitions of one or many devices with the Data Extraction
    API service C(mav_definitions_update). N-sight documents the service for the Bitdefender engine only.
  - "Idempotent in the way the API allows: the documented C(FAIL) answer C(There is already a MAV definition update
    pending) gives C(changed=false)."
  - An OK answer means the update was requested; the device's agent carries it out at its next check-in.
  - "Any other C(FAIL) is a failure. The module then reads the device's scans once, as
    M(msp.antivirus.nsight_mav_scan_info) does, to find the device's engine: a VIPRE device gets a message saying
    that the service is for Bitdefender only (RV(results[].engine=vipre))."
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
    description:
      - Sends nothing and reports C(changed=true) for every device. N-sight documents no way to read whether an update
        is already pending, so check mode cannot predict the C(changed=false) of a pending one.
    support: full
options:
  deviceid:
    description:
      - The N-sight device id, a C(serverid) or C(workstationid) as C(list_servers) and C(list_workstations) show it.
      - Mutually exclusive with O(deviceids); one of them is required.
    type: int
  deviceids:
    description:
      - Several device ids, requested concurrently over one connection pool, at most 8 requests at a time, within the
        N-sight call budget (O(rate_limit)); a task that runs longer than 10 seconds prints its progress.
      - Duplicates are dropped. RV(results) holds one result per device; the task fails if any device failed, after
        every other device was requested.
      - When one device fails in a way every call would repeat (wrong O(api_key) or O(server), service unreachable),
        devices not yet started are skipped and reported failed instead of being sent.
      - Mutually exclusive with O(deviceid).
    type: list
    elements: int
notes:
  - A device whose every answer was lost (timeouts, connections dropped after sending) fails with RV(uncertain=true),
    since the update may have been queued. Running the task again is harmless.
seealso:
  - module: msp.antivirus.nsight_mav_scan
  - name: N-sight Data Extraction API
    description: The vendor's description of the API, its services and regional servers.
    link: https://documentation.n-able.com/remotemanagement/userguide/Content/data_extraction_api.htm
"""

EXAMPLES = r"""
- name: Update the antivirus definitions of a server once its patch window closed
  msp.antivirus.nsight_mav_definitions_update:
    server: www.systemmonitor.us
    api_key: "{{ nsight_api_key }}"
    deviceid: 123456
  delegate_to: localhost

- name: Update the definitions of several devices, connection options set once for the play
  msp.antivirus.nsight_mav_definitions_update:
    deviceids: [123456, 123457, 123458]
  delegate_to: localhost
  run_once: true
  module_defaults:
    group/msp.antivirus.nsight:
      server: "{{ nsight_server }}"
      api_key: "{{ nsight_api_key }}"
  register: update

- name: Show the devices whose update was already pending
  ansible.builtin.debug:
    msg: "{{ update.results | rejectattr('changed') | map(attribute='deviceid') | list }}"
"""

RETURN = r"""
msg:
  description: What happened, with the API's own text when it answered C(FAIL); with O(deviceids), a summary.
  returned: always
  type: str
  sample: Requested a MAV definitions update on device 123456.
deviceid:
  description: The device requested.
  returned: when O(deviceid) is given
  type: int
  sample: 123456
service:
  description: The N-sight service called (or, in check mode, that would be called), C(mav_definitions_update).
  returned: always
  type: str
  sample: mav_definitions_update
api_status:
  description: The envelope status the service answered, V(OK) or V(FAIL); not returned in check mode.
  returned: with O(deviceid), when the service was called
  type: str
  sample: OK
engine:
  description: The device's engine as its scans show it, V(vipre) or V(bitdefender); null when no scan shows it.
  returned: with O(deviceid), when N-sight refused the update with another C(FAIL) than the pending one
  type: str
  sample: vipre
uncertain:
  description: Present and true when every answer was lost, so the update may have been queued.
  returned: with O(deviceid), when every answer was lost
  type: bool
  sample: true
results:
  description:
    - One result per device, in the order of O(deviceids).
    - With O(deviceid), a list of that one device's result, the same keys as at the top level, so that a playbook
      reads RV(results) whichever option it uses.
  returned: always
  type: list
  elements: dict
  contains:
    deviceid:
      description: The device.
      type: int
      returned: always
      sample: 123456
    changed:
      description: Whether an update was requested for this device (or would be, in check mode).
      type: bool
      returned: always
      sample: true
    failed:
      description: Present and true when this device failed.
      type: bool
      returned: when this device failed
      sample: true
    msg:
      description: What happened to this device.
      type: str
      returned: always
      sample: "No change for device 123457: N-sight answered 'There is already a MAV definition update pending'"
    service:
      description: The service called for this device.
      type: str
      returned: always
      sample: mav_definitions_update
    api_status:
      description: V(OK) or V(FAIL), the envelope status of the service.
      type: str
      returned: when the service was called
      sample: FAIL
    engine:
      description: The device's engine as its scans show it, V(vipre), V(bitdefender), or null when no scan shows it.
      type: str
      returned: when N-sight refused the update with another C(FAIL) than the pending one
      sample: vipre
    api_code:
      description: The N-sight error code (3 login failed, 4 invalid parameter, 5 missing parameter).
      type: int
      returned: when N-sight answered an C(<error>)
      sample: 4
    uncertain:
      description: Present and true when every answer was lost, so the update may have been queued.
      type: bool
      returned: when every answer to this device's request was lost
      sample: true
    skipped:
      description: Present and true when the device was not sent, because an earlier device failed in a way every
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
from ansible_collections.msp.antivirus.plugins.module_utils.mav import UPDATE_SERVICE, summarise, update_definitions_bulk
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, missing_libraries


def run(module, client):
    """The result of the task; ``failed=True`` when a device failed. Bad input fails before any API call."""
    params = module.params
    ids = device_ids(params)
    results = [outcome.as_dict() for outcome in update_definitions_bulk(client, ids, module.check_mode)]
    if params["deviceids"] is None:
        # One device: its keys at the top, and in results too, so that callers need not branch.
        return dict(results[0], results=results)
    summary = dict(changed=any(result["changed"] for result in results), service=UPDATE_SERVICE, results=results,
                   msg=summarise(results))
    if any(result.get("failed") for result in results):
        summary["failed"] = True
    return summary


def build_module():
    return AnsibleModule(
        argument_spec=dict(DEVICE_ARGS, **NSIGHT_CONNECTION_ARGS),
        mutually_exclusive=[("deviceid", "deviceids")],
        supports_check_mode=True,
    )


def main():
    module = build_module()
    fail_on_missing_libraries(module, missing_libraries())
    run_module(module, run, lambda params: NsightClient(**nsight_client_args(params)), validate=device_ids)


if __name__ == "__main__":
    main()
