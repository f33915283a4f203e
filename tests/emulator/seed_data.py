# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Initial data of the emulator: N-sight clients, sites, devices and scans; WFBSS customers.

Everything is deterministic (fixed ids) except scan times, which are placed
relative to the moment of (re)set so that "running" scans look recent.
README.md documents the tables below; keep the two in step.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import uuid

VIPRE = "vipre"
BITDEFENDER = "bitdefender"

CLIENTS = [
    # clientid, name, creation date
    (101, "Northwind Dental", "2019-03-14"),
    (102, "Contoso Logistics", "2020-06-02"),
    (103, "Fabrikam Legal", "2021-11-23"),
]

SITES = [
    # siteid, clientid, name, connection_ok, city, country
    (201, 101, "Main Office", 1, "Seattle", "US"),
    (202, 101, "Branch North", 1, "Everett", "US"),
    (203, 102, "Head Office", 1, "Rotterdam", "NL"),
    (204, 102, "Warehouse", 1, "Venlo", "NL"),
    (205, 102, "Remote Staff", 0, "Utrecht", "NL"),
    (206, 103, "City Office", 1, "London", "GB"),
    (207, 103, "Archive", 1, "Reading", "GB"),
]

DEVICES = [
    # id, name, type, siteid, os, ip, online, engine, state of the newest scan ("none": no scans at all)
    (1001, "NW-DC01", "server", 201, "Windows Server 2022 Standard", "10.10.1.10", 1, BITDEFENDER, "running"),
    (1002, "NW-FS01", "server", 201, "Windows Server 2019 Standard", "10.10.1.11", 1, VIPRE, "running"),
    (1003, "NW-APP01", "server", 202, "Windows Server 2022 Standard", "10.10.2.10", 1, BITDEFENDER, "finished"),
    (1004, "CL-SQL01", "server", 203, "Windows Server 2019 Datacenter", "10.20.1.20", 1, VIPRE, "paused"),
    (1005, "CL-WEB01", "server", 203, "Windows Server 2022 Datacenter", "10.20.1.21", 1, BITDEFENDER, "none"),
    (1006, "CL-WS-FRONTDESK", "workstation", 204, "Windows 11 Pro", "10.20.2.50", 1, VIPRE, "finished"),
    (1007, "CL-DC02", "server", 204, "Windows Server 2016 Standard", "10.20.2.10", 1, BITDEFENDER, "paused"),
    (1008, "FB-FS01", "server", 206, "Windows Server 2022 Standard", "10.30.1.10", 1, BITDEFENDER, "running"),
    (1009, "FB-WS-PARTNER1", "workstation", 206, "Windows 11 Enterprise", "10.30.1.101", 1, BITDEFENDER, "running"),
    (1010, "FB-WS-PARTNER2", "workstation", 206, "Windows 10 Pro", "10.30.1.102", 1, VIPRE, "running"),
    (1011, "RECEPTION-PC", "workstation", 201, "Windows 11 Pro", "10.10.1.100", 1, BITDEFENDER, "cancelled"),
    (1012, "RECEPTION-PC", "workstation", 203, "Windows 10 Pro", "10.20.1.100", 0, VIPRE, "finished"),
    (1013, "NW-WS-LAB", "workstation", 202, "Windows 10 Pro", "10.10.2.60", 0, BITDEFENDER, "running"),
    (1014, "CL-WS-DRIVER", "workstation", 205, "Windows 11 Pro", "10.20.3.70", 0, VIPRE, "error"),
    (1015, "FB-ARCHIVE01", "server", 207, "Windows Server 2016 Standard", "10.30.2.10", 1, BITDEFENDER, "running"),
    # Managed Antivirus not installed: no engine, no scans.
    (1016, "FB-WS-SCANNER", "workstation", 207, "Windows 10 IoT Enterprise", "10.30.2.80", 1, None, "none"),
]

