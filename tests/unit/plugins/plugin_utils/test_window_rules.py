# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of the maintenance window, one test per promise of the role."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.msp.antivirus.plugins.plugin_utils import window_rules as rules

RUN = "20261207T100000Z-1"
TIME = "2026-12-07T10:00:00Z"


def paused(deviceid, changed=True, failed=False, uncertain=False, msg="ok"):
    item = {"deviceid": deviceid, "changed": changed, "msg": msg}
    if failed:
        item["failed"] = True
    if uncertain:
        item["uncertain"] = True
    return item


def batch_state(batch, devices, results, refused=None, patch_files=None, bulk_msg=""):
    refused = refused or {}
    pauses = rules.pause_outcomes(batch, devices, patch_files or dict((h, "/p.yml") for h in batch), refused,
                                  results, bulk_msg, RUN, TIME)
    return rules.merge_state(rules.new_batch_state(RUN, "b1"), pauses=pauses)


# ---- refusals and the pause ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (1001, 1001), ("1001", 1001), (" 7 ", 7), (0, None), (-3, None), ("abc", None), (None, None), (True, None),
    (1.5, None), (2 ** 63, None), ("no device id: set the host variable nsight_deviceid", None),
])
def test_device_id(value, expected):
    assert rules.device_id(value) == expected


def test_a_refused_host_is_not_paused():
    batch = ["a", "b", "c"]
    devices = {"a": 1001, "b": "nope", "c": 1003}
    refused = rules.refusals(batch, devices, {"c": "The patch work would not load: couldn't resolve module"})
    assert refused["a"] == ""
    assert "must be the device's N-sight serverid" in refused["b"] and "got nope" in refused["b"]
    assert "couldn't resolve module" in refused["c"]
    assert rules.pause_devices(batch, devices, refused) == [1001]
    state = batch_state(batch, devices, [paused(1001)], refused=refused)
    assert state["pauses"]["b"]["pause"] == "failed" and state["pauses"]["b"]["refused"]
    assert not state["pauses"]["c"]["resume_due"]
    assert state["pauses"]["c"]["msg"].startswith(rules.REFUSED)


def test_pause_devices_are_sent_once_in_batch_order():
    batch = ["b", "a", "c"]
    devices = {"a": 5, "b": 9, "c": 5}
    assert rules.pause_devices(batch, devices, {}) == [9, 5]


@pytest.mark.parametrize("result, pause, resume_due", [
    (paused(1, changed=True), "paused", True),
    (paused(1, changed=False), "not_needed", False),
    (paused(1, changed=False, failed=True), "failed", False),
    # Every answer lost: the pause may have acted, so its scan is resumed.
    (paused(1, changed=False, failed=True, uncertain=True), "failed", True),
])
def test_pause_outcome(result, pause, resume_due):
    state = batch_state(["h"], {"h": 1}, [result])
    assert state["pauses"]["h"]["pause"] == pause
    assert state["pauses"]["h"]["resume_due"] is resume_due


def test_a_device_without_a_result_fails_with_the_bulk_message():
    state = batch_state(["h"], {"h": 1}, [], bulk_msg="login failed: check api_key")
    assert state["pauses"]["h"]["pause"] == "failed"
    assert state["pauses"]["h"]["msg"] == "login failed: check api_key"
    state = batch_state(["h"], {"h": 1}, [])
    assert state["pauses"]["h"]["msg"] == "the pause gave no result for this device"


# ---- the resume ----------------------------------------------------------------------------------------------------

def settle(state, results, probes=None, errors=None, play_batch=None, failed_pauses_only=False):
    hosts = rules.hosts_to_resume(state["pauses"], state["resumes"], failed_pauses_only)
    resumes = rules.resume_outcomes(state["pauses"], hosts, results, "", probes or {}, errors or {},
                                    rules.batch_hosts(state) if play_batch is None else play_batch)
    return rules.merge_state(state, resumes=resumes), hosts


def test_only_what_this_run_paused_is_resumed():
    state = batch_state(["a", "b", "c"], {"a": 1, "b": 2, "c": 3},
                        [paused(1), paused(2, changed=False), paused(3, changed=False, failed=True)])
    hosts = rules.hosts_to_resume(state["pauses"], state["resumes"])
    assert rules.resume_devices(state["pauses"], hosts) == [1]


