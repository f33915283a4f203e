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
  - Walks the N-sight RMM Data Extraction API and makes one host per server or workstation. Two walks
    (O(walk)) list the same devices at different costs and with different host variables.
  - The site walk (O(walk=sites), the default) calls C(list_clients), then C(list_sites) for each client, then
    C(list_servers) and C(list_workstations) for each site. Its hosts get the variables C(nsight_deviceid) (the id
    the MAV services and the C(msp.antivirus.maintenance_window) role take), C(nsight_client), C(nsight_clientid),
    C(nsight_site), C(nsight_siteid), C(nsight_device_type) (V(server) or V(workstation)), C(nsight_name),
    C(nsight_os), C(nsight_ip) and C(nsight_online) (a boolean).
  - The client walk (O(walk=clients)) calls C(list_clients), then C(list_devices_at_client) for each client and
    device type, which lists every device of the client with its site. Its hosts get C(nsight_deviceid),
    C(nsight_name), C(nsight_device_type), C(nsight_client), C(nsight_clientid), C(nsight_site), C(nsight_siteid),
    C(nsight_username), C(nsight_description), C(nsight_status) (as N-sight gives it), C(nsight_checkcount) (a
    dictionary of the counts C(dsc_247), C(pass), C(clear) and C(fail), whole numbers where they are), and the
    capability flags C(nsight_mav) (Managed Antivirus), C(nsight_patch), C(nsight_takecontrol), C(nsight_mob),
    C(nsight_systray) and C(nsight_mavbreck) as booleans. That service gives no operating system, IP address or
    online state, so these hosts have no C(nsight_os), C(nsight_ip) or C(nsight_online); use the site walk where
    C(compose) or C(groups) need them.
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
  - "What a walk costs, for C selected clients, S selected sites and T device types (1 or 2, O(device_types)):
    the site walk 1 + C + S x T N-sight calls (one C(list_clients), one C(list_sites) per client, one listing per
    site and device type), plus C x T with O(mav_only); the client walk 1 + C x T, with or without O(mav_only).
    For example 300 clients with 900 sites and both device types cost 2,101 calls in the site walk and 601 in the
    client walk: under N-sight's budget of 60 calls a minute, about 35 against 10 minutes. Retries add to it."
  - "With O(cache) enabled, a walk read from the cache costs no call until O(cache_timeout) expires: a walk of 5
    clients with 20 sites and both device types (46 calls in the site walk) otherwise takes most of a minute's
    budget on every run. Ansible prints what the walk cost at C(-v)."
  - While a walk waits for the call budget, a line on standard error tells every 30 seconds what is done and about
    how long the calls left take; a walk that never waits prints none.
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
      - An item that matches no client (a typo, most likely) is named in a warning.
    type: list
    elements: str
    default: []
  sites:
    description:
      - Only the sites with these names or site ids. All sites when empty.
      - An item that matches no site of the clients listed is named in a warning.
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
  walk:
    description:
      - How to list the devices, and so which host variables they get (see the description).
      - V(sites) lists the sites of each client and the devices of each site; its hosts have C(nsight_os),
        C(nsight_ip) and C(nsight_online).
      - V(clients) lists the devices of each client with C(list_devices_at_client), one call per client and device
        type, far fewer calls for clients with several sites; its hosts have the user name, description, status,
        check counts and capability flags (C(nsight_mav)...), but no C(nsight_os), C(nsight_ip) or C(nsight_online).
      - The O(clients), O(sites) and O(device_types) filters apply to both.
    type: str
    choices: [sites, clients]
    default: sites
    version_added: 1.1.0
  mav_only:
    description:
      - Only the devices that have N-sight Managed Antivirus (the C(mav) flag of C(list_devices_at_client)), so that
        a maintenance window spends no call pausing a scan that cannot exist. Their hosts have C(nsight_mav=true).
      - With O(walk=clients) this costs no extra call.
      - With O(walk=sites) the listings have no such flag, so the walk also calls C(list_devices_at_client) for each
        selected client and device type that has devices, up to C x T more calls. A device which that listing does
        not name is left out, with a warning, as whether it has Managed Antivirus is not known.
      - "Instead of leaving the other devices out, O(walk=clients) with O(groups) or O(keyed_groups) on C(nsight_mav)
        puts them in a group of their own, for example C(groups: {no_mav: not nsight_mav}), or C(keyed_groups) with
        C(key: nsight_mav | string) (a boolean is no group name)."
    type: bool
    default: false
    version_added: 1.1.0
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

