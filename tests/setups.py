"""Projects to generate in tests, derived from the catalog: a name and the flags of `opsgen new`,
with what the catalog's rules require along with a choice."""

from __future__ import annotations

from dataclasses import dataclass

from opsgen.catalog import BASE_LAYER, Catalog, default_catalog
from opsgen.config import NAME_MAX, Choice, Overrides, ProjectConfig, chosen, resolve
from opsgen.errors import ConfigError

CATALOG: Catalog = default_catalog()


@dataclass(frozen=True)
class Setup:
    """A project to generate: its name (the folder, hence the project name) and its flags."""

    name: str
    layers: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()

    @property
    def args(self) -> tuple[str, ...]:
        flags = [f for layer in self.layers for f in ("--layer", layer)]
        flags += [f for item in self.sets for f in ("--set", item)]
        return ("--defaults", *flags)

    @property
    def project_name(self) -> str:
        """The setup's name cut to the longest project name allowed: long names get tested."""
        return self.name[:NAME_MAX].rstrip("-")

    def config(self) -> ProjectConfig:
        overrides = Overrides(layers=self.layers, sets=self.sets)
        return resolve(CATALOG, {"name": self.project_name}, overrides)


DEFAULTS = Setup(name=f"{BASE_LAYER}-defaults")


def layers_for(aspect_layers: tuple[str, ...]) -> tuple[str, ...] | None:
    """The extra layers a project needs to offer an aspect, or None if no such layer is ready."""
    if BASE_LAYER in aspect_layers:
        return ()
    ready = [layer for layer in aspect_layers if CATALOG.layer(layer).ready]
    return (ready[0],) if ready else None


def valid(setup: Setup) -> bool:
    try:
        setup.config()
    except ConfigError:
        return False
    return True


def with_companion(setup: Setup) -> Setup:
    """The setup, or, if a rule rejects it next to the defaults, the same plus the first other
    ``--set`` (in catalog order) that a rule allows: ELK alone needs ``incident_management=none``."""
    if valid(setup):
        return setup
    chosen = {item.partition("=")[0] for item in setup.sets}
    for aspect in CATALOG.aspects:
        if aspect.id in chosen or not set(aspect.layers) & {BASE_LAYER, *setup.layers}:
            continue
        for tool in aspect.tools[1:]:
            extra = f"{aspect.id}={tool.id}"
            candidate = Setup(name=f"{setup.name}-{aspect.id}-{tool.id}".replace("_", "-"),
                              layers=setup.layers, sets=(*setup.sets, extra))
            if valid(candidate):
                return candidate
    return setup
def with_requirements(layers: tuple[str, ...], aspect_id: str, choice: Choice) -> tuple[str, ...]:
    """``--set`` flags choosing a tool, plus what the catalog's rules need along with it.

    A rule's requirement is met by adding the first allowed tool to a multi-choice aspect, or by
    choosing it for another single-choice aspect; the aspect under test is only ever added to.
    Where that is not enough, the flags are returned as they stand and the config is rejected.
    """
    defaults = dict(resolve(CATALOG, {"name": "x"}, Overrides(layers=layers)).tools)
    aspect = CATALOG.aspect(aspect_id)
    if aspect.multiple and not isinstance(choice, tuple):
        choice = (choice,)
    tools: dict[str, Choice] = {**defaults, aspect_id: choice}
    changed = True
    while changed:
        changed = False
        for rule in CATALOG.rules:
            if not all(chosen(tools, a, t) for a, t in rule.when):
                continue
            for required, allowed in rule.requires:
                if required not in tools or any(chosen(tools, required, t) for t in allowed):
                    continue
                current = tools[required]
                if isinstance(current, tuple):
                    tools[required] = (*current, allowed[0])
                elif required != aspect_id:
                    tools[required] = allowed[0]
                else:
                    continue
                changed = True
    return tuple(
        f"{a}={','.join(v) if isinstance(v, tuple) else v}"
        for a, v in tools.items() if a == aspect_id or v != defaults.get(a)
    )