def test_an_uncertain_pause_is_resumed():
    state = batch_state(["a"], {"a": 1}, [paused(1, changed=False, failed=True, uncertain=True)])
    hosts = rules.hosts_to_resume(state["pauses"], state["resumes"], failed_pauses_only=True)
    assert rules.resume_devices(state["pauses"], hosts) == [1]
    state, dummy = settle(state, [paused(1, changed=False)], failed_pauses_only=True)
    assert state["resumes"]["a"]["resume"] == "not_needed"
    assert "A resume was sent in case the pause took effect" in rules.failures(state, ["a"])["a"]


def test_the_pause_entry_point_settles_only_failed_pauses_and_the_resume_the_rest():
    state = batch_state(["a", "b"], {"a": 1, "b": 2}, [paused(1), paused(2, failed=True, changed=False)])
    state, hosts = settle(state, [], failed_pauses_only=True)
    assert hosts == ["b"] and "a" not in state["resumes"]
    state, hosts = settle(state, [paused(1)])
    assert hosts == ["a"] and state["resumes"]["a"]["resume"] == "resumed"


def test_a_host_lost_during_its_patch_is_resumed_and_reported_unreachable():
    state = batch_state(["a", "b"], {"a": 1, "b": 2}, [paused(1), paused(2)])
    state, dummy = settle(state, [paused(1), paused(2)], probes={"a": {"unreachable": True, "msg": "ssh: timed out."}})
    assert state["resumes"]["a"] == {"patch": "unreachable", "patch_msg": "ssh: timed out.", "resume": "resumed",
                                     "resume_msg": "ok"}
    entry = rules.report(state, ["a"], False)["a"]
    assert entry["msg"] == "Unreachable during its patch work: ssh: timed out; its scan was resumed."
    assert rules.failures(state, ["a", "b"]) == {
        "a": "a became unreachable during its patch work: ssh: timed out. Its MAV scan was resumed."}


def test_a_host_that_left_the_play_is_resumed_and_failed():
    state = batch_state(["a", "b"], {"a": 1, "b": 2}, [paused(1), paused(2)])
    state, dummy = settle(state, [paused(1), paused(2)], play_batch=["b"])
    assert state["resumes"]["a"]["patch"] == "failed"
    assert "left the play" in state["resumes"]["a"]["patch_msg"]
    assert state["resumes"]["a"]["resume"] == "resumed"


def test_a_failed_patch_is_resumed_and_named():
    state = batch_state(["a"], {"a": 1}, [paused(1)])
    state, dummy = settle(state, [paused(1)], errors={"a": 'task "Update": No package matching "x".'})
    assert rules.failures(state, ["a"])["a"] == ('Patching a failed: task "Update": No package matching "x". '
                                                 'Its MAV scan was resumed.')


def test_a_failed_resume_fails_the_host_and_stays_recorded():
    state = batch_state(["a"], {"a": 1}, [paused(1)])
    state, dummy = settle(state, [paused(1, failed=True, changed=False, msg="HTTP 503")])
    assert state["resumes"]["a"]["resume"] == "failed"
    assert "could not be resumed: HTTP 503" in rules.failures(state, ["a"])["a"]
    assert [entry["deviceid"] for entry in rules.record_entries([], state, "server")] == [1]


def test_nothing_is_resumed_twice():
    state = batch_state(["a"], {"a": 1}, [paused(1)])
    state, dummy = settle(state, [paused(1)])
    assert rules.hosts_to_resume(state["pauses"], state["resumes"]) == []


# ---- after-steps ---------------------------------------------------------------------------------------------------

def test_after_steps_only_for_clean_windows():
    state = batch_state(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, [paused(1), paused(2), paused(3, changed=False)])
    state, dummy = settle(state, [paused(1), paused(2, failed=True, changed=False)], errors={})
    assert rules.hosts_for_after(state["pauses"], state["resumes"], state["afters"]) == ["a", "c"]
    afters = rules.after_outcomes(state["pauses"], ["a", "c"], ["definitions_update", "scan"], {
        "definitions_update": ([paused(1), paused(3, failed=True, changed=False, msg="VIPRE takes none.")], ""),
        "scan": ([paused(1, changed=False)], "")})
    assert afters["a"] == {"definitions_update": "updated", "scan": "not_needed"}
    assert afters["c"]["definitions_update"] == "failed" and afters["c"]["scan"] == "failed"
    state = rules.merge_state(state, afters=afters)
    entry = rules.report(state, ["c"], True)["c"]
    assert entry["after"] == {"definitions_update": "failed", "scan": "failed"}
    assert "The after-step definitions_update failed: VIPRE takes none." in entry["msg"]
    # An after-step that fails does not fail the host.
    assert "c" not in rules.failures(state, ["c"])


# ---- the record ----------------------------------------------------------------------------------------------------

