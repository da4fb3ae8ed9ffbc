"""The interactive wizard: the only module that imports questionary.

It asks the same questions config validation checks, from the same catalog; a choice that a
rule forbids, given earlier answers, is shown disabled with the rule's reason.
"""

from __future__ import annotations

from typing import Any

import questionary

from opsgen.catalog import BASE_LAYER, Aspect, Catalog
from opsgen.config import Choice, Overrides, ProjectConfig, chosen, resolve


def _disabled_reason(catalog: Catalog, picked: dict[str, Choice], aspect: Aspect, tool: str) -> str:
    """Why ``tool`` cannot be chosen for ``aspect`` given the answers so far ('' if it can)."""
    for rule in catalog.rules:
        for aspect_id, allowed in rule.requires:
            if aspect_id != aspect.id or tool in allowed:
                continue
            if all(chosen(picked, a, t) for a, t in rule.when):
                return rule.reason
    return ""


def _ask(question: Any) -> Any:
    answer = question.ask()
    if answer is None:  # Ctrl-C or Ctrl-D inside questionary
        raise KeyboardInterrupt
    return answer


def _ask_aspect(catalog: Catalog, picked: dict[str, Choice], aspect: Aspect) -> Choice:
    choices = []
    for tool in aspect.tools:
        reason = _disabled_reason(catalog, picked, aspect, tool.id)
        choices.append(
            questionary.Choice(
                title=tool.title, value=tool.id, disabled=reason or None,
                checked=aspect.multiple and tool.id in aspect.default,
            )
        )
    enabled = [c.value for c in choices if not c.disabled]
    if aspect.multiple:
        values = _ask(questionary.checkbox(f"{aspect.title}:", choices=choices))
        return tuple(values) or aspect.default
    default = str(aspect.default) if aspect.default in enabled else enabled[0]
    return str(_ask(questionary.select(f"{aspect.title}:", choices=choices, default=default)))


def run_wizard(catalog: Catalog, name: str, overrides: Overrides) -> ProjectConfig:
    """Ask for every choice, then validate the answers exactly like a config file."""
    name = str(_ask(questionary.text("Project name:", default=name)))
    description = str(_ask(questionary.text("Description:", default="")))
    optional = [layer for layer in catalog.layers if layer.id != BASE_LAYER and layer.ready]
    layers = [BASE_LAYER, *overrides.layers]
    if optional:
        extra = _ask(questionary.checkbox(
            "Layers besides DevOps:",
            choices=[questionary.Choice(layer.title, value=layer.id) for layer in optional],
        ))
        layers += list(extra)
    picked: dict[str, Choice] = {}
    for aspect in catalog.aspects_for(tuple(layers)):
        picked[aspect.id] = _ask_aspect(catalog, picked, aspect)
    raw = {
        "name": name,
        "description": description,
        "layers": layers,
        "tools": {k: list(v) if isinstance(v, tuple) else v for k, v in picked.items()},
    }
    return resolve(catalog, raw, Overrides(sets=overrides.sets))
