# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket
import subprocess
import sys
from urllib.parse import quote

import pytest

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_CORE_VERSION

from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError, NsightApiError
from ansible_collections.msp.antivirus.plugins.module_utils import nsight as nsight_client
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightReply
from ansible_collections.msp.antivirus.plugins.modules import nsight_mav_scan
from ansible_collections.msp.antivirus.tests.unit.helpers.fake_nsight import (
    API_KEY,
    FakeNsight,
    fail_xml,
)
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Drop, Reply, Truncate
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import (
    ansible_module,
    nsight_module_runner,
    nsight_run_runner,
    run_module,
)

SEED_FAIL = "Cannot execute action : scan is not running."
ACTION_SERVICES = {"mav_scan_pause", "mav_scan_resume", "mav_scan_start", "mav_scan_cancel"}


@pytest.fixture
def nsight(local_server):
    router = FakeNsight(devices={
        101: ("bitdefender", ["Scan In Progress", "Scan Finished Normally"]),
        102: ("vipre", ["PAUSED"]),
        103: ("vipre", ["FINISHED"]),
        104: ("bitdefender", []),
    })
    local_server.router = router
    return local_server


@pytest.fixture
def run(nsight, capsys):
    """main(), its result as the module prints it."""
    return nsight_module_runner(nsight_mav_scan.main, nsight.url, API_KEY, capsys)


@pytest.fixture
def act(nsight):
    """nsight_mav_scan.run(module, client) itself, with a real NsightClient against the local N-sight."""
    return nsight_run_runner(nsight_mav_scan, nsight.url, API_KEY)


def services_requested(server):
    return [(request.param("service"), request.param("deviceid")) for request in server.requests]


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, fragments", [
    (dict(deviceid=0, state="paused"), ("deviceid must be a positive integer", "got 0")),
    (dict(deviceid=-1, state="paused"), ("deviceid must be a positive integer", "got -1")),
    (dict(deviceid="abc", state="paused"), ("deviceid", "int")),
    (dict(deviceid=1, deviceids=[2], state="paused"), ("mutually exclusive", "deviceid")),
    (dict(state="paused"), ("deviceid", "deviceids", "describe=true")),
    (dict(deviceids=[], state="paused"), ("deviceids is empty",)),
    (dict(deviceids=[5, 0, -3], state="paused"), ("positive integers", "0, -3")),
    (dict(deviceids=["x"], state="paused"), ("deviceids",)),
    (dict(deviceid=1, state="frozen"), ("state", "paused", "resumed", "started", "cancelled")),
    (dict(deviceid=1), ("missing required arguments: state",)),
    (dict(deviceid=1, state="paused", server="ftp://127.0.0.1:21"), ("unsupported scheme 'ftp'",)),
    (dict(deviceid=1, state="paused", server="https://h/api/?x=1"), ("no query string",)),
    (dict(deviceid=1, state="paused", server=""), ("server is empty",)),
    (dict(deviceid=1, state="paused", api_key=""), ("api_key is empty",)),
    (dict(deviceid=1, state="paused", timeout=0), ("timeout must be a positive number", "got 0")),
    (dict(deviceid=1, state="paused", retries=-1), ("retries must be from 0 to 10", "got -1")),
    (dict(deviceid=1, state="paused", validate_certs="maybe"), ("validate_certs",)),
], ids=["deviceid-0", "deviceid-negative", "deviceid-abc", "both", "neither", "deviceids-empty",
        "deviceids-nonpositive", "deviceids-abc", "unknown-state", "no-state", "ftp-server", "query-server",
        "empty-server", "empty-key", "timeout-0", "retries-negative", "validate-certs-garbage"])
def test_bad_input_fails_clearly_without_any_request(nsight, run, args, fragments):
    result = run(**args)
    assert result.failed and result.rc == 1
    for fragment in fragments:
        assert fragment in result["msg"]
    assert nsight.requests == []
    assert len(nsight.connections) == 0


def test_missing_key_and_server_fail_as_required(nsight, capsys):
    result = run_module(nsight_mav_scan.main, dict(deviceid=1, state="paused"), capsys)
    assert result.failed
    assert "missing required arguments" in result["msg"]
    assert "api_key" in result["msg"] and "server" in result["msg"]
    assert nsight.requests == []


