# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

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
from ansible_collections.msp.antivirus.plugins.modules import wfbss_reset
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Reply
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import ansible_module, module_runner

# Secrets that change under URL encoding, so that an encoded leak cannot pass for no leak.
TOKEN = "reset-token+4a6e/9d55=7f0e"
SECRET = "reset/secret=key%20x+y"
ACME = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
LOGISTICS = "549390C2-61B3-417E-B1F0-8955A63C08F3"
RESET_PATH = "/SMPI/v2.8/service/wfbss/api/commands/reset"


def cids_of(count):
    return ["CID-{0:02d}".format(index) for index in range(count)]


class FakeWfbss:
    """Stands in for WfbssClient: records each reset command and answers a PENDING task ``task-N``,
    or raises the error that ``failures`` gives for the command of that index (0 is the first)."""

    warnings = []

    def __init__(self, failures=None):
        self.failures = dict(failures or {})
        self.commands = []
        self.closed = False

    def reset(self, reset_type, cids, events=None):
        index = len(self.commands)
        self.commands.append((reset_type, list(cids), events))
        if index in self.failures:
            raise self.failures[index]
        return {"id": "task-{0}".format(index + 1), "status": "PENDING"}

    def close(self):
        self.closed = True


def module_of(check_mode=False, **args):
    args.setdefault("access_token", TOKEN)
    args.setdefault("secret_key", SECRET)
    return ansible_module(wfbss_reset.build_module, args, check_mode=check_mode)


def run(client, check_mode=False, **args):
    """``wfbss_reset.run(module, client)`` itself, with a module made of ``args``."""
    return wfbss_reset.run(module_of(check_mode=check_mode, **args), client)


# --------------------------------------------------------------------------- batching

@pytest.mark.parametrize("count, sizes", [
    (1, [1]),
    (9, [9]),
    (10, [10]),
    (11, [10, 1]),
    (20, [10, 10]),
    (21, [10, 10, 1]),
])
def test_cids_are_sent_in_commands_of_at_most_ten(count, sizes):
    cids = cids_of(count)
    expected, start = [], 0
    for size in sizes:
        expected.append(cids[start:start + size])
        start += size
    client = FakeWfbss()
    result = run(client, type="counter", cids=cids)
    assert client.commands == [("counter", batch, None) for batch in expected]
    tasks = [task for index, batch in enumerate(expected) for task in ["task-{0}".format(index + 1)] * len(batch)]
    assert result.pop("results") == [
        {"cid": cid, "service": "commands/reset", "changed": True, "task": {"id": task, "status": "PENDING"},
         "msg": "Sent commands/reset for customer {0}: task {1}.".format(cid, task)} for cid, task in zip(cids, tasks)]
    assert result == {
        "changed": True,
        "batches": expected,
        "tasks": [{"id": "task-{0}".format(index + 1), "status": "PENDING", "cids": batch}
                  for index, batch in enumerate(expected)],
        "msg": "Sent {0} reset command(s) of type counter for {1} customer(s).".format(len(sizes), count),
    }
    # run leaves the client to whoever built it.
    assert client.closed is False


def test_duplicates_are_dropped_in_order_before_batching():
    # Twelve ids, two of them repeats (one with blanks around it): ten distinct ids make one command.
    cids = cids_of(10)
    client = FakeWfbss()
    result = run(client, type="counter", cids=cids[:5] + [cids[0], " " + cids[3] + " "] + cids[5:])
    assert client.commands == [("counter", cids, None)]
    assert result["batches"] == [cids]
    assert result["msg"] == "Sent 1 reset command(s) of type counter for 10 customer(s)."


def test_duplicates_dropped_keep_the_first_position():
    client = FakeWfbss()
    result = run(client, type="counter", cids=[LOGISTICS, ACME, LOGISTICS])
    assert client.commands == [("counter", [LOGISTICS, ACME], None)]
    assert result["tasks"] == [{"id": "task-1", "status": "PENDING", "cids": [LOGISTICS, ACME]}]


def test_an_id_in_another_letter_case_is_a_duplicate():
    """Customer ids are GUIDs: the service takes either case for one customer, so it is sent once."""
    client = FakeWfbss()
    run(client, type="counter", cids=[ACME, LOGISTICS.lower(), ACME.lower(), LOGISTICS])
    assert client.commands == [("counter", [ACME, LOGISTICS.lower()], None)]


# --------------------------------------------------------------------------- events

