"""The wizard, driven for real: `opsgen new [DEST]` in a pseudo-terminal, answered key by key.

Prompts, defaults and rules are read from the catalog, so a new aspect or tool is asked (and
covered) the day it is added.
"""

from __future__ import annotations

import io
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pytest
import yaml
from clirun import as_terminal_job, child_env, opsgen_process, snapshot

from opsgen.catalog import BASE_LAYER, Aspect, default_catalog
from opsgen.config import Choice, Overrides, resolve
from opsgen.errors import ConfigError
from opsgen.wizard import MENU, disabled_reason

pytestmark = pytest.mark.e2e

TIMEOUT = 30  # per prompt; the machine is slow
GENERATE_TIMEOUT = 120  # rendering and the first commit, after the last answer
ENTER, DOWN, UP, SPACE, BACKSPACE = "\r", "\x1b[B", "\x1b[A", " ", "\x7f"
CTRL_C, CTRL_D = "\x03", "\x04"
CURSOR_POSITION_REQUEST, CURSOR_AT_TOP_LEFT = "\x1b[6n", "\x1b[1;1R"
# The menu after the summary, in its order: the pointer starts on Generate.
GENERATE, CHANGE, SAVE, QUIT = ENTER, DOWN + ENTER, DOWN * 2 + ENTER, DOWN * 3 + ENTER

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

CATALOG = default_catalog()
OPTIONAL_LAYERS = [layer for layer in CATALOG.layers if layer.ready and layer.id != BASE_LAYER]
ALL_LAYERS = tuple(layer.id for layer in CATALOG.layers if layer.ready)
# Nothing ticked at the layers question, so the base layer's aspects are asked.
ASPECTS = CATALOG.aspects_for((BASE_LAYER,))
RULED = {a for rule in CATALOG.rules for a, _ in (*rule.when, *rule.requires)}


def asked(aspect: Aspect) -> bool:
    """An aspect with one tool is not asked: the wizard says what it is and goes on."""
    return len(aspect.tools) > 1


def prompts(layers: tuple[str, ...] = (BASE_LAYER,), layers_asked: bool = True) -> list[
    tuple[str, str]
]:
    """(prompt id, text on screen), in the order the wizard asks."""
    return [
        ("name", "Project name:"),
        ("description", "Description:"),
        *([("layers", "Layers besides DevOps:")] if OPTIONAL_LAYERS and layers_asked else []),
        *((a.id, f"{a.title}:") for a in CATALOG.aspects_for(layers) if asked(a)),
        ("menu", MENU),
    ]


class Wizard:
    """One `opsgen new` in a pty, with everything it printed kept for assertions."""

    def __init__(self, child: pexpect.spawn, screen: io.StringIO,
                 prompts: list[tuple[str, str]]) -> None:
        self.child = child
        self._screen = screen
        self.prompts = prompts

    @property
    def screen(self) -> str:
        return self._screen.getvalue()

    @property
    def plain(self) -> str:
        """The screen without terminal control sequences (colours, cursor moves)."""
        return ANSI.sub("", self.screen)

    def expect(self, text: str | type[pexpect.EOF], timeout: int = TIMEOUT) -> None:
        """Wait for ``text``, answering cursor position requests the way a terminal does.

        prompt_toolkit asks where the cursor is before each prompt; without an answer it waits,
        warns, and hides what needs the screen height, such as a checkbox's validation error.
        """
        deadline = time.monotonic() + timeout
        try:
            while self.child.expect_exact([CURSOR_POSITION_REQUEST, text],
                                          timeout=max(deadline - time.monotonic(), 0)) == 0:
                self.child.send(CURSOR_AT_TOP_LEFT)
        except (pexpect.TIMEOUT, pexpect.EOF):
            pytest.fail(f"{text!r} never appeared; the terminal showed:\n{self.screen[-3000:]}")

    def answer(self, keys: dict[str, str] | None = None, *, after: str | None = None,
               until: str | None = None) -> None:
        """Answer each prompt (Enter unless ``keys`` says otherwise), from after ``after``;
        stop once the ``until`` prompt is on screen, unanswered."""
        ids = [prompt_id for prompt_id, _ in self.prompts]
        start = ids.index(after) + 1 if after else 0
        for prompt_id, text in self.prompts[start:]:
            self.expect(text, timeout=GENERATE_TIMEOUT if prompt_id == "menu" else TIMEOUT)
            if prompt_id == until:
                return
            self.child.send((keys or {}).get(prompt_id, ENTER))

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def exit_code(self, timeout: int = GENERATE_TIMEOUT) -> int:
        self.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        assert "Traceback" not in self.screen, self.screen
        if self.child.exitstatus is None:  # killed by a signal: -N, as subprocess says
            return -int(self.child.signalstatus or 0) or -1
        return int(self.child.exitstatus)


