#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wfbss_livestatus_info
short_description: Read the live status (the lights) of Trend Micro WFBSS customers
version_added: 1.1.0
description:
  - Reads the latest live status of the given WFBSS customers with the service-management API call
    C(GET customers/livestatus), every page followed, optionally only the live status updated after O(begin_time).
  - More than 10 O(cids) are asked for in several calls of at most 10 each, the limit the service takes.
  - Each customer gets one entry in RV(results), in the order given, with its C(livestatus) object as the service
    gave it, or RV(results[].found=false). A call that fails fails its customers only (RV(results[].failed=true)),
    and the next call is still made; the task fails when any call failed, after the others were made, and still
    returns the live status it read.
  - "The calls stop early only for a failure that every call would repeat: HTTP 401 or 403 (check O(access_token),
    O(secret_key) and the controller's clock), a TLS failure such as a bad certificate, a host name that does not
    resolve, a refused connection; or when 16 calls in a row fail without an answer from the API (an outage). The
    customers not asked for are then reported failed with RV(results[].skipped=true)."
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
      - The customer ids (cids) whose live status to read, the C(id) of each customer that
        M(msp.antivirus.wfbss_customer_info) lists.
      - Trend Micro's page says "At least one customer ID must be specified, and no more than 10", although one of its
        examples, without C(cids), reads every customer. This module always sends C(cids) and requires at least one;
        list your customers with M(msp.antivirus.wfbss_customer_info) to read them all.
      - Asked for at most 10 per call. Duplicates are dropped; an empty id or one holding a comma is refused before
        any call.
    type: list
    elements: str
    required: true
  begin_time:
    description:
      - Read only the live status updated after this time. A customer whose live status was not updated since then
        is not in the answer (RV(results[].found=false)).
      - Unix seconds (an integer, or a string of digits), or a date and time given as V(2026-12-07),
        V(2026-12-07 10:30), V(2026-12-07T10:30:00Z) or V(2026-12-07T10:30:00+02:00). Without a zone the time is
        UTC. Seconds are optional; C(T) or a space separates the date from the time.
      - The module converts it to Unix seconds, returned as RV(begin_time). Any other value, or a time before
        1970-01-01 UTC, is refused before any call.
      - When omitted, the latest live status of every customer is read.
    type: raw
