# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The msp.antivirus.wfbss inventory plugin on an InventoryData, with a fake WFBSS client (no network).

The plugin is loaded through Ansible's inventory loader, so that its options are the documented ones, and
parses a real ``*.wfbss.yml`` file, as ansible-inventory would.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys
import threading

import pytest
import yaml

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData

from ansible_collections.msp.antivirus.plugins.inventory import wfbss as wfbss_inventory
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    ResponseParseError,
    WfbssApiError,
)
from ansible_collections.msp.antivirus.plugins.plugin_utils import device_inventory
from ansible_collections.msp.antivirus.tests.unit.helpers.inventory_plugin import loaded_inventory_plugin

ACCESS_TOKEN = "8be8f9e2-c82d-454b-90e3-744a6e74f664"
SECRET_KEY = "unit-wfbss-Secret+/=3e9f27c1"
DEVICE_GROUP = {"type": 1, "id": 1, "name": "Device (Default)"}
SERVER_GROUP = {"type": 2, "id": 2, "name": "Server (Default)"}


def guid(number):
    return "640FE47F-5118-4D79-8221-%012X" % number


def cid(number):
    return "%032x" % number


# The estate the fake client answers: 24 customers in the customers listing's order (3 batches of at most 10).
# Alpha and Beta both have a RECEPTION; Alpha's laptop is in group 7, which customers/groups does not list;
# Gamma has no computer; Filler 24 (in the third batch) has one.
NAMED_CUSTOMERS = [{"id": guid(1), "name": "Alpha Dental"}, {"id": guid(2), "name": "Beta Law"},
                   {"id": guid(3), "name": "Gamma"}]
CUSTOMERS = NAMED_CUSTOMERS + [{"id": guid(number), "name": "Filler %02d" % number} for number in range(4, 25)]
COMPUTERS = {
    guid(1): [
        {"ipaddr": "97.0.168.192", "gid": 1, "type": 1, "name": "RECEPTION", "cid": cid(0xa1)},
        {"ipaddr": "10.0.168.192", "gid": 2, "type": 2, "name": "ALPHA-DC01", "cid": cid(0xa2)},
        {"ipaddr": "11.0.168.192", "gid": 7, "type": 1, u"name": u"B\u00fcro Laptop", "cid": cid(0xa3)},
    ],
    guid(2): [
        {"ipaddr": "21.0.2.10", "gid": 1, "type": 1, "name": "RECEPTION", "cid": cid(0xb1)},
        {"ipaddr": "22.0.2.10", "gid": 2, "type": 2, "name": "localhost", "cid": cid(0xb2)},
    ],
    guid(24): [{"ipaddr": "1.24.16.172", "gid": 1, "type": 1, "name": "F24-PC", "cid": cid(0xf24)}],
}
# Host name of each computer's cid: RECEPTION twice (name_cid), localhost never kept, the laptop made safe.
HOSTNAMES = {
    cid(0xa1): "RECEPTION_" + cid(0xa1), cid(0xa2): "ALPHA-DC01", cid(0xa3): "B_ro_Laptop",
    cid(0xb1): "RECEPTION_" + cid(0xb1), cid(0xb2): "localhost_" + cid(0xb2), cid(0xf24): "F24-PC",
}


class FakeClient:
    """Stands in for WfbssClient: answers from the tables above and records what it was asked."""

    # Set per test (the fake_client fixture resets them): every client built, an exception to raise or an answer
    # to give instead of the tables' per method, and whether to answer every listing in reverse order.
    created = []
    failures = {}
    replace = {}
    reverse = False

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.calls = []
        self.closed = False
        self.warnings = []
        self.transport = type("Transport", (), {"attempts": 0})()
        self._lock = threading.Lock()
        FakeClient.created.append(self)

    def _call(self, method, cids=None):
        with self._lock:
            self.calls.append((method, tuple(cids) if cids is not None else None))
            self.transport.attempts += 1
        if method in self.failures:
            raise self.failures[method]

    def _answer(self, method, rows):
        rows = self.replace.get(method, rows)
        return list(reversed(rows)) if self.reverse else rows

    def customers(self):
        self._call("customers")
        return self._answer("customers", [dict(row) for row in CUSTOMERS])

    def computers(self, cids):
        self._call("computers", cids)
        assert 1 <= len(cids) <= 10
        # As the emulator does: a customer without computers has no entry.
        entries = [{"id": customer_id, "eid": guid(900), "total": len(COMPUTERS[customer_id]),
                    "computers": self._answer("rows", [dict(row) for row in COMPUTERS[customer_id]])}
                   for customer_id in cids if customer_id in COMPUTERS]
        return self._answer("computers", entries)

    def customer_groups(self, cids):
        self._call("customer_groups", cids)
        assert 1 <= len(cids) <= 10
        return self._answer("customer_groups", [{"id": customer_id, "groups": [dict(DEVICE_GROUP), dict(SERVER_GROUP)]}
                                                for customer_id in cids])

    def close(self):
        self.closed = True


