# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils.errors import WfbssApiError
from ansible_collections.msp.antivirus.plugins.modules import wfbss_customer_info
from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Reply
from ansible_collections.msp.antivirus.tests.unit.helpers.module_runner import ansible_module, module_runner

TOKEN = "info-token+4a6e/9d55=7f0e"
SECRET = "info/secret=key%20x+y"
CUSTOMERS_PATH = "/SMPI/v2.8/service/wfbss/api/customers"
ACME_CORP = {"id": "640FE47F-5118-4D79-8221-A35D0DE2EE2C", "name": "Acme Corp", "license_type": "full"}
ACME_LOGISTICS = {"id": "549390C2-61B3-417E-B1F0-8955A63C08F3", "name": "Acme Logistics", "license_type": "trial"}
GLOBEX = {"id": "0B1D0C4E-7A39-4F0A-9E5C-1F2E3D4C5B6A", "name": "Globex", "license_type": "full"}


class FakeWfbss:
    """Stands in for WfbssClient: lists the customers whose name holds the keyword, as WFBSS does with ``q``."""

    warnings = []

    def __init__(self, customers=(ACME_CORP, ACME_LOGISTICS, GLOBEX), error=None):
        self.rows = list(customers)
        self.error = error
        self.keywords = []

    def customers(self, keyword=None):
        self.keywords.append(keyword)
        if self.error is not None:
            raise self.error
        return [row for row in self.rows
                if not keyword or keyword.lower() in (row.get("name", "") if isinstance(row, dict) else "").lower()]

    def close(self):
        pass


def run(client, check_mode=False, **args):
    """``wfbss_customer_info.run(module, client)`` itself, with a module made of ``args``."""
    args.setdefault("access_token", TOKEN)
    args.setdefault("secret_key", SECRET)
    module = ansible_module(wfbss_customer_info.build_module, args, check_mode=check_mode)
    return wfbss_customer_info.run(module, client)


# --------------------------------------------------------------------------- run

def test_customers_by_name_keyword():
    client = FakeWfbss()
    result = run(client, name="acme")
    assert client.keywords == ["acme"]
    assert result == {
        "changed": False,
        "customers": [ACME_CORP, ACME_LOGISTICS],
        "cids": [ACME_CORP["id"], ACME_LOGISTICS["id"]],
    }


def test_without_name_every_customer_is_listed():
    client = FakeWfbss()
    result = run(client)
    assert client.keywords == [None]
    assert result["customers"] == [ACME_CORP, ACME_LOGISTICS, GLOBEX]
    assert result["cids"] == [ACME_CORP["id"], ACME_LOGISTICS["id"], GLOBEX["id"]]


def test_no_match_gives_empty_lists():
    assert run(FakeWfbss(), name="Initech") == {"changed": False, "customers": [], "cids": []}


def test_rows_without_an_id_are_kept_but_give_no_cid():
    rows = [ACME_CORP, {"name": "Acme Draft"}, {"id": "", "name": "Acme Blank"}, "Acme garbage", ACME_LOGISTICS]
    result = run(FakeWfbss(customers=rows))
    assert result["customers"] == rows
    assert result["cids"] == [ACME_CORP["id"], ACME_LOGISTICS["id"]]


def test_check_mode_reads_the_same():
    client = FakeWfbss()
    assert run(client, check_mode=True, name="Globex") == {
        "changed": False, "customers": [GLOBEX], "cids": [GLOBEX["id"]]}
    assert client.keywords == ["Globex"]


def test_typed_error_of_the_client_is_raised_by_run():
    error = WfbssApiError("WFBSS answered HTTP 401 to GET customers: denied.", http_status=401)
    with pytest.raises(WfbssApiError) as raised:
        run(FakeWfbss(error=error), name="Acme")
    assert raised.value is error


# --------------------------------------------------------------------------- through main()

def customers_page(rows, total):
    return Reply(200, json.dumps({"customers": rows, "paging": {"page": 1, "limit": 2, "total": total}}),
                 content_type="application/json")


@pytest.fixture
def main(local_server, capsys):
    return module_runner(wfbss_customer_info.main, dict(url=local_server.url, access_token=TOKEN, secret_key=SECRET,
                                                        retries=0), [TOKEN, SECRET], capsys)


def test_main_follows_every_page_and_sends_the_keyword(local_server, main):
    local_server.script(customers_page([ACME_CORP, ACME_LOGISTICS], 3), customers_page([GLOBEX], 3))
    result = main(name="Acme Globex")
    assert result.rc == 0 and not result.failed, result
    assert result["changed"] is False
    assert result["customers"] == [ACME_CORP, ACME_LOGISTICS, GLOBEX]
    assert result["cids"] == [ACME_CORP["id"], ACME_LOGISTICS["id"], GLOBEX["id"]]
    assert [(request.method, request.path, request.param("q"), request.param("page"))
            for request in local_server.requests] == [("GET", CUSTOMERS_PATH, "Acme Globex", "1"),
                                                      ("GET", CUSTOMERS_PATH, "Acme Globex", "2")]


def test_main_without_name_sends_no_keyword(local_server, main):
    local_server.script(customers_page([], 0))
    result = main()
    assert not result.failed, result
    assert result["customers"] == [] and result["cids"] == []
    assert local_server.requests[0].param("q") is None


def test_main_fails_an_api_error_with_its_status(local_server, main):
    local_server.script(Reply(401, json.dumps({"error_subject": "AuthenticationFailureAccessToken",
                                               "error_message": "Unknown token"}), content_type="application/json"))
    result = main(name="Acme")
    assert result.rc == 1 and result.failed
    assert result["http_status"] == 401
    assert result["error_subject"] == "AuthenticationFailureAccessToken"
    assert "check access_token" in result["msg"]
    assert "customers" not in result.result


@pytest.mark.parametrize("args, fragment", [
    (dict(timeout=0), "timeout must be a positive number"),
    (dict(retries=99), "retries must be from 0 to 10"),
    (dict(url="ftp://127.0.0.1:21"), "unsupported scheme 'ftp'"),
    (dict(access_token=""), "access_token is empty"),
])
def test_main_bad_input_fails_without_any_request(local_server, main, args, fragment):
    result = main(**args)
    assert result.rc == 1 and result.failed
    assert fragment in result["msg"]
    assert local_server.requests == []
    assert len(local_server.connections) == 0
