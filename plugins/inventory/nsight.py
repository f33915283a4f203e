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

import os
import re
from collections import Counter

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import NSIGHT_CONNECTION_ARGS, nsight_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import budget_url_password
from ansible_collections.msp.antivirus.plugins.module_utils.errors import MspAntivirusError, ResponseParseError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import Redactor, concurrent_map
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, missing_libraries

# (service, row element, id element) of the device listing of each device type.
DEVICE_LISTINGS = {
    "server": ("list_servers", "server", "serverid"),
    "workstation": ("list_workstations", "workstation", "workstationid"),
}
UNSAFE_HOSTNAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")
# Host names no device keeps: Ansible's localhost aliases (such a host is the controller, merged with the localhost
# of every other source; ::1 cannot occur, ":" is unsafe) and its built-in groups (a host named so cannot be
# targeted by its name). Lower case, as every name is compared through hostname_key().
RESERVED_HOSTNAMES = frozenset(["localhost", "127.0.0.1", "all", "ungrouped"])
NAMELESS = "device"

display = Display()


def matches(wanted, row_id, name):
    """An empty filter takes everything; otherwise an id or a case-insensitive name must be listed."""
    if not wanted:
        return True
    keys = {str(row_id), (name or "").casefold()}
    return any(str(item).casefold() in keys for item in wanted)


def safe_hostname(name):
    """The device name, trimmed, with every character a host name should not hold replaced by _ ('' if none)."""
    return UNSAFE_HOSTNAME_CHARACTERS.sub("_", (name or "").strip())


def hostname_key(hostname):
    """What two host names must not share. Ansible compares host names exactly, but Windows computer names,
    and host_vars/ or fact cache files on a case-insensitive file system, ignore case: so do we."""
    return hostname.lower()


def hostnames(devices):
    """One host name per device, in the order of ``devices``, no two with the same hostname_key.

    1. A safe name that exactly one device has, and that is not reserved, is that device's host name. These
       names are distinct, as each key is counted once.
    2. Every other device, in device id order, takes name_deviceid (device_deviceid without a name), or the
       first of name_deviceid_2, _3... that is free. Each is checked against every name given before it
       (step 1 names and reserved ones included), so none can collide.
    Listing order does not matter: step 1 only counts, and in step 2 the choices of two devices can only meet
    when one device id is listed twice; the sort settles that case too.
    """
    names = [safe_hostname(device["name"]) for device in devices]
    counts = Counter(hostname_key(name) for name in names)
    chosen = [None] * len(devices)
    taken = set(RESERVED_HOSTNAMES)
    for index, name in enumerate(names):
        key = hostname_key(name)
        if name and counts[key] == 1 and key not in RESERVED_HOSTNAMES:
            chosen[index] = name
            taken.add(key)
    rest = [index for index, name in enumerate(chosen) if name is None]
    for index in sorted(rest, key=lambda index: device_order(devices[index])):
        chosen[index] = first_free("{0}_{1}".format(names[index] or NAMELESS, devices[index]["deviceid"]), taken)
    return chosen


def device_order(device):
    """Sort key of a device independent of listing order (the walk is concurrent); ties only for the same device id."""
    return (device["deviceid"], device["device_type"], device["siteid"], device["name"] or "")


def first_free(candidate, taken):
    """candidate, or candidate_2, candidate_3... the first whose key is not taken; it is taken from then on."""
    hostname, number = candidate, 1
    while hostname_key(hostname) in taken:
        number += 1
        hostname = "{0}_{1}".format(candidate, number)
    taken.add(hostname_key(hostname))
    return hostname


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


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "msp.antivirus.nsight"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("nsight.yml", "nsight.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        # What the source file itself sets: an option it does not set may come from the environment.
        self._source_options = self._read_config_data(path) or {}
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
        missing = missing_libraries({"budget_url": self._connection_option("budget_url")})
        if missing:
            raise AnsibleParserError("The msp.antivirus.nsight inventory needs the Python library {0} on the "
                                     "controller: pip install {0}".format(missing[0]))
        client = self._guarded(self._client, "The N-sight inventory source cannot be used, so no host of it was added")
        try:
            return self._guarded(lambda: self._devices(client),
                                 "The N-sight inventory walk failed, so no host of this source was added")
        finally:
            client.close()
            for warning in client.warnings:
                display.warning(warning)
            display.v("msp.antivirus.nsight: the walk cost {0} N-sight call(s); enable cache to reuse it.".format(
                client.call_count))

    def _guarded(self, step, context):
        """step(), with a typed error turned into an AnsibleParserError that carries its message.

        Raised outside the except block, so that Ansible shows no chained exception beside the message.
        The key is redacted once more: a message may quote an option value a user put it in by mistake.
        """
        failure = None
        try:
            return step()
        except MspAntivirusError as error:
            failure = error
        key = self.get_option("api_key") or ""
        budget_url = (self._connection_option("budget_url") or "").strip() or None
        redact = Redactor(secrets=[key, key.strip(), budget_url, budget_url_password(budget_url)],
                          query_keys=["apikey"])
        raise AnsibleParserError("{0}: {1}".format(context, redact(failure.message)))

    def _client(self):
        options = dict((name, self._connection_option(name)) for name in NSIGHT_CONNECTION_ARGS)
        return NsightClient(**nsight_client_args(options))

    def _connection_option(self, name):
        """The option's value; one taken from an empty environment variable counts as not set, as for the
        modules (AWX renders an optional input left empty as ''; Ansible would read validate_certs '' as false)."""
        fallback = NSIGHT_CONNECTION_ARGS[name].get("fallback")
        variables = fallback[1] if fallback else ()
        from_empty_variable = any(variable in os.environ and not os.environ[variable].strip() for variable in variables)
        if name not in getattr(self, "_source_options", {}) and from_empty_variable:
            return NSIGHT_CONNECTION_ARGS[name].get("default")
        return self.get_option(name)

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

    def _populate(self, devices):
        for hostname, device in zip(hostnames(devices), devices):
            self.inventory.add_host(hostname)
            for key, value in device.items():
                self.inventory.set_variable(hostname, "nsight_" + key, value)
            client_group = self.inventory.add_group(self._sanitize_group_name("nsight_client_" + (device["client"] or "")))
            site_group = self.inventory.add_group(
                self._sanitize_group_name("nsight_site_{0}_{1}".format(device["client"] or "", device["site"] or "")))
            self.inventory.add_child(client_group, hostname)
            self.inventory.add_child(site_group, hostname)
            self._construct(hostname)

    def _construct(self, hostname):
        """compose, groups and keyed_groups of the constructed fragment, for one host."""
        strict = self.get_option("strict")
        hostvars = self.inventory.get_host(hostname).get_vars()
        self._set_composite_vars(self.get_option("compose"), hostvars, hostname, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, hostname, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, hostname, strict=strict)
