#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsight_mav_scan
short_description: Pause, resume, start or cancel the N-sight Managed Antivirus scan of devices
version_added: 1.0.0
description:
  - Puts the Managed Antivirus (MAV) scan of one or many N-sight RMM devices into a wanted state with the
    Data Extraction API services C(mav_scan_pause), C(mav_scan_resume), C(mav_scan_start) and C(mav_scan_cancel).
  - "Idempotent in the way the API allows. A C(FAIL) answer that means the wanted state already holds
    (C(Cannot execute action : scan is not running.), C(Unsupported action type)) gives C(changed=false)."
  - The vague C(An error has occurred) that O(state=started) and O(state=cancelled) can answer is settled by reading
    the newest scan once with C(list_mav_scans).
  - "A lost answer is settled too: when an attempt's answer was lost (a timeout, a connection dropped after sending)
    and the retry answers C(FAIL), the newest scan is read once; if it shows the wanted state, the lost attempt is
    taken to have reached it and the device is reported C(changed=true), so that a pause always gets its resume.
    When every answer was lost, the device fails with RV(uncertain=true)."
  - A device runs one engine, VIPRE or Bitdefender. Whenever the module reads scans it finds the engine itself,
    asking for Bitdefender scans (the API's default) first and for VIPRE scans when none come back.
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
      - Reads the newest scan of each device with C(list_mav_scans) and reports the C(changed) the real run would give,
        without acting.
      - N-sight sometimes leaves a running scan out of C(list_mav_scans) for a while; check mode then predicts no change.
    support: full
options:
  deviceid:
    description:
      - The N-sight device id, a C(serverid) or C(workstationid) as C(list_servers) and C(list_workstations) show it.
      - Mutually exclusive with O(deviceids). One of them is required unless O(describe=true).
    type: int
  deviceids:
    description:
      - Several device ids, acted on concurrently over one connection pool, at most 8 requests at a time.
      - Duplicates are dropped. RV(results) holds one result per device; the task fails if any device failed,
        after every other device was acted on.
      - When one device fails in a way every call would repeat (wrong O(api_key) or O(server), service unreachable),
        devices not yet started are skipped and reported failed instead of being sent.
      - Mutually exclusive with O(deviceid).
    type: list
    elements: int
  state:
    description:
      - The wanted state of the device's MAV scan.
      - V(paused) calls C(mav_scan_pause), V(resumed) calls C(mav_scan_resume), V(started) calls C(mav_scan_start)
        (a quick scan, which the device may start later), V(cancelled) calls C(mav_scan_cancel).
    type: str
    required: true
    choices: [paused, resumed, started, cancelled]
  describe:
    description:
      - Return the service's own description of the service that O(state) selects, in RV(description), and act on nothing.
      - O(deviceid) and O(deviceids) are not needed.
    type: bool
    default: false
notes:
  - Bitdefender documents no paused scan status; a paused Bitdefender scan reads C(Scan Stopped), which the module
    takes as paused.
  - N-sight asks not to poll automatically more often than every 90 seconds; this module reads only when it must
    (check mode, or to settle an ambiguous or lost answer).
seealso:
  - name: N-sight Data Extraction API
    description: The vendor's description of the API, its services and regional servers.
    link: https://documentation.n-able.com/remotemanagement/userguide/Content/data_extraction_api.htm
"""

EXAMPLES = r"""
- name: Pause the MAV scan of a server before patching
  msp.antivirus.nsight_mav_scan:
    server: www.systemmonitor.us
    api_key: "{{ nsight_api_key }}"
    deviceid: 123456
    state: paused
  delegate_to: localhost

- name: Resume the scans of several devices, connection options set once for the play
  msp.antivirus.nsight_mav_scan:
    deviceids: [123456, 123457, 123458]
    state: resumed
  delegate_to: localhost
  module_defaults:
    group/msp.antivirus.nsight:
      server: "{{ nsight_server }}"
      api_key: "{{ nsight_api_key }}"

- name: Ask N-sight what mav_scan_pause takes, without acting
  msp.antivirus.nsight_mav_scan:
    state: paused
    describe: true
  register: pause_service

- name: Start a quick scan once patching is done
  msp.antivirus.nsight_mav_scan:
    deviceid: "{{ nsight_deviceid }}"
    state: started
  delegate_to: localhost
"""

RETURN = r"""
msg:
  description: What happened, with the API's own text when it answered C(FAIL); with O(deviceids), a summary.
  returned: always
  type: str
  sample: Paused the MAV scan on device 123456.
deviceid:
  description: The device acted on.
  returned: when O(deviceid) is given
  type: int
  sample: 123456
service:
  description: The N-sight service called (or, in check mode, that would be called).
  returned: always
  type: str
  sample: mav_scan_pause
api_status:
  description:
    - The envelope status the action service answered, V(OK) or V(FAIL).
    - Not returned in check mode, where no action service is called.
  returned: when the service was called
  type: str
  sample: OK
scan_state:
  description:
    - The normalised state of the device's newest scan, as C(list_mav_scans) showed it, one of V(running), V(paused),
      V(finished), V(cancelled), V(pending), V(error), V(none) or V(unknown).
  returned: when the module read the device's scans (check mode, or to settle an ambiguous or lost answer)
  type: str
  sample: running
description:
  description: The service's description, parsed from its XML into a dictionary.
  returned: when O(describe=true)
  type: dict
  sample:
    name: mav_scan_pause
    description: Pause a Managed Antivirus scan on the specified device
    parameters:
      - name: deviceid
        type: integer
        required: "yes"
results:
  description:
    - One result per device, in the order of O(deviceids).
    - With O(deviceid), a list of that one device's result, the same keys as at the top level, so that a playbook
      reads RV(results) whichever option it uses.
  returned: always, unless O(describe=true)
  type: list
  elements: dict
  contains:
    deviceid:
      description: The device.
      type: int
      returned: always
      sample: 123456
    changed:
      description: Whether this device's scan changed state (or would, in check mode).
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
      sample: "No change for device 123457: N-sight answered 'Cannot execute action : scan is not running.'"
    service:
      description: The service called for this device.
      type: str
      returned: always
      sample: mav_scan_pause
    api_status:
      description: V(OK) or V(FAIL), the envelope status of the action service.
      type: str
      returned: when the service was called
      sample: FAIL
    scan_state:
      description: The normalised state of the newest scan.
      type: str
      returned: when the module read the device's scans
      sample: paused
    api_code:
      description: The N-sight error code (3 login failed, 4 invalid parameter, 5 missing parameter).
      type: int
      returned: when N-sight answered an C(<error>)
      sample: 4
    uncertain:
      description: Present and true when this device failed because every answer was lost, so the action may have
        taken effect.
      type: bool
      returned: when every answer to this device's action was lost
      sample: true
uncertain:
  description:
    - Present and true when the device failed because the answer to every attempt was lost (timeouts, dropped
      connections after sending), so the action may have taken effect. A scan paused this way should be resumed; the
      C(msp.antivirus.maintenance_window) role does so.
  returned: with O(deviceid), when every answer to the action was lost
  type: bool
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
from ansible_collections.msp.antivirus.plugins.module_utils.mav import STATE_SERVICES, ensure_state_bulk, summarise
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, missing_libraries


def targets(params):
    """The devices to act on, none with describe=true; bad input fails here, before any API call."""
    return [] if params["describe"] else device_ids(params, "describe=true")


def run(module, client):
    """The result of the task; ``failed=True`` when a device failed."""
    params = module.params
    service = STATE_SERVICES[params["state"]]
    ids = targets(params)
    if params["describe"]:
        return dict(changed=False, service=service, api_status="OK", description=client.describe(service),
                    msg="Description of {0}; no action taken.".format(service))
    results = [outcome.as_dict() for outcome in ensure_state_bulk(client, ids, params["state"], module.check_mode)]
    if params["deviceids"] is None:
        # One device: its keys at the top, and in results too, so that callers need not branch.
        return dict(results[0], results=results)
    summary = dict(changed=any(result["changed"] for result in results), service=service, results=results,
                   msg=summarise(results))
    if any(result.get("failed") for result in results):
        summary["failed"] = True
    return summary


def build_module():
    argument_spec = dict(
        state=dict(type="str", required=True, choices=list(STATE_SERVICES)),
        describe=dict(type="bool", default=False),
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
    run_module(module, run, lambda params: NsightClient(**nsight_client_args(params)), validate=targets)


if __name__ == "__main__":
    main()