Start = Callable[..., Wizard]


@pytest.fixture
def wizard(tmp_path: Path) -> Iterator[Start]:
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in {"COLUMNS", "LINES"} and not key.startswith("XDG_")}
    env.update(
        HOME=str(home), TERM="xterm-256color",
        GIT_AUTHOR_NAME="Wizard Test", GIT_AUTHOR_EMAIL="wizard@example.com",
        GIT_COMMITTER_NAME="Wizard Test", GIT_COMMITTER_EMAIL="wizard@example.com",
    )
    # The child must run the opsgen these tests import: key presses follow its catalog.
    env = child_env(env)
    children: list[pexpect.spawn] = []

    def start(*args: str | Path, cwd: Path = tmp_path,
              asks: list[tuple[str, str]] | None = None) -> Wizard:
        screen = io.StringIO()
        child = pexpect.spawn(
            sys.executable, ["-m", "opsgen", "new", *map(str, args)], cwd=str(cwd), env=env,
            dimensions=(40, 120), encoding="utf-8", codec_errors="replace", timeout=TIMEOUT,
            preexec_fn=as_terminal_job,
        )
        child.logfile_read = screen
        children.append(child)
        return Wizard(child, screen, asks if asks is not None else prompts())

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def answers(dest: Path) -> dict[str, object]:
    data = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def files(project: Path) -> dict[str, bytes]:
    """Every file of a project except its version control metadata (commit times differ)."""
    return {path: data for path, data in snapshot(project).items()
            if path.split("/")[0] not in {".git", ".hg"}}


def default_of(aspect: Aspect) -> object:
    return list(aspect.default) if isinstance(aspect.default, tuple) else aspect.default


def pick(aspect: Aspect, tool_id: str) -> str:
    """Keys that choose ``tool_id`` in a select prompt whose pointer starts on the default and
    which has no disabled choice in between."""
    return DOWN * aspect.tool_ids.index(tool_id) + ENTER


@dataclass
class Plan:
    """Keys that answer every aspect with a tool other than its default, where rules allow,
    and the choices the wizard must then record."""

    keys: dict[str, str] = field(default_factory=dict)
    expected: dict[str, Choice] = field(default_factory=dict)


def non_defaults(layers: tuple[str, ...]) -> Plan:
    """For a select: the next enabled choice after the one the pointer starts on (Down skips
    disabled choices). For a checkbox: the default and the next tool ticked."""
    plan = Plan()
    for aspect in CATALOG.aspects_for(layers):
        if not asked(aspect):
            plan.expected[aspect.id] = aspect.default
            continue
        enabled = [t for t in aspect.tool_ids
                   if not disabled_reason(CATALOG, plan.expected, aspect, t)]
        if aspect.multiple:
            plan.keys[aspect.id] = DOWN + SPACE + ENTER
            plan.expected[aspect.id] = (*aspect.default, aspect.tool_ids[1])
            continue
        start = aspect.default if aspect.default in enabled else enabled[0]
        position = enabled.index(start)
        if position + 1 < len(enabled):
            plan.keys[aspect.id] = DOWN + ENTER
            plan.expected[aspect.id] = enabled[position + 1]
        else:
            plan.expected[aspect.id] = start
    # The plan is a valid config: the wizard can only have recorded what resolve accepts.
    tools = {k: list(v) if isinstance(v, tuple) else v for k, v in plan.expected.items()}
    resolve(CATALOG, {"name": "x", "layers": list(layers), "tools": tools}, Overrides())
    return plan


def as_answer(choice: Choice) -> object:
    return list(choice) if isinstance(choice, tuple) else choice


