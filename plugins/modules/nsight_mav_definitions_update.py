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
  - Each device gets one entry in RV(results), in the order given, with what happened to it. A device that fails
    fails alone (RV(results[].failed=true)); the other devices are still requested, then the task fails. With
    O(deviceid), that device's keys, its own RV(msg) among them, are also at the top level.
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
      - Duplicates are dropped. RV(results) holds one result per device, in this order; the task fails if any device
        failed, after every other device was requested.
      - A device whose requests run out of retries (O(retries)) while other devices succeed fails alone, and the task
        goes on.
      - "The task stops early only for a failure that every call would repeat: login failed (N-sight error 3, a wrong
        O(api_key) or O(server)), HTTP 401 or 403, a TLS failure such as a bad certificate, a host name that does not
        resolve, a refused connection; or when 16 devices in a row fail without an answer from the API (an outage: no
        connection, no complete answer, or an HTTP error instead of the API's XML). The devices not yet sent are then
        reported failed with RV(results[].skipped=true)."
      - Mutually exclusive with O(deviceid).
    type: list
    elements: int
notes:
  - A device whose every answer was lost (timeouts, connections dropped after sending) fails with
    RV(results[].uncertain=true), since the update may have been queued. Running the task again is harmless; N-sight
    then answers that an update is pending.
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
  ignore_errors: true

- name: Show the devices whose update was already pending
  ansible.builtin.debug:
    msg: "{{ update.results | rejectattr('failed', 'defined') | rejectattr('changed')
             | map(attribute='deviceid') | list }}"

- name: Show the devices that failed, each with its own message
  ansible.builtin.debug:
    msg: "{{ update.results | selectattr('failed', 'defined') | items2dict(key_name='deviceid', value_name='msg') }}"
"""

RETURN = r"""
msg:
  description:
    - With O(deviceid), what happened to the device, with the API's own text when it answered C(FAIL).
    - With O(deviceids), a summary, how many devices changed, did not change and failed; each device's own message
      is in RV(results[].msg).
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
  description:
    - The envelope status the service answered, V(OK) or V(FAIL) (V(FAIL) also for an C(<error>) answer); not
      returned in check mode.
  returned: with O(deviceid), when the service answered
  type: str
  sample: OK
engine:
  description: The device's engine as its scans show it, V(vipre) or V(bitdefender); null when no scan shows it.
  returned: with O(deviceid), when N-sight refused the update with another C(FAIL) than the pending one and the
    device's scans could be read
  type: str
  sample: vipre
uncertain:
  description: Present and true when every answer was lost, so the update may have been queued.
  returned: with O(deviceid), when every answer was lost
  type: bool
  sample: true
transport_error:
  description:
    - How the request failed when the device failed without any answer, one of V(tls), V(dns), V(refused),
      V(timeout), V(reset), V(body) or V(other); see RV(results[].transport_error).
  returned: with O(deviceid), when the device failed without any answer
  type: str
  sample: timeout
api_code:
  description: The N-sight error code of an C(<error>) answer (3 login failed, 4 invalid parameter, 5 missing
    parameter).
  returned: with O(deviceid), when N-sight answered an C(<error>)
  type: int
  sample: 4
http_status:
  description: The HTTP status N-sight answered instead of 200, such as 403 (a web application firewall) or 503.
  returned: with O(deviceid), when N-sight answered an HTTP error status or a redirect
  type: int
  sample: 403
url:
  description: The URL of the request that failed, its API key redacted.
  returned: with O(deviceid), when a request failed
  type: str
  sample: https://www.systemmonitor.us/api/?apikey=********&service=mav_definitions_update&deviceid=123456
results:
  description:
    - One result per device, in the order of O(deviceids), duplicates dropped.
    - With O(deviceid), a list of that one device's result, whose keys are also at the top level, so that a playbook
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
    service:
      description: The service called for this device (or, in check mode, that would be called).
      type: str
      returned: always
      sample: mav_definitions_update
    changed:
      description: Whether an update was requested for this device (or would be, in check mode).
      type: bool
      returned: always
      sample: true
    msg:
      description: What happened to this device, with the API's own text when it answered C(FAIL), or why it failed
        and what to check.
      type: str
      returned: always
      sample: "No change for device 123457: N-sight answered 'There is already a MAV definition update pending'"
    failed:
      description: Present and true when this device failed.
      type: bool
      returned: when this device failed
      sample: true
    skipped:
      description:
        - Present and true when this device was not sent, because an earlier device failed in a way every call would
          repeat, or 16 devices in a row failed without an answer from the API (see O(deviceids)). Such a device is
          also RV(results[].failed), and its RV(results[].msg) gives the failure that stopped the task.
      type: bool
      returned: when this device was skipped
      sample: true
    uncertain:
      description: Present and true when every answer was lost, so the update may have been queued.
      type: bool
      returned: when every answer to this device's request was lost
      sample: true
    transport_error:
      description:
        - How the request failed when this device failed without any answer, after its retries.
        - V(tls) TLS failed (certificate verification and other handshake errors), V(dns) the host name does not
          resolve, V(refused) connection refused, V(timeout) no complete answer within O(timeout), V(reset) the
          connection was reset or closed without a complete answer, V(body) the answer could not be decoded,
          V(other) anything else.
      type: str
      returned: when this device failed without any answer
      sample: reset
    api_status:
      description: V(OK) or V(FAIL), the envelope status of the service (V(FAIL) also for an C(<error>) answer).
      type: str
      returned: when the service answered (never in check mode)
      sample: FAIL
    api_code:
      description: The N-sight error code (3 login failed, 4 invalid parameter, 5 missing parameter).
      type: int
      returned: when N-sight answered an C(<error>)
      sample: 4
    http_status:
      description: The HTTP status N-sight answered instead of 200.
      type: int
      returned: when N-sight answered an HTTP error status or a redirect
      sample: 503
    url:
      description: The URL of the request that failed, its API key redacted.
      type: str
      returned: when a request for this device failed
      sample: https://www.systemmonitor.us/api/?apikey=********&service=mav_definitions_update&deviceid=123457
    engine:
      description: The device's engine as its scans show it, V(vipre), V(bitdefender), or null when no scan shows it.
      type: str
      returned: when N-sight refused the update with another C(FAIL) than the pending one and the device's scans could
        be read
      sample: vipre
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import (
    DEVICE_ARGS,
    NSIGHT_CONNECTION_ARGS,
    device_ids,
    nsight_client_args,
)
from ansible_collections.msp.antivirus.plugins.module_utils.device_results import summarise_actions, task_result
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.mav_definitions import (
    UPDATE_SERVICE,
    update_definitions_bulk,
)
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, missing_libraries


def run(module, client):
    """The result of the task; ``failed=True`` when a device failed. Bad input fails before any API call."""
    params = module.params
    ids = device_ids(params)
    results = [result.as_dict() for result in update_definitions_bulk(client, ids, module.check_mode)]
    return task_result(UPDATE_SERVICE, results, summarise_actions, single=params["deviceids"] is None)


def build_module():
    return AnsibleModule(
        argument_spec=dict(DEVICE_ARGS, **NSIGHT_CONNECTION_ARGS),
        mutually_exclusive=[("deviceid", "deviceids")],
        supports_check_mode=True,
    )


def main():
    module = build_module()
    fail_on_missing_libraries(module, missing_libraries(module.params))
    run_module(module, run, lambda params: NsightClient(**nsight_client_args(params)), validate=device_ids)


if __name__ == "__main__":
    main()
