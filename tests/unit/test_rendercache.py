"""The render cache gives back exactly what was saved for a key, and nothing for anything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsgen.rendercache import RenderKey, cache_dir, load, save

ENTRIES = {"README.md": f"100644 {'a' * 40}", "bin/run": f"100755 {'b' * 40}"}
KEY = RenderKey(src_path="~/templates.bundle", ref="c" * 40, layers=(("devops", {"name": "x"}),))


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))


def test_what_is_saved_is_loaded() -> None:
    assert load(KEY) is None
    save(KEY, ENTRIES)
    assert load(KEY) == ENTRIES


@pytest.mark.parametrize("other", [
    RenderKey(src_path=KEY.src_path, ref="d" * 40, layers=KEY.layers),
    RenderKey(src_path=KEY.src_path, ref=KEY.ref, layers=(("devops", {"name": "y"}),)),
    RenderKey(src_path=KEY.src_path, ref=KEY.ref, layers=(("mlops", {"name": "x"}),)),
    RenderKey(src_path="~/elsewhere.bundle", ref=KEY.ref, layers=KEY.layers),
])
def test_another_key_finds_nothing(other: RenderKey) -> None:
    save(KEY, ENTRIES)
    assert load(other) is None


@pytest.mark.parametrize("tamper", [
    lambda stored: stored["entries"].update({"extra": f"100644 {'e' * 40}"}),
    lambda stored: stored["entries"].update({"README.md": "not a mode and blob"}),
    lambda stored: stored.update(checksum="0" * 64),
    lambda stored: stored.update(entries=[]),
])
def test_an_altered_entry_finds_nothing(tamper: object) -> None:
    save(KEY, ENTRIES)
    [path] = cache_dir().glob("*.json")
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert callable(tamper)
    tamper(stored)
    path.write_text(json.dumps(stored), encoding="utf-8")
    assert load(KEY) is None


def test_an_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    cache_dir().parent.mkdir(parents=True)
    cache_dir().write_text("a file where the folder should be", encoding="utf-8")
    save(KEY, ENTRIES)
    assert load(KEY) is None