# Threats and quarantined items (row fields are the emulator's guess: README.md, "Guesses"), per device:
# (name, type, path, minutes before (re)set). Devices not named here have none.
THREATS = {
    1001: [("Trojan.GenericKD.46542511", "Trojan", "C:\\Users\\Public\\Downloads\\invoice.exe", 90),
           ("Gen:Variant.Ransom.Lockbit.12", "Ransomware", "C:\\Temp\\setup_tool.dll", 60 * 26)],
    1002: [("Trojan.Win32.Generic!BT", "Trojan", "D:\\Shares\\Finance\\macro.xlsm", 45)],
    1008: [("EICAR-Test-File (not a virus)", "Test", "C:\\Users\\admin\\Desktop\\eicar.com", 15)],
}
# (name, path, minutes before (re)set, current: still in quarantine, else previous: released or removed).
QUARANTINE = {
    1001: [("Trojan.GenericKD.46542511", "C:\\Users\\Public\\Downloads\\invoice.exe", 89, True),
           ("Adware.Generic.1782", "C:\\ProgramData\\Toolbar\\tb.dll", 60 * 24 * 3, False)],
    1002: [("Trojan.Win32.Generic!BT", "D:\\Shares\\Finance\\macro.xlsm", 44, True)],
}

# Synthetic devices for benchmarks (--devices N) live in a client and site of their own.
BENCH_CLIENT = (190, "Benchmark Lab", "2024-01-01")
BENCH_SITE = (290, 190, "Load Test", 1, "Nowhere", "US")
BENCH_FIRST_ID = 50001

# Customers that tests and demos name; the first two ids are the vendor page's own examples.
NAMED_CUSTOMERS = [
    ("640FE47F-5118-4D79-8221-A35D0DE2EE2C", "Acme Corp"),
    ("549390C2-61B3-417E-B1F0-8955A63C08F3", "Acme Logistics"),
    (None, "Globex"),
    (None, "Initech"),
]
GENERATED_CUSTOMER_COUNT = 226
CUSTOMER_NAME_STEMS = ["Contoso Dental", "Fabrikam Legal", "Northwind Traders", "Tailspin Toys", "Woodgrove Bank", "Litware Labs"]
TIME_ZONES = ["UTC", "America/New_York", "Europe/Amsterdam", "Asia/Tokyo", "Australia/Sydney"]
SEED_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/msp/antivirus/tests/emulator")
# As the customers/groups page's example (018): the same two default groups, with integer ids and types, for every customer.
DEVICE_GROUP = {"type": 1, "id": 1, "name": "Device (Default)"}
SERVER_GROUP = {"type": 2, "id": 2, "name": "Server (Default)"}

SCAN_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
COMPLETE_STATES = ("finished", "cancelled", "error")


