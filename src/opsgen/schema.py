"""The JSON Schema of ``opsgen.yaml`` and the commented starter config, from the catalog."""

from __future__ import annotations

from typing import Any

from opsgen.catalog import BASE_LAYER, Aspect, Catalog
from opsgen.config import DESCRIPTION_SCHEMA_PATTERN, NAME_PATTERN


def _tool_schema(aspect: Aspect) -> dict[str, Any]:
    one: dict[str, Any] = {"enum": list(aspect.tool_ids)}
    if not aspect.multiple:
        return {**one, "title": aspect.title, "description": aspect.summary,
                "default": aspect.default}
    return {
        "title": aspect.title,
        "description": aspect.summary,
        "anyOf": [one, {"type": "array", "items": one, "minItems": 1, "uniqueItems": True}],
        "default": list(aspect.default),
    }


def json_schema(catalog: Catalog) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the config file."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "opsgen project config",
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "pattern": NAME_PATTERN.pattern},
            "description": {"type": "string", "pattern": DESCRIPTION_SCHEMA_PATTERN},
            "layers": {
                "type": "array",
                "items": {"enum": [layer.id for layer in catalog.layers if layer.ready]},
                "uniqueItems": True,
            },
            "tools": {
                "type": "object",
                "additionalProperties": False,
                "properties": {a.id: _tool_schema(a) for a in catalog.aspects},
            },
        },
    }


def starter_config(catalog: Catalog, name: str = "my-project") -> str:
    """A config file listing every aspect, its default and (commented) its other choices."""
    ready = [layer.id for layer in catalog.layers if layer.ready]
    lines = [
        "# opsgen project config: `opsgen new DEST --config opsgen.yaml`",
        "# Every aspect is listed with its default; the other choices follow as comments.",
        f"name: {name}                 # required; lowercase letters, digits and '-'",
        "description: ''              # optional free text",
        f"layers: [{BASE_LAYER}]              # available: {', '.join(ready)}",
        "tools:",
    ]
    for aspect in catalog.aspects:
        default = aspect.default
        value = f"[{', '.join(default)}]" if isinstance(default, tuple) else default
        several = " (one or more, as a list)" if aspect.multiple else ""
        commented = "" if BASE_LAYER in aspect.layers else "# "
        lines.append(f"  # {aspect.title}{several}: {', '.join(aspect.tool_ids)}")
        lines.append(f"  {commented}{aspect.id}: {value}")
    return "\n".join(lines) + "\n"