notes:
  - Trend Micro's page for C(GET customers/livestatus) stops part-way through its example answer, before the table
    that describes its fields. The published example shows, per customer, C(id) and a C(livestatus) object with
    C(wtp) (C(light) and C(incident_exceed) with C(count), C(start_time), C(end_time)), C(update_time) (Unix seconds)
    and C(license) (C(light), C(desktop_seat_in_use), C(seat_in_use), C(expiration_state), C(seat_count_exceed),
    C(seat_in_use_percentage), C(seat_purchase), C(expiration_date), ...). Other event classes (such as
    C(antivirus), C(antispyware), C(url_filtering), C(behavior_monitoring), C(network_virus), C(device_control),
    the keys of the summary call C(GET livestatus)) are not shown. The module returns the object as given.
  - The meaning of C(light) is not published. B(Inference only, not documented:) in the example a license already
    expired has C(light=2) and an event class with no incident has C(light=0), which suggests V(0) green (normal),
    V(1) yellow (warning), V(2) red (critical), as the Remote Manager console colours them. The module does not
    interpret the lights.
  - M(msp.antivirus.wfbss_reset) with O(msp.antivirus.wfbss_reset#module:type=livestatus) resets the live status
    icons; what it changes in this object is not published. Read the live status again with O(begin_time) set to
    the time of the reset to see the customers updated since.
seealso:
  - module: msp.antivirus.wfbss_customer_info
  - module: msp.antivirus.wfbss_reset
  - module: msp.antivirus.wfbss_device_info
"""

EXAMPLES = r"""
- name: Read the lights of two customers
  msp.antivirus.wfbss_livestatus_info:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    cids:
      - 640FE47F-5118-4D79-8221-A35D0DE2EE2C
      - 549390C2-61B3-417E-B1F0-8955A63C08F3
  register: before

- name: Show the antivirus light of each
  ansible.builtin.debug:
    msg: "{{ item.key }}: antivirus light {{ item.value.antivirus.light | default('none') }}"
  loop: "{{ before.livestatus | dict2items }}"

- name: Note the time of the reset
  ansible.builtin.set_fact:
    reset_time: "{{ now().timestamp() | int }}"

- name: Reset their live status icons
  msp.antivirus.wfbss_reset:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    type: livestatus
    cids: "{{ before.livestatus.keys() | list }}"

- name: Read the live status updated since the reset
  msp.antivirus.wfbss_livestatus_info:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    cids: "{{ before.livestatus.keys() | list }}"
    begin_time: "{{ reset_time | int - 1 }}"
  register: after

- name: Live status updated since a given day (UTC)
  msp.antivirus.wfbss_livestatus_info:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    cids: [640FE47F-5118-4D79-8221-A35D0DE2EE2C]
    begin_time: "2026-12-07T10:30:00+02:00"
"""

RETURN = r"""
msg:
  description:
    - For how many customers a live status was read, and the customer ids without one.
    - When a call failed, the first failure's message and what to check, followed by that count and how many
      customers failed. Each customer's own message is in RV(results[].msg).
  returned: always
  type: str
  sample: Live status of 2 customer(s).
begin_time:
  description: The O(begin_time) sent, in Unix seconds.
  returned: when O(begin_time) is set
  type: int
  sample: 1796625000
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
      description: The call made, C(customers/livestatus).
      type: str
      returned: always
      sample: customers/livestatus
    changed:
      description: Always false; the module only reads.
      type: bool
      returned: always
      sample: false
    msg:
      description:
        - That this customer's live status was read; or, when the answer had none, that the customer is unknown
          or the key cannot see it, or with O(begin_time) that its live status was not updated after that time;
          or why its call failed and what to check.
      type: str
      returned: always
      sample: Live status of customer 640FE47F-5118-4D79-8221-A35D0DE2EE2C.
    failed:
      description: Present and true when the call that asked for this customer failed, or was not made.
      type: bool
      returned: when this customer failed
      sample: true
    skipped:
      description:
        - Present and true when this customer was not asked for, because an earlier call failed in a way every call
          would repeat, or 16 calls in a row failed without an answer from the API. Such a customer is also
          RV(results[].failed), and its RV(results[].msg) gives the failure that stopped the task.
      type: bool
      returned: when this customer was skipped
      sample: true
    found:
      description: Whether an entry of the answer was about this customer; false for an unknown customer, one the
        key cannot see, or with O(begin_time) one whose live status was not updated after that time.
      type: bool
      returned: when the call that asked for this customer answered
      sample: true
    livestatus:
      description:
        - The customer's C(livestatus) object as the service gave it; null when RV(results[].found=false).
        - See the notes for what the published page shows of it, and what is only inference.
      type: dict
      returned: when the call that asked for this customer answered
      sample:
        wtp:
          light: 0
          incident_exceed: {count: 0, start_time: 0, end_time: 0}
        update_time: 1420704637
        license:
          light: 2
          desktop_seat_in_use: 0
          seat_in_use: 0
          expiration_state: 2
          seat_count_exceed: 0
          seat_in_use_percentage: "0.0"
          seat_purchase: 10
          expiration_date: 1420703999
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
      sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/customers/livestatus?cids=\
        640FE47F-5118-4D79-8221-A35D0DE2EE2C&page=1&limit=100"
livestatus:
  description: The RV(results[].livestatus) of each customer found, by customer id (as given in O(cids)).
  returned: always
  type: dict
  sample:
    640FE47F-5118-4D79-8221-A35D0DE2EE2C:
      wtp:
        light: 1
        incident_exceed: {count: 3, start_time: 1796621400, end_time: 1796625000}
      update_time: 1796625000
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
  sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/customers/livestatus?cids=\
    640FE47F-5118-4D79-8221-A35D0DE2EE2C&page=1&limit=100"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import WFBSS_CONNECTION_ARGS, wfbss_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import missing_libraries
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import WfbssClient
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss_reads import livestatus_calls, livestatus_results


def run(module, client):
    """The live status of every customer, asked for 10 customers at a time; bad input fails before any API call. A
    call that fails fails its customers only, unless the failure would repeat for every call."""
    return livestatus_results(module.params, client.livestatus)


def build_module():
    argument_spec = dict(
        cids=dict(type="list", elements="str", required=True),
        begin_time=dict(type="raw"),
        **WFBSS_CONNECTION_ARGS
    )
    return AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)


def main():
    module = build_module()
    fail_on_missing_libraries(module, missing_libraries())
    run_module(module, run, lambda params: WfbssClient(**wfbss_client_args(params)), validate=livestatus_calls)


if __name__ == "__main__":
    main()