def test_environment_fallbacks(nsight, capsys, monkeypatch):
    monkeypatch.setenv("NSIGHT_SERVER", nsight.url)
    monkeypatch.setenv("NSIGHT_API_KEY", API_KEY)
    result = run_module(nsight_mav_scan.main, dict(deviceid=101, state="paused", retries=0), capsys)
    assert not result.failed, result
    assert result["changed"] is True
    assert nsight.requests[0].param("apikey") == API_KEY
    assert API_KEY not in result.stdout


# --------------------------------------------------------------------------- describe

def test_describe_returns_description_and_acts_on_nothing(nsight, act):
    result = act(state="resumed", describe=True)
    assert "failed" not in result, result
    assert result["changed"] is False
    assert result["service"] == "mav_scan_resume"
    assert result["api_status"] == "OK"
    assert "results" not in result
    description = result["description"]
    assert description["name"] == "mav_scan_resume"
    assert isinstance(description["parameters"], list)
    assert [parameter["name"] for parameter in description["parameters"]] == ["deviceid", "describe"]
    assert len(nsight.requests) == 1
    assert nsight.requests[0].param("describe") == "true"
    assert nsight.requests[0].param("deviceid") is None


def test_describe_refused_is_raised_by_run(nsight, act):
    with pytest.raises(NsightApiError) as raised:
        act(state="paused", describe=True, api_key="wrong-" + API_KEY[:5])
    assert raised.value.details["api_code"] == 3


def test_run_refuses_bad_input_before_using_the_client():
    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError("the client was used: " + name)

    module = ansible_module(nsight_mav_scan.build_module, dict(server="h.example", api_key="k", deviceids=[0],
                                                               state="paused"))
    with pytest.raises(InvalidOptionError) as raised:
        nsight_mav_scan.run(module, Untouchable())
    assert raised.value.message == ("deviceids must hold positive integers (N-sight serverid or workstationid "
                                    "values); got 0.")


# --------------------------------------------------------------------------- one device

def single_keys(result):
    """The top-level keys of a one-device result, which ``results`` repeats as its only item."""
    return dict((key, value) for key, value in result.items() if key != "results")


@pytest.mark.parametrize("state, service", [("paused", "mav_scan_pause"), ("resumed", "mav_scan_resume"),
                                            ("started", "mav_scan_start"), ("cancelled", "mav_scan_cancel")])
def test_single_device_ok(nsight, act, state, service):
    result = act(deviceid=101, state=state)
    assert "failed" not in result, result
    assert result["changed"] is True
    assert result["deviceid"] == 101
    assert result["service"] == service
    assert result["api_status"] == "OK"
    assert "101" in result["msg"]
    assert services_requested(nsight) == [(service, "101")]


def test_single_device_result_is_also_in_results(nsight, act):
    result = act(deviceid=101, state="paused")
    assert single_keys(result) == {"deviceid": 101, "service": "mav_scan_pause", "changed": True,
                                   "api_status": "OK", "msg": "Paused the MAV scan on device 101."}
    assert result["results"] == [single_keys(result)]


def test_single_device_failure_is_also_in_results(nsight, act):
    nsight.router.actions[("mav_scan_pause", 101)] = fail_xml("Device is offline")
    result = act(deviceid=101, state="paused")
    assert result["failed"] is True
    assert result["results"] == [single_keys(result)]
    assert result["results"][0]["failed"] is True


def test_single_device_already_so_is_unchanged(nsight, act):
    nsight.router.actions[("mav_scan_pause", 103)] = fail_xml(SEED_FAIL)
    result = act(deviceid=103, state="paused")
    assert "failed" not in result, result
    assert result["changed"] is False
    assert result["api_status"] == "FAIL"
    assert SEED_FAIL in result["msg"]


def test_single_device_ambiguous_start_settled_as_no_op(nsight, act):
    nsight.router.actions[("mav_scan_start", 101)] = fail_xml("An error has occurred")
    result = act(deviceid=101, state="started")
    assert "failed" not in result, result
    assert result["changed"] is False
    assert result["scan_state"] == "running"
    assert services_requested(nsight) == [("mav_scan_start", "101"), ("list_mav_scans", "101")]


def test_single_device_real_failure(nsight, act):
    nsight.router.actions[("mav_scan_pause", 101)] = fail_xml("Device is offline")
    result = act(deviceid=101, state="paused")
    assert result["failed"] is True
    assert result["changed"] is False
    assert result["deviceid"] == 101
    assert result["service"] == "mav_scan_pause"
    assert result["api_status"] == "FAIL"
    assert "Device is offline" in result["msg"]


