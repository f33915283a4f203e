# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Patch work is loaded before the pause the way the include will load it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play import Play
from ansible.vars.manager import VariableManager

from ansible_collections.msp.antivirus.plugins.plugin_utils.patch_check import PatchChecker, locate

GOOD = "- name: Patch\n  ansible.builtin.command: 'true'\n  changed_when: false\n"


@pytest.fixture
def checker(tmp_path):
    loader = DataLoader()
    manager = VariableManager(loader=loader, inventory=InventoryManager(loader=loader, sources=[]))
    play = Play.load({"hosts": "localhost", "gather_facts": False, "tasks": []}, variable_manager=manager, loader=loader)
    return PatchChecker(play, None, loader, manager, str(tmp_path))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_good_patch_work_loads(checker, tmp_path):
    write(tmp_path, "step.yml", GOOD)
    path = write(tmp_path, "patch.yml", GOOD + "- name: More\n  ansible.builtin.include_tasks: step.yml\n"
                 "- name: Templated\n  ansible.builtin.include_tasks: \"{{ 'step' }}.yml\"\n"
                 "- name: Static\n  ansible.builtin.import_tasks: step.yml\n")
    assert checker.problem(path) == ""
    assert checker.problem(write(tmp_path, "empty.yml", "")) == ""


@pytest.mark.parametrize("text, words", [
    ("- name: Typo\n  ansible.builtin.pakage:\n    name: x\n", "couldn't resolve module/action 'ansible.builtin.pakage'"),
    ("- name: Bad\n  ansible.builtin.package:\n    name: x\n   state: latest\n", "YAML"),
    ("name: not a list\n", "must contain a list of tasks"),
    ("- name: Missing\n  ansible.builtin.import_tasks: nowhere.yml\n", "nowhere.yml"),
    ("- name: Missing\n  ansible.builtin.include_tasks: nowhere.yml\n", "it includes nowhere.yml, which is not a file"),
    ("- name: Nested\n  ansible.builtin.include_tasks: typo.yml\n", "includes typo.yml: "),
])
def test_patch_work_that_does_not_load(checker, tmp_path, text, words):
    write(tmp_path, "typo.yml", "- ansible.builtin.pakage:\n    name: x\n")
    path = write(tmp_path, "patch.yml", text)
    problem = checker.problem(path)
    assert problem.startswith(path + " ") and words in problem, problem


def test_an_include_loop_is_left_to_ansible(checker, tmp_path):
    path = write(tmp_path, "loop.yml", "- name: Again\n  ansible.builtin.include_tasks: loop.yml\n")
    assert checker.problem(path) == ""


def test_locate(tmp_path):
    role = tmp_path / "role"
    (role / "tasks").mkdir(parents=True)
    (role / "tasks" / "patch_default.yml").write_text(GOOD)
    (tmp_path / "mine.yml").write_text(GOOD)
    assert locate("patch_default.yml", str(role), str(tmp_path)) == str(role / "tasks" / "patch_default.yml")
    assert locate("mine.yml", str(role), str(tmp_path)) == str(tmp_path / "mine.yml")
    assert locate(str(tmp_path / "mine.yml"), str(role), "/elsewhere") == str(tmp_path / "mine.yml")
    assert locate("nothing.yml", str(role), str(tmp_path)) == ""
    assert locate(str(tmp_path), str(role), str(tmp_path)) == ""  # a folder is no tasks file
    assert os.path.isdir(str(tmp_path))
