# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the emulator's WFBSS read services (customers/computers, customers/livestatus, components), what
commands change in them, N-sight's list_devices_at_client and the synthetic estate, over real HTTP."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# The fixtures come in through this import too.
from test_emulator import (  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
    WFBSS_BASE,
    assert_error,
    assert_wfbss_error,
    control,
    emulator,
    fresh_state,
    nsight_xml,
    wfbss,
)
import nsight_api  # noqa: E402
import seed_data  # noqa: E402
from emulator_credentials import NSIGHT_API_KEY  # noqa: E402
from server import Emulator  # noqa: E402

ACME = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
LOGISTICS = "549390C2-61B3-417E-B1F0-8955A63C08F3"
ALL_DEVICES = 351  # 3 + 2 + 0 + 120 + the generated customers' (number % 3)
COMPONENT_FIELDS = [
    "aa", "ip_addr", "platform", "arch", "components", "version", "scan_mode", "ss_service", "pop3_scan", "virus_detected",
    "spyware_detected", "spam_detected", "urlfilter_violated", "type", "status", "phone_number", "mac_addr", "last_connect_time",
    "sched_start_time", "sched_complete_time", "manual_start_time", "manual_complete_time",
]
LIVESTATUS_KEYS = {"wtp", "update_time", "license", "antivirus", "antispyware", "url_filtering", "behavior_monitoring",
                   "network_virus", "device_control"}
LICENSE_KEYS = {"light", "desktop_seat_in_use", "seat_in_use", "expiration_state", "seat_count_exceed", "seat_in_use_percentage",
                "seat_purchase", "expiration_date"}


def get(emulator, command, query=""):
    answer = wfbss(emulator, "GET", WFBSS_BASE + command + ("?" + query if query else ""))
    assert answer.status == 200, answer.body
    return answer.json()


def assert_invalid(emulator, command, query, message=None):
    answer = wfbss(emulator, "GET", WFBSS_BASE + command + "?" + query)
    assert_wfbss_error(answer, 400, "InvalidParameters")
    if message is not None:
        assert answer.json()["error_message"] == message


def post(emulator, command, query):
    assert wfbss(emulator, "POST", WFBSS_BASE + command + "?" + query).status == 200


def md5_cid(customer, name):
    return hashlib.md5(("computer/%s/%s" % (customer, name)).encode("utf-8")).hexdigest()


def components(emulator, cid, query=""):
    return get(emulator, "components", "cids=" + cid + ("&" + query if query else ""))


def acme_rows(emulator, query=""):
    return dict((row["cid"], row) for row in components(emulator, ACME, query)["customers"][0]["computers"])


# ---- customers/computers -----------------------------------------------------------------------------

def test_computers_rows_as_the_published_example(emulator):
    answer = get(emulator, "customers/computers", "cids=%s,%s" % (ACME, LOGISTICS))
    assert answer["paging"] == {"total": 5, "limit": 100, "page": 1}
    acme, logistics = answer["customers"]
    assert set(acme) == {"total", "id", "eid", "computers"} and (acme["id"], acme["total"]) == (ACME, 3)
    assert acme["computers"][0] == {"ipaddr": "97.0.168.192", "gid": 1, "type": 1, "name": "ACME-WS-01",
                                    "cid": md5_cid(ACME, "ACME-WS-01")}
    assert [(row["name"], row["gid"], row["type"]) for row in acme["computers"]] == [
        ("ACME-WS-01", 1, 1), ("RECEPTION", 1, 1), ("ACME-DC01", 2, 2)]
    assert [row["name"] for row in logistics["computers"]] == ["RECEPTION", u"B\u00fcro Laptop"]
    assert all(len(row["cid"]) == 32 and row["cid"] == row["cid"].lower() for row in acme["computers"] + logistics["computers"])