def test_accepting_every_default_generates_the_catalog_defaults(
    wizard: Start, tmp_path: Path
) -> None:
    dest = tmp_path / "acme-wizard"
    run = wizard(dest)
    run.answer()
    assert run.exit_code() == 0, run.screen
    got = answers(dest)
    assert got["name"] == dest.name
    assert got["layers"] == [BASE_LAYER]
    assert {a.id: got.get(a.id) for a in ASPECTS} == {a.id: default_of(a) for a in ASPECTS}
    assert (dest / ".git").is_dir()
    # Before the menu: the stack and every file, as `--dry-run` lists them.
    dry = opsgen_process("new", tmp_path / "dry" / dest.name, "--defaults", "--dry-run")
    listed = [line.strip() for line in dry.out.splitlines() if line.startswith("  ")]
    assert f"Files ({len(listed)}, the same as `--dry-run` lists)" in run.screen
    assert all(name in run.screen for name in listed)
    # Generation shows each step, then what to type next.
    steps = ["render the DevOps layer", "git init", "first commit", f"move it into {dest.name}"]
    positions = [run.screen.index(f"... {step}") for step in steps]
    assert positions == sorted(positions)
    assert f"Wrote {len(listed)} files in {dest}" in run.screen
    assert f"cd {dest.name}" in run.screen and "make run" in run.screen


def test_each_question_explains_its_aspect_and_counts_progress(
    wizard: Start, tmp_path: Path
) -> None:
    run = wizard(tmp_path / "acme-explained")
    run.answer(until="menu")
    total = len(ASPECTS)
    for index, aspect in enumerate(ASPECTS, start=1):
        assert f"[{index}/{total}] {aspect.title}:" in run.plain
        assert aspect.summary in run.plain
    for layer in OPTIONAL_LAYERS:
        assert f"{layer.title}: {layer.summary}" in run.plain
    run.send(CTRL_C)
    assert run.exit_code(timeout=TIMEOUT) == 130


def test_non_default_tools_in_every_layer(wizard: Start, tmp_path: Path) -> None:
    plan = non_defaults(ALL_LAYERS)
    for layer in OPTIONAL_LAYERS:  # each layer gets tools other than its defaults
        own = [a for a in CATALOG.aspects if a.layers == (layer.id,) and asked(a)]
        assert any(plan.expected[a.id] != a.default for a in own), layer.id
    dest = tmp_path / "acme-everything"
    run = wizard(dest, asks=prompts(ALL_LAYERS))
    # Every optional layer ticked: Down then Space on each, from the first.
    ticks = (SPACE + DOWN) * len(OPTIONAL_LAYERS) + ENTER
    run.answer({"layers": ticks, **plan.keys})
    assert run.exit_code() == 0, run.screen
    got = answers(dest)
    assert got["layers"] == list(ALL_LAYERS)
    assert {a: got.get(a) for a in plan.expected} == {
        a: as_answer(c) for a, c in plan.expected.items()
    }
    for layer in OPTIONAL_LAYERS:
        assert (dest / f".copier-answers.{layer.id}.yml").is_file()


def test_saved_answers_reproduce_the_project_byte_for_byte(
    wizard: Start, tmp_path: Path
) -> None:
    plan = non_defaults(ALL_LAYERS)
    keys = {"layers": (SPACE + DOWN) * len(OPTIONAL_LAYERS) + ENTER, **plan.keys}
    generated = tmp_path / "one" / "acme-saved"
    generated.parent.mkdir()
    run = wizard(generated, asks=prompts(ALL_LAYERS))
    run.answer(keys)
    assert run.exit_code() == 0, run.screen

    work = tmp_path / "two"
    work.mkdir()
    run = wizard("acme-saved", cwd=work, asks=prompts(ALL_LAYERS))
    run.answer({**keys, "menu": SAVE})
    run.expect("Save the answers to:")
    run.send(ENTER)  # the default: opsgen.yaml in the current folder
    assert run.exit_code(timeout=TIMEOUT) == 0, run.screen
    assert "opsgen new acme-saved --config opsgen.yaml" in run.screen
    assert sorted(p.name for p in work.iterdir()) == ["opsgen.yaml"]  # nothing generated

    again = tmp_path / "three" / "acme-saved"
    made = opsgen_process("new", again, "--config", work / "opsgen.yaml", cwd=work)
    assert made.code == 0, made.err
    assert files(again) == files(generated)


