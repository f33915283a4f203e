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
  - Trend Micro documents the fields C(id), C(name) and C(type) of a group, not the values C(type) takes; they are
    returned as the API gives them.
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

- name: Scan the groups named like servers
  msp.antivirus.wfbss_scan:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    type: start
    cids: "{{ acme.cids }}"
    gids: "{{ acme_groups.groups | selectattr('name', 'search', 'Servers') | map(attribute='id') | list }}"
"""

RETURN = r"""
msg:
  description: How many groups of how many customers were listed, and the customer ids without any.
  returned: always
  type: str
  sample: 2 group(s) of 1 customer(s).
customers:
  description:
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
          description: The group id, for the O(msp.antivirus.wfbss_scan#module:gids) option.
          type: str
          returned: always
          sample: 1F0D5B1C-6C1E-5E0B-9E43-3C3F6A5B2D10
        name:
          description: The group's name.
          type: str
          returned: always
          sample: Servers (default)
        type:
          description: The group's type, as the API gives it (Trend Micro documents no values).
          type: str
          returned: always
          sample: server
groups:
  description: Every group of RV(customers), each with the C(cid) of its customer beside its own fields.
  returned: always
  type: list
  elements: dict
  sample:
    - cid: 640FE47F-5118-4D79-8221-A35D0DE2EE2C
      id: 1F0D5B1C-6C1E-5E0B-9E43-3C3F6A5B2D10
      name: Servers (default)
      type: server
gids:
  description: The ids of RV(groups), in order, ready for the O(msp.antivirus.wfbss_scan#module:gids) option.
  returned: always
  type: list
  elements: str
  sample: [1F0D5B1C-6C1E-5E0B-9E43-3C3F6A5B2D10]
not_found:
  description: The O(cids) that no entry of the answer was about (unknown customers, or ones the key cannot see).
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import WFBSS_CONNECTION_ARGS, wfbss_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import missing_libraries
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import WfbssClient
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss_commands import cid_batches


def validate(params):
    return cid_batches(params["cids"])


def run(module, client):
    """The groups of every customer, asked for 10 customers at a time; bad input fails before any API call."""
    customers = []
    for cids in validate(module.params):
        customers.extend(client.customer_groups(cids))
    groups, answered = [], set()
    for customer in customers:
        cid = customer.get("id")
        if isinstance(cid, str):
            answered.add(cid.upper())
        for group in customer.get("groups") or []:
            if isinstance(group, dict):
                groups.append(dict(group, cid=cid))
    asked = [cid for cids in validate(module.params) for cid in cids]
    not_found = [cid for cid in asked if cid.upper() not in answered]
    gids = [group["id"] for group in groups if isinstance(group.get("id"), str) and group["id"]]
    msg = "{0} group(s) of {1} customer(s).".format(len(groups), len(customers))
    if not_found:
        msg += " No groups were listed for {0} customer id(s): {1}.".format(len(not_found), ", ".join(not_found))
    return dict(changed=False, customers=customers, groups=groups, gids=gids, not_found=not_found, msg=msg)


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