@pytest.fixture
def plugin():
    return loaded_inventory_plugin("msp.antivirus.wfbss")


@pytest.fixture
def fake_client(monkeypatch, plugin):
    """Every WfbssClient the plugin builds is a FakeClient; yields the class (its .created lists the instances)."""
    monkeypatch.setattr(FakeClient, "created", [])
    monkeypatch.setattr(FakeClient, "failures", {})
    monkeypatch.setattr(FakeClient, "replace", {})
    monkeypatch.setattr(FakeClient, "reverse", False)
    monkeypatch.setattr(sys.modules[type(plugin).__module__], "WfbssClient", FakeClient)
    for name in ("WFBSS_URL", "WFBSS_ACCESS_TOKEN", "WFBSS_SECRET_KEY", "WFBSS_API_VERSION", "WFBSS_VALIDATE_CERTS",
                 "WFBSS_USER_AGENT"):
        monkeypatch.delenv(name, raising=False)
    return FakeClient


@pytest.fixture
def parse(plugin, tmp_path):
    """parse(use_cache=True, **options): write a source file with these options (None: left out) and parse it into
    a fresh InventoryData, as ansible-inventory does (use_cache False: as with --flush-cache); returns that
    InventoryData (plugin.inventory is that one too, also after a failure)."""
    def run(use_cache=True, **options):
        config = {"plugin": "msp.antivirus.wfbss", "url": "https://cspi.trendmicro.com", "access_token": ACCESS_TOKEN,
                  "secret_key": SECRET_KEY}
        config.update(options)
        config = dict((name, value) for name, value in config.items() if value is not None)
        path = tmp_path / "estate.wfbss.yml"
        path.write_text(yaml.safe_dump(config))
        plugin.parse(InventoryData(), plugin.loader, str(path), cache=use_cache)
        if options.get("cache"):
            plugin.update_cache_if_changed()  # as ansible-inventory does after parse
        return plugin.inventory
    return run


def host_names(inventory):
    return set(inventory.hosts)


def members(inventory, group):
    return set(host.name for host in inventory.groups[group].get_hosts())


def wfbss_vars(inventory, hostname):
    return dict((key, value) for key, value in inventory.get_host(hostname).vars.items() if key.startswith("wfbss_"))


def by_cid(inventory):
    return dict((host.vars["wfbss_cid"], name) for name, host in inventory.hosts.items())


# --------------------------------------------------------------------------- small functions

def test_device_record_takes_the_documented_fields_and_the_group_name():
    computer = {"ipaddr": "97.0.168.192", "gid": 1, "type": 1, "name": "Computer_031b", "cid": "031b1d0e"}
    names = {(guid(1).upper(), "1"): "Device (Default)"}
    customer = {"id": guid(1).lower(), "name": "Acme Corp"}
    assert wfbss_inventory.device_record(computer, customer, names) == {
        "cid": "031b1d0e", "customer": "Acme Corp", "customer_id": guid(1).lower(), "gid": 1,
        "group": "Device (Default)", "name": "Computer_031b", "ipaddr": "97.0.168.192", "type": 1,
    }
    assert wfbss_inventory.device_record(dict(computer, gid=9), customer, names)["group"] is None


def test_group_names_per_customer_and_gid():
    entries = [{"id": guid(1), "groups": [dict(DEVICE_GROUP), {"id": "2", "name": "Servers"}, {"name": "no id"},
                                          "not a group"]},
               {"id": guid(2).lower(), "groups": [dict(SERVER_GROUP)]},
               {"groups": [dict(DEVICE_GROUP)]}, {"id": guid(3)}]
    assert wfbss_inventory.group_names(entries) == {
        (guid(1), "1"): "Device (Default)", (guid(1), "2"): "Servers", (guid(2), "2"): "Server (Default)"}


