# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `describe=true` tells about each emulated N-sight service.

mav_scan_pause and mav_scan_resume use the wording of the vendor's "Pause Scan" and
"Resume Scan" pages (docs/api/nsight.md); the other texts follow the same pattern (README.md).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import collections

Parameter = collections.namedtuple("Parameter", ["name", "type", "default", "values", "description", "required"])
Field = collections.namedtuple("Field", ["name", "type", "can_be_empty", "description"])
Service = collections.namedtuple("Service", ["name", "description", "parameters", "example", "fields"])

EXAMPLE_BASE = "https://SERVER/api/?apikey=yourAPIkey&service="

DESCRIBE_SHORT = Parameter("describe", "boolean", "0", "true", "Optional. Returns a description of the service.", "no")
DESCRIBE = DESCRIBE_SHORT._replace(description=(
    "Optional. Returns a description of the entered call, the available parameters, an example of its output, "
    "and returned fields with descriptions."))
DEVICEID = Parameter("deviceid", "integer", "0", "0", "The deviceid must be a valid device id.", "yes")
CLIENTID = Parameter("clientid", "integer", "0", "0", "The clientid must be a valid client id.", "yes")
SITEID = Parameter("siteid", "integer", "0", "0", "The siteid must be a valid site id.", "yes")
ENGINE = Parameter("v", "integer", "2", "1, 2", "Optional. The antivirus engine: 1 = VIPRE, 2 = Bitdefender.", "no")
DETAILS = Parameter("details", "string", "", "YES, NO", "Whether to return the scan details.", "yes")
DEVICETYPE = Parameter("devicetype", "string", "", "server, workstation, mobile_device", "The type of device to return.", "yes")
DEVICETYPE_FILTER = DEVICETYPE._replace(description="Optional. Only return clients with devices of this type.", required="no")

ITEMS = Parameter("items", "string", "", "CURRENT, PREVIOUS, ALL",
                  "Which quarantined items to list: those in quarantine now, those before, or all.", "yes")
# The row fields of list_mav_threats and list_mav_quarantine are the emulator's guess (README.md, "Guesses").
THREAT_FIELDS = [
    Field("name", "string", "no", "The name of the threat."),
    Field("type", "string", "yes", "The kind of threat."),
    Field("path", "string", "yes", "The file the threat was found in."),
    Field("date", "datetime", "no", "When the threat was found."),
]
QUARANTINE_FIELDS = [
    Field("guid", "string", "no", "The id of the quarantined item, as mav_quarantine_release and mav_quarantine_remove take it."),
    Field("name", "string", "no", "The name of the threat."),
    Field("path", "string", "yes", "The file that was quarantined."),
    Field("date", "datetime", "no", "When the item was quarantined."),
    Field("status", "string", "no", "quarantined (CURRENT) or released (PREVIOUS)."),
]
MSG_FIELDS = [Field("msg", "string", "yes", "Message related to the action status.")]
SCAN_FIELDS = [
    Field("type", "string", "no", "The type of scan, e.g. Quick Scan or Full Scan."),
    Field("status", "string", "no", "The scan status; the values depend on the antivirus engine."),
    Field("start", "datetime", "no", "When the scan started."),
    Field("end", "datetime", "yes", "When the scan ended; only present once the scan is complete."),
    Field("files_scanned", "integer", "no", "Number of files scanned."),
    Field("files_cleaned", "integer", "no", "Number of files cleaned."),
    Field("threat_count", "integer", "no", "Number of threats found (details=NO only)."),
    Field("quarantine_count", "integer", "no", "Number of items quarantined (details=NO only)."),
    Field("error_count", "integer", "no", "Number of errors (details=NO only)."),
]
DEVICE_SCAN_FIELDS = [
    Field("type", "string", "no", "The type of scan."),
    Field("status", "integer", "no", "VIPRE: 3 Finished, 4 Canceled, 5 Error, 6 Paused, 7 Running. "
                                     "Bitdefender: 0 Finished Normally, 1 Aborted, 2 Stopped, 3 In Progress."),
    Field("start", "datetime", "no", "When the scan started."),
    Field("end", "datetime", "yes", "When the scan ended; only present once the scan is complete."),
]


def action(name, description, describe=DESCRIBE):
    return Service(name, description, [describe, DEVICEID], EXAMPLE_BASE + name + "&deviceid=DEVICEID", MSG_FIELDS)


def listing(name, description, parameters, example_query, fields):
    return Service(name, description, [DESCRIBE] + parameters, EXAMPLE_BASE + name + example_query, fields)


