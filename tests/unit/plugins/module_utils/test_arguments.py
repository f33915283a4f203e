# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

from ansible_collections.msp.antivirus.plugins.module_utils import arguments
from ansible_collections.msp.antivirus.plugins.module_utils.arguments import (
    NSIGHT_CONNECTION_ARGS,
    env_fallback,
    check_connection_numbers,
    nsight_client_args,
)
from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import USER_AGENT


def params(**overrides):
    values = dict(server="www.systemmonitor.us", api_key="k", timeout=30, retries=3, validate_certs=True,
                  rate_limit=60, user_agent=None, budget_url=None)
    values.update(overrides)
    return values


def test_nsight_connection_spec():
    spec = NSIGHT_CONNECTION_ARGS
    assert set(spec) == {"server", "api_key", "validate_certs", "timeout", "retries", "rate_limit", "user_agent",
                         "budget_url"}
    assert spec["server"]["required"] is True
    assert spec["api_key"]["required"] is True
    assert spec["api_key"]["no_log"] is True
    assert spec["validate_certs"]["type"] == "bool" and spec["validate_certs"]["default"] is True
    assert spec["timeout"] == {"type": "int", "default": 30}
    assert spec["retries"] == {"type": "int", "default": 3}


@pytest.mark.parametrize("option, variable", [
    ("server", "NSIGHT_SERVER"), ("api_key", "NSIGHT_API_KEY"), ("validate_certs", "NSIGHT_VALIDATE_CERTS"),
    ("rate_limit", "NSIGHT_RATE_LIMIT"), ("user_agent", "NSIGHT_USER_AGENT"), ("budget_url", "NSIGHT_BUDGET_URL"),
])
def test_nsight_env_fallbacks(option, variable):
    function, names = NSIGHT_CONNECTION_ARGS[option]["fallback"]
    assert function is env_fallback
    assert names == [variable]


def test_only_the_secrets_are_no_log():
    # no_log on a non-secret would hide useful values from output; budget_url may hold a Redis password.
    assert [name for name, spec in NSIGHT_CONNECTION_ARGS.items() if spec.get("no_log")] == ["api_key", "budget_url"]


def test_nsight_client_args_passes_values_through():
    assert nsight_client_args(params(timeout=5, retries=0, validate_certs=False, rate_limit=0)) == dict(
        server="www.systemmonitor.us", api_key="k", timeout=5, retries=0, validate_certs=False, rate_limit=0,
        budget_url=None, user_agent="msp.antivirus/1.0.0 (Ansible collection)")


@pytest.mark.parametrize("given, passed", [(None, None), ("  ", None), (" redis://cache:6379/0 ", "redis://cache:6379/0")])
def test_nsight_client_args_takes_an_empty_budget_url_for_none(given, passed):
    assert nsight_client_args(params(budget_url=given))["budget_url"] == passed


@pytest.mark.parametrize("timeout", [0, -1])
def test_timeout_must_be_positive(timeout):
    with pytest.raises(InvalidOptionError) as raised:
        nsight_client_args(params(timeout=timeout))
    assert "timeout must be a positive number of seconds, got {0}".format(timeout) in str(raised.value)


def test_retries_must_not_be_negative():
    with pytest.raises(InvalidOptionError) as raised:
        check_connection_numbers(params(retries=-1))
    assert "retries must be from 0 to 10, got -1" in str(raised.value)


def test_retries_zero_and_timeout_one_accepted():
    check_connection_numbers(params(retries=0, timeout=1))


# device_ids is the modules' first line of input checking: a rename must fail here, not skip.
@pytest.mark.parametrize("given, expected", [
    (dict(deviceid=5, deviceids=None), [5]),
    (dict(deviceid=None, deviceids=[3, 1, 3, 2, 1]), [3, 1, 2]),
])
def test_device_ids(given, expected):
    assert arguments.device_ids(given) == expected


@pytest.mark.parametrize("given, fragment", [
    (dict(deviceid=0, deviceids=None), "deviceid must be a positive integer"),
    (dict(deviceid=-1, deviceids=None), "got -1"),
    (dict(deviceid=None, deviceids=[]), "deviceids is empty"),
    (dict(deviceid=None, deviceids=[4, 0, -2]), "got 0, -2"),
    (dict(deviceid=None, deviceids=None), "Give deviceid (one device) or deviceids (several)"),
])
def test_device_ids_rejects(given, fragment):
    with pytest.raises(InvalidOptionError) as raised:
        arguments.device_ids(given)
    assert fragment in str(raised.value)


@pytest.mark.parametrize("deviceid", [True, False, 0, -1, 2 ** 63, 10 ** 30])
def test_device_id_that_is_not_a_positive_64_bit_integer_is_refused(deviceid):
    with pytest.raises(InvalidOptionError) as raised:
        arguments.device_ids(dict(deviceid=deviceid, deviceids=None))
    assert str(raised.value) == ("deviceid must be a positive integer (an N-sight serverid or workstationid); "
                                 "got {0!r}.".format(deviceid))


def test_device_ids_holding_a_boolean_are_refused():
    with pytest.raises(InvalidOptionError) as raised:
        arguments.device_ids(dict(deviceid=None, deviceids=[5, True, 10 ** 30]))
    assert "got True, {0}.".format(10 ** 30) in str(raised.value)


def test_largest_device_id_is_accepted():
    assert arguments.device_ids(dict(deviceid=2 ** 63 - 1, deviceids=None)) == [2 ** 63 - 1]


@pytest.mark.parametrize("retries", [11, 10 ** 6])
def test_retries_above_the_cap_are_refused(retries):
    with pytest.raises(InvalidOptionError) as raised:
        check_connection_numbers(params(retries=retries))
    assert str(raised.value) == "retries must be from 0 to 10, got {0}.".format(retries)


def test_empty_environment_variable_means_not_set(monkeypatch):
    # AWX renders an optional credential input left empty as an empty string.
    monkeypatch.setenv("NSIGHT_RATE_LIMIT", "")
    with pytest.raises(AnsibleFallbackNotFound):
        env_fallback("NSIGHT_RATE_LIMIT")
    monkeypatch.setenv("NSIGHT_RATE_LIMIT", "30")
    assert env_fallback("NSIGHT_RATE_LIMIT") == "30"


def test_negative_rate_limit_is_refused():
    with pytest.raises(InvalidOptionError) as raised:
        nsight_client_args(params(rate_limit=-5))
    assert str(raised.value) == ("rate_limit must be 0 (no pacing, for a local emulator) or a number of N-sight calls "
                                 "a minute such as the default 60; got -5.")


@pytest.mark.parametrize("value, expected", [(None, USER_AGENT), ("", USER_AGENT), ("  my-agent/1 ", "my-agent/1")])
def test_user_agent_defaults_and_strips(value, expected):
    assert nsight_client_args(params(user_agent=value))["user_agent"] == expected


@pytest.mark.parametrize("value", ["agent\r\nX-Injected: 1", "agent\u00e9"])
def test_user_agent_with_control_or_non_ascii_is_refused(value):
    with pytest.raises(InvalidOptionError) as raised:
        nsight_client_args(params(user_agent=value))
    assert "user_agent holds a control or non-ASCII character" in str(raised.value)
