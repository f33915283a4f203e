#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wfbss_scan
short_description: Start or stop Trend Micro WFBSS scans of customers' devices
version_added: 1.0.0
description:
  - Sends the WFBSS service-management API command C(POST commands/scan) for the given customers, which starts
    (O(type=start)) or stops (O(type=stop)) a scan of their devices, of every group or of the groups O(gids) names.
  - The command is asynchronous. The module returns the task each command answered, with the status it had then
    (normally C(PENDING)). The API documents no way to read a task's later status.
  - A command takes at most 10 customer ids, so more than 10 O(cids) are sent as several commands, one after the
    other over one connection, O(gids) with each.
  - Each customer gets one entry in RV(results), in the order given, with the task of the command that carried it.
    A command that fails fails its customers only (RV(results[].failed=true)), and the next command is still sent;
    the task fails when any command failed, after the others were sent, with the first failure's message.
  - "The commands stop early only for a failure that every command would repeat: HTTP 401 or 403 (check
    O(access_token), O(secret_key) and the controller's clock), a TLS failure such as a bad certificate, a host name
    that does not resolve, a refused connection; or when 16 commands in a row fail without an answer from the API
    (an outage). The customers of the commands not sent are reported failed with RV(results[].skipped=true) and listed
    in RV(not_sent)."
  - A command whose answer was lost (a timeout, a connection dropped after sending) may have been carried out. It is
    never sent again; its customers fail with RV(results[].uncertain=true) and are listed in RV(unconfirmed).
  - Every run sends its commands and reports C(changed=true) when any of them created a task (or may have, see
    RV(unconfirmed)); the API gives no state to compare with.
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
      - V(start) starts a scan, V(stop) stops the running one.
    type: str
    required: true
    choices: [start, stop]
  cids:
    description:
      - The customer ids (cids), the C(id) of each customer that M(msp.antivirus.wfbss_customer_info) lists.
      - Duplicates are dropped; an empty id or one holding a comma is refused.
    type: list
    elements: str
    required: true
  gids:
    description:
      - Only these groups of the customers, by group id (the C(id) of a group that M(msp.antivirus.wfbss_group_info)
        lists). Omit it for every group.
      - Sent with every command when O(cids) need several. Duplicates are dropped; an empty list, an empty id or one
        holding a comma is refused.
    type: list
    elements: str
seealso:
  - module: msp.antivirus.wfbss_group_info
  - module: msp.antivirus.wfbss_customer_info
  - name: WFBSS service-management API
    description: Trend Micro's description of the SMPI API, its authentication and commands.
    link: https://docs.trendmicro.com/en-us/documentation/article/trend-micro-worry-free-business-security-services-service-management-api
"""

EXAMPLES = r"""
- name: Start a scan of two customers' devices after the maintenance window
  msp.antivirus.wfbss_scan:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    type: start
    cids:
      - 640FE47F-5118-4D79-8221-A35D0DE2EE2C
      - 549390C2-61B3-417E-B1F0-8955A63C08F3
  delegate_to: localhost
  run_once: true

- name: Find the groups of a customer
  msp.antivirus.wfbss_group_info:
    cids: [640FE47F-5118-4D79-8221-A35D0DE2EE2C]
  register: customer_groups

- name: Stop the scan of its servers only (group type 2, "Server (Default)"), connection options set once for the play
  msp.antivirus.wfbss_scan:
    type: stop
    cids: [640FE47F-5118-4D79-8221-A35D0DE2EE2C]
    gids: "{{ customer_groups.groups | selectattr('type', 'equalto', 2) | map(attribute='id') | map('string') | list }}"
  module_defaults:
    group/msp.antivirus.wfbss:
      url: "{{ wfbss_url }}"
      access_token: "{{ wfbss_access_token }}"
      secret_key: "{{ wfbss_secret_key }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
msg:
  description:
    - What was sent.
    - When a command failed, the first failed command's message and what to check; with several commands, followed
      by how many created a task, failed and were not sent. Each customer's own message is in RV(results[].msg).
  returned: always
  type: str
  sample: Sent 1 scan command(s) of type start for 2 customer(s).
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
      description: The command sent, C(commands/scan).
      type: str
      returned: always
      sample: commands/scan
    changed:
      description: Whether the command that carried this customer created a task (or, in check mode, would be sent).
      type: bool
      returned: always
      sample: true
    msg:
      description: What was sent for this customer, or why its command failed and what to check.
      type: str
      returned: always
      sample: "Sent commands/scan for customer 640FE47F-5118-4D79-8221-A35D0DE2EE2C: task \
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
      sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/commands/scan?type=start&cids=\
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
      description: The customer ids of this command.
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
not_sent:
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
      WFBSS may have carried them out; they were not sent again, so that no command is sent twice.
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
  sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/commands/scan?type=start&cids=\
    640FE47F-5118-4D79-8221-A35D0DE2EE2C"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import WFBSS_CONNECTION_ARGS, wfbss_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import missing_libraries
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import SCAN_TYPES, WfbssClient
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss_commands import group_commands, send_commands


def run(module, client):
    """The commands sent and their tasks; ``failed=True`` when a command failed, with what was not sent."""
    params = module.params
    command_batches, gids = group_commands(params)
    what = "{0} scan command(s) of type {1} for {2} customer(s).".format(
        len(command_batches), params["type"], sum(len(cids) for cids in command_batches))
    return send_commands(command_batches, lambda cids: client.scan(params["type"], cids, gids), "commands/scan",
                         what, module.check_mode)


def build_module():
    argument_spec = dict(
        type=dict(type="str", required=True, choices=list(SCAN_TYPES)),
        cids=dict(type="list", elements="str", required=True),
        gids=dict(type="list", elements="str"),
        **WFBSS_CONNECTION_ARGS
    )
    return AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)


def main():
    module = build_module()
    fail_on_missing_libraries(module, missing_libraries())
    run_module(module, run, lambda params: WfbssClient(**wfbss_client_args(params)), validate=group_commands)


if __name__ == "__main__":
    main()
