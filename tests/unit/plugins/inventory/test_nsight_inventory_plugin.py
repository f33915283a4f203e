# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The msp.antivirus.nsight inventory plugin on an InventoryData, with a fake N-sight client (no network).

The plugin is loaded through Ansible's inventory loader, so that its options are the documented ones, and
parses a real ``*.nsight.yml`` file, as ansible-inventory would.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import functools
import itertools
import random
import re
import sys

import pytest
import yaml

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData

from ansible_collections.msp.antivirus.plugins.inventory import nsight as nsight_inventory
from ansible_collections.msp.antivirus.plugins.plugin_utils import walk_progress
from ansible_collections.msp.antivirus.plugins.plugin_utils import device_inventory
from ansible_collections.msp.antivirus.plugins.plugin_utils.device_inventory import hostnames
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    NsightApiError,
)
from ansible_collections.msp.antivirus.tests.unit.helpers.inventory_plugin import loaded_inventory_plugin

API_KEY = "unit-inventory-Key-3e9f27c1"

# The estate the fake client answers: 2 clients, 3 sites, 8 devices.
CLIENTS = [{"clientid": "11", "name": "Alpha Dental"}, {"clientid": "12", "name": "Beta Law"}]
SITES = {
    "11": [{"siteid": "21", "name": "Main Office"}, {"siteid": "22", "name": "Branch"}],
    "12": [{"siteid": "23", "name": "HQ"}],
}
# siteid -> device type -> rows, as xmltodict gives them (every value a string).
DEVICES = {
    "21": {
        "server": [{"serverid": "101", "name": "PC", "os": "Windows Server 2022", "ip": "10.0.1.1", "online": "1"}],
        "workstation": [
            {"workstationid": "102", "name": "PC", "os": "Windows 11 Pro", "ip": "10.0.1.2", "online": "0"},
            {"workstationid": "103", "name": "PC_101", "os": "Windows 11 Pro", "ip": "10.0.1.3", "online": "1"},
        ],
    },
    "22": {
        "server": [{"serverid": "104", "name": "db01", "os": "Windows Server 2019", "ip": "10.0.2.1", "online": "1"}],
        "workstation": [{"workstationid": "105", "name": None, "os": "Windows 10 Pro", "ip": "10.0.2.2",
                         "online": "1"}],
    },
    "23": {
        "server": [{"serverid": "106", "name": "DB01", "os": "Windows Server 2016", "ip": "10.0.3.1", "online": "1"},
                   {"serverid": "108", "name": "law-fs", "os": "Windows Server 2022", "ip": "10.0.3.3",
                    "online": "1"}],
        "workstation": [{"workstationid": "107", "name": "localhost", "os": "Windows 11 Pro", "ip": "10.0.3.2",
                         "online": "0"}],
    },
}


def at_client(deviceid, name, mav="1"):
    """A list_devices_at_client device row as xmltodict gives it."""
    return {"id": str(deviceid), "name": name, "username": "NW\\user{0}".format(deviceid),
            "description": "device {0}".format(deviceid), "status": "ok",
            "checkcount": {"dsc_247": "2", "pass": "10", "clear": "0", "fail": "1"},
            "takecontrol": "1", "patch": "1", "mav": mav, "mob": "0", "systray": "1", "mavbreck": "0"}


# (clientid, device type) -> the <client> rows of list_devices_at_client: the same estate, sites nested in each
# client. One child is a dict and several a list, as xmltodict gives them; 102 and 107 have no MAV; client 12 has
# a site with no device, which list_sites does not list.
DEVICES_AT_CLIENT = {
    ("11", "server"): [{"id": "11", "name": "Alpha Dental", "site": [
        {"id": "22", "name": "Branch", "server": at_client(104, "db01")},
        {"id": "21", "name": "Main Office", "server": at_client(101, "PC")}]}],
    ("11", "workstation"): [{"id": "11", "name": "Alpha Dental", "site": [
        {"id": "22", "name": "Branch", "workstation": at_client(105, None)},
        {"id": "21", "name": "Main Office", "workstation": [at_client(102, "PC", mav="0"), at_client(103, "PC_101")]},
    ]}],
    ("12", "server"): [{"id": "12", "name": "Beta Law", "site": [
        {"id": "24", "name": "Empty"},
        {"id": "23", "name": "HQ", "server": [at_client(106, "DB01"), at_client(108, "law-fs")]}]}],
    ("12", "workstation"): [{"id": "12", "name": "Beta Law", "site": {
        "id": "23", "name": "HQ", "workstation": at_client(107, "localhost", mav="0")}}],
}
WITHOUT_MAV = {102, 107}
# Host name of each device id. 103 alone is PC_101, so 101 (a PC) gets PC_101_2; db01 and DB01 differ only in
# case; 105 has no name; localhost is never kept.
HOSTNAMES = {
    101: "PC_101_2", 102: "PC_102", 103: "PC_101", 104: "db01_104", 105: "device_105", 106: "DB01_106",
    107: "localhost_107", 108: "law-fs",
}


