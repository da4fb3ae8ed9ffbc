"""Template migrations: names that changed between releases, applied by opsgen without --trust.

Copier's own ``_migrations`` run commands, so ``copier update`` would need ``--trust``. opsgen's
are data instead, each tagged with the release that made the change:

- a renamed answer (``answers``: old key -> new key), and a renamed tool id (``tools``: aspect
  -> old id -> new id). The templates the project was made from are still rendered with the
  answers as recorded, and the installed ones with the migrated answers, so copier's 3-way merge
  compares like with like and the user's choice survives the rename.
- a moved file (``files``: old path -> new path). Copier sees a file removed and another added;
  opsgen carries the user's edits of the old file over to the new one with git's 3-way
  ``merge-file`` (base: the old templates' file, ours: the new templates', theirs: the user's).

``opsgen update``, ``add`` and ``set`` apply the migrations newer than the release a project
was made with, up to the installed one. Plain ``copier update`` does not know them: the README
says to cross such a release with ``opsgen update``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_RELEASE = re.compile(r"v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class Migration:
    """What one release renamed or moved."""

    version: str
    answers: Mapping[str, str] = field(default_factory=dict)
    tools: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)


# Oldest first. None yet: every release so far kept its names and paths.
MIGRATIONS: tuple[Migration, ...] = ()


def release(text: str) -> tuple[int, ...] | None:
    """The release numbers of a version or ``git describe`` string (``v0.2.0-3-gabc`` -> 0.2.0)."""
    match = _RELEASE.match(text)
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def pending(recorded: str, installed: str,
            migrations: tuple[Migration, ...] = MIGRATIONS) -> tuple[Migration, ...]:
    """The migrations after the release ``recorded`` (a project's ``_commit``), up to ours."""
    start, end = release(recorded), release(installed)
    if start is None or end is None:
        return ()
    return tuple(m for m in migrations if start < (release(m.version) or ()) <= end)


def migrate_answers(
    answers: Mapping[str, Any], migrations: tuple[Migration, ...]
) -> dict[str, Any]:
    """``answers`` with every renamed key and tool id of ``migrations`` applied, in order."""
    result = dict(answers)
    for migration in migrations:
        for old, new in migration.answers.items():
            if old in result:
                result[new] = result.pop(old)
        for aspect, renames in migration.tools.items():
            value = result.get(aspect)
            if isinstance(value, list):
                result[aspect] = [renames.get(tool, tool) for tool in value]
            elif isinstance(value, str):
                result[aspect] = renames.get(value, value)
    return result


def moved_files(migrations: tuple[Migration, ...]) -> dict[str, str]:
    """Old path -> final path, following a file moved by several migrations."""
    moves: dict[str, str] = {}
    for migration in migrations:
        for old, new in migration.files.items():
            for source, target in moves.items():
                if target == old:
                    moves[source] = new
            moves.setdefault(old, new)
    return moves