def test_the_record_holds_what_is_paused_and_not_resumed():
    state = batch_state(["a", "b"], {"a": 1, "b": 2}, [paused(1), paused(2, changed=False)])
    entries = rules.record_entries([], state, "www.example.com")
    assert entries == [{"deviceid": 1, "host": "a", "run_id": RUN, "time": TIME, "server": "www.example.com"}]
    state, dummy = settle(state, [paused(1)])
    assert rules.record_entries(entries, state, "www.example.com") == []


def test_records_of_earlier_plays_and_batches_of_the_run_are_kept():
    earlier = [{"deviceid": 7, "host": "x", "run_id": RUN, "time": TIME, "server": "s"},
               {"deviceid": 2, "host": "b", "run_id": RUN, "time": TIME, "server": "s"}]
    # This batch paused a again, found b's scan still paused (not_needed): b keeps the earlier play's entry.
    state = batch_state(["a", "b"], {"a": 1, "b": 2}, [paused(1), paused(2, changed=False)])
    entries = rules.record_entries(earlier, state, "s")
    assert sorted(entry["deviceid"] for entry in entries) == [1, 2, 7]
    # A host paused again replaces its earlier entry.
    state = batch_state(["b"], {"b": 2}, [paused(2)])
    assert [entry["deviceid"] for entry in rules.record_entries(earlier, state, "s")] == [7, 2]


# ---- the report ----------------------------------------------------------------------------------------------------

def test_report_entries_and_markdown():
    state = batch_state(["a", "b"], {"a": 1, "b": 2}, [paused(1), paused(2, changed=False)])
    state, dummy = settle(state, [paused(1)])
    entries = rules.report(state, ["a", "b"], False)
    assert entries["a"] == {"deviceid": 1, "pause": "paused", "patch": "ok", "resume": "resumed",
                            "msg": "Patched; its scan was resumed."}
    assert entries["b"]["resume"] == "not_needed"
    markdown = rules.report_markdown({"a": dict(entries["a"], msg="x | y\nz")}, False)
    assert markdown.splitlines() == ["| host | device | pause | patch | resume | message |",
                                     "|---|---|---|---|---|---|", "| a | 1 | paused | ok | resumed | x \\| y z |"]
    assert rules.summary_lines(entries)[0] == "a (device 1): pause paused, patch ok, resume resumed"


def test_a_paused_host_without_resume_yet_is_pending():
    state = batch_state(["a"], {"a": 1}, [paused(1)])
    assert rules.report(state, ["a"], False)["a"]["resume"] == "pending"


def test_the_last_batch_reports_the_hosts_that_never_reached_their_window():
    carry = rules.carry_forward({}, RUN, "play-1", {"a": {"deviceid": 1}})
    carry = rules.carry_forward(carry, RUN, "play-1", {"b": {"deviceid": 2}})
    whole = rules.play_report(carry, ["a", "b", "z"], True)
    assert sorted(whole) == ["a", "b", "z"]
    assert whole["z"]["pause"] == "failed" and whole["z"]["after"] == {}
    assert whole["z"]["msg"].startswith("Did not reach its window")
    # Another play of the run starts its own report.
    assert rules.carry_forward(carry, RUN, "play-2", {})["report"] == {}
    assert rules.carry_forward(carry, "another-run", "play-1", {})["report"] == {}


def test_the_refused_host_fails_with_its_reason():
    refused = rules.refusals(["a"], {"a": "x"}, {})
    state = batch_state(["a"], {"a": "x"}, [], refused=refused)
    state, dummy = settle(state, [])
    failure = rules.failures(state, ["a"])["a"]
    assert failure.startswith("a: maintenance_window_deviceid (default the host variable nsight_deviceid)")
    assert failure.endswith("Its MAV scan was not paused.")
    assert rules.report(state, ["a"], False)["a"]["patch"] == "skipped"


def test_a_clean_window_has_no_failure():
    state = batch_state(["a"], {"a": 1}, [paused(1)])
    assert rules.failures(state, ["a"]) == {}
    state, dummy = settle(state, [paused(1)])
    assert rules.failures(state, ["a"]) == {}


# ---- sliced jobs: a report per AWX job, gathered into one ----------------------------------------------------------

def entry(deviceid, pause="paused", patch="ok", resume="resumed", msg="Patched; its scan was resumed."):
    return {"deviceid": deviceid, "pause": pause, "patch": patch, "resume": resume, "msg": msg}


