# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An inventory plugin as ansible-inventory loads it, for unit tests that parse real source files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar


def loaded_inventory_plugin(name):
    """The plugin ``name`` through Ansible's inventory loader (so that its options are the documented ones), with
    the InventoryData and Templar a parse works on (as servicenow.itsm's tests build it)."""
    loaded = inventory_loader.get(name)
    assert loaded is not None, "{0} is not found by the inventory loader".format(name)
    loaded.loader = DataLoader()
    loaded.inventory = InventoryData()
    loaded.templar = Templar(loader=loaded.loader)
    return loaded
