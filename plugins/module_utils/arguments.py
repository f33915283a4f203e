# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection option specs shared by every module, kept beside the doc
fragments that document them (plugins/doc_fragments)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import BUDGET_URL_VARIABLE, check_budget_url
from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import MAX_RETRIES, USER_AGENT
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import DEFAULT_RATE_LIMIT


def env_fallback(*names):
    """The first of these environment variables that is set and not empty.

    AWX renders an optional credential input left empty as an empty string: that means "not set",
    so that the option's default applies (Ansible's own env_fallback would take the empty string).
    """
    for name in names:
        if os.environ.get(name, "").strip():
            return os.environ[name]
    raise AnsibleFallbackNotFound


COMMON_CONNECTION_ARGS = dict(
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=3),
)

NSIGHT_CONNECTION_ARGS = dict(
    server=dict(type="str", required=True, fallback=(env_fallback, ["NSIGHT_SERVER"])),
    api_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["NSIGHT_API_KEY"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["NSIGHT_VALIDATE_CERTS"])),
    rate_limit=dict(type="int", default=DEFAULT_RATE_LIMIT, fallback=(env_fallback, ["NSIGHT_RATE_LIMIT"])),
    budget_url=dict(type="str", no_log=True, fallback=(env_fallback, [BUDGET_URL_VARIABLE])),
    user_agent=dict(type="str", fallback=(env_fallback, ["NSIGHT_USER_AGENT"])),
    **COMMON_CONNECTION_ARGS
)

WFBSS_CONNECTION_ARGS = dict(
    url=dict(type="str", default="https://cspi.trendmicro.com", fallback=(env_fallback, ["WFBSS_URL"])),
    access_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["WFBSS_ACCESS_TOKEN"])),
    secret_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["WFBSS_SECRET_KEY"])),
    api_version=dict(type="str", default="v2.8", fallback=(env_fallback, ["WFBSS_API_VERSION"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["WFBSS_VALIDATE_CERTS"])),
    user_agent=dict(type="str", fallback=(env_fallback, ["WFBSS_USER_AGENT"])),
    **COMMON_CONNECTION_ARGS
)

# One device or many; modules declare them mutually exclusive.
DEVICE_ARGS = dict(
    deviceid=dict(type="int"),
    deviceids=dict(type="list", elements="int"),
)


# N-sight device ids are positive integers; anything above a signed 64-bit integer is surely a typo.
MAX_DEVICE_ID = 2 ** 63 - 1


def device_ids(params, alternative=None):
    """The devices to act on, validated before any API call."""
    if params["deviceids"] is not None:
        ids = params["deviceids"]
        if not ids:
            raise InvalidOptionError("deviceids is empty: list at least one N-sight device id.")
        bad = [deviceid for deviceid in ids if not is_device_id(deviceid)]
        if bad:
            raise InvalidOptionError("deviceids must hold positive integers (N-sight serverid or workstationid "
                                     "values); got {0}.".format(", ".join(repr(deviceid) for deviceid in bad)))
        # Dropping duplicates keeps two concurrent calls from racing on one device.
        return list(dict.fromkeys(ids))
    if params["deviceid"] is None:
        raise InvalidOptionError("Give deviceid (one device) or deviceids (several){0}.".format(
            ", or " + alternative if alternative else ""))
    if not is_device_id(params["deviceid"]):
        raise InvalidOptionError("deviceid must be a positive integer (an N-sight serverid or workstationid); "
                                 "got {0!r}.".format(params["deviceid"]))
    return [params["deviceid"]]


def as_device_id(value):
    """The device id Ansible's int type would make of ``value``, or None (the module then refuses it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def is_device_id(value):
    # A YAML true is an int to Ansible's type check, and would be sent as deviceid=True.
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_DEVICE_ID


def nsight_client_args(params):
    """NsightClient keyword arguments from module params, after checking the values no spec can check."""
    check_connection_numbers(params)
    if params["rate_limit"] < 0:
        raise InvalidOptionError("rate_limit must be 0 (no pacing, for a local emulator) or a number of N-sight calls "
                                 "a minute such as the default {0}; got {1}.".format(DEFAULT_RATE_LIMIT,
                                                                                     params["rate_limit"]))
    budget_url = (params["budget_url"] or "").strip() or None
    return dict(server=params["server"], api_key=params["api_key"], timeout=params["timeout"],
                retries=params["retries"], validate_certs=params["validate_certs"], rate_limit=params["rate_limit"],
                budget_url=budget_url and check_budget_url(budget_url), user_agent=user_agent(params))


def wfbss_client_args(params):
    """WfbssClient keyword arguments from module params, after checking the values no spec can check."""
    check_connection_numbers(params)
    return dict(url=params["url"], access_token=params["access_token"], secret_key=params["secret_key"],
                api_version=params["api_version"], timeout=params["timeout"], retries=params["retries"],
                validate_certs=params["validate_certs"], user_agent=user_agent(params))


def user_agent(params):
    """The User-Agent header: the default when empty; a line break in it would split the header."""
    value = (params["user_agent"] or "").strip() or USER_AGENT
    if any(ord(character) < 0x20 or ord(character) > 0x7e for character in value):
        raise InvalidOptionError("user_agent holds a control or non-ASCII character; give plain ASCII text such as "
                                 "{0!r}.".format(USER_AGENT))
    return value


def check_connection_numbers(params):
    if params["timeout"] <= 0:
        raise InvalidOptionError("timeout must be a positive number of seconds, got {0}.".format(params["timeout"]))
    if not 0 <= params["retries"] <= MAX_RETRIES:
        raise InvalidOptionError("retries must be from 0 to {0}, got {1}.".format(MAX_RETRIES, params["retries"]))
