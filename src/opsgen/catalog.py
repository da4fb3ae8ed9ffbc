"""The aspect catalog: typed, frozen views over ``catalog.yaml``, the one source of truth."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from opsgen.errors import CatalogError

LAYER_ORDER = ("devops", "mlops", "dataops")
BASE_LAYER = "devops"


@dataclass(frozen=True)
class Check:
    """One validator applied to the files matching a glob of a generated project."""

    validator: str
    files: str
    # A tool's check that applies only when this layer is in the project (a tool shared by the
    # MLOps and DataOps layers writes different files in each); None: whenever the tool is chosen.
    layer: str | None = None


@dataclass(frozen=True)
class Tool:
    """A tool a team can pick for an aspect."""

    id: str
    title: str
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class Aspect:
    """A practice of DevOps, MLOps or DataOps, with the tools that implement it."""

    id: str
    title: str
    layers: tuple[str, ...]
    tools: tuple[Tool, ...]
    multiple: bool = False
    summary: str = ""  # one line: the practice's purpose, as the wizard explains it

    @property
    def tool_ids(self) -> tuple[str, ...]:
        """The ids of this aspect's tools, default first."""
        return tuple(tool.id for tool in self.tools)

    @property
    def default(self) -> str | tuple[str, ...]:
        """The default choice: the first tool (as a one-item tuple for multi-choice aspects)."""
        first = self.tools[0].id
        return (first,) if self.multiple else first

    def tool(self, tool_id: str) -> Tool:
        """Return the tool with this id."""
        for tool in self.tools:
            if tool.id == tool_id:
                return tool
        raise KeyError(tool_id)


@dataclass(frozen=True)
class Layer:
    """A layer of templates: devops (always applied), mlops or dataops."""

    id: str
    title: str
    ready: bool
    summary: str = ""  # one line: what the layer adds, as the wizard explains it
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class Rule:
    """When ``when`` is chosen, each aspect of ``requires`` must be one of the listed tools."""

    when: tuple[tuple[str, str], ...]
    requires: tuple[tuple[str, tuple[str, ...]], ...]
    reason: str


@dataclass(frozen=True)
class Validator:
    """How a validator runs: a command in the project root, or a builtin Python check."""

    id: str
    command: tuple[str, ...] = ()
    needs: str | None = None
    builtin: str | None = None
    slow: bool = False  # a heavy tool: its tests are marked slow (CI still runs them)
    # It runs the generated project's code (its tests, pipeline, DAGs, catalog ingestion), the
    # costliest checks: the combination matrix leaves these out in CI's mode.
    runs_project: bool = False
    preinstalled: bool = False  # no registry serves it: tests skip, saying so, where it is absent
    # What it reads besides the check's files (globs; a folder counts whole; FILE#a.b is the
    # TOML table a.b of FILE). None: the whole project. Tests reuse a pass on the same bytes.
    reads: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Catalog:
    """Layers, aspects, rules and validators."""

    layers: tuple[Layer, ...]
    aspects: tuple[Aspect, ...]
    rules: tuple[Rule, ...]
    validators: dict[str, Validator]

    def aspect(self, aspect_id: str) -> Aspect:
        """Return the aspect with this id."""
        for aspect in self.aspects:
            if aspect.id == aspect_id:
                return aspect
        raise KeyError(aspect_id)

    def layer(self, layer_id: str) -> Layer:
        """Return the layer with this id."""
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)

    @property
    def layer_ids(self) -> tuple[str, ...]:
        """All layer ids, base layer first."""
        return tuple(layer.id for layer in self.layers)

    def aspects_for(self, layers: tuple[str, ...]) -> tuple[Aspect, ...]:
        """The aspects that apply to a project made of these layers."""
        return tuple(a for a in self.aspects if set(a.layers) & set(layers))

    def to_json(self) -> dict[str, Any]:
        """The documented ``opsgen catalog --json`` shape."""
        return {
            "aspects": [
                {
                    "id": aspect.id,
                    "title": aspect.title,
                    "layers": list(aspect.layers),
                    "multiple": aspect.multiple,
                    "tools": [
                        {"id": tool.id, "title": tool.title, "default": index == 0}
                        for index, tool in enumerate(aspect.tools)
                    ],
                    "summary": aspect.summary,  # an extension of the documented shape
                }
                for aspect in self.aspects
            ]
        }


