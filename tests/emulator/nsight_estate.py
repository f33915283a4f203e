# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A synthetic N-sight estate for benchmarks: `--estate CLIENTS,SITES,DEVICES`.

Deterministic; ids in ranges of their own, apart from the seeded ones (101.., 201.., 1001..) and from
--devices's (client 190, site 290, devices 50001..). Sites are spread evenly over the clients and
devices evenly over the sites. To keep memory modest, each device gets at most one scan.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime

from seed_data import BITDEFENDER, build_client, build_site, new_scan

FIRST_CLIENT_ID = 600001
FIRST_SITE_ID = 700001
FIRST_DEVICE_ID = 1000001
SERVER_EVERY = 4  # devices 0, 4, 8, ... of the estate are servers
NO_MAV_EVERY = 10  # devices 9, 19, 29, ... have no Managed Antivirus
OFFLINE_EVERY = 13
SHARED_NAME_EVERY = 50  # devices 7, 57, 107, ... are all called SHARED_NAME, across clients
SHARED_NAME = "RECEPTION-PC"
CREATION_DATE = "2024-06-01"


def parse_estate(text):
    """"CLIENTS,SITES,DEVICES" -> a tuple of three ints; ValueError unless 1 <= clients <= sites and devices >= 0."""
    parts = [int(part) for part in text.split(",")]
    return checked_estate(parts)


def checked_estate(estate):
    if len(estate) != 3:
        raise ValueError("estate is CLIENTS,SITES,DEVICES")
    clients, sites, devices = (int(value) for value in estate)
    if clients < 1 or sites < clients or devices < 0:
        raise ValueError("estate needs 1 <= CLIENTS <= SITES and DEVICES >= 0")
    return clients, sites, devices


def spread(index, count, over):
    """Which of `over` buckets item `index` of `count` falls in, so that buckets get equal shares in id order."""
    return index * over // count


def estate_rows(estate):
    """(client rows, site rows) as seed_data's CLIENTS and SITES hold them."""
    clients, sites, _devices = estate
    client_rows = [(FIRST_CLIENT_ID + index, "Estate Client %04d" % (index + 1), CREATION_DATE) for index in range(clients)]
    site_rows = [(FIRST_SITE_ID + index, FIRST_CLIENT_ID + spread(index, sites, clients), "Estate Site %05d" % (index + 1), 1,
                  "Springfield", "US") for index in range(sites)]
    return client_rows, site_rows


def estate_device(index, site, now):
    deviceid = FIRST_DEVICE_ID + index
    server = index % SERVER_EVERY == 0
    engine = None if index % NO_MAV_EVERY == NO_MAV_EVERY - 1 else BITDEFENDER
    if index % SHARED_NAME_EVERY == 7:
        name = SHARED_NAME
    else:
        name = "EST-%s-%07d" % ("SRV" if server else "WS", index + 1)
    return {
        "id": deviceid, "name": name, "type": "server" if server else "workstation",
        "client": site["client"], "clientid": site["clientid"], "site": site["name"], "siteid": site["siteid"],
        "os": "Windows Server 2022 Standard" if server else "Windows 11 Pro",
        "ip": "10.%d.%d.%d" % (100 + index // 65536, index // 256 % 256, index % 256),
        "online": 0 if index % OFFLINE_EVERY == 0 else 1, "mav": 0 if engine is None else 1, "engine": engine,
        "hidden_running": False,
        # One finished scan, the newest, for devices with MAV: no older history, to keep memory modest.
        "scans": [] if engine is None else [new_scan("finished", now - datetime.timedelta(hours=3), files_scanned=40000 + index % 9000)],
        "threats": [], "quarantine": [],
    }


def add_estate(estate, clients, sites, devices, now):
    """Add the estate's clients, sites and devices to the dicts keyed by id."""
    client_rows, site_rows = estate_rows(estate)
    clients.update((row[0], build_client(row)) for row in client_rows)
    sites.update((row[0], build_site(row, clients)) for row in site_rows)
    site_ids = [row[0] for row in site_rows]
    device_count = estate[2]
    for index in range(device_count):
        device = estate_device(index, sites[site_ids[spread(index, device_count, len(site_ids))]], now)
        devices[device["id"]] = device
