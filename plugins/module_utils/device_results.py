# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The result contract of every module that works per device (or per WFBSS customer): one result type,
when a bulk task stops early, and the task's result built from its items' results.

- ``results`` holds one dict per item, in input order; with a single ``deviceid`` that item's keys and its
  own ``msg`` are also at the top level; an item's failure fails that item, and the task when any failed.
- A bulk task stops early only for a failure that every call would repeat (login failed, HTTP 401/403, TLS,
  a name that does not resolve, a refused connection) or TRANSPORT_FAILURES_IN_A_ROW items failing in a row
  without an answer (an outage); the items not sent are reported ``skipped``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
from collections import namedtuple

from ansible_collections.msp.antivirus.plugins.module_utils.errors import MspAntivirusError, TransportError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import POOL_SIZE, concurrent_map

# Two pool-fulls: an outage fails every item in flight at once, and a second round confirms it. A blip
# rarely fails even two items in a row once each has had its retries.
TRANSPORT_FAILURES_IN_A_ROW = 2 * POOL_SIZE
# The transport failures that no retry and no other item can get past.
REPEATING_TRANSPORT_ERRORS = ("tls", "dns", "refused")
REPEATING_HTTP_STATUSES = (401, 403)
# N-sight's error 3: login failed (a wrong key, or the key of another regional server).
LOGIN_FAILED = 3
SKIPPED_BECAUSE = "an earlier item failed in a way every call would repeat"


class ItemResult:
    """One item's result, shaped as the module returns it in ``results``: the item under KEY, the service,
    ``changed``, ``msg``, ``failed`` when it failed, and the details of that service (rows, scan_state...)."""

    KEY = "deviceid"
    # How a message names the item: the API's error texts do not.
    LABEL = "Device"

    def __init__(self, item, service, changed=False, failed=False, msg="", **details):
        self.item = item
        self.service = service
        self.changed = changed
        self.failed = failed
        self.msg = msg
        self.details = details
        # The typed error a failed result came from, for whoever settles it later; never returned.
        self.error = None

    @classmethod
    def from_error(cls, item, service, error):
        """A failed result carrying the error's message, after the item it is about, and its secret-free
        details; a failure without an answer says what kind it was (``transport_error``)."""
        details = dict(error.details)
        if isinstance(error, TransportError):
            details["transport_error"] = error.cause
        result = cls(item, service, failed=True, msg="{0} {1}: {2}".format(cls.LABEL, item, error.message), **details)
        result.error = error
        return result

    @classmethod
    def skipped(cls, item, service, reason):
        """An item not sent, because an earlier one failed in a way every call would repeat."""
        return cls(item, service, failed=True, skipped=True,
                   msg="Skipped {0} {1}: {2}: {3}".format(cls.LABEL.lower(), item, SKIPPED_BECAUSE, reason))

    def as_dict(self):
        result = {self.KEY: self.item, "service": self.service, "changed": self.changed, "msg": self.msg}
        if self.failed:
            result["failed"] = True
        result.update(self.details)
        return result


class CustomerResult(ItemResult):
    KEY = "cid"
    LABEL = "Customer"


def skipped_reason(result):
    """The reason a skipped result gives: the failure that stopped the task."""
    return result["msg"].split(SKIPPED_BECAUSE + ": ", 1)[-1]


def repeats_for_every_call(result):
    """Whether a result's failure would repeat for every item: wrong key or server, TLS, DNS, refused."""
    if not result.get("failed") or result.get("skipped"):
        return False
    return any((result.get("api_code") == LOGIN_FAILED, result.get("http_status") in REPEATING_HTTP_STATUSES,
                result.get("transport_error") in REPEATING_TRANSPORT_ERRORS))


def failed_without_answer(result):
    """Whether an item failed with no answer of the service about it (no N-sight status, no WFBSS error subject, or
    a throttled or failing service, HTTP 429 or 5xx): the network or the service failed, not the item."""
    if not result.get("failed") or result.get("skipped"):
        return False
    status = result.get("http_status") or 0
    return status == 429 or status >= 500 or not (result.get("api_status") or result.get("error_subject"))


