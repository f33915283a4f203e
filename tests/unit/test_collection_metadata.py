# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Collection metadata kept consistent: version, action groups, module docs against argument specs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os
import re

import pytest
import yaml

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import env_fallback

from ansible_collections.msp.antivirus.plugins.module_utils import arguments, http_client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = "ansible_collections.msp.antivirus"
COLLECTION = "msp.antivirus"
GALAXY_TAGS = {"ai", "application", "cloud", "database", "eda", "infrastructure", "linux", "monitoring", "networking",
               "security", "storage", "tools", "windows"}


def read_yaml(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return yaml.safe_load(handle)


def module_names():
    folder = os.path.join(ROOT, "plugins", "modules")
    return sorted(name[:-3] for name in os.listdir(folder) if name.endswith(".py") and not name.startswith("_"))


def import_module(name):
    return importlib.import_module("{0}.plugins.modules.{1}".format(PACKAGE, name))


def runnable_module_names():
    """The modules that run as modules; the others document an action plugin of the same name that runs on the
    controller alone (maintenance_window_step)."""
    return [name for name in module_names() if hasattr(import_module(name), "main")]


def documentation_only_module_names():
    return [name for name in module_names() if not hasattr(import_module(name), "main")]


def fragment_doc(reference):
    """The YAML of a doc fragment reference such as ``msp.antivirus.attributes.NSIGHT``."""
    assert reference.startswith(COLLECTION + "."), reference
    parts = reference[len(COLLECTION) + 1:].split(".")
    fragment = importlib.import_module("{0}.plugins.doc_fragments.{1}".format(PACKAGE, parts[0])).ModuleDocFragment
    return yaml.safe_load(getattr(fragment, parts[1] if len(parts) > 1 else "DOCUMENTATION"))


def full_doc(name):
    """A module's DOCUMENTATION with its fragments' options and attributes merged in (the module wins)."""
    doc = yaml.safe_load(import_module(name).DOCUMENTATION)
    options, attributes = {}, {}
    for reference in doc.get("extends_documentation_fragment") or []:
        fragment = fragment_doc(reference)
        options.update(fragment.get("options") or {})
        attributes.update(fragment.get("attributes") or {})
    options.update(doc.get("options") or {})
    attributes.update(doc.get("attributes") or {})
    return dict(doc, options=options, attributes=attributes)


class _Captured(Exception):
    def __init__(self, kwargs):
        super(_Captured, self).__init__("AnsibleModule called")
        self.kwargs = kwargs


def argument_spec(name, monkeypatch):
    """The argument_spec a module's main() gives AnsibleModule (captured, nothing runs)."""
    module = import_module(name)

    def capture(*args, **kwargs):
        raise _Captured(kwargs)

    monkeypatch.setattr(module, "AnsibleModule", capture)
    with pytest.raises(_Captured) as captured:
        module.main()
    return captured.value.kwargs["argument_spec"]


# --------------------------------------------------------------------------- galaxy.yml / runtime.yml

def test_galaxy_version_matches_user_agent_version():
    galaxy = read_yaml("galaxy.yml")
    assert str(galaxy["version"]) == http_client.COLLECTION_VERSION
    assert "msp.antivirus/{0}".format(galaxy["version"]) in http_client.USER_AGENT


def test_galaxy_identity():
    galaxy = read_yaml("galaxy.yml")
    assert (galaxy["namespace"], galaxy["name"]) == ("msp", "antivirus")
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    assert set(galaxy["tags"]) & GALAXY_TAGS
    assert re.match(r"^\d+\.\d+\.\d+$", str(galaxy["version"]))


def test_requires_ansible():
    assert read_yaml("meta", "runtime.yml")["requires_ansible"] == ">=2.16.0"


def documented_groups():
    """{group: set(modules)} from each module's action_group attribute."""
    groups = {}
    for name in module_names():
        group_attribute = full_doc(name)["attributes"].get("action_group")
        for membership in (group_attribute or {}).get("membership") or []:
            assert membership.startswith(COLLECTION + "."), membership
            groups.setdefault(membership[len(COLLECTION) + 1:], set()).add(name)
    return groups


def runtime_groups():
    groups = read_yaml("meta", "runtime.yml").get("action_groups") or {}
    return dict((group, set(members)) for group, members in groups.items())


def test_action_groups_match_module_docs():
    assert runtime_groups() == documented_groups()


def test_action_groups_hold_only_existing_modules():
    modules = set(module_names())
    for group, members in runtime_groups().items():
        assert members <= modules, (group, members - modules)


def test_api_modules_are_in_their_api_group():
    groups = runtime_groups()
    for name in module_names():
        api = name.split("_", 1)[0]
        if api in ("nsight", "wfbss"):
            assert name in groups.get(api, set()), "{0} is not in group {1}".format(name, api)


# --------------------------------------------------------------------------- module documentation

@pytest.mark.parametrize("name", module_names())
def test_docs_parse_as_yaml(name):
    module = import_module(name)
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc["module"] == name
    assert doc["short_description"]
    assert doc["version_added"]
    examples = yaml.safe_load(module.EXAMPLES)
    assert isinstance(examples, list) and examples
    returns = yaml.safe_load(module.RETURN)
    assert isinstance(returns, dict)
    for key, value in returns.items():
        assert {"description", "returned", "type"} <= set(value), key


@pytest.mark.parametrize("name", module_names())
def test_examples_use_existing_modules_by_fqcn(name):
    modules = set(module_names())
    used = set()
    for task in yaml.safe_load(import_module(name).EXAMPLES):
        used.update(key for key in task if key.startswith(COLLECTION + "."))
    assert "{0}.{1}".format(COLLECTION, name) in used
    for key in used:
        assert key[len(COLLECTION) + 1:] in modules, key


@pytest.mark.parametrize("name", module_names())
def test_doc_fragments_exist(name):
    for reference in yaml.safe_load(import_module(name).DOCUMENTATION).get("extends_documentation_fragment") or []:
        assert isinstance(fragment_doc(reference), dict), reference


@pytest.mark.parametrize("name", module_names())
def test_requirements_documented(name):
    requirements = full_doc(name).get("requirements") or []
    with open(os.path.join(ROOT, "requirements.txt")) as handle:
        shipped = set(line.strip() for line in handle if line.strip() and not line.startswith("#"))
    assert "requests" in requirements
    for requirement in requirements:
        assert re.split(r"[<>=!\s]", requirement)[0] in shipped
    if name.startswith("nsight_"):
        assert "xmltodict" in requirements


@pytest.mark.parametrize("name", runnable_module_names())
def test_environment_fallbacks_documented(name, monkeypatch):
    spec = argument_spec(name, monkeypatch)
    documented = full_doc(name)["options"]
    for option, rules in spec.items():
        fallback = rules.get("fallback")
        if not fallback:
            continue
        assert fallback[0] is env_fallback
        description = " ".join(documented[option]["description"])
        for variable in fallback[1]:
            assert "E({0})".format(variable) in description, (option, variable)


# The secret options every module of an API takes: a module that lost (or renamed) one fails, not passes.
SECRET_OPTIONS = {"nsight": ("api_key",), "wfbss": ("access_token", "secret_key")}


@pytest.mark.parametrize("name", runnable_module_names())
def test_secrets_are_no_log(name, monkeypatch):
    spec = argument_spec(name, monkeypatch)
    for option in ("api_key", "access_token", "secret_key"):
        if option in spec:
            assert spec[option].get("no_log") is True, option
    for option in SECRET_OPTIONS[name.split("_", 1)[0]]:
        assert spec[option].get("no_log") is True, option


@pytest.mark.parametrize("name", documentation_only_module_names())
def test_documentation_only_modules_document_their_action_plugin(name):
    """A module file without code documents the action plugin of the same name: its options are exactly the
    options that plugin takes (fragments included), and the connection options that module_defaults may bring."""
    action = importlib.import_module("{0}.plugins.action.{1}".format(PACKAGE, name)).ActionModule
    assert sorted(full_doc(name)["options"]) == sorted(action._VALID_ARGS)  # pylint: disable=protected-access


# --------------------------------------------------------------------------- fragments against shared specs

@pytest.mark.parametrize("spec_name, fragments", [
    ("NSIGHT_CONNECTION_ARGS", ("msp.antivirus.nsight", "msp.antivirus.connection")),
    ("WFBSS_CONNECTION_ARGS", ("msp.antivirus.wfbss", "msp.antivirus.connection")),
])
def test_connection_fragments_document_shared_specs(spec_name, fragments):
    # A renamed spec must fail here, not skip.
    spec = getattr(arguments, spec_name)
    options = {}
    for reference in fragments:
        options.update(fragment_doc(reference)["options"])
    assert sorted(options) == sorted(spec)
    for option, rules in spec.items():
        assert options[option].get("type", "str") == rules.get("type", "str"), option
        assert options[option].get("default") == rules.get("default"), option
        assert bool(options[option].get("required")) == bool(rules.get("required")), option


def test_connection_fragment_matches_common_args():
    assert sorted(fragment_doc("msp.antivirus.connection")["options"]) == sorted(arguments.COMMON_CONNECTION_ARGS)


# --------------------------------------------------------------------------- other plugins

def plugin_files():
    found = []
    for kind in sorted(os.listdir(os.path.join(ROOT, "plugins"))):
        if kind in ("module_utils", "doc_fragments", "modules", "action", "plugin_utils"):
            continue
        folder = os.path.join(ROOT, "plugins", kind)
        if os.path.isdir(folder):
            found.extend((kind, name[:-3]) for name in sorted(os.listdir(folder)) if name.endswith(".py"))
    return found


@pytest.mark.parametrize("kind, name", plugin_files())
def test_plugin_documentation_parses(kind, name):
    plugin = importlib.import_module("{0}.plugins.{1}.{2}".format(PACKAGE, kind, name))
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    assert doc["name"] == name
    assert doc["short_description"]
    # Every plugin has examples: a renamed or lost EXAMPLES must fail here, not skip the check.
    assert plugin.EXAMPLES.strip(), (kind, name)
    if kind == "inventory":
        # An inventory plugin's examples are configuration files, one YAML document each.
        assert all(isinstance(example, dict) and example["plugin"] == COLLECTION + "." + name
                   for example in yaml.safe_load_all(plugin.EXAMPLES))
    else:
        # Other plugins' examples are tasks that use the plugin by its full name.
        tasks = yaml.safe_load(plugin.EXAMPLES)
        assert isinstance(tasks, list) and all(isinstance(task, dict) and task.get("name") for task in tasks)
        assert all("{0}.{1}".format(COLLECTION, name) in yaml.safe_dump(task) for task in tasks), (kind, name)