def test_livestatus_without_events_resets_every_event():
    client = FakeWfbss()
    result = run(client, type="livestatus", cids=[ACME])
    assert client.commands == [("livestatus", [ACME], None)]
    assert result["msg"] == "Sent 1 reset command(s) of type livestatus for 1 customer(s)."


def test_livestatus_events_are_sent_with_every_command_duplicates_dropped():
    client = FakeWfbss()
    cids = cids_of(11)
    run(client, type="livestatus", cids=cids,
        events=["virus_incidents", "spyware_incidents", "virus_incidents"])
    assert client.commands == [
        ("livestatus", cids[:10], ["virus_incidents", "spyware_incidents"]),
        ("livestatus", cids[10:], ["virus_incidents", "spyware_incidents"]),
    ]


@pytest.mark.parametrize("args, message", [
    (dict(type="counter", events=["virus_incidents"]),
     "events applies only to type=livestatus; remove events to reset the counters."),
    (dict(type="livestatus", events=[]),
     "events is empty: omit events to reset every live-status event, or list the events to reset."),
    (dict(type="counter", cids=[]), "cids is empty: list at least one WFBSS customer id."),
    (dict(type="counter", cids=[ACME, "  "]),
     "cids must be single, non-empty customer ids (the API joins them with commas); fix ''."),
    (dict(type="counter", cids=["A,B", ACME, ""]),
     "cids must be single, non-empty customer ids (the API joins them with commas); fix 'A,B', ''."),
], ids=["events-with-counter", "events-empty", "cids-empty", "cid-blank", "cid-with-comma"])
def test_bad_input_is_refused_before_any_command(args, message):
    args.setdefault("cids", [ACME])
    client = FakeWfbss()
    with pytest.raises(InvalidOptionError) as raised:
        run(client, **args)
    assert raised.value.message == message
    assert client.commands == []


# --------------------------------------------------------------------------- check mode

def test_check_mode_sends_nothing_and_reports_the_batches():
    client = FakeWfbss()
    cids = cids_of(21)
    result = run(client, check_mode=True, type="livestatus", cids=cids, events=["wtp_incidents"])
    assert client.commands == []
    assert result.pop("results") == [
        {"cid": cid, "service": "commands/reset", "changed": True,
         "msg": "Would send commands/reset for customer {0}.".format(cid)} for cid in cids]
    assert result == {
        "changed": True,
        "tasks": [],
        "batches": [cids[:10], cids[10:20], cids[20:]],
        "msg": "Would send 3 reset command(s) of type livestatus for 21 customer(s).",
    }


def test_check_mode_still_refuses_bad_input():
    with pytest.raises(InvalidOptionError):
        run(FakeWfbss(), check_mode=True, type="counter", cids=[ACME], events=["wtp_incidents"])


# --------------------------------------------------------------------------- partial failure

def api_error(status=500):
    return WfbssApiError("WFBSS answered HTTP {0} to POST commands/reset: boom. Next: retry later.".format(status),
                         http_status=status, error_subject="InternalError", url="http://wfbss/commands/reset")


def test_failure_of_a_command_fails_its_customers_and_the_next_is_sent():
    cids = cids_of(21)
    error = api_error()
    client = FakeWfbss(failures={1: error})
    result = run(client, type="counter", cids=cids)
    # An HTTP 500 that outlasted the retries is about that command: the third is still sent.
    assert client.commands == [("counter", cids[:10], None), ("counter", cids[10:20], None),
                               ("counter", cids[20:], None)]
    results = result.pop("results")
    assert [item["cid"] for item in results] == cids
    assert [item["cid"] for item in results if item.get("failed")] == cids[10:20]
    assert results[10]["http_status"] == 500 and results[10]["msg"] == "Customer CID-10: " + error.message
    assert result == {
        "failed": True,
        "changed": True,
        "batches": [cids[:10], cids[10:20], cids[20:]],
        "tasks": [{"id": "task-1", "status": "PENDING", "cids": cids[:10]},
                  {"id": "task-3", "status": "PENDING", "cids": cids[20:]}],
        "not_reset": cids[10:20],
        "msg": "WFBSS answered HTTP 500 to POST commands/reset: boom. Next: retry later. "
               "Of 3 command(s), 2 created a task, 1 failed and 0 were not sent.",
        "http_status": 500,
        "error_subject": "InternalError",
        "url": "http://wfbss/commands/reset",
    }
    # The error itself is left as it was raised.
    assert error.message == "WFBSS answered HTTP 500 to POST commands/reset: boom. Next: retry later."


