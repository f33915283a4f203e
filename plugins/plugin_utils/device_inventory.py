# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection's inventory plugins share: one host per device under a unique host name, the inventory
cache, compose / groups / keyed_groups, connection options read as the modules read them, and typed errors
turned into a parser error with every secret redacted. A plugin says how to walk its API and what a device's
id, variables and groups are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
from collections import Counter

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.msp.antivirus.plugins.module_utils.errors import MspAntivirusError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import Redactor

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
    keys = {str(row_id).casefold(), (name or "").casefold()}
    return any(str(item).casefold() in keys for item in wanted)


def unmatched(wanted, listed):
    """The items of a filter that select nothing of ``listed``, (id, name) pairs: most likely a typo."""
    return [item for item in wanted if not any(matches([item], row_id, name) for row_id, name in listed)]


def safe_hostname(name):
    """The device name, trimmed, with every character a host name should not hold replaced by _ ('' if none)."""
    return UNSAFE_HOSTNAME_CHARACTERS.sub("_", (name or "").strip())


def hostname_key(hostname):
    """What two host names must not share. Ansible compares host names exactly, but Windows computer names,
    and host_vars/ or fact cache files on a case-insensitive file system, ignore case: so do we."""
    return hostname.lower()


def hostnames(devices, device_id, device_order):
    """One host name per device, in the order of ``devices``, no two with the same hostname_key.

    ``device_id(device)`` is the id a duplicate name is told apart by; ``device_order(device)`` a sort key that
    does not depend on listing order (ties only for the same device).

    1. A safe name that exactly one device has, and that is not reserved, is that device's host name. These
       names are distinct, as each key is counted once.
    2. Every other device, in device order, takes name_id (device_id without a name), or the first of
       name_id_2, _3... that is free. Each is checked against every name given before it (step 1 names and
       reserved ones included), so none can collide.
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
        chosen[index] = first_free("{0}_{1}".format(names[index] or NAMELESS, device_id(devices[index])), taken)
    return chosen


def first_free(candidate, taken):
    """candidate, or candidate_2, candidate_3... the first whose key is not taken; it is taken from then on."""
    hostname, number = candidate, 1
    while hostname_key(hostname) in taken:
        number += 1
        hostname = "{0}_{1}".format(candidate, number)
    taken.add(hostname_key(hostname))
    return hostname


class DeviceInventory(BaseInventoryPlugin, Constructable, Cacheable):
    """The inventory of one API's devices. A subclass sets NAME, FILE_SUFFIXES, VARIABLE_PREFIX and
    CONNECTION_ARGS (the modules' argument spec of the connection options), and defines walk() (every device
    the filters select, as dicts the cache can hold), device_id(), device_order(), groups_of() and secrets()."""

    FILE_SUFFIXES = ()
    VARIABLE_PREFIX = ""
    CONNECTION_ARGS = {}

    def verify_file(self, path):
        return super(DeviceInventory, self).verify_file(path) and path.endswith(self.FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(DeviceInventory, self).parse(inventory, loader, path, cache)
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
            devices = self.walk()
        if update_cache:
            self._cache[cache_key] = devices
        self.populate(devices)

    def walk(self):
        raise NotImplementedError

    @staticmethod
    def device_id(device):
        raise NotImplementedError

    @staticmethod
    def device_order(device):
        raise NotImplementedError

    def groups_of(self, device):
        """The names of the groups the device's host belongs to, before Ansible makes them safe."""
        raise NotImplementedError

    def secrets(self):
        """Every secret value a message of this source must not show."""
        raise NotImplementedError

    def populate(self, devices):
        for hostname, device in zip(hostnames(devices, self.device_id, self.device_order), devices):
            self.inventory.add_host(hostname)
            for key, value in device.items():
                self.inventory.set_variable(hostname, self.VARIABLE_PREFIX + key, value)
            for group in self.groups_of(device):
                self.inventory.add_child(self.inventory.add_group(self._sanitize_group_name(group)), hostname)
            self._construct(hostname)

    def _construct(self, hostname):
        """compose, groups and keyed_groups of the constructed fragment, for one host."""
        strict = self.get_option("strict")
        hostvars = self.inventory.get_host(hostname).get_vars()
        self._set_composite_vars(self.get_option("compose"), hostvars, hostname, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, hostname, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, hostname, strict=strict)

    def guarded(self, step, context, query_keys=()):
        """step(), with a typed error turned into an AnsibleParserError that carries its message.

        Raised outside the except block, so that Ansible shows no chained exception beside the message.
        The secrets are redacted once more: a message may quote an option value a user put one in by mistake.
        """
        failure = None
        try:
            return step()
        except MspAntivirusError as error:
            failure = error
        redact = Redactor(secrets=self.secrets(), query_keys=list(query_keys))
        raise AnsibleParserError("{0}: {1}".format(context, redact(failure.message)))

    def warn_unmatched(self, option, what, listed):
        """A warning naming the items of filter ``option`` that selected no ``what`` of ``listed`` ((id, name)
        pairs), since the hosts a typo leaves out would otherwise go missing without a word."""
        missed = unmatched(self.get_option(option), listed)
        if missed:
            display.warning("{0}: {1} {2} matched no {3}; check the spelling (names and ids are compared ignoring "
                            "letter case).".format(self.NAME, option, ", ".join(repr(item) for item in missed), what))

    def require_libraries(self, missing):
        """Fail the source, before any call, when the controller lacks a library the walk needs."""
        if missing:
            raise AnsibleParserError("The {0} inventory needs the Python library {1} on the controller: pip install "
                                     "{1}".format(self.NAME, missing[0]))

    def walk_with_client(self, open_client, walk_devices, service, calls_made, query_keys=()):
        """walk_devices(client), with the client open_client() builds: every device, or an AnsibleParserError
        with the reason (so the source adds no host). ``service`` names the API in messages ("WFBSS");
        ``calls_made(client)`` is the number of requests it sent. Whatever happens, the client is closed, its
        warnings (retries, waits) are shown, and what the walk cost is printed at -v."""
        client = self.guarded(open_client, "The {0} inventory source cannot be used, so no host of it was added"
                              .format(service), query_keys)
        try:
            return self.guarded(lambda: walk_devices(client), "The {0} inventory walk failed, so no host of this "
                                "source was added".format(service), query_keys)
        finally:
            client.close()
            for warning in client.warnings:
                display.warning(warning)
            display.v("{0}: the {1} cost {2} {3} call(s); enable cache to reuse it.".format(
                self.NAME, " ".join(filter(None, [self.walk_name(), "walk"])), calls_made(client), service))

    def walk_name(self):
        """The kind of walk the options ask for, as the cost line names it ("" when a plugin has one kind)."""
        return ""

    def connection_option(self, name):
        """The option's value; one taken from an empty environment variable counts as not set, as for the
        modules (AWX renders an optional input left empty as ''; Ansible would read validate_certs '' as false)."""
        fallback = self.CONNECTION_ARGS[name].get("fallback")
        variables = fallback[1] if fallback else ()
        from_empty_variable = any(variable in os.environ and not os.environ[variable].strip() for variable in variables)
        if name not in getattr(self, "_source_options", {}) and from_empty_variable:
            return self.CONNECTION_ARGS[name].get("default")
        return self.get_option(name)

    def connection_options(self):
        """Every connection option, as the modules' argument spec names them."""
        return dict((name, self.connection_option(name)) for name in self.CONNECTION_ARGS)
