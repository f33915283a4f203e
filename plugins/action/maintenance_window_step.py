# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One step of the maintenance_window role, on the controller, once per batch: pause, resume or recover; or, where
a window ran as AWX job slices, gather_reports (the reports of every slice, as one).

It gathers what the step needs (each host's device id and patch work, the bulk tasks' answers, the records on
disk), hands it to the rules in plugin_utils/window_rules.py and window_records.py, runs the bulk N-sight tasks
through their own action plugins (so that their progress lines and batching apply), and writes the record and the
report. The role's YAML only says which step runs where.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import random
import time

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.template import Templar
from ansible.utils.display import Display

from ansible_collections.msp.antivirus.plugins.plugin_utils import window_records as records
from ansible_collections.msp.antivirus.plugins.plugin_utils import window_rules as rules
from ansible_collections.msp.antivirus.plugins.plugin_utils.patch_check import PatchChecker, locate

display = Display()

# The steps that call N-sight, and those that do not (and so need no N-sight server).
NSIGHT_STEPS = ("pause", "resume", "recover")
STEPS = NSIGHT_STEPS + ("gather_reports",)
# The connection options of the nsight action group, passed on to the bulk tasks as module_defaults gave them.
CONNECTION = ("server", "api_key", "validate_certs", "rate_limit", "budget_url", "user_agent", "timeout", "retries")
WINDOWS_WORK = ("The role's Windows patch work ({0}) installs updates with ansible.windows.win_updates, which this "
                "controller does not have: install the collection with `ansible-galaxy collection install "
                "ansible.windows`, or name other patch work in maintenance_window_patch_tasks. ")


def utc_now(pattern):
    return datetime.datetime.now(datetime.timezone.utc).strftime(pattern)


