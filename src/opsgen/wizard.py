"""The interactive wizard: the only module that imports questionary.

It asks the same questions config validation checks, from the same catalog, in the catalog's
(the article's) order; a choice that a rule forbids, given the other answers, is shown disabled
with the rule's reason. Every answer goes through :func:`opsgen.config.resolve`, exactly like a
config file. Nothing is written until the user has seen the whole stack and the files it makes,
and chosen to generate it (or to save the answers as a config file instead).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import questionary

from opsgen.catalog import BASE_LAYER, Aspect, Catalog, Rule
from opsgen.config import (
    Choice,
    Overrides,
    ProjectConfig,
    broken_rule,
    chosen,
    description_problem,
    dump_config,
    preset_tools,
    resolve,
)
from opsgen.engine import check_destination, generate
from opsgen.errors import CatalogError, ConfigError, OpsgenError, UsageError

DECLINED = (
    "not generated: you chose to quit; nothing was written "
    "(to skip the questions: `opsgen config init`, then `opsgen new DEST --config opsgen.yaml`)"
)
MENU = "What next?"
GENERATE, CHANGE, SAVE, QUIT = "generate", "change", "save", "quit"
NAME, DESCRIPTION, LAYERS = "name", "description", "layers"


@dataclass(frozen=True)
class Generate:
    """The user confirmed: generate ``config`` at ``dest``."""

    config: ProjectConfig
    dest: Path


@dataclass(frozen=True)
class Saved:
    """The user saved the answers to ``path`` instead of generating."""

    config: ProjectConfig
    path: Path
    dest: Path


Outcome = Generate | Saved


def _ask(question: questionary.Question) -> Any:
    """Ask one question; Ctrl-C and Ctrl-D become KeyboardInterrupt, which the CLI reports."""
    try:
        # unsafe_ask lets Ctrl-C through instead of printing questionary's own message and
        # returning None, so the CLI's single "interrupted; nothing was written" line is all.
        return question.unsafe_ask()
    except EOFError:  # Ctrl-D on an empty text prompt
        raise KeyboardInterrupt from None


def _as_data(choice: Choice) -> str | list[str]:
    return list(choice) if isinstance(choice, tuple) else choice


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


def disabled_reason(catalog: Catalog, picked: dict[str, Choice], aspect: Aspect, tool: str) -> str:
    """Why ``tool`` cannot be chosen for ``aspect`` given the other answers ('' if it can).

    Both ways: a rule triggered by other answers may require another tool of this aspect, and
    choosing this tool may trigger a rule that another answer already breaks.
    """
    for rule in catalog.rules:
        if _requires_another(rule, picked, aspect, tool) or _breaks_another(
            rule, picked, aspect, tool
        ):
            return rule.reason
    return ""


def _requires_another(rule: Rule, picked: dict[str, Choice], aspect: Aspect, tool: str) -> bool:
    """``rule`` applies given the other answers (and ``tool``), and wants another tool here."""
    if aspect.multiple:
        return False  # ticked together (Kubernetes with Docker): the checkbox validates that
    allowed = dict(rule.requires).get(aspect.id)
    if allowed is None or tool in allowed:
        return False
    return all((a, t) == (aspect.id, tool) or chosen(picked, a, t) for a, t in rule.when)


def required_tools(catalog: Catalog, picked: dict[str, Choice], aspect: Aspect) -> tuple[str, ...]:
    """The tools of ``aspect`` that rules triggered by the other answers need (first allowed)."""
    needed: list[str] = []
    for rule in catalog.rules:
        allowed = dict(rule.requires).get(aspect.id)
        if allowed is None or any(a == aspect.id for a, _ in rule.when):
            continue
        if all(chosen(picked, a, t) for a, t in rule.when) and allowed[0] not in needed:
            needed.append(allowed[0])
    return tuple(needed)


def _breaks_another(rule: Rule, picked: dict[str, Choice], aspect: Aspect, tool: str) -> bool:
    """Choosing ``tool`` completes ``rule``'s condition, which an earlier answer then breaks."""
    if (aspect.id, tool) not in rule.when:
        return False
    if not all(chosen(picked, a, t) for a, t in rule.when if a != aspect.id):
        return False
    return any(
        aspect_id in picked and not any(chosen(picked, aspect_id, t) for t in allowed)
        for aspect_id, allowed in rule.requires
    )


