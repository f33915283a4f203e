# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection option specs shared by every module, kept beside the doc
fragments that document them (plugins/doc_fragments)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.msp.antivirus.plugins.module_utils.errors import InvalidOptionError

COMMON_CONNECTION_ARGS = dict(
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=3),
)

NSIGHT_CONNECTION_ARGS = dict(
    server=dict(type="str", required=True, fallback=(env_fallback, ["NSIGHT_SERVER"])),
    api_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["NSIGHT_API_KEY"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["NSIGHT_VALIDATE_CERTS"])),
    **COMMON_CONNECTION_ARGS
)

WFBSS_CONNECTION_ARGS = dict(
    url=dict(type="str", default="https://cspi.trendmicro.com", fallback=(env_fallback, ["WFBSS_URL"])),
    access_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["WFBSS_ACCESS_TOKEN"])),
    secret_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["WFBSS_SECRET_KEY"])),
    api_version=dict(type="str", default="v2.8", fallback=(env_fallback, ["WFBSS_API_VERSION"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["WFBSS_VALIDATE_CERTS"])),
    **COMMON_CONNECTION_ARGS
)


def nsight_client_args(params):
    """NsightClient keyword arguments from module params, after checking the values no spec can check."""
    check_connection_numbers(params)
    return dict(server=params["server"], api_key=params["api_key"], timeout=params["timeout"],
                retries=params["retries"], validate_certs=params["validate_certs"])


def wfbss_client_args(params):
    """WfbssClient keyword arguments from module params, after checking the values no spec can check."""
    check_connection_numbers(params)
    return dict(url=params["url"], access_token=params["access_token"], secret_key=params["secret_key"],
                api_version=params["api_version"], timeout=params["timeout"], retries=params["retries"],
                validate_certs=params["validate_certs"])


def check_connection_numbers(params):
    if params["timeout"] <= 0:
        raise InvalidOptionError("timeout must be a positive number of seconds, got {0}.".format(params["timeout"]))
    if params["retries"] < 0:
        raise InvalidOptionError("retries must be 0 or more, got {0}.".format(params["retries"]))