def utc_now():
    """Naive UTC, the form scan times are kept in."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def timestamp(moment):
    return moment.strftime(SCAN_TIME_FORMAT)


def new_scan(state, started, scan_type="Quick Scan", files_scanned=0, threats=0):
    """One scan record; `end` is only set once the scan is complete, as the API shows it."""
    return {
        "type": scan_type,
        "state": state,
        "start": timestamp(started),
        "end": timestamp(started + datetime.timedelta(minutes=42)) if state in COMPLETE_STATES else None,
        "files_scanned": files_scanned,
        "files_cleaned": threats,
        "threat_count": threats,
        "quarantine_count": threats,
        "error_count": 1 if state == "error" else 0,
    }


def scan_history(deviceid, newest_state, now):
    """Newest first: the scan in the wanted state, then two older finished ones."""
    if newest_state == "none":
        return []
    files = 20000 + (deviceid * 7919) % 180000
    return [
        new_scan(newest_state, now - datetime.timedelta(minutes=20), files_scanned=files // 3),
        new_scan("finished", now - datetime.timedelta(days=1, hours=2), files_scanned=files, threats=deviceid % 3),
        new_scan("finished", now - datetime.timedelta(days=7, hours=3), "Full Scan", files_scanned=files * 4),
    ]


def build_client(row):
    clientid, name, created = row
    return {"clientid": clientid, "name": name, "creation_date": created}


def build_site(row, clients):
    siteid, clientid, name, connection_ok, city, country = row
    return {
        "siteid": siteid, "clientid": clientid, "client": clients[clientid]["name"], "name": name,
        "connection_ok": connection_ok, "creation_date": clients[clientid]["creation_date"], "city": city, "country": country,
    }


def build_device(row, sites, now):
    deviceid, name, device_type, siteid, os_name, ip, online, engine, newest_state = row
    site = sites[siteid]
    return {
        "id": deviceid, "name": name, "type": device_type,
        "client": site["client"], "clientid": site["clientid"], "site": site["name"], "siteid": siteid,
        "os": os_name, "ip": ip, "online": online, "mav": 0 if engine is None else 1, "engine": engine,
        "hidden_running": False,
        "scans": scan_history(deviceid, newest_state, now),
        "threats": [
            {"name": name, "type": kind, "path": path, "date": timestamp(now - datetime.timedelta(minutes=minutes))}
            for name, kind, path, minutes in THREATS.get(deviceid, [])],
        "quarantine": [
            {"guid": stable_guid("quarantine", str(deviceid), name), "name": name, "path": path,
             "date": timestamp(now - datetime.timedelta(minutes=minutes)), "current": current}
            for name, path, minutes, current in QUARANTINE.get(deviceid, [])],
    }


def bench_device_rows(count):
    return [
        (BENCH_FIRST_ID + index, "BENCH-SRV-%05d" % (index + 1), "server", BENCH_SITE[0], "Windows Server 2022 Standard",
         "10.99.%d.%d" % (index // 250, index % 250 + 1), 1, BITDEFENDER, "running")
        for index in range(count)
    ]


def build_nsight_data(extra_devices, now):
    """Return (clients, sites, devices), each a dict keyed by id."""
    client_rows, site_rows, device_rows = list(CLIENTS), list(SITES), list(DEVICES)
    if extra_devices:
        client_rows.append(BENCH_CLIENT)
        site_rows.append(BENCH_SITE)
        device_rows.extend(bench_device_rows(extra_devices))
    clients = dict((row[0], build_client(row)) for row in client_rows)
    sites = dict((row[0], build_site(row, clients)) for row in site_rows)
    devices = dict((row[0], build_device(row, sites, now)) for row in device_rows)
    return clients, sites, devices


# list_devices_at_client's per-device fields beyond id and name; the pages name them, the values are guesses.
CHECKCOUNT_FIELDS = ("dsc_247", "pass", "clear", "fail")
CAPABILITY_FLAGS = ("takecontrol", "patch", "mav", "mob", "systray", "mavbreck")


def client_listing_facts(device):
    """username, description, status, checkcount and the capability flags (1/0), derived from the device's record."""
    server = device["type"] == "server"
    checks = 6 if server else 4
    failed = 1 if device["id"] % 4 == 0 else 0
    cleared = 1 if device["id"] % 6 == 0 else 0
    return {
        "username": "Administrator" if server else "user%d" % device["id"],
        "description": "%s %s" % (device["site"], device["type"]),
        "status": "OK" if device["online"] else "Offline",
        "checkcount": {"dsc_247": checks, "pass": checks - failed - cleared, "clear": cleared, "fail": failed},
        "takecontrol": 1,
        "patch": 0 if device["id"] % 7 == 0 else 1,
        "mav": device["mav"],
        "mob": 1 if server and device["id"] % 2 else 0,
        "systray": 0 if server else 1,
        "mavbreck": 0,
    }


def stable_guid(*parts):
    """Upper-case GUID derived from the parts, like the ids in the WFBSS pages."""
    return str(uuid.uuid5(SEED_NAMESPACE, "/".join(parts))).upper()


def build_customer(number, cid, name):
    trial = number % 7 == 0
    expire = datetime.date(2027, 1, 1) + datetime.timedelta(days=(number * 37) % 700)
    return {
        "id": cid or stable_guid("customer", name),
        "eid": stable_guid("enterprise", name),
        "name": name,
        "license_type": "Trial" if trial else "Full",
        "license_period": 1 if trial else 12,
        "seat_count": 5 + (number * 13) % 245,
        "expire": expire.isoformat() + "T00:00:00Z",
        "auto_renewal": not trial and number % 3 != 0,
        "time_zone": TIME_ZONES[number % len(TIME_ZONES)],
        "sp_subscription": number % 5 == 0,
    }


def build_customers():
    """About 230 customers in a fixed order, so paging past 100 can be tested."""
    named = [build_customer(number, cid, name) for number, (cid, name) in enumerate(NAMED_CUSTOMERS, start=1)]
    generated = [
        build_customer(len(NAMED_CUSTOMERS) + number, None, "%s %03d" % (CUSTOMER_NAME_STEMS[(number - 1) % len(CUSTOMER_NAME_STEMS)], number))
        for number in range(1, GENERATED_CUSTOMER_COUNT + 1)
    ]
    return named + generated


def customer_groups():
    """Every customer's groups, as fresh dicts (callers may serialise or change them)."""
    return [dict(DEVICE_GROUP), dict(SERVER_GROUP)]