class StopRule:
    """Tells, from the results as they come in, whether the items not yet sent must be skipped; thread-safe.
    The batching action plugin keeps one across its batches, the module one per run."""

    def __init__(self):
        self.reason = None
        self._in_a_row = 0
        self._lock = threading.Lock()

    def record(self, result):
        with self._lock:
            if self.reason is not None:
                return
            if repeats_for_every_call(result):
                self.reason = result["msg"]
            elif failed_without_answer(result):
                self._in_a_row += 1
                if self._in_a_row >= TRANSPORT_FAILURES_IN_A_ROW:
                    self.reason = "{0} items in a row got no answer; the last: {1}".format(
                        self._in_a_row, result["msg"])
            elif not result.get("skipped"):
                self._in_a_row = 0


def for_each_item(items, work, skip, rule=None, workers=POOL_SIZE):
    """``work(item)`` (an ItemResult) for every item, at most ``workers`` at a time over one connection pool,
    results in input order. Once ``rule`` stops the task, items not yet started get ``skip(item, reason)``."""
    rule = rule or StopRule()

    def one(item):
        if rule.reason is not None:
            return skip(item, rule.reason)
        result = work(item)
        rule.record(result.as_dict())
        return result

    return concurrent_map(one, items, workers)


# What one call for a batch of items gave: its answer, or the error (None when the batch was skipped) and the
# batch's failed results.
BatchOutcome = namedtuple("BatchOutcome", ("batch", "answer", "error", "failed"))


def for_each_batch(batches, call, service, result_type):
    """``call(batch)`` for each batch of items in turn, one answer covering the whole batch (the WFBSS calls of at
    most 10 customers); as in for_each_item, a failed call fails its batch's items only, and after a failure every
    call would repeat, the batches left are skipped. A BatchOutcome per batch, in order."""
    rule, outcomes = StopRule(), []
    for batch in batches:
        if rule.reason is not None:
            skipped = [result_type.skipped(item, service, rule.reason).as_dict() for item in batch]
            outcomes.append(BatchOutcome(batch, None, None, skipped))
            continue
        try:
            answer = call(batch)
        except MspAntivirusError as error:
            failed = [result_type.from_error(item, service, error).as_dict() for item in batch]
            rule.record(failed[0])
            outcomes.append(BatchOutcome(batch, None, error, failed))
            continue
        outcomes.append(BatchOutcome(batch, answer, None, None))
    return outcomes


def batch_errors(outcomes):
    """The errors of the failed calls, in order."""
    return [outcome.error for outcome in outcomes if outcome.error is not None]


def summarise_actions(service, results):
    """The ``msg`` of a bulk action: how many devices changed, did not, failed."""
    counts = {"changed": 0, "unchanged": 0, "failed": 0}
    for result in results:
        counts["failed" if result.get("failed") else "changed" if result["changed"] else "unchanged"] += 1
    return "{changed} device(s) changed, {unchanged} unchanged, {failed} failed.".format(**counts)


def summarise_listings(service, results):
    """The ``msg`` of a listing: devices read, rows found, devices failed."""
    failed = sum(1 for result in results if result.get("failed"))
    rows = sum(len(result.get("rows") or []) for result in results if not result.get("failed"))
    return "{0}: {1} device(s) read, {2} row(s), {3} failed.".format(service, len(results) - failed, rows, failed)


def task_result(service, results, summary, single=False, **extra):
    """The task's result from its items' result dicts: ``results``, the top-level keys of the one device
    when ``single``, else ``changed``, ``service`` and the ``summary`` line; ``extra`` keys (those kept for
    compatibility); ``failed`` when any item failed."""
    if single:
        result = dict(results[0], results=results)
    else:
        result = dict(changed=any(item["changed"] for item in results), service=service, results=results,
                      msg=summary(service, results))
    result.update(extra)
    if any(item.get("failed") for item in results):
        result["failed"] = True
    return result
