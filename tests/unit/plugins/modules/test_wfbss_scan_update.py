# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""wfbss_scan and wfbss_update: the command batching they share with wfbss_reset, and their own options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import quote

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    ResponseParseError,
    TransportError,
    WfbssApiError,
)
from ansible_collections.msp.antivirus.plugins.modules import wfbss_scan, wfbss_update
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Reply
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import ansible_module, module_runner

TOKEN = "scan-token+4a6e/9d55=7f0e"
SECRET = "scan/secret=key%20x+y"
ACME = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
LOGISTICS = "549390C2-61B3-417E-B1F0-8955A63C08F3"
BASE = "/SMPI/v2.8/service/wfbss/api/"


def cids_of(count):
    return ["CID-{0:02d}".format(index) for index in range(count)]


class FakeWfbss:
    """Stands in for WfbssClient: records scan and update commands and answers PENDING tasks ``task-N``, or raises
    the error that ``failures`` gives for the command of that index (0 is the first)."""

    warnings = []

    def __init__(self, failures=None):
        self.failures = dict(failures or {})
        self.commands = []
        self.closed = False

    def _task(self, command):
        index = len(self.commands)
        self.commands.append(command)
        if index in self.failures:
            raise self.failures[index]
        return {"id": "task-{0}".format(index + 1), "status": "PENDING"}

    def scan(self, scan_type, cids, gids=None):
        return self._task(("scan", scan_type, list(cids), gids))

    def update(self, cids, gids=None):
        return self._task(("update", list(cids), gids))

    def close(self):
        self.closed = True


def run(module, client, check_mode=False, **args):
    args.setdefault("access_token", TOKEN)
    args.setdefault("secret_key", SECRET)
    return module.run(ansible_module(module.build_module, args, check_mode=check_mode), client)


# --------------------------------------------------------------------------- batching and gids

@pytest.mark.parametrize("count, sizes", [(1, [1]), (10, [10]), (11, [10, 1]), (21, [10, 10, 1])])
def test_scan_cids_go_in_commands_of_at_most_ten(count, sizes):
    cids = cids_of(count)
    client = FakeWfbss()
    result = run(wfbss_scan, client, type="start", cids=cids)
    expected, start = [], 0
    for size in sizes:
        expected.append(cids[start:start + size])
        start += size
    assert client.commands == [("scan", "start", batch, None) for batch in expected]
    results = result.pop("results")
    assert [(item["cid"], item["changed"], item["service"]) for item in results] == [
        (cid, True, "commands/scan") for cid in cids]
    assert result == {
        "changed": True,
        "batches": expected,
        "tasks": [{"id": "task-{0}".format(index + 1), "status": "PENDING", "cids": batch}
                  for index, batch in enumerate(expected)],
        "msg": "Sent {0} scan command(s) of type start for {1} customer(s).".format(len(sizes), count),
    }
    assert client.closed is False


def test_update_with_gids_sent_with_every_command_duplicates_dropped():
    client = FakeWfbss()
    cids = cids_of(12)
    result = run(wfbss_update, client, cids=cids + [cids[0], " " + cids[3]], gids=["G1", "G2", " G1 "])
    assert client.commands == [("update", cids[:10], ["G1", "G2"]), ("update", cids[10:], ["G1", "G2"])]
    assert result["msg"] == "Sent 2 update command(s) for 12 customer(s)."


def test_stop_scan_without_gids():
    client = FakeWfbss()
    run(wfbss_scan, client, type="stop", cids=[LOGISTICS, ACME, LOGISTICS])
    assert client.commands == [("scan", "stop", [LOGISTICS, ACME], None)]


@pytest.mark.parametrize("module, args, message", [
    (wfbss_scan, dict(type="start", cids=[]), "cids is empty: list at least one WFBSS customer id."),
    (wfbss_scan, dict(type="start", cids=["A,B"]), "cids must be single, non-empty customer ids"),
    (wfbss_update, dict(cids=[ACME, " "]), "fix ''."),
    (wfbss_update, dict(cids=[ACME], gids=[]), "gids is empty: omit gids to act on every group"),
    (wfbss_scan, dict(type="stop", cids=[ACME], gids=["G1,G2"]), "gids must be single, non-empty group ids"),
    (wfbss_update, dict(cids=[ACME], gids=[""]), "gids must be single, non-empty group ids"),
])
def test_bad_input_is_refused_before_any_command(module, args, message):
    client = FakeWfbss()
    with pytest.raises(InvalidOptionError) as raised:
        run(module, client, **args)
    assert message in raised.value.message
    assert client.commands == []


def test_check_mode_sends_nothing_and_shows_the_batches():
    cids = cids_of(15)
    for module, args, what in ((wfbss_scan, dict(type="start"), "Would send 2 scan command(s) of type start for 15"),
                               (wfbss_update, dict(gids=["G"]), "Would send 2 update command(s) for 15")):
        client = FakeWfbss()
        result = run(module, client, check_mode=True, cids=cids, **args)
        assert client.commands == []
        assert result["changed"] is True and result["tasks"] == []
        assert [item["cid"] for item in result["results"] if item["changed"]] == cids
        assert result["batches"] == [cids[:10], cids[10:]]
        assert result["msg"].startswith(what)


# --------------------------------------------------------------------------- partial failure