def test_single_device_unknown_id_error_4(nsight, act):
    result = act(deviceid=999, state="paused")
    assert result["failed"] is True
    assert result["api_code"] == 4
    assert "error 4" in result["msg"]
    assert result["deviceid"] == 999


def test_wrong_key_error_3_says_what_to_fix(nsight, act):
    result = act(deviceid=101, state="paused", api_key="wrong-" + API_KEY[:5])
    assert result["failed"] is True
    assert result["api_code"] == 3
    assert "api_key" in result["msg"] and "regional" in result["msg"]


def test_http_403_fails_with_hint(nsight, act):
    nsight.script(Reply(403, "<html>Forbidden by WAF</html>", content_type="text/html"))
    result = act(deviceid=101, state="paused")
    assert result["failed"] is True
    assert result["http_status"] == 403
    assert "Forbidden by WAF" in result["msg"]


def test_unreachable_service_fails_with_transport_message(nsight, act):
    nsight.script(Drop())
    result = act(deviceid=101, state="paused")
    assert result["failed"] is True and result["deviceid"] == 101
    # The pause's answer was lost; one read afterwards shows the scan still running: it did not take effect.
    assert result["msg"].startswith("Device 101: mav_scan_pause did not take effect: every answer to mav_scan_pause "
                                    "was lost (")
    assert result["scan_state"] == "running" and "uncertain" not in result
    assert [request.param("service") for request in nsight.requests] == ["mav_scan_pause", "list_mav_scans"]


def test_server_echoing_key_never_reaches_output(nsight, run):
    nsight.script(Reply(body=fail_xml("Refused for key " + API_KEY)))
    result = run(deviceid=101, state="paused")
    assert result.failed
    assert API_KEY not in json.dumps(result.result)


def core_at_least(major, minor):
    return tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]) >= (major, minor)


@pytest.mark.skipif(not core_at_least(2, 19), reason="error tracebacks in results exist from ansible-core 2.19")
def test_error_traceback_never_carries_url_encoded_key(capsys, monkeypatch):
    # The module side caches whether tracebacks are wanted, once per process: forget it for this run.
    from ansible.module_utils._internal import _traceback
    monkeypatch.setattr(_traceback, "_module_tracebacks_enabled_events", None)
    key = "unit/Key+with=chars"
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    result = run_module(nsight_mav_scan.main, dict(server="http://127.0.0.1:{0}".format(port), api_key=key, retries=0,
                                                   state="paused", describe=True, _ansible_tracebacks_for=["error"]),
                        capsys)
    assert result.failed
    assert "exception" in result.result  # tracebacks were on
    assert key not in result.stdout
    assert quote(key, safe="") not in result.stdout


def test_connection_dropped_mid_body_fails_cleanly(nsight, act):
    nsight.script(Truncate())
    result = act(deviceid=101, state="paused")
    assert result["failed"] is True and "did not take effect" in result["msg"]


# --------------------------------------------------------------------------- check mode

@pytest.mark.parametrize("deviceid, state, changed, scan_state", [
    (101, "paused", True, "running"),
    (102, "paused", False, "paused"),
    (102, "resumed", True, "paused"),
    (103, "started", True, "finished"),
    (104, "cancelled", False, "none"),
])
def test_check_mode_single_acts_on_nothing(nsight, act, deviceid, state, changed, scan_state):
    result = act(check_mode=True, deviceid=deviceid, state=state)
    assert "failed" not in result, result
    assert result["changed"] is changed
    assert result["scan_state"] == scan_state
    assert "api_status" not in result
    assert result["results"] == [single_keys(result)]
    assert not ACTION_SERVICES & set(service for service, dummy in services_requested(nsight))


def test_check_mode_start_on_paused_scan_fails(nsight, act):
    result = act(check_mode=True, deviceid=102, state="started")
    assert result["failed"] is True
    assert "state=resumed" in result["msg"]


def test_check_mode_bulk(nsight, act):
    result = act(check_mode=True, deviceids=[101, 102, 103], state="paused")
    assert "failed" not in result, result
    assert [item["changed"] for item in result["results"]] == [True, False, False]
    assert result["changed"] is True
    assert set(service for service, dummy in services_requested(nsight)) == {"list_mav_scans"}


# --------------------------------------------------------------------------- many devices

