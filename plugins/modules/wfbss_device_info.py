#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wfbss_device_info
short_description: Read the devices of Trend Micro WFBSS customers, their components and whether they are out of date
version_added: 1.1.0
description:
  - Reads the devices (agents) of the given WFBSS customers with the service-management API call C(GET components),
    with their platform, agent version, components (patterns and engines) and scan times, and on request their
    group, label and whether they are out of date.
  - The service takes one customer per call, so each customer of O(cids) is read on its own, every page followed.
    With O(ccids), the devices are asked for at most 99 at a time (the service ignores any beyond 99).
  - Each customer gets one entry in RV(results), in the order given, with its devices as the service gave them and
    a RV(results[].summary). A customer whose call fails fails alone (RV(results[].failed=true)) and the next
    customer is still read; the task fails when any customer failed, after the others were read, and still
    returns the devices it read.
  - "The calls stop early only for a failure that every call would repeat: HTTP 401 or 403 (check O(access_token),
    O(secret_key) and the controller's clock), a TLS failure such as a bad certificate, a host name that does not
    resolve, a refused connection; or when 16 calls in a row fail without an answer from the API (an outage). The
    customers not read are then reported failed with RV(results[].skipped=true)."
  - The service documents no error for an unknown customer, so one simply has no devices (C(devices=0) in its
    RV(results[].summary)).
  - Runs on the controller.
author:
  - msp.antivirus contributors (@msp)
requirements:
  - requests
extends_documentation_fragment:
  - msp.antivirus.wfbss
  - msp.antivirus.connection
  - msp.antivirus.attributes
  - msp.antivirus.attributes.WFBSS
attributes:
  check_mode:
    description: The module only reads; it runs the same in check mode.
    support: full
options:
  cids:
    description:
      - The customer ids (cids) whose devices to read, the C(id) of each customer that
        M(msp.antivirus.wfbss_customer_info) lists. Each customer is read with its own calls.
      - Duplicates are dropped; an empty id or one holding a comma is refused before any call.
    type: list
    elements: str
    required: true
  ccids:
    description:
      - Read only these devices (their C(cid), 32 hexadecimal characters) of each customer.
      - Asked for at most 99 per call, so more than 99 take several calls per customer.
      - Duplicates are dropped; an empty id or one holding a comma is refused before any call.
      - When omitted, every device of each customer is read.
    type: list
    elements: str
  fields:
    description:
      - The fields of each device to return (besides its C(cid)).
      - When omitted, the service returns every field except the O(extra_fields).
    type: list
    elements: str
    choices: [aa, ip_addr, platform, arch, components, version, scan_mode, ss_service, pop3_scan, virus_detected,
              spyware_detected, spam_detected, urlfilter_violated, type, status, phone_number, mac_addr,
              last_connect_time, sched_start_time, sched_complete_time, manual_start_time, manual_complete_time]
  extra_fields:
    description:
      - The extra fields of each device to return as well; the service returns them only when asked.
      - With V(out_of_date), RV(results[].summary) and RV(summary) count the devices that are out of date.
    type: list
    elements: str
    choices: [group_name, label, out_of_date]
notes:
  - Trend Micro's page for C(GET components) stops before its answer and its field table, so the meaning, format and
    type of the fields (C(status), C(type), C(components), the times) are not published; the rows are returned as
    the service gives them. The module reads the answer as the sibling C(customers/computers) is documented,
    C(customers[]) entries holding C(computers[]) rows, and fails with an excerpt on any other shape.
  - The type of C(out_of_date) is not published either. B(Assumption:) a device counts as out of date when its
    C(out_of_date) is V(true), V(1), or the string C("1"), C("true") or C("yes") (in any case); any other value,
    or none, counts as up to date. The rows keep the value as given.
seealso:
  - module: msp.antivirus.wfbss_customer_info
  - module: msp.antivirus.wfbss_update
  - module: msp.antivirus.wfbss_livestatus_info
"""

EXAMPLES = r"""
- name: Find the Acme customers
  msp.antivirus.wfbss_customer_info:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    name: Acme
  register: acme

- name: Update their agents
  msp.antivirus.wfbss_update:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    cids: "{{ acme.cids }}"

- name: Read which devices are still out of date
  msp.antivirus.wfbss_device_info:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    cids: "{{ acme.cids }}"
    fields: [platform, version, last_connect_time]
    extra_fields: [out_of_date]
  register: acme_devices

- name: List the customers with devices out of date
  ansible.builtin.set_fact:
    customers_out_of_date: >-
      {{ acme_devices.results | selectattr('summary', 'defined')
         | selectattr('summary.out_of_date', 'gt', 0) | map(attribute='cid') | list }}

- name: Show them
  ansible.builtin.debug:
    msg: "{{ customers_out_of_date }}"

- name: Read two devices of one customer
  msp.antivirus.wfbss_device_info:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    cids: [640FE47F-5118-4D79-8221-A35D0DE2EE2C]
    ccids: [c221af4b946cf34a889be2e6116995dc, d2f871c7641fd747881e88b87745ac8b]
    extra_fields: [group_name, label]
"""

RETURN = r"""
msg:
  description:
    - How many devices of how many customers were read, and how many are out of date when O(extra_fields) holds
      V(out_of_date).
    - When a call failed, the first failure's message and what to check, followed by that count and how many
      customers failed. Each customer's own message is in RV(results[].msg).
  returned: always
  type: str
  sample: 5 device(s) of 2 customer(s); 2 out of date.
