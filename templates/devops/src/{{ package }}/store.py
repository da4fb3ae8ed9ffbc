"""A thread-safe in-memory item store: the service's small domain."""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

MAX_NAME_LENGTH = 200


class ValidationError(ValueError):
    """The client sent an item the store rejects."""


@dataclass(frozen=True)
class Item:
    """A named item with free-form tags."""

    id: int
    name: str
    tags: tuple[str, ...]
    created_at: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready representation."""
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data


class ItemStore:
    """Items by id; every method may be called from any request thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[int, Item] = {}
        self._ids = itertools.count(1)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def create(self, payload: object) -> Item:
        """Validate ``payload`` (``{"name": str, "tags": [str]}``) and store it."""
        name, tags = _validate(payload)
        created = datetime.now(timezone.utc).isoformat()
        with self._lock:
            item = Item(next(self._ids), name, tags, created)
            self._items[item.id] = item
        return item

    def get(self, item_id: int) -> Item | None:
        """The item with ``item_id``, or None."""
        with self._lock:
            return self._items.get(item_id)

    def list(self, tag: str | None = None) -> list[Item]:
        """All items in creation order, optionally only those tagged ``tag``."""
        with self._lock:
            items = list(self._items.values())
        return [i for i in items if tag is None or tag in i.tags]

    def delete(self, item_id: int) -> bool:
        """Remove an item; False if there was none."""
        with self._lock:
            return self._items.pop(item_id, None) is not None


def _validate(payload: object) -> tuple[str, tuple[str, ...]]:
    if not isinstance(payload, dict):
        raise ValidationError("body: expected a JSON object")
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("name: expected a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(f"name: longer than {MAX_NAME_LENGTH} characters")
    tags = payload.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValidationError("tags: expected a list of strings")
    return name.strip(), tuple(dict.fromkeys(tags))
