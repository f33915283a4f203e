# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Progress for bulk N-sight tasks: a module cannot print while it runs, so the action plugin
hands it its ``deviceids`` in batches, prints a line between them, and merges the results into
exactly the result one run would have given."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import as_device_id
from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import (
    BUDGET_URL_VARIABLE,
    HAS_REDIS,
    CallBudget,
    DeviceBudget,
    check_budget_url,
)
from ansible_collections.msp.antivirus.plugins.module_utils.device_results import (
    ItemResult,
    StopRule,
    skipped_reason,
    summarise_actions,
    summarise_listings,
    task_result,
)
from ansible_collections.msp.antivirus.plugins.module_utils.errors import MspAntivirusError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import POOL_SIZE, clean_secret
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import DEFAULT_RATE_LIMIT, normalise_server

display = Display()

# Progress is printed once a task has run this long, so that quick tasks stay quiet.
QUIET_SECONDS = 10.0
# Each batch after the first is sized to take about this long, so that a line comes at least
# every 30 s, also when the call budget sets the pace.
BATCH_SECONDS = 20.0


def merge_warnings(results):
    seen = []
    for result in results:
        for warning in result.get("warnings") or []:
            if warning not in seen:
                seen.append(warning)
    return seen


class DeviceBatchAction(ActionBase):
    """Runs ``MODULE`` over ``deviceids`` in batches with progress lines, and merges the batches into the result
    one run would have given (``task_result``). A subclass declares the module, its ``service``, its ``SUMMARY``,
    the result keys it keeps for compatibility (``COMPAT_KEYS``, repeating ``results``) and the N-sight calls a
    device may cost (``calls_per_device``). The batches stop early as StopRule says, the devices not sent reported
    skipped as the module reports them."""

    MODULE = None
    SUMMARY = staticmethod(summarise_actions)
    COMPAT_KEYS = ()
    _supports_async = True

    def service(self, args):
        raise NotImplementedError

    def calls_per_device(self, args):
        """The most N-sight calls one device costs, for sizing batches to the call budget; 0 when none is sent."""
        return 1

    def run(self, tmp=None, task_vars=None):
        result = super(DeviceBatchAction, self).run(tmp, task_vars)
        args = dict(self._task.args)
        ids = self._batchable_ids(args)
        if ids is None:
            result.update(self._run_module(args, task_vars))
            return result
        progress = Progress(self.MODULE, len(ids), self._budget(args))
        answers, merged, rule = [], [], StopRule()
        size = POOL_SIZE
        while progress.done < len(ids):
            size = progress.fit(min(size, len(ids) - progress.done))
            batch = ids[progress.done:progress.done + size]
            started = time.monotonic()
            answer = self._run_module(dict(args, deviceids=batch), task_vars)
            if "results" not in answer:
                # Nothing per device to merge (an error that ends the task): end as one run would.
                result.update(answer)
                return result
            answers.append(answer)
            merged.extend(answer["results"])
            progress.record(answer["results"], time.monotonic() - started)
            reason = self._stop_reason(rule, answer["results"])
            if reason is not None:
                service, not_sent = self.service(args), ids[len(merged):]
                merged.extend(ItemResult.skipped(deviceid, service, reason).as_dict() for deviceid in not_sent)
                break
            size = max(1, int(BATCH_SECONDS / max(progress.per_device, 0.001)))
        result.update(task_result(self.service(args), merged, self.SUMMARY,
                                  **dict((key, merged) for key in self.COMPAT_KEYS)))
        warnings = merge_warnings(answers)
        if warnings:
            result["warnings"] = warnings
        invocation = answers[0].get("invocation")
        if invocation:
            result["invocation"] = dict(invocation, module_args=dict(invocation["module_args"], deviceids=ids))
        return result

    @staticmethod
    def _stop_reason(rule, results):
        """Why later batches must not be sent: the rule, fed the batch's results in order, or the module's own
        stop within the batch (its skipped devices)."""
        for item in results:
            rule.record(item)
            if item.get("skipped"):
                return skipped_reason(item)
        return rule.reason

    def _budget(self, args):
        """The call budget the module will use, counted in devices, when the controller can tell (pacing on,
        server and key known, calls sent); None otherwise, and then the module alone paces itself."""
        calls = self.calls_per_device(args)
        rate_limit = args.get("rate_limit")
        if rate_limit in (None, ""):
            rate_limit = os.environ.get("NSIGHT_RATE_LIMIT", "").strip() or DEFAULT_RATE_LIMIT
        server = args.get("server") or os.environ.get("NSIGHT_SERVER")
        api_key = args.get("api_key") or os.environ.get("NSIGHT_API_KEY")
        budget_url = (args.get("budget_url") or os.environ.get(BUDGET_URL_VARIABLE) or "").strip() or None
        try:
            rate_limit = int(rate_limit)
            if rate_limit <= 0 or not server or not api_key or calls <= 0 or (budget_url and not HAS_REDIS):
                return None
            budget = CallBudget(rate_limit, normalise_server(server), clean_secret(api_key, "api_key", "the key"),
                                budget_url and check_budget_url(budget_url), int(args.get("timeout") or 30))
        except (TypeError, ValueError, MspAntivirusError):
            return None  # the module refuses the value, with its own message
        return DeviceBudget(budget, calls)

    def _batchable_ids(self, args):
        """The device ids to spread over batches, or None to run the module once as it is."""
        ids = args.get("deviceids")
        # An async task is one module run that Ansible polls: it cannot be split.
        if self._task.async_val or not isinstance(ids, list) or len(ids) <= POOL_SIZE or args.get("describe"):
            return None
        converted = [as_device_id(value) for value in ids]
        if None in converted:
            return None  # bad input: the module refuses it whole, before any call
        return list(dict.fromkeys(converted))

    def _run_module(self, args, task_vars):
        return self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars,
                                    wrap_async=bool(self._task.async_val))


