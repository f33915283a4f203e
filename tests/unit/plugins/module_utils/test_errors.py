# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.msp.antivirus.plugins.module_utils.errors import user_info_in_urls


@pytest.mark.parametrize("params, expected", [
    ({"url": "https://admin:hunter2@cspi.trendmicro.com/SMPI"}, {"admin:hunter2", "hunter2"}),
    ({"server": "me@host", "url": None}, set()),
    ({"server": "http://:pw@127.0.0.1:8080"}, {":pw", "pw"}),
    ({"server": "https://www.systemmonitor.us/api/"}, set()),
    ({"server": "https://host/path@not-user-info"}, set()),
])
def test_user_info_in_base_urls_is_found_for_masking(params, expected):
    assert user_info_in_urls(params) == expected