class FakeClient:
    """Stands in for NsightClient: answers rows() from the tables above and records what it was asked."""

    # Set per test (the fake_client fixture resets them): every client built, an exception to raise or rows to
    # answer instead of the tables' for a service, and whether to answer every listing in reverse order.
    created = []
    failures = {}
    replace = {}
    reverse = False
    budget = None
    on_call = None

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.calls = []
        self.closed = False
        self.warnings = []
        FakeClient.created.append(self)

    @property
    def call_count(self):
        return len(self.calls)

    def rows(self, service, container, row, **params):
        """(service, client or site id) is recorded, and the device type of list_devices_at_client."""
        self.calls.append((service, params.get("clientid") or params.get("siteid"))
                          + ((params["devicetype"],) if "devicetype" in params else ()))
        if self.budget is not None:
            self.budget.acquire()
        if self.on_call:
            self.on_call(self)
        assert container == "items"
        answer = self._answer(service, row, params)
        return list(reversed(answer)) if self.reverse else answer

    def _answer(self, service, row, params):
        if service in self.failures:
            raise self.failures[service]
        if service in self.replace:
            return self.replace[service]
        if service == "list_clients":
            assert row == "client"
            return [dict(item) for item in CLIENTS]
        if service == "list_sites":
            assert row == "site"
            return [dict(item) for item in SITES[str(params["clientid"])]]
        if service == "list_devices_at_client":
            assert row == "client"
            return copy.deepcopy(DEVICES_AT_CLIENT[(str(params["clientid"]), params["devicetype"])])
        device_type = {"list_servers": "server", "list_workstations": "workstation"}[service]
        assert row == device_type
        return [dict(item) for item in DEVICES[str(params["siteid"])][device_type]]

    def close(self):
        self.closed = True


@pytest.fixture
def plugin():
    return loaded_inventory_plugin("msp.antivirus.nsight")


@pytest.fixture
def fake_client(monkeypatch, plugin):
    """Every NsightClient the plugin builds is a FakeClient; yields the class (its .created lists the instances)."""
    monkeypatch.setattr(FakeClient, "created", [])
    monkeypatch.setattr(FakeClient, "failures", {})
    monkeypatch.setattr(FakeClient, "replace", {})
    monkeypatch.setattr(FakeClient, "reverse", False)
    monkeypatch.setattr(FakeClient, "budget", None)
    monkeypatch.setattr(FakeClient, "on_call", None)
    monkeypatch.setattr(sys.modules[type(plugin).__module__], "NsightClient", FakeClient)
    return FakeClient


@pytest.fixture
def parse(plugin, tmp_path):
    """parse(**options): write a source file with these options and parse it into a fresh InventoryData,
    which it returns (plugin.inventory is that one too, also after a failure)."""
    def run(**options):
        config = {"plugin": "msp.antivirus.nsight", "server": "www.systemmonitor.us", "api_key": API_KEY}
        config.update(options)
        config = dict((name, value) for name, value in config.items() if value is not None)  # None: leave it out
        path = tmp_path / "estate.nsight.yml"
        path.write_text(yaml.safe_dump(config))
        plugin.parse(InventoryData(), plugin.loader, str(path), cache=False)
        return plugin.inventory
    return run


def host_names(inventory):
    return set(inventory.hosts)


def members(inventory, group):
    return set(host.name for host in inventory.groups[group].get_hosts())


def nsight_vars(inventory, hostname):
    return dict((key, value) for key, value in inventory.get_host(hostname).vars.items() if key.startswith("nsight_"))


def device(deviceid, name, device_type="server", siteid=1):
    return {"deviceid": deviceid, "name": name, "device_type": device_type, "siteid": siteid}


def nsight_hostnames(devices):
    plugin = nsight_inventory.InventoryModule
    return hostnames(devices, plugin.device_id, plugin.device_order)


def named(devices):
    """{deviceid: host name} for the devices."""
    return dict(zip([item["deviceid"] for item in devices], nsight_hostnames(devices)))


# --------------------------------------------------------------------------- host names

@pytest.mark.parametrize("names, expected", [
    pytest.param([(1, "NW-DC01"), (2, "NW-FS01")], ["NW-DC01", "NW-FS01"], id="unique-names-kept"),
    pytest.param([(1, "RECEPTION-PC"), (2, "RECEPTION-PC"), (3, "NW-DC01")],
                 ["RECEPTION-PC_1", "RECEPTION-PC_2", "NW-DC01"], id="duplicates-get-their-id"),
    pytest.param([(8001, "PC"), (8002, "PC"), (8003, "PC_8001")], ["PC_8001_2", "PC_8002", "PC_8001"],
                 id="name-equals-a-disambiguated-name"),
    pytest.param([(1, "PC"), (2, "PC"), (3, "PC_1"), (4, "PC_1_2")], ["PC_1_3", "PC_2", "PC_1", "PC_1_2"],
                 id="first-fallback-taken-too"),
    pytest.param([(1, "PC"), (2, "PC"), (3, "PC_1"), (4, "PC_1")], ["PC_1", "PC_2", "PC_1_3", "PC_1_4"],
                 id="duplicated-disambiguated-name"),
    pytest.param([(1, "PC"), (2, "pc"), (3, "Pc_2")], ["PC_1", "pc_2_2", "Pc_2"], id="case-only"),
    pytest.param([(1, "PC 1"), (2, "PC/1"), (3, "PC_1")], ["PC_1_1", "PC_1_2", "PC_1_3"], id="equal-once-made-safe"),
    pytest.param([(5, ""), (6, None), (7, "   ")], ["device_5", "device_6", "device_7"], id="no-name"),
    pytest.param([(5, ""), (9, "device_5")], ["device_5_2", "device_5"], id="no-name-meets-its-default"),
    pytest.param([(5, None), (9, "device")], ["device_5", "device"], id="one-nameless-one-device"),
    pytest.param([(1, "localhost"), (2, "LocalHost"), (3, "127.0.0.1"), (4, "all"), (5, "ungrouped")],
                 ["localhost_1", "LocalHost_2", "127.0.0.1_3", "all_4", "ungrouped_5"], id="reserved"),
    pytest.param([(1, " PC "), (2, "SRV")], ["PC", "SRV"], id="trimmed"),
    pytest.param([(1, "PC"), (2, "PC\t")], ["PC_1", "PC_2"], id="equal-once-trimmed"),
    pytest.param([(1, u"Caf\u00e9"), (2, "Caf?"), (3, u"\u6771\u4eac")], ["Caf__1", "Caf__2", "__"],
                 id="non-ascii"),
    pytest.param([(7, "PC"), (7, "PC")], ["PC_7", "PC_7_2"], id="same-device-listed-twice"),
])
def test_hostnames_table(names, expected):
    assert nsight_hostnames([device(deviceid, name) for deviceid, name in names]) == expected


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_pc_pc_pc_8001_in_every_order(order):
    devices = [device(8001, "PC"), device(8002, "PC"), device(8003, "PC_8001")]
    assert named([devices[index] for index in order]) == {8001: "PC_8001_2", 8002: "PC_8002", 8003: "PC_8001"}


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_a_device_listed_twice_gets_the_same_names_in_every_order(order):
    """With unique ids no two fallbacks compete; a device id listed twice (as a server and a workstation) makes
    PC_7's second fallback meet the first choices of the PC_7 devices 2 and 3: device id order settles it."""
    devices = [device(7, "PC", "server"), device(7, "PC", "workstation"), device(2, "PC_7"), device(3, "PC_7")]
    listed = [devices[index] for index in order]
    names = dict(zip([(item["deviceid"], item["device_type"]) for item in listed], nsight_hostnames(listed)))
    assert names == {(2, "server"): "PC_7_2", (3, "server"): "PC_7_3", (7, "server"): "PC_7",
                     (7, "workstation"): "PC_7_4"}