def device_fields(id_name, kind):
    return [
        Field(id_name, "integer", "no", "The id of the %s; this is the deviceid of the MAV services." % kind),
        Field("name", "string", "no", "The name of the %s." % kind),
        Field("os", "string", "yes", "The operating system."),
        Field("ip", "string", "yes", "The IP address last reported."),
        Field("online", "integer", "no", "1 when the %s is online, 0 otherwise." % kind),
    ]


SERVICES = [
    action("mav_scan_pause", "Pause a Managed Antivirus scan on the specified device", DESCRIBE_SHORT),
    action("mav_scan_resume", "Resume a Managed Antivirus scan on the specified device."),
    action("mav_scan_start", "Start a Managed Antivirus quick scan on the specified device."),
    action("mav_scan_cancel", "Cancel a Managed Antivirus scan on the specified device."),
    action("mav_definitions_update", "Update the Managed Antivirus definitions on the specified device (Bitdefender only)."),
    listing("list_mav_scans", "List the Managed Antivirus scans in progress or complete on the specified device, newest first.",
            [DEVICEID, DETAILS, ENGINE], "&deviceid=DEVICEID&details=NO", SCAN_FIELDS),
    listing("mav_scan_device_list", "List the Managed Antivirus scans on the specified device with a numeric status.",
            [DEVICEID, ENGINE], "&deviceid=DEVICEID", DEVICE_SCAN_FIELDS),
    listing("list_mav_threats", "List the Managed Antivirus threats found on the specified device.",
            [DEVICEID, ENGINE], "&deviceid=DEVICEID", THREAT_FIELDS),
    listing("list_mav_quarantine", "List the Managed Antivirus quarantined items of the specified device.",
            [DEVICEID, ITEMS, ENGINE], "&deviceid=DEVICEID&items=CURRENT", QUARANTINE_FIELDS),
    listing("list_clients", "List all clients.", [DEVICETYPE_FILTER], "", [
        Field("clientid", "integer", "no", "The id of the client."),
        Field("name", "string", "no", "The name of the client."),
        Field("server_count", "integer", "no", "Number of servers."),
        Field("workstation_count", "integer", "no", "Number of workstations."),
        Field("mobile_device_count", "integer", "no", "Number of mobile devices."),
        Field("device_count", "integer", "no", "Number of devices."),
        Field("creation_date", "date", "no", "When the client was created."),
    ]),
    listing("list_sites", "List the sites of the specified client.", [CLIENTID], "&clientid=CLIENTID", [
        Field("siteid", "integer", "no", "The id of the site."),
        Field("name", "string", "no", "The name of the site."),
        Field("connection_ok", "integer", "no", "1 when the site's connection is working, 0 otherwise."),
        Field("creation_date", "date", "no", "When the site was created."),
        Field("city", "string", "yes", "The city of the site."),
        Field("country", "string", "yes", "The country of the site."),
    ]),
    listing("list_servers", "List the servers at the specified site.", [SITEID], "&siteid=SITEID", device_fields("serverid", "server")),
    listing("list_workstations", "List the workstations at the specified site.", [SITEID], "&siteid=SITEID",
            device_fields("workstationid", "workstation")),
    listing("list_devices_at_client", "List the devices of the specified type at the specified client, grouped by site. "
            "Default ordering first by sitename then by devicename.",
            [CLIENTID, DEVICETYPE], "&clientid=CLIENTID&devicetype=server", [
                Field("id", "integer", "no", "The id of the device; this is the deviceid of the MAV services."),
                Field("name", "string", "no", "The name of the device."),
                Field("username", "string", "yes", "The user last logged on to the device."),
                Field("description", "string", "yes", "The description of the device."),
                Field("status", "string", "no", "The status of the device."),
                Field("checkcount", "object", "no", "The counts of the device's checks: dsc_247, pass, clear and fail."),
                Field("takecontrol", "integer", "no", "1 when Take Control is available, 0 otherwise."),
                Field("patch", "integer", "no", "1 when Patch Management is available, 0 otherwise."),
                Field("mav", "integer", "no", "1 when Managed Antivirus is available, 0 otherwise."),
                Field("mob", "integer", "no", "1 when Managed Online Backup is available, 0 otherwise."),
                Field("systray", "integer", "no", "1 when the system tray is available, 0 otherwise."),
                Field("mavbreck", "integer", "no", "1 when mavbreck is available, 0 otherwise."),
            ]),
]

SERVICES_BY_NAME = dict((service.name, service) for service in SERVICES)
