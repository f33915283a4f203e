#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the step runs on the controller, in the action plugin of the same name.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: maintenance_window_step
short_description: One step of the maintenance_window role (internal)
version_added: 1.1.0
description:
  - The controller side of the role C(msp.antivirus.maintenance_window), once per C(serial) batch. It exists for the
    role and its playbooks; a play uses the role, not this step.
  - V(pause) reads each host's device id and patch work, refuses a host whose device id is not a positive integer or
    whose patch work does not load (before any call), pauses the MAV scans of the other hosts in one bulk
    C(msp.antivirus.nsight_mav_scan) task, and writes the record of what it paused, with the lease that tells a
    recovery the window is running.
  - V(resume) resumes, in one bulk task, what the pause paused (or may have), also for hosts that failed or were lost
    since, runs the after-steps, updates the record and works out the report and each host's failure.
  - V(recover) resumes the scans that the records of killed windows name, leaves alone those of windows still
    running, names damaged records and keeps them, and clears what it settled.
  - V(gather_reports) (the role's entry point C(wfbss_reset), after a window run as AWX job slices) makes no N-sight
    call and needs no server. It gathers the reports among the play's variables, C(maintenance_window_report) and
    each C(maintenance_window_report_<awx_job_id>) that a slice published (a workflow passes them on as extra
    variables), into one report of every host (a later job's entry for a host wins), publishes it as
    C(maintenance_window_report) (custom stats), and says why the window failed (RV(problems)) when a host of any
    job failed, a report is not one, or no report was found.
  - In an AWX job (the variable C(awx_job_id)), V(resume) publishes its report under
    C(maintenance_window_report_<awx_job_id>) too, a key that the other slices of a sliced job do not overwrite when
    AWX merges their artifacts.
  - The rules it applies are Python functions with unit tests (C(plugins/plugin_utils/window_rules.py),
    C(window_records.py)).
author:
  - msp.antivirus contributors (@msp)
requirements:
  - requests
  - xmltodict
extends_documentation_fragment:
  - msp.antivirus.nsight
  - msp.antivirus.connection
  - msp.antivirus.attributes
  - msp.antivirus.attributes.NSIGHT
attributes:
  check_mode:
    description: The bulk tasks run in check mode (they read and predict); no record or report file is written.
    support: full
options:
  step:
    description: The step to run.
    type: str
    required: true
    choices: [pause, resume, recover, gather_reports]
  patch_work:
    description:
      - With O(step=pause), whether the role patches the hosts (its C(main) entry point); the patch work named by
        each host's C(maintenance_window_patch_tasks) is then checked. V(false) is the C(pause) entry point, where a
        host whose pause failed fails at once.
    type: bool
    default: true
  window:
    description: With O(step=resume), the batch's window as the pause step returned it (RV(window)).
    type: str
  after:
    description: With O(step=resume), the after-steps to run for the hosts whose window closed cleanly.
    type: list
    elements: str
    choices: [definitions_update, scan]
    default: []
  failed_pauses_only:
    description: With O(step=resume), settle only the hosts whose pause failed.
    type: bool
    default: false
  report_path:
    description: With O(step=resume), also write the report there as JSON, and as Markdown beside it.
    type: path
  record_dir:
    description: The folder of the records of paused scans.
    type: path
    default: ~/.ansible/msp.antivirus
  nsight_server:
    description:
      - The N-sight server, when neither O(server) (C(module_defaults)) nor E(NSIGHT_SERVER) gives one; the steps
        that call N-sight refuse to start when they cannot tell the server.
    type: str
  force:
    description: With O(step=recover), also take the records of windows that look live.
    type: bool
    default: false
notes:
  - Runs on the controller only (an action plugin); delegate it to C(localhost) with C(run_once).
"""

EXAMPLES = r"""
# The role's own use; a play runs the role, not this step.
- name: Check the batch, pause its MAV scans in one bulk task and record them
  msp.antivirus.maintenance_window_step:
    step: pause
  delegate_to: localhost
  run_once: true
  register: maintenance_window_step
"""

RETURN = r"""
window:
  description: The batch's window (its hosts' outcomes so far), as JSON, for the resume step.
  returned: step is pause or resume
  type: str
patch:
  description: Host -> the patch tasks file to include, for the hosts to patch.
  returned: step is pause
  type: dict
failures:
  description: Host -> why its window did not close cleanly, for the hosts that fail.
  returned: step is pause or resume
  type: dict
report:
  description: The report of every host of the play so far (and, at the play's last batch, of the hosts that never
    reached their window), host -> C({deviceid, pause, patch, resume, msg}), as JSON; with O(step=gather_reports),
    the gathered report of every job's hosts.
  returned: step is resume or gather_reports
  type: str
results:
  description: The bulk pause's (step pause), the bulk resume's (step resume) or the recovery's per-device results,
    as C(msp.antivirus.nsight_mav_scan) returns them.
  returned: step is pause, resume or recover
  type: list
  elements: dict
after_results:
  description: Step -> the per-device results of each after-step that ran.
  returned: step is resume
  type: dict
summary:
  description: One line per host of the play, at its last batch.
  returned: step is resume
  type: list
  elements: str
last_batch:
  description: Whether this batch holds the play's last host still in the play.
  returned: step is resume
  type: bool
carry:
  description: What the run carries to its next batch (its id, the report so far), as JSON.
  returned: step is resume
  type: str
host_records:
  description: Host -> its record entry (C({}) once settled), for a fact cache that persists.
  returned: step is pause or resume
  type: dict
lines:
  description: What the recovery did, one line per device or record; with O(step=gather_reports), the reports found
    and how many hosts closed their window cleanly, then one line per host whose window failed.
  returned: step is recover or gather_reports
  type: list
  elements: str
damaged:
  description: Path -> why, for the record files that could not be read; they are kept.
  returned: step is recover
  type: dict
live:
  description: Path -> why, for the records of windows still running; they are left alone.
  returned: step is recover
  type: dict
problems:
  description: Why the recovery must fail (devices not resumed, damaged records), or with O(step=gather_reports) why
    the window failed (failed hosts, a value that is no report, no report at all); empty when it went well.
  returned: step is recover or gather_reports
  type: str
cleared_hosts:
  description: The hosts whose cacheable record fact is settled.
  returned: step is recover
  type: list
  elements: str
"""
