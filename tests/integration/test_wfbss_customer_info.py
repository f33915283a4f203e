# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.antivirus.wfbss_customer_info through real ansible-playbook runs against the emulator."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from harness import failed_result

ACME_CORP = "640FE47F-5118-4D79-8221-A35D0DE2EE2C"
ACME_LOGISTICS = "549390C2-61B3-417E-B1F0-8955A63C08F3"
CUSTOMERS_PATH = "/SMPI/v2.8/service/wfbss/api/customers"
CUSTOMER_FIELDS = {"id", "eid", "name", "license_type", "license_period", "seat_count", "expire", "auto_renewal",
                   "time_zone", "sp_subscription"}


def info_task(title, ignore_errors=False, check_mode=None, **options):
    """A task named ``title``; ``options`` are the module's (its keyword option is ``name``)."""
    task = {"name": title, "msp.antivirus.wfbss_customer_info": options}
    if ignore_errors:
        task["ignore_errors"] = True
    if check_mode is not None:
        task["check_mode"] = check_mode
    return task


def fault_task(emulator, name, **fault):
    """A playbook task that queues one emulator fault, so that it hits the next task's requests only."""
    return {"name": name, "ansible.builtin.uri": {
        "url": emulator.url + "/_emulator/faults", "method": "POST", "body_format": "json", "body": fault}}


def seeded_customers(emulator):
    with emulator.server.state.lock:
        return [dict(customer) for customer in emulator.server.state.customers]


def customer_calls(emulator):
    return [call for call in emulator.calls() if call["api"] == "wfbss"]


def test_keyword_all_pages_and_check_mode(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([
        info_task("Acme", name="Acme"),
        info_task("Everyone"),
        info_task("Acme in check mode", check_mode=True, name="Acme"),
        info_task("Everyone in check mode", check_mode=True),
    ]).assert_rc(0)

    acme = run.result("Acme")
    assert run.task("Acme")["status"] == "ok"
    assert acme["changed"] is False
    assert [customer["name"] for customer in acme["customers"]] == ["Acme Corp", "Acme Logistics"]
    assert acme["cids"] == [ACME_CORP, ACME_LOGISTICS]
    assert [customer["id"] for customer in acme["customers"]] == acme["cids"]
    assert all(set(customer) == CUSTOMER_FIELDS for customer in acme["customers"])

    everyone = run.result("Everyone")
    seeded = seeded_customers(emulator)
    assert len(seeded) == 230
    assert everyone["changed"] is False
    assert everyone["customers"] == seeded
    assert everyone["cids"] == [customer["id"] for customer in seeded]
    assert len(set(everyone["cids"])) == 230

    # Check mode reads the same: the module only reads.
    assert run.task("Acme in check mode")["status"] == "ok"
    assert run.task("Everyone in check mode")["status"] == "ok"
    for name in ("Acme", "Everyone"):
        normal, checked = run.result(name), run.result(name + " in check mode")
        assert (checked["customers"], checked["cids"], checked["changed"]) == \
            (normal["customers"], normal["cids"], normal["changed"])

    calls = customer_calls(emulator)
    assert all(call["method"] == "GET" and call["path"] == CUSTOMERS_PATH and call["status"] == 200
               for call in calls)
    keyword = {"q": "Acme", "page": "1", "limit": "100"}
    pages = [{"page": str(page), "limit": "100"} for page in (1, 2, 3)]
    assert [call["params"] for call in calls] == [keyword] + pages + [keyword] + pages
    assert emulator.control("GET", "wfbss/tasks") == []
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


def test_whole_run_in_check_mode(emulator, run_playbook):
    run = run_playbook([info_task("Acme", name="acme")], check=True).assert_rc(0)
    assert run.result("Acme")["cids"] == [ACME_CORP, ACME_LOGISTICS]
    assert [call["params"] for call in customer_calls(emulator)] == [{"q": "acme", "page": "1", "limit": "100"}]


def test_errors_are_clear_and_secret_free(emulator, run_playbook, assert_no_secrets):
    customers = dict(api="wfbss", service="customers")
    run = run_playbook([
        info_task("Wrong secret", ignore_errors=True, name="Acme",
                  secret_key="{{ lookup('ansible.builtin.env', 'TEST_WRONG_SECRET') }}"),
        fault_task(emulator, "Queue a no-delay latency fault for page 1", kind="latency", delay=0, **customers),
        fault_task(emulator, "Queue a 503 for page 2", kind="status", status=503, count=2, **customers),
        info_task("Page 2 unavailable", ignore_errors=True, retries=1),
        fault_task(emulator, "Queue a malformed answer", kind="malformed", **customers),
        info_task("Malformed answer", ignore_errors=True, name="Acme"),
        info_task("Bad api_version", ignore_errors=True, name="Acme", api_version="2.8"),
    ], verbosity=4, extra_env={"TEST_WRONG_SECRET": "wrong-secret-for-info-77c1"})
    run.assert_rc(0)

    secret = failed_result(run, "Wrong secret", "HTTP 401", "AuthenticationFailureSignature", "secret_key")
    assert secret["http_status"] == 401 and secret["error_subject"] == "AuthenticationFailureSignature"
    unavailable = failed_result(run, "Page 2 unavailable", "HTTP 503 ServiceUnavailable", "GET customers",
                                "try again later")
    assert unavailable["http_status"] == 503
    malformed = failed_result(run, "Malformed answer", "not JSON", "url")
    assert "http_status" not in malformed
    failed_result(run, "Bad api_version", "api_version", "v2.8", "api_version '2.8' is not a version such as v2.8")
    assert "wrong-secret-for-info-77c1" not in run.output

    calls = customer_calls(emulator)
    assert [(call["params"].get("page"), call["status"], call["fault"]) for call in calls] == [
        ("1", 401, None),
        ("1", 200, None), ("2", 503, "status"), ("2", 503, "status"),
        ("1", 200, "malformed"),
    ]
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())
