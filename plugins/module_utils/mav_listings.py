# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Managed Antivirus listings per device (list_mav_threats, list_mav_quarantine): rows as the service gives
them, from the engine found as for scans."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.plugins.module_utils.device_results import (
    ItemResult,
    for_each_item,
    summarise_listings,
    task_result,
)
from ansible_collections.msp.antivirus.plugins.module_utils.errors import MspAntivirusError
from ansible_collections.msp.antivirus.plugins.module_utils.http_client import POOL_SIZE
from ansible_collections.msp.antivirus.plugins.module_utils.mav_scans import find_engine


def read_listing(deviceid, service, fetch, engine=None):
    """``fetch(deviceid, v)`` rows for the device, the engine found as for scans; errors become a failed result
    (with no rows, as 1.0.0 returned them)."""
    try:
        name, rows = find_engine(lambda version: fetch(deviceid, version), engine)
    except MspAntivirusError as exc:
        result = ItemResult.from_error(deviceid, service, exc)
        result.details.update(engine=engine, rows=[])
        return result
    return ItemResult(deviceid, service, msg="{0}: {1} row(s) for device {2}{3}.".format(
        service, len(rows), deviceid, " ({0} engine)".format(name) if name else ""), engine=name, rows=rows)


def listing_result(ids, engine, service, fetch, single=False, workers=POOL_SIZE):
    """The result of a threat or quarantine task over the devices ``ids`` (already validated). ``engine`` is the
    module's option: ``auto`` finds each device's engine. ``devices`` repeats ``results``, as 1.0.0 returned it."""
    engine = None if engine == "auto" else engine
    results = for_each_item(ids, lambda deviceid: read_listing(deviceid, service, fetch, engine),
                            lambda deviceid, reason: ItemResult.skipped(deviceid, service, reason), workers=workers)
    results = [result.as_dict() for result in results]
    return task_result(service, results, summarise_listings, single, devices=results)
