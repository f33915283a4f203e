#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wfbss_reset
short_description: Reset Trend Micro WFBSS incident counters or live-status icons of customers
version_added: 1.0.0
description:
  - Sends the WFBSS service-management API command C(POST commands/reset) for the given customers, which resets
    their incident counters (O(type=counter)) or their live-status icons (O(type=livestatus)).
  - The command is asynchronous. The module returns the task each command answered, with the status it had then
    (normally C(PENDING)). The API documents no way to read a task's later status.
  - A command takes at most 10 customer ids, so more than 10 O(cids) are sent as several commands, one after the
    other over one connection.
  - Each customer gets one entry in RV(results), in the order given, with the task of the command that carried it.
    A command that fails fails its customers only (RV(results[].failed=true)), and the next command is still sent;
    the task fails when any command failed, after the others were sent, with the first failure's message.
  - "The commands stop early only for a failure that every command would repeat: HTTP 401 or 403 (check
    O(access_token), O(secret_key) and the controller's clock), a TLS failure such as a bad certificate, a host name
    that does not resolve, a refused connection; or when 16 commands in a row fail without an answer from the API
    (an outage). The customers of the commands not sent are reported failed with RV(results[].skipped=true) and listed
    in RV(not_reset)."
  - A command whose answer was lost (a timeout, a connection dropped after sending) may have been carried out. It is
    never sent again; its customers fail with RV(results[].uncertain=true) and are listed in RV(unconfirmed).
  - Runs on the controller; in a play about managed hosts, delegate it to C(localhost) and run it once.
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
    description: Sends nothing and reports C(changed=true), with the commands that would be sent in RV(batches).
    support: full
options:
  type:
    description:
      - What to reset. V(counter) resets the incident counters, V(livestatus) the live-status icons.
    type: str
    required: true
    choices: [counter, livestatus]
  cids:
    description:
      - The customer ids (cids) to reset, the C(id) of each customer that the WFBSS C(customers) call lists.
      - Duplicates are dropped; an empty id or one holding a comma is refused.
    type: list
    elements: str
    required: true
  events:
    description:
      - Only with O(type=livestatus); the live-status events to reset. Omit it to reset all of them.
    type: list
    elements: str
    choices:
      - virus_incidents
      - spyware_incidents
      - wtp_incidents
      - urlfilter_incidents
      - behavior_monitoring_incidents
      - network_virus_incidents
      - virus_unsuccessful
      - spyware_unsuccessful
      - device_control_incidents
seealso:
  - name: WFBSS service-management API
    description: Trend Micro's description of the SMPI API, its authentication and commands.
    link: https://docs.trendmicro.com/en-us/documentation/article/trend-micro-worry-free-business-security-services-service-management-api
"""

EXAMPLES = r"""
- name: Reset the incident counters of two customers after the maintenance window
  msp.antivirus.wfbss_reset:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    type: counter
    cids:
      - 640FE47F-5118-4D79-8221-A35D0DE2EE2C
      - 549390C2-61B3-417E-B1F0-8955A63C08F3
  delegate_to: localhost
  run_once: true

- name: Clear only the virus and spyware live-status icons, connection options set once for the play
  msp.antivirus.wfbss_reset:
    type: livestatus
    events: [virus_incidents, spyware_incidents]
    cids: "{{ wfbss_customer_ids }}"
  module_defaults:
    group/msp.antivirus.wfbss:
      url: "{{ wfbss_url }}"
      access_token: "{{ wfbss_access_token }}"
      secret_key: "{{ wfbss_secret_key }}"
  delegate_to: localhost
  run_once: true

- name: Reset the counters of many customers; a command that fails does not stop the others
  msp.antivirus.wfbss_reset:
    type: counter
    cids: "{{ wfbss_customer_ids }}"
  module_defaults:
    group/msp.antivirus.wfbss:
      url: "{{ wfbss_url }}"
      access_token: "{{ wfbss_access_token }}"
      secret_key: "{{ wfbss_secret_key }}"
  delegate_to: localhost
  run_once: true
  register: reset
  ignore_errors: true

