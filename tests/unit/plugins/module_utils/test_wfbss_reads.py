# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils import wfbss_reads
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    TransportError,
    WfbssApiError,
)


@pytest.mark.parametrize("value, seconds", [
    (None, None),
    (0, 0),
    (1370315252, 1370315252),
    ("1370315252", 1370315252),
    (" 42 ", 42),
    ("1970-01-02", 86400),
    ("2026-12-07", 1796601600),
    ("2026-12-07 10:30", 1796639400),
    ("2026-12-07T10:30", 1796639400),
    ("2026-12-07T10:30:00Z", 1796639400),
    ("2026-12-07t10:30:05z", 1796639405),
    ("2026-12-07 10:30:00", 1796639400),
    ("2026-12-07T10:30:00+02:00", 1796632200),
    ("2026-12-07T10:30:00-0130", 1796644800),
    ("2026-12-07T10:30:00+00:00", 1796639400),
])
def test_begin_time_forms(value, seconds):
    assert wfbss_reads.begin_time_seconds(value) == seconds


@pytest.mark.parametrize("value, reason", [
    ("yesterday", "is not a time"),
    ("", "is not a time"),
    ("2026-13-07", "is not a time"),
    ("2026-02-30", "is not a time"),
    ("2026-12-07 25:00", "is not a time"),
    ("2026-12-07T10:30:00+24:00", "is not a time"),
    ("07/12/2026", "is not a time"),
    ("1370315252.5", "is not a time"),
    (1370315252.0, "is not a time"),
    (True, "is not a time"),
    ([1], "is not a time"),
    (-1, "before 1970-01-01"),
    ("-5", "before 1970-01-01"),
    ("1969-12-31", "before 1970-01-01"),
])
def test_bad_begin_time_says_the_accepted_forms(value, reason):
    with pytest.raises(InvalidOptionError) as raised:
        wfbss_reads.begin_time_seconds(value)
    assert reason in raised.value.message
    assert "2026-12-07T10:30:00+02:00 (no zone means UTC)" in raised.value.message


def test_ccid_chunks_of_at_most_99_duplicates_dropped():
    ccids = ["{0:032x}".format(number) for number in range(150)]
    chunks = wfbss_reads.ccid_chunks(ccids + ccids[:5])
    assert chunks == [ccids[:99], ccids[99:]]
    assert wfbss_reads.ccid_chunks(None) == [None]
    assert wfbss_reads.ccid_chunks(["a"]) == [["a"]]


@pytest.mark.parametrize("ccids, message", [
    ([], "ccids is empty"), (["a,b"], "ccids must be single"), (["a", " "], "ccids must be single"),
])
def test_bad_ccids_are_refused(ccids, message):
    with pytest.raises(InvalidOptionError) as raised:
        wfbss_reads.ccid_chunks(ccids)
    assert message in raised.value.message


@pytest.mark.parametrize("value, expected", [
    (True, True), (1, True), ("1", True), ("true", True), ("TRUE", True), ("Yes", True), (" yes ", True),
    (False, False), (0, False), (2, False), ("0", False), ("false", False), ("no", False), ("", False),
    (None, False), ({}, False), (1.0, False),
])
def test_out_of_date_values(value, expected):
    assert wfbss_reads.is_out_of_date(value) is expected


def test_device_summary_counts_out_of_date_only_when_asked():
    rows = [{"out_of_date": True}, {"out_of_date": "0"}, {"out_of_date": 1}, {}]
    assert wfbss_reads.device_summary(rows, False) == {"devices": 4}
    assert wfbss_reads.device_summary(rows, True) == {"devices": 4, "out_of_date": 2}
    assert wfbss_reads.summary_text({"devices": 4, "out_of_date": 2}, "3 customer(s)") == (
        "4 device(s) of 3 customer(s); 2 out of date.")
    assert wfbss_reads.summary_text({"devices": 0}, "customer X") == "0 device(s) of customer X."