def test_hostnames_never_collide_whatever_the_names():
    """Random estates from names built to collide: one host per device, no two names alike, any order."""
    generator = random.Random(8)
    stems = ["PC", "pc", "PC_1", "PC_2", "PC_1_2", "pc_3", "device", "device_4", "", None, "localhost", "PC 1"]
    for _estate in range(300):
        devices = [device(deviceid, generator.choice(stems)) for deviceid in generator.sample(range(1, 12), 8)]
        names = nsight_hostnames(devices)
        assert len(names) == len(devices)
        assert len(set(name.lower() for name in names)) == len(devices), (devices, names)
        assert all(re.match(r"^[A-Za-z0-9._-]+$", name) for name in names), names
        assert not set(name.lower() for name in names) & {"localhost", "127.0.0.1", "all", "ungrouped"}
        shuffled = list(devices)
        generator.shuffle(shuffled)
        assert named(shuffled) == named(devices)


# --------------------------------------------------------------------------- hosts, variables, groups

def test_one_host_per_device_with_its_variables(fake_client, parse):
    inventory = parse()
    assert host_names(inventory) == set(HOSTNAMES.values())
    for deviceid, hostname in HOSTNAMES.items():
        assert inventory.get_host(hostname).vars["nsight_deviceid"] == deviceid
    assert nsight_vars(inventory, "PC_101_2") == {
        "nsight_deviceid": 101, "nsight_name": "PC", "nsight_os": "Windows Server 2022", "nsight_ip": "10.0.1.1",
        "nsight_online": True, "nsight_device_type": "server", "nsight_client": "Alpha Dental",
        "nsight_clientid": 11, "nsight_site": "Main Office", "nsight_siteid": 21,
    }
    assert nsight_vars(inventory, "PC_102") == {
        "nsight_deviceid": 102, "nsight_name": "PC", "nsight_os": "Windows 11 Pro", "nsight_ip": "10.0.1.2",
        "nsight_online": False, "nsight_device_type": "workstation", "nsight_client": "Alpha Dental",
        "nsight_clientid": 11, "nsight_site": "Main Office", "nsight_siteid": 21,
    }
    assert inventory.get_host("device_105").vars["nsight_name"] is None
    assert inventory.get_host("localhost_107").vars["nsight_online"] is False
    # The device named localhost did not become the controller's localhost.
    assert inventory.localhost is None
    (client,) = fake_client.created
    assert client.closed
    # The connection options this source sets (or their defaults); other client settings may come beside them.
    wanted = {"server": "www.systemmonitor.us", "api_key": API_KEY, "timeout": 30, "retries": 3, "validate_certs": True}
    assert dict((name, client.kwargs.get(name)) for name in wanted) == wanted


def test_connection_options_reach_the_client(fake_client, parse, monkeypatch):
    monkeypatch.setenv("NSIGHT_API_KEY", "from-the-environment")
    parse(server="wwweurope1.systemmonitor.eu.com", api_key=None, timeout=7, retries=0, validate_certs=False)
    (client,) = fake_client.created
    wanted = {"server": "wwweurope1.systemmonitor.eu.com", "api_key": "from-the-environment", "timeout": 7,
              "retries": 0, "validate_certs": False}
    assert dict((name, client.kwargs.get(name)) for name in wanted) == wanted


def test_empty_environment_variables_count_as_not_set(fake_client, parse, monkeypatch):
    # AWX renders an optional input left empty as '': Ansible alone would read validate_certs '' as false.
    monkeypatch.setenv("NSIGHT_VALIDATE_CERTS", "")
    monkeypatch.setenv("NSIGHT_RATE_LIMIT", "")
    parse()
    (client,) = fake_client.created
    assert (client.kwargs["validate_certs"], client.kwargs["rate_limit"]) == (True, 60)