def test_failure_of_the_first_command_changes_nothing():
    cids = cids_of(15)
    client = FakeWfbss(failures={0: api_error(401)})
    result = run(client, type="counter", cids=cids)
    assert len(client.commands) == 1
    assert result["failed"] is True
    assert result["changed"] is False
    assert result["tasks"] == []
    assert result["not_reset"] == cids
    assert "unconfirmed" not in result
    assert result["http_status"] == 401
    # HTTP 401 would be the answer to every command: the second is not sent, its customers are skipped.
    assert [item["cid"] for item in result["results"] if item.get("skipped")] == cids[10:]
    assert result["msg"].endswith(" Of 2 command(s), 0 created a task, 1 failed and 1 were not sent.")


def test_failure_of_a_single_command_has_no_count_in_its_message():
    client = FakeWfbss(failures={0: ResponseParseError("WFBSS answered commands/reset without the task.")})
    result = run(client, type="counter", cids=[ACME])
    assert result.pop("results") == [{"cid": ACME, "service": "commands/reset", "changed": False, "failed": True,
                                      "msg": "Customer {0}: WFBSS answered commands/reset without the task.".format(
                                          ACME)}]
    assert result == {
        "failed": True,
        "changed": False,
        "batches": [[ACME]],
        "tasks": [],
        "not_reset": [ACME],
        "msg": "WFBSS answered commands/reset without the task.",
    }


def lost_answer(message="Could not reach WFBSS: read timed out. The command was not sent again."):
    error = TransportError(message, url="http://wfbss/commands/reset")
    error.outcome_unknown = True
    return error


def test_lost_answer_is_unconfirmed_not_reset():
    cids = cids_of(25)
    client = FakeWfbss(failures={1: lost_answer()})
    result = run(client, type="counter", cids=cids)
    assert len(client.commands) == 3
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["tasks"] == [{"id": "task-1", "status": "PENDING", "cids": cids[:10]},
                               {"id": "task-3", "status": "PENDING", "cids": cids[20:]}]
    assert result["unconfirmed"] == cids[10:20]
    assert result["not_reset"] == []
    assert [item["cid"] for item in result["results"] if item.get("uncertain")] == cids[10:20]
    assert result["msg"] == ("Could not reach WFBSS: read timed out. The command was not sent again. "
                             "Of 3 command(s), 2 created a task, 1 failed and 0 were not sent.")
    assert result["url"] == "http://wfbss/commands/reset"


def test_lost_answer_to_the_only_command_is_a_possible_change():
    client = FakeWfbss(failures={0: lost_answer()})
    result = run(client, type="livestatus", cids=[ACME, LOGISTICS])
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["tasks"] == []
    assert result["unconfirmed"] == [ACME, LOGISTICS]
    assert result["not_reset"] == []


def test_unreachable_without_a_lost_answer_is_not_reset():
    error = TransportError("Could not reach WFBSS: connection refused.")
    assert error.outcome_unknown is False
    client = FakeWfbss(failures={0: error})
    result = run(client, type="counter", cids=[ACME])
    assert result["changed"] is False
    assert result["not_reset"] == [ACME]
    assert "unconfirmed" not in result


# --------------------------------------------------------------------------- through main()

def json_reply(status, body):
    return Reply(status, json.dumps(body), content_type="application/json")


def task_reply(number):
    return json_reply(200, {"task": {"id": "4cab9d44-0000-0000-0000-{0:012d}".format(number), "status": "PENDING"}})


@pytest.fixture
def main(local_server, capsys):
    return module_runner(wfbss_reset.main, dict(url=local_server.url, access_token=TOKEN, secret_key=SECRET,
                                                retries=0), [TOKEN, SECRET, quote(TOKEN, safe=""),
                                                             quote(SECRET, safe="")], capsys)


def test_main_sends_signed_commands_and_exits(local_server, main):
    local_server.script(task_reply(1), task_reply(2))
    cids = cids_of(11)
    result = main(type="counter", cids=cids)
    assert result.rc == 0 and not result.failed, result
    assert result["changed"] is True
    assert result["batches"] == [cids[:10], cids[10:]]
    assert [task["cids"] for task in result["tasks"]] == [cids[:10], cids[10:]]
    assert [task["id"] for task in result["tasks"]] == ["4cab9d44-0000-0000-0000-000000000001",
                                                        "4cab9d44-0000-0000-0000-000000000002"]
    assert [(request.method, request.path) for request in local_server.requests] == [("POST", RESET_PATH)] * 2
    assert [request.param("cids") for request in local_server.requests] == [",".join(cids[:10]), cids[10]]
    assert all(request.headers["x-access-token"] == TOKEN for request in local_server.requests)
    assert len(local_server.connections) == 1


