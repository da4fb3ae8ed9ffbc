"""Template migrations as data: which apply, and what they do to answers and paths."""

from __future__ import annotations

from opsgen.migrations import MIGRATIONS, Migration, migrate_answers, moved_files, pending, release

HISTORY = (
    Migration(version="0.2.0", answers={"alerts": "alert_routing"}),
    Migration(version="0.3.0", tools={"alert_routing": {"email": "mail"},
                                      "boxes": {"k8s": "kubernetes"}},
              files={"docs/a.md": "docs/b.md"}),
    Migration(version="0.4.0", files={"docs/b.md": "docs/c/b.md"}),
)


def test_only_the_releases_after_the_project_and_up_to_ours_apply() -> None:
    assert pending("v0.1.0", "0.3.0", HISTORY) == HISTORY[:2]
    assert pending("v0.2.0-4-gabc1234", "0.4.0", HISTORY) == HISTORY[1:]
    assert pending("v0.4.0", "0.4.0", HISTORY) == ()
    assert pending("not-a-version", "0.4.0", HISTORY) == ()
    assert release("v1.10.2") == (1, 10, 2) and release("main") is None


def test_answers_are_renamed_then_their_tools() -> None:
    answers = {"alerts": "email", "boxes": ["docker", "k8s"], "name": "acme"}
    assert migrate_answers(answers, HISTORY) == {
        "alert_routing": "mail", "boxes": ["docker", "kubernetes"], "name": "acme"}
    assert migrate_answers(answers, ()) == answers


def test_a_file_moved_twice_goes_straight_to_its_last_path() -> None:
    assert moved_files(HISTORY) == {"docs/a.md": "docs/c/b.md", "docs/b.md": "docs/c/b.md"}


def test_shipped_migrations_are_in_release_order() -> None:
    versions = [release(m.version) for m in MIGRATIONS]
    assert None not in versions and versions == sorted(versions)  # type: ignore[type-var]