# Another file, mav.nsight.yml: the client walk (601 calls instead of 2,101 for 300 clients with 900 sites),
# only the devices with Managed Antivirus
#   plugin: msp.antivirus.nsight
#   server: www.systemmonitor.us
#   walk: clients
#   mav_only: true

# Another file, all.nsight.yml: the client walk, every device, grouped by whether it has Managed Antivirus
# (groups mav_True and mav_False) and in a group no_mav
#   plugin: msp.antivirus.nsight
#   server: www.systemmonitor.us
#   walk: clients
#   keyed_groups:
#     - key: nsight_mav | string
#       prefix: mav
#   groups:
#     no_mav: not nsight_mav

# Another file, servers.nsight.yml: servers only; the key comes from NSIGHT_API_KEY
#   plugin: msp.antivirus.nsight
#   server: wwweurope1.systemmonitor.eu.com
#   device_types: [server]
"""

from ansible.utils.display import Display

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import NSIGHT_CONNECTION_ARGS, nsight_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import budget_url_password
from ansible_collections.msp.antivirus.plugins.module_utils.errors import ResponseParseError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import concurrent_map
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient, as_list, missing_libraries
from ansible_collections.msp.antivirus.plugins.plugin_utils.device_inventory import DeviceInventory, matches
from ansible_collections.msp.antivirus.plugins.plugin_utils.walk_progress import WalkProgress

# (service, row element, id element) of the device listing of each device type.
DEVICE_LISTINGS = {
    "server": ("list_servers", "server", "serverid"),
    "workstation": ("list_workstations", "workstation", "workstationid"),
}
CLIENT_LISTING = "list_devices_at_client"
# The capability flags of a list_devices_at_client row (1 available / 0 not).
CAPABILITY_FLAGS = ("mav", "patch", "takecontrol", "mob", "systray", "mavbreck")
CHECK_COUNTS = ("dsc_247", "pass", "clear", "fail")

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
    """A device of the site walk as the hosts and the cache hold it; owner and site are {"id": int, "name": str}."""
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


def whole_number(value):
    """value as an int where it is one, else as given."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def check_counts(value):
    """The four counts of a <checkcount> element; an absent count is None."""
    counts = value if isinstance(value, dict) else {}
    return dict((name, whole_number(counts.get(name))) for name in CHECK_COUNTS)


def client_device_record(device_type, row, owner, site):
    """A device of the client walk (a list_devices_at_client row): no os, ip or online, which that service does
    not give, but its user name, description, status, check counts and capability flags."""
    record = {
        "deviceid": listing_id(CLIENT_LISTING, row, "id"),
        "name": row.get("name"),
        "device_type": device_type,
        "client": owner["name"],
        "clientid": owner["id"],
        "site": site["name"],
        "siteid": site["id"],
        "username": row.get("username"),
        "description": row.get("description"),
        "status": row.get("status"),
        "checkcount": check_counts(row.get("checkcount")),
    }
    record.update((flag, str(row.get(flag)).strip() == "1") for flag in CAPABILITY_FLAGS)
    return record