def test_bulk_results_shape_order_and_duplicates(nsight, act):
    nsight.router.actions[("mav_scan_pause", 103)] = fail_xml(SEED_FAIL)
    result = act(deviceids=[103, 101, 102, 101], state="paused")
    assert "failed" not in result, result
    assert result["changed"] is True
    assert result["service"] == "mav_scan_pause"
    assert "deviceid" not in result
    results = result["results"]
    assert [item["deviceid"] for item in results] == [103, 101, 102]
    assert [item["changed"] for item in results] == [False, True, True]
    for item in results:
        assert item["service"] == "mav_scan_pause"
        assert item["api_status"] in ("OK", "FAIL")
        assert item["msg"]
        assert "failed" not in item
    assert result["msg"] == "2 device(s) changed, 1 unchanged, 0 failed."
    assert sorted(services_requested(nsight)) == [("mav_scan_pause", "101"), ("mav_scan_pause", "102"),
                                                  ("mav_scan_pause", "103")]


def test_bulk_failed_device_fails_task_but_others_acted(nsight, act):
    nsight.router.actions[("mav_scan_resume", 102)] = fail_xml("Device is offline")
    result = act(deviceids=[101, 102, 103, 999], state="resumed")
    assert result["failed"] is True
    by_id = dict((item["deviceid"], item) for item in result["results"])
    assert by_id[102]["failed"] is True and "Device is offline" in by_id[102]["msg"]
    assert by_id[999]["failed"] is True and by_id[999]["api_code"] == 4
    assert by_id[101]["changed"] is True and "failed" not in by_id[101]
    assert by_id[103]["changed"] is True
    assert result["changed"] is True
    assert result["msg"] == "2 device(s) changed, 0 unchanged, 2 failed."
    assert len(services_requested(nsight)) == 4


def test_bulk_wrong_key_fails_every_device(nsight, act):
    result = act(deviceids=[101, 102, 103], state="paused", api_key="bad-key")
    assert result["failed"] is True
    assert all(item["failed"] for item in result["results"])
    assert result["changed"] is False


# --------------------------------------------------------------------------- main() ends the module

def test_main_exits_with_one_device_and_its_results(nsight, run):
    result = run(deviceid=101, state="paused")
    assert not result.failed, result
    assert result.rc == 0
    assert result["changed"] is True
    assert result["deviceid"] == 101
    assert result["results"] == [{"deviceid": 101, "service": "mav_scan_pause", "changed": True,
                                  "api_status": "OK", "msg": "Paused the MAV scan on device 101."}]


def test_main_fails_a_failed_device(nsight, run):
    nsight.router.actions[("mav_scan_pause", 101)] = fail_xml("Device is offline")
    result = run(deviceid=101, state="paused")
    assert result.failed and result.rc == 1
    assert result["changed"] is False
    assert result["deviceid"] == 101
    assert result["api_status"] == "FAIL"
    assert "Device is offline" in result["msg"]
    assert result["results"][0]["failed"] is True


def test_main_fails_a_bulk_task_with_a_failed_device(nsight, run):
    nsight.router.actions[("mav_scan_resume", 102)] = fail_xml("Device is offline")
    result = run(deviceids=[101, 102, 103, 999], state="resumed")
    assert result.failed and result.rc == 1
    assert result["changed"] is True
    assert [item.get("failed", False) for item in result["results"]] == [False, True, False, True]
    assert result["msg"] == "2 device(s) changed, 0 unchanged, 2 failed."


def test_main_fails_an_error_raised_by_run_with_its_details(nsight, run):
    result = run(state="paused", describe=True, api_key="wrong-" + API_KEY[:5])
    assert result.failed and result.rc == 1
    assert result["api_code"] == 3
    assert "api_key" in result["msg"] and "regional" in result["msg"]


def test_main_check_mode_exits(nsight, run):
    result = run(check_mode=True, deviceids=[101, 102], state="paused")
    assert not result.failed, result
    assert result.rc == 0
    assert [item["changed"] for item in result["results"]] == [True, False]
    assert not ACTION_SERVICES & set(service for service, dummy in services_requested(nsight))


# --------------------------------------------------------------------------- missing libraries

def test_missing_library_gives_missing_required_lib(nsight, run, monkeypatch):
    monkeypatch.setattr(nsight_mav_scan, "missing_libraries", lambda params: ["xmltodict"])
    result = run(deviceid=101, state="paused")
    assert result.failed
    assert "Failed to import the required Python library (xmltodict)" in result["msg"]
    assert "Traceback" not in result.stdout
    assert nsight.requests == []