def test_computers_paging_counts_devices_and_splits_initech(emulator):
    first = get(emulator, "customers/computers")
    assert first["paging"] == {"total": ALL_DEVICES, "limit": 100, "page": 1}
    assert [(c["total"], len(c["computers"])) for c in first["customers"]] == [(3, 3), (2, 2), (120, 95)]
    second = get(emulator, "customers/computers", "page=2")
    assert (second["customers"][0]["total"], len(second["customers"][0]["computers"])) == (120, 25)
    assert second["customers"][0]["id"] == first["customers"][2]["id"]
    assert sum(len(c["computers"]) for c in second["customers"]) == 100
    initech = first["customers"][2]["computers"] + second["customers"][0]["computers"]
    assert [row["name"] for row in initech][:2] == ["INITECH-WS-001", "INITECH-WS-002"] and len({r["cid"] for r in initech}) == 120
    last = get(emulator, "customers/computers", "page=4")
    assert sum(len(c["computers"]) for c in last["customers"]) == ALL_DEVICES - 300
    assert get(emulator, "customers/computers", "page=5")["customers"] == []
    small = get(emulator, "customers/computers", "page=2&limit=2")
    assert [(c["id"], len(c["computers"])) for c in small["customers"]] == [(ACME, 1), (LOGISTICS, 1)]


def test_computers_leave_out_unknown_customers_and_those_without_computers(emulator):
    globex = get(emulator, "customers", "q=globex")["customers"][0]["id"]
    answer = get(emulator, "customers/computers", "cids=%s,NOBODY,%s" % (globex, ACME.lower()))
    assert answer["paging"]["total"] == 3 and [c["id"] for c in answer["customers"]] == [ACME]


@pytest.mark.parametrize("query", ["cids=", "cids=A,,B", "cids=" + ",".join("C%d" % n for n in range(11)),
                                   "limit=0", "limit=101", "limit=x", "page=0", "page=", "page=-1"])
def test_computers_parameter_errors(emulator, query):
    assert_invalid(emulator, "customers/computers", query)


def test_computers_cids_rule_text(emulator):
    assert_invalid(emulator, "customers/computers", "cids=",
                   "Invalid parameter cids: At least one customer ID must be specified, and no more than 10.")


# ---- customers/livestatus ------------------------------------------------------------------------------

def test_livestatus_default_page_of_25_with_the_documented_keys(emulator):
    answer = get(emulator, "customers/livestatus")
    assert answer["paging"] == {"total": 230, "limit": 25, "page": 1} and len(answer["customers"]) == 25
    acme = answer["customers"][0]
    assert set(acme) == {"id", "livestatus"} and acme["id"] == ACME
    status = acme["livestatus"]
    assert set(status) == LIVESTATUS_KEYS and set(status["license"]) == LICENSE_KEYS
    assert status["antivirus"]["light"] == 2 and status["antivirus"]["incident_exceed"]["count"] == 5
    assert status["wtp"]["light"] == 1 and status["wtp"]["incident_exceed"]["count"] == 3
    assert isinstance(status["license"]["seat_in_use_percentage"], str) and status["license"]["seat_in_use"] == 3
    assert abs(status["update_time"] - (time.time() - 300)) < 60
    logistics = answer["customers"][1]["livestatus"]
    assert all(logistics[key]["light"] == 0 for key in LIVESTATUS_KEYS - {"update_time"})
    assert get(emulator, "customers/livestatus", "page=10")["customers"][-1]["id"] != ACME
    assert len(get(emulator, "customers/livestatus", "page=10")["customers"]) == 5
    assert len(get(emulator, "customers/livestatus", "page=2&limit=100")["customers"]) == 100
    lights = [c["livestatus"]["network_virus"]["light"] for c in get(emulator, "customers/livestatus", "limit=100")["customers"]]
    assert {0, 1, 2} <= set(lights)