@pytest.mark.parametrize("walk", ["sites", "clients"])
def test_a_filter_item_that_matches_nothing_is_named_in_a_warning(fake_client, parse, shown, walk):
    parse(walk=walk, clients=["alpha dental", "Alpha Dentl", "99"], sites=["Main Office", "Mian Office"])
    assert shown.warnings == [
        "msp.antivirus.nsight: clients 'Alpha Dentl', '99' matched no client; check the spelling (names and ids are "
        "compared ignoring letter case).",
        "msp.antivirus.nsight: sites 'Mian Office' matched no site of the clients listed; check the spelling (names "
        "and ids are compared ignoring letter case)."]
    shown.warnings[:] = []
    parse(walk=walk, clients=["11"], sites=["21"])
    assert shown.warnings == []


def test_groups_per_client_and_site(fake_client, parse):
    inventory = parse()
    assert set(inventory.groups) == {"all", "ungrouped", "nsight_client_Alpha_Dental", "nsight_client_Beta_Law",
                                     "nsight_site_Alpha_Dental_Main_Office", "nsight_site_Alpha_Dental_Branch",
                                     "nsight_site_Beta_Law_HQ"}
    assert members(inventory, "nsight_client_Alpha_Dental") == {"PC_101_2", "PC_102", "PC_101", "db01_104",
                                                                "device_105"}
    assert members(inventory, "nsight_client_Beta_Law") == {"DB01_106", "localhost_107", "law-fs"}
    assert members(inventory, "nsight_site_Alpha_Dental_Main_Office") == {"PC_101_2", "PC_102", "PC_101"}
    assert members(inventory, "nsight_site_Alpha_Dental_Branch") == {"db01_104", "device_105"}
    assert members(inventory, "nsight_site_Beta_Law_HQ") == {"DB01_106", "localhost_107", "law-fs"}
    assert members(inventory, "ungrouped") == set()


def test_names_are_the_same_whatever_the_listing_order(fake_client, parse):
    first = dict((host.vars["nsight_deviceid"], name) for name, host in parse().hosts.items())
    fake_client.reverse = True
    second = dict((host.vars["nsight_deviceid"], name) for name, host in parse().hosts.items())
    assert [call for call in fake_client.created[1].calls if call[0] == "list_clients"] == [("list_clients", None)]
    assert second == first == HOSTNAMES


# --------------------------------------------------------------------------- filters

def test_clients_filter_by_name_in_any_case_and_by_id(fake_client, parse):
    inventory = parse(clients=["alpha DENTAL"])
    assert set(host.vars["nsight_clientid"] for host in inventory.hosts.values()) == {11}
    # Without Beta Law's DB01, db01 is unique again; 101 still meets PC_101.
    assert host_names(inventory) == {"PC_101_2", "PC_102", "PC_101", "db01", "device_105"}
    (client,) = fake_client.created
    assert sorted(client.calls, key=str) == sorted([
        ("list_clients", None), ("list_sites", 11),
        ("list_servers", 21), ("list_workstations", 21), ("list_servers", 22), ("list_workstations", 22),
    ], key=str)


def test_clients_filter_by_id(fake_client, parse):
    inventory = parse(clients=["12"])
    assert host_names(inventory) == {"DB01", "localhost_107", "law-fs"}
    (client,) = fake_client.created
    assert [call for call in client.calls if call[0] == "list_sites"] == [("list_sites", 12)]


def test_sites_filter_by_name_and_id(fake_client, parse):
    inventory = parse(sites=["branch", "23"])
    assert set(host.vars["nsight_siteid"] for host in inventory.hosts.values()) == {22, 23}
    assert host_names(inventory) == {"db01_104", "device_105", "DB01_106", "localhost_107", "law-fs"}
    (client,) = fake_client.created
    listed = sorted(site for service, site in client.calls if service in ("list_servers", "list_workstations"))
    assert listed == [22, 22, 23, 23]


def test_device_types_filter(fake_client, parse):
    inventory = parse(device_types=["server"])
    assert host_names(inventory) == {"PC", "db01_104", "DB01_106", "law-fs"}
    assert all(host.vars["nsight_device_type"] == "server" for host in inventory.hosts.values())
    (client,) = fake_client.created
    assert not [call for call in client.calls if call[0] == "list_workstations"]


def test_unknown_device_type_is_refused(fake_client, parse):
    with pytest.raises(AnsibleError, match="device_types"):
        parse(device_types=["mobile"])
    assert fake_client.created == []


# --------------------------------------------------------------------------- constructed

def test_compose_groups_and_keyed_groups(fake_client, parse):
    inventory = parse(
        compose={"ansible_host": "nsight_ip", "label": "nsight_client ~ '/' ~ nsight_site", "broken": "nope.bar"},
        groups={"offline": "not nsight_online", "fileservers": "'fs' in (nsight_name or '')"},
        keyed_groups=[{"key": "nsight_device_type", "prefix": "type"},
                      {"key": "nsight_clientid | string", "prefix": "client"}])
    assert inventory.get_host("PC_101_2").vars["ansible_host"] == "10.0.1.1"
    assert inventory.get_host("law-fs").vars["ansible_host"] == "10.0.3.3"
    assert inventory.get_host("device_105").vars["label"] == "Alpha Dental/Branch"
    assert not any("broken" in host.vars for host in inventory.hosts.values())  # not strict: skipped
    assert members(inventory, "offline") == {"PC_102", "localhost_107"}
    assert members(inventory, "fileservers") == {"law-fs"}
    assert members(inventory, "type_server") == {"PC_101_2", "db01_104", "DB01_106", "law-fs"}
    assert members(inventory, "type_workstation") == {"PC_102", "PC_101", "device_105", "localhost_107"}
    assert members(inventory, "client_11") == members(inventory, "nsight_client_Alpha_Dental")
    assert members(inventory, "client_12") == {"DB01_106", "localhost_107", "law-fs"}