class StepRefused(Exception):
    """The step cannot start; its text says what to set."""


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("step", "patch_work", "record_dir", "nsight_server", "after", "report_path",
                             "failed_pauses_only", "force", "window") + CONNECTION)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        try:
            step = args.get("step")
            if step not in STEPS:
                raise StepRefused("step must be one of {0}; got {1}.".format(", ".join(STEPS), step))
            if step in NSIGHT_STEPS:
                connection, server = self._connection_args(args)
                result.update(getattr(self, "_" + step)(args, task_vars, connection, server))
            else:
                result.update(self._gather_reports(task_vars))
        except StepRefused as error:
            result.update(failed=True, msg=to_text(error))
        return result

    # ---- shared --------------------------------------------------------------------------------------------------

    @staticmethod
    def _flag(args, name, default):
        """A boolean option as Ansible reads one (-e force=false is the string 'false')."""
        value = args.get(name)
        if value in (None, ""):
            return default
        try:
            return boolean(value, strict=True)
        except TypeError:
            raise StepRefused("{0} must be true or false; got {1}.".format(name, value))

    def _connection_args(self, args):
        """The N-sight options for the bulk tasks (module_defaults of group/msp.antivirus.nsight, else the
        environment, else the role's variable) and the server's name for the records. Refuses to start when the
        role cannot tell which server it talks to."""
        connection = dict((key, args[key]) for key in CONNECTION if args.get(key) not in (None, ""))
        server = connection.get("server") or os.environ.get("NSIGHT_SERVER", "").strip() or args.get("nsight_server")
        if not records.server_name(server):
            raise StepRefused(
                "The maintenance window cannot tell which N-sight server it talks to, so it could not record the scans "
                "it pauses for msp.antivirus.resume_interrupted: set the server in module_defaults "
                "(group/msp.antivirus.nsight: server), in the environment (NSIGHT_SERVER) or in the variable "
                "nsight_server. Nothing was paused.")
        connection.setdefault("server", server)
        return connection, records.server_name(server)

    def _bulk(self, name, args, task_vars):
        """Runs the collection's action ``name`` (a bulk N-sight task) with ``args``: its results and its msg."""
        task = self._task.copy()
        task.args = args
        action = self._shared_loader_obj.action_loader.get(
            name, task=task, connection=self._connection, play_context=self._play_context, loader=self._loader,
            templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        try:
            answer = action.run(task_vars=task_vars)
        finally:
            # As Ansible does after each task: the module's temporary folder goes, with the module and its
            # arguments (the API key among them) in it.
            action.cleanup()
        return answer.get("results") or [], to_text(answer.get("msg") or "")

    def _scans(self, deviceids, state, connection, task_vars):
        if not deviceids:
            return [], ""
        return self._bulk("msp.antivirus.nsight_mav_scan", dict(connection, deviceids=deviceids, state=state),
                          task_vars)

    def _host_values(self, task_vars, hosts, batch, names):
        """host -> {name: value} for ``names`` as each host's own task would see them (role defaults, play and
        inventory variables, facts), without a task per host: one read of each host's variables."""
        hostvars = task_vars["hostvars"]
        manager = hostvars._variable_manager
        inventory = hostvars._inventory
        play = self._task.get_play()
        hosts_all = task_vars.get("ansible_play_hosts_all") or list(hosts)
        values = {}
        for host in hosts:
            variables = manager.get_vars(play=play, host=inventory.get_host(host), task=self._task,
                                         _hosts=list(batch), _hosts_all=list(hosts_all))
            templar = Templar(loader=self._loader, variables=variables)
            values[host] = {}
            for name in names:
                try:
                    values[host][name] = templar.template(variables.get(name))
                except AnsibleError as error:
                    values[host][name] = "an error ({0})".format(to_text(error).splitlines()[0])
        return values

    @staticmethod
    def _parsed(value):
        """A dict handed over as a registered JSON string (cheap for Ansible to template once per host), or as a
        dict, or {}."""
        if isinstance(value, str) and value.strip():
            try:
                value = json.loads(value)
            except ValueError:
                return {}
        return dict(value) if isinstance(value, dict) else {}

    def _carry(self, task_vars):
        """What earlier batches of the run carried to the controller host (maintenance_window_run)."""
        hostvars = task_vars["hostvars"]
        return self._parsed(hostvars["localhost"].get("maintenance_window_run")) if "localhost" in hostvars else {}

    @staticmethod
    def _record_dir(args):
        """The records' folder: the role's variable, else the call budget's folder (NSIGHT_BUDGET_DIR), so that
        an AWX job that shares its budget through a host folder shares its records too."""
        folder = args.get("record_dir") or os.environ.get("NSIGHT_BUDGET_DIR", "").strip() or "~/.ansible/msp.antivirus"
        return os.path.expanduser(str(folder))

    def _write_record(self, args, server, state, patching):
        """Rewrites the run's record (or removes it once empty) and keeps its lease: the entries, the devices
        being patched, and which process runs the window."""
        path = records.record_path(self._record_dir(args), server, state["run_id"])
        existing = []
        if os.path.exists(path):
            try:
                existing = records.read_record(path)[0]["entries"]
            except records.DamagedRecord:
                existing = []  # the run's own file: what this run knows replaces it
        entries = rules.record_entries(existing, state, server)
        if not entries and not patching:
            records.remove_record(path)
            return entries
        pid = os.getppid()  # the worker's parent: the ansible-playbook process that runs the window
        record = {"server": server, "run_id": state["run_id"], "entries": entries,
                  "patching": sorted(set(patching)), "window": records.window_info(pid)}
        if records.write_record(path, record):
            records.start_keeper(path, pid)
        return entries

    def _host_records(self, state, hosts, server):
        """host -> its record as a cacheable fact, for a fact cache that outlives the job (AWX's Enable Fact
        Storage): the paused hosts' entries, {} for the settled ones; nothing where facts do not persist or in
        check mode."""
        if self._task.check_mode or C.CACHE_PLUGIN in ("memory", "ansible.builtin.memory"):
            return {}
        pending = dict((entry["host"], entry) for entry in rules.pending_entries(state, hosts, server))
        return dict((host, pending.get(host, {})) for host in hosts
                    if host in pending or (host in state["resumes"] and state["pauses"][host]["resume_due"]))

    # ---- pause -----------------------------------------------------------------------------------------------------

    def _pause(self, args, task_vars, connection, server):
        batch = list(task_vars.get("ansible_play_batch") or [])
        patch_work = self._flag(args, "patch_work", True)
        names = ["maintenance_window_deviceid"] + (["maintenance_window_patch_tasks", "ansible_facts"]
                                                   if patch_work else [])
        values = self._host_values(task_vars, batch, batch, names)
        devices = dict((host, values[host]["maintenance_window_deviceid"]) for host in batch)
        patch_files, patch_problems = self._patch_work(task_vars, batch, values) if patch_work else ({}, {})
        refused = rules.refusals(batch, devices, patch_problems)
        to_pause = rules.pause_devices(batch, devices, refused)
        if to_pause and not self._task.check_mode:
            self._check_record_dir(args)
        carry = self._carry(task_vars)
        run_id = carry.get("run_id") or utc_now("%Y%m%dT%H%M%SZ") + "-" + str(random.randint(0, 999999999))
        now = utc_now("%Y-%m-%dT%H:%M:%SZ")
        state = rules.new_batch_state(run_id, now + "-" + str(random.randint(0, 999999999)))
        if to_pause and not self._task.check_mode:
            # The devices about to be paused are the live window's before the first pause call: a recovery that
            # runs meanwhile leaves them alone, whatever older record names them.
            self._write_record(args, server, state, to_pause)
        results, bulk_msg = self._scans(to_pause, "paused", connection, task_vars)
        pauses = rules.pause_outcomes(batch, devices, patch_files, refused, results, bulk_msg, run_id, now)
        state = rules.merge_state(state, pauses=pauses)
        if not self._task.check_mode:
            self._write_record(args, server, state, self._patching(state))
        answer = {"changed": any(pause["pause"] == "paused" for pause in pauses.values()), "results": results,
                  "patch": dict((host, pause["patch_file"]) for host, pause in pauses.items()
                                if pause["pause"] != "failed" and pause["patch_file"]),
                  "batch_id": state["batch_id"], "failures": {},
                  "host_records": self._host_records(state, batch, server)}
        if not patch_work:
            # The pause entry point: the play's own tasks patch next, so a host whose pause failed fails now, after
            # a resume where the pause may have acted.
            settled = self._settle(args, task_vars, connection, server, state, failed_pauses_only=True)
            state = self._parsed(settled["window"])
            answer.update(changed=answer["changed"] or settled["changed"], failures=settled["failures"],
                          host_records=dict(answer["host_records"], **settled["host_records"]),
                          resume_results=settled["results"])
        answer["window"] = json.dumps(state)
        answer["msg"] = "{0} of {1} host(s) paused, {2} refused before any call.".format(
            sum(1 for pause in pauses.values() if pause["pause"] == "paused"), len(batch),
            sum(1 for host in batch if refused.get(host)))
        return answer

    @staticmethod
    def _patching(state):
        """The devices of the batch whose window is open: paused by this run or not, they are being patched."""
        return [pause["deviceid"] for host, pause in state["pauses"].items()
                if pause["pause"] != "failed" and host not in state["resumes"]]

    def _check_record_dir(self, args):
        folder = self._record_dir(args)
        try:
            if not os.path.isdir(folder):
                os.makedirs(folder, 0o700)
            if not os.access(folder, os.W_OK | os.X_OK):
                raise OSError(13, "not writable")
        except OSError as error:
            raise StepRefused(
                "The folder of the records of paused scans, {0}, cannot be written ({1}): set "
                "maintenance_window_record_dir (or NSIGHT_BUDGET_DIR) to a folder this user can write. Nothing was "
                "paused.".format(folder, error.strerror or error))

    def _patch_work(self, task_vars, batch, values):
        """host -> the patch file to include, and host -> why its patch work would not load."""
        role_path = task_vars.get("role_path") or ""
        playbook_dir = task_vars.get("playbook_dir") or os.getcwd()
        checker = PatchChecker(self._task.get_play(), self._task._role, self._loader,
                               task_vars["hostvars"]._variable_manager, playbook_dir)
        default_work = os.path.realpath(os.path.join(role_path, "tasks", "patch_default.yml"))
        windows_work = os.path.realpath(os.path.join(role_path, "tasks", "patch_windows.yml"))
        files, problems = {}, {}
        for host in batch:
            name = values[host].get("maintenance_window_patch_tasks")
            found = locate(name, role_path, playbook_dir) if name else ""
            if not found:
                problems[host] = ("The patch work maintenance_window_patch_tasks={0} is not a file: name a file of the "
                                  "role's tasks/ folder or give the tasks file's absolute path.".format(name))
                continue
            files[host] = found
            checked = [found]
            if os.path.realpath(found) == default_work:
                # The default includes the tasks of the host's platform, a name known only per host.
                facts = values[host].get("ansible_facts") or {}
                platform = "patch_windows.yml" if facts.get("os_family") == "Windows" else "patch_linux.yml"
                checked.append(os.path.join(role_path, "tasks", platform))
            for path in checked:
                problem = checker.problem(path)
                if problem:
                    hint = ""
                    if os.path.realpath(path) == windows_work:
                        hint = WINDOWS_WORK.format("the default patch work of a Windows host"
                                                   if len(checked) > 1 else name)
                    problems[host] = "{0}The patch work would not load, so its window was not opened: {1}".format(
                        hint, problem)
                    break
        return files, problems

    # ---- resume ----------------------------------------------------------------------------------------------------

    def _resume(self, args, task_vars, connection, server):
        state = self._parsed(args.get("window"))
        if not state.get("run_id"):
            raise StepRefused("The resume step found no pause of this batch to resume: run the role's pause entry "
                              "point (tasks_from: pause) in the same play first. Nothing was resumed.")
        return self._settle(args, task_vars, connection, server, state,
                            failed_pauses_only=self._flag(args, "failed_pauses_only", False))

    def _settle(self, args, task_vars, connection, server, state, failed_pauses_only=False):
        """The resume (and the after-steps, the record, the report) of the batch's hosts not settled yet."""
        play_batch = list(task_vars.get("ansible_play_batch") or [])
        hosts = rules.hosts_to_resume(state["pauses"], state["resumes"], failed_pauses_only)
        probes, patch_errors = self._patch_results(task_vars, hosts, play_batch, state)
        results, bulk_msg = self._scans(rules.resume_devices(state["pauses"], hosts), "resumed", connection,
                                        task_vars)
        resumes = rules.resume_outcomes(state["pauses"], hosts, results, bulk_msg, probes, patch_errors, play_batch)
        state = rules.merge_state(state, resumes=resumes)
        after = [step for step in rules.AFTER_STEPS if step in (args.get("after") or [])]
        afters, after_results = {}, {}
        if after and not failed_pauses_only:
            after_hosts = [host for host in rules.hosts_for_after(state["pauses"], state["resumes"], state["afters"])
                           if host in hosts and host in play_batch]
            afters, after_results = self._after_steps(after, after_hosts, state, connection, task_vars)
            state = rules.merge_state(state, afters=afters)
        if not self._task.check_mode:
            self._write_record(args, server, state, self._patching(state))
        resumed = any(item["resume"] == "resumed" for item in resumes.values())
        acted_after = any(value in ("updated", "started") for item in afters.values() for value in item.values())
        answer = {"window": json.dumps(state), "results": results, "after_results": after_results,
                  "changed": resumed or acted_after, "failures": rules.failures(state, hosts),
                  "host_records": self._host_records(state, hosts, server)}
        if not failed_pauses_only:
            answer.update(self._report(args, task_vars, state, bool(after)))
            answer["msg"] = "{0} of {1} host(s) resumed, {2} failed.".format(
                sum(1 for item in resumes.values() if item["resume"] == "resumed"), len(state["pauses"]),
                len(answer["failures"]))
        return answer

    def _patch_results(self, task_vars, hosts, play_batch, state):
        """host -> the probe after its patch work, host -> why its patch work failed; only what this batch's
        window noted counts (facts outlive a play)."""
        hostvars = task_vars["hostvars"]
        probes, errors = {}, {}
        for host in hosts:
            if host not in play_batch or state["pauses"][host]["pause"] == "failed":
                continue
            variables = hostvars[host]
            probe = variables.get("maintenance_window_probe")
            if isinstance(probe, dict) and not probe.get("skipped"):
                probes[host] = {"unreachable": bool(probe.get("unreachable")), "msg": probe.get("msg")}
            error = variables.get("maintenance_window_patch_error")
            if isinstance(error, dict) and error.get("batch") == state["batch_id"]:
                errors[host] = to_text(error.get("msg") or "the patch work failed")
        return probes, errors

    def _after_steps(self, steps, hosts, state, connection, task_vars):
        deviceids = list(dict.fromkeys(state["pauses"][host]["deviceid"] for host in hosts))
        step_results = {}
        if deviceids and "definitions_update" in steps:
            step_results["definitions_update"] = self._bulk("msp.antivirus.nsight_mav_definitions_update",
                                                            dict(connection, deviceids=deviceids), task_vars)
        if deviceids and "scan" in steps:
            step_results["scan"] = self._scans(deviceids, "started", connection, task_vars)
        return (rules.after_outcomes(state["pauses"], hosts, steps, step_results),
                dict((step, found[0]) for step, found in step_results.items()))

    def _report(self, args, task_vars, state, with_after):
        """The report of every host of the play so far (and, once its last batch has run, of the hosts that never
        reached their window), what the run carries to its next batch, and the summary at the play's end."""
        batch = rules.batch_hosts(state)
        entries = rules.report(state, batch, with_after)
        carry = rules.carry_forward(self._carry(task_vars), state["run_id"], self._task.get_play()._uuid, entries)
        play_hosts = list(task_vars.get("ansible_play_hosts") or [])
        last_batch = not play_hosts or play_hosts[-1] in batch
        whole = carry["report"]
        if last_batch:
            whole = rules.play_report(carry, list(task_vars.get("ansible_play_hosts_all") or []), with_after)
        # Published as set_stats would (AWX shows it among the job's artifacts), with every host so far, so that it is
        # there also when a later batch fails as a whole or the run is stopped; in an AWX job also under a key of
        # the job's own, which the other slices of a sliced job do not overwrite. Registered as JSON, as the carry: a
        # registered dict is templated whole each time a host's task reads the result.
        answer = {"report": json.dumps(whole), "last_batch": last_batch, "carry": json.dumps(carry),
                  "ansible_stats": {"data": rules.report_stats(whole, task_vars.get("awx_job_id")),
                                    "per_host": False, "aggregate": True},
                  "summary": rules.summary_lines(whole) if last_batch else []}
        if last_batch:
            display.display("\n".join(["Maintenance window of the play, host by host:"] + answer["summary"]))
        path = str(args.get("report_path") or "")
        if path and not self._task.check_mode:
            self._write_report(path, whole, with_after)
        return answer

    @staticmethod
    def _write_report(path, entries, with_after):
        path = os.path.expanduser(path)
        markdown = (path[:-len(".json")] if path.endswith(".json") else path) + ".md"
        try:
            with open(path, "w") as handle:
                json.dump(entries, handle, indent=4)
                handle.write("\n")
            with open(markdown, "w") as handle:
                handle.write(rules.report_markdown(entries, with_after))
        except (IOError, OSError) as error:
            raise StepRefused("The report could not be written to {0}: {1}. Set maintenance_window_report_path to a "
                              "file this user can write.".format(path, error.strerror or error))

    # ---- recover ---------------------------------------------------------------------------------------------------

    def _recover(self, args, task_vars, connection, server):
        """Resumes what the records of ``server`` name and no live window holds, then clears what is settled."""
        intact, damaged = [], {}
        for path in records.record_files(self._record_dir(args), server):
            try:
                record, mtime = records.read_record(path)
            except records.DamagedRecord as error:
                damaged[path] = to_text(error)
                continue
            intact.append((path, record, mtime))
        facts = self._fact_records(task_vars, server)
        plan = records.recovery_plan(intact, [entry for host, entry in facts], force=self._flag(args, "force", False),
                                     now=time.time(), here=records.controller_id())
        results, bulk_msg = self._scans(plan["devices"], "resumed", connection, task_vars)
        # Settled: resumed, or found not paused any more. A device without an answer is not settled.
        settled = set(item["deviceid"] for item in results if not item.get("failed"))
        unsettled = [device for device in plan["devices"] if device not in settled]
        if not self._task.check_mode:
            for path, record, mtime in intact:
                if path in plan["taken"]:
                    self._clear_record(path, record, settled)
        lines = [to_text(item.get("msg")) for item in results]
        for path, why in sorted(plan["live"].items()):
            lines.append("Left alone: {0}, whose window is still running: {1}. Run msp.antivirus.resume_interrupted "
                         "again once it has ended, or with -e maintenance_window_force_recovery=true to take its "
                         "scans now.".format(path, why))
        if not lines:
            lines.append("No interrupted maintenance window left a scan paused on {0}.".format(server))
        answer = {"changed": any(item.get("changed") for item in results), "results": results, "lines": lines,
                  "damaged": damaged, "live": plan["live"],
                  "cleared_hosts": [host for host, entry in facts if entry["deviceid"] in settled]}
        problems = []
        if unsettled:
            problems.append("{0} Their records are kept: run msp.antivirus.resume_interrupted again.".format(
                bulk_msg or "{0} device(s) could not be resumed.".format(len(unsettled))))
        if damaged:
            problems.append("Damaged record(s), kept for a human: {0}. Their scans may still be paused: read the "
                            "file, resume each device it names (msp.antivirus.nsight_mav_scan, state=resumed), then "
                            "delete it. The intact records were recovered.".format(
                                "; ".join("{0} {1}".format(path, why) for path, why in sorted(damaged.items()))))
        answer["problems"] = " ".join(problems)
        answer["msg"] = answer["problems"] or " ".join(lines)
        return answer

    @staticmethod
    def _clear_record(path, record, settled):
        """A taken record without its settled entries, or removed once none is left. Its window is over: the
        rewritten file carries no lease, so that no controller takes it for a live window."""
        left = records.left_entries(record, settled)
        if left:
            kept = dict(record, entries=left, patching=[])
            kept.pop("window", None)
            records.write_record(path, kept)
        else:
            records.remove_record(path)

    @staticmethod
    def _fact_records(task_vars, server):
        """(host, entry) for the hosts whose cacheable fact maintenance_window_paused names a scan on ``server``."""
        hostvars = task_vars["hostvars"]
        found = []
        for host in (task_vars.get("groups") or {}).get("all", []):
            if host not in hostvars:
                continue
            entry = hostvars[host].get("maintenance_window_paused")
            if isinstance(entry, dict) and rules.device_id(entry.get("deviceid")) is not None \
                    and entry.get("server") == server:
                found.append((host, dict(entry, deviceid=rules.device_id(entry["deviceid"]))))
        return found

    # ---- gather_reports --------------------------------------------------------------------------------------------

    def _gather_reports(self, task_vars):
        """One report of every report among the variables (the artifacts of the slices before this workflow node),
        published as maintenance_window_report, with a short summary and why the window failed, if it did."""
        reports = rules.gathered_reports(task_vars)
        entries = rules.merged_report(reports)
        return {"changed": False, "report": json.dumps(entries),
                "ansible_stats": {"data": {rules.REPORT_KEY: entries}, "per_host": False, "aggregate": True},
                "lines": rules.gathered_summary(reports, entries),
                "problems": rules.gathered_problems(reports, entries)}
