# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""WFBSS commands (commands/reset, commands/scan, commands/update) for many customers: the one
implementation of the option checks, the batches of at most 10 cids, and the report of a run that
stopped part-way (tasks created, cids not sent, cids whose answer was lost)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.device_results import (
    CustomerResult,
    batch_errors,
    for_each_batch,
)
from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError, failure_result
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import batches


def wfbss_ids(values, option, what, empty_hint):
    """The ``what`` (customer ids, group ids) of ``option``, validated before any API call, duplicates dropped in
    order: single, non-empty values, as the API joins them with commas. The ids are GUIDs, hex or numbers: one
    written in another letter case is the same id, sent once as first written."""
    values = [value.strip() for value in values]
    if not values:
        raise InvalidOptionError("{0} is empty: {1}".format(option, empty_hint))
    bad = [value for value in values if not value or "," in value]
    if bad:
        raise InvalidOptionError("{0} must be single, non-empty {1} (the API joins them with commas); fix {2}.".format(
            option, what, ", ".join(repr(value) for value in bad)))
    first_written = {}
    for value in values:
        first_written.setdefault(value.upper(), value)
    return list(first_written.values())


def customer_ids(cids):
    return wfbss_ids(cids, "cids", "customer ids", "list at least one WFBSS customer id.")


def group_ids(gids):
    """The gids to send with every command, or None (every group)."""
    if gids is None:
        return None
    return wfbss_ids(gids, "gids", "group ids", "omit gids to act on every group of the customers, or list group ids "
                                   "(msp.antivirus.wfbss_group_info shows them).")


def cid_batches(cids):
    """The cids of each command, at most 10 each; bad input fails here, before any API call."""
    return batches(customer_ids(cids))


def group_commands(params):
    """For commands/scan and commands/update: the cids of each command, at most 10 each, and the gids from
    ``params`` (``cids``, ``gids``); bad input fails here, before any API call."""
    return cid_batches(params["cids"]), group_ids(params["gids"])


def send_commands(command_batches, send, service, what, check_mode=False, not_sent_key="not_sent"):
    """Send ``send(cids)`` for each batch, one after the other; the result of the task.

    ``results`` holds one result per customer, in order. ``what`` completes "Sent ..." / "Would send ..." ("2 scan
    command(s) of type start for 12 customer(s)."). Check mode sends nothing: ``tasks`` is empty and ``batches``
    shows the commands that would be sent. A failed command fails its customers only, and the next command is
    sent, unless the failure would repeat for every command (StopRule). The result keeps the tasks created,
    lists the cids not sent under ``not_sent_key``, and those of a command whose answer was lost (it may have
    been carried out) under ``unconfirmed``; the first failure's message and details are at the top.
    """
    result = dict(changed=True, tasks=[], batches=command_batches, results=[])
    if check_mode:
        result["results"] = [CustomerResult(cid, service, changed=True, msg="Would send {0} for customer {1}.".format(
            service, cid)).as_dict() for cids in command_batches for cid in cids]
        return dict(result, msg="Would send " + what)
    result.update({not_sent_key: [], "unconfirmed": []})
    outcomes = for_each_batch(command_batches, send, service, CustomerResult)
    for cids, task, error, failed in outcomes:
        if failed is None:
            result["tasks"].append(dict(task, cids=cids))
            result["results"].extend(CustomerResult(cid, service, changed=True, task=task, msg="Sent {0} for customer "
                                                    "{1}: task {2}.".format(service, cid, task["id"])).as_dict()
                                     for cid in cids)
            continue
        if error is not None and error.outcome_unknown:
            result["unconfirmed"].extend(cids)
            for customer in failed:
                customer.update(uncertain=True, msg=customer["msg"] + " The command may have been carried out for "
                                "customer {0}: check it in the console.".format(customer["cid"]))
        else:
            result[not_sent_key].extend(cids)
        result["results"].extend(failed)
    errors = batch_errors(outcomes)
    result["changed"] = bool(result["tasks"] or result["unconfirmed"])
    if not result["unconfirmed"]:
        del result["unconfirmed"]
    if not errors:
        del result[not_sent_key]
        return dict(result, msg="Sent " + what)
    result = failure_result(errors[0], **result)
    if len(command_batches) > 1:
        result["msg"] += " Of {0} command(s), {1} created a task, {2} failed and {3} were not sent.".format(
            len(command_batches), len(result["tasks"]), len(errors),
            len(command_batches) - len(result["tasks"]) - len(errors))
    return result
