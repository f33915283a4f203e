#!/usr/bin/env bash
# Builds the collection's docs site into DEST: antsibull-docs writes the RST of every plugin,
# module and role page and of the guides in docs/docsite/ (extra-docs.yml, rst/*.rst), then Sphinx
# turns it into HTML in DEST/build/html. Any warning fails the build (antsibull-docs
# --fail-on-error, sphinx-build -W with nitpicky references). Nothing is downloaded (see the
# inventory below). Needs the tools virtualenv first on PATH and ANSIBLE_COLLECTIONS_PATH finding
# msp.antivirus (the Makefile's collection link).
# Usage: .ci/docsite.sh DEST
set -euo pipefail
dest=$1
ci=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$ci/.." && pwd)
# Our antsibull-docs settings: warnings to stderr, no ~/antsibull.log.
cfg=$ci/antsibull-docs.cfg

# The execution environment guide of the site repeats the ansible-builder definitions of
# docs/execution-environment.md, which the integration tests run: they must stay the same.
python - "$repo/docs/execution-environment.md" "$repo/docs/docsite/rst/execution_environment.rst" <<'PY'
import re
import sys
import textwrap

import yaml


def definitions(path, pattern):
    with open(path) as handle:
        blocks = re.findall(pattern, handle.read(), re.DOTALL)
    return [yaml.safe_load(textwrap.dedent(block)) for block in blocks
            if re.search(r"^(    )?version: 3$", block, re.MULTILINE)]


markdown = definitions(sys.argv[1], r"```yaml\n(.*?)```")
rst = definitions(sys.argv[2], r"\.\. code-block:: yaml\n\n(.*?)(?=\n\S)")
if not markdown or markdown != rst:
    sys.exit("error: the ansible-builder definitions of {0} and {1} differ: copy them again".format(*sys.argv[1:]))
PY

rm -rf "$dest" && mkdir -p "$dest/rst"
# antsibull-docs writes only into folders that no one else can write to.
chmod 755 "$dest" "$dest/rst"
antsibull-docs --config-file "$cfg" sphinx-init --use-current --dest-dir "$dest" \
    --no-add-antsibull-docs-version --fail-on-error --squash-hierarchy \
    --project msp.antivirus --copyright "msp.antivirus contributors" \
    --title "msp.antivirus collection documentation" --html-short-title "msp.antivirus" \
    msp.antivirus >/dev/null

# The plugin pages refer to a few pages of the Ansible documentation (return values, action plugins,
# configuration settings and their environment variables). Sphinx resolves them from this small
# inventory, with their docs.ansible.com addresses, instead of downloading that site's objects.inv
# (its host may be unreachable). A new reference to another page fails the build ("undefined
# label", "reference target not found"): add it here.
python - "$dest/ansible_devel.inv" <<'PY'
import sys
import zlib

ENTRIES = """\
action_plugins std:label -1 plugins/action.html#action-plugins Action plugins
common_return_values std:label -1 reference_appendices/common_return_values.html#return-values Return Values
ansible_configuration_settings std:label -1 reference_appendices/config.html#ansible-configuration-settings Ansible Configuration Settings
ANSIBLE_CACHE_PLUGIN std:envvar 1 reference_appendices/config.html#envvar-$ -
ANSIBLE_CACHE_PLUGIN_CONNECTION std:envvar 1 reference_appendices/config.html#envvar-$ -
ANSIBLE_CACHE_PLUGIN_PREFIX std:envvar 1 reference_appendices/config.html#envvar-$ -
ANSIBLE_CACHE_PLUGIN_TIMEOUT std:envvar 1 reference_appendices/config.html#envvar-$ -
ANSIBLE_INVENTORY_UNPARSED_FAILED std:envvar 1 reference_appendices/config.html#envvar-$ -
"""
with open(sys.argv[1], "wb") as inventory:
    inventory.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
                    b"# The remainder of this file is compressed using zlib.\n")
    inventory.write(zlib.compress(ENTRIES.encode("utf-8")))
PY
cat >>"$dest/conf.py" <<EOF

# Added by .ci/docsite.sh: references into the Ansible documentation come from a local inventory,
# never from a download.
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '$dest/ansible_devel.inv'),
}
EOF

antsibull-docs --config-file "$cfg" collection --use-current --fail-on-error \
    --no-add-antsibull-docs-version --squash-hierarchy --cleanup everything --dest-dir "$dest/rst" msp.antivirus
# -W: every warning is an error; --keep-going: all of them are listed before it fails.
sphinx-build -M html "$dest/rst" "$dest/build" -c "$dest" -W --keep-going -q
echo "docs site: $dest/build/html/index.html"
