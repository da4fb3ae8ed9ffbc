"""A validator's verdict is reused only on the same bytes of everything it reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from verdicts import VerdictStore, inputs, verdict_key

from opsgen.catalog import Check, Validator

CHECK = Check(validator="lint", files="src")
NARROW = Validator(id="lint", command=("lint", "{files}"),
                   reads=("pyproject.toml#tool.lint", "lint.cfg", "conf"))
WHOLE = Validator(id="lint", command=("lint", "{files}"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in {
        "src/app.py": "x = 1\n",
        "src/pkg/mod.py": "y = 2\n",
        "pyproject.toml": '[project]\nname = "a"\n[tool.lint]\nstrict = true\n',
        "lint.cfg": "rules = all\n",
        "conf/extra.ini": "a = 1\n",
        "README.md": "hello\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_inputs_are_the_files_the_reads_and_the_projections(project: Path) -> None:
    assert inputs(project, CHECK, NARROW) == [
        "conf/extra.ini", "lint.cfg", "pyproject.toml#tool.lint", "src/app.py", "src/pkg/mod.py"]
    assert "README.md" in inputs(project, CHECK, WHOLE)


@pytest.mark.parametrize(("name", "text"), [
    ("src/pkg/mod.py", "y = 3\n"),  # a checked file, in a folder
    ("lint.cfg", "rules = none\n"),  # a file it reads
    ("conf/extra.ini", "a = 2\n"),  # a file in a folder it reads
    ("conf/new.ini", "b = 1\n"),  # a new file there
    ("pyproject.toml", '[project]\nname = "a"\n[tool.lint]\nstrict = false\n'),  # its table
])
def test_a_change_to_anything_it_reads_changes_the_key(project: Path, name: str,
                                                       text: str) -> None:
    before = verdict_key(project, CHECK, NARROW)
    (project / name).parent.mkdir(parents=True, exist_ok=True)
    (project / name).write_text(text, encoding="utf-8")
    assert verdict_key(project, CHECK, NARROW) != before


def test_what_it_does_not_read_leaves_the_key(project: Path) -> None:
    before = verdict_key(project, CHECK, NARROW)
    (project / "README.md").write_text("changed\n", encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "b"\n[tool.lint]\nstrict = true\n', encoding="utf-8")
    assert verdict_key(project, CHECK, NARROW) == before
    # Without `reads`, everything counts.
    whole = verdict_key(project, CHECK, WHOLE)
    (project / "README.md").write_text("changed again\n", encoding="utf-8")
    assert verdict_key(project, CHECK, WHOLE) != whole


def test_the_validator_and_the_check_are_part_of_the_key(project: Path) -> None:
    keys = {
        verdict_key(project, CHECK, NARROW),
        verdict_key(project, Check(validator="lint", files="src/*.py"), NARROW),
        verdict_key(project, CHECK, Validator(id="lint", command=("lint", "--strict", "{files}"),
                                              reads=NARROW.reads)),
    }
    assert len(keys) == 3


def test_the_same_bytes_elsewhere_give_the_same_key(project: Path, tmp_path_factory:
                                                   pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("other")
    for path in project.rglob("*"):
        if path.is_file():
            target = other / path.relative_to(project)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    assert verdict_key(other, CHECK, NARROW) == verdict_key(project, CHECK, NARROW)


def test_the_store_keeps_passes(tmp_path: Path) -> None:
    store = VerdictStore(tmp_path / "verdicts")
    assert not store.passed("abc")
    store.record_pass("abc")
    assert store.passed("abc")
    assert VerdictStore(tmp_path / "verdicts").passed("abc")  # another worker sees it