- name: Show the customers not reset, and those whose reset may have been carried out all the same
  ansible.builtin.debug:
    msg:
      failed: "{{ reset.results | selectattr('failed', 'defined') | map(attribute='cid') | list }}"
      check_in_the_console: "{{ reset.results | selectattr('uncertain', 'defined') | map(attribute='cid') | list }}"
"""

RETURN = r"""
msg:
  description:
    - What was sent.
    - When a command failed, the first failed command's message and what to check; with several commands, followed
      by how many created a task, failed and were not sent. Each customer's own message is in RV(results[].msg).
  returned: always
  type: str
  sample: Sent 1 reset command(s) of type counter for 2 customer(s).
results:
  description:
    - One result per customer, in the order of O(cids), duplicates dropped.
  returned: always
  type: list
  elements: dict
  contains:
    cid:
      description: The customer id.
      type: str
      returned: always
      sample: 640FE47F-5118-4D79-8221-A35D0DE2EE2C
    service:
      description: The command sent, C(commands/reset).
      type: str
      returned: always
      sample: commands/reset
    changed:
      description: Whether the command that carried this customer created a task (or, in check mode, would be sent).
      type: bool
      returned: always
      sample: true
    msg:
      description: What was sent for this customer, or why its command failed and what to check.
      type: str
      returned: always
      sample: "Sent commands/reset for customer 640FE47F-5118-4D79-8221-A35D0DE2EE2C: task \
        4cab9d44-ea63-41dd-9215-ac261a3bdcff."
    failed:
      description: Present and true when the command that carried this customer failed, or was not sent.
      type: bool
      returned: when this customer failed
      sample: true
    skipped:
      description:
        - Present and true when this customer's command was not sent, because an earlier command failed in a way
          every command would repeat, or 16 commands in a row failed without an answer from the API. Such a customer
          is also RV(results[].failed), and its RV(results[].msg) gives the failure that stopped the task.
      type: bool
      returned: when this customer was skipped
      sample: true
    uncertain:
      description:
        - Present and true when the answer to this customer's command was lost (a timeout, a connection dropped after
          sending). WFBSS may have carried the command out; it was not sent again. Check the customer in the console.
      type: bool
      returned: when the answer to this customer's command was lost
      sample: true
    task:
      description: The task of the command that carried this customer, as WFBSS answered it.
      type: dict
      returned: when this customer's command created a task
      contains:
        id:
          description: The asynchronous task's id.
          type: str
          returned: always
          sample: 4cab9d44-ea63-41dd-9215-ac261a3bdcff
        status:
          description: The task's status as the command answered it, such as C(PENDING).
          type: str
          returned: always
          sample: PENDING
    transport_error:
      description:
        - How the request failed when this customer's command failed without any answer, after its retries.
        - V(tls) TLS failed (certificate verification and other handshake errors), V(dns) the host name does not
          resolve, V(refused) connection refused, V(timeout) no complete answer within O(timeout), V(reset) the
          connection was reset or closed without a complete answer, V(body) the answer could not be decoded,
          V(other) anything else.
      type: str
      returned: when this customer's command failed without any answer
      sample: timeout
    http_status:
      description: The HTTP status WFBSS answered to this customer's command instead of 200.
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
      returned: when this customer's command failed on a request
      sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/commands/reset?type=counter&cids=\
        640FE47F-5118-4D79-8221-A35D0DE2EE2C"
tasks:
  description:
    - Kept for compatibility with 1.0.0; RV(results[].task) gives each customer's task.
    - One entry per command that WFBSS accepted, in the order sent. Empty in check mode.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The asynchronous task's id.
      type: str
      returned: always
      sample: 4cab9d44-ea63-41dd-9215-ac261a3bdcff
    status:
      description: The task's status as the command answered it, one of C(PENDING), C(STARTED), C(SUCCESS),
        C(FAILURE), C(REVOKED).
      type: str
      returned: always
      sample: PENDING
    cids:
      description: The customer ids this command reset.
      type: list
      elements: str
      returned: always
      sample: [640FE47F-5118-4D79-8221-A35D0DE2EE2C, 549390C2-61B3-417E-B1F0-8955A63C08F3]
