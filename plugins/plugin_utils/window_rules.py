# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rules of the maintenance window (msp.antivirus.maintenance_window), as plain functions of plain data:
which host is refused, what each host's pause, patch, resume and after-steps came to, what the record of paused
scans holds, what the report and the end-of-window failures say. No Ansible object and no I/O here, so that a unit
test reaches every rule; the action plugin maintenance_window_step feeds them and acts on what they return.

The report is published under ``maintenance_window_report`` and, in an AWX job, also under
``maintenance_window_report_<awx_job_id>``: AWX merges the artifacts of a sliced job's slices key by key, the last
slice's winning, so only the per-job keys reach the next workflow node whole. ``gathered_reports`` and what follows
make one report of them again, for the node that closes the window (the role's entry point ``wfbss_reset``).

A batch's state, carried from its pause to its resume, is a dict ``{run_id, batch_id, pauses, resumes, afters}``:
the run's id, an id of this batch's window, and, keyed by inventory host name (``pauses`` holds every host of the
batch as the pause found it, in the batch's order):

- ``pauses[host]``: ``{deviceid, pause, resume_due, uncertain, refused, patch_file, msg, run_id, time}``;
- ``resumes[host]``: ``{patch, patch_msg, resume, resume_msg}``;
- ``afters[host]``: ``{definitions_update: updated|not_needed|failed, scan: started|not_needed|failed}`` plus
  ``<step>_msg`` for a failed step.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import as_device_id, is_device_id

AFTER_STEPS = ("definitions_update", "scan")
AFTER_DONE = {"definitions_update": "updated", "scan": "started"}
SETTLED_RESUMES = ("resumed", "not_needed")
REFUSED = "Refused before its pause: "
REPORT_KEY = "maintenance_window_report"
JOB_REPORT_KEY = re.compile(r"^maintenance_window_report_([0-9]+)$")
DEVICE_ID_PROBLEM = ("maintenance_window_deviceid (default the host variable nsight_deviceid) must be the device's "
                     "N-sight serverid or workstationid, a positive integer; got {0}.")


def new_batch_state(run_id, batch_id):
    return {"run_id": run_id, "batch_id": batch_id, "pauses": {}, "resumes": {}, "afters": {}}


def batch_hosts(state):
    """The hosts of the batch, as its pause found them (also those that failed or were lost since)."""
    return list(state["pauses"])


def device_id(value):
    """The device id ``value`` stands for (as a task's int option would read it), when it is a valid one, or None."""
    number = as_device_id(value)
    return number if number is not None and is_device_id(number) else None


def given_id(value):
    """The device id as given, as an integer where it is one (0, -3), for the report; else None."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def trim(text):
    """A message without its closing full stop and blanks, to be followed by more of a sentence."""
    return re.sub(r"[.\s]+$", "", str(text or ""))


def refusals(batch, device_values, patch_problems):
    """host -> why its window is refused ('' for none), for the hosts of the batch: a device id that is not a
    positive integer, patch work that does not load (``patch_problems``, host -> text)."""
    refused = {}
    for host in batch:
        problems = []
        if device_id(device_values.get(host)) is None:
            problems.append(DEVICE_ID_PROBLEM.format(device_values.get(host)))
        if patch_problems.get(host):
            problems.append(patch_problems[host])
        refused[host] = " ".join(problems)
    return refused


def pause_devices(batch, device_values, refused):
    """The device ids to pause: those of the batch's hosts not refused, each once, in the batch's order."""
    return list(dict.fromkeys(device_id(device_values[host]) for host in batch if not refused.get(host)))


def _answer(results, deviceid, bulk_msg, nothing):
    by_id = dict((item.get("deviceid"), item) for item in results or [])
    if deviceid in by_id:
        return by_id[deviceid]
    return {"failed": True, "changed": False, "msg": bulk_msg or nothing}


def pause_outcomes(batch, device_values, patch_files, refused, results, bulk_msg, run_id, time):
    """host -> pause outcome for each host of the batch, from the bulk pause's per-device ``results``.

    A refused host was not paused. A pause that failed with every answer lost (``uncertain``) may have acted, so
    its scan is due a resume as much as one that paused."""
    pauses = {}
    for host in batch:
        deviceid = device_id(device_values.get(host))
        if deviceid is None:
            deviceid = given_id(device_values.get(host))
        if refused.get(host):
            answer = {"failed": True, "changed": False, "msg": REFUSED + refused[host]}
        else:
            answer = _answer(results, deviceid, bulk_msg, "the pause gave no result for this device")
        failed = bool(answer.get("failed"))
        uncertain = bool(answer.get("uncertain"))
        changed = bool(answer.get("changed"))
        pauses[host] = {
            "deviceid": deviceid,
            "pause": "failed" if failed else ("paused" if changed else "not_needed"),
            "resume_due": (changed and not failed) or uncertain,
            "uncertain": uncertain,
            "refused": bool(refused.get(host)),
            "patch_file": patch_files.get(host, ""),
            "msg": answer.get("msg") or "",
            "run_id": run_id,
            "time": time,
        }
    return pauses


def hosts_to_resume(pauses, resumes, failed_pauses_only=False):
    """The hosts of the batch whose window the resume settles now: every host not settled yet, or with
    ``failed_pauses_only`` (the pause entry point) only those whose pause failed."""
    wanted = ("failed",) if failed_pauses_only else ("failed", "paused", "not_needed")
    return [host for host, pause in pauses.items() if host not in resumes and pause["pause"] in wanted]


def resume_devices(pauses, hosts):
    return list(dict.fromkeys(pauses[host]["deviceid"] for host in hosts if pauses[host]["resume_due"]))


def patch_outcome(pause, probe, patch_error, still_in_play):
    """(patch, patch_msg) of one host: skipped (its pause failed), unreachable (the probe after its patch work
    found it lost), failed (its patch work failed, or the host left the play), ok."""
    if pause["pause"] == "failed":
        return "skipped", ""
    if (probe or {}).get("unreachable"):
        return "unreachable", (probe or {}).get("msg") or "the host stopped answering"
    if patch_error:
        return "failed", patch_error
    if not still_in_play:
        return "failed", "the host left the play before the resume (it failed or became unreachable)"
    return "ok", ""


def resume_outcomes(pauses, hosts, results, bulk_msg, probes, patch_errors, play_batch):
    """host -> {patch, patch_msg, resume, resume_msg} for ``hosts``, from the bulk resume's per-device results,
    each host's probe result and patch error, and the hosts still in the play."""
    in_play = set(play_batch)
    resumes = {}
    for host in hosts:
        pause = pauses[host]
        patch, patch_msg = patch_outcome(pause, probes.get(host), patch_errors.get(host), host in in_play)
        if pause["resume_due"]:
            answer = _answer(results, pause["deviceid"], bulk_msg, "the resume gave no result for this device")
            failed = bool(answer.get("failed"))
            resume = "failed" if failed else ("resumed" if answer.get("changed") else "not_needed")
            resume_msg = answer.get("msg") or ""
        else:
            resume, resume_msg = "not_needed", ""
        resumes[host] = {"patch": patch, "patch_msg": patch_msg, "resume": resume, "resume_msg": resume_msg}
    return resumes


def hosts_for_after(pauses, resumes, afters):
    """The hosts whose window closed cleanly and that got no after-steps yet: pause not failed, patch ok, scan
    resumed or not paused by this run."""
    return [host for host, pause in pauses.items()
            if host not in afters and pause["pause"] in ("paused", "not_needed") and host in resumes
            and resumes[host]["patch"] == "ok" and resumes[host]["resume"] in SETTLED_RESUMES]


def after_outcomes(pauses, hosts, steps, step_results):
    """host -> after-step outcomes. ``step_results``: step -> (per-device results, the task's msg)."""
    afters = {}
    for host in hosts:
        outcome = {}
        for step in AFTER_STEPS:
            if step not in steps:
                continue
            results, bulk_msg = step_results.get(step, ([], ""))
            answer = _answer(results, pauses[host]["deviceid"], bulk_msg,
                             "the {0} gave no result for this device".format(step))
            if answer.get("failed"):
                outcome[step] = "failed"
                outcome[step + "_msg"] = answer.get("msg") or ""
            else:
                outcome[step] = AFTER_DONE[step] if answer.get("changed") else "not_needed"
        afters[host] = outcome
    return afters


def merge_state(state, pauses=None, resumes=None, afters=None):
    """The batch's state with outcomes folded in. A host paused again starts afresh: its earlier resume and
    after-steps no longer count."""
    merged = dict(state, pauses=dict(state.get("pauses") or {}), resumes=dict(state.get("resumes") or {}),
                  afters=dict(state.get("afters") or {}))
    for host, pause in (pauses or {}).items():
        merged["pauses"][host] = pause
        merged["resumes"].pop(host, None)
        merged["afters"].pop(host, None)
    merged["resumes"].update(resumes or {})
    merged["afters"].update(afters or {})
    return merged


def pending_entries(state, hosts, server):
    """The record entries of the scans this run paused (or may have) and has not resumed, for ``hosts``."""
    entries = []
    for host in hosts:
        pause = state["pauses"].get(host)
        if not pause or not pause["resume_due"]:
            continue
        if (state["resumes"].get(host) or {}).get("resume") in SETTLED_RESUMES:
            continue
        entries.append({"deviceid": pause["deviceid"], "host": host, "run_id": pause["run_id"],
                        "time": pause["time"], "server": server})
    return entries


def record_entries(existing, state, server):
    """What the run's record file holds after a step of a batch: the batch's pending scans, and the entries the
    file holds from earlier batches and plays of the same run. A file entry goes only for a host that this batch
    paused (or may have): the pending list holds it again until its resume. A host whose scan an earlier play left
    paused, so that this batch did not pause it, keeps that play's entry."""
    repaused = set(host for host, pause in state["pauses"].items() if pause["resume_due"])
    pending = pending_entries(state, [host for host in batch_hosts(state) if host in repaused], server)
    return [entry for entry in existing or [] if entry.get("host") not in repaused] + pending


def _resumed_sentence(state, resume_msg):
    return {"resumed": "its scan was resumed", "not_needed": "its scan was not paused by this run",
            "failed": "its scan could not be resumed: " + (resume_msg or ""),
            "pending": "its scan is still paused"}[state]


def report_entry(pause, resume, after, with_after):
    """One host's report entry ``{deviceid, pause, patch, resume, msg}`` (and ``after`` with after-steps)."""
    resume = resume or {}
    state = resume.get("resume") or ("pending" if pause["resume_due"] else "not_needed")
    patch = resume.get("patch") or "skipped"
    resumed = _resumed_sentence(state, resume.get("resume_msg"))
    if pause.get("refused"):
        msg = pause["msg"]
    elif pause["pause"] == "failed":
        msg = "Pause failed, not patched: " + pause["msg"]
        if pause["resume_due"]:
            msg += " A resume was sent in case the pause took effect: " + (resume.get("resume_msg") or "none yet")
    elif patch in ("failed", "unreachable"):
        lead = "Patch failed: " if patch == "failed" else "Unreachable during its patch work: "
        msg = "{0}{1}; {2}.".format(lead, trim(resume.get("patch_msg")), resumed)
    else:
        msg = ("Patched; " if patch == "ok" else "") + resumed + "."
    after = after or {}
    for step in AFTER_STEPS:
        if after.get(step) == "failed":
            msg += " The after-step {0} failed: {1}.".format(step, trim(after.get(step + "_msg")))
    entry = {"deviceid": pause["deviceid"], "pause": pause["pause"], "patch": patch, "resume": state, "msg": msg}
    if with_after:
        entry["after"] = dict((step, value) for step, value in after.items() if not step.endswith("_msg"))
    return entry


def report(state, hosts, with_after, not_reached=(), device_values=None):
    """The report for ``hosts`` (those that reached their window), plus an entry for each host of
    ``not_reached``: hosts of the play that failed before their window (reported once the play's last batch has
    run)."""
    entries = {}
    for host in hosts:
        if host in state["pauses"]:
            entries[host] = report_entry(state["pauses"][host], state["resumes"].get(host),
                                         state["afters"].get(host), with_after)
    for host in not_reached:
        if host in entries or host in state["pauses"]:
            continue
        entry = {"deviceid": given_id((device_values or {}).get(host)), "pause": "failed", "patch": "skipped",
                 "resume": "not_needed",
                 "msg": "Did not reach its window: the host failed before it (see the tasks above)."}
        if with_after:
            entry["after"] = {}
        entries[host] = entry
    return entries


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_markdown(entries, with_after):
    """The report as a Markdown table, one row per host."""
    head = "| host | device | pause | patch | resume |" + (" after |" if with_after else "") + " message |"
    rule = "|---|---|---|---|---|" + ("---|" if with_after else "") + "---|"
    rows = [head, rule]
    for host, entry in entries.items():
        cells = [host, entry["deviceid"], entry["pause"], entry["patch"], entry["resume"]]
        if with_after:
            cells.append(", ".join("{0} {1}".format(step, value) for step, value in entry.get("after", {}).items()))
        cells.append(entry["msg"])
        rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def summary_lines(entries):
    """One line per host, as the play's last task shows them (also for an entry that lacks a field)."""
    lines = []
    for host, entry in entries.items():
        line = "{0} (device {1}): pause {2}, patch {3}, resume {4}".format(
            host, entry.get("deviceid"), entry.get("pause"), entry.get("patch"), entry.get("resume"))
        for step, value in (entry.get("after") or {}).items():
            line += ", {0} {1}".format(step, value)
        lines.append(line)
    return lines


def failure(host, pause, resume):
    """Why ``host``'s window did not close cleanly ('' when it did): what its final task fails with."""
    resume = resume or {}
    resumed = {"resumed": "Its MAV scan was resumed.", "not_needed": "Its MAV scan was not paused by this run.",
               "failed": "Its MAV scan could not be resumed ({0}); msp.antivirus.resume_interrupted resumes it "
                         "later.".format(resume.get("resume_msg") or ""),
               "pending": "Its MAV scan is still paused; msp.antivirus.resume_interrupted resumes it."}
    resumed = resumed[resume.get("resume") or ("pending" if pause["resume_due"] else "not_needed")]
    if pause.get("refused"):
        return "{0}: {1} Its MAV scan was not paused.".format(host, pause["msg"][len(REFUSED):]
                                                              if pause["msg"].startswith(REFUSED) else pause["msg"])
    if pause["pause"] == "failed":
        text = "The MAV scan of {0} (device {1}) could not be paused, so the host was not patched: {2}".format(
            host, pause["deviceid"], pause["msg"])
        if pause["resume_due"]:
            text += " A resume was sent in case the pause took effect: " + (resume.get("resume_msg") or "no answer")
        return text
    if resume.get("patch") == "failed":
        return "Patching {0} failed: {1}. {2}".format(host, trim(resume.get("patch_msg")), resumed)
    if resume.get("patch") == "unreachable":
        return "{0} became unreachable during its patch work: {1}. {2}".format(
            host, trim(resume.get("patch_msg")), resumed)
    if resume.get("resume") == "failed":
        return ("The MAV scan of {0} (device {1}) could not be resumed: {2} msp.antivirus.resume_interrupted resumes "
                "it later.".format(host, pause["deviceid"], resume.get("resume_msg") or ""))
    return ""


def failures(state, hosts):
    """host -> failure message, for the hosts of ``hosts`` whose window did not close cleanly."""
    found = {}
    for host in hosts:
        if host in state["pauses"]:
            text = failure(host, state["pauses"][host], state["resumes"].get(host))
            if text:
                found[host] = text
    return found


def carry_forward(carry, run_id, play, entries):
    """What the run carries from batch to batch on the controller host: its id and, for the play running, every
    host's report entry so far (a host's later window replaces its earlier entry)."""
    carry = carry or {}
    same_play = carry.get("run_id") == run_id and carry.get("play") == play
    carried = dict(carry.get("report") or {}) if same_play else {}
    carried.update(entries)
    return {"run_id": run_id, "play": play, "report": carried}


def play_report(carry, play_hosts_all, with_after):
    """The report of the whole play, once its last batch has run: every host of the play that reached its
    window, and the others, that failed before it."""
    carried = (carry or {}).get("report") or {}
    reached = dict((host, carried[host]) for host in play_hosts_all if host in carried)
    missing = [host for host in play_hosts_all if host not in carried]
    reached.update(report(new_batch_state("", ""), [], with_after, not_reached=missing))
    return reached


def job_report_key(job_id):
    """maintenance_window_report_<id> for an AWX job id (``awx_job_id``, a positive integer); '' for none."""
    text = "" if job_id is None or isinstance(job_id, bool) else str(job_id).strip()
    return "{0}_{1}".format(REPORT_KEY, int(text)) if text.isdigit() and int(text) > 0 else ""


def report_stats(entries, job_id):
    """The custom stats that publish a report: ``maintenance_window_report`` and, in an AWX job (``job_id``), the
    same report under ``maintenance_window_report_<job id>``, which no other slice of a sliced job overwrites."""
    stats = {REPORT_KEY: entries}
    if job_report_key(job_id):
        stats[job_report_key(job_id)] = entries
    return stats


def is_report(value):
    """Whether ``value`` has a report's shape: host -> entry (a dict)."""
    return isinstance(value, dict) and all(isinstance(entry, dict) for entry in value.values())


def gathered_reports(variables):
    """(key, report) of the reports among ``variables`` (where a workflow node finds the artifacts of the jobs before
    it): ``maintenance_window_report`` first, then each ``maintenance_window_report_<job id>`` by job id, so that
    merged in this order the latest job's entry for a host wins. A value of another shape is kept as it is, for
    ``unreadable_reports``."""
    jobs = sorted((int(JOB_REPORT_KEY.match(key).group(1)), key) for key in variables if JOB_REPORT_KEY.match(key))
    keys = ([REPORT_KEY] if REPORT_KEY in variables else []) + [key for _job, key in jobs]
    return [(key, variables[key]) for key in keys]


def unreadable_reports(reports):
    """The keys of ``reports`` ((key, value)) whose value is no report."""
    return [key for key, value in reports if not is_report(value)]


def merged_report(reports):
    """One report of every host of ``reports`` ((key, report), in order; a later report's entry for a host wins)."""
    merged = {}
    for _key, value in reports:
        if is_report(value):
            merged.update(value)
    return merged


def window_failed(entry):
    """Whether a report entry tells of a window that did not close cleanly: refused or pause failed (also a host that
    never reached its window), patch failed or host lost, scan not resumed or still paused."""
    return (entry.get("pause") == "failed" or entry.get("patch") in ("failed", "unreachable")
            or entry.get("resume") in ("failed", "pending"))


def failed_hosts(entries):
    return [host for host, entry in entries.items() if window_failed(entry)]


def gathered_summary(reports, entries):
    """The lines that sum up a gathered report: the reports found and the counts, then one line per failed host."""
    keys = [key for key, _value in reports]
    failed = failed_hosts(entries)
    lines = ["{0} host(s) in {1} report(s) ({2}): {3} closed their window cleanly, {4} failed.".format(
        len(entries), len(keys), ", ".join(keys), len(entries) - len(failed), len(failed))]
    failed_entries = dict((host, entries[host]) for host in failed)
    lines.extend("Failed: {0}. {1}".format(line, failed_entries[host].get("msg") or "")
                 for host, line in zip(failed_entries, summary_lines(failed_entries)))
    return lines


def gathered_problems(reports, entries):
    """Why the window of the gathered reports must fail ('' when every host of every job closed it cleanly)."""
    if not reports:
        return ("No maintenance window report among the variables ({0} or {0}_<awx_job_id>), so it is unknown "
                "whether the window closed cleanly: run this as a workflow node after the maintenance job (AWX "
                "21.3.0 or later passes a sliced job's artifacts on), or pass the reports as extra variables."
                ).format(REPORT_KEY)
    problems = []
    unreadable = unreadable_reports(reports)
    if unreadable:
        problems.append("Not a report (host -> entry): {0}; its hosts are unknown.".format(", ".join(unreadable)))
    failed = failed_hosts(entries)
    if failed:
        problems.append("The maintenance window failed for {0} host(s): {1} (see {2}).".format(
            len(failed), ", ".join(failed), REPORT_KEY))
    return " ".join(problems)
