"""`retention evidence verify` and entries of a pack that are not the regular files the audit wrote.

A ``MANIFEST.sha256`` replaced by a symbolic link was followed and read, so a link to a manifest kept
elsewhere (and rewritten at leisure) verified with exit 0 (issue 11, section 5). The writer only writes
regular files and folders, so any link, wherever it sits in the pack and wherever it points, is a change to
the pack: exit 1 naming it, like a changed file (docs/evidence.md). A folder with no manifest at all is
still not a pack (exit 2)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

from audit.cli import main


def _manifest_links_to_a_copy(pack: Path, outside: Path) -> str:
    """The worst case: the link's target is byte for byte the real manifest, so every digest matches."""
    shutil.copyfile(pack / "MANIFEST.sha256", outside / "MANIFEST.sha256")
    (pack / "MANIFEST.sha256").unlink()
    (pack / "MANIFEST.sha256").symlink_to(outside / "MANIFEST.sha256")
    return "MANIFEST.sha256 (now a symbolic link"


def _manifest_links_nowhere(pack: Path, outside: Path) -> str:
    (pack / "MANIFEST.sha256").unlink()
    (pack / "MANIFEST.sha256").symlink_to(outside / "gone")
    return "MANIFEST.sha256 (now a symbolic link"


def _manifest_is_a_folder(pack: Path, outside: Path) -> str:
    (pack / "MANIFEST.sha256").unlink()
    (pack / "MANIFEST.sha256").mkdir()
    return "MANIFEST.sha256 (now a folder"


def _metadata_links_to_a_copy(pack: Path, outside: Path) -> str:
    shutil.copyfile(pack / "pack.json", outside / "pack.json")
    (pack / "pack.json").unlink()
    (pack / "pack.json").symlink_to(outside / "pack.json")
    return "changed: pack.json (now a symbolic link"


def _report_folder_links_out(pack: Path, outside: Path) -> str:
    """A linked folder holding the same files: the files under it are not the pack's any more."""
    shutil.copytree(pack / "static", outside / "static")
    shutil.rmtree(pack / "static")
    (pack / "static").symlink_to(outside / "static", target_is_directory=True)
    return "missing: static/report.json"


def _manifest_names_a_path_outside(pack: Path, outside: Path) -> str:
    manifest = pack / "MANIFEST.sha256"
    manifest.write_text(manifest.read_text() + f"{'0' * 64}  ../{outside.name}/secret\n")
    return "path outside the pack"


TAMPERS: list[Callable[[Path, Path], str]] = [_manifest_links_to_a_copy, _manifest_links_nowhere, _manifest_is_a_folder,
                                              _metadata_links_to_a_copy, _report_folder_links_out, _manifest_names_a_path_outside]


@pytest.mark.parametrize("tamper", TAMPERS, ids=[t.__name__.strip("_") for t in TAMPERS])
def test_an_entry_that_is_not_a_regular_file_fails_verification_naming_it(example_pack: Path, tmp_path: Path, capsys, tamper):
    pack, outside = tmp_path / example_pack.name, tmp_path / "outside"
    shutil.copytree(example_pack, pack)
    outside.mkdir()
    expected = tamper(pack, outside)
    assert main(["evidence", "verify", str(pack)]) == 1
    out = capsys.readouterr().out
    assert expected in out and "FAILED" in out, out


def test_a_pack_reached_through_a_link_to_its_folder_still_verifies(example_pack: Path, tmp_path: Path, capsys):
    """The folder named on the command line is the user's choice (an archive mounted elsewhere); only links
    inside the pack are changes to it."""
    link = tmp_path / "latest"
    link.symlink_to(example_pack, target_is_directory=True)
    assert main(["evidence", "verify", str(link)]) == 0, capsys.readouterr().out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_in_place_of_a_file_is_reported_not_read(example_pack: Path, tmp_path: Path, capsys):
    """Reading a pipe would block verification for ever; it is named as a change instead."""
    pack = tmp_path / example_pack.name
    shutil.copytree(example_pack, pack)
    (pack / "config.json").unlink()
    os.mkfifo(pack / "config.json")
    assert main(["evidence", "verify", str(pack)]) == 1
    assert "changed: config.json (now not a regular file" in capsys.readouterr().out