def test_saving_never_overwrites_a_file(wizard: Start, tmp_path: Path) -> None:
    existing = tmp_path / "opsgen.yaml"
    existing.write_text("mine\n", encoding="utf-8")
    run = wizard(tmp_path / "acme-keep")
    run.answer({"menu": SAVE})
    run.expect("Save the answers to:")
    run.send(BACKSPACE * 40 + "opsgen.yaml" + ENTER)
    run.expect("exists already; opsgen does not overwrite it")
    run.send(BACKSPACE * 40 + "mine.yaml" + ENTER)
    assert run.exit_code(timeout=TIMEOUT) == 0, run.screen
    assert existing.read_text(encoding="utf-8") == "mine\n"
    saved = yaml.safe_load((tmp_path / "mine.yaml").read_text(encoding="utf-8"))
    assert saved["name"] == "acme-keep"
    assert not (tmp_path / "acme-keep").exists()


CHECKBOX = next((a for a in ASPECTS if a.multiple), None)


@pytest.mark.skipif(CHECKBOX is None, reason="no multi-choice aspect yet")
def test_a_multi_choice_takes_several_tools(wizard: Start, tmp_path: Path) -> None:
    assert CHECKBOX is not None
    both = (*CHECKBOX.default, CHECKBOX.tool_ids[1])
    resolve(CATALOG, {"name": "x", "tools": {CHECKBOX.id: list(both)}}, Overrides())
    dest = tmp_path / "acme-several"
    run = wizard(dest)
    run.answer({CHECKBOX.id: DOWN + SPACE + ENTER})
    assert run.exit_code() == 0, run.screen
    assert answers(dest)[CHECKBOX.id] == list(both)


@pytest.mark.skipif(CHECKBOX is None, reason="no multi-choice aspect yet")
def test_a_multi_choice_with_nothing_checked_is_refused(wizard: Start, tmp_path: Path) -> None:
    assert CHECKBOX is not None
    dest = tmp_path / "acme-empty"
    run = wizard(dest)
    run.answer(until=CHECKBOX.id)
    # Space unticks the default, which the pointer starts on; Enter is then refused.
    run.send(SPACE + ENTER)
    run.expect("choose at least one of")
    run.send(SPACE + ENTER)
    run.answer(after=CHECKBOX.id)
    assert run.exit_code() == 0, run.screen
    assert answers(dest)[CHECKBOX.id] == default_of(CHECKBOX)


def test_a_choice_a_rule_forbids_shows_its_reason_and_cannot_be_selected(
    wizard: Start, tmp_path: Path
) -> None:
    # The rule under test: deploying with Terraform needs Terraform infrastructure code, and
    # continuous_deployment is asked before infrastructure_as_code.
    deploy, iac = CATALOG.aspect("continuous_deployment"), CATALOG.aspect("infrastructure_as_code")
    (rule,) = [r for r in CATALOG.rules if r.when == (("continuous_deployment", "terraform"),)]
    assert "none" in iac.tool_ids and "none" not in dict(rule.requires)[iac.id]
    dest = tmp_path / "acme-rule"
    run = wizard(dest)
    run.answer({deploy.id: pick(deploy, "terraform")}, until=iac.id)
    run.expect(f"{iac.tool('none').title} ({rule.reason})")
    # Moving down through every choice skips the disabled one; Enter takes what is pointed at.
    run.send(DOWN * len(iac.tools) + ENTER)
    run.answer(after=iac.id)
    assert run.exit_code() == 0, run.screen
    got = answers(dest)
    assert got[deploy.id] == "terraform"
    assert got[iac.id] in dict(rule.requires)[iac.id]


def test_a_rule_on_a_later_aspect_disables_its_choice_from_an_earlier_answer(
    wizard: Start, tmp_path: Path
) -> None:
    # GitHub Actions needs git, and version_control is asked before continuous_integration: after
    # Mercurial, GitHub Actions is disabled with its reason and the pointer starts on Jenkins.
    vcs, ci = CATALOG.aspect("version_control"), CATALOG.aspect("continuous_integration")
    (rule,) = [r for r in CATALOG.rules if r.when == ((ci.id, "github_actions"),)]
    dest = tmp_path / "acme-hg"
    run = wizard(dest)
    run.answer({vcs.id: pick(vcs, "mercurial")}, until=ci.id)
    run.expect(f"{ci.tool('github_actions').title} ({rule.reason})")
    run.send(ENTER)  # the pointer starts on the first choice left: Jenkins
    run.answer(after=ci.id)
    assert run.exit_code() == 0, run.screen
    got = answers(dest)
    assert (got[vcs.id], got[ci.id]) == ("mercurial", "jenkins")


