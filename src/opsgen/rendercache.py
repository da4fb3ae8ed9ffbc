"""What the templates render for a project, remembered so an up-to-date project needs no render.

A render is a pure function of the template commit, the store's tags (copier records
``git describe`` of the commit in each answers file), the layers with their answers, and the
rendering libraries; the key hashes all of them. An entry holds every file of the render as git
identifies it (path -> ``"mode blob"``, like :class:`opsgen.changes.Versions`) and a checksum of
them: an entry that is missing, unreadable, for another key or altered reads as absent, so a
caller renders instead. Writes are atomic and their failures are ignored: the cache only saves
time, it is never the only copy of anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from opsgen.store import store_path

FORMAT = 1
_ENTRY = re.compile(r"\A[0-7]{6} [0-9a-f]{40}(?:[0-9a-f]{24})?\Z")
_LIBRARIES = ("copier", "jinja2")


def cache_dir() -> Path:
    """Where render entries live, beside the other per-user caches of opsgen."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "opsgen" / "renders"


@dataclass(frozen=True)
class RenderKey:
    """Everything a render of some layers depends on."""

    src_path: str
    ref: str
    layers: tuple[tuple[str, Mapping[str, Any]], ...]  # (layer, answers), in rendering order

    def canonical(self) -> str:
        """The key as one string: equal strings, equal renders."""
        heads = store_path().with_suffix(".heads")
        try:
            tags = hashlib.sha256(heads.read_bytes()).hexdigest()
        except OSError:
            tags = ""
        return json.dumps({
            "format": FORMAT,
            "src_path": self.src_path,
            "ref": self.ref,
            "store": tags,
            "libraries": {name: _version(name) for name in _LIBRARIES},
            "layers": [[layer, dict(answers)] for layer, answers in self.layers],
        }, sort_keys=True, default=repr)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _path(canonical: str) -> Path:
    return cache_dir() / f"{hashlib.sha256(canonical.encode()).hexdigest()}.json"


def _checksum(entries: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()


def load(key: RenderKey) -> dict[str, str] | None:
    """The remembered render for ``key``, or None when there is no sound entry for it."""
    canonical = key.canonical()
    try:
        stored = json.loads(_path(canonical).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != canonical:
        return None
    entries = stored.get("entries")
    if not isinstance(entries, dict) or not entries or not all(
        isinstance(path, str) and path and isinstance(entry, str) and _ENTRY.match(entry)
        for path, entry in entries.items()
    ):
        return None
    if stored.get("checksum") != _checksum(entries):
        return None
    return entries


def save(key: RenderKey, entries: Mapping[str, str]) -> None:
    """Remember the render for ``key``; a cache that cannot be written is left as it is."""
    canonical = key.canonical()
    target = _path(canonical)
    body = json.dumps({"key": canonical, "entries": dict(entries),
                       "checksum": _checksum(entries)}, sort_keys=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as tmp:
            tmp.write(body)
        os.replace(name, target)
    except OSError:
        Path(name).unlink(missing_ok=True)
