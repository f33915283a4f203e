# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: wfbss
short_description: Trend Micro WFBSS computers as inventory hosts
version_added: 1.1.0
description:
  - Walks the Trend Micro Worry-Free Business Security Services (WFBSS) service-management API (SMPI) with
    C(GET customers) (every page), then C(GET customers/computers) and C(GET customers/groups) for at most 10
    customers a call, and makes one host per WFBSS computer.
  - Each host gets the variables C(wfbss_cid) (the computer's C(cid), its device id, which
    O(msp.antivirus.wfbss_device_info#module:ccids) takes), C(wfbss_customer) (the customer's name),
    C(wfbss_customer_id) (the customer id, a GUID, which the C(cids) option of the WFBSS modules takes),
    C(wfbss_gid) (the computer's group id, which O(msp.antivirus.wfbss_scan#module:gids) and
    O(msp.antivirus.wfbss_update#module:gids) take), C(wfbss_group) (the name C(customers/groups) gives that group, or
    V(null) when it lists no group of that id), C(wfbss_name), C(wfbss_ipaddr) and C(wfbss_type).
  - C(wfbss_ipaddr) and C(wfbss_type) are passed on as WFBSS gives them. The published example of
    C(customers/computers) writes 192.168.0.97 as C(97.0.168.192), byte-reversed; check what your service answers
    before you use C(wfbss_ipaddr) as C(ansible_host).
  - Hosts are grouped per customer (C(wfbss_customer_<customer>)) and per WFBSS group
    (C(wfbss_group_<customer>_<group name>), or C(wfbss_group_<customer>_<gid>) when the group's name is not
    listed).
  - "Host names are unique, so every computer is exactly one host. The I(safe name) of a computer is its name
    without leading and trailing white space, with each character other than an ASCII letter, a digit, C(.), C(_)
    or C(-) replaced by C(_). Names are compared ignoring letter case, as Windows computer names are."
  - A computer whose safe name no other computer of this source has keeps it as host name, unless it is
    C(localhost), C(127.0.0.1), C(all) or C(ungrouped).
  - "Every other computer, in C(cid) order, is named C(<safe name>_<cid>) (C(device_<cid>) when it has no name) or,
    if a host of this source already has that name, the first free one of C(<safe name>_<cid>_2),
    C(<safe name>_<cid>_3)... For example two customers' computers named C(RECEPTION) become
    C(RECEPTION_<cid>) each. Adding or removing a computer can rename the computers that share its name."
  - A host of the same name in another inventory source is the same host to Ansible, which merges the two.
  - "A walk costs P + B + G WFBSS calls: P pages of C(customers) (100 customers a page), for each batch of 10
    selected customers one C(customers/computers) call per 100 of their computers (B), and one C(customers/groups)
    call for each batch that has a computer (G); retries add to it. 230 customers with a few computers each cost
    about 50 calls. With O(cache) enabled, a walk read from the cache costs no call until O(cache_timeout) expires.
    Ansible prints what the walk cost at C(-v)."
  - If any call fails, the source fails whole, with the reason, and adds no host.
  - The configuration file name must end in C(wfbss.yml) or C(wfbss.yaml).
author:
  - msp.antivirus contributors (@msp)
requirements:
  - requests
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - msp.antivirus.wfbss
  - msp.antivirus.connection
options:
  plugin:
    description: The name of this plugin, so Ansible knows the file is for it.
    type: str
    required: true
    choices: [msp.antivirus.wfbss]
  url:
    env:
      - name: WFBSS_URL
  access_token:
    env:
      - name: WFBSS_ACCESS_TOKEN
  secret_key:
    env:
      - name: WFBSS_SECRET_KEY
  api_version:
    env:
      - name: WFBSS_API_VERSION
  validate_certs:
    env:
      - name: WFBSS_VALIDATE_CERTS
  user_agent:
    env:
      - name: WFBSS_USER_AGENT
  customers:
    description:
      - Only the customers with these names or customer ids (GUIDs), in any letter case. All customers when empty.
      - Only the selected customers' computers and groups are listed.
      - An item that matches no customer (a typo, most likely) is named in a warning.
    type: list
    elements: str
    default: []
  wfbss_groups:
    description:
      - Only the computers of the WFBSS groups with these names (as C(customers/groups) lists them, in any letter
        case) or group ids (C(gid)). All computers when empty.
      - Named so because O(groups) is the constructed groups option.
      - Every computer of the selected customers is still listed; the filter applies to the answer.
      - An item that matches no group of the customers' computers is named in a warning.
    type: list
    elements: str
    default: []
notes:
  - The access token and the secret key are never written to the inventory cache; the cache holds only the
    computer list.
  - The values of the computers' C(type) are not published; C(wfbss_type) is passed on as given. The published
    example shows group C(type) 1 for C(Device (Default)) and 2 for C(Server (Default)).
  - C(wfbss_ipaddr) is written as WFBSS gives it; the published example writes the address 192.168.0.97 as
    C(97.0.168.192).
  - Make a failed source stop the run with C(unparsed_is_failed = true) in C(ansible.cfg)
    (E(ANSIBLE_INVENTORY_UNPARSED_FAILED)); otherwise Ansible warns and goes on without these hosts.
"""

EXAMPLES = r"""
# wfbss.yml: the computers of two customers, one group per WFBSS group name, the walk cached for an hour.
# The key pair comes from WFBSS_ACCESS_TOKEN and WFBSS_SECRET_KEY.
plugin: msp.antivirus.wfbss
url: https://cspi.trendmicro.com/SMPI
customers:
  - Acme Corp
  - 549390C2-61B3-417E-B1F0-8955A63C08F3
keyed_groups:
  # group_Device__Default_, group_Server__Default_...; group_unlisted when customers/groups does not name it
  - key: wfbss_group | default('unlisted', true)
    prefix: group
groups:
  servers: wfbss_group == 'Server (Default)'
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/msp.antivirus
cache_timeout: 3600

# Another file, servers.wfbss.yml: the servers' group of every customer, by group id
#   plugin: msp.antivirus.wfbss
#   wfbss_groups: ["2"]
"""


from ansible_collections.msp.antivirus.plugins.module_utils.arguments import WFBSS_CONNECTION_ARGS, wfbss_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.errors import ResponseParseError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import concurrent_map, missing_libraries
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import WfbssClient, batches
from ansible_collections.msp.antivirus.plugins.plugin_utils.device_inventory import DeviceInventory, matches

URL_HINT = "Check that url is the SMPI URL that Trend Micro Remote Manager shows."


def shown(value):
    return "missing" if value is None else repr(value)[:60]


def listed_id(value, service, what, id_name):
    """A customer's or computer's id as listed: a non-empty string, or the answer is not one to build hosts from."""
    if isinstance(value, str) and value.strip():
        return value
    raise ResponseParseError("WFBSS answered {0} with a {1} without a usable {2} ({3}). {4}".format(
        service, what, id_name, shown(value), URL_HINT))


def customer_ref(row):
    """A customers row as {"id", "name"}."""
    return {"id": listed_id(row.get("id"), "customers", "customer", "id"), "name": row.get("name")}


def id_key(customer_id):
    """Customer ids are GUIDs: one written in another letter case is the same customer."""
    return customer_id.upper()


def group_names(entries):
    """{(customer id key, str(gid)): group name} from customers/groups entries; an entry without an id, or a
    group without an id, names nothing."""
    names = {}
    for entry in entries:
        if not isinstance(entry.get("id"), str):
            continue
        for group in entry.get("groups") or []:
            if isinstance(group, dict) and group.get("id") is not None:
                names[(id_key(entry["id"]), str(group["id"]))] = group.get("name")
    return names


def device_record(computer, customer, names):
    """A computer as the hosts and the cache hold it; customer is {"id", "name"}, names from group_names()."""
    gid = computer.get("gid")
    return {
        "cid": listed_id(computer.get("cid"), "customers/computers", "computer", "cid"),
        "customer": customer["name"],
        "customer_id": customer["id"],
        "gid": gid,
        "group": names.get((id_key(customer["id"]), str(gid))),
        "name": computer.get("name"),
        "ipaddr": computer.get("ipaddr"),
        "type": computer.get("type"),
    }


def owner_of(entry, asked):
    """The asked customer ({"id", "name"}, by id key) a customers/computers entry belongs to."""
    owner = asked.get(id_key(entry.get("id"))) if isinstance(entry.get("id"), str) else None
    if owner is None:
        raise ResponseParseError("WFBSS answered customers/computers with computers of customer {0}, which was not "
                                 "asked for. {1}".format(shown(entry.get("id")), URL_HINT))
    return owner


def group_label(device):
    """What names the device's WFBSS group among its customer's: the group's name, or its gid when not listed."""
    return device["group"] if device["group"] is not None else device["gid"]


class InventoryModule(DeviceInventory):
    NAME = "msp.antivirus.wfbss"
    FILE_SUFFIXES = ("wfbss.yml", "wfbss.yaml")
    VARIABLE_PREFIX = "wfbss_"
    CONNECTION_ARGS = WFBSS_CONNECTION_ARGS

    @staticmethod
    def device_id(device):
        return device["cid"]

    @staticmethod
    def device_order(device):
        """Independent of listing order (batches run concurrently); ties only for the same computer."""
        return (device["cid"], device["customer_id"])

    def groups_of(self, device):
        customer = device["customer"] or ""
        groups = ["wfbss_customer_" + customer]
        if group_label(device) is not None:
            groups.append("wfbss_group_{0}_{1}".format(customer, group_label(device)))
        return groups

    def secrets(self):
        values = [self.get_option(name) or "" for name in ("access_token", "secret_key")]
        return values + [value.strip() for value in values]

    def walk(self):
        """Every computer the filters select; the whole walk succeeds or nothing is returned."""
        self.require_libraries(missing_libraries())
        return self.walk_with_client(lambda: WfbssClient(**wfbss_client_args(self.connection_options())),
                                     self._devices, "WFBSS", lambda client: client.transport.attempts)

    def _devices(self, client):
        wanted = self.get_option("customers")
        rows = client.customers()
        customers = [customer_ref(row) for row in rows if matches(wanted, row.get("id"), row.get("name"))]
        self.warn_unmatched("customers", "customer", [(row.get("id"), row.get("name")) for row in rows])
        found = [device for devices in concurrent_map(lambda cids: self._batch_devices(client, customers, cids),
                                                      batches([customer["id"] for customer in customers]))
                 for device in devices]
        self.warn_unmatched("wfbss_groups", "group of the customers' computers",
                            [(device["gid"], device["group"]) for device in found])
        wanted_groups = self.get_option("wfbss_groups")
        return [device for device in found if matches(wanted_groups, device["gid"], device["group"])]

    @staticmethod
    def _batch_devices(client, customers, cids):
        """The computers of one batch of at most 10 customers; groups are asked only of those that have one."""
        asked = dict((id_key(customer["id"]), customer) for customer in customers if customer["id"] in cids)
        owned = [(owner_of(entry, asked), entry["computers"]) for entry in client.computers(cids)]
        with_computers = list(dict.fromkeys(owner["id"] for owner, computers in owned if computers))
        names = group_names(client.customer_groups(with_computers)) if with_computers else {}
        return [device_record(computer, owner, names) for owner, computers in owned for computer in computers]
