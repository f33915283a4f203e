# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Typed errors of the collection, and the one place they become fail_json.

Every error carries a message that says what happened and what to check next.
Messages are built from redacted text only: nothing here ever sees a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class MspAntivirusError(Exception):
    """Base class: ``str(error)`` is the user-facing message."""

    # Whether a request may have been carried out although no answer arrived (a timeout or a
    # connection lost after sending), so that its effect is unknown.
    outcome_unknown = False
    # Whether another attempt might succeed (a refused connection may; a bad certificate will not).
    retryable = False

    def __init__(self, message, **details):
        super(MspAntivirusError, self).__init__(message)
        self.message = message
        # Extra, secret-free keys returned beside msg (http_status, api_code...).
        self.details = details

    def __str__(self):
        # ``message`` may be extended after the error was made ("... 2 of 3 commands were sent").
        return self.message


class InvalidOptionError(MspAntivirusError):
    """An option value the user must fix; raised before any API call."""


class TransportError(MspAntivirusError):
    """The service could not be reached, or answered nothing usable, after every retry."""

    # What failed: tls, dns, refused (each would recur on every call), timeout, reset, body, or other.
    cause = "other"


class HttpStatusError(MspAntivirusError):
    """The service answered an HTTP status the client does not expect."""


class ResponseParseError(MspAntivirusError):
    """The body is malformed or not of the documented shape."""


class NsightApiError(MspAntivirusError):
    """An N-sight ``<error>`` envelope (error codes 3, 4, 5...) or a FAIL that is a real failure."""


class WfbssApiError(MspAntivirusError):
    """A WFBSS error answer (``error_subject`` / ``error_message``) with its HTTP status."""


def fail_on_missing_libraries(module, missing):
    """Ansible's standard message for the first missing Python library, without a traceback."""
    if missing:
        from ansible.module_utils.basic import missing_required_lib

        module.fail_json(msg=missing_required_lib(missing[0]))


def failure_result(error, **result):
    """``result`` as a failed result: the error's secret-free details and its message added, ``failed=True``."""
    result.update(error.details)
    result.update(msg=error.message, failed=True)
    return result


def fail_json_from(module, error, **result):
    """Turn a typed error into ``module.fail_json``: the single mapping point for every module.

    Call it outside any ``except`` block: at -vvv, ansible-core 2.17 attaches the exception being
    handled as a stack trace, and a user's error deserves only its message.
    """
    module.fail_json(**failure_result(error, **result))


def user_info_in_urls(params):
    """The ``user:password`` parts of the URL options, and the passwords alone: never to be shown."""
    found = set()
    for option in ("server", "url", "budget_url"):
        value = params.get(option)
        authority = value.split("://", 1)[-1].split("/", 1)[0] if isinstance(value, str) else ""
        if "@" not in authority:
            continue
        user_info = authority.rsplit("@", 1)[0]
        # A user name alone is no secret, and masking a short one would garble every message holding it.
        if ":" in user_info:
            found.update(part for part in (user_info, user_info.partition(":")[2]) if part)
    return found


def run_module(module, run, connect, validate=None):
    """The contract of every module, called by its ``main()`` alone; ends in exit_json or fail_json.

    ``validate(module.params)`` checks what no argument spec can, raising InvalidOptionError, before
    ``connect(module.params)`` builds the client, so that bad input never builds one or sends a request.
    ``run(module, client)`` returns the result dict and never exits; the client is closed here. A result
    with ``failed=True`` (a device of a bulk task failed, a reset stopped part-way) ends in fail_json, any
    other in exit_json, and a typed error raised by any step in fail_json with its message and details.
    Every warning of the client (a retry, a long wait for the N-sight call budget) becomes a task warning.
    """
    error = result = client = None
    # A user name or password typed into server or url is refused, but ansible-core up to 2.18 echoes
    # the arguments in ``invocation``: mask it there as no_log masks a secret option.
    module.no_log_values.update(user_info_in_urls(module.params))
    try:
        if validate is not None:
            validate(module.params)
        client = connect(module.params)
        try:
            result = run(module, client)
        finally:
            client.close()
    except MspAntivirusError as caught:
        error = caught
    # Retries and long waits for the call budget: slowness is never silent.
    for warning in client.warnings if client is not None else ():
        module.warn(warning)
    if error is not None:
        fail_json_from(module, error)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)