def test_strict_makes_a_bad_expression_fail(fake_client, parse):
    with pytest.raises(AnsibleError, match="nope"):
        parse(strict=True, compose={"broken": "nope.bar"})


def test_strict_keyed_group_on_a_missing_variable_fails(fake_client, parse):
    with pytest.raises(AnsibleError, match="nsight_missing"):
        parse(strict=True, keyed_groups=[{"key": "nsight_missing", "prefix": "x"}])


def test_not_strict_keyed_group_on_a_missing_variable_is_skipped(fake_client, parse):
    inventory = parse(strict=False, keyed_groups=[{"key": "nsight_missing", "prefix": "x"}])
    assert not [group for group in inventory.groups if group.startswith("x_")]
    assert len(inventory.hosts) == len(HOSTNAMES)


# --------------------------------------------------------------------------- errors

def assert_plain_parser_error(error):
    """What Ansible shows is the message alone: no exception chained to it."""
    assert isinstance(error, AnsibleParserError)
    assert error.__cause__ is None and error.__context__ is None


def test_option_error_from_building_the_client(fake_client, monkeypatch, parse, plugin):
    def refuse(**_kwargs):
        raise InvalidOptionError("server 'https://a..b' is not a host or a base URL: give a value such as "
                                 "www.systemmonitor.us.")
    monkeypatch.setattr(sys.modules[type(plugin).__module__], "NsightClient", refuse)
    with pytest.raises(AnsibleParserError) as caught:
        parse(server="a..b")
    assert str(caught.value).startswith("The N-sight inventory source cannot be used, so no host of it was added: "
                                        "server 'https://a..b' is not a host or a base URL")
    assert "listing row" not in str(caught.value)
    assert_plain_parser_error(caught.value)
    assert plugin.inventory.hosts == {}


def test_option_error_never_shows_the_key(fake_client, monkeypatch, parse, plugin):
    def refuse(**_kwargs):
        raise InvalidOptionError("server 'https://h/api/?apikey={0}&x=1' takes no query string; {0}".format(API_KEY))
    monkeypatch.setattr(sys.modules[type(plugin).__module__], "NsightClient", refuse)
    with pytest.raises(AnsibleParserError) as caught:
        parse()
    message = str(caught.value)
    assert API_KEY not in message and API_KEY[:12] not in message
    assert "apikey=********&x=1" in message


def test_timeout_is_checked_before_any_client(fake_client, parse):
    with pytest.raises(AnsibleParserError) as caught:
        parse(timeout=0)
    assert "The N-sight inventory source cannot be used" in str(caught.value)
    assert "timeout must be a positive number of seconds, got 0" in str(caught.value)
    assert fake_client.created == []


def test_api_error_fails_the_whole_walk(fake_client, parse, plugin):
    fake_client.failures["list_sites"] = NsightApiError("N-sight refused list_sites with error 3 (Login failed). "
                                                        "Check api_key.")
    with pytest.raises(AnsibleParserError) as caught:
        parse()
    assert str(caught.value) == ("The N-sight inventory walk failed, so no host of this source was added: N-sight "
                                 "refused list_sites with error 3 (Login failed). Check api_key.")
    assert_plain_parser_error(caught.value)
    assert plugin.inventory.hosts == {}
    (client,) = fake_client.created
    assert client.closed


@pytest.mark.parametrize("service, rows, shown", [
    ("list_servers", [{"name": "x", "online": "1"}], "serverid: missing"),
    ("list_servers", [{"serverid": "abc", "name": "x"}], "serverid: 'abc'"),
    ("list_workstations", [{"workstationid": None, "name": "x"}], "workstationid: missing"),
    ("list_sites", [{"siteid": "2x", "name": "Main Office"}], "siteid: '2x'"),
    ("list_clients", [{"name": "Alpha Dental"}], "clientid: missing"),
])
def test_row_without_a_usable_id(fake_client, parse, plugin, service, rows, shown):
    fake_client.replace[service] = rows
    with pytest.raises(AnsibleParserError) as caught:
        parse()
    assert str(caught.value) == (
        "The N-sight inventory walk failed, so no host of this source was added: N-sight answered {0} with a "
        "listing row without a usable id ({1}). Check that server is the N-sight API host.".format(service, shown))
    assert_plain_parser_error(caught.value)
    assert plugin.inventory.hosts == {}


def test_a_row_the_filter_skips_needs_no_id(fake_client, parse):
    fake_client.replace["list_clients"] = [{"name": "No Id Ltd"}] + [dict(item) for item in CLIENTS]
    inventory = parse(clients=["Beta Law"])
    assert host_names(inventory) == {"DB01", "localhost_107", "law-fs"}


def test_other_errors_are_not_called_a_listing_row(fake_client, parse):
    """Only the row conversion reports a row without an id: a bug elsewhere keeps its own exception."""
    fake_client.failures["list_sites"] = ValueError("a bug, not a row")
    with pytest.raises(ValueError, match="a bug, not a row"):
        parse()
    assert fake_client.created[0].closed


def test_missing_library_is_named(fake_client, monkeypatch, parse, plugin):
    monkeypatch.setattr(sys.modules[type(plugin).__module__], "missing_libraries", lambda params: ["xmltodict"])
    with pytest.raises(AnsibleParserError, match="needs the Python library xmltodict on the controller: "
                                                 "pip install xmltodict"):
        parse()
    assert fake_client.created == []


@pytest.mark.parametrize("name, valid", [
    ("estate.nsight.yml", True), ("nsight.yaml", True), ("estate.yml", False), ("nsight.yml.bak", False),
])
def test_verify_file(plugin, tmp_path, name, valid):
    path = tmp_path / name
    path.write_text("plugin: msp.antivirus.nsight\n")
    assert plugin.verify_file(str(path)) is valid


