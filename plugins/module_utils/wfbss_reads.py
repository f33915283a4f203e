# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The WFBSS reads per customer (components, customers/livestatus): the option checks made before any call
(ccids, begin_time), the calls per batch of customers with the result of each customer in order, the devices'
summary, and the task's result with the first failure at the top."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.msp.antivirus.plugins.module_utils.device_results import (
    CustomerResult,
    batch_errors,
    for_each_batch,
)
from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError, failure_result
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss import MAX_CCIDS_PER_CALL, batches
from ansible_collections.msp.antivirus.plugins.module_utils.wfbss_commands import cid_batches, customer_ids, wfbss_ids

BEGIN_TIME_FORMS = ("Unix seconds (an integer, or a string of digits, 0 or more), or a date/time: 2026-12-07, "
                    "2026-12-07 10:30, 2026-12-07T10:30:00Z or 2026-12-07T10:30:00+02:00 (no zone means UTC)")
DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})"
                       r"(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?"
                       r"(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
# The values of an extra field out_of_date that count as out of date (its type is not published).
TRUE_STRINGS = ("1", "true", "yes")


def ccid_chunks(ccids):
    """The device ids to send to components in each call for a customer, at most MAX_CCIDS_PER_CALL each, or
    ``[None]`` (one call for every device) when ``ccids`` is None; bad input fails here, before any API call."""
    if ccids is None:
        return [None]
    return batches(wfbss_ids(ccids, "ccids", "device ids",
                             "omit ccids to read every device of the customers, or list device ids."),
                   MAX_CCIDS_PER_CALL)


def begin_time_seconds(value):
    """The Unix seconds to send as begin_time, from an int, a string of digits or a date/time string (no zone
    means UTC); None when ``value`` is None. Anything else fails here, before any API call."""
    if value is None:
        return None
    seconds = None
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    elif isinstance(value, str):
        text = value.strip()
        if re.match(r"^[+-]?\d+$", text):
            seconds = int(text)
        else:
            seconds = date_time_seconds(text)
    if seconds is None:
        raise InvalidOptionError("begin_time {0!r} is not a time the module knows: give {1}.".format(
            value, BEGIN_TIME_FORMS))
    if seconds < 0:
        raise InvalidOptionError("begin_time {0!r} is before 1970-01-01 00:00:00 UTC: give {1}.".format(
            value, BEGIN_TIME_FORMS))
    return seconds


def date_time_seconds(text):
    """The Unix seconds of a date/time string of the forms BEGIN_TIME_FORMS names, or None."""
    match = DATE_TIME.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    if zone is None or zone.upper() == "Z":
        tzinfo = datetime.timezone.utc
    else:
        digits = zone[1:].replace(":", "")
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset >= datetime.timedelta(hours=24):
            return None
        tzinfo = datetime.timezone(-offset if zone[0] == "-" else offset)
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                   int(second or 0), tzinfo=tzinfo)
    except ValueError:
        return None
    return int((moment - EPOCH).total_seconds())


def is_out_of_date(value):
    """Whether a device's extra field out_of_date says it is out of date: true, 1, or "1", "true", "yes" (any
    case). Its type is not published; anything else, missing included, counts as up to date."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    return isinstance(value, str) and value.strip().lower() in TRUE_STRINGS


def device_summary(rows, count_out_of_date):
    """``{"devices": N}``, with ``"out_of_date": M`` when the rows were asked with the extra field out_of_date."""
    summary = {"devices": len(rows)}
    if count_out_of_date:
        summary["out_of_date"] = sum(1 for row in rows if is_out_of_date(row.get("out_of_date")))
    return summary


def summary_text(summary, whose):
    """"3 device(s) of customer X.", or "3 device(s) of customer X; 2 out of date." when counted."""
    text = "{0} device(s) of {1}".format(summary["devices"], whose)
    if "out_of_date" in summary:
        text = "{0}; {1} out of date".format(text, summary["out_of_date"])
    return text + "."


def read_customers(customer_batches, call, service, customer_result):
    """``call(batch)`` for each batch of cids in turn (device_results.for_each_batch: a failed call fails its
    customers only, and after a failure every call would repeat, the rest are skipped). The results of every
    customer in order, ``customer_result(cid, answer)`` for those answered, and the errors of the failed calls."""
    results = []
    outcomes = for_each_batch(customer_batches, call, service, CustomerResult)
    for cids, answer, dummy, failed in outcomes:
        if failed is not None:
            results.extend(failed)
        else:
            results.extend(customer_result(cid, answer) for cid in cids)
    return results, batch_errors(outcomes)


def read_result(results, errors, msg, **result):
    """The task's result: ``changed`` false, ``results``, ``msg`` and ``result``'s keys; when a call failed, the
    first failure's message and details at the top, followed by ``msg`` and how many customers failed."""
    result = dict(result, changed=False, results=results, msg=msg)
    if errors:
        result = failure_result(errors[0], **result)
        result["msg"] += " {0} {1} customer(s) failed.".format(msg, sum(1 for item in results if item.get("failed")))
    return result


