"""Filling an existing folder: the repository moves first, and nothing there is ever replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.engine import _move_contents
from opsgen.errors import GenerationError


def staged_project(folder: Path) -> Path:
    folder.mkdir()
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    for name in ("Makefile", "README.md", "zz.txt"):
        (folder / name).write_text(name, encoding="utf-8")
    return folder


def test_every_entry_lands_in_the_folder(tmp_path: Path) -> None:
    staged, dest = staged_project(tmp_path / "staged"), tmp_path / "dest"
    dest.mkdir()
    _move_contents(staged, dest)
    assert sorted(p.name for p in dest.iterdir()) == [".git", "Makefile", "README.md", "zz.txt"]
    assert list(staged.iterdir()) == []


def test_a_file_written_there_meanwhile_is_kept_and_the_moves_undone(tmp_path: Path) -> None:
    staged, dest = staged_project(tmp_path / "staged"), tmp_path / "dest"
    dest.mkdir()
    (dest / "README.md").write_text("mine", encoding="utf-8")
    with pytest.raises(GenerationError, match="could not move the project into place"):
        _move_contents(staged, dest)
    assert [p.name for p in dest.iterdir()] == ["README.md"]
    assert (dest / "README.md").read_text(encoding="utf-8") == "mine"
    # .git and Makefile had moved before README.md clashed: they are back in the stage.
    assert sorted(p.name for p in staged.iterdir()) == [".git", "Makefile", "README.md", "zz.txt"]
