# The two commands the README starts with: `make demo` and `make test`.
# Both bootstrap .venv (pinned tools from requirements/dev.txt plus the simulator package).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
# CI's ansible-core matrix: ANSIBLE_CORE=2.16.19 (a release, or devel / milestone, that branch on GitHub)
# runs the targets given with that ansible-core instead of the pinned one, in a venv of its own,
# e.g. make ANSIBLE_CORE=2.16.19 test-unit test-integration test-sanity
ANSIBLE_CORE ?=
ifneq ($(ANSIBLE_CORE),)
VENV := .venv-core-$(ANSIBLE_CORE)
endif
CORE_REQUIREMENT = $(if $(filter devel milestone,$(ANSIBLE_CORE)),https://github.com/ansible/ansible/archive/$(ANSIBLE_CORE).tar.gz,ansible-core==$(ANSIBLE_CORE))
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Ansible finds the collection through this tree: build/collections/ansible_collections/mlops/elasticsearch -> repo root
COLLECTIONS := $(CURDIR)/build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/mlops/elasticsearch
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_LINT_SKIP_SCHEMA_UPDATE := 1
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: all demo test venv collection-link test-unit test-simulator test-integration test-molecule test-reliability bench
.PHONY: test-runner test-readme docsite
.PHONY: test-sanity lint test-changelog changelog docs test-docs test-build test-ee test-leg2
.PHONY: conformance test-live test-workflows

all: test

$(STAMP): requirements/dev.txt tests/simulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e tests/simulator
	$(if $(ANSIBLE_CORE),$(BIN)/python -m pip install --quiet --disable-pip-version-check '$(CORE_REQUIREMENT)')
	touch $@

venv: $(STAMP)

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

collection-link: $(COLLECTION_LINK)

demo: venv collection-link
	$(BIN)/python hacking/demo.py

test: test-simulator test-unit test-integration test-molecule test-reliability test-runner test-readme test-sanity lint test-changelog test-docs test-build test-ee test-leg2
# live mode and the CI workflows (issue 14)
test: conformance test-live test-workflows

test-simulator: venv
	$(BIN)/python -m pytest -q tests/simulator/tests

test-unit: venv collection-link
	cd $(COLLECTIONS) && $(CURDIR)/$(BIN)/python -m pytest -q $(COLLECTION_LINK)/tests/unit

# Module targets run real ansible-playbook against es-ml-simulator processes they start.
test-integration: venv
	ANSIBLE_TEST_COPY=$(CURDIR)/build/ansible-test-integration .ci/ansible-test $(VENV) integration --local --python $(PYVER) --color no

# The roles and playbooks against simulated fleets (extensions/molecule/decommission and deploy):
# create, prepare, check, side_effect, converge, idempotence, verify, destroy; delegated driver on localhost.
test-molecule: venv collection-link
	$(BIN)/molecule test -s decommission
	$(BIN)/molecule test -s deploy

# Faults, bad input and secrets (issue 6): real ansible-playbook runs against simulator clusters,
# one case per promise; a complete run rewrites docs/reliability.md from its results.
test-reliability: venv collection-link
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/reliability

# The decommission playbook under ansible-runner, as AWX/AAP run it (tests/runner): a private data
# directory against four simulated clusters, its artifacts (status, rc, job events, stats) and the
# role's report checked; then two --limit'ed runs as AWX job slicing makes them.
test-runner: venv collection-link
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/runner

# Every fenced block of README.md and docs/*.md runs (or is skipped with its reason) against
# simulated clusters (tests/docs/test_readme.py).
test-readme: venv collection-link
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/docs

# Fleet benchmark (issue 5), not part of `make test`: the role against a uri playbook, the official
# client and the floor, on simulated fleets; prints a table and a JSON line, rewrites docs/benchmarks.md
# and docs/benchmarks.png. The default sizes take a long while; e.g.
#   make bench BENCH_ARGS="--sizes 10x25 --repeat 1 --no-docs"
BENCH_ARGS ?=
bench: venv collection-link
	$(BIN)/python tests/benchmark/fleet.py $(BENCH_ARGS)

# ---- Release toolchain: sanity, lint, changelog, docs, package, execution environment, second leg ----
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
BUILD := $(CURDIR)/build
TARBALL := $(BUILD)/dist/mlops-elasticsearch-$(VERSION).tar.gz
# The interpreter of this leg as X.Y (3.11 on the main leg), for ansible-test --python.
PYVER = $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# ansible-test sanity on every interpreter ansible-test supports that exists here (.ci/ansible-test).
# tests/simulator is a standalone Python package (its own pyproject and pytest suite, not shipped,
# never imported by a plugin): collection-code rules do not apply to it.
test-sanity: venv
	.ci/ansible-test $(VENV) sanity --venv --color no --exclude tests/simulator/ $(SANITY_ARGS)

lint: venv collection-link
	$(BIN)/ansible-lint

# Release notes of the version being prepared (galaxy.yml's): `make changelog` rebuilds its entry in
# changelogs/changelog.yaml from changelogs/fragments/ and from the modules and roles whose
# version_added is that version, and writes CHANGELOG.md. Run it (and commit) after adding a
# fragment, a module or a role; test-changelog fails while the committed files are stale.
changelog: venv
	$(BIN)/python .ci/changelog.py

test-changelog: venv
	$(BIN)/antsibull-changelog lint
	$(BIN)/python .ci/changelog.py --check

# The guides docs/*.md as antsibull-docs extra docs (docs/docsite/rst/*.rst, docs/docsite/extra-docs.yml):
# generated, never committed (some guides are rewritten by test runs), before the site and the tarball.
docsite: venv
	$(BIN)/python .ci/docsite.py

# The docs site (antsibull-docs + Sphinx), built into build/docs/build/html, never committed.
# Offline, so without -W: intersphinx inventories cannot be fetched.
docs: venv collection-link docsite
	rm -rf $(BUILD)/docs && mkdir -p -m 0755 $(BUILD)/docs
	$(BIN)/antsibull-docs sphinx-init --use-current --dest-dir $(BUILD)/docs mlops.elasticsearch
	sed -i 's/ -W / /' $(BUILD)/docs/build.sh
	cd $(BUILD)/docs && ./build.sh
	@echo "docs: $(BUILD)/docs/build/html/index.html"

test-docs: docs
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

# The tarball users install: built, checked for clutter, installed into a temporary path, and
# every module, filter, lookup and role rendered by ansible-doc from there.
test-build: venv docsite
	.ci/check-build $(VENV) $(BUILD)

# The execution environment definition is valid (no container engine here to build it), and the
# collection's own meta/execution-environment.yml is what ansible-builder finds in the installed tarball.
test-ee: test-build
	.ci/check-ee $(VENV) $(BUILD)

# Second leg: ansible-core 2.21 on Python 3.13, in .venv-313 from the same requirements/dev.txt.
# LEG2_TARGETS is what it runs. Its sanity checks Python 3.13 only: the main leg already checked
# module code on every interpreter.
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null)
PY313 := $(PYENV_ROOT)/versions/3.13.0/bin/python3.13
LEG2_TARGETS ?= test-unit test-integration test-sanity
test-leg2:
	@if [[ -x $(PY313) ]]; then \
		$(MAKE) --no-print-directory VENV=.venv-313 PYTHON=$(PY313) SANITY_ARGS='--python 3.13' $(LEG2_TARGETS); \
	else \
		echo "test-leg2 skipped: no python3.13 at $(PY313)"; \
	fi