# --------------------------------------------------------------------------- the client walk

class DisplayRecorder:
    """Stands in for the plugin's Display: records warnings, -v lines and lines shown (with their stream)."""

    def __init__(self):
        self.warnings = []
        self.verbose = []
        self.shown = []

    def warning(self, message):
        self.warnings.append(message)

    def v(self, message):
        self.verbose.append(message)

    def display(self, message, stderr=False):
        self.shown.append((message, stderr))


@pytest.fixture
def shown(monkeypatch):
    recorder = DisplayRecorder()
    monkeypatch.setattr(nsight_inventory, "display", recorder)
    monkeypatch.setattr(device_inventory, "display", recorder)  # the cost line and the client's warnings
    return recorder


def client_walk_calls(clients=("11", "12"), types=("server", "workstation")):
    return [("list_clients", None)] + [("list_devices_at_client", int(client), kind)
                                       for client in clients for kind in types]


def test_client_walk_hosts_variables_and_calls(fake_client, parse, shown):
    inventory = parse(walk="clients")
    assert host_names(inventory) == set(HOSTNAMES.values())
    for deviceid, hostname in HOSTNAMES.items():
        assert inventory.get_host(hostname).vars["nsight_deviceid"] == deviceid
    assert nsight_vars(inventory, "PC_101_2") == {
        "nsight_deviceid": 101, "nsight_name": "PC", "nsight_device_type": "server", "nsight_client": "Alpha Dental",
        "nsight_clientid": 11, "nsight_site": "Main Office", "nsight_siteid": 21, "nsight_username": "NW\\user101",
        "nsight_description": "device 101", "nsight_status": "ok",
        "nsight_checkcount": {"dsc_247": 2, "pass": 10, "clear": 0, "fail": 1},
        "nsight_mav": True, "nsight_patch": True, "nsight_takecontrol": True, "nsight_mob": False,
        "nsight_systray": True, "nsight_mavbreck": False,
    }
    assert inventory.get_host("PC_102").vars["nsight_mav"] is False
    assert inventory.get_host("device_105").vars["nsight_site"] == "Branch"
    assert inventory.get_host("localhost_107").vars["nsight_siteid"] == 23
    (client,) = fake_client.created
    assert sorted(client.calls, key=str) == sorted(client_walk_calls(), key=str)
    assert client.closed
    assert shown.verbose == ["msp.antivirus.nsight: the clients walk cost 5 N-sight call(s); enable cache to reuse it."]


def test_both_walks_make_the_same_hosts_and_groups(fake_client, parse):
    by_sites, by_clients = parse(), parse(walk="clients")
    assert set(by_clients.groups) == set(by_sites.groups)
    for group in by_sites.groups:
        assert members(by_clients, group) == members(by_sites, group), group
    for name, host in by_clients.hosts.items():
        common = set(nsight_vars(by_clients, name)) & set(nsight_vars(by_sites, name))
        assert common == {"nsight_deviceid", "nsight_name", "nsight_device_type", "nsight_client", "nsight_clientid",
                          "nsight_site", "nsight_siteid"}
        assert dict((key, host.vars[key]) for key in common) == dict(
            (key, by_sites.get_host(name).vars[key]) for key in common)


def test_client_walk_has_no_os_ip_or_online(fake_client, parse):
    inventory = parse(walk="clients")
    for host in inventory.hosts.values():
        assert not {"nsight_os", "nsight_ip", "nsight_online"} & set(host.vars)


def test_client_walk_filters(fake_client, parse):
    inventory = parse(walk="clients", clients=["ALPHA dental"], device_types=["workstation"])
    # 102 is the only PC listed, so it keeps its name.
    assert host_names(inventory) == {"PC", "PC_101", "device_105"}
    (client,) = fake_client.created
    assert client.calls == client_walk_calls(clients=("11",), types=("workstation",))


def test_client_walk_sites_filter_by_name_and_id(fake_client, parse):
    inventory = parse(walk="clients", sites=["branch", "23"])
    assert set(host.vars["nsight_siteid"] for host in inventory.hosts.values()) == {22, 23}
    assert host_names(inventory) == {"db01_104", "device_105", "DB01_106", "localhost_107", "law-fs"}
    # The site filter costs no call: every client is listed, its other sites are skipped.
    assert sorted(fake_client.created[0].calls, key=str) == sorted(client_walk_calls(), key=str)


def test_client_walk_a_site_the_filter_skips_needs_no_id(fake_client, parse):
    fake_client.replace["list_devices_at_client"] = [{"id": "11", "name": "Alpha Dental", "site": [
        {"name": "No Id", "server": at_client(109, "x")},
        {"id": "21", "name": "Main Office", "server": at_client(101, "PC")}]}]
    inventory = parse(walk="clients", clients=["11"], sites=["21"], device_types=["server"])
    assert host_names(inventory) == {"PC"}