def test_livestatus_begin_time_keeps_later_updates(emulator):
    acme = get(emulator, "customers/livestatus", "cids=%s,%s" % (ACME, LOGISTICS))["customers"]
    acme_time, logistics_time = [c["livestatus"]["update_time"] for c in acme]
    assert logistics_time < acme_time
    after = get(emulator, "customers/livestatus", "cids=%s,%s&begin_time=%d" % (ACME, LOGISTICS, logistics_time))
    assert [c["id"] for c in after["customers"]] == [ACME] and after["paging"]["total"] == 1
    assert get(emulator, "customers/livestatus", "cids=%s&begin_time=%d" % (ACME, acme_time))["customers"] == []
    recent = get(emulator, "customers/livestatus", "begin_time=%d" % (time.time() - 3600))["paging"]["total"]
    assert 1 <= recent < 230


@pytest.mark.parametrize("query", ["begin_time=soon", "begin_time=", "limit=101", "limit=0", "page=0",
                                   "cids=" + ",".join("C%d" % n for n in range(11))])
def test_livestatus_parameter_errors(emulator, query):
    assert_invalid(emulator, "customers/livestatus", query)


# ---- components -----------------------------------------------------------------------------------------

def test_components_all_fields_without_extra_fields(emulator):
    answer = components(emulator, ACME)
    assert answer["paging"] == {"total": 3, "limit": 100, "page": 1}
    (customer,) = answer["customers"]
    assert customer["id"] == ACME and [set(row) for row in customer["computers"]] == [{"cid"} | set(COMPONENT_FIELDS)] * 3
    row = customer["computers"][0]
    assert row["ip_addr"] == "192.168.0.97" and row["components"][0] == {"name": "Virus Pattern", "version": "19.331.00"}


def test_components_fields_and_extra_fields(emulator):
    rows = acme_rows(emulator, "fields=platform,arch&extra_fields=out_of_date,group_name")
    assert [set(row) for row in rows.values()] == [{"cid", "platform", "arch", "out_of_date", "group_name"}] * 3
    assert [(row["out_of_date"], row["group_name"]) for row in rows.values()] == [
        (False, "Device (Default)"), (True, "Device (Default)"), (True, "Server (Default)")]
    every = acme_rows(emulator, "extra_fields=label")
    assert [set(row) for row in every.values()] == [{"cid", "label"} | set(COMPONENT_FIELDS)] * 3


def test_components_ccids_beyond_99_are_ignored_and_unknown_give_no_row(emulator):
    initech = get(emulator, "customers", "q=initech")["customers"][0]["id"]
    cids = [row["cid"] for page in (1, 2) for c in get(emulator, "customers/computers", "cids=%s&page=%d" % (initech, page))["customers"]
            for row in c["computers"]]
    assert len(cids) == 120
    filler = ["%032x" % n for n in range(98)]
    assert components(emulator, initech, "ccids=" + ",".join(filler + [cids[5]]))["paging"]["total"] == 1
    assert components(emulator, initech, "ccids=" + ",".join(filler + ["0" * 32, cids[5]]))["paging"]["total"] == 0
    chosen = components(emulator, initech, "ccids=%s,%s&fields=version" % (cids[6], cids[3]))["customers"][0]["computers"]
    assert [row["cid"] for row in chosen] == [cids[3], cids[6]]  # in the customer's order
    out_of_date = components(emulator, initech, "fields=version&extra_fields=out_of_date&page=2&limit=60")
    assert out_of_date["paging"] == {"total": 120, "limit": 60, "page": 2}
    assert len([row for row in out_of_date["customers"][0]["computers"] if row["out_of_date"]]) == 9


def test_components_of_an_unknown_customer(emulator):
    assert components(emulator, "00000000-0000-0000-0000-000000000000") == {
        "paging": {"total": 0, "limit": 100, "page": 1}, "customers": []}


