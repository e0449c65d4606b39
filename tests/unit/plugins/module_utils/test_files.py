# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files written whole: replaced at once, with their mode, and no trace of a failed write."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _files as files


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_writes_a_new_file_and_returns_its_path(tmp_path):
    path = str(tmp_path / "report.json")
    assert files.write_file_atomically(path, '{"a": 1}\n', 0o600) == path
    assert (tmp_path / "report.json").read_text() == '{"a": 1}\n'
    assert os.listdir(str(tmp_path)) == ["report.json"]


def test_replaces_an_existing_file_whole(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("an older and much longer content than the new one")
    files.write_file_atomically(str(target), "new", 0o600)
    assert target.read_text() == "new"
    assert os.listdir(str(tmp_path)) == ["report.json"]


def test_replacing_is_a_rename_readers_of_the_old_file_keep_it_whole(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    with open(str(target)) as reader:
        files.write_file_atomically(str(target), "new", 0o600)
        assert reader.read() == "old"
    assert target.read_text() == "new"


@pytest.mark.parametrize("wanted", [0o600, 0o640, 0o644])
def test_sets_the_mode_whatever_the_umask(tmp_path, wanted):
    previous = os.umask(0o077)
    try:
        path = files.write_file_atomically(str(tmp_path / "f"), "x", wanted)
    finally:
        os.umask(previous)
    assert mode(path) == wanted


def test_sets_the_mode_of_a_replaced_file(tmp_path):
    target = tmp_path / "f"
    target.write_text("old")
    os.chmod(str(target), 0o666)
    files.write_file_atomically(str(target), "new", 0o600)
    assert mode(target) == 0o600


def test_a_failed_write_removes_the_temporary_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "f"
    target.write_text("old")
    with pytest.raises(TypeError):
        files.write_file_atomically(str(target), None, 0o600)
    assert target.read_text() == "old"
    assert os.listdir(str(tmp_path)) == ["f"]


def test_a_failed_rename_removes_the_temporary_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "f"
    target.write_text("old")

    def refuse(source, destination):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(files.os, "rename", refuse)
    with pytest.raises(OSError, match="Permission denied"):
        files.write_file_atomically(str(target), "new", 0o600)
    assert target.read_text() == "old"
    assert os.listdir(str(tmp_path)) == ["f"]


def test_an_interrupt_during_the_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    def interrupted(path, mode):
        raise KeyboardInterrupt()

    monkeypatch.setattr(files.os, "chmod", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_file_atomically(str(tmp_path / "f"), "new", 0o600)
    assert os.listdir(str(tmp_path)) == []


def test_a_missing_directory_fails_without_creating_it(tmp_path):
    with pytest.raises(OSError):
        files.write_file_atomically(str(tmp_path / "nowhere" / "f"), "x", 0o600)
    assert os.listdir(str(tmp_path)) == []
