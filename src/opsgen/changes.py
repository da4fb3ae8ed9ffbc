"""What an update did to each file: the states ``opsgen update`` reports.

A state is read off four versions of every file, each as git identifies it (mode and blob):
the project before and after the update, and the templates the project was made from and the
installed ones, each rendered with the project's answers. Copier's 3-way merge decides what
happens; this module only names it, so the report cannot claim what the merge did not do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# In the order a report lists them: what needs the user's eyes first.
STATES = ("conflict", "merged", "updated", "new", "removed", "kept-deleted", "unchanged")


@dataclass(frozen=True)
class Versions:
    """Every file of the four versions an update compares: path -> ``"mode blob"``."""

    before: Mapping[str, str]  # the project's HEAD
    after: Mapping[str, str]  # the project once updated
    old: Mapping[str, str]  # the templates it was made from
    new: Mapping[str, str]  # the installed templates
    conflicts: frozenset[str]  # paths copier left with conflict markers


def file_states(versions: Versions) -> dict[str, str]:
    """The state of every file the templates own or the update touched.

    - new: the update wrote a file the project did not have
    - updated: the templates changed a file the user had not edited
    - merged: the templates changed a file the user had edited, and both changes were kept
    - conflict: both changed the same lines, and the file holds conflict markers; or the
      templates dropped a file the user had edited, and the user's version stays
    - removed: the templates dropped the file, so the update deleted it
    - kept-deleted: the user had deleted a file the templates still have; it stays deleted
    - unchanged: a template file the update left as it was
    """
    before, after = versions.before, versions.after
    touched = {p for p in {*before, *after} if before.get(p) != after.get(p)}
    states = {}
    for path in sorted({*versions.old, *versions.new, *touched}):
        state = _state(versions, path)
        if state is not None:
            states[path] = state
    return states


def _state(versions: Versions, path: str) -> str | None:
    before, after = versions.before.get(path), versions.after.get(path)
    if path in versions.conflicts:
        return "conflict"
    if before is None:
        if after is not None:
            return "new"
        user_deleted = path in versions.old and path in versions.new
        return "kept-deleted" if user_deleted else None
    if after is None:
        return "removed"
    if before == after:
        return "unchanged" if path in versions.new else None
    return "updated" if before == versions.old.get(path) else "merged"