@pytest.mark.parametrize("query, message", [
    ("", "Invalid parameter cids: Only accept one Customer ID"),
    ("cids=", "Invalid parameter cids: Only accept one Customer ID"),
    ("cids=%s,%s" % (ACME, LOGISTICS), "Invalid parameter cids: Only accept one Customer ID"),
    ("cids=%s&fields=platform,os" % ACME, None),
    ("cids=%s&fields=" % ACME, None),
    ("cids=%s&extra_fields=out_of_date,colour" % ACME, None),
    ("cids=%s&extra_fields=platform" % ACME, None),
    ("cids=%s&ccids=a,,b" % ACME, None),
    ("cids=%s&limit=101" % ACME, None),
    ("cids=%s&page=0" % ACME, None),
])
def test_components_parameter_errors(emulator, query, message):
    assert_invalid(emulator, "components", query, message)


@pytest.mark.parametrize("command", ["customers/computers", "customers/livestatus", "components?cids=" + ACME])
def test_read_services_are_get_without_body(emulator, command):
    assert_wfbss_error(wfbss(emulator, "GET", WFBSS_BASE + command, body=b"{}"), 400, "InvalidParameters")
    assert_wfbss_error(wfbss(emulator, "POST", WFBSS_BASE + command), 405, "MethodNotAllowed")


def test_faults_and_call_log_on_read_services(emulator):
    emulator.add_fault(api="wfbss", service="customers/computers", kind="status", status=503)
    assert_wfbss_error(wfbss(emulator, "GET", WFBSS_BASE + "customers/computers"), 503, "ServiceUnavailable")
    assert wfbss(emulator, "GET", WFBSS_BASE + "customers/computers").status == 200
    get(emulator, "components", "cids=" + ACME)
    assert [(c["service"], c["status"], c["fault"]) for c in emulator.calls()] == [
        ("customers/computers", 503, "status"), ("customers/computers", 200, None), ("components", 200, None)]
    assert emulator.calls()[-1]["params"] == {"cids": ACME}


# ---- what commands change ----------------------------------------------------------------------------------

def acme_livestatus(emulator):
    return get(emulator, "customers/livestatus", "cids=" + ACME)["customers"][0]["livestatus"]


def test_livestatus_reset_of_some_events(emulator):
    before = acme_livestatus(emulator)
    post(emulator, "commands/reset", "type=livestatus&events=virus_incidents,spyware_unsuccessful&cids=" + ACME)
    after = acme_livestatus(emulator)
    assert after["antivirus"] == {"light": 0, "incident_exceed": {"count": 0, "start_time": 0, "end_time": 0}}
    assert after["wtp"] == before["wtp"] and after["license"] == before["license"]
    assert after["update_time"] > before["update_time"] and abs(after["update_time"] - time.time()) < 5
    assert get(emulator, "customers/livestatus", "begin_time=%d" % before["update_time"])["customers"][0]["id"] == ACME


def test_livestatus_reset_of_every_event_and_counter_reset(emulator):
    post(emulator, "commands/reset", "type=counter&cids=" + ACME)
    assert acme_livestatus(emulator)["antivirus"]["light"] == 2
    post(emulator, "commands/reset", "type=livestatus&cids=%s,NOBODY" % ACME)
    after = acme_livestatus(emulator)
    assert all(after[key]["light"] == 0 and after[key]["incident_exceed"]["count"] == 0
               for key in LIVESTATUS_KEYS - {"update_time", "license"})
    assert set(after["license"]) == LICENSE_KEYS


def test_update_clears_out_of_date_in_the_groups_named(emulator):
    before = acme_rows(emulator, "fields=last_connect_time,version&extra_fields=out_of_date")
    post(emulator, "commands/update", "gids=2&cids=" + ACME)
    after = acme_rows(emulator, "fields=last_connect_time,version&extra_fields=out_of_date")
    server, reception = md5_cid(ACME, "ACME-DC01"), md5_cid(ACME, "RECEPTION")
    assert (after[server]["out_of_date"], after[reception]["out_of_date"]) == (False, True)
    assert after[server]["last_connect_time"] > before[server]["last_connect_time"]
    assert after[reception] == before[reception]
    post(emulator, "commands/update", "cids=" + ACME)
    assert not any(row["out_of_date"] for row in acme_rows(emulator, "fields=version&extra_fields=out_of_date").values())