@pytest.mark.parametrize("answer, hosts", [
    pytest.param([], set(), id="no-client-element"),
    pytest.param([{"id": "11", "name": "Alpha Dental"}], set(), id="client-with-no-site"),
    pytest.param([{"id": "11", "name": "Alpha Dental", "site": {"id": "21", "name": "Main Office"}}], set(),
                 id="site-with-no-device"),
    pytest.param([{"id": "11", "name": "Alpha Dental", "site": {"id": "21", "name": "Main Office", "server": None}}],
                 set(), id="empty-device-element"),
    pytest.param([{"id": "11", "name": "Alpha Dental",
                   "site": [None, {"id": "21", "name": "Main Office", "server": at_client(101, "PC")}]}],
                 {"PC"}, id="empty-site-element"),
    pytest.param([{"id": "11", "name": "Alpha Dental", "site": {"id": "21", "name": "Main Office",
                                                                "server": [at_client(101, "PC"),
                                                                           at_client(104, "db01")]}}],
                 {"PC", "db01"}, id="one-site-as-a-dict"),
])
def test_client_walk_nested_shapes(fake_client, parse, answer, hosts):
    fake_client.replace["list_devices_at_client"] = answer
    inventory = parse(walk="clients", clients=["11"], device_types=["server"])
    assert host_names(inventory) == hosts


def test_client_walk_values_as_given(fake_client, parse):
    """CDATA text arrives as plain strings; counts that are not numbers, and flags that are absent or not 1."""
    row = dict(at_client(101, "PC <Lab> & Co"), description="<![CDATA[ignored]]>", status="OK, 2 checks failing",
               checkcount={"dsc_247": "n/a", "pass": "3"}, patch="yes", mob=None)
    del row["systray"]
    fake_client.replace["list_devices_at_client"] = [
        {"id": "11", "name": "Alpha Dental", "site": {"id": "21", "name": "Main Office", "server": row}}]
    inventory = parse(walk="clients", clients=["11"], device_types=["server"])
    (host,) = inventory.hosts.values()
    assert host.name == "PC__Lab____Co"
    assert host.vars["nsight_name"] == "PC <Lab> & Co"
    assert host.vars["nsight_status"] == "OK, 2 checks failing"
    assert host.vars["nsight_checkcount"] == {"dsc_247": "n/a", "pass": 3, "clear": None, "fail": None}
    assert (host.vars["nsight_patch"], host.vars["nsight_mob"], host.vars["nsight_systray"]) == (False, False, False)


def test_client_walk_checkcount_missing(fake_client, parse):
    row = at_client(101, "PC")
    row["checkcount"] = None
    fake_client.replace["list_devices_at_client"] = [
        {"id": "11", "name": "Alpha Dental", "site": {"id": "21", "name": "Main Office", "server": row}}]
    inventory = parse(walk="clients", clients=["11"], device_types=["server"])
    assert inventory.get_host("PC").vars["nsight_checkcount"] == {"dsc_247": None, "pass": None, "clear": None,
                                                                  "fail": None}


@pytest.mark.parametrize("site, shown", [
    pytest.param({"name": "Main Office", "server": at_client(101, "PC")}, "id: missing", id="site-without-id"),
    pytest.param({"id": "21", "name": "Main Office", "server": dict(at_client(101, "PC"), id="x1")}, "id: 'x1'",
                 id="device-with-a-bad-id"),
    pytest.param({"id": "21", "name": "Main Office", "server": dict(at_client(101, "PC"), id=None)}, "id: missing",
                 id="device-without-id"),
])
def test_client_walk_row_without_a_usable_id(fake_client, parse, plugin, site, shown):
    fake_client.replace["list_devices_at_client"] = [{"id": "11", "name": "Alpha Dental", "site": site}]
    with pytest.raises(AnsibleParserError) as caught:
        parse(walk="clients")
    assert str(caught.value) == (
        "The N-sight inventory walk failed, so no host of this source was added: N-sight answered "
        "list_devices_at_client with a listing row without a usable id ({0}). Check that server is the N-sight API "
        "host.".format(shown))
    assert plugin.inventory.hosts == {}


def test_client_walk_api_error_fails_the_whole_walk(fake_client, parse, plugin):
    fake_client.failures["list_devices_at_client"] = NsightApiError("N-sight refused list_devices_at_client with "
                                                                    "error 4 (Invalid value for parameter: clientid).")
    with pytest.raises(AnsibleParserError, match="refused list_devices_at_client with error 4"):
        parse(walk="clients")
    assert plugin.inventory.hosts == {}


# --------------------------------------------------------------------------- mav_only

def test_mav_only_in_the_client_walk_costs_no_call(fake_client, parse, shown):
    inventory = parse(walk="clients", mav_only=True)
    assert set(host.vars["nsight_deviceid"] for host in inventory.hosts.values()) == set(HOSTNAMES) - WITHOUT_MAV
    assert all(host.vars["nsight_mav"] is True for host in inventory.hosts.values())
    # 101 and 103 no longer meet 102 (PC): host names are those of the devices listed.
    assert host_names(inventory) == {"PC", "PC_101", "db01_104", "device_105", "DB01_106", "law-fs"}
    assert sorted(fake_client.created[0].calls, key=str) == sorted(client_walk_calls(), key=str)
    assert shown.warnings == []
    assert shown.verbose == ["msp.antivirus.nsight: the clients mav_only walk cost 5 N-sight call(s); enable cache "
                             "to reuse it."]


def test_mav_only_in_the_site_walk_asks_the_client_listing(fake_client, parse, shown):
    inventory = parse(mav_only=True)
    assert set(host.vars["nsight_deviceid"] for host in inventory.hosts.values()) == set(HOSTNAMES) - WITHOUT_MAV
    assert nsight_vars(inventory, "PC") == {
        "nsight_deviceid": 101, "nsight_name": "PC", "nsight_os": "Windows Server 2022", "nsight_ip": "10.0.1.1",
        "nsight_online": True, "nsight_device_type": "server", "nsight_client": "Alpha Dental",
        "nsight_clientid": 11, "nsight_site": "Main Office", "nsight_siteid": 21, "nsight_mav": True,
    }
    (client,) = fake_client.created
    site_walk = [("list_clients", None), ("list_sites", 11), ("list_sites", 12)] + [
        ("list_%ss" % kind, site) for site in (21, 22, 23) for kind in ("server", "workstation")]
    assert sorted(client.calls, key=str) == sorted(site_walk + client_walk_calls()[1:], key=str)
    assert shown.warnings == []
    assert shown.verbose == ["msp.antivirus.nsight: the sites mav_only walk cost 13 N-sight call(s); enable cache "
                             "to reuse it."]


