# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether a maintenance window's patch work would load, found before any scan is paused.

The role includes the patch work (``include_tasks``) after the pause: a tasks file that does not load would fail
there, with the scans paused. So the pause step loads each patch file beforehand the way the include will (the
same loader, the same task parser, the include as parent, so that its ``import_tasks`` resolve the same way) and
follows its ``include_tasks`` of a literal file name. What it cannot see ahead: an include whose file name is a
template, and a module that loads but fails when it runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.playbook.block import Block
from ansible.playbook.helpers import load_list_of_blocks
from ansible.playbook.task_include import TaskInclude

# A message long enough for Ansible's text and the line it points at, short enough for a report cell.
MAX_ERROR = 900
MAX_DEPTH = 20


def locate(name, role_path, playbook_dir):
    """The file ``include_tasks`` would run for the patch work ``name`` from the role's tasks (an absolute path as
    it is; a relative one in the role's tasks/ folder, the role's folder, the playbook's tasks/ folder or the
    playbook's folder), or '' when none is a file."""
    name = os.path.expanduser(str(name))
    if os.path.isabs(name):
        candidates = [name]
    else:
        candidates = [os.path.join(role_path, "tasks", name), os.path.join(role_path, name),
                      os.path.join(playbook_dir, "tasks", name), os.path.join(playbook_dir, name)]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    return ""


def _short(error):
    text = to_text(error).strip()
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR].rstrip() + " ..."


def _load(path, loader):
    try:
        return loader.load_from_file(path, trusted_as_template=True)
    except TypeError:  # ansible-core before 2.19 trusts every file it loads
        return loader.load_from_file(path)


def _tasks(blocks):
    for block in blocks:
        for item in (block.block or []) + (block.rescue or []) + (block.always or []):
            if isinstance(item, Block):
                yield from _tasks([item])
            else:
                yield item


def _literal_include(task):
    """The file name of a dynamic include_tasks when it is no template, else None."""
    if not isinstance(task, TaskInclude) or task.action not in C._ACTION_INCLUDE_TASKS:
        return None
    name = task.args.get("file") or task.args.get("_raw_params")
    if not isinstance(name, str) or "{{" in name or "{%" in name:
        return None
    return name


class PatchChecker:
    """Loads patch tasks files in the context of a role task: ``play``, ``role`` and the managers of the run."""

    def __init__(self, play, role, loader, variable_manager, playbook_dir):
        self.play = play
        self.role = role
        self.loader = loader
        self.variable_manager = variable_manager
        self.playbook_dir = playbook_dir
        self._known = {}

    def problem(self, path):
        """'' when the tasks file at ``path`` loads, else what is wrong, in Ansible's words."""
        if path not in self._known:
            self._known[path] = self._check(path, [])
        return self._known[path]

    def _check(self, path, seen):
        if path in seen or len(seen) > MAX_DEPTH:
            return ""  # an include loop fails in Ansible's own way when it runs, not at load
        try:
            data = _load(path, self.loader)
            if data is None:
                return ""
            if not isinstance(data, list):
                return "{0} does not load: included task files must contain a list of tasks.".format(path)
            parent = TaskInclude.load({"ansible.builtin.include_tasks": path}, block=None, role=self.role,
                                      variable_manager=self.variable_manager, loader=self.loader)
            blocks = load_list_of_blocks(data, play=self.play, parent_block=parent, role=self.role,
                                         loader=self.loader, variable_manager=self.variable_manager)
        except AnsibleError as error:
            return "{0} does not load: {1}".format(path, _short(error))
        for task in _tasks(blocks):
            name = _literal_include(task)
            if name is None:
                continue
            found = self._include_target(name, path)
            if not found:
                return "{0} does not load: it includes {1}, which is not a file (looked beside it, in the role's " \
                       "tasks/ folder and in the playbook's folder).".format(path, name)
            problem = self._check(found, seen + [path])
            if problem:
                return "{0} includes {1}: {2}".format(path, name, problem)
        return ""

    def _include_target(self, name, including):
        name = os.path.expanduser(name)
        if os.path.isabs(name):
            return name if os.path.isfile(name) else ""
        role_path = self.role._role_path if self.role is not None else self.playbook_dir
        for candidate in (os.path.join(os.path.dirname(including), name), os.path.join(role_path, "tasks", name),
                          os.path.join(self.playbook_dir, "tasks", name), os.path.join(self.playbook_dir, name)):
            if os.path.isfile(candidate):
                return candidate
        return ""
