#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wfbss_group_info
short_description: List the device groups of Trend Micro WFBSS customers
version_added: 1.0.0
description:
  - Lists the device groups of the given WFBSS customers with the service-management API call
    C(GET customers/groups), so that M(msp.antivirus.wfbss_scan) and M(msp.antivirus.wfbss_update) can be limited to
    some groups (their O(msp.antivirus.wfbss_scan#module:gids) option).
  - More than 10 O(cids) are asked for in several calls of at most 10 each, the limit the commands of the API take.
  - Each customer gets one entry in RV(results), in the order given, with its groups. A call that fails fails its
    customers only (RV(results[].failed=true)), and the next call is still made; the task fails when any call
    failed, after the others were made, and still returns the groups it listed.
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
      - The customer ids (cids) whose groups to list, the C(id) of each customer that
        M(msp.antivirus.wfbss_customer_info) lists.
      - Duplicates are dropped; an empty id or one holding a comma is refused.
    type: list
    elements: str
    required: true
notes:
  - Trend Micro documents the fields C(id), C(name) and C(type) of a group but no table of their values; its example
    shows integer ids and types, C(type) 1 C(Device (Default)) and C(type) 2 C(Server (Default)). Groups are returned
    as the API gives them; RV(gids) writes every id as a string.
seealso:
  - module: msp.antivirus.wfbss_customer_info
  - module: msp.antivirus.wfbss_scan
  - module: msp.antivirus.wfbss_update
"""

EXAMPLES = r"""
- name: Find the Acme customers
  msp.antivirus.wfbss_customer_info:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    name: Acme
  register: acme

- name: List their groups
  msp.antivirus.wfbss_group_info:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    cids: "{{ acme.cids }}"
  register: acme_groups

- name: Scan the server groups (type 2, "Server (Default)" in Trend Micro's example)
  msp.antivirus.wfbss_scan:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    type: start
    cids: "{{ acme.cids }}"
    gids: "{{ acme_groups.groups | selectattr('type', 'equalto', 2) | map(attribute='id') | map('string') | list }}"
"""

RETURN = r"""
msg:
  description:
    - How many groups of how many customers were listed, and the customer ids without any.
    - When a call failed, the first failure's message and what to check, followed by that count and how many
      customers failed. Each customer's own message is in RV(results[].msg).
  returned: always
  type: str
  sample: 2 group(s) of 1 customer(s).
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
      description: The call made, C(customers/groups).
      type: str
      returned: always
      sample: customers/groups
    changed:
      description: Always false; the module only reads.
      type: bool
      returned: always
      sample: false
    msg:
      description: How many groups were listed for this customer, or why its call failed and what to check.
      type: str
      returned: always
      sample: 2 group(s) of customer 640FE47F-5118-4D79-8221-A35D0DE2EE2C.
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
      description: Whether an entry of the answer was about this customer; false for an unknown customer, or one the
        key cannot see.
      type: bool
      returned: when the call that asked for this customer answered
      sample: true
    groups:
      description: The customer's groups as the API gave them, each with the C(cid) of its customer; empty when
        RV(results[].found=false).
      type: list
      elements: dict
      returned: when the call that asked for this customer answered
      contains:
        cid:
          description: The customer's id, as the API gave it.
          type: str
          returned: always
          sample: 640FE47F-5118-4D79-8221-A35D0DE2EE2C
        id:
          description: The group id, as the API gives it (an integer in Trend Micro's example); RV(gids) holds it
            as a string, for the O(msp.antivirus.wfbss_scan#module:gids) option.
          type: int
          returned: always
          sample: 2
        name:
          description: The group's name.
          type: str
          returned: always
          sample: Server (Default)
        type:
          description: The group's type, as the API gives it; Trend Micro's example shows 1 C(Device (Default)) and
            2 C(Server (Default)).
          type: int
          returned: always
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
      sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/customers/groups?cids=\
        640FE47F-5118-4D79-8221-A35D0DE2EE2C"
customers:
  description:
    - Kept for compatibility with 1.0.0; RV(results) gives each customer's groups.
    - One entry per customer the API answered for, as the API gave it, in the order of its answers.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The customer id (cid).
      type: str
      returned: always
      sample: 640FE47F-5118-4D79-8221-A35D0DE2EE2C
    groups:
      description: The customer's groups, as the API gave them.
      type: list
      elements: dict
      returned: always
      contains:
        id:
          description: The group id, as the API gives it (an integer in Trend Micro's example); RV(gids) holds it
            as a string, for the O(msp.antivirus.wfbss_scan#module:gids) option.
          type: int
          returned: always
          sample: 2
        name:
          description: The group's name.
          type: str
          returned: always
          sample: Server (Default)
        type:
          description: The group's type, as the API gives it; Trend Micro's example shows 1 C(Device (Default)) and
            2 C(Server (Default)).
          type: int
          returned: always
          sample: 2
groups:
  description:
    - Kept for compatibility with 1.0.0; the groups of RV(results[].groups), one list.
    - Every group of the customers listed, in the order of O(cids), each with the C(cid) of its customer beside its
      own fields.
  returned: always
  type: list
  elements: dict
  sample:
    - cid: 640FE47F-5118-4D79-8221-A35D0DE2EE2C
      id: 1
      name: Device (Default)
      type: 1
    - cid: 640FE47F-5118-4D79-8221-A35D0DE2EE2C
      id: 2
      name: Server (Default)
      type: 2
gids:
  description:
    - Kept for compatibility with 1.0.0.
    - The ids of RV(groups), in order, ready for the O(msp.antivirus.wfbss_scan#module:gids) option, each as a
      string (integer ids, as in Trend Micro's example, written in decimal).
  returned: always
  type: list
  elements: str
  sample: ["1", "2"]
not_found:
  description:
    - Kept for compatibility with 1.0.0; the customers of RV(results) with RV(results[].found=false).
    - The O(cids) that no entry of the answer was about (unknown customers, or ones the key cannot see). A customer
      whose call failed is not listed here.
  returned: always
  type: list
  elements: str
  sample: []
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
  sample: "https://cspi.trendmicro.com/SMPI/v2.8/service/wfbss/api/customers/groups?cids=\
    640FE47F-5118-4D79-8221-A35D0DE2EE2C"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import WFBSS_CONNECTION_ARGS, wfbss_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.device_results import CustomerResult
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import missing_libraries
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import WfbssClient
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss_commands import cid_batches
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss_reads import read_customers, read_result

SERVICE = "customers/groups"


def validate(params):
    return cid_batches(params["cids"])


def run(module, client):
    """The groups of every customer, asked for 10 customers at a time; bad input fails before any API call. A call
    that fails fails its customers only (``results``), unless the failure would repeat for every call."""
    customers = []

    def groups_of(cids):
        answered = client.customer_groups(cids)
        customers.extend(answered)
        return answered

    results, errors = read_customers(validate(module.params), groups_of, SERVICE, customer_result)
    groups = [group for result in results for group in result.get("groups", [])]
    not_found = [result["cid"] for result in results if result.get("found") is False]
    msg = "{0} group(s) of {1} customer(s).".format(len(groups), len(customers))
    if not_found:
        msg += " No groups were listed for {0} customer id(s): {1}.".format(len(not_found), ", ".join(not_found))
    gids = [gid for gid in (group_id_text(group.get("id")) for group in groups) if gid]
    return read_result(results, errors, msg, customers=customers, groups=groups, not_found=not_found, gids=gids)


def group_id_text(group_id):
    """A group id as the gids option takes it: a non-empty string as given, an integer (as in Trend Micro's example)
    written in decimal; anything else (booleans included) None."""
    if isinstance(group_id, bool):
        return None
    if isinstance(group_id, int):
        return str(group_id)
    return group_id if isinstance(group_id, str) and group_id else None


def customer_result(cid, answered):
    """The result of one customer asked for: its groups (each with its cid), or ``found=false`` when no entry
    of the answer was about it."""
    customer = next((entry for entry in answered
                     if isinstance(entry.get("id"), str) and entry["id"].upper() == cid.upper()), None)
    if customer is None:
        return CustomerResult(cid, SERVICE, found=False, groups=[],
                              msg="No groups were listed for customer {0}.".format(cid)).as_dict()
    groups = [dict(group, cid=customer["id"]) for group in customer.get("groups") or [] if isinstance(group, dict)]
    return CustomerResult(cid, SERVICE, found=True, groups=groups,
                          msg="{0} group(s) of customer {1}.".format(len(groups), cid)).as_dict()


def build_module():
    argument_spec = dict(
        cids=dict(type="list", elements="str", required=True),
        **WFBSS_CONNECTION_ARGS
    )
    return AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)


def main():
    module = build_module()
    fail_on_missing_libraries(module, missing_libraries())
    run_module(module, run, lambda params: WfbssClient(**wfbss_client_args(params)), validate=validate)


if __name__ == "__main__":
    main()
