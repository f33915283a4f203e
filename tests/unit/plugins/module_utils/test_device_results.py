# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The result contract: one result type, when a bulk task stops early, the task's result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils.device_results import (
    TRANSPORT_FAILURES_IN_A_ROW,
    CustomerResult,
    ItemResult,
    StopRule,
    for_each_item,
    skipped_reason,
    summarise_actions,
    summarise_listings,
    task_result,
)
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    HttpStatusError,
    NsightApiError,
    ResponseParseError,
    TransportError,
    WfbssApiError,
)


def transport(cause):
    error = TransportError("no answer ({0})".format(cause), url="https://h/api/?apikey=********")
    error.cause = cause
    return error


def failed(error, item=1):
    return ItemResult.from_error(item, "mav_scan_pause", error).as_dict()


OK = ItemResult(1, "mav_scan_pause", changed=True, api_status="OK", msg="Paused.").as_dict()


@pytest.mark.parametrize("error", [
    NsightApiError("Login failed", api_code=3, api_status="FAIL"),
    HttpStatusError("HTTP 403", http_status=403),
    WfbssApiError("HTTP 401", http_status=401, error_subject="AuthenticationFailure"),
    transport("tls"), transport("dns"), transport("refused"),
], ids=["login-failed", "http-403", "wfbss-401", "tls", "dns", "refused"])
def test_failures_every_call_would_repeat_stop_at_once(error):
    rule = StopRule()
    rule.record(failed(error))
    assert rule.reason == "Device 1: " + error.message


@pytest.mark.parametrize("error", [
    NsightApiError("Invalid deviceid", api_code=4, api_status="FAIL"),
    NsightApiError("scan refused", api_status="FAIL"),
    WfbssApiError("unknown customer", http_status=400, error_subject="InvalidParameter"),
], ids=["error-4", "fail", "wfbss-400"])
def test_failures_about_one_item_never_stop(error):
    rule = StopRule()
    for dummy in range(3 * TRANSPORT_FAILURES_IN_A_ROW):
        rule.record(failed(error))
    assert rule.reason is None


@pytest.mark.parametrize("error", [
    transport("timeout"), transport("reset"), transport("other"), transport("body"),
    HttpStatusError("HTTP 503", http_status=503), ResponseParseError("not XML"),
    WfbssApiError("HTTP 503 ServiceUnavailable", http_status=503, error_subject="ServiceUnavailable"),
], ids=["timeout", "reset", "other", "body", "http-503", "malformed", "wfbss-503"])
def test_failures_without_an_answer_stop_only_when_they_come_in_a_row(error):
    rule = StopRule()
    for dummy in range(TRANSPORT_FAILURES_IN_A_ROW - 1):
        rule.record(failed(error))
    rule.record(OK)
    for dummy in range(TRANSPORT_FAILURES_IN_A_ROW - 1):
        rule.record(failed(error))
    assert rule.reason is None
    rule.record(failed(error))
    assert rule.reason.startswith("{0} items in a row got no answer; the last: ".format(TRANSPORT_FAILURES_IN_A_ROW))


def test_skipped_results_neither_stop_nor_reset_the_count():
    rule = StopRule()
    skipped = ItemResult.skipped(9, "mav_scan_pause", "earlier").as_dict()
    for dummy in range(TRANSPORT_FAILURES_IN_A_ROW - 1):
        rule.record(failed(transport("reset")))
        rule.record(skipped)
    assert rule.reason is None
    rule.record(failed(transport("reset")))
    assert rule.reason is not None


def test_skipped_result_names_the_item_and_keeps_the_reason():
    result = CustomerResult.skipped("CID-1", "commands/reset", "WFBSS answered HTTP 401.").as_dict()
    assert result == {"cid": "CID-1", "service": "commands/reset", "changed": False, "failed": True, "skipped": True,
                      "msg": "Skipped customer CID-1: an earlier item failed in a way every call would repeat: WFBSS "
                             "answered HTTP 401."}
    assert skipped_reason(result) == "WFBSS answered HTTP 401."


def test_a_transport_failure_says_what_kind_it_was():
    assert failed(transport("tls"))["transport_error"] == "tls"
    assert "transport_error" not in failed(NsightApiError("x", api_code=4, api_status="FAIL"))


def test_for_each_item_skips_what_was_not_started_and_keeps_the_order():
    def work(item):
        if item == 2:
            return ItemResult.from_error(item, "s", transport("refused"))
        return ItemResult(item, "s", changed=True)

    results = for_each_item([1, 2, 3, 4], work, lambda item, reason: ItemResult.skipped(item, "s", reason),
                            workers=1)
    assert [(result.item, result.failed, result.details.get("skipped", False)) for result in results] == [
        (1, False, False), (2, True, False), (3, True, True), (4, True, True)]


def test_task_result_of_one_device_has_its_keys_and_message_at_the_top():
    bad = failed(NsightApiError("Device 999 is unknown: error 4 (Invalid deviceid).", api_code=4,
                                api_status="FAIL"), item=999)
    result = task_result("list_mav_threats", [bad], summarise_listings, single=True, devices=[bad])
    assert result["deviceid"] == 999 and result["msg"] == bad["msg"] and result["api_code"] == 4
    assert result["failed"] is True and result["results"] == [bad] and result["devices"] == [bad]


def test_task_result_of_many_devices_summarises_them():
    unchanged = ItemResult(2, "mav_scan_pause", msg="No change.").as_dict()
    bad = failed(NsightApiError("refused", api_status="FAIL"), item=3)
    result = task_result("mav_scan_pause", [OK, unchanged, bad], summarise_actions)
    assert result == {"changed": True, "service": "mav_scan_pause", "results": [OK, unchanged, bad], "failed": True,
                      "msg": "1 device(s) changed, 1 unchanged, 1 failed."}
    assert "failed" not in task_result("mav_scan_pause", [OK, unchanged], summarise_actions)


def test_listing_summary_counts_rows_of_devices_read():
    rows = [ItemResult(1, "list_mav_threats", rows=[{}, {}]).as_dict(),
            failed(NsightApiError("x", api_code=4, api_status="FAIL"), item=2)]
    assert summarise_listings("list_mav_threats", rows) == "list_mav_threats: 1 device(s) read, 2 row(s), 1 failed."