def test_scan_start_and_stop_set_the_manual_scan_times(emulator):
    fields = "fields=manual_start_time,manual_complete_time"
    assert all(row["manual_start_time"] == 0 for row in acme_rows(emulator, fields).values())
    post(emulator, "commands/scan", "type=start&cids=" + ACME)
    started = acme_rows(emulator, fields)
    assert all(abs(row["manual_start_time"] - time.time()) < 5 and row["manual_complete_time"] == 0 for row in started.values())
    post(emulator, "commands/scan", "type=stop&gids=1&cids=" + ACME)
    stopped = acme_rows(emulator, fields)
    assert [row["manual_complete_time"] > 0 for row in stopped.values()] == [True, True, False]
    assert control(emulator, "POST", "/_emulator/reset").status == 200
    assert all(row["manual_start_time"] == 0 for row in acme_rows(emulator, fields).values())


# ---- N-sight: list_devices_at_client ---------------------------------------------------------------------------

DEVICE_CHILDREN = ["id", "name", "username", "description", "status", "checkcount", "takecontrol", "patch", "mav", "mob",
                   "systray", "mavbreck"]


def listed_sites(emulator, clientid, device_type):
    client = nsight_xml(emulator, service="list_devices_at_client", clientid=clientid, devicetype=device_type).find("items/client")
    return client, [(site.findtext("id"), site.findtext("name"), [(d.findtext("id"), d.findtext("name"), d.findtext("mav"))
                                                                  for d in site.findall(device_type)])
                    for site in client.findall("site")]


def test_list_devices_at_client_documented_shape(emulator):
    client, sites = listed_sites(emulator, "101", "server")
    assert [child.tag for child in client] == ["id", "name", "site", "site"] and client.findtext("id") == "101"
    # Ordered by site name, then by device name.
    assert sites == [("202", "Branch North", [("1003", "NW-APP01", "1")]),
                     ("201", "Main Office", [("1001", "NW-DC01", "1"), ("1002", "NW-FS01", "1")])]
    device = client.find("site/server")
    assert [child.tag for child in device] == DEVICE_CHILDREN
    assert [child.tag for child in device.find("checkcount")] == ["dsc_247", "pass", "clear", "fail"]
    assert all(device.findtext(flag) in ("0", "1") for flag in DEVICE_CHILDREN[6:])


def test_list_devices_at_client_leaves_out_sites_without_such_devices(emulator):
    assert listed_sites(emulator, "102", "server")[1] == [
        ("203", "Head Office", [("1004", "CL-SQL01", "1"), ("1005", "CL-WEB01", "1")]), ("204", "Warehouse", [("1007", "CL-DC02", "1")])]
    assert listed_sites(emulator, "103", "workstation")[1] == [
        ("207", "Archive", [("1016", "FB-WS-SCANNER", "0")]),
        ("206", "City Office", [("1009", "FB-WS-PARTNER1", "1"), ("1010", "FB-WS-PARTNER2", "1")])]
    client, sites = listed_sites(emulator, "101", "mobile_device")
    assert sites == [] and [child.tag for child in client] == ["id", "name"]
    assert_error(nsight_xml(emulator, service="list_devices_at_client", clientid="101", devicetype="printer"), 4,
                 "Invalid value for parameter: devicetype")


def test_devices_put_straight_into_the_state_are_listed(emulator):
    with emulator.state.lock:
        row = (8001, "AA-FIRST", "server", 201, "Windows 11 Pro", "10.80.0.1", 1, None, "none")
        emulator.state.devices[8001] = seed_data.build_device(row, emulator.state.sites, seed_data.utc_now())
    assert listed_sites(emulator, "101", "server")[1][1][2][0] == ("8001", "AA-FIRST", "0")


