# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Initial WFBSS device data: each customer's computers (with their `components` fields) and livestatus.

Only the parameters and the customers/computers rows are published; every value here is a
guess (README.md, "Guesses"). Times are Unix seconds relative to the moment of (re)set, 0 = never.
README.md documents the tables below; keep the two in step.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import hashlib

from seed_data import DEVICE_GROUP, SERVER_GROUP

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

# Per named customer: (name, group, dotted ip, out_of_date). Group 1 "Device (Default)", 2 "Server (Default)".
NAMED_COMPUTERS = {
    "Acme Corp": [
        ("ACME-WS-01", 1, "192.168.0.97", False),  # the ip of the published example
        ("RECEPTION", 1, "192.168.0.46", True),
        ("ACME-DC01", 2, "192.168.0.10", True),
    ],
    "Acme Logistics": [
        ("RECEPTION", 1, "10.2.0.21", False),  # the same host name as at Acme Corp
        ("Büro Laptop", 1, "10.2.0.22", False),  # a space and a non-ASCII letter
    ],
    "Globex": [],
}
INITECH_COMPUTERS = 120  # more than one page of 100
INITECH_SERVER_EVERY = 10  # INITECH-SRV-010, -020, ...
INITECH_OUT_OF_DATE_EVERY = 7  # INITECH-WS-007, -014, ...

# The livestatus keys beyond the published wtp / update_time / license: the summary endpoint's event classes.
EVENT_KEYS = ("antivirus", "antispyware", "url_filtering", "behavior_monitoring", "network_virus", "device_control")
# The commands/reset events and the livestatus key each clears; the *_unsuccessful ones have no known key.
RESET_EVENT_KEYS = {
    "virus_incidents": "antivirus", "spyware_incidents": "antispyware", "wtp_incidents": "wtp",
    "urlfilter_incidents": "url_filtering", "behavior_monitoring_incidents": "behavior_monitoring",
    "network_virus_incidents": "network_virus", "device_control_incidents": "device_control",
    "virus_unsuccessful": None, "spyware_unsuccessful": None,
}
# Acme Corp starts with a red antivirus light and a yellow wtp one; Acme Logistics with everything green.
NAMED_LIGHTS = {
    "Acme Corp": {"antivirus": (2, 5), "wtp": (1, 3)},
    "Acme Logistics": {},
}
NAMED_UPDATE_AGE = {"Acme Corp": 5 * MINUTE, "Acme Logistics": 3 * DAY}

CURRENT_COMPONENTS = [("Virus Pattern", "19.331.00"), ("Virus Scan Engine", "23.600.1006"), ("Spyware Pattern", "2.689.00")]
CURRENT_AGENT_VERSION = "6.7.3390"
OLD_AGENT_VERSION = "6.7.3208"
OLD_COMPONENTS = [("Virus Pattern", "19.101.00"), ("Virus Scan Engine", "23.550.1002"), ("Spyware Pattern", "2.601.00")]


def computer_id(customer_id, name):
    """The device id (cid/ccid): 32 lower-case hex characters, as the pages show, stable across runs."""
    return hashlib.md5(("computer/%s/%s" % (customer_id, name)).encode("utf-8")).hexdigest()


def reversed_ip(dotted):
    """ipaddr as the published customers/computers example writes it: 192.168.0.97 as 97.0.168.192."""
    return ".".join(reversed(dotted.split(".")))


