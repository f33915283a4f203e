# msp.antivirus: tests, lint, packaging checks and the demo.
#
#   make test   the one test command (CI runs it through .ci/run): builds the pinned
#               virtualenvs under .venv/ when their requirements change, then runs
#               every gate on the oldest and the newest supported ansible-core.
#   make demo   pauses and resumes MAV scans on the local API emulator.
#   make help   lists the other targets.
#
# Interpreters: PY311 (ansible-core 2.17) and PY313 (ansible-core 2.21 and the
# tools) are found on PATH or under pyenv; override with `make PY313=/path/python3.13`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.SUFFIXES:
MAKEFLAGS += --no-print-directory

REPO := $(CURDIR)
VENV := $(REPO)/.venv
REQS := $(REPO)/.ci/requirements

# ---- interpreters -----------------------------------------------------------------
# $(call find_python,3.13,candidates...): the first candidate that runs and is that version;
# the interpreter's own path (not a pyenv shim's) is kept.
find_python = $(firstword $(foreach p,$(2),$(shell "$(p)" -c 'import sys; "%d.%d" % sys.version_info[:2] == "$(1)" and print(sys.executable)' 2>/dev/null)))
pyenv_pythons = $(wildcard $(HOME)/.pyenv/versions/$(1)*/bin/python$(1) /root/.pyenv/versions/$(1)*/bin/python$(1))

ifeq ($(origin PY311),undefined)
PY311 := $(call find_python,3.11,python3.11 python3 $(call pyenv_pythons,3.11) /usr/bin/python3.11 /usr/local/bin/python3.11)
endif
ifeq ($(origin PY313),undefined)
PY313 := $(call find_python,3.13,python3.13 $(call pyenv_pythons,3.13) /usr/bin/python3.13 /usr/local/bin/python3.13)
endif
export PY311 PY313

# ---- virtualenvs: one per ansible-core, one for the tools ---------------------------
CORES := 2.17 2.21
PYTHON_core-2.17 = $(PY311)
PYTHON_core-2.21 = $(PY313)
PYTHON_tools = $(PY313)
PYVER_2.17 := 3.11
PYVER_2.21 := 3.13
VENVS := core-2.17 core-2.21 tools
TOOLS := $(VENV)/tools/bin
DEMO_CORE ?= $(if $(PY313),2.21,2.17)

# The checkout, seen by ansible as the collection msp.antivirus (a link: edits are live).
COLLECTIONS := $(VENV)/collections
COLL_LINK := $(COLLECTIONS)/ansible_collections/msp/antivirus
# ansible-test resolves links and wants a real .../ansible_collections/msp/antivirus
# directory, so it gets a fresh copy of the files git would commit (tracked + untracked,
# minus .gitignore'd) before each run; galaxy-importer's tarball is built from another such copy.
# One copy per gate (.venv/ansible-test/<gate>/...), so that gates can run side by side.
at_coll = $(VENV)/ansible-test/$(1)/ansible_collections/msp/antivirus
BUILD_SRC := $(VENV)/build/src
BUILD_OUT := $(VENV)/build/out

# Gates that `make test` runs, in this order; each is also a target of its own.
GATES := emulator-tests \
         $(addprefix units-,$(CORES)) \
         $(addprefix integration-,$(CORES)) \
         $(addprefix sanity-,$(CORES)) \
         lint docs-lint changelog-lint importer

PYTEST_ARGS ?=
# Integration tests run real ansible-playbook processes: spread them over the 2 cores (0 = serial).
INTEGRATION_JOBS ?= 2

.PHONY: help test demo venvs $(addprefix venv-,$(VENVS)) collection-link get-pip \
        $(GATES) units integration sanity clean

help:
	@echo "make test         every gate below, on ansible-core 2.17 (Python 3.11) and 2.21 (Python 3.13)"
	@echo "make demo         pause and resume MAV scans on the local API emulator"
	@echo "make units        ansible-test units         (units-2.17, units-2.21)"
	@echo "make integration  pytest tests/integration   (integration-2.17, integration-2.21)"
	@echo "make sanity       ansible-test sanity --venv (sanity-2.17, sanity-2.21)"
	@echo "make emulator-tests | lint | docs-lint | changelog-lint | importer"
	@echo "make venvs        only build the virtualenvs under .venv/"
	@echo "make clean        remove .venv/ and test output"
	@echo "interpreters: PY311=$(or $(PY311),<not found>) PY313=$(or $(PY313),<not found>)"