class DeviceListingAction(DeviceBatchAction):
    """The batching action of the MAV listing modules (scans, threats, quarantine): read-only, ``devices`` kept
    beside ``results`` as 1.0.0 returned it, a device read twice when its engine is to be found."""

    SERVICE = None
    SUMMARY = staticmethod(summarise_listings)
    COMPAT_KEYS = ("devices",)

    def service(self, args):
        return self.SERVICE

    def calls_per_device(self, args):
        # engine=auto reads a device twice when the default engine (Bitdefender) shows nothing.
        return 2 if args.get("engine") in (None, "", "auto") else 1


class Progress:
    """Counts what the batches did, sizes the next batch to what the call budget lets through, and
    prints a line once the task has run for QUIET_SECONDS."""

    def __init__(self, module, total, budget):
        self.module = module
        self.total = total
        # Counted in devices (a DeviceBudget), or None when the controller cannot tell it.
        self.budget = budget
        self.started = time.monotonic()
        self.done = self.changed = self.failed = 0
        # The fastest a device went: how long each would take without waiting for the budget.
        self.per_device = float("inf")

    def fit(self, size):
        """``size`` cut to the calls the budget frees within BATCH_SECONDS, waiting (with progress
        lines) while it frees none, so that no batch blocks past the next line."""
        if self.budget is None:
            return size
        while True:
            free = self.budget.free_slots(BATCH_SECONDS)
            if free > 0:
                return max(1, min(size, free))
            self.show()
            time.sleep(BATCH_SECONDS / 2)

    def record(self, items, seconds):
        self.done += len(items)
        self.failed += sum(1 for item in items if item.get("failed"))
        self.changed += sum(1 for item in items if item.get("changed") and not item.get("failed"))
        self.per_device = min(self.per_device, seconds / max(1, len(items)))
        if self.done < self.total:
            self.show()

    def seconds_left(self):
        left = self.total - self.done
        estimate = left * (self.per_device if self.per_device != float("inf") else 0)
        if self.budget is not None:
            estimate = max(estimate, self.budget.seconds_until(left))
        return estimate

    def show(self):
        if time.monotonic() - self.started < QUIET_SECONDS:
            return
        display.display("{0}: {1}/{2} devices, {3} changed, {4} failed, about {5} left".format(
            self.module, self.done, self.total, self.changed, self.failed, format_duration(self.seconds_left())))


def format_duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return "{0} s".format(seconds)
    return "{0} min {1:02d} s".format(seconds // 60, seconds % 60)
