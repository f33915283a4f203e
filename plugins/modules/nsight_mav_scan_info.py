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
    engine answered, beside the raw rows, so a playbook can test RV(results[].state) without knowing the engine.
  - Each device gets one entry in RV(results), in the order given. A device that cannot be read fails alone
    (RV(results[].failed=true)); the other devices are still read, then the task fails. With O(deviceid), that
    device's keys, its own RV(msg) among them, are also at the top level.
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
      - Duplicates are dropped. RV(results) holds one result per device, in this order; the task fails if any device
        could not be read, after every other device was read.
      - A device whose requests run out of retries (O(retries)) while other devices are read fails alone, and the
        task goes on.
      - "The task stops early only for a failure that every call would repeat: login failed (N-sight error 3, a wrong
        O(api_key) or O(server)), HTTP 401 or 403, a TLS failure such as a bad certificate, a host name that does not
        resolve, a refused connection; or when 16 devices in a row fail without an answer from the API (an outage: no
        connection, no complete answer, or an HTTP error instead of the API's XML). The devices not yet read are then
        reported failed with RV(results[].skipped=true)."
      - Mutually exclusive with O(deviceid).
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

- name: With deviceid, the device's keys are also at the top level, its own msg among them
  ansible.builtin.debug:
    msg: "{{ scan_info.msg }} Its state: {{ scan_info.state }}, {{ scan_info.rows | length }} scan row(s)."

- name: Read the scans of several VIPRE devices with details
  msp.antivirus.nsight_mav_scan_info:
    deviceids: [123456, 123457]
    engine: vipre
    details: true
  delegate_to: localhost

- name: Read the scans of many devices; a device that cannot be read does not stop the others
  msp.antivirus.nsight_mav_scan_info:
    deviceids: "{{ nsight_deviceids }}"
  delegate_to: localhost
  run_once: true
  register: scans
  ignore_errors: true

- name: List the devices that could not be read
  ansible.builtin.debug:
    msg: "{{ scans.results | selectattr('failed', 'defined') | map(attribute='deviceid') | list }}"

- name: List the devices whose newest scan is running
  ansible.builtin.debug:
    msg: "{{ scans.results | rejectattr('failed', 'defined') | selectattr('state', 'equalto', 'running')
             | map(attribute='deviceid') | list }}"
"""

RETURN = r"""
msg:
  description:
    - With O(deviceid), what was read for the device, or why it could not be read and what to check.
    - With O(deviceids), how many devices were read, how many scan rows they gave, how many failed; each device's
      own message is in RV(results[].msg).
  returned: always
  type: str
  sample: "list_mav_scans: 2 device(s) read, 5 row(s), 0 failed."
service:
  description: The N-sight service called.
  returned: always
  type: str
  sample: list_mav_scans
deviceid:
  description: The device read.
  returned: when O(deviceid) is given
  type: int
  sample: 123456
engine:
  description: The engine whose scans these are, V(bitdefender) or V(vipre); null when O(engine=auto) found none.
  returned: with O(deviceid), when the device was read
  type: str
  sample: bitdefender
state:
  description:
    - The normalised state of the newest scan, as in RV(results[].state).
  returned: with O(deviceid), when the device was read
  type: str
  sample: running
newest:
  description: The newest scan row as the API gave it; null when there is none.
  returned: with O(deviceid), when the device was read
  type: dict
  sample:
    type: Quick Scan
    status: Scan In Progress
    start: "2026-11-22 09:00:00"
    files_scanned: "1200"
rows:
  description: Every scan row as the API gave it, newest first.
  returned: with O(deviceid), when the device was read
  type: list
  elements: dict
  sample: []
api_status:
  description: V(FAIL) when N-sight answered the read with C(FAIL) or an C(<error>).
  returned: with O(deviceid), when N-sight answered C(FAIL) or an C(<error>)
  type: str
  sample: FAIL
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
transport_error:
  description:
    - How the request failed when the device could not be read without any answer, one of V(tls), V(dns),
      V(refused), V(timeout), V(reset), V(body) or V(other); see RV(results[].transport_error).
  returned: with O(deviceid), when the device failed without any answer
  type: str
  sample: timeout
