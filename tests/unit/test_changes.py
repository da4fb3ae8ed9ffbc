"""The state of a file after an update, from its four versions (None: the file is absent)."""

from __future__ import annotations

import pytest

from opsgen.changes import STATES, Versions, file_states

# before (HEAD), after (updated), old template, new template -> state
CASES = [
    (None, "n", None, "n", "new"),
    ("a", "b", "a", "b", "updated"),
    ("u", "m", "a", "b", "merged"),
    ("u", "u", "a", "a", "unchanged"),  # the user's edit, templates unchanged
    ("a", "a", "a", "a", "unchanged"),
    ("a", None, "a", None, "removed"),
    (None, None, "a", "b", "kept-deleted"),
    (None, None, "a", "a", "kept-deleted"),
    (None, None, "a", None, None),  # deleted by both: nothing to say
    ("u", "u", None, None, None),  # the user's own file
    (None, "m", None, "b", "new"),
]


@pytest.mark.parametrize(("before", "after", "old", "new", "state"), CASES)
def test_state(
    before: str | None, after: str | None, old: str | None, new: str | None, state: str | None
) -> None:
    def one(value: str | None) -> dict[str, str]:
        return {} if value is None else {"f": value}

    versions = Versions(before=one(before), after=one(after), old=one(old), new=one(new),
                        conflicts=frozenset())
    assert file_states(versions) == ({} if state is None else {"f": state})


def test_a_conflict_wins_over_every_other_state() -> None:
    versions = Versions(before={"f": "u"}, after={"f": "x"}, old={"f": "a"}, new={"f": "b"},
                        conflicts=frozenset({"f"}))
    assert file_states(versions) == {"f": "conflict"}


def test_every_state_is_reachable() -> None:
    assert {case[-1] for case in CASES} | {"conflict"} == {*STATES, None}