def test_list_devices_at_client_describe_names_the_documented_fields(emulator):
    fields = nsight_xml(emulator, service="list_devices_at_client", describe="true").findtext("service/fielddescriptions")
    for name in DEVICE_CHILDREN:
        assert "<td>%s</td>" % name in fields
    assert "<td>os</td>" not in fields and "<td>online</td>" not in fields


# ---- the synthetic estate ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def estate_emulator():
    running = Emulator(estate=(4, 8, 200)).start()
    yield running
    running.stop()


def test_estate_spreads_sites_and_devices_evenly(estate_emulator):
    with estate_emulator.state.lock:
        state = estate_emulator.state
        clients = [c for c in state.clients if c >= 600001]
        sites = [s for s in state.sites.values() if s["siteid"] >= 700001]
        devices = [d for d in state.devices.values() if d["id"] >= 1000001]
        assert clients == [600001, 600002, 600003, 600004] and len(sites) == 8 and len(devices) == 200
        assert sorted(len(state.sites_of_client(c)) for c in clients) == [2] * 4
        assert sorted(len(state.devices_of(siteid=s["siteid"])) for s in sites) == [25] * 8
        assert len([d for d in devices if d["type"] == "server"]) == 50
        no_mav = [d for d in devices if not d["mav"]]
        assert len(no_mav) == 20 and all(d["engine"] is None and d["scans"] == [] for d in no_mav)
        with_mav = [d for d in devices if d["mav"]]
        assert all(d["engine"] == "bitdefender" and [s["state"] for s in d["scans"]] == ["finished"] for d in with_mav)
        shared = [d for d in devices if d["name"] == "RECEPTION-PC"]
        assert len({d["clientid"] for d in shared}) == 4
        assert max(state.devices) == 1000200 and 1016 in state.devices


def test_estate_is_served_and_survives_reset(estate_emulator):
    client, sites = listed_sites(estate_emulator, "600002", "workstation")
    assert client.findtext("name") == "Estate Client 0002" and [s[1] for s in sites] == ["Estate Site 00003", "Estate Site 00004"]
    assert sum(len(s[2]) for s in sites) == 38
    assert control(estate_emulator, "POST", "/_emulator/reset").status == 200
    assert listed_sites(estate_emulator, "600002", "workstation")[1] == sites


def test_estate_listings_stay_fast():
    """The site walk of a 300-client estate: 1 + 300 + 900 x 2 = 2,101 calls, a few ms each at most."""
    state = Emulator(estate=(300, 900, 10000)).state
    calls = [{"service": "list_clients"}]
    calls += [{"service": "list_sites", "clientid": str(c)} for c in range(600001, 600301)]
    calls += [{"service": service, "siteid": str(s)} for s in range(700001, 700901) for service in ("list_servers", "list_workstations")]
    calls += [{"service": "list_devices_at_client", "clientid": str(c), "devicetype": "workstation"} for c in range(600001, 600301)]
    started = time.time()
    for params in calls:
        nsight_api.answer(state, dict(params, apikey=NSIGHT_API_KEY))
    assert (time.time() - started) / len(calls) < 0.003
    assert len(state.devices) == 10000 + 16


def test_estate_command_line():
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), "--estate", "2,4,10"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = server.stdout.readline().decode("ascii").strip()
        assert url.startswith("http://127.0.0.1:")
    finally:
        server.terminate()
        server.communicate(timeout=10)
    for bad in ("2,1,10", "0,1,1", "1,2", "a,b,c"):
        refused = subprocess.run([sys.executable, os.path.join(HERE, "server.py"), "--estate", bad], capture_output=True, timeout=20, check=False)
        assert refused.returncode == 2 and b"--estate" in refused.stderr