batches:
  description:
    - Kept for compatibility with 1.0.0.
    - The customer ids of each command, sent or (in check mode) to be sent, at most 10 each.
  returned: always
  type: list
  elements: list
  sample: [[640FE47F-5118-4D79-8221-A35D0DE2EE2C, 549390C2-61B3-417E-B1F0-8955A63C08F3]]
not_reset:
  description:
    - Kept for compatibility with 1.0.0; the customers of RV(results) that failed without RV(results[].uncertain).
    - The customer ids of the commands that failed, and of the commands not sent because a failure would repeat for
      every command (RV(results[].skipped)).
    - A command whose answer was lost is not counted here but in RV(unconfirmed).
  returned: when a command failed (empty when every failed command's answer was lost)
  type: list
  elements: str
  sample: [549390C2-61B3-417E-B1F0-8955A63C08F3]
unconfirmed:
  description:
    - Kept for compatibility with 1.0.0; the customers of RV(results) with RV(results[].uncertain).
    - The customer ids of the commands that were sent but whose answer was lost (a timeout, a dropped connection).
      WFBSS may have carried them out; they were not sent again, so that no reset is made twice.
    - Check these customers in the console before running the task again.
  returned: when the answer to a command was lost
  type: list
  elements: str
  sample: [640FE47F-5118-4D79-8221-A35D0DE2EE2C]
http_status:
  description: The HTTP status of the first failed command.
  returned: when WFBSS answered the first failed command with an HTTP error status or a redirect
  type: int
  sample: 401
error_subject:
  description: The C(error_subject) of the first failed command's error answer, such as
    C(AuthenticationFailureSignature); null when the answer has none.
  returned: when WFBSS answered the first failed command with an HTTP error status
  type: str
  sample: AuthenticationFailureSignature
url:
  description: The URL of the first failed command's request (it holds no secret).
  returned: when a command failed on a request
  type: str
  sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/commands/reset?type=counter&cids=\
    640FE47F-5118-4D79-8221-A35D0DE2EE2C"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import WFBSS_CONNECTION_ARGS, wfbss_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    fail_on_missing_libraries,
    run_module,
)
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import missing_libraries
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import RESET_EVENTS, RESET_TYPES, WfbssClient
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss_commands import cid_batches, send_commands


def reset_events(params):
    """The events to send, or None for all; refused where the API would ignore them."""
    events = params["events"]
    if events is None:
        return None
    if params["type"] != "livestatus":
        raise InvalidOptionError("events applies only to type=livestatus; remove events to reset the counters.")
    if not events:
        raise InvalidOptionError("events is empty: omit events to reset every live-status event, or list the "
                                 "events to reset.")
    return list(dict.fromkeys(events))


def commands(params):
    """The cids of each command, at most 10 each, and the events; bad input fails here, before any API call."""
    return cid_batches(params["cids"]), reset_events(params)


def run(module, client):
    """The commands sent and their tasks; ``failed=True`` when a command failed, with what was not reset."""
    params = module.params
    command_batches, events = commands(params)
    what = "{0} reset command(s) of type {1} for {2} customer(s).".format(
        len(command_batches), params["type"], sum(len(cids) for cids in command_batches))
    return send_commands(command_batches, lambda cids: client.reset(params["type"], cids, events), "commands/reset",
                         what, module.check_mode, not_sent_key="not_reset")


def build_module():
    argument_spec = dict(
        type=dict(type="str", required=True, choices=list(RESET_TYPES)),
        cids=dict(type="list", elements="str", required=True),
        events=dict(type="list", elements="str", choices=list(RESET_EVENTS)),
        **WFBSS_CONNECTION_ARGS
    )
    return AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)


def main():
    module = build_module()
    fail_on_missing_libraries(module, missing_libraries())
    run_module(module, run, lambda params: WfbssClient(**wfbss_client_args(params)), validate=commands)


if __name__ == "__main__":
    main()