def change(run: Wizard, aspect: Aspect) -> None:
    """From the menu, pick "Change an answer", then the aspect (after name, description,
    layers in the list)."""
    run.send(CHANGE)
    run.expect("Change which answer?")
    ids = [a.id for a in CATALOG.aspects_for((BASE_LAYER,))]
    run.send(DOWN * (3 + ids.index(aspect.id)) + ENTER)
    run.expect(f"({aspect.summary})")  # the question itself, not its line in that list


def test_going_back_from_the_summary_changes_an_answer(wizard: Start, tmp_path: Path) -> None:
    ci = CATALOG.aspect("continuous_integration")
    dest = tmp_path / "acme-back"
    run = wizard(dest)
    run.answer(until="menu")
    change(run, ci)
    run.send(pick(ci, "gitlab_ci"))
    run.expect(f"{ci.title}:")  # the summary again, with the new answer
    run.expect(MENU)
    summary = run.plain.rsplit("The project, to be written to", 1)[1]
    assert re.search(rf"{ci.title}:\s+{re.escape(ci.tool('gitlab_ci').title)}\r?\n", summary)
    assert ".gitlab-ci.yml" in summary.rsplit("Files (", 1)[1]
    run.send(GENERATE)
    assert run.exit_code() == 0, run.screen
    assert answers(dest)[ci.id] == "gitlab_ci"
    assert (dest / ".gitlab-ci.yml").is_file()


def test_a_change_that_breaks_a_rule_asks_again_what_must_follow(
    wizard: Start, tmp_path: Path
) -> None:
    # Deploying with CloudFormation needs CloudFormation code; the infrastructure answer
    # (Terraform, the default) no longer fits, so it is asked again with only CloudFormation left.
    deploy, iac = CATALOG.aspect("continuous_deployment"), CATALOG.aspect("infrastructure_as_code")
    (rule,) = [r for r in CATALOG.rules if r.when == ((deploy.id, "cloudformation"),)]
    dest = tmp_path / "acme-follow"
    run = wizard(dest)
    run.answer(until="menu")
    change(run, deploy)
    run.send(pick(deploy, "cloudformation"))
    run.expect(f"{rule.reason}: choose again")
    run.expect(f"{iac.title}:")
    run.expect(f"{iac.tool('terraform').title} ({rule.reason})")
    run.send(ENTER)  # the pointer starts on the one choice left
    run.expect(MENU)
    run.send(GENERATE)
    assert run.exit_code() == 0, run.screen
    got = answers(dest)
    assert (got[deploy.id], got[iac.id]) == ("cloudformation", "cloudformation")


def test_flags_preselect_and_their_questions_are_not_asked(wizard: Start, tmp_path: Path) -> None:
    ci = CATALOG.aspect("continuous_integration")
    dest = tmp_path / "acme-flags"
    asks = [(k, text) for k, text in prompts() if k != ci.id]
    run = wizard(dest, "--set", f"{ci.id}=gitlab_ci", asks=asks)
    run.answer()
    assert run.exit_code() == 0, run.screen
    assert f"({ci.summary})" not in run.plain
    assert f"{ci.title}: {ci.tool('gitlab_ci').title} (from --set)" in run.plain
    assert answers(dest)[ci.id] == "gitlab_ci"