@pytest.mark.parametrize("library", ["requests", "xmltodict"])
def test_missing_library_in_a_fresh_interpreter(tmp_path, library):
    """The module imported where the library really cannot be imported: a message, not a traceback."""
    root = os.path.abspath(nsight_mav_scan.__file__)
    for dummy in range(6):
        root = os.path.dirname(root)
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
        "server": "http://127.0.0.1:9", "api_key": "k", "deviceid": 1, "state": "paused"}}))
    script = (
        "import sys\n"
        "sys.modules[{0!r}] = None\n"
        "from ansible_collections.msp.antivirus.plugins.modules import nsight_mav_scan\n"
        "nsight_mav_scan.main()\n"
    ).format(library)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root] + [path for path in sys.path if path]))
    process = subprocess.run([sys.executable, "-c", script, str(args)], capture_output=True, text=True, env=env,
                             timeout=120, check=False)
    assert "Traceback" not in process.stderr, process.stderr
    result = json.loads([line for line in process.stdout.splitlines() if line.strip()][-1])
    assert result["failed"] is True
    assert "Failed to import the required Python library ({0})".format(library) in result["msg"]
    assert process.returncode == 1


# --------------------------------------------------------------------------- wiring

class RecordingClient:
    """Stands in for NsightClient: records how the module built it, answers every action OK."""

    instances = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.closed = False
        self.calls = []
        self.warnings = []
        RecordingClient.instances.append(self)

    def redact(self, text):
        return str(text)

    def call(self, service, **params):
        self.calls.append((service, params))
        return NsightReply(service, "OK", "", {"@status": "OK"})

    def close(self):
        self.closed = True


def those_of(kwargs, expected):
    """The keyword arguments named in ``expected``: the client may take further options."""
    return dict((name, kwargs.get(name)) for name in expected)


def test_connection_options_reach_the_client(capsys, monkeypatch):
    RecordingClient.instances = []
    monkeypatch.setattr(nsight_mav_scan, "NsightClient", RecordingClient)
    monkeypatch.setenv("NSIGHT_VALIDATE_CERTS", "false")
    result = run_module(nsight_mav_scan.main, dict(server="h.example", api_key="k", timeout=7, retries=2,
                                                   deviceid=5, state="cancelled"), capsys)
    assert not result.failed, result
    client = RecordingClient.instances[0]
    expected = dict(server="h.example", api_key="k", timeout=7, retries=2, validate_certs=False)
    assert those_of(client.kwargs, expected) == expected
    assert client.calls == [("mav_scan_cancel", {"deviceid": 5})]
    assert client.closed is True


def test_defaults_reach_the_client(capsys, monkeypatch):
    RecordingClient.instances = []
    monkeypatch.setattr(nsight_mav_scan, "NsightClient", RecordingClient)
    run_module(nsight_mav_scan.main, dict(server="h.example", api_key="k", deviceid=5, state="paused"), capsys)
    expected = dict(server="h.example", api_key="k", timeout=30, retries=3, validate_certs=True)
    assert those_of(RecordingClient.instances[0].kwargs, expected) == expected


def test_api_key_is_no_log_in_invocation(nsight, run):
    result = run(deviceid=101, state="paused")
    assert not result.failed
    # ansible-core 2.21 no longer returns the invocation; where it does, the key is masked.
    if "invocation" in result.result:
        assert result["invocation"]["module_args"]["api_key"] != API_KEY


# --------------------------------------------------------------------------- budget_url

BUDGET_PASSWORD = "s3cr3t-budget-pass"


def test_budget_url_without_redis_py_names_the_library_and_sends_nothing(nsight, run, monkeypatch):
    monkeypatch.setattr(nsight_client, "HAS_REDIS", False)
    result = run(deviceid=101, state="paused", budget_url="redis://:{0}@cache.example:6379/0".format(BUDGET_PASSWORD))
    assert result.failed and "Failed to import the required Python library (redis)" in result["msg"]
    assert nsight.requests == [] and BUDGET_PASSWORD not in result.stdout


def test_budget_url_from_the_environment_is_checked_and_never_shown(nsight, run, monkeypatch):
    # As where redis-py is installed (the virtualenvs of some cores have it, others not): the URL is checked.
    monkeypatch.setattr(nsight_client, "HAS_REDIS", True)
    monkeypatch.setenv("NSIGHT_BUDGET_URL", "memcached://:{0}@cache.example/".format(BUDGET_PASSWORD))
    result = run(deviceid=101, state="paused")
    assert result.failed and result["msg"].startswith("budget_url must be a Redis URL")
    assert nsight.requests == [] and BUDGET_PASSWORD not in result.stdout