# Recursive on purpose: the gates' sub-makes see the virtualenvs that `venvs` just built.
test:
	@$(MAKE) venvs
	@$(MAKE) collection-link get-pip
	@bash "$(REPO)/.ci/gates.sh" $(GATES)

units: $(addprefix units-,$(CORES))
integration: $(addprefix integration-,$(CORES))
sanity: $(addprefix sanity-,$(CORES))

# ---- virtualenvs ------------------------------------------------------------------------
# A virtualenv whose interpreter no longer runs (its base Python went away) is rebuilt too.
venvs:
	@for v in $(VENVS); do "$(VENV)/$$v/bin/python" -c '' 2>/dev/null || rm -f "$(VENV)/$$v/.stamp"; done
	@$(MAKE) -s -j3 $(addprefix venv-,$(VENVS))

$(addprefix venv-,$(VENVS)): venv-%: $(VENV)/%/.stamp

# Rebuilt from scratch whenever its requirements file changes; the stamp marks a complete install.
$(VENV)/%/.stamp: $(REQS)/%.txt
	@test -n "$(PYTHON_$*)" || { echo "error: no Python interpreter for .venv/$*; set PY311=/path/to/python3.11 or PY313=/path/to/python3.13" >&2; exit 1; }
	@echo "==> .venv/$*: $$("$(PYTHON_$*)" -V 2>&1) + $(notdir $<)"
	@rm -rf "$(VENV)/$*" && mkdir -p "$(VENV)"
	@"$(PYTHON_$*)" -m venv "$(VENV)/$*"
	@"$(VENV)/$*/bin/python" -m pip install --disable-pip-version-check -q -r "$<" > "$(VENV)/$*.log" 2>&1 \
		|| { tail -n 40 "$(VENV)/$*.log" >&2; echo "error: pip install into .venv/$* failed, log: .venv/$*.log" >&2; exit 1; }
	@touch "$@"

# ---- the collection, as ansible and ansible-test want to see it -------------------------
collection-link:
	@mkdir -p "$(dir $(COLL_LINK))"
	@[ "$$(readlink "$(COLL_LINK)" 2>/dev/null)" = "../../../.." ] || { rm -rf "$(COLL_LINK)"; ln -s ../../../.. "$(COLL_LINK)"; }