results:
  description:
    - One result per customer, in the order of O(cids), duplicates dropped.
  returned: always
  type: list
  elements: dict
  contains:
    cid:
      description: The customer id, as given in O(cids).
      type: str
      returned: always
      sample: 640FE47F-5118-4D79-8221-A35D0DE2EE2C
    service:
      description: The call made, C(components).
      type: str
      returned: always
      sample: components
    changed:
      description: Always false; the module only reads.
      type: bool
      returned: always
      sample: false
    msg:
      description: How many devices of this customer were read (and how many are out of date), or why its call
        failed and what to check.
      type: str
      returned: always
      sample: 3 device(s) of customer 640FE47F-5118-4D79-8221-A35D0DE2EE2C; 2 out of date.
    failed:
      description: Present and true when a call for this customer failed, or was not made.
      type: bool
      returned: when this customer failed
      sample: true
    skipped:
      description:
        - Present and true when this customer was not read, because an earlier call failed in a way every call
          would repeat, or 16 calls in a row failed without an answer from the API. Such a customer is also
          RV(results[].failed), and its RV(results[].msg) gives the failure that stopped the task.
      type: bool
      returned: when this customer was skipped
      sample: true
    devices:
      description:
        - The customer's devices, as the service gave them (every page, every chunk of O(ccids)); empty for an
          unknown customer.
        - Each row holds the device's C(cid) and the O(fields) asked for (all but the extra ones when O(fields) is
          omitted), plus the O(extra_fields) asked for. Trend Micro publishes no description of these fields.
      type: list
      elements: dict
      returned: when this customer was read
      sample:
        - cid: 031b1d0ecb52c74b8a08c7261299ca19
          platform: Windows 11 Pro
          version: 6.7.3208
          out_of_date: true
    summary:
      description: The count of the customer's devices.
      type: dict
      returned: when this customer was read
      contains:
        devices:
          description: How many devices were read.
          type: int
          returned: always
          sample: 3
        out_of_date:
          description: How many of them are out of date (see the notes for the values that count).
          type: int
          returned: when O(extra_fields) holds V(out_of_date)
          sample: 2
    transport_error:
      description:
        - How the request failed when this customer's call failed without any answer, after its retries.
        - V(tls) TLS failed (certificate verification and other handshake errors), V(dns) the host name does not
          resolve, V(refused) connection refused, V(timeout) no complete answer within O(timeout), V(reset) the
          connection was reset or closed without a complete answer, V(body) the answer could not be decoded,
          V(other) anything else.
      type: str
      returned: when this customer's call failed without any answer
      sample: reset
    http_status:
      description: The HTTP status WFBSS answered to this customer's call instead of 200.
      type: int
      returned: when WFBSS answered an HTTP error status or a redirect
      sample: 401
    error_subject:
      description: The C(error_subject) of the WFBSS error answer, such as C(AuthenticationFailureSignature); null
        when the answer has none.
      type: str
      returned: when WFBSS answered an HTTP error status
      sample: AuthenticationFailureSignature
    url:
      description: The URL of the request that failed (it holds no secret).
      type: str
      returned: when this customer's call failed on a request
      sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/components?cids=\
        640FE47F-5118-4D79-8221-A35D0DE2EE2C&page=1&limit=100"
devices:
  description: The devices of each customer read, by customer id (as given in O(cids)); the rows of
    RV(results[].devices). A customer whose call failed is left out.
  returned: always
  type: dict
  sample:
    640FE47F-5118-4D79-8221-A35D0DE2EE2C:
      - cid: 031b1d0ecb52c74b8a08c7261299ca19
        platform: Windows 11 Pro
        out_of_date: true
summary:
  description: The RV(results[].summary) of each customer read, by customer id (as given in O(cids)). A customer
    whose call failed is left out.
  returned: always
  type: dict
  sample:
    640FE47F-5118-4D79-8221-A35D0DE2EE2C:
      devices: 3
      out_of_date: 2
    549390C2-61B3-417E-B1F0-8955A63C08F3:
      devices: 2
      out_of_date: 0
http_status:
  description: The HTTP status of the first failed call.
  returned: when WFBSS answered the first failed call with an HTTP error status or a redirect
  type: int
  sample: 401
error_subject:
  description: The C(error_subject) of the first failed call's error answer, such as
    C(AuthenticationFailureSignature); null when the answer has none.
  returned: when WFBSS answered the first failed call with an HTTP error status
  type: str
  sample: AuthenticationFailureSignature
url:
  description: The URL of the first failed call's request (it holds no secret).
  returned: when a call failed on a request
  type: str
  sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/components?cids=\
    640FE47F-5118-4D79-8221-A35D0DE2EE2C&page=1&limit=100"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import WFBSS_CONNECTION_ARGS, wfbss_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import missing_libraries
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import (
    COMPONENT_EXTRA_FIELDS,
    COMPONENT_FIELDS,
    WfbssClient,
)
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss_reads import device_calls, device_results


def run(module, client):
    """The devices of every customer, one customer at a time (at most 99 ccids per call); bad input fails before
    any API call. A customer whose call fails fails alone, unless the failure would repeat for every call."""
    return device_results(module.params, client.components)


def build_module():
    argument_spec = dict(
        cids=dict(type="list", elements="str", required=True),
        ccids=dict(type="list", elements="str"),
        fields=dict(type="list", elements="str", choices=list(COMPONENT_FIELDS)),
        extra_fields=dict(type="list", elements="str", choices=list(COMPONENT_EXTRA_FIELDS)),
        **WFBSS_CONNECTION_ARGS
    )
    return AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)


def main():
    module = build_module()
    fail_on_missing_libraries(module, missing_libraries())
    run_module(module, run, lambda params: WfbssClient(**wfbss_client_args(params)), validate=device_calls)


if __name__ == "__main__":
    main()