def test_main_fails_a_partial_reset_with_what_was_done(local_server, main):
    local_server.script(task_reply(1), json_reply(401, {"error_subject": "AuthenticationFailureSignature",
                                                        "error_message": "Signature mismatch"}))
    cids = cids_of(21)
    result = main(type="counter", cids=cids)
    assert result.rc == 1 and result.failed
    assert result["changed"] is True
    assert [task["cids"] for task in result["tasks"]] == [cids[:10]]
    assert result["not_reset"] == cids[10:]
    assert result["http_status"] == 401
    assert result["error_subject"] == "AuthenticationFailureSignature"
    assert "check secret_key" in result["msg"]
    assert result["msg"].endswith(" Of 3 command(s), 1 created a task, 1 failed and 1 were not sent.")
    assert [item["cid"] for item in result["results"] if item.get("skipped")] == cids[20:]
    assert len(local_server.requests) == 2


def test_main_check_mode_sends_nothing(local_server, main):
    result = main(check_mode=True, type="counter", cids=[ACME, LOGISTICS, ACME])
    assert result.rc == 0 and not result.failed, result
    assert result["changed"] is True
    assert result["tasks"] == []
    assert result["batches"] == [[ACME, LOGISTICS]]
    assert result["msg"] == "Would send 1 reset command(s) of type counter for 2 customer(s)."
    assert local_server.requests == []


@pytest.mark.parametrize("args, fragment", [
    (dict(type="counter", cids=[ACME], events=["virus_incidents"]), "events applies only to type=livestatus"),
    (dict(type="livestatus", cids=[ACME], events=[]), "events is empty"),
    (dict(type="livestatus", cids=[ACME], events=["all"]), "events"),
    (dict(type="counter", cids=[]), "cids is empty"),
    (dict(type="counter", cids=["A,B"]), "cids must be single, non-empty customer ids"),
    (dict(type="reboot", cids=[ACME]), "type"),
    (dict(cids=[ACME]), "missing required arguments: type"),
    (dict(type="counter", cids=[ACME], timeout=0), "timeout must be a positive number"),
    (dict(type="counter", cids=[ACME], url="ftp://127.0.0.1:21"), "unsupported scheme 'ftp'"),
    (dict(type="counter", cids=[ACME], api_version="2.8"), "api_version '2.8' is not a version"),
    (dict(type="counter", cids=[ACME], secret_key=""), "secret_key is empty"),
], ids=["events-with-counter", "events-empty", "events-unknown", "cids-empty", "cid-with-comma", "type-unknown",
        "type-missing", "timeout-0", "ftp-url", "api-version", "secret-empty"])
def test_main_bad_input_fails_without_any_request(local_server, main, args, fragment):
    result = main(**args)
    assert result.rc == 1 and result.failed
    assert fragment in result["msg"]
    assert local_server.requests == []
    assert len(local_server.connections) == 0


def test_main_validates_options_before_building_the_client(capsys, monkeypatch):
    built = []
    monkeypatch.setattr(wfbss_reset, "WfbssClient", lambda **kwargs: built.append(kwargs) or FakeWfbss())
    result = module_runner(wfbss_reset.main, dict(access_token=TOKEN, secret_key=SECRET), [TOKEN, SECRET],
                           capsys)(type="counter", cids=[ACME], events=["virus_incidents"])
    assert result.failed
    assert built == []


def test_main_builds_the_client_from_the_connection_options_and_closes_it(capsys, monkeypatch):
    clients = []

    def build(**kwargs):
        client = FakeWfbss()
        clients.append((kwargs, client))
        return client

    monkeypatch.setattr(wfbss_reset, "WfbssClient", build)
    monkeypatch.setenv("WFBSS_VALIDATE_CERTS", "false")
    result = module_runner(wfbss_reset.main, {}, [TOKEN, SECRET], capsys)(
        type="counter", cids=[ACME], access_token=TOKEN, secret_key=SECRET, timeout=7, retries=2)
    assert not result.failed, result
    (kwargs, client), = clients
    expected = dict(url="https://cspi.trendmicro.com", access_token=TOKEN, secret_key=SECRET, api_version="v2.8",
                    timeout=7, retries=2, validate_certs=False)
    # The client may take further options; these are the ones this task sets.
    assert dict((name, kwargs.get(name)) for name in expected) == expected
    assert client.commands == [("counter", [ACME], None)]
    assert client.closed is True