def test_failure_of_the_second_command_fails_its_customers_and_the_third_is_sent():
    cids = cids_of(25)
    error = WfbssApiError("WFBSS answered HTTP 500 InternalError to POST commands/scan: boom. Next: retry.",
                          http_status=500, error_subject="InternalError")
    client = FakeWfbss(failures={1: error})
    result = run(wfbss_scan, client, type="start", cids=cids)
    assert len(client.commands) == 3
    assert result["failed"] is True and result["changed"] is True
    assert result["tasks"] == [{"id": "task-1", "status": "PENDING", "cids": cids[:10]},
                               {"id": "task-3", "status": "PENDING", "cids": cids[20:]}]
    assert result["not_sent"] == cids[10:20]
    assert [item["cid"] for item in result["results"] if item.get("failed")] == cids[10:20]
    assert "not_reset" not in result and "unconfirmed" not in result
    assert result["http_status"] == 500 and result["error_subject"] == "InternalError"
    assert result["msg"].endswith(" Of 3 command(s), 2 created a task, 1 failed and 0 were not sent.")


def test_lost_answer_is_unconfirmed_and_not_sent_again():
    error = TransportError("Could not reach WFBSS: read timed out. It was not sent again.")
    error.outcome_unknown = True
    cids = cids_of(12)
    client = FakeWfbss(failures={0: error})
    result = run(wfbss_update, client, cids=cids)
    # The lost command is not sent again; the next one is sent.
    assert [command[1] for command in client.commands] == [cids[:10], cids[10:]]
    assert result["failed"] is True and result["changed"] is True
    assert result["unconfirmed"] == cids[:10] and result["not_sent"] == []
    assert result["tasks"] == [{"id": "task-2", "status": "PENDING", "cids": cids[10:]}]
    assert all(item["uncertain"] for item in result["results"][:10])


def test_a_malformed_answer_to_the_only_command_changes_nothing():
    client = FakeWfbss(failures={0: ResponseParseError("WFBSS answered commands/update without the task.")})
    result = run(wfbss_update, client, cids=[ACME])
    assert result.pop("results")[0]["failed"] is True
    assert result == {"failed": True, "changed": False, "batches": [[ACME]], "tasks": [], "not_sent": [ACME],
                      "msg": "WFBSS answered commands/update without the task."}


# --------------------------------------------------------------------------- through main(), signed HTTP

def task_reply(number):
    return Reply(200, json.dumps({"task": {"id": "4cab9d44-0000-0000-0000-{0:012d}".format(number),
                                           "status": "PENDING"}}), content_type="application/json")


def runner(module, local_server, capsys):
    return module_runner(module.main, dict(url=local_server.url, access_token=TOKEN, secret_key=SECRET, retries=0),
                         [TOKEN, SECRET, quote(TOKEN, safe=""), quote(SECRET, safe="")], capsys)


def test_main_scan_sends_signed_commands(local_server, capsys):
    local_server.script(task_reply(1), task_reply(2))
    cids = cids_of(11)
    result = runner(wfbss_scan, local_server, capsys)(type="stop", cids=cids, gids=["G1", "G2"])
    assert result.rc == 0 and result["changed"] is True, result
    assert [(request.method, request.path) for request in local_server.requests] == [("POST", BASE + "commands/scan")] * 2
    assert [(request.param("type"), request.param("cids"), request.param("gids")) for request in local_server.requests] \
        == [("stop", ",".join(cids[:10]), "G1,G2"), ("stop", cids[10], "G1,G2")]
    assert all(request.headers["x-signature"] for request in local_server.requests)
    assert [task["id"][-1] for task in result["tasks"]] == ["1", "2"]


def test_main_update_without_gids_sends_no_gids(local_server, capsys):
    local_server.script(task_reply(1))
    result = runner(wfbss_update, local_server, capsys)(cids=[ACME])
    assert result.rc == 0, result
    (request,) = local_server.requests
    assert request.path == BASE + "commands/update"
    assert request.param("cids") == ACME and request.param("gids") is None and request.param("type") is None


def test_main_partial_failure_fails_with_what_was_done(local_server, capsys):
    local_server.script(task_reply(1), Reply(401, json.dumps({"error_subject": "AuthenticationFailureSignature",
                                                              "error_message": "Signature mismatch"}),
                                             content_type="application/json"))
    cids = cids_of(15)
    result = runner(wfbss_update, local_server, capsys)(cids=cids)
    assert result.rc == 1 and result.failed
    assert result["not_sent"] == cids[10:] and "check secret_key" in result["msg"]


@pytest.mark.parametrize("module, args, fragment", [
    (wfbss_scan, dict(cids=[ACME]), "missing required arguments: type"),
    (wfbss_scan, dict(type="pause", cids=[ACME]), "type"),
    (wfbss_update, dict(cids=[ACME], gids=[]), "gids is empty"),
    (wfbss_update, dict(cids=[]), "cids is empty"),
    (wfbss_scan, dict(type="start", cids=[ACME], api_version="2.8"), "api_version '2.8' is not a version"),
])
def test_main_bad_input_fails_without_any_request(local_server, capsys, module, args, fragment):
    result = runner(module, local_server, capsys)(**args)
    assert result.rc == 1 and fragment in result["msg"]
    assert local_server.requests == []


def test_main_check_mode_sends_nothing(local_server, capsys):
    result = runner(wfbss_scan, local_server, capsys)(check_mode=True, type="start", cids=[ACME])
    assert result.rc == 0 and result["changed"] is True and result["tasks"] == []
    assert local_server.requests == []
