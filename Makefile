# The two commands the README starts with: `make demo` and `make test`.
# Both bootstrap .venv (pinned tools from requirements/dev.txt plus the simulator package).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Ansible finds the collection through this tree: build/collections/ansible_collections/mlops/elasticsearch -> repo root
COLLECTIONS := $(CURDIR)/build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/mlops/elasticsearch
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_LINT_SKIP_SCHEMA_UPDATE := 1
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: all demo test venv collection-link test-unit test-simulator

all: test

$(STAMP): requirements/dev.txt tests/simulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e tests/simulator
	touch $@

venv: $(STAMP)

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

collection-link: $(COLLECTION_LINK)

demo: venv collection-link
	$(BIN)/python hacking/demo.py

test: test-simulator test-unit

test-simulator: venv
	$(BIN)/python -m pytest -q tests/simulator/tests

test-unit: venv collection-link
	cd $(COLLECTIONS) && $(CURDIR)/$(BIN)/python -m pytest -q $(COLLECTION_LINK)/tests/unit