@pytest.mark.parametrize("value", [None, "", "  ", 17, ["x"]])
def test_listed_id_refuses_what_is_not_an_id(value):
    with pytest.raises(ResponseParseError, match="WFBSS answered customers/computers with a computer without a "
                                                 "usable cid"):
        wfbss_inventory.listed_id(value, "customers/computers", "computer", "cid")


def test_group_label_falls_back_to_the_gid():
    assert wfbss_inventory.group_label({"group": "Servers", "gid": 2}) == "Servers"
    assert wfbss_inventory.group_label({"group": None, "gid": 7}) == 7
    assert wfbss_inventory.group_label({"group": None, "gid": None}) is None


# --------------------------------------------------------------------------- hosts, variables, groups

def test_one_host_per_computer_with_its_variables(fake_client, parse):
    inventory = parse()
    assert by_cid(inventory) == HOSTNAMES
    assert wfbss_vars(inventory, "RECEPTION_" + cid(0xa1)) == {
        "wfbss_cid": cid(0xa1), "wfbss_customer": "Alpha Dental", "wfbss_customer_id": guid(1), "wfbss_gid": 1,
        "wfbss_group": "Device (Default)", "wfbss_name": "RECEPTION", "wfbss_ipaddr": "97.0.168.192",
        "wfbss_type": 1,
    }
    assert wfbss_vars(inventory, "RECEPTION_" + cid(0xb1))["wfbss_customer"] == "Beta Law"
    laptop = wfbss_vars(inventory, "B_ro_Laptop")
    assert (laptop["wfbss_name"], laptop["wfbss_gid"], laptop["wfbss_group"]) == (u"B\u00fcro Laptop", 7, None)
    assert inventory.localhost is None  # the computer named localhost is not the controller
    (client,) = fake_client.created
    assert client.closed
    wanted = {"url": "https://cspi.trendmicro.com", "access_token": ACCESS_TOKEN, "secret_key": SECRET_KEY,
              "api_version": "v2.8", "timeout": 30, "retries": 3, "validate_certs": True}
    assert dict((name, client.kwargs.get(name)) for name in wanted) == wanted


def test_groups_per_customer_and_wfbss_group(fake_client, parse):
    inventory = parse()
    assert set(inventory.groups) == {
        "all", "ungrouped", "wfbss_customer_Alpha_Dental", "wfbss_customer_Beta_Law", "wfbss_customer_Filler_24",
        "wfbss_group_Alpha_Dental_Device__Default_", "wfbss_group_Alpha_Dental_Server__Default_",
        "wfbss_group_Alpha_Dental_7", "wfbss_group_Beta_Law_Device__Default_", "wfbss_group_Beta_Law_Server__Default_",
        "wfbss_group_Filler_24_Device__Default_"}
    assert members(inventory, "wfbss_customer_Alpha_Dental") == {"RECEPTION_" + cid(0xa1), "ALPHA-DC01", "B_ro_Laptop"}
    assert members(inventory, "wfbss_group_Alpha_Dental_7") == {"B_ro_Laptop"}
    assert members(inventory, "wfbss_group_Beta_Law_Server__Default_") == {"localhost_" + cid(0xb2)}
    assert members(inventory, "ungrouped") == set()


def test_batches_of_ten_and_groups_only_where_there_are_computers(fake_client, parse):
    parse()
    (client,) = fake_client.created
    ids = [customer["id"] for customer in CUSTOMERS]
    assert client.calls[0] == ("customers", None)
    assert sorted(client.calls[1:], key=str) == sorted([
        ("computers", tuple(ids[0:10])), ("computers", tuple(ids[10:20])), ("computers", tuple(ids[20:24])),
        ("customer_groups", (guid(1), guid(2))), ("customer_groups", (guid(24),)),
    ], key=str)


def test_names_are_the_same_whatever_the_listing_order(fake_client, parse):
    first = by_cid(parse())
    fake_client.reverse = True
    assert by_cid(parse()) == first == HOSTNAMES