def expected_listings(sites_found, clients_done, clients, device_types):
    """The site listings a site walk will make, from the sites of the clients listed so far."""
    return int(round(float(sites_found) * clients / max(1, clients_done))) * device_types


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

    def get_cache_key(self, path):
        """The walk and mav_only decide which devices and variables a cached list holds: each has its own entry
        (Ansible's key names the file only)."""
        return "{0}_{1}".format(super(InventoryModule, self).get_cache_key(path), self.walk_name().replace(" ", "_"))

    def walk_name(self):
        """The walk, as the messages name it: "sites", "clients", "sites mav_only"..."""
        return self.get_option("walk") + (" mav_only" if self.get_option("mav_only") else "")

    def walk(self):
        """Every device the filters select; the whole walk succeeds or nothing is returned."""
        self.require_libraries(missing_libraries({"budget_url": self.connection_option("budget_url")}))
        return self.walk_with_client(lambda: NsightClient(**nsight_client_args(self.connection_options())),
                                     self._paced_devices, "N-sight", lambda client: client.call_count, ["apikey"])

    def _paced_devices(self, client):
        """The walk, with progress lines while it waits for the call budget."""
        with WalkProgress(self.NAME, client.budget, lambda line: display.display(line, stderr=True)) as progress:
            return self._devices(client, progress)

    def _devices(self, client, progress):
        # (id, name) of every client and site listed, for the filters' warnings.
        self._listed = {"clients": [], "sites": []}
        rows = client.rows("list_clients", "items", "client")
        clients = [owner for owner, _row in self._selected(rows, "list_clients", "clientid", "clients")]
        if self.get_option("walk") == "clients":
            devices = self._client_walk(client, progress, clients)
        else:
            devices = self._site_walk(client, progress, clients)
            if self.get_option("mav_only"):
                devices = self._with_mav(client, progress, clients, devices)
        self.warn_unmatched("clients", "client", self._listed["clients"])
        self.warn_unmatched("sites", "site of the clients listed", self._listed["sites"])
        return devices

    def _site_walk(self, client, progress, clients):
        """list_sites per client, then list_servers / list_workstations per site."""
        device_types = self.get_option("device_types")
        mav_listings = len(clients) * len(device_types) if self.get_option("mav_only") else 0
        found = []
        progress.stage("clients", len(clients), later=lambda: mav_listings + expected_listings(
            len(found), progress.done_units, len(clients), len(device_types)))

        def sites_of(owner):
            rows = client.rows("list_sites", "items", "site", clientid=owner["id"])
            pairs = [(owner, site) for site, _row in self._selected(rows, "list_sites", "siteid", "sites")]
            found.extend(pairs)
            progress.done()
            return pairs

        sites = [pair for pairs in concurrent_map(sites_of, clients) for pair in pairs]
        listings = [(owner, site, device_type) for owner, site in sites for device_type in device_types]
        progress.stage("site listings", len(listings), later=lambda: mav_listings)

        def devices_of(listing):
            owner, site, device_type = listing
            service, row_name, _id_name = DEVICE_LISTINGS[device_type]
            devices = [device_record(device_type, row, owner, site)
                       for row in client.rows(service, "items", row_name, siteid=site["id"])]
            progress.done(len(devices))
            return devices

        return [device for devices in concurrent_map(devices_of, listings) for device in devices]

    def _client_walk(self, client, progress, clients):
        """list_devices_at_client per client and device type; with mav_only, the devices with MAV only."""
        progress.stage("clients", len(clients), calls_each=len(self.get_option("device_types")))

        def devices_of(owner):
            devices = [device for device_type in self.get_option("device_types")
                       for device in self._client_devices(client, owner, device_type)
                       if device["mav"] or not self.get_option("mav_only")]
            progress.done(len(devices))
            return devices

        return [device for devices in concurrent_map(devices_of, clients) for device in devices]

    def _client_devices(self, client, owner, device_type):
        """The devices of one client and device type in the sites the sites option selects (one call)."""
        rows = client.rows(CLIENT_LISTING, "items", "client", clientid=owner["id"], devicetype=device_type)
        sites = [site for listed in rows for site in as_list(listed.get("site")) if isinstance(site, dict)]
        return [client_device_record(device_type, row, owner, site)
                for site, element in self._selected(sites, CLIENT_LISTING, "id", "sites")
                for row in as_list(element.get(device_type)) if isinstance(row, dict)]

    def _with_mav(self, client, progress, clients, devices):
        """The site walk's devices that have Managed Antivirus, by the mav flag of list_devices_at_client (one call
        per client and device type that has devices); a device that listing leaves out is left out, with a
        warning, as whether it has MAV is not known."""
        listed = set((device["clientid"], device["device_type"]) for device in devices)
        listings = [(owner, device_type) for owner in clients for device_type in self.get_option("device_types")
                    if (owner["id"], device_type) in listed]
        progress.stage("MAV listings", len(listings))

        def flags_of(listing):
            owner, device_type = listing
            flags = [((device_type, device["deviceid"]), device["mav"])
                     for device in self._client_devices(client, owner, device_type)]
            progress.done()
            return flags

        mav = dict(flag for flags in concurrent_map(flags_of, listings) for flag in flags)
        unknown = [device["deviceid"] for device in devices if (device["device_type"], device["deviceid"]) not in mav]
        if unknown:
            shown = ", ".join(str(deviceid) for deviceid in sorted(unknown)[:20])
            display.warning("msp.antivirus.nsight: mav_only left out {0} device(s) that list_devices_at_client did "
                            "not list, so whether they have Managed Antivirus is not known (device ids {1})."
                            .format(len(unknown), shown))
        return [dict(device, mav=True) for device in devices if mav.get((device["device_type"], device["deviceid"]))]

    def _selected(self, rows, service, id_name, option):
        """(the client or site as {"id": int, "name": str}, its row) of each row that filter option selects."""
        wanted = self.get_option(option)
        self._listed[option].extend((row.get(id_name), row.get("name")) for row in rows)
        return [({"id": listing_id(service, row, id_name), "name": row.get("name")}, row)
                for row in rows if matches(wanted, row.get(id_name), row.get("name"))]
