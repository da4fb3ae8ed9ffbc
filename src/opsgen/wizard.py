"""The interactive wizard: the only module that imports questionary.

It asks the same questions config validation checks, from the same catalog; a choice that a
rule forbids, given earlier answers, is shown disabled with the rule's reason. Every answer
goes through :func:`opsgen.config.resolve`, exactly like a config file, and nothing is written
until the user has seen the resolved choices and confirmed them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import questionary

from opsgen.catalog import BASE_LAYER, Aspect, Catalog, Layer
from opsgen.config import Choice, Overrides, ProjectConfig, chosen, resolve
from opsgen.errors import CatalogError, ConfigError, OpsgenError

DECLINED = (
    "not generated: the choices were not confirmed; nothing was written "
    "(to skip the questions: `opsgen config init`, then `opsgen new DEST --config opsgen.yaml`)"
)


def _ask(question: questionary.Question) -> Any:
    """Ask one question; Ctrl-C and Ctrl-D become KeyboardInterrupt, which the CLI reports."""
    try:
        # unsafe_ask lets Ctrl-C through instead of printing questionary's own message and
        # returning None, so the CLI's single "interrupted; nothing was written" line is all.
        return question.unsafe_ask()
    except EOFError:  # Ctrl-D on an empty text prompt
        raise KeyboardInterrupt from None


def _name_problem(catalog: Catalog, value: str) -> bool | str:
    """Validate a name as a config file's ``name`` is validated: True, or the error to show."""
    try:
        resolve(catalog, {"name": value}, Overrides())
    except ConfigError as error:
        if error.key == "name":
            return str(error)
    # Anything else concerns the tools, which are asked next and validated at the end.
    return True


def _valid_selection(
    catalog: Catalog, picked: dict[str, Choice], aspect: Aspect
) -> Callable[[list[str]], bool | str]:
    """Validate a multi-choice answer: at least one tool, and every rule it triggers met."""
    choices = ", ".join(tool.title for tool in aspect.tools)

    def validate(values: list[str]) -> bool | str:
        if not values:
            return f"choose at least one of: {choices} (space toggles)"
        trial = {**picked, aspect.id: tuple(values)}
        for rule in catalog.rules:
            if not all(chosen(trial, a, t) for a, t in rule.when):
                continue
            for aspect_id, allowed in rule.requires:
                if aspect_id == aspect.id and not set(allowed) & set(values):
                    needed = " or ".join(aspect.tool(t).title for t in allowed)
                    return f"{rule.reason}: also choose {needed}"
        return True

    return validate


def _disabled_reason(catalog: Catalog, picked: dict[str, Choice], aspect: Aspect, tool: str) -> str:
    """Why ``tool`` cannot be chosen for ``aspect`` given the answers so far ('' if it can).

    Both ways: a rule triggered by earlier answers may require another tool of this aspect, and
    choosing this tool may trigger a rule that an earlier answer already breaks.
    """
    for rule in catalog.rules:
        triggered = all((a, t) == (aspect.id, tool) or chosen(picked, a, t) for a, t in rule.when)
        if not triggered:
            continue
        for aspect_id, allowed in rule.requires:
            current = (tool,) if aspect_id == aspect.id else picked.get(aspect_id)
            if current is None:
                continue
            if not any(chosen({aspect_id: current}, aspect_id, t) for t in allowed):
                return rule.reason
        if (aspect.id, tool) not in rule.when:
            continue
        others = [(a, t) for a, t in rule.when if a != aspect.id]
        if not all(chosen(picked, a, t) for a, t in others):
            continue
        for aspect_id, allowed in rule.requires:
            if aspect_id in picked and not any(chosen(picked, aspect_id, t) for t in allowed):
                return rule.reason
    return ""


def _choices(
    catalog: Catalog, picked: dict[str, Choice], aspect: Aspect
) -> list[questionary.Choice]:
    choices = []
    for tool in aspect.tools:
        reason = _disabled_reason(catalog, picked, aspect, tool.id)
        choices.append(
            questionary.Choice(
                title=tool.title, value=tool.id, disabled=reason or None,
                checked=aspect.multiple and not reason and tool.id in aspect.default,
            )
        )
    if all(choice.disabled for choice in choices):
        raise CatalogError(f"catalog: rules leave no tool of {aspect.id} to choose")
    return choices


def _ask_aspect(catalog: Catalog, picked: dict[str, Choice], aspect: Aspect) -> Choice:
    choices = _choices(catalog, picked, aspect)
    message = f"{aspect.title}:"
    if aspect.multiple:
        validate = _valid_selection(catalog, picked, aspect)
        values = _ask(questionary.checkbox(message, choices=choices, validate=validate))
        return tuple(str(value) for value in values)
    enabled = [str(choice.value) for choice in choices if not choice.disabled]
    default = str(aspect.default) if aspect.default in enabled else enabled[0]
    return str(_ask(questionary.select(message, choices=choices, default=default)))


def _ask_layers(catalog: Catalog, overrides: Overrides) -> list[str]:
    """The base layer, the ``--layer`` flags, and the ready layers the user ticks."""
    layers = [BASE_LAYER, *overrides.layers]
    optional: list[Layer] = [
        layer for layer in catalog.layers if layer.ready and layer.id not in layers
    ]
    if optional:
        extra = _ask(questionary.checkbox(
            "Layers besides DevOps:",
            choices=[questionary.Choice(layer.title, value=layer.id) for layer in optional],
        ))
        layers += [str(layer_id) for layer_id in extra]
    return layers


def _title(catalog: Catalog, aspect_id: str, choice: Choice) -> str:
    aspect = catalog.aspect(aspect_id)
    ids = choice if isinstance(choice, tuple) else (choice,)
    return ", ".join(aspect.tool(tool_id).title for tool_id in ids)


def summary(catalog: Catalog, config: ProjectConfig) -> str:
    """The resolved choices, one per line, as the user confirms them."""
    rows = [
        ("Project name", config.name),
        ("Description", config.description or "(none)"),
        ("Layers", ", ".join(catalog.layer(layer).title for layer in config.layers)),
        *((catalog.aspect(a).title, _title(catalog, a, c)) for a, c in config.tools.items()),
    ]
    width = max(len(label) for label, _ in rows) + 1
    return "\n".join(f"  {label + ':':<{width}} {value}" for label, value in rows)


def run_wizard(catalog: Catalog, name: str, overrides: Overrides) -> ProjectConfig:
    """Ask for every choice, validate the answers exactly like a config file, and confirm."""
    name = str(_ask(questionary.text(
        "Project name:", default=name,
        validate=lambda value: _name_problem(catalog, value), validate_while_typing=False,
    )))
    description = str(_ask(questionary.text("Description:", default="")))
    layers = _ask_layers(catalog, overrides)
    picked: dict[str, Choice] = {}
    for aspect in catalog.aspects_for(tuple(layers)):
        picked[aspect.id] = _ask_aspect(catalog, picked, aspect)
    raw = {
        "name": name,
        "description": description,
        "layers": layers,
        "tools": {k: list(v) if isinstance(v, tuple) else v for k, v in picked.items()},
    }
    # --set still wins over the answers (precedence lives in resolve); the summary shows the result.
    config = resolve(catalog, raw, Overrides(sets=overrides.sets))
    print("\nThe project will be generated with:\n" + summary(catalog, config) + "\n")
    if not _ask(questionary.confirm("Generate it?", default=True)):
        raise OpsgenError(DECLINED)
    return config