@pytest.mark.parametrize("job_id, key", [
    (101, "maintenance_window_report_101"), ("101", "maintenance_window_report_101"),
    (" 7 ", "maintenance_window_report_7"), (None, ""), ("", ""), (0, ""), (-4, ""), (True, ""), ("abc", ""),
    ("1_path", ""),
])
def test_job_report_key(job_id, key):
    assert rules.job_report_key(job_id) == key


def test_an_awx_job_publishes_its_report_under_its_own_key_too():
    report = {"a": entry(1)}
    assert rules.report_stats(report, 101) == {"maintenance_window_report": report,
                                               "maintenance_window_report_101": report}
    # Outside AWX: the one key, as before.
    assert rules.report_stats(report, None) == {"maintenance_window_report": report}


def awx_merged(*artifacts):
    """The artifacts of sliced jobs as AWX hands them to the next workflow node: a shallow update, in finished
    order, the last slice winning."""
    merged = {}
    for job_artifacts in artifacts:
        merged.update(job_artifacts)
    return merged


def test_the_reports_of_every_slice_are_gathered_whatever_awx_overwrote():
    slice_1 = rules.report_stats({"a": entry(1), "b": entry(2)}, 102)
    slice_2 = rules.report_stats({"c": entry(3)}, 101)
    variables = dict(awx_merged(slice_1, slice_2), maintenance_window_report_path="/r.json", awx_job_id=103)
    # AWX kept the last slice's maintenance_window_report only; the per-job keys are whole.
    assert sorted(variables["maintenance_window_report"]) == ["c"]
    reports = rules.gathered_reports(variables)
    assert [key for key, _value in reports] == [
        "maintenance_window_report", "maintenance_window_report_101", "maintenance_window_report_102"]
    entries = rules.merged_report(reports)
    assert sorted(entries) == ["a", "b", "c"]
    assert rules.gathered_summary(reports, entries) == [
        "3 host(s) in 3 report(s) (maintenance_window_report, maintenance_window_report_101, "
        "maintenance_window_report_102): 3 closed their window cleanly, 0 failed."]
    assert rules.gathered_problems(reports, entries) == ""


def test_the_latest_job_wins_for_a_host_in_two_reports():
    reports = rules.gathered_reports({"maintenance_window_report_9": {"a": entry(1, patch="failed")},
                                      "maintenance_window_report_10": {"a": entry(1)}})
    assert [key for key, _value in reports] == ["maintenance_window_report_9", "maintenance_window_report_10"]
    assert rules.merged_report(reports)["a"]["patch"] == "ok"


@pytest.mark.parametrize("fields", [
    {"pause": "failed", "patch": "skipped", "resume": "not_needed"}, {"patch": "failed"}, {"patch": "unreachable"},
    {"resume": "failed"}, {"resume": "pending"},
])
def test_a_window_that_did_not_close_cleanly_fails_the_gathered_report(fields):
    failed = dict(entry(2, msg="Why it failed."), **fields)
    reports = rules.gathered_reports({"maintenance_window_report_1": {"a": entry(1)},
                                      "maintenance_window_report_2": {"b": failed}})
    entries = rules.merged_report(reports)
    lines = rules.gathered_summary(reports, entries)
    assert lines[0].endswith(": 1 closed their window cleanly, 1 failed.")
    assert lines[1:] == ["Failed: b (device 2): pause {pause}, patch {patch}, resume {resume}. Why it failed.".format(
        **failed)]
    assert rules.gathered_problems(reports, entries) == \
        "The maintenance window failed for 1 host(s): b (see maintenance_window_report)."


@pytest.mark.parametrize("fields", [
    {"pause": "not_needed", "resume": "not_needed"}, {"after": {"definitions_update": "failed", "scan": "started"}},
])
def test_a_clean_window_does_not_fail_the_gathered_report(fields):
    assert not rules.window_failed(dict(entry(1), **fields))


def test_no_report_at_all_fails_and_says_where_reports_come_from():
    problem = rules.gathered_problems([], {})
    assert problem.startswith("No maintenance window report among the variables (maintenance_window_report or "
                              "maintenance_window_report_<awx_job_id>)")
    assert "AWX 21.3.0 or later" in problem


def test_a_value_that_is_no_report_is_named_and_fails():
    reports = rules.gathered_reports({"maintenance_window_report_5": "not a report",
                                      "maintenance_window_report_6": {"a": "no entry"},
                                      "maintenance_window_report_7": {"b": entry(2)}})
    entries = rules.merged_report(reports)
    assert sorted(entries) == ["b"]
    assert rules.gathered_problems(reports, entries) == \
        "Not a report (host -> entry): maintenance_window_report_5, maintenance_window_report_6; its hosts are unknown."
