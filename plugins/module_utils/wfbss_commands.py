# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""WFBSS commands (commands/reset, commands/scan, commands/update) for many customers: the one
implementation of the option checks, the batches of at most 10 cids, and the report of a run that
stopped part-way (tasks created, cids not sent, cids whose answer was lost)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    MspAntivirusError,
    failure_result,
)
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import batches


def customer_ids(cids):
    """The cids to send, validated before any API call, duplicates dropped in order."""
    cids = [cid.strip() for cid in cids]
    if not cids:
        raise InvalidOptionError("cids is empty: list at least one WFBSS customer id.")
    bad = [cid for cid in cids if not cid or "," in cid]
    if bad:
        raise InvalidOptionError("cids must be single, non-empty customer ids (the API joins them with commas); "
                                 "fix {0}.".format(", ".join(repr(cid) for cid in bad)))
    return list(dict.fromkeys(cids))


def group_ids(gids):
    """The gids to send with every command, or None (every group); validated, duplicates dropped in order."""
    if gids is None:
        return None
    gids = [gid.strip() for gid in gids]
    if not gids:
        raise InvalidOptionError("gids is empty: omit gids to act on every group of the customers, or list group "
                                 "ids (msp.antivirus.wfbss_group_info shows them).")
    bad = [gid for gid in gids if not gid or "," in gid]
    if bad:
        raise InvalidOptionError("gids must be single, non-empty group ids (the API joins them with commas); "
                                 "fix {0}.".format(", ".join(repr(gid) for gid in bad)))
    return list(dict.fromkeys(gids))


def cid_batches(cids):
    """The cids of each command, at most 10 each; bad input fails here, before any API call."""
    return batches(customer_ids(cids))


def group_commands(params):
    """For commands/scan and commands/update: the cids of each command, at most 10 each, and the gids from
    ``params`` (``cids``, ``gids``); bad input fails here, before any API call."""
    return cid_batches(params["cids"]), group_ids(params["gids"])


def send_commands(command_batches, send, what, check_mode=False, not_sent_key="not_sent"):
    """Send ``send(cids)`` for each batch, one after the other; the result of the task.

    ``what`` completes "Sent ..." / "Would send ..." ("2 scan command(s) of type start for 12 customer(s).").
    Check mode sends nothing: ``tasks`` is empty and ``batches`` shows the commands that would be sent. The first
    failure stops the rest: the result (``failed=True``) keeps the tasks already created, lists the cids not sent
    under ``not_sent_key``, and those of a command sent whose answer was lost under ``unconfirmed``.
    """
    result = dict(changed=True, tasks=[], batches=command_batches)
    if check_mode:
        return dict(result, msg="Would send " + what)
    for cids in command_batches:
        try:
            task = send(cids)
        except MspAntivirusError as error:
            return stopped(error, result, not_sent_key)
        result["tasks"].append(dict(task, cids=cids))
    return dict(result, msg="Sent " + what)


def stopped(error, result, not_sent_key="not_sent"):
    """A command failed: the tasks already created are real changes, reported beside what was not sent."""
    command_batches, sent = result["batches"], len(result["tasks"])
    not_sent = command_batches[sent:]
    if error.outcome_unknown:
        # Sent, answer lost: WFBSS may have carried it out.
        result["unconfirmed"], not_sent = not_sent[0], not_sent[1:]
    result[not_sent_key] = [cid for cids in not_sent for cid in cids]
    result["changed"] = sent > 0 or "unconfirmed" in result
    result = failure_result(error, **result)
    if len(command_batches) > 1:
        result["msg"] += " {0} of {1} command(s) were sent before this one.".format(sent, len(command_batches))
    return result