def test_device_calls_one_customer_each():
    assert wfbss_reads.device_calls({"cids": ["A", "B", "A"], "ccids": None}) == ([["A"], ["B"]], [None])
    with pytest.raises(InvalidOptionError):
        wfbss_reads.device_calls({"cids": [], "ccids": None})


def test_livestatus_calls_ten_at_a_time():
    cids = ["C{0:02d}".format(number) for number in range(12)]
    assert wfbss_reads.livestatus_calls({"cids": cids, "begin_time": "5"}) == ([cids[:10], cids[10:]], 5)


class Components:
    def __init__(self, rows=None, errors=None):
        self.rows = rows or {}
        self.errors = errors or {}
        self.asked = []

    def __call__(self, cid, ccids, fields, extra_fields):
        self.asked.append((cid, ccids, fields, extra_fields))
        if cid in self.errors:
            raise self.errors[cid]
        return [row for row in self.rows.get(cid, []) if ccids is None or row["cid"] in ccids]


def params(**given):
    return dict(dict(cids=["A"], ccids=None, fields=None, extra_fields=None), **given)


def test_device_results_per_customer_with_summary():
    components = Components({"A": [{"cid": "a1", "out_of_date": True}, {"cid": "a2", "out_of_date": False}],
                             "B": [{"cid": "b1", "out_of_date": "1"}]})
    result = wfbss_reads.device_results(params(cids=["A", "NOBODY", "B"], extra_fields=["out_of_date"]),
                                        components)
    assert [asked[0] for asked in components.asked] == ["A", "NOBODY", "B"]
    assert result["changed"] is False and "failed" not in result
    assert result["msg"] == "3 device(s) of 3 customer(s); 2 out of date."
    assert result["summary"] == {"A": {"devices": 2, "out_of_date": 1}, "NOBODY": {"devices": 0, "out_of_date": 0},
                                 "B": {"devices": 1, "out_of_date": 1}}
    assert result["devices"]["A"] == components.rows["A"] and result["devices"]["NOBODY"] == []
    first = result["results"][0]
    assert first == {"cid": "A", "service": "components", "changed": False, "devices": components.rows["A"],
                     "summary": {"devices": 2, "out_of_date": 1},
                     "msg": "2 device(s) of customer A; 1 out of date."}


def test_device_results_ccids_in_chunks_fields_passed_on():
    ccids = ["{0:032x}".format(number) for number in range(150)]
    components = Components({"A": [{"cid": ccid} for ccid in ccids]})
    result = wfbss_reads.device_results(params(ccids=ccids, fields=["platform"], extra_fields=["label"]), components)
    assert components.asked == [("A", ccids[:99], ["platform"], ["label"]), ("A", ccids[99:], ["platform"], ["label"])]
    assert result["summary"] == {"A": {"devices": 150}}
    assert result["msg"] == "150 device(s) of 1 customer(s)."


def test_device_results_a_failed_customer_fails_alone():
    error = TransportError("Connection reset for WFBSS at https://x/.")
    components = Components({"A": [{"cid": "a1"}], "C": [{"cid": "c1"}]}, errors={"B": error})
    result = wfbss_reads.device_results(params(cids=["A", "B", "C"]), components)
    assert len(components.asked) == 3
    assert result["failed"] is True
    assert result["msg"] == ("Connection reset for WFBSS at https://x/. 2 device(s) of 2 customer(s). "
                             "1 customer(s) failed.")
    assert [(item["cid"], item.get("failed", False)) for item in result["results"]] == [
        ("A", False), ("B", True), ("C", False)]
    assert result["results"][1]["transport_error"] == "other" and "devices" not in result["results"][1]
    assert set(result["devices"]) == {"A", "C"} and set(result["summary"]) == {"A", "C"}


def test_device_results_a_failure_every_call_would_repeat_skips_the_rest():
    error = WfbssApiError("WFBSS answered HTTP 401.", http_status=401, url="https://x/components?cids=A")
    components = Components(errors={"A": error})
    result = wfbss_reads.device_results(params(cids=["A", "B", "C"]), components)
    assert len(components.asked) == 1
    assert result["failed"] is True and result["http_status"] == 401 and result["url"] == "https://x/components?cids=A"
    assert [item.get("skipped", False) for item in result["results"]] == [False, True, True]
    assert result["devices"] == {} and result["msg"].endswith("0 device(s) of 0 customer(s). 3 customer(s) failed.")