@pytest.mark.skipif(not OPTIONAL_LAYERS, reason="no optional layer yet")
def test_a_set_for_another_layer_ticks_that_layer(wizard: Start, tmp_path: Path) -> None:
    layer = OPTIONAL_LAYERS[0]
    aspect = next(a for a in CATALOG.aspects if a.layers[0] == layer.id and len(a.tools) > 1)
    layers = (BASE_LAYER, layer.id)
    asks = [(k, text) for k, text in prompts(layers) if k != aspect.id]
    dest = tmp_path / "acme-layer"
    run = wizard(dest, "--set", f"{aspect.id}={aspect.tool_ids[1]}", asks=asks)
    run.answer()  # Enter at the layers question keeps the ticked layer
    assert run.exit_code() == 0, run.screen
    got = answers(dest)
    assert got["layers"] == list(layers)
    assert got[aspect.id] == as_answer(
        (aspect.tool_ids[1],) if aspect.multiple else aspect.tool_ids[1]
    )


def test_an_invalid_name_is_rejected_on_screen_and_asked_again(
    wizard: Start, tmp_path: Path
) -> None:
    dest = tmp_path / "acme-name"
    bad, good = "Not_A_Slug", "good-name"
    with pytest.raises(ConfigError) as rejected:
        resolve(CATALOG, {"name": bad}, Overrides())
    assert rejected.value.key == "name"
    run = wizard(dest)
    run.answer(until="name")
    run.send(BACKSPACE * len(dest.name) + bad + ENTER)
    run.expect(rejected.value.reason)
    run.send(BACKSPACE * len(bad) + good + ENTER)
    run.answer(after="name")
    assert run.exit_code() == 0, run.screen
    assert answers(dest)["name"] == good


def test_without_dest_the_folder_is_named_after_the_project(
    wizard: Start, tmp_path: Path
) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine\n", encoding="utf-8")
    run = wizard()
    run.answer(until="name")
    run.send("taken" + ENTER)
    run.expect("./taken exists and is not an empty folder")
    run.send(BACKSPACE * 5 + "fresh-name" + ENTER)
    run.answer(after="name")
    assert run.exit_code() == 0, run.screen
    assert answers(tmp_path / "fresh-name")["name"] == "fresh-name"
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]


def test_quitting_at_the_menu_writes_nothing(wizard: Start, tmp_path: Path) -> None:
    dest = tmp_path / "acme-declined"
    run = wizard(dest)
    run.answer({"menu": QUIT})
    assert run.exit_code(timeout=TIMEOUT) == 1, run.screen
    assert "nothing was written" in run.screen
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


INTERRUPTS = [
    pytest.param("name", CTRL_C, id="ctrl-c-at-text"),
    pytest.param("description", CTRL_D, id="ctrl-d-at-empty-text"),
    *([pytest.param(next(a.id for a in ASPECTS if not a.multiple), CTRL_C, id="ctrl-c-at-select")]
      if any(not a.multiple for a in ASPECTS) else []),
    *([pytest.param(CHECKBOX.id, CTRL_C, id="ctrl-c-at-checkbox")] if CHECKBOX else []),
    pytest.param("menu", CTRL_C, id="ctrl-c-at-the-menu"),
]


@pytest.mark.parametrize(("prompt", "key"), INTERRUPTS)
def test_interrupting_a_prompt_exits_and_writes_nothing(
    wizard: Start, tmp_path: Path, prompt: str, key: str
) -> None:
    dest = tmp_path / "acme-interrupted"
    run = wizard(dest)
    run.answer(until=prompt)
    run.send(key)
    assert run.exit_code(timeout=TIMEOUT) == 130, run.screen
    assert "interrupted; nothing was written" in run.screen
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, 0.6, 1.0])
def test_interrupting_the_generation_leaves_nothing_behind(
    wizard: Start, tmp_path: Path, delay: float
) -> None:
    """Ctrl-C at moments of the render: opsgen's own code, copier's, or a git process it runs;
    whichever error the interrupt makes them raise, it reads as the interrupt."""
    dest = tmp_path / "acme-cut"
    run = wizard(dest)
    run.answer(until="menu")
    run.send(GENERATE)
    run.expect("... render the DevOps layer")
    time.sleep(delay)
    run.send(CTRL_C)
    code = run.exit_code(timeout=TIMEOUT)
    if "Wrote" in run.plain:  # it had finished: exited, or was exiting when SIGINT killed it
        assert code in (0, -signal.SIGINT)
        assert (dest / ".copier-answers.yml").is_file()
        return
    assert code == 130, run.screen
    assert "opsgen: interrupted; nothing was written" in run.plain
    # Neither the project nor the staging folder it was being rendered in is left.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