def test_computers_answered_under_another_letter_case_of_the_customer_id(fake_client, parse):
    fake_client.replace["computers"] = [{"id": guid(2).lower(), "computers": [dict(row) for row in COMPUTERS[guid(2)]]}]
    inventory = parse(customers=["Beta Law"])
    assert host_names(inventory) == {"RECEPTION", "localhost_" + cid(0xb2)}
    assert inventory.get_host("RECEPTION").vars["wfbss_customer_id"] == guid(2)
    assert inventory.get_host("RECEPTION").vars["wfbss_group"] == "Device (Default)"


def test_a_customer_listed_without_computers_asks_no_groups(fake_client, parse):
    fake_client.replace["computers"] = [{"id": guid(3), "total": 0, "computers": []}]
    inventory = parse(customers=["gamma"])
    assert host_names(inventory) == set()
    (client,) = fake_client.created
    assert client.calls == [("customers", None), ("computers", (guid(3),))]


# --------------------------------------------------------------------------- filters

def test_customers_filter_by_name_in_any_case_and_by_id(fake_client, parse):
    inventory = parse(customers=["alpha DENTAL", guid(24).lower()])
    assert set(host.vars["wfbss_customer"] for host in inventory.hosts.values()) == {"Alpha Dental", "Filler 24"}
    # Without Beta Law's RECEPTION, Alpha's is unique again.
    assert host_names(inventory) == {"RECEPTION", "ALPHA-DC01", "B_ro_Laptop", "F24-PC"}
    (client,) = fake_client.created
    assert sorted(client.calls, key=str) == sorted([
        ("customers", None), ("computers", (guid(1), guid(24))), ("customer_groups", (guid(1), guid(24)))], key=str)


def test_no_customer_selected_makes_only_the_listing_call(fake_client, parse):
    assert host_names(parse(customers=["nobody"])) == set()
    assert fake_client.created[0].calls == [("customers", None)]


def test_wfbss_groups_filter_by_name_and_gid(fake_client, parse):
    inventory = parse(wfbss_groups=["server (default)", "7"])
    assert host_names(inventory) == {"ALPHA-DC01", "B_ro_Laptop", "localhost_" + cid(0xb2)}
    assert parse(wfbss_groups=["1"]).hosts.keys() == {"RECEPTION_" + cid(0xa1), "RECEPTION_" + cid(0xb1), "F24-PC"}


def test_a_filter_item_that_matches_nothing_is_named_in_a_warning(fake_client, parse, monkeypatch):
    warnings = []
    monkeypatch.setattr(device_inventory.display, "warning", warnings.append)
    parse(customers=["Alpha Dental", "Alpha Dentl"], wfbss_groups=["Server (Default)", "Servers"])
    assert warnings == [
        "msp.antivirus.wfbss: customers 'Alpha Dentl' matched no customer; check the spelling (names and ids are "
        "compared ignoring letter case).",
        "msp.antivirus.wfbss: wfbss_groups 'Servers' matched no group of the customers' computers; check the spelling "
        "(names and ids are compared ignoring letter case)."]
    del warnings[:]
    parse(customers=[guid(1).lower()], wfbss_groups=["1"])
    assert warnings == []


# --------------------------------------------------------------------------- constructed

def test_compose_groups_and_keyed_groups_on_wfbss_group(fake_client, parse):
    inventory = parse(
        compose={"label": "wfbss_customer ~ '/' ~ wfbss_name", "broken": "nope.bar"},
        groups={"servers": "wfbss_group == 'Server (Default)'"},
        keyed_groups=[{"key": "wfbss_group | default('unlisted', true)", "prefix": "group"},
                      {"key": "wfbss_type | string", "prefix": "type"}])
    assert inventory.get_host("F24-PC").vars["label"] == "Filler 24/F24-PC"
    assert not any("broken" in host.vars for host in inventory.hosts.values())  # not strict: skipped
    assert members(inventory, "servers") == {"ALPHA-DC01", "localhost_" + cid(0xb2)}
    assert members(inventory, "group_Server__Default_") == members(inventory, "servers")
    assert members(inventory, "group_Device__Default_") == {"RECEPTION_" + cid(0xa1), "RECEPTION_" + cid(0xb1),
                                                            "F24-PC"}
    assert members(inventory, "group_unlisted") == {"B_ro_Laptop"}
    assert members(inventory, "type_2") == members(inventory, "servers")


def test_strict_makes_a_bad_expression_fail(fake_client, parse):
    with pytest.raises(AnsibleError, match="nope"):
        parse(strict=True, compose={"broken": "nope.bar"})


