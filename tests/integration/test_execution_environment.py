# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment metadata (meta/execution-environment.yml) as ansible-builder reads it.

``ansible-builder introspect`` on a collections folder that holds the checkout finds requests,
xmltodict and redis (redis-py, needed only for budget_url, the N-sight call budget shared through
Redis), and ``ansible-builder create`` writes a build context for each ansible-builder 3 definition
in docs/execution-environment.md (no container engine is needed for either).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re
import subprocess

import pytest
import yaml

import harness

DOC = os.path.join(harness.REPO, 'docs', 'execution-environment.md')
TARBALL = 'msp-antivirus-1.0.0.tar.gz'


def builder(*args, **kwargs):
    command = [harness.ansible_executable('ansible-builder')] + list(args)
    finished = subprocess.run(command, cwd=kwargs.get('cwd'), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=300, check=False)
    assert finished.returncode == 0, '$ %s\n%s\n%s' % (' '.join(command), finished.stdout, finished.stderr)
    return finished.stdout


def read_yaml(*path):
    with open(os.path.join(harness.REPO, *path)) as handle:
        return yaml.safe_load(handle)


def requirement_names(lines):
    return [re.split(r'[\s<>=!~;\[#]', line.strip(), maxsplit=1)[0].lower() for line in lines
            if line.strip() and not line.strip().startswith('#')]


def doc_definitions():
    """The ansible-builder 3 definitions of the guide, in order."""
    with open(DOC) as doc:
        blocks = re.findall(r'```yaml\n(.*?)```', doc.read(), re.DOTALL)
    return [yaml.safe_load(block) for block in blocks if re.search(r'^version: 3$', block, re.MULTILINE)]


def test_metadata_points_at_requirements_without_upper_bounds():
    assert read_yaml('meta', 'execution-environment.yml') == {'version': 1, 'dependencies': {'python': 'requirements.txt'}}
    with open(os.path.join(harness.REPO, 'requirements.txt')) as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.startswith('#')]
    assert requirement_names(lines) == ['requests', 'xmltodict', 'redis']
    # redis is optional for the collection (only budget_url imports it): a comment in the file says so.
    with open(os.path.join(harness.REPO, 'requirements.txt')) as handle:
        comments = ' '.join(line for line in handle if line.startswith('#'))
    assert 'budget_url' in comments and 'redis' in comments.lower(), comments
    # An upper bound (or an exact pin) would keep ansible-builder from merging them with other collections'.
    assert not [line for line in lines if re.search(r'<|==|~=|!=', line.split('#')[0])], lines


def test_introspect_reads_the_collection_dependencies(tmp_path):
    collections = tmp_path / 'collections'
    namespace = collections / 'ansible_collections' / 'msp'
    namespace.mkdir(parents=True)
    os.symlink(harness.REPO, str(namespace / 'antivirus'))
    written = tmp_path / 'requirements.txt'
    output = builder('introspect', '--sanitize', '--write-pip', str(written), str(collections))
    data = yaml.safe_load(output.split('\n', 1)[1])  # after the "# Dependency data for ..." line
    assert data['python'] == ['requests  # from collection msp.antivirus', 'xmltodict  # from collection msp.antivirus',
                              'redis>=5.0  # from collection msp.antivirus']
    assert data['system'] == []
    assert requirement_names(written.read_text().splitlines()) == ['requests', 'xmltodict', 'redis']


def test_the_guide_holds_two_definitions():
    names = [definition['images']['base_image']['name'] for definition in doc_definitions()]
    assert names == ['registry.redhat.io/ansible-automation-platform-25/ee-minimal-rhel9:latest',
                     'quay.io/centos/centos:stream9']


@pytest.mark.parametrize('index', [0, 1], ids=['ee-minimal-rhel9', 'centos-stream9'])
def test_create_writes_a_build_context(tmp_path, index):
    definition = doc_definitions()[index]
    (tmp_path / 'execution-environment.yml').write_text(yaml.safe_dump(definition, sort_keys=False))
    (tmp_path / TARBALL).write_bytes(b'')  # create copies it; only a build would install it
    builder('create', '--file', 'execution-environment.yml', '--context', 'context', '--output-filename',
            'Containerfile', cwd=str(tmp_path))
    context = tmp_path / 'context'
    containerfile = (context / 'Containerfile').read_text()
    assert 'ARG EE_BASE_IMAGE="%s"' % definition['images']['base_image']['name'] in containerfile
    assert definition['dependencies']['python_interpreter']['python_path'] in containerfile
    # The collection is installed from the context, and its Python packages are introspected from the
    # installed collections (meta/execution-environment.yml) during the build.
    requirements = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert {'name': 'collections/' + TARBALL, 'type': 'file'} in requirements['collections']
    assert (context / '_build' / 'collections' / TARBALL).is_file()
    assert 'introspect' in containerfile and 'ansible-galaxy collection install' in containerfile
