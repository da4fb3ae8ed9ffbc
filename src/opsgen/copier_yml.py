"""Derive the root ``copier.yml`` from the catalog, so copier asks exactly what opsgen knows.

``python -m opsgen.copier_yml > copier.yml`` regenerates it; a test fails when they disagree.
"""

from __future__ import annotations

from typing import Any

import yaml

from opsgen.catalog import BASE_LAYER, Aspect, Catalog, default_catalog
from opsgen.config import NAME_PATTERN

HEADER = """\
# Generated from src/opsgen/catalog.yaml by `python -m opsgen.copier_yml > copier.yml`.
# Do not edit by hand: a test fails when this file and the catalog disagree.
"""

SETTINGS: dict[str, Any] = {
    "_min_copier_version": "9.4.0",
    "_subdirectory": "templates/{{ layer }}",
    "_templates_suffix": ".jinja",
    "_answers_file": ".copier-answers.yml",
}


def _when_layers(aspect: Aspect) -> bool | str:
    if BASE_LAYER in aspect.layers:
        return True
    tests = " or ".join(f"'{layer}' in layers" for layer in aspect.layers)
    return "{{ " + tests + " }}"


def _aspect_question(aspect: Aspect) -> dict[str, Any]:
    question: dict[str, Any] = {
        "type": "str",
        "help": f"{aspect.title}: {aspect.summary}",
        "choices": {tool.title: tool.id for tool in aspect.tools},
        "default": list(aspect.default) if aspect.multiple else aspect.default,
    }
    if aspect.multiple:
        question["multiselect"] = True
    when = _when_layers(aspect)
    if when is not True:
        question["when"] = when
    return question


def questions(catalog: Catalog) -> dict[str, Any]:
    """The copier questions: project facts, then one question per aspect."""
    pattern = NAME_PATTERN.pattern
    result: dict[str, Any] = {
        "layer": {
            "type": "str",
            "help": "Layer being rendered (set by opsgen)",
            "choices": list(catalog.layer_ids),
            "default": BASE_LAYER,
        },
        "name": {
            "type": "str",
            "help": "Project name (a slug: lowercase letters, digits, '-')",
            "validator": (
                "{% if not (name | regex_search('" + pattern + "')) %}"
                "name must be a slug: lowercase letters, digits and '-'{% endif %}"
            ),
        },
        "description": {"type": "str", "help": "One-line description", "default": ""},
        "layers": {
            "type": "str",
            "help": "Layers of the project",
            "multiselect": True,
            "choices": list(catalog.layer_ids),
            "default": [BASE_LAYER],
        },
    }
    for aspect in catalog.aspects:
        result[aspect.id] = _aspect_question(aspect)
    result["package"] = {
        "type": "str",
        "default": "{{ name | replace('-', '_') }}",
        "when": False,
    }
    return result


def render(catalog: Catalog) -> str:
    """The text of copier.yml."""
    body = yaml.safe_dump(SETTINGS, sort_keys=False, allow_unicode=True)
    body += "\n" + yaml.safe_dump(questions(catalog), sort_keys=False, allow_unicode=True)
    return HEADER + "\n" + body


if __name__ == "__main__":
    print(render(default_catalog()), end="")