def test_strict_keyed_group_on_a_missing_variable_fails(fake_client, parse):
    with pytest.raises(AnsibleError, match="wfbss_missing"):
        parse(strict=True, keyed_groups=[{"key": "wfbss_missing", "prefix": "x"}])


# --------------------------------------------------------------------------- options, cache, what is shown

def test_environment_variables_alone(fake_client, parse, monkeypatch):
    monkeypatch.setenv("WFBSS_URL", "http://127.0.0.1:8080")
    monkeypatch.setenv("WFBSS_ACCESS_TOKEN", "from-the-environment")
    monkeypatch.setenv("WFBSS_SECRET_KEY", "secret-from-the-environment")
    monkeypatch.setenv("WFBSS_API_VERSION", "v2.7")
    monkeypatch.setenv("WFBSS_VALIDATE_CERTS", "false")
    monkeypatch.setenv("WFBSS_USER_AGENT", "probe/1.0")
    parse(url=None, access_token=None, secret_key=None, timeout=7, retries=0)
    (client,) = fake_client.created
    assert client.kwargs == {"url": "http://127.0.0.1:8080", "access_token": "from-the-environment",
                             "secret_key": "secret-from-the-environment", "api_version": "v2.7", "timeout": 7,
                             "retries": 0, "validate_certs": False, "user_agent": "probe/1.0"}


def test_empty_environment_variables_count_as_not_set(fake_client, parse, monkeypatch):
    # AWX renders an optional input left empty as '': Ansible alone would read validate_certs '' as false.
    for name in ("WFBSS_URL", "WFBSS_API_VERSION", "WFBSS_VALIDATE_CERTS", "WFBSS_USER_AGENT"):
        monkeypatch.setenv(name, "")
    parse(url=None)
    (client,) = fake_client.created
    assert (client.kwargs["url"], client.kwargs["api_version"], client.kwargs["validate_certs"]) == (
        "https://cspi.trendmicro.com", "v2.8", True)
    assert client.kwargs["user_agent"].startswith("msp.antivirus/")


def test_cache_second_parse_makes_no_call_and_holds_no_secret(fake_client, parse, tmp_path):
    cache_dir = tmp_path / "cache"
    options = dict(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                   cache_timeout=3600)
    first = parse(**options)
    assert len(fake_client.created) == 1
    second = parse(**options)
    assert len(fake_client.created) == 1, "the second parse built a client"
    assert by_cid(second) == by_cid(first) == HOSTNAMES
    assert members(second, "wfbss_group_Alpha_Dental_7") == {"B_ro_Laptop"}
    contents = "".join(open(os.path.join(root, name)).read()
                       for root, _dirs, names in os.walk(str(cache_dir)) for name in names)
    assert "ALPHA-DC01" in contents
    assert ACCESS_TOKEN not in contents and SECRET_KEY not in contents
    # --flush-cache walks again.
    assert by_cid(parse(use_cache=False, **options)) == HOSTNAMES
    assert len(fake_client.created) == 2


def test_walk_cost_and_client_warnings_are_shown(fake_client, parse, monkeypatch):
    shown = []
    monkeypatch.setattr(device_inventory.display, "v", lambda message: shown.append(("v", message)))
    monkeypatch.setattr(device_inventory.display, "warning", lambda message: shown.append(("warning", message)))
    original = FakeClient.customers

    def customers_with_a_retry(self):
        self.warnings.append("WFBSS GET customers: HTTP 503 on attempt 1 of 4; retrying in 1.0 s.")
        return original(self)
    monkeypatch.setattr(FakeClient, "customers", customers_with_a_retry)
    parse()
    assert shown == [("warning", "WFBSS GET customers: HTTP 503 on attempt 1 of 4; retrying in 1.0 s."),
                     ("v", "msp.antivirus.wfbss: the walk cost 6 WFBSS call(s); enable cache to reuse it.")]


def test_secrets_stripped_and_not(fake_client, parse, plugin):
    parse(access_token=" " + ACCESS_TOKEN + "\n", secret_key=SECRET_KEY + " ")
    assert plugin.secrets() == [" " + ACCESS_TOKEN + "\n", SECRET_KEY + " ", ACCESS_TOKEN, SECRET_KEY]


# --------------------------------------------------------------------------- errors

