"""The project config: parsed from ``opsgen.yaml`` and flags into one frozen, validated object.

Precedence is applied in exactly one place, :func:`resolve`:
catalog defaults < config file < flags (``--layer``, ``--set``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opsgen.catalog import BASE_LAYER, Aspect, Catalog, Rule
from opsgen.errors import ConfigError

# A DNS label in practice (Kubernetes names, buckets, stacks), kept short enough that the names
# templates derive from it (e.g. `<name>-production-artifacts`) stay within every tool's limits.
NAME_MAX = 40
# Also the JSON Schema's and copier.yml's pattern, so it is anchored for Python's re and ECMA-262
# alike: Python's `$` also matches before a final newline, which `(?![^a]|a)` (no character at
# all follows) rules out, without a backslash for copier's Jinja string literal to mangle.
NAME_PATTERN = re.compile(rf"^(?=.{{1,{NAME_MAX}}}$)[a-z][a-z0-9]*(-[a-z0-9]+)*$(?![^a]|a)")
# Free text may span lines (a YAML block scalar) and hold tabs; other control characters and lone
# surrogates are never meant, cannot be written as UTF-8, or would need escapes in every format.
DESCRIPTION_ALLOWED_CONTROLS = frozenset("\n\t")
_NOT_TEXT = frozenset({"Cc", "Cs"})
DESCRIPTION_SCHEMA_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"  # the same, for the JSON Schema
# A config file is a few hundred bytes; anything far larger is a mistake (a wrong path, a log,
# a binary) that YAML would take minutes to parse, so it is refused before it is read in full.
CONFIG_MAX_BYTES = 1024 * 1024
# Shown values in errors are cut to this length, so each error stays one readable line.
SHOWN_MAX = 60
TOP_LEVEL_KEYS = ("name", "description", "layers", "tools")
Choice = str | tuple[str, ...]


@dataclass(frozen=True)
class ProjectConfig:
    """Everything a project is generated from: the same facts for every layer."""

    name: str
    description: str
    layers: tuple[str, ...]
    tools: Mapping[str, Choice] = field(default_factory=dict)

    @property
    def package(self) -> str:
        """The Python package name of the generated service."""
        return self.name.replace("-", "_")

    def answers(self) -> dict[str, Any]:
        """The copier answers: every question of copier.yml except the per-layer ``layer``."""
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "layers": list(self.layers),
        }
        for aspect_id, choice in self.tools.items():
            data[aspect_id] = list(choice) if isinstance(choice, tuple) else choice
        return data


@dataclass(frozen=True)
class Overrides:
    """What flags add on top of a config file."""

    layers: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()  # raw ``ASPECT=TOOL`` strings


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a config file into a mapping, with one-line errors naming the file."""
    label = path.name
    data = _parse_yaml(label, _read_text(path))
    if data is None:
        raise ConfigError(label, "is empty; it needs at least `name: your-project`")
    if not isinstance(data, dict):
        raise ConfigError(label, "must be a mapping with keys: " + ", ".join(TOP_LEVEL_KEYS))
    return data


