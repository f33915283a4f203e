# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A callback for tests/benchmarks/maintenance_window.py: the time at which each batch's first task starts
(a task named BATCH_CLOCK_TASK), appended as one number a line to the file BATCH_CLOCK_FILE."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: batch_clock
type: aggregate
short_description: Times the batches of a benchmark run
description:
  - Appends the time at which each batch's first task starts to the file E(BATCH_CLOCK_FILE).
"""

import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "batch_clock"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_task_start(self, task, is_conditional):
        if task.get_name().endswith(os.environ.get("BATCH_CLOCK_TASK", "")):
            with open(os.environ["BATCH_CLOCK_FILE"], "a") as handle:
                handle.write("%.3f\n" % time.time())