def _checks(raw: list[dict[str, str]] | None) -> tuple[Check, ...]:
    return tuple(
        Check(validator=c["validator"], files=c["files"], layer=c.get("layer")) for c in raw or ()
    )


def _rule(raw: dict[str, Any]) -> Rule:
    return Rule(
        when=tuple((k, v) for k, v in raw["when"].items()),
        requires=tuple((k, tuple(v)) for k, v in raw["requires"].items()),
        reason=raw["reason"],
    )


def parse_catalog(data: dict[str, Any]) -> Catalog:
    """Build a catalog from its YAML data, checking that it is internally consistent."""
    try:
        catalog = Catalog(
            layers=tuple(
                Layer(id=y["id"], title=y["title"], ready=y["ready"], checks=_checks(y["checks"]),
                      summary=y.get("summary", ""))
                for y in data["layers"]
            ),
            aspects=tuple(
                Aspect(
                    id=a["id"],
                    title=a["title"],
                    layers=tuple(a["layers"]),
                    multiple=bool(a.get("multiple", False)),
                    summary=a.get("summary", ""),
                    tools=tuple(
                        Tool(id=t["id"], title=t["title"], checks=_checks(t.get("checks")))
                        for t in a["tools"]
                    ),
                )
                for a in data["aspects"]
            ),
            rules=tuple(_rule(r) for r in data.get("rules") or ()),
            validators={
                key: Validator(
                    id=key,
                    command=tuple(v.get("command", ())),
                    needs=v.get("needs"),
                    builtin=v.get("builtin"),
                    slow=bool(v.get("slow", False)),
                    runs_project=bool(v.get("runs_project", False)),
                    preinstalled=bool(v.get("preinstalled", False)),
                    reads=None if v.get("reads") is None else tuple(v["reads"]),
                )
                for key, v in (data.get("validators") or {}).items()
            },
        )
    except (KeyError, TypeError) as error:
        raise CatalogError(f"catalog: malformed entry ({error})") from error
    _check_consistency(catalog)
    return catalog


def _check_consistency(catalog: Catalog) -> None:
    known_layers = set(catalog.layer_ids)
    for aspect in catalog.aspects:
        if not aspect.tools or not set(aspect.layers) <= known_layers:
            raise CatalogError(f"catalog: aspect {aspect.id} has no tools or unknown layers")
        checks = [c for tool in aspect.tools for c in tool.checks]
        unknown = {c.validator for c in checks} - set(catalog.validators)
        if unknown:
            raise CatalogError(f"catalog: {aspect.id} uses unknown validators {sorted(unknown)}")
        strays = {c.layer for c in checks if c.layer is not None} - set(aspect.layers)
        if strays:
            raise CatalogError(f"catalog: {aspect.id} has checks for other layers {sorted(strays)}")
    validators = catalog.validators.values()
    fast_runners = sorted(v.id for v in validators if v.runs_project and not v.slow)
    if fast_runners:
        raise CatalogError(f"catalog: validators {fast_runners} run the project but are not slow")
    for rule in catalog.rules:
        for aspect_id, tool_id in rule.when:
            if tool_id not in catalog.aspect(aspect_id).tool_ids:
                raise CatalogError(f"catalog: rule names unknown tool {aspect_id}={tool_id}")


def load_catalog(path: Path | None = None) -> Catalog:
    """Load a catalog file; without a path, the catalog shipped with opsgen."""
    if path is None:
        return default_catalog()
    return parse_catalog(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def default_catalog() -> Catalog:
    """The catalog shipped with opsgen (parsed once per process)."""
    text = resources.files("opsgen").joinpath("catalog.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse_catalog(yaml.load(text, Loader=loader))