# $(call export_tree,DEST): DEST becomes a copy of the files git would commit, as they are on disk.
define export_tree
	@rm -rf "$(1)" && mkdir -p "$(1)"
	@if git -C "$(REPO)" rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git -C "$(REPO)" ls-files -z --cached --others --exclude-standard \
		| (cd "$(REPO)" && xargs -0 -r sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done; true' sh) \
		| tar -C "$(REPO)" --null -T - -cf - | tar -C "$(1)" -xf -; \
	else \
		tar -C "$(REPO)" --exclude=./.venv --exclude=./.git --exclude=./tests/output --exclude=__pycache__ \
			--exclude=.pytest_cache -cf - . | tar -C "$(1)" -xf -; \
	fi
endef

# $(call export_for_ansible_test,GATE): a fresh copy for ansible-test, with a git repository
# of its own (nothing committed): ansible-test lists the files to test with `git ls-files`,
# and would otherwise use the checkout's, where .venv/ is ignored.
define export_for_ansible_test
	$(call export_tree,$(call at_coll,$(1)))
	@git init -q "$(call at_coll,$(1))"
endef

# ansible-test --venv downloads pip's get-pip.py from a host that may be unreachable: give it
# .ci/get_pip_shim.py under the name it looks for (a real get-pip.py already there is kept).
get-pip: venv-core-2.17 venv-core-2.21
	@for core in $(CORES); do \
		at=$$("$(VENV)/core-$$core/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))'); \
		ver=$$(grep -o "pip='[0-9.]*'" "$$at/_internal/python_requirements.py" | head -n 1 | tr -d "pip='"); \
		test -n "$$ver" || { echo "error: cannot tell which pip ansible-test $$core pins" >&2; exit 1; }; \
		dest="$(HOME)/.ansible/test/cache/get_pip_$${ver//./_}.py"; \
		if [ ! -e "$$dest" ] || grep -q 'msp.antivirus' "$$dest"; then \
			mkdir -p "$$(dirname "$$dest")" && cp "$(REPO)/.ci/get_pip_shim.py" "$$dest"; \
		fi; \
	done

# ---- gates ----------------------------------------------------------------------------------
emulator-tests: venv-core-2.21
	cd "$(REPO)" && "$(VENV)/core-2.21/bin/python" -m pytest -p no:cacheprovider tests/emulator $(PYTEST_ARGS)

$(addprefix units-,$(CORES)): units-%: venv-core-%
	$(call export_for_ansible_test,$@)
	@[ -n "$$(find "$(call at_coll,$@)/tests/unit" -name 'test_*.py' -print -quit 2>/dev/null)" ] \
		|| { echo "error: no unit tests (tests/unit/**/test_*.py) but plugins/ has code" >&2; exit 1; }
	cd "$(call at_coll,$@)" && PATH="$(VENV)/core-$*/bin:$$PATH" ansible-test units --local --python $(PYVER_$*)

$(addprefix integration-,$(CORES)): integration-%: venv-core-% collection-link
	cd "$(REPO)" && PATH="$(VENV)/core-$*/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" \
		"$(VENV)/core-$*/bin/python" -m pytest -p no:cacheprovider -n $(INTEGRATION_JOBS) tests/integration $(PYTEST_ARGS)

$(addprefix sanity-,$(CORES)): sanity-%: venv-core-% get-pip
	$(call export_for_ansible_test,$@)
	cd "$(call at_coll,$@)" && PATH="$(VENV)/core-$*/bin:$$PATH" ansible-test sanity --venv --python $(PYVER_$*)

lint: venv-tools collection-link
	cd "$(REPO)" && PATH="$(TOOLS):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" ansible-lint --nocolor

docs-lint: venv-tools collection-link
	cd "$(REPO)" && PATH="$(TOOLS):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" \
		antsibull-docs lint-collection-docs --plugin-docs .

changelog-lint: venv-tools
	cd "$(REPO)" && "$(TOOLS)/antsibull-changelog" lint
	cd "$(REPO)" && "$(TOOLS)/antsibull-changelog" lint-changelog-yaml changelogs/changelog.yaml

# galaxy-importer on the tarball that `ansible-galaxy collection build` makes; its lint
# findings are WARNING lines that do not change its exit code, so they are counted here.
importer: venv-tools
	$(call export_tree,$(BUILD_SRC))
	@rm -rf "$(BUILD_OUT)" && mkdir -p "$(BUILD_OUT)"
	PATH="$(TOOLS):$$PATH" ansible-galaxy collection build --output-path "$(BUILD_OUT)" "$(BUILD_SRC)"
	cd "$(BUILD_OUT)" && PATH="$(TOOLS):$$PATH" GALAXY_IMPORTER_CONFIG="$(REPO)/tests/galaxy-importer.cfg" \
		"$(TOOLS)/python" -m galaxy_importer.main msp-antivirus-*.tar.gz 2>&1 | tee importer.log
	@cd "$(BUILD_OUT)" && test -s importer_result.json || { echo "error: galaxy-importer wrote no importer_result.json" >&2; exit 1; }
	@findings=$$(grep -E '^(WARNING|ERROR)' "$(BUILD_OUT)/importer.log" || true); \
	if [ -n "$$findings" ]; then \
		echo "error: galaxy-importer reported $$(wc -l <<<"$$findings") warning/error line(s):" >&2; echo "$$findings" >&2; exit 1; \
	fi; echo "galaxy-importer: no warnings, no errors"

# ---- demo -----------------------------------------------------------------------------------
demo: venv-core-$(DEMO_CORE) collection-link
	@PATH="$(VENV)/core-$(DEMO_CORE)/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" \
		PYTHON="$(VENV)/core-$(DEMO_CORE)/bin/python" bash "$(REPO)/tests/demo/run.sh"

clean:
	rm -rf "$(VENV)" "$(REPO)/.ansible" "$(REPO)/tests/output" "$(REPO)/importer_result.json" "$(REPO)/changelogs/.plugin-cache.yaml"
	find "$(REPO)" -name __pycache__ -type d -not -path '*/.git/*' -prune -exec rm -rf {} +
