# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: nsight
short_description: N-sight RMM servers and workstations as inventory hosts
version_added: 0.1.0
description:
  - Walks the N-sight RMM Data Extraction API, C(list_clients), then C(list_sites) for each client, then
    C(list_servers) and C(list_workstations) for each site, and makes one host per device.
  - Each host gets the variables C(nsight_deviceid) (the id the MAV services and the
    C(msp.antivirus.maintenance_window) role take), C(nsight_client), C(nsight_clientid), C(nsight_site),
    C(nsight_siteid), C(nsight_device_type) (V(server) or V(workstation)), C(nsight_name), C(nsight_os),
    C(nsight_ip) and C(nsight_online) (a boolean).
  - Hosts are grouped per client (C(nsight_client_<client>)) and per site (C(nsight_site_<client>_<site>)).
  - The host name is the device name, with characters other than letters, digits, C(.), C(_) and C(-) replaced by
    C(_). Devices that share a name are all named C(<name>_<deviceid>), so names stay unique.
  - A walk costs 1 + clients + 2 x sites calls; enable O(cache) to reuse it. If any call fails, the source fails
    whole, with the reason, and adds no host.
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

---
# servers.nsight.yml: servers only; the key comes from NSIGHT_API_KEY
plugin: msp.antivirus.nsight
server: wwweurope1.systemmonitor.eu.com
device_types: [server]
"""

import re

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import NSIGHT_CONNECTION_ARGS, nsight_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.errors import MspAntivirusError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import concurrent_map
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, missing_libraries

# (service, row element, id element) of the device listing of each device type.
DEVICE_LISTINGS = {
    "server": ("list_servers", "server", "serverid"),
    "workstation": ("list_workstations", "workstation", "workstationid"),
}
UNSAFE_HOSTNAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")


def matches(wanted, row_id, name):
    """An empty filter takes everything; otherwise an id or a case-insensitive name must be listed."""
    if not wanted:
        return True
    keys = {str(row_id), (name or "").casefold()}
    return any(str(item).casefold() in keys for item in wanted)


def hostnames(devices):
    """A valid, unique host name per device: its name, or name_deviceid where names collide."""
    safe = [UNSAFE_HOSTNAME_CHARACTERS.sub("_", device["name"] or "") or "device" for device in devices]
    counts = {}
    for name in safe:
        counts[name] = counts.get(name, 0) + 1
    return [name if counts[name] == 1 else "{0}_{1}".format(name, device["deviceid"])
            for name, device in zip(safe, devices)]


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "msp.antivirus.nsight"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("nsight.yml", "nsight.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        devices = None
        if use_cache:
            try:
                devices = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if devices is None:
            devices = self._walk()
        if update_cache:
            self._cache[cache_key] = devices
        self._populate(devices)

    def _walk(self):
        """Every device the filters select; the whole walk succeeds or nothing is returned."""
        missing = missing_libraries()
        if missing:
            raise AnsibleParserError("The msp.antivirus.nsight inventory needs the Python library {0} on the "
                                     "controller: pip install {0}".format(missing[0]))
        try:
            client = self._client()
            try:
                return self._devices(client)
            finally:
                client.close()
        except MspAntivirusError as error:
            raise AnsibleParserError("The N-sight inventory walk failed, so no host of this source was added: "
                                     "{0}".format(error.message))
        except (KeyError, TypeError, ValueError) as error:
            raise AnsibleParserError("N-sight answered a listing row without a usable id ({0!r}), so no host of this "
                                     "source was added. Check that server is the N-sight API host.".format(error))

    def _client(self):
        options = dict((name, self.get_option(name)) for name in NSIGHT_CONNECTION_ARGS)
        return NsightClient(**nsight_client_args(options))

    def _devices(self, client):
        clients = [row for row in client.rows("list_clients", "items", "client")
                   if matches(self.get_option("clients"), row.get("clientid"), row.get("name"))]

        def sites_of(client_row):
            return [(client_row, site) for site in client.rows("list_sites", "items", "site", clientid=client_row["clientid"])
                    if matches(self.get_option("sites"), site.get("siteid"), site.get("name"))]

        sites = [pair for pairs in concurrent_map(sites_of, clients) for pair in pairs]
        listings = [(client_row, site, device_type) for client_row, site in sites
                    for device_type in self.get_option("device_types")]

        def devices_of(listing):
            client_row, site, device_type = listing
            service, row_name, id_name = DEVICE_LISTINGS[device_type]
            return [{
                "deviceid": int(row[id_name]),
                "name": row.get("name"),
                "os": row.get("os"),
                "ip": row.get("ip"),
                "online": str(row.get("online")).strip() == "1",
                "device_type": device_type,
                "client": client_row.get("name"),
                "clientid": int(client_row["clientid"]),
                "site": site.get("name"),
                "siteid": int(site["siteid"]),
            } for row in client.rows(service, "items", row_name, siteid=site["siteid"])]

        return [device for devices in concurrent_map(devices_of, listings) for device in devices]

    def _populate(self, devices):
        strict = self.get_option("strict")
        for hostname, device in zip(hostnames(devices), devices):
            self.inventory.add_host(hostname)
            for key, value in device.items():
                self.inventory.set_variable(hostname, "nsight_" + key, value)
            client_group = self.inventory.add_group(self._sanitize_group_name("nsight_client_" + (device["client"] or "")))
            site_group = self.inventory.add_group(
                self._sanitize_group_name("nsight_site_{0}_{1}".format(device["client"] or "", device["site"] or "")))
            self.inventory.add_child(client_group, hostname)
            self.inventory.add_child(site_group, hostname)
            hostvars = self.inventory.get_host(hostname).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, hostname, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, hostname, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, hostname, strict=strict)