url:
  description: The URL of the request that failed, its API key redacted.
  returned: with O(deviceid), when a request failed
  type: str
  sample: https://www.systemmonitor.us/api/?apikey=********&service=list_mav_scans&deviceid=123456&details=NO
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
      description: The service called, C(list_mav_scans).
      type: str
      returned: always
      sample: list_mav_scans
    changed:
      description: Always false; the module only reads.
      type: bool
      returned: always
      sample: false
    msg:
      description: What was read for this device, or why it could not be read and what to check.
      type: str
      returned: always
      sample: "Read device 123456: the newest scan is running (bitdefender engine)."
    failed:
      description: Present and true when this device could not be read.
      type: bool
      returned: when this device failed
      sample: true
    skipped:
      description:
        - Present and true when this device was not read, because an earlier device failed in a way every call would
          repeat, or 16 devices in a row failed without an answer from the API (see O(deviceids)). Such a device is
          also RV(results[].failed), and its RV(results[].msg) gives the failure that stopped the task.
      type: bool
      returned: when this device was skipped
      sample: true
    engine:
      description: The engine whose scans these are, V(bitdefender) or V(vipre); null when O(engine=auto) found none.
      type: str
      returned: when this device was read
      sample: bitdefender
    state:
      description:
        - The normalised state of the newest scan, one of V(running), V(paused), V(finished), V(cancelled),
          V(pending), V(error), V(none) (no scan) or V(unknown) (a status the module does not know).
      type: str
      returned: when this device was read
      sample: running
    newest:
      description: The newest scan row as the API gave it; null when there is none.
      type: dict
      returned: when this device was read
      sample:
        type: Quick Scan
        status: Scan In Progress
        start: "2026-11-22 09:00:00"
        files_scanned: "1200"
    rows:
      description: Every scan row as the API gave it, newest first.
      type: list
      elements: dict
      returned: when this device was read
      sample: []
    transport_error:
      description:
        - How the request failed when this device could not be read without any answer, after its retries.
        - V(tls) TLS failed (certificate verification and other handshake errors), V(dns) the host name does not
          resolve, V(refused) connection refused, V(timeout) no complete answer within O(timeout), V(reset) the
          connection was reset or closed without a complete answer, V(body) the answer could not be decoded,
          V(other) anything else.
      type: str
      returned: when this device failed without any answer
      sample: reset
    api_status:
      description: V(FAIL) when N-sight answered the read with C(FAIL) or an C(<error>).
      type: str
      returned: when N-sight answered C(FAIL) or an C(<error>) for this device
      sample: FAIL
    api_code:
      description: The N-sight error code (3 login failed, 4 invalid parameter, 5 missing parameter).
      type: int
      returned: when N-sight answered an C(<error>) for this device
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
      sample: https://www.systemmonitor.us/api/?apikey=********&service=list_mav_scans&deviceid=123457&details=NO
devices:
  description:
    - Kept for compatibility with 1.0.0, the same list as RV(results).
  returned: always
  type: list
  elements: dict
  sample:
    - deviceid: 123456
      service: list_mav_scans
      changed: false
      msg: "Read device 123456: no scan of either engine."
      engine: null
      state: none
      newest: null
      rows: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import (
    DEVICE_ARGS,
    NSIGHT_CONNECTION_ARGS,
    device_ids,
    nsight_client_args,
)
from ansible_collections.msp.antivirus.plugins.module_utils.device_results import summarise_listings, task_result
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.mav_scans import (
    ENGINE_VERSIONS,
    SCANS_SERVICE,
    read_scan_results,
)
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, missing_libraries


def run(module, client):
    """The newest scans of every device; ``failed=True`` when a device failed. Bad input fails before any API
    call. ``devices`` repeats ``results``, as 1.0.0 returned it."""
    params = module.params
    engine = None if params["engine"] == "auto" else params["engine"]
    results = read_scan_results(client, device_ids(params), "YES" if params["details"] else "NO", engine)
    results = [result.as_dict() for result in results]
    return task_result(SCANS_SERVICE, results, summarise_listings, single=params["deviceids"] is None,
                       devices=results)


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
    fail_on_missing_libraries(module, missing_libraries(module.params))
    run_module(module, run, lambda params: NsightClient(**nsight_client_args(params)), validate=device_ids)


if __name__ == "__main__":
    main()
