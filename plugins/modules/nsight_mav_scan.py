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
    taken to have reached it and the device is reported C(changed=true), so that a pause always gets its resume."
  - "When every answer to a device's action was lost, its newest scan is read once after the other devices were
    done: the change is reported when the scan shows it, no change when there was nothing to do, and a failure when
    the scan shows that the action did not take effect. The device fails with RV(results[].uncertain=true) only when
    that read fails too, when the task stopped early (see O(deviceids)), or when the last attempt timed out and the
    read does not show the change: a slow server may still carry out a request abandoned after O(timeout) seconds."
  - Each device gets one entry in RV(results), in the order given, with what happened to it. A device that fails
    fails alone (RV(results[].failed=true)); the other devices are still acted on, then the task fails. With
    O(deviceid), that device's keys, its own RV(msg) among them, are also at the top level.
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
      - Several device ids, acted on concurrently over one connection pool, at most 8 requests at a time, within the
        N-sight call budget (O(rate_limit)); a task that runs longer than 10 seconds prints its progress.
      - Duplicates are dropped. RV(results) holds one result per device, in this order; the task fails if any device
        failed, after every other device was acted on.
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

- name: Pause the scans of many devices; a device that fails does not stop the others
  msp.antivirus.nsight_mav_scan:
    deviceids: "{{ nsight_deviceids }}"
    state: paused
  delegate_to: localhost
  run_once: true
  register: pause
  ignore_errors: true

- name: Show the devices that failed, and those whose scan may have been paused all the same
  ansible.builtin.debug:
    msg:
      failed: "{{ pause.results | selectattr('failed', 'defined') | map(attribute='deviceid') | list }}"
      uncertain: "{{ pause.results | selectattr('uncertain', 'defined') | map(attribute='deviceid') | list }}"
"""

RETURN = r"""
msg:
  description:
    - With O(deviceid), what happened to the device, with the API's own text when it answered C(FAIL).
    - With O(deviceids), a summary, how many devices changed, did not change and failed; each device's own message
      is in RV(results[].msg).
    - With O(describe=true), that the description was read.
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
    - The envelope status N-sight answered, V(OK) or V(FAIL) (V(FAIL) also for an C(<error>) answer).
    - With O(deviceid), of the action service, or of a read of the device's scans that failed; V(OK) with
      O(describe=true).
  returned: with O(deviceid), when N-sight answered the action service or a read of the scans failed with an answer;
    with O(describe=true)
  type: str
  sample: OK
scan_state:
  description:
    - The normalised state of the device's newest scan, as C(list_mav_scans) showed it, one of V(running), V(paused),
      V(finished), V(cancelled), V(pending), V(error), V(none) or V(unknown).
  returned: with O(deviceid), when the module read the device's scans (check mode, or to settle an ambiguous or lost
    answer)
  type: str
  sample: running
uncertain:
  description:
    - Present and true when the device failed because the answer to its action was lost (timeouts, connections
      dropped after sending) and a read of its scans afterwards could not tell whether the action took effect (the
      read failed too). The action may have taken effect, so a scan paused this way should be resumed; the
      C(msp.antivirus.maintenance_window) role does so.
  returned: with O(deviceid), when an answer to the action was lost and the read afterwards failed too
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
  returned: when N-sight answered an C(<error>)
  type: int
  sample: 4
http_status:
  description: The HTTP status N-sight answered instead of 200, such as 403 (a web application firewall) or 503.
  returned: when N-sight answered an HTTP error status or a redirect
  type: int
  sample: 403
url:
  description: The URL of the request that failed, its API key redacted.
  returned: when a request failed
  type: str
  sample: https://www.systemmonitor.us/api/?apikey=********&service=mav_scan_pause&deviceid=123456
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
    - One result per device, in the order of O(deviceids), duplicates dropped.
    - With O(deviceid), a list of that one device's result, whose keys are also at the top level, so that a playbook
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
    service:
      description: The service called for this device (or, in check mode, that would be called).
      type: str
      returned: always
      sample: mav_scan_pause
    changed:
      description: Whether this device's scan changed state (or would, in check mode).
      type: bool
      returned: always
      sample: true
    msg:
      description: What happened to this device, with the API's own text when it answered C(FAIL), or why it failed
        and what to check.
      type: str
      returned: always
      sample: "No change for device 123457: N-sight answered 'Cannot execute action : scan is not running.'"
    failed:
      description: Present and true when this device failed.
      type: bool
      returned: when this device failed
      sample: true
    skipped:
      description:
        - Present and true when this device was not sent, because an earlier device failed in a way every call would
          repeat, or 16 devices in a row failed without an answer from the API (see O(deviceids)). Such a device is also
          RV(results[].failed), and its RV(results[].msg) gives the failure that stopped the task.
      type: bool
      returned: when this device was skipped
      sample: true
    uncertain:
      description:
        - Present and true when this device failed because the answer to its action was lost (to every attempt, or
          to an attempt whose retry then answered C(FAIL)), and one read of its scans afterwards could not tell
          whether the action took effect (the read failed too, or was not made because the task stopped early). The
          action may have taken effect; check the device's scan, and undo it if needed.
      type: bool
      returned: when an answer to this device's action was lost and the read afterwards could not tell
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
      description:
        - V(OK) or V(FAIL), the envelope status of the action service's answer, or of a read of the device's scans
          that failed with an N-sight answer (V(FAIL) also for an C(<error>) answer).
      type: str
      returned: when the action service answered (never in check mode), or a read of the scans failed with an answer
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
      sample: https://www.systemmonitor.us/api/?apikey=********&service=mav_scan_pause&deviceid=123457
    scan_state:
      description:
        - The normalised state of the newest scan, as for RV(scan_state).
      type: str
      returned: when the module read the device's scans (check mode, or to settle an ambiguous or lost answer)
      sample: paused
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
from ansible_collections.msp.antivirus.plugins.module_utils.mav_scans import STATE_SERVICES, ensure_state_bulk
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
    results = [result.as_dict() for result in ensure_state_bulk(client, ids, params["state"], module.check_mode)]
    return task_result(service, results, summarise_actions, single=params["deviceids"] is None)


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
    fail_on_missing_libraries(module, missing_libraries(module.params))
    run_module(module, run, lambda params: NsightClient(**nsight_client_args(params)), validate=targets)


if __name__ == "__main__":
    main()