def _title(catalog: Catalog, aspect_id: str, choice: Choice) -> str:
    aspect = catalog.aspect(aspect_id)
    ids = choice if isinstance(choice, tuple) else (choice,)
    return ", ".join(aspect.tool(tool_id).title for tool_id in ids)


def summary(catalog: Catalog, config: ProjectConfig) -> str:
    """The whole stack, one aligned line per answer, as the user reviews it."""
    rows = [
        ("Project name", config.name),
        ("Description", config.description or "(none)"),
        ("Layers", ", ".join(catalog.layer(layer).title for layer in config.layers)),
        *((catalog.aspect(a).title, _title(catalog, a, c)) for a, c in config.tools.items()),
    ]
    width = max(len(label) for label, _ in rows) + 1
    return "\n".join(f"  {label + ':':<{width}} {value}" for label, value in rows)


def in_columns(names: tuple[str, ...], width: int) -> str:
    """File names in as many aligned columns as fit ``width``, listed down each column."""
    if not names:
        return ""
    cell = max(len(name) for name in names) + 2
    columns = max(1, (width - 2) // cell)
    rows = -(-len(names) // columns)
    lines = []
    for row in range(rows):
        cells = [names[i] for i in range(row, len(names), rows)]
        lines.append("  " + "".join(f"{name:<{cell}}" for name in cells).rstrip())
    return "\n".join(lines)


def _description_problem(value: str) -> bool | str:
    """Validate a description as a config file's ``description`` is: True, or the reason."""
    problem = description_problem(value)
    return f"description: {problem}" if problem else True


class _Session:
    """The answers given so far, and the questions that change them."""

    def __init__(self, catalog: Catalog, dest: Path | None, overrides: Overrides) -> None:
        self.catalog = catalog
        self.given_dest = dest
        # --layer and --set preselect: their layers are not offered, their aspects not asked.
        self.forced_layers = (BASE_LAYER, *overrides.layers)
        self.preset = preset_tools(catalog, overrides.sets)
        self.name = dest.name if dest is not None else ""
        self.description = ""
        self.layers: tuple[str, ...] = ()
        self.picked: dict[str, Choice] = {}

    @property
    def dest(self) -> Path:
        return self.given_dest if self.given_dest is not None else Path.cwd() / self.name

    # -- the questions -------------------------------------------------------------------------

    def ask_name(self) -> None:
        self.name = str(_ask(questionary.text(
            "Project name:", default=self.name, validate=self._name_problem,
            instruction="(a-z, 0-9 and '-'; it names the package, the image and the folder)",
        )))

    def _name_problem(self, value: str) -> bool | str:
        """Validate a name as a config file's ``name`` is validated: True, or the reason."""
        try:
            resolve(self.catalog, {"name": value}, Overrides())
        except ConfigError as error:
            if error.key == "name":
                return str(error)
        if self.given_dest is None:  # the folder is named after the project
            try:
                check_destination(Path.cwd() / value)
            except UsageError:
                return (f"./{value} exists and is not an empty folder; choose another name, "
                        "or give the folder: `opsgen new DEST`")
        return True

    def ask_description(self) -> None:
        self.description = str(_ask(questionary.text(
            "Description:", default=self.description, instruction="(one line; optional)",
            validate=_description_problem,
        )))

    def ask_layers(self) -> None:
        optional = [
            layer for layer in self.catalog.layers
            if layer.ready and layer.id not in self.forced_layers
        ]
        base = self.catalog.layer(BASE_LAYER)
        forced = ", ".join(self.catalog.layer(layer).title for layer in self.forced_layers)
        print(f"{forced} (always included): {base.summary}")
        if not optional:
            self.layers = self._ordered(self.forced_layers)
            return
        current = set(self.layers) | self._preset_layers()
        extra = _ask(questionary.checkbox(
            f"Layers besides {forced}:",
            choices=[
                questionary.Choice(f"{layer.title}: {layer.summary}", value=layer.id,
                                   checked=layer.id in current)
                for layer in optional
            ],
            validate=self._layers_problem,
            instruction="(space toggles, enter confirms; none is fine)",
        ))
        self.layers = self._ordered((*self.forced_layers, *(str(layer) for layer in extra)))
        applicable = {a.id for a in self.catalog.aspects_for(self.layers)}
        self.picked = {k: v for k, v in self.picked.items() if k in applicable}

    def _preset_layers(self) -> set[str]:
        """Layers that a ``--set`` aspect needs and no forced layer provides: ticked already."""
        needed = set()
        for aspect_id in self.preset:
            layers = self.catalog.aspect(aspect_id).layers
            if not set(layers) & set(self.forced_layers):
                needed.add(layers[0])
        return needed

    def _layers_problem(self, values: list[str]) -> bool | str:
        layers = {*self.forced_layers, *values}
        for aspect_id in self.preset:
            aspect = self.catalog.aspect(aspect_id)
            if not set(aspect.layers) & layers:
                titles = " or ".join(self.catalog.layer(layer).title for layer in aspect.layers)
                return f"--set {aspect_id} needs the {titles} layer"
        return True

    def _ordered(self, layers: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(layer for layer in self.catalog.layer_ids if layer in layers)

    def aspects(self) -> tuple[Aspect, ...]:
        """The aspects of the chosen layers, in the catalog's order."""
        return self.catalog.aspects_for(self.layers)

    def ask_new_aspects(self) -> None:
        """Ask every aspect of the chosen layers not answered yet (or preset by ``--set``)."""
        ids = [a.id for a in self.aspects()]
        for aspect in self.aspects():
            if aspect.id in self.picked:
                continue
            counter = f"[{ids.index(aspect.id) + 1}/{len(ids)}]"
            if aspect.id in self.preset:  # not asked: say what it is and go on
                self.picked[aspect.id] = self.preset[aspect.id]
                title = _title(self.catalog, aspect.id, self.preset[aspect.id])
                print(f"{counter} {aspect.title}: {title} (from --set)")
            elif len(aspect.tools) == 1:
                self.picked[aspect.id] = aspect.default
                print(f"{counter} {aspect.title}: {aspect.tools[0].title} "
                      f"(the one choice: {aspect.summary})")
            else:
                self.picked[aspect.id] = self.ask_aspect(aspect, counter)

    def ask_aspect(self, aspect: Aspect, counter: str = "?", *, free: bool = False) -> Choice:
        """Ask one aspect; choices that break a rule with another answer are disabled.

        Unless ``free``: a change from the summary may break them; they are then asked again.
        """
        others = {} if free else self._others(aspect)
        current = self.picked.get(aspect.id, aspect.default)
        if aspect.multiple:  # tick what the other answers need, e.g. Kubernetes for Seldon
            needed = required_tools(self.catalog, others, aspect)
            current = tuple(dict.fromkeys((*current, *needed)))
        choices = []
        for tool in aspect.tools:
            reason = disabled_reason(self.catalog, others, aspect, tool.id)
            choices.append(questionary.Choice(
                title=tool.title, value=tool.id, disabled=reason or None,
                checked=aspect.multiple and not reason and tool.id in current,
            ))
        enabled = [str(choice.value) for choice in choices if not choice.disabled]
        if not enabled:
            raise CatalogError(f"catalog: rules leave no tool of {aspect.id} to choose")
        message = f"{aspect.title}:"
        if aspect.multiple:
            values = _ask(questionary.checkbox(
                message, choices=choices, qmark=counter,
                validate=_valid_selection(self.catalog, others, aspect),
                instruction=f"({aspect.summary}; space toggles)",
            ))
            return tuple(str(value) for value in values)
        default = str(current) if current in enabled else enabled[0]
        return str(_ask(questionary.select(
            message, choices=choices, default=default, qmark=counter,
            instruction=f"({aspect.summary})",
        )))

    def _others(self, aspect: Aspect) -> dict[str, Choice]:
        """Every answer but ``aspect``'s, with the ``--set`` ones of the chosen layers."""
        applicable = {a.id for a in self.aspects()}
        preset = {k: v for k, v in self.preset.items() if k in applicable}
        return {k: v for k, v in {**preset, **self.picked}.items() if k != aspect.id}

    # -- review ----------------------------------------------------------------------------------

    def config(self) -> ProjectConfig:
        raw = {
            "name": self.name,
            "description": self.description,
            "layers": list(self.layers),
            "tools": {k: _as_data(v) for k, v in self.picked.items()},
        }
        return resolve(self.catalog, raw, Overrides())

    def show(self, config: ProjectConfig) -> None:
        print(f"\nThe project, to be written to {self.dest}:\n{summary(self.catalog, config)}")
        print("Listing the files ...", end="\r", flush=True)
        files = generate(config, self.dest, dry_run=True).files
        width = shutil.get_terminal_size().columns
        print(f"Files ({len(files)}, the same as `--dry-run` lists):\n{in_columns(files, width)}\n")

    def menu(self) -> str:
        return str(_ask(questionary.select(MENU, choices=[
            questionary.Choice(f"Generate the project in {self.dest}", value=GENERATE),
            questionary.Choice("Change an answer", value=CHANGE),
            questionary.Choice("Save the answers to a config file (generates nothing)",
                               value=SAVE),
            questionary.Choice("Quit without writing anything", value=QUIT),
        ])))

    def change(self) -> None:
        """Ask again the one answer the user picks; then whatever a rule says must follow."""
        values = {NAME: self.name, DESCRIPTION: self.description or "(none)",
                  LAYERS: ", ".join(self.catalog.layer(layer).title for layer in self.layers)}
        choices = [questionary.Choice(f"{key.capitalize()}: {value}", value=key)
                   for key, value in values.items()]
        choices += [
            questionary.Choice(f"{a.title}: {_title(self.catalog, a.id, self.picked[a.id])}",
                               value=a.id)
            for a in self.aspects()
        ]
        which = str(_ask(questionary.select("Change which answer?", choices=choices)))
        if which == NAME:
            self.ask_name()
        elif which == DESCRIPTION:
            self.ask_description()
        elif which == LAYERS:
            self.ask_layers()
            self.ask_new_aspects()
        else:
            self.picked[which] = self.ask_aspect(self.catalog.aspect(which), free=True)
            self._follow_rules(which)

    def _follow_rules(self, changed: str) -> None:
        """Re-ask the aspects a changed answer's rules now forbid, until the answers agree."""
        while (rule := broken_rule(self.catalog, self.picked)) is not None:
            print(f"  {rule.reason}: choose again")
            involved = [a for a, _ in (*rule.requires, *rule.when) if a in self.picked]
            aspect_id = next((a for a in involved if a != changed), changed)
            self.picked[aspect_id] = self.ask_aspect(self.catalog.aspect(aspect_id))

    def save(self, config: ProjectConfig) -> Path:
        default = "opsgen.yaml" if not Path("opsgen.yaml").exists() else f"{config.name}.yaml"
        path = Path(str(_ask(questionary.text(
            "Save the answers to:", default=default, validate=_new_file_problem,
        ))))
        with path.open("x", encoding="utf-8") as file:  # never overwrite what the user wrote
            file.write(dump_config(config, path.name))
        return path


def _new_file_problem(value: str) -> bool | str:
    path = Path(value)
    if not value.strip():
        return "give a file name, such as opsgen.yaml"
    if path.exists():
        return f"{value}: exists already; opsgen does not overwrite it"
    if not path.parent.is_dir():
        return f"{path.parent}: no such folder"
    return True


def run_wizard(catalog: Catalog, dest: Path | None, overrides: Overrides) -> Outcome:
    """Ask for every choice, show the stack and its files, then generate, change, save or quit."""
    session = _Session(catalog, dest, overrides)
    session.ask_name()
    session.ask_description()
    session.ask_layers()
    session.ask_new_aspects()
    while True:
        config = session.config()
        session.show(config)
        action = session.menu()
        if action == GENERATE:
            return Generate(config, session.dest)
        if action == SAVE:
            return Saved(config, session.save(config), session.dest)
        if action == QUIT:
            raise OpsgenError(DECLINED)
        session.change()