def device_calls(params):
    """The calls components needs for ``params`` (cids, ccids): a batch of one cid per customer (the service takes
    one), and the chunks of ccids to ask each customer for; bad input fails here, before any API call."""
    return [[cid] for cid in customer_ids(params["cids"])], ccid_chunks(params.get("ccids"))


def device_results(params, components):
    """components (``components(cid, ccids, fields, extra_fields)``) for each customer of ``params`` (cids,
    ccids, fields, extra_fields), once per chunk of ccids: the result of the task. Bad input fails before any
    call."""
    customers, chunks = device_calls(params)
    fields, extra_fields = params.get("fields"), params.get("extra_fields")
    count_out_of_date = "out_of_date" in (extra_fields or ())

    def call(batch):
        return [row for chunk in chunks for row in components(batch[0], chunk, fields, extra_fields)]

    def customer_result(cid, rows):
        summary = device_summary(rows, count_out_of_date)
        return CustomerResult(cid, "components", devices=rows, summary=summary, msg=summary_text(
            summary, "customer " + cid)).as_dict()

    results, errors = read_customers(customers, call, "components", customer_result)
    read = [item for item in results if not item.get("failed")]
    total = {"devices": sum(item["summary"]["devices"] for item in read)}
    if count_out_of_date:
        total["out_of_date"] = sum(item["summary"]["out_of_date"] for item in read)
    msg = summary_text(total, "{0} customer(s)".format(len(read)))
    return read_result(results, errors, msg, devices=dict((item["cid"], item["devices"]) for item in read),
                       summary=dict((item["cid"], item["summary"]) for item in read))


def livestatus_calls(params):
    """The batches of at most 10 cids and the begin_time (Unix seconds or None) customers/livestatus is asked with
    for ``params`` (cids, begin_time); bad input fails here, before any API call."""
    return cid_batches(params["cids"]), begin_time_seconds(params.get("begin_time"))


def livestatus_results(params, livestatus):
    """customers/livestatus (``livestatus(cids, begin_time)``) for the cids of ``params`` (cids, begin_time), 10
    at a time: the result of the task. Bad input fails before any call."""
    customers, begin_time = livestatus_calls(params)

    def customer_result(cid, answered):
        entry = next((item for item in answered
                      if isinstance(item.get("id"), str) and item["id"].upper() == cid.upper()), None)
        if entry is not None:
            return CustomerResult(cid, "customers/livestatus", found=True, livestatus=entry.get("livestatus"),
                                  msg="Live status of customer {0}.".format(cid)).as_dict()
        if begin_time is None:
            msg = "No live status was listed for customer {0} (an unknown customer, or one the key cannot see).".format(
                cid)
        else:
            msg = ("No live status of customer {0} was updated after begin_time {1} (Unix seconds), or the customer "
                   "is unknown.".format(cid, begin_time))
        return CustomerResult(cid, "customers/livestatus", found=False, livestatus=None, msg=msg).as_dict()

    results, errors = read_customers(customers, lambda batch: livestatus(batch, begin_time), "customers/livestatus",
                                     customer_result)
    found = [item for item in results if item.get("found")]
    not_found = [item["cid"] for item in results if item.get("found") is False]
    msg = "Live status of {0} customer(s).".format(len(found))
    if not_found:
        msg += " None {0}for {1} customer id(s): {2}.".format(
            "updated after begin_time {0} ".format(begin_time) if begin_time is not None else "", len(not_found),
            ", ".join(not_found))
    extra = {} if begin_time is None else {"begin_time": begin_time}
    return read_result(results, errors, msg, livestatus=dict((item["cid"], item["livestatus"]) for item in found),
                       **extra)