def initech_rows():
    rows = []
    for number in range(1, INITECH_COMPUTERS + 1):
        server = number % INITECH_SERVER_EVERY == 0
        rows.append(("INITECH-%s-%03d" % ("SRV" if server else "WS", number), 2 if server else 1,
                     "10.4.%d.%d" % (number // 100, number % 100 + 1), number % INITECH_OUT_OF_DATE_EVERY == 0))
    return rows


def generated_rows(number):
    """A generated customer (number 1..226) has number % 3 computers: a desktop, then a server."""
    return [("WS-%03d-%d" % (number, index) if index == 1 else "SRV-%03d-%d" % (number, index), index,
             "172.16.%d.%d" % (number, index + 10), False)
            for index in range(1, number % 3 + 1)]


def computer_rows(position, name):
    """Rows of the customer at 1-based `position` in the seed order."""
    if name in NAMED_COMPUTERS:
        return NAMED_COMPUTERS[name]
    if name == "Initech":
        return initech_rows()
    return generated_rows(position - 4)


def component_list(out_of_date):
    return [{"name": part, "version": version} for part, version in (OLD_COMPONENTS if out_of_date else CURRENT_COMPONENTS)]


def updated_fields():
    """What a commands/update changes on a computer, besides last_connect_time: current components, not out of date."""
    return {"components": component_list(False), "version": CURRENT_AGENT_VERSION, "out_of_date": False}


def build_computer(customer_id, row, index, now):
    name, gid, ip, out_of_date = row
    cid = computer_id(customer_id, name)
    server = gid == SERVER_GROUP["id"]
    return {
        # customers/computers, in the order of the published example.
        "ipaddr": reversed_ip(ip), "gid": gid, "type": gid, "name": name, "cid": cid,
        # components fields.
        "aa": 1,
        "ip_addr": ip,
        "platform": "Windows Server 2022" if server else "Windows 11 Pro",
        "arch": "x64",
        "components": component_list(out_of_date),
        "version": OLD_AGENT_VERSION if out_of_date else CURRENT_AGENT_VERSION,
        "scan_mode": "smart",
        "ss_service": 1,
        "pop3_scan": 0 if server else 1,
        "virus_detected": index % 4,
        "spyware_detected": index % 3 // 2,
        "spam_detected": 0,
        "urlfilter_violated": index % 5 // 3,
        "status": 1,
        "phone_number": "",
        "mac_addr": "00:15:5d:%s:%s:%s" % (cid[0:2], cid[2:4], cid[4:6]),
        "last_connect_time": now - (index % 12 + 1) * MINUTE,
        "sched_start_time": now - DAY,
        "sched_complete_time": now - DAY + 40 * MINUTE,
        "manual_start_time": 0,
        "manual_complete_time": 0,
        # extra fields.
        "group_name": SERVER_GROUP["name"] if server else DEVICE_GROUP["name"],
        "label": "",
        "out_of_date": out_of_date,
    }


def build_computers(customers, now):
    """{customer id: [computer, ...]} for every customer, in seed order; `now` in Unix seconds."""
    return dict((customer["id"], [build_computer(customer["id"], row, index, now)
                                  for index, row in enumerate(computer_rows(position, customer["name"]))])
                for position, customer in enumerate(customers, start=1))


# ---- livestatus ------------------------------------------------------------------------

def event_status(light, count, update_time):
    """A light with its incident_exceed, shaped like the published wtp key."""
    window = {"count": count, "start_time": update_time - HOUR, "end_time": update_time} if count else {"count": 0, "start_time": 0, "end_time": 0}
    return {"light": light, "incident_exceed": window}


def generated_lights(position):
    """Mixed but deterministic: about one key in six yellow, one in six red."""
    lights = {}
    for index, key in enumerate(("wtp",) + EVENT_KEYS):
        value = (position + 2 * index) % 6
        if value >= 4:
            lights[key] = (value - 3, value - 1 + position % 4)
    return lights


def seat_light(in_use, seats):
    """Trend Micro's seat-usage criteria: yellow over 100 %, red over 110 %."""
    if in_use * 100 > seats * 110:
        return 2
    return 1 if in_use > seats else 0


def license_status(customer, computers):
    """The published license keys; the expiration lights do not follow the dates (README.md, "Guesses")."""
    desktops = len([computer for computer in computers if computer["gid"] == DEVICE_GROUP["id"]])
    seats = customer["seat_count"]
    trial = customer["license_type"] == "Trial"
    expire = datetime.datetime.strptime(customer["expire"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return {
        "light": max(1 if trial else 0, seat_light(len(computers), seats)),
        "desktop_seat_in_use": desktops,
        "seat_in_use": len(computers),
        "expiration_state": 1 if trial else 0,
        "seat_count_exceed": 1 if len(computers) > seats else 0,
        "seat_in_use_percentage": "%.1f" % (100.0 * len(computers) / seats),
        "seat_purchase": seats,
        "expiration_date": int((expire - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds()) - 1,
    }


def build_livestatus(position, customer, computers, now):
    name = customer["name"]
    update_time = now - NAMED_UPDATE_AGE.get(name, (10 + (position * 337) % (7 * 24 * 60)) * MINUTE)
    lights = NAMED_LIGHTS.get(name, generated_lights(position))
    status = {"wtp": event_status(*lights.get("wtp", (0, 0)), update_time=update_time),
              "update_time": update_time, "license": license_status(customer, computers)}
    for key in EVENT_KEYS:
        status[key] = event_status(*lights.get(key, (0, 0)), update_time=update_time)
    return status


def build_livestatus_table(customers, computers, now):
    """{customer id: livestatus} for every customer."""
    return dict((customer["id"], build_livestatus(position, customer, computers[customer["id"]], now))
                for position, customer in enumerate(customers, start=1))