def assert_plain_parser_error(error):
    """What Ansible shows is the message alone: no exception chained to it."""
    assert isinstance(error, AnsibleParserError)
    assert error.__cause__ is None and error.__context__ is None


def test_api_error_fails_the_whole_walk(fake_client, parse, plugin):
    fake_client.failures["customer_groups"] = WfbssApiError(
        "WFBSS answered HTTP 401 AuthenticationFailureSignature to GET customers/groups: bad. Next: check secret_key.",
        http_status=401)
    with pytest.raises(AnsibleParserError) as caught:
        parse()
    assert str(caught.value) == ("The WFBSS inventory walk failed, so no host of this source was added: WFBSS "
                                 "answered HTTP 401 AuthenticationFailureSignature to GET customers/groups: bad. "
                                 "Next: check secret_key.")
    assert_plain_parser_error(caught.value)
    assert plugin.inventory.hosts == {}
    assert fake_client.created[0].closed


def test_option_error_from_building_the_client_never_shows_a_secret(fake_client, monkeypatch, parse, plugin):
    def refuse(**kwargs):
        raise InvalidOptionError("url 'https://{0}:{1}@h' holds a user name or password".format(
            kwargs["access_token"], kwargs["secret_key"].strip()))
    monkeypatch.setattr(sys.modules[type(plugin).__module__], "WfbssClient", refuse)
    with pytest.raises(AnsibleParserError) as caught:
        parse(secret_key=SECRET_KEY + " ")
    message = str(caught.value)
    assert message.startswith("The WFBSS inventory source cannot be used, so no host of it was added: url")
    assert ACCESS_TOKEN not in message and SECRET_KEY not in message and "********" in message
    assert_plain_parser_error(caught.value)
    assert plugin.inventory.hosts == {}


def test_timeout_is_checked_before_any_client(fake_client, parse):
    with pytest.raises(AnsibleParserError, match="timeout must be a positive number of seconds, got 0"):
        parse(timeout=0)
    assert fake_client.created == []


@pytest.mark.parametrize("method, answer, message", [
    ("computers", [{"id": guid(99), "computers": []}],
     "WFBSS answered customers/computers with computers of customer '{0}', which was not asked for.".format(guid(99))),
    ("computers", [{"computers": []}], "with computers of customer missing, which was not asked for"),
    ("rows", [{"name": "NO-CID", "gid": 1}], "WFBSS answered customers/computers with a computer without a usable "
                                             "cid (missing). Check that url is the SMPI URL"),
    ("customers", [{"name": "Alpha Dental", "id": 5}], "WFBSS answered customers with a customer without a usable "
                                                       "id (5)."),
])
def test_an_answer_hosts_cannot_be_built_from(fake_client, parse, plugin, method, answer, message):
    fake_client.replace[method] = answer
    with pytest.raises(AnsibleParserError) as caught:
        parse()
    assert str(caught.value).startswith("The WFBSS inventory walk failed, so no host of this source was added: ")
    assert message in str(caught.value)
    assert plugin.inventory.hosts == {}


def test_a_customer_row_the_filter_skips_needs_no_id(fake_client, parse):
    fake_client.replace["customers"] = [{"name": "No Id Ltd"}] + [dict(row) for row in CUSTOMERS]
    assert host_names(parse(customers=["Beta Law"])) == {"RECEPTION", "localhost_" + cid(0xb2)}


def test_other_errors_keep_their_own_exception(fake_client, parse):
    fake_client.failures["computers"] = ValueError("a bug, not an answer")
    with pytest.raises(ValueError, match="a bug, not an answer"):
        parse()
    assert fake_client.created[0].closed


def test_missing_library_is_named(fake_client, monkeypatch, parse, plugin):
    monkeypatch.setattr(sys.modules[type(plugin).__module__], "missing_libraries", lambda: ["requests"])
    with pytest.raises(AnsibleParserError, match="needs the Python library requests on the controller: "
                                                 "pip install requests"):
        parse()
    assert fake_client.created == []


@pytest.mark.parametrize("name, valid", [
    ("estate.wfbss.yml", True), ("wfbss.yaml", True), ("estate.yml", False), ("estate.nsight.yml", False),
    ("wfbss.yml.bak", False),
])
def test_verify_file(plugin, tmp_path, name, valid):
    path = tmp_path / name
    path.write_text("plugin: msp.antivirus.wfbss\n")
    assert plugin.verify_file(str(path)) is valid