# ---- Live mode (issue 14): the conformance suite and the integration targets against a real cluster ----
# ES_URL with ES_USER and ES_PASSWORD, or ES_API_KEY (ES_CA_PATH: its CA file), e.g.
#   make conformance test-live ES_URL=https://localhost:9200 ES_USER=elastic ES_PASSWORD=... ES_CA_PATH=ca.crt
# Without ES_URL both start a simulator (ES_SIM_VERSION, default 8.15.0, with security) and treat it as a real
# cluster. Requests go through tests/simulator/tests/liveproxy.py: a job-id prefix of the run's own, state set
# up with Elasticsearch's APIs only, everything made removed afterwards; the run fails if a request under /_sim
# was sent. What a real cluster cannot do on demand is skipped with its reason (docs/simulator.md, Live mode).

# The conformance suite (tests/simulator/tests) live: every test by name, then the skipped ones by reason.
conformance: venv
	$(BIN)/python -m pytest -v -p no:cacheprovider --live tests/simulator/tests

# The integration targets live (tests/integration/README.md): ansible-test integration on a copy of the
# collection whose integration_config.yml names the cluster; then what was skipped and why.
test-live: venv
	$(BIN)/python tests/simulator/tests/live_targets.py --venv $(VENV) --python $(PYVER)

# The CI workflows (.github/workflows) pass actionlint, with shellcheck on their run: scripts
# (both pinned in requirements/dev.txt).
test-workflows: venv
	$(BIN)/actionlint -shellcheck $(BIN)/shellcheck .github/workflows/*.yml
