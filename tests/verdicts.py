"""Validator verdicts kept by the bytes they judged: the same inputs are judged once a session.

A check's verdict depends on the validator, the check's files and what else the validator reads:
its ``reads`` in the catalog (the whole project where it declares none). The key of a check is a
digest of all of that; a check whose key already passed in this session passes without running
again. Only passes are kept: a failing check runs, and fails, every time. The store is a folder
of empty files named by key, so parallel test workers share it safely.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import asdict
from pathlib import Path

from validation import matching_files, run_check, tracked_files
from vcs_validation import METADATA  # version control metadata is never a validator's input

from opsgen.catalog import Catalog, Check, Validator


def _files_under(project_dir: Path, name: str) -> list[str]:
    """``name`` if it is a file, else every file under it (project-relative POSIX paths)."""
    path = project_dir / name
    if path.is_file():
        return [name]
    return sorted(p.relative_to(project_dir).as_posix() for p in path.rglob("*")
                  if p.is_file() and not METADATA & set(p.relative_to(project_dir).parts))


def _toml_value(path: Path, dotted: str) -> object:
    """The value at ``a.b`` of a TOML file, or None where the file or the key is absent."""
    if not path.is_file():
        return None
    value: object = tomllib.loads(path.read_text(encoding="utf-8"))
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def inputs(project_dir: Path, check: Check, validator: Validator) -> list[str]:
    """Every file a check reads, and each ``FILE#a.b`` projection, in a stable order."""
    if validator.reads is None:
        return tracked_files(project_dir)
    names: set[str] = set()
    for pattern in (check.files, *validator.reads):
        if "#" in pattern:
            names.add(pattern)
            continue
        for match in matching_files(project_dir, pattern):
            names.update(_files_under(project_dir, match))
    return sorted(names)


def verdict_key(project_dir: Path, check: Check, validator: Validator) -> str:
    """A digest of the validator, the check and the content of everything the check reads."""
    digest = hashlib.sha256(json.dumps([asdict(validator), asdict(check)], sort_keys=True,
                                       default=list).encode())
    for name in inputs(project_dir, check, validator):
        digest.update(name.encode() + b"\0")
        if "#" in name:
            file, _, dotted = name.partition("#")
            value = _toml_value(project_dir / file, dotted)
            digest.update(json.dumps(value, sort_keys=True, default=str).encode())
        else:
            digest.update(hashlib.sha256((project_dir / name).read_bytes()).digest())
        digest.update(b"\0")
    return digest.hexdigest()


class VerdictStore:
    """The keys that passed, as empty files in a folder shared by the session's workers."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def passed(self, key: str) -> bool:
        return (self.folder / key).exists()

    def record_pass(self, key: str) -> None:
        (self.folder / key).touch()


def run_once(project_dir: Path, check: Check, catalog: Catalog, store: VerdictStore) -> bool:
    """Run a check unless the same bytes already passed it in this session (then True). A failure
    raises as :func:`validation.run_check` does, and is never kept."""
    key = verdict_key(project_dir, check, catalog.validators[check.validator])
    if store.passed(key):
        return True
    run_check(project_dir, check, catalog)
    store.record_pass(key)
    return False


def session_store() -> VerdictStore:
    """The store of this test session, shared by its workers (tests/conftest.py): the combination
    matrix and the validator tests judge the same bytes once between them."""
    return VerdictStore(Path(os.environ["OPSGEN_TEST_SHARED"]) / "verdicts")