def _read_text(path: Path) -> str:
    label = path.name
    limit = f"{CONFIG_MAX_BYTES // 1024 // 1024} MiB"
    try:
        with path.open("rb") as stream:
            # Read one byte past the limit: a size from stat() means nothing for a pipe or device.
            raw = stream.read(CONFIG_MAX_BYTES + 1)
    # Which file could not be opened needs the path as given (./opsgen.yaml may exist).
    except FileNotFoundError:
        raise ConfigError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ConfigError(str(path), "is a folder, not a config file") from None
    except OSError as error:
        raise ConfigError(str(path), f"cannot be read ({error.strerror or error})") from None
    if len(raw) > CONFIG_MAX_BYTES:
        raise ConfigError(label, f"is larger than {limit}; a config file is a few lines of YAML")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            label, f"is not UTF-8 text (byte {error.start + 1} is {raw[error.start]:#04x})"
        ) from None


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping.

    YAML says keys are unique; PyYAML would keep the last, silently dropping the user's first.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = str(self.construct_scalar(key_node))
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(label: str, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: no Python objects
    except yaml.reader.ReaderError as error:
        char = error.character
        code = char if isinstance(char, int) else ord(char)
        raise ConfigError(
            label, f"is not valid YAML: character U+{code:04X} at position "
            f"{error.position + 1} is not allowed"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "syntax error"
        raise ConfigError(label, f"is not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise ConfigError(label, "nests too deeply to be a config file") from None


def shown(value: Any) -> str:
    """``value`` for an error message: scalars quoted and cut short, containers by their kind.

    Never the repr of a container: a YAML alias bomb makes a tiny file whose repr is gigabytes.
    """
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 4] + "...'"
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    kinds = {dict: "a mapping", list: "a list"}
    return next((kind for t, kind in kinds.items() if isinstance(value, t)), "a value")


def resolve(catalog: Catalog, raw: Mapping[str, Any], overrides: Overrides) -> ProjectConfig:
    """Merge catalog defaults, the raw config and the flags, and validate the result."""
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            allowed = ", ".join(TOP_LEVEL_KEYS)
            raise ConfigError(shown(key).strip("'"), f"unknown key; allowed keys: {allowed}")
    name = _name(raw.get("name"))
    description = _description(raw.get("description", ""))
    layers = _layers(catalog, raw.get("layers", [BASE_LAYER]), overrides.layers)
    raw_tools = _tools_mapping(raw.get("tools") or {})
    sets = _parse_sets(overrides.sets)
    raw_tools.update(sets)
    tools = _tools(catalog, layers, raw_tools)
    _check_rules(catalog, tools, given=(set(sets), set(raw_tools)))
    return ProjectConfig(name=name, description=description, layers=layers, tools=tools)


def _name(value: Any) -> str:
    if value is None or value == "":
        raise ConfigError("name", "required; a slug such as `acme-churn`")
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        raise ConfigError(
            "name",
            f"{shown(value)} is not a slug: a-z, 0-9 and single '-', a letter first, "
            f"at most {NAME_MAX} characters",
        )
    return value


def _description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(
            "description", f"must be text, not {shown(value)}; put it in quotes"
        )
    problem = description_problem(value)
    if problem:
        raise ConfigError("description", problem)
    return value


def description_problem(value: str) -> str:
    """Why ``value`` cannot be a description, or '' if it can."""
    for position, char in enumerate(value, start=1):
        if char not in DESCRIPTION_ALLOWED_CONTROLS and unicodedata.category(char) in _NOT_TEXT:
            return (f"must be text without control characters (newlines and tabs are fine); "
                    f"found {char!r} at character {position}")
    return ""


def _layers(catalog: Catalog, value: Any, extra: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("layers", "must be a list of layer ids")
    chosen = {BASE_LAYER, *value, *extra}
    for layer_id in sorted(chosen):
        if layer_id not in catalog.layer_ids:
            known = ", ".join(catalog.layer_ids)
            raise ConfigError("layers", f"{shown(layer_id)} is not a layer; choose from: {known}")
        if not catalog.layer(layer_id).ready:
            raise ConfigError("layers", f"{shown(layer_id)} has no templates in this opsgen yet")
    return tuple(layer for layer in catalog.layer_ids if layer in chosen)


def _tools_mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError("tools", "must be a mapping of aspect id to tool id")
    return {str(k): v for k, v in value.items()}


def _parse_sets(sets: Sequence[str]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for item in sets:
        aspect_id, sep, tool = item.partition("=")
        if not sep or not aspect_id or not tool:
            raise ConfigError("--set", f"{shown(item)} is not ASPECT=TOOL")
        parsed[aspect_id.strip()] = [t.strip() for t in tool.split(",")] if "," in tool else tool
    return parsed


def preset_tools(catalog: Catalog, sets: Sequence[str]) -> dict[str, Choice]:
    """The ``--set`` flags as choices, each checked against the catalog (not yet the layers)."""
    return {
        aspect_id: _choice(_known_aspect(catalog, aspect_id), value)
        for aspect_id, value in _parse_sets(sets).items()
    }


def _known_aspect(catalog: Catalog, aspect_id: str) -> Aspect:
    try:
        return catalog.aspect(aspect_id)
    except KeyError:
        known = ", ".join(a.id for a in catalog.aspects)
        raise ConfigError(f"tools.{aspect_id}", f"unknown aspect; choose one of: {known}") from None


def _tools(
    catalog: Catalog, layers: tuple[str, ...], raw: Mapping[str, Any]
) -> dict[str, Choice]:
    applicable = catalog.aspects_for(layers)
    applicable_ids = {a.id for a in applicable}
    for aspect_id in raw:
        if aspect_id in applicable_ids:
            continue
        aspect = _known_aspect(catalog, aspect_id)
        needed = " or ".join(aspect.layers)
        raise ConfigError(
            f"tools.{aspect_id}", f"belongs to layer {needed}, which is not in `layers`"
        )
    return {a.id: _choice(a, raw.get(a.id, a.default)) for a in applicable}


def _choice(aspect: Aspect, value: Any) -> Choice:
    key = f"tools.{aspect.id}"
    choices = ", ".join(aspect.tool_ids)
    if isinstance(value, list | tuple):
        if not aspect.multiple:
            raise ConfigError(key, f"takes a single tool, not a list; choose one of: {choices}")
        if not value:
            raise ConfigError(key, f"choose at least one of: {choices}")
        items = [_known_tool(aspect, v) for v in value]
        return tuple(dict.fromkeys(items))
    tool = _known_tool(aspect, value)
    return (tool,) if aspect.multiple else tool


def _known_tool(aspect: Aspect, value: Any) -> str:
    if not isinstance(value, str) or value not in aspect.tool_ids:
        choices = ", ".join(aspect.tool_ids)
        raise ConfigError(
            f"tools.{aspect.id}",
            f"{shown(value)} is not a tool of this aspect; choose one of: {choices}",
        )
    return value


def chosen(tools: Mapping[str, Choice], aspect_id: str, tool_id: str) -> bool:
    """Whether ``tool_id`` is (one of) the choice(s) for ``aspect_id``."""
    choice = tools.get(aspect_id)
    return tool_id in choice if isinstance(choice, tuple) else choice == tool_id


def broken_rule(catalog: Catalog, tools: Mapping[str, Choice]) -> Rule | None:
    """The first compatibility rule the choice breaks, or None."""
    for rule in catalog.rules:
        if not all(chosen(tools, a, t) for a, t in rule.when):
            continue
        for aspect_id, allowed in rule.requires:
            if aspect_id in tools and not any(chosen(tools, aspect_id, t) for t in allowed):
                return rule
    return None


def rule_violation(
    catalog: Catalog, tools: Mapping[str, Choice], given: Sequence[Collection[str]] = ()
) -> ConfigError | None:
    """The first compatibility rule the choice breaks, as an error naming the key, or None.

    ``given`` holds the aspects the user chose, most explicit first (``--set`` flags, then the
    config file); the others are defaults. The error names the aspect that needs another's
    tool, unless only that other one was chosen more explicitly: then the error is about it.
    """
    rule = broken_rule(catalog, tools)
    if rule is None:
        return None
    aspect_key, tool_id = rule.when[0]
    aspect_id, allowed = next(
        (a, allowed) for a, allowed in rule.requires
        if a in tools and not any(chosen(tools, a, t) for t in allowed)
    )
    verb = "to include" if catalog.aspect(aspect_id).multiple else "to be"
    needs = f"needs {aspect_id} {verb} {' or '.join(allowed)} ({rule.reason})"

    def tier(aspect: str) -> int:
        return next((n for n, aspects in enumerate(given) if aspect in aspects), len(given))

    if tier(aspect_id) < tier(aspect_key):
        value = tools[aspect_id]
        shown_value = ", ".join(value) if isinstance(value, tuple) else value
        default = " (the default)" if tier(aspect_key) == len(given) else ""
        return ConfigError(
            f"tools.{aspect_id}",
            f"{shown_value!r} does not go with {aspect_key} {tool_id!r}{default}, which {needs}; "
            f"choose another {aspect_key} too",
        )
    return ConfigError(f"tools.{aspect_key}", f"{tool_id!r} {needs}")


def _check_rules(
    catalog: Catalog, tools: Mapping[str, Choice], given: Sequence[Collection[str]]
) -> None:
    error = rule_violation(catalog, tools, given)
    if error is not None:
        raise error


CONFIG_HEADER = """\
# opsgen project config: `opsgen new DEST --config {file}` generates this project.
# Every aspect is listed with its tool; `opsgen catalog` shows the other choices.
"""


def dump_config(config: ProjectConfig, file_name: str = "opsgen.yaml") -> str:
    """The config file text that :func:`resolve` reads back as ``config`` exactly."""
    data = {
        "name": config.name,
        "description": config.description,
        "layers": list(config.layers),
        "tools": {k: list(v) if isinstance(v, tuple) else v for k, v in config.tools.items()},
    }
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return CONFIG_HEADER.format(file=file_name) + body


def config_from_answers(catalog: Catalog, answers: Mapping[str, Any]) -> ProjectConfig:
    """Rebuild the config of an existing project from its copier answers."""
    raw = {
        "name": answers.get("name"),
        "description": answers.get("description", ""),
        "layers": answers.get("layers", [BASE_LAYER]),
        "tools": {a.id: answers[a.id] for a in catalog.aspects if a.id in answers},
    }
    return resolve(catalog, raw, Overrides())
