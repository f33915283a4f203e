#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wfbss_customer_info
short_description: Find Trend Micro WFBSS customers and their customer ids
version_added: 1.0.0
description:
  - Lists the WFBSS customers whose name holds a keyword with the service-management API call C(GET customers),
    following every page, and returns them with their C(id), the customer id (cid) that
    M(msp.antivirus.wfbss_reset) takes.
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
  name:
    description:
      - A keyword of the customer name (the C(q) parameter). Omit it to list every customer.
    type: str
seealso:
  - module: msp.antivirus.wfbss_reset
"""

EXAMPLES = r"""
- name: Find the Acme customers
  msp.antivirus.wfbss_customer_info:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    name: Acme
  register: acme

- name: Reset their incident counters
  msp.antivirus.wfbss_reset:
    access_token: "{{ wfbss_access_token }}"
    secret_key: "{{ wfbss_secret_key }}"
    type: counter
    cids: "{{ acme.cids }}"
"""

RETURN = r"""
customers:
  description: The matching customers, as the API gave them, from every page.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The customer id (cid).
      type: str
      returned: always
      sample: 640FE47F-5118-4D79-8221-A35D0DE2EE2C
    name:
      description: The customer's name.
      type: str
      returned: always
      sample: Acme Corp
  sample:
    - id: 640FE47F-5118-4D79-8221-A35D0DE2EE2C
      eid: 2A34C0D1-6B3E-4A1F-9A43-59C1D2A3E4F5
      name: Acme Corp
      license_type: full
      license_period: 12
      seat_count: 25
      expire: "2027-06-30T00:00:00Z"
      auto_renewal: true
      time_zone: UTC
      sp_subscription: false
cids:
  description: The ids of RV(customers), ready for the O(msp.antivirus.wfbss_reset#module:cids) option.
  returned: always
  type: list
  elements: str
  sample: [640FE47F-5118-4D79-8221-A35D0DE2EE2C]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import WFBSS_CONNECTION_ARGS, wfbss_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.errors import fail_on_missing_libraries, run_module
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import missing_libraries
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import WfbssClient


def run(module, client):
    """The customers whose name holds ``name``, every page followed, and their ids."""
    customers = client.customers(module.params["name"])
    return dict(changed=False, customers=customers,
                cids=[customer["id"] for customer in customers if isinstance(customer, dict) and customer.get("id")])


def build_module():
    argument_spec = dict(
        name=dict(type="str"),
        **WFBSS_CONNECTION_ARGS
    )
    return AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)


def main():
    module = build_module()
    fail_on_missing_libraries(module, missing_libraries())
    run_module(module, run, lambda params: WfbssClient(**wfbss_client_args(params)))


if __name__ == "__main__":
    main()