def test_device_results_a_failed_chunk_fails_its_customer():
    ccids = ["{0:032x}".format(number) for number in range(100)]

    class SecondChunkFails(Components):
        def __call__(self, cid, ccids, fields, extra_fields):
            if len(self.asked) == 1:
                self.asked.append((cid, ccids, fields, extra_fields))
                raise WfbssApiError("WFBSS answered HTTP 500.", http_status=500)
            return Components.__call__(self, cid, ccids, fields, extra_fields)

    result = wfbss_reads.device_results(params(cids=["A", "B"], ccids=ccids), SecondChunkFails())
    assert [item.get("failed", False) for item in result["results"]] == [True, False]


class Livestatus:
    def __init__(self, known=None, errors=None):
        self.known = known
        self.errors = errors or {}
        self.asked = []

    def __call__(self, cids, begin_time):
        self.asked.append((list(cids), begin_time))
        error = self.errors.get(len(self.asked) - 1)
        if error is not None:
            raise error
        return [{"id": cid.lower(), "livestatus": {"wtp": {"light": 1}}} for cid in cids
                if self.known is None or cid in self.known]


def test_livestatus_results_found_and_not_found():
    livestatus = Livestatus(known={"A"})
    result = wfbss_reads.livestatus_results({"cids": ["A", "B", "A"], "begin_time": None}, livestatus)
    assert livestatus.asked == [(["A", "B"], None)]
    assert result["livestatus"] == {"A": {"wtp": {"light": 1}}}
    assert "begin_time" not in result and "failed" not in result and result["changed"] is False
    assert result["results"][0] == {"cid": "A", "service": "customers/livestatus", "changed": False, "found": True,
                                    "livestatus": {"wtp": {"light": 1}}, "msg": "Live status of customer A."}
    assert result["results"][1]["found"] is False and result["results"][1]["livestatus"] is None
    assert "unknown customer" in result["results"][1]["msg"]
    assert result["msg"] == "Live status of 1 customer(s). None for 1 customer id(s): B."


def test_livestatus_results_with_begin_time_say_not_updated_after():
    livestatus = Livestatus(known=set())
    result = wfbss_reads.livestatus_results({"cids": ["A"], "begin_time": "2026-12-07"}, livestatus)
    assert livestatus.asked == [(["A"], 1796601600)] and result["begin_time"] == 1796601600
    assert result["results"][0]["msg"] == ("No live status of customer A was updated after begin_time 1796601600 "
                                           "(Unix seconds), or the customer is unknown.")
    assert result["msg"] == "Live status of 0 customer(s). None updated after begin_time 1796601600 for 1 customer " \
                            "id(s): A."


def test_livestatus_results_a_failed_call_fails_its_ten():
    cids = ["C{0:02d}".format(number) for number in range(23)]
    livestatus = Livestatus(errors={1: WfbssApiError("WFBSS answered HTTP 500.", http_status=500)})
    result = wfbss_reads.livestatus_results({"cids": cids, "begin_time": 0}, livestatus)
    assert [asked[0] for asked in livestatus.asked] == [cids[:10], cids[10:20], cids[20:]]
    assert result["failed"] is True and result["http_status"] == 500
    assert [item["cid"] for item in result["results"] if item.get("failed")] == cids[10:20]
    assert len(result["livestatus"]) == 13
    assert result["msg"] == "WFBSS answered HTTP 500. Live status of 13 customer(s). 10 customer(s) failed."


def test_bad_input_fails_before_any_call():
    livestatus, components = Livestatus(), Components()
    with pytest.raises(InvalidOptionError):
        wfbss_reads.livestatus_results({"cids": ["A"], "begin_time": "soon"}, livestatus)
    with pytest.raises(InvalidOptionError):
        wfbss_reads.device_results(params(ccids=["x,y"]), components)
    assert livestatus.asked == [] and components.asked == []
