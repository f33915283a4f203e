# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: nsight
short_description: N-sight RMM servers and workstations as inventory hosts
version_added: 1.0.0
description:
  - Walks the N-sight RMM Data Extraction API, C(list_clients), then C(list_sites) for each client, then
    C(list_servers) and C(list_workstations) for each site, and makes one host per device.
  - Each host gets the variables C(nsight_deviceid) (the id the MAV services and the
    C(msp.antivirus.maintenance_window) role take), C(nsight_client), C(nsight_clientid), C(nsight_site),
    C(nsight_siteid), C(nsight_device_type) (V(server) or V(workstation)), C(nsight_name), C(nsight_os),
    C(nsight_ip) and C(nsight_online) (a boolean).
  - Hosts are grouped per client (C(nsight_client_<client>)) and per site (C(nsight_site_<client>_<site>)).
  - "Host names are unique, so every device is exactly one host. The I(safe name) of a device is its name without
    leading and trailing white space, with each character other than an ASCII letter, a digit, C(.), C(_) or C(-)
    replaced by C(_). Names are compared ignoring letter case: Ansible itself tells C(PC) from C(pc), but Windows
    computer names do not, nor do C(host_vars/) and fact cache files on a case-insensitive file system."
  - A device whose safe name no other device of this source has keeps it as host name, unless it is C(localhost),
    C(127.0.0.1), C(all) or C(ungrouped) (such a host would be the controller's localhost, or a host that cannot be
    targeted by its name).
  - "Every other device, in device id order, is named C(<safe name>_<deviceid>) (C(device_<deviceid>) when it has
    no name) or, if a host of this source already has that name, the first free one of C(<safe name>_<deviceid>_2),
    C(<safe name>_<deviceid>_3)... For example devices named C(PC) (id 8001), C(PC) (id 8002) and C(PC_8001)
    (id 8003) become C(PC_8001_2), C(PC_8002) and C(PC_8001). Host names depend on the devices listed, not on the
    order N-sight lists them in; adding or removing a device can rename the devices that share its name."
  - A host of the same name in another inventory source is the same host to Ansible, which merges the two.
  - "A walk costs 1 + C + S x T N-sight calls: one C(list_clients), one C(list_sites) for each of the C selected
    clients, and for each of the S selected sites one listing per device type in O(device_types) (T is 1 or 2);
    retries add to it. With O(cache) enabled, a walk read from the cache costs no call until O(cache_timeout)
    expires: under N-sight's budget of 60 calls a minute, a walk of 5 clients with 20 sites and both device types
    (46 calls) otherwise takes most of a minute's budget on every run. Ansible prints what the walk cost at C(-v)."
  - The walk keeps within O(rate_limit), shared with the modules and any other run that uses the same server and
    key. If any call fails, the source fails whole, with the reason, and adds no host.
  - The configuration file name must end in C(nsight.yml) or C(nsight.yaml).
author:
  - msp.antivirus contributors (@msp)
requirements:
  - requests
  - xmltodict
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - msp.antivirus.nsight
  - msp.antivirus.connection
options:
  plugin:
    description: The name of this plugin, so Ansible knows the file is for it.
    type: str
    required: true
    choices: [msp.antivirus.nsight]
  server:
    env:
      - name: NSIGHT_SERVER
  api_key:
    env:
      - name: NSIGHT_API_KEY
  validate_certs:
    env:
      - name: NSIGHT_VALIDATE_CERTS
  rate_limit:
    env:
      - name: NSIGHT_RATE_LIMIT
  budget_url:
    env:
      - name: NSIGHT_BUDGET_URL
  user_agent:
    env:
      - name: NSIGHT_USER_AGENT
  clients:
    description:
      - Only the clients with these names or client ids. All clients when empty.
    type: list
    elements: str
    default: []
  sites:
    description:
      - Only the sites with these names or site ids. All sites when empty.
    type: list
    elements: str
    default: []
  device_types:
    description:
      - Which kinds of device to list.
    type: list
    elements: str
    choices: [server, workstation]
    default: [server, workstation]
notes:
  - The API key is never written to the inventory cache; the cache holds only the device list.
  - Make a failed source stop the run with C(unparsed_is_failed = true) in C(ansible.cfg)
    (E(ANSIBLE_INVENTORY_UNPARSED_FAILED)); otherwise Ansible warns and goes on without these hosts.
"""

EXAMPLES = r"""
# nsight.yml: every server and workstation of two clients, reachable at their IP addresses
plugin: msp.antivirus.nsight
server: www.systemmonitor.us
clients:
  - Northwind Dental
  - "102"
compose:
  ansible_host: nsight_ip
keyed_groups:
  - key: nsight_device_type
    prefix: type
groups:
  offline: not nsight_online
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/msp.antivirus
cache_timeout: 3600