def test_mav_only_in_the_site_walk_lists_only_clients_with_devices(fake_client, parse):
    inventory = parse(mav_only=True, sites=["HQ"], device_types=["server"])
    assert host_names(inventory) == {"DB01", "law-fs"}
    mav_calls = [call for call in fake_client.created[0].calls if call[0] == "list_devices_at_client"]
    assert mav_calls == [("list_devices_at_client", 12, "server")]


def test_mav_only_in_the_site_walk_leaves_out_a_device_not_listed(fake_client, parse, shown):
    fake_client.replace["list_devices_at_client"] = [{"id": "11", "name": "Alpha Dental", "site": [
        {"id": "21", "name": "Main Office", "workstation": [at_client(102, "PC", mav="0"), at_client(103, "PC_101")]},
        # A server's id listed as a workstation is not that server.
        {"id": "22", "name": "Branch", "workstation": at_client(104, "db01")}]}]
    inventory = parse(mav_only=True, clients=["11"])
    assert host_names(inventory) == {"PC_101"}
    assert shown.warnings == [
        "msp.antivirus.nsight: mav_only left out 3 device(s) that list_devices_at_client did not list, so whether "
        "they have Managed Antivirus is not known (device ids 101, 104, 105)."]


def test_without_mav_only_the_site_walk_has_no_mav_variable(fake_client, parse):
    inventory = parse()
    assert not any("nsight_mav" in host.vars for host in inventory.hosts.values())
    assert not [call for call in fake_client.created[0].calls if call[0] == "list_devices_at_client"]


def test_groups_on_nsight_mav_instead_of_mav_only(fake_client, parse):
    inventory = parse(walk="clients", groups={"no_mav": "not nsight_mav"},
                      keyed_groups=[{"key": "nsight_mav | string", "prefix": "mav"}])
    assert members(inventory, "no_mav") == {"PC_102", "localhost_107"}
    assert members(inventory, "mav_False") == {"PC_102", "localhost_107"}
    assert len(members(inventory, "mav_True")) == len(HOSTNAMES) - 2


# --------------------------------------------------------------------------- cache, progress

def test_each_walk_has_its_own_cache_key(fake_client, parse, plugin, tmp_path):
    keys = set()
    for options in ({}, {"walk": "clients"}, {"mav_only": True}, {"walk": "clients", "mav_only": True}):
        parse(**options)
        keys.add(plugin.get_cache_key(str(tmp_path / "estate.nsight.yml")))
    assert len(keys) == 4


def test_a_cached_client_walk_makes_the_same_hosts(fake_client, parse, plugin, tmp_path):
    config = {"plugin": "msp.antivirus.nsight", "server": "www.systemmonitor.us", "api_key": API_KEY,
              "walk": "clients", "cache": True, "cache_plugin": "ansible.builtin.jsonfile",
              "cache_connection": str(tmp_path / "cache"), "cache_timeout": 3600}
    path = tmp_path / "cached.nsight.yml"
    path.write_text(yaml.safe_dump(config))
    plugin.parse(InventoryData(), plugin.loader, str(path), cache=False)
    first = dict((name, nsight_vars(plugin.inventory, name)) for name in plugin.inventory.hosts)
    plugin.update_cache_if_changed()  # as ansible-inventory does after each source
    plugin.parse(InventoryData(), plugin.loader, str(path), cache=True)
    second = dict((name, nsight_vars(plugin.inventory, name)) for name in plugin.inventory.hosts)
    assert len(fake_client.created) == 1
    assert second == first and second["PC_101_2"]["nsight_checkcount"]["pass"] == 10


class WaitingBudget:
    """A CallBudget whose every slot takes a second of waiting; a walk of 100 calls takes about 100 s."""

    limit = 60

    def __init__(self):
        self.waited = 0.0

    def acquire(self):
        self.waited += 1.0

    def seconds_waited(self):
        return self.waited

    def seconds_until(self, calls):
        return float(calls)


def test_progress_lines_on_stderr_while_the_walk_waits(fake_client, parse, shown, monkeypatch):
    """The timer is fired by hand after the third call; the walk's stages and counts are in the line."""
    timers = []

    def timer(interval, function):
        timers.append(FakeTimer(interval, function))
        return timers[-1]

    budget = WaitingBudget()
    monkeypatch.setattr(nsight_inventory, "WalkProgress", functools.partial(
        walk_progress.WalkProgress, timer=timer))
    fake_client.budget = budget
    fake_client.on_call = staticmethod(lambda client: timers[-1].function() if client.call_count == 3 else None)
    parse(walk="clients", clients=["11"])
    assert shown.shown == [
        ("msp.antivirus.nsight: waiting for the N-sight call budget (60 calls a minute): clients 0/1 done, 0 devices "
         "so far, about 2 s of calls left.", True)]
    assert timers[0].interval == 30 and timers[-1].cancelled


def test_no_progress_without_pacing(fake_client, parse, shown):
    parse(walk="clients")
    assert shown.shown == []


class FakeTimer:
    def __init__(self, interval, function):
        self.interval = interval
        self.function = function
        self.daemon = False
        self.cancelled = False

    def start(self):
        pass

    def cancel(self):
        self.cancelled = True