# Another file, servers.nsight.yml: servers only; the key comes from NSIGHT_API_KEY
#   plugin: msp.antivirus.nsight
#   server: wwweurope1.systemmonitor.eu.com
#   device_types: [server]
"""

from ansible.errors import AnsibleParserError
from ansible.utils.display import Display

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import NSIGHT_CONNECTION_ARGS, nsight_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import budget_url_password
from ansible_collections.msp.antivirus.plugins.module_utils.errors import ResponseParseError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import concurrent_map
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, missing_libraries
from ansible_collections.msp.antivirus.plugins.plugin_utils.device_inventory import DeviceInventory, matches

# (service, row element, id element) of the device listing of each device type.
DEVICE_LISTINGS = {
    "server": ("list_servers", "server", "serverid"),
    "workstation": ("list_workstations", "workstation", "workstationid"),
}

display = Display()


def listing_id(service, row, id_name):
    """The whole-number id of a listing row. A row without one is not an answer to build hosts from."""
    value = row.get(id_name)
    try:
        return int(value)
    except (TypeError, ValueError):
        pass
    shown = "missing" if value is None else repr(value)[:60]
    raise ResponseParseError("N-sight answered {0} with a listing row without a usable id ({1}: {2}). Check that "
                             "server is the N-sight API host.".format(service, id_name, shown))


def device_record(device_type, row, owner, site):
    """A device as the hosts and the cache hold it; owner and site are {"id": int, "name": str}."""
    service, _row_name, id_name = DEVICE_LISTINGS[device_type]
    return {
        "deviceid": listing_id(service, row, id_name),
        "name": row.get("name"),
        "os": row.get("os"),
        "ip": row.get("ip"),
        "online": str(row.get("online")).strip() == "1",
        "device_type": device_type,
        "client": owner["name"],
        "clientid": owner["id"],
        "site": site["name"],
        "siteid": site["id"],
    }


class InventoryModule(DeviceInventory):
    NAME = "msp.antivirus.nsight"
    FILE_SUFFIXES = ("nsight.yml", "nsight.yaml")
    VARIABLE_PREFIX = "nsight_"
    CONNECTION_ARGS = NSIGHT_CONNECTION_ARGS

    @staticmethod
    def device_id(device):
        return device["deviceid"]

    @staticmethod
    def device_order(device):
        """Independent of listing order (the walk is concurrent); ties only for the same device id."""
        return (device["deviceid"], device["device_type"], device["siteid"], device["name"] or "")

    def groups_of(self, device):
        return ["nsight_client_" + (device["client"] or ""),
                "nsight_site_{0}_{1}".format(device["client"] or "", device["site"] or "")]

    def secrets(self):
        key = self.get_option("api_key") or ""
        budget_url = (self.connection_option("budget_url") or "").strip() or None
        return [key, key.strip(), budget_url, budget_url_password(budget_url)]

    def walk(self):
        """Every device the filters select; the whole walk succeeds or nothing is returned."""
        missing = missing_libraries({"budget_url": self.connection_option("budget_url")})
        if missing:
            raise AnsibleParserError("The msp.antivirus.nsight inventory needs the Python library {0} on the "
                                     "controller: pip install {0}".format(missing[0]))
        client = self.guarded(lambda: NsightClient(**nsight_client_args(self.connection_options())),
                              "The N-sight inventory source cannot be used, so no host of it was added", ["apikey"])
        try:
            return self.guarded(lambda: self._devices(client),
                                "The N-sight inventory walk failed, so no host of this source was added", ["apikey"])
        finally:
            client.close()
            for warning in client.warnings:
                display.warning(warning)
            display.v("msp.antivirus.nsight: the walk cost {0} N-sight call(s); enable cache to reuse it.".format(
                client.call_count))

    def _devices(self, client):
        clients = self._selected(client.rows("list_clients", "items", "client"), "list_clients", "clientid", "clients")

        def sites_of(owner):
            rows = client.rows("list_sites", "items", "site", clientid=owner["id"])
            return [(owner, site) for site in self._selected(rows, "list_sites", "siteid", "sites")]

        sites = [pair for pairs in concurrent_map(sites_of, clients) for pair in pairs]
        listings = [(owner, site, device_type) for owner, site in sites
                    for device_type in self.get_option("device_types")]

        def devices_of(listing):
            owner, site, device_type = listing
            service, row_name, _id_name = DEVICE_LISTINGS[device_type]
            return [device_record(device_type, row, owner, site)
                    for row in client.rows(service, "items", row_name, siteid=site["id"])]

        return [device for devices in concurrent_map(devices_of, listings) for device in devices]

    def _selected(self, rows, service, id_name, option):
        """The client or site rows that filter option selects, as {"id": int, "name": str}."""
        wanted = self.get_option(option)
        return [{"id": listing_id(service, row, id_name), "name": row.get("name")}
                for row in rows if matches(wanted, row.get(id_name), row.get("name"))]
