"""The wizard, driven for real: `opsgen new DEST` in a pseudo-terminal, answered key by key.

Prompts, defaults and rules are read from the catalog, so a new aspect or tool is asked (and
covered) the day it is added.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest
import yaml
from clirun import child_env

from opsgen.catalog import BASE_LAYER, Aspect, default_catalog
from opsgen.config import Overrides, resolve
from opsgen.errors import ConfigError

pytestmark = pytest.mark.e2e

TIMEOUT = 30  # per prompt; the machine is slow
GENERATE_TIMEOUT = 120  # rendering and the first commit, after the last answer
ENTER, DOWN, SPACE, BACKSPACE = "\r", "\x1b[B", " ", "\x7f"
CTRL_C, CTRL_D = "\x03", "\x04"
CURSOR_POSITION_REQUEST, CURSOR_AT_TOP_LEFT = "\x1b[6n", "\x1b[1;1R"

CATALOG = default_catalog()
OPTIONAL_LAYERS = [layer for layer in CATALOG.layers if layer.ready and layer.id != BASE_LAYER]
# Nothing ticked at the layers question, so the base layer's aspects are asked.
ASPECTS = CATALOG.aspects_for((BASE_LAYER,))
RULED = {a for rule in CATALOG.rules for a, _ in (*rule.when, *rule.requires)}

# (prompt id, text on screen), in the order the wizard asks.
PROMPTS = [
    ("name", "Project name:"),
    ("description", "Description:"),
    *([("layers", "Layers besides DevOps:")] if OPTIONAL_LAYERS else []),
    *((aspect.id, f"{aspect.title}:") for aspect in ASPECTS),
    ("confirm", "Generate it?"),
]


class Wizard:
    """One `opsgen new DEST` in a pty, with everything it printed kept for assertions."""

    def __init__(self, child: pexpect.spawn, screen: io.StringIO) -> None:
        self.child = child
        self._screen = screen

    @property
    def screen(self) -> str:
        return self._screen.getvalue()

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
        ids = [prompt_id for prompt_id, _ in PROMPTS]
        start = ids.index(after) + 1 if after else 0
        for prompt_id, text in PROMPTS[start:]:
            self.expect(text)
            if prompt_id == until:
                return
            self.child.send((keys or {}).get(prompt_id, ENTER))

    def exit_code(self, timeout: int = GENERATE_TIMEOUT) -> int:
        self.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        assert "Traceback" not in self.screen, self.screen
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1)


@pytest.fixture
def wizard(tmp_path: Path) -> Iterator[Callable[[Path], Wizard]]:
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

    def start(dest: Path) -> Wizard:
        screen = io.StringIO()
        child = pexpect.spawn(
            sys.executable, ["-m", "opsgen", "new", str(dest)], cwd=str(tmp_path), env=env,
            dimensions=(40, 120), encoding="utf-8", codec_errors="replace", timeout=TIMEOUT,
        )
        child.logfile_read = screen
        children.append(child)
        return Wizard(child, screen)

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def answers(dest: Path) -> dict[str, object]:
    data = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def default_of(aspect: Aspect) -> object:
    return list(aspect.default) if isinstance(aspect.default, tuple) else aspect.default


def pick(aspect: Aspect, tool_id: str) -> str:
    """Keys that choose ``tool_id`` in a select prompt, whose pointer starts on the default."""
    return DOWN * aspect.tool_ids.index(tool_id) + ENTER


def test_accepting_every_default_generates_the_catalog_defaults(
    wizard: Callable[[Path], Wizard], tmp_path: Path
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


# Single-choice aspects no rule touches: their second tool is always selectable.
FREE_CHOICES = [a for a in ASPECTS if not a.multiple and len(a.tools) > 1 and a.id not in RULED]


@pytest.mark.skipif(not FREE_CHOICES, reason="no single-choice aspect with a second tool yet")
@pytest.mark.parametrize("aspect", FREE_CHOICES, ids=lambda a: a.id)
def test_a_non_default_tool_lands_in_the_answers_file(
    wizard: Callable[[Path], Wizard], tmp_path: Path, aspect: Aspect
) -> None:
    dest = tmp_path / "acme-pick"
    second = aspect.tool_ids[1]
    run = wizard(dest)
    run.answer({aspect.id: pick(aspect, second)})
    assert run.exit_code() == 0, run.screen
    got = answers(dest)
    assert got[aspect.id] == second
    others = [a for a in ASPECTS if a.id != aspect.id]
    assert {a.id: got.get(a.id) for a in others} == {a.id: default_of(a) for a in others}


def test_a_choice_a_rule_forbids_shows_its_reason_and_cannot_be_selected(
    wizard: Callable[[Path], Wizard], tmp_path: Path
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
    run.child.send(DOWN * len(iac.tools) + ENTER)
    run.answer(after=iac.id)
    assert run.exit_code() == 0, run.screen
    got = answers(dest)
    assert got[deploy.id] == "terraform"
    assert got[iac.id] in dict(rule.requires)[iac.id]


def test_a_rule_on_a_later_aspect_disables_its_choice_from_an_earlier_answer(
    wizard: Callable[[Path], Wizard], tmp_path: Path
) -> None:
    # GitHub Actions needs git, and version_control is asked before continuous_integration: after
    # Mercurial, GitHub Actions is disabled with its reason and the pointer starts on Jenkins.
    vcs, ci = CATALOG.aspect("version_control"), CATALOG.aspect("continuous_integration")
    (rule,) = [r for r in CATALOG.rules if r.when == ((ci.id, "github_actions"),)]
    dest = tmp_path / "acme-hg"
    run = wizard(dest)
    run.answer({vcs.id: pick(vcs, "mercurial")}, until=ci.id)
    run.expect(f"{ci.tool('github_actions').title} ({rule.reason})")
    run.child.send(ENTER)  # the pointer starts on the first choice left: Jenkins
    run.answer(after=ci.id)
    assert run.exit_code() == 0, run.screen
    got = answers(dest)
    assert (got[vcs.id], got[ci.id]) == ("mercurial", "jenkins")


def test_an_invalid_name_is_rejected_on_screen_and_asked_again(
    wizard: Callable[[Path], Wizard], tmp_path: Path
) -> None:
    dest = tmp_path / "acme-name"
    bad, good = "Not_A_Slug", "good-name"
    with pytest.raises(ConfigError) as rejected:
        resolve(CATALOG, {"name": bad}, Overrides())
    assert rejected.value.key == "name"
    run = wizard(dest)
    run.answer(until="name")
    run.child.send(BACKSPACE * len(dest.name) + bad + ENTER)
    run.expect(rejected.value.reason)
    run.child.send(BACKSPACE * len(bad) + good + ENTER)
    run.answer(after="name")
    assert run.exit_code() == 0, run.screen
    assert answers(dest)["name"] == good


CHECKBOX = next((a for a in ASPECTS if a.multiple), None)


@pytest.mark.skipif(CHECKBOX is None, reason="no multi-choice aspect yet")
def test_a_multi_choice_with_nothing_checked_is_refused(
    wizard: Callable[[Path], Wizard], tmp_path: Path
) -> None:
    assert CHECKBOX is not None
    dest = tmp_path / "acme-empty"
    run = wizard(dest)
    run.answer(until=CHECKBOX.id)
    # Space unticks the default, which the pointer starts on; Enter is then refused.
    run.child.send(SPACE + ENTER)
    run.expect("choose at least one of")
    run.child.send(SPACE + ENTER)
    run.answer(after=CHECKBOX.id)
    assert run.exit_code() == 0, run.screen
    assert answers(dest)[CHECKBOX.id] == default_of(CHECKBOX)


def test_declining_the_summary_writes_nothing(
    wizard: Callable[[Path], Wizard], tmp_path: Path
) -> None:
    dest = tmp_path / "acme-declined"
    run = wizard(dest)
    run.answer(until="confirm")
    assert "The project will be generated with:" in run.screen
    run.child.send("n")
    assert run.exit_code(timeout=TIMEOUT) == 1, run.screen
    assert "nothing was written" in run.screen
    assert not dest.exists()


INTERRUPTS = [
    pytest.param("name", CTRL_C, id="ctrl-c-at-text"),
    pytest.param("description", CTRL_D, id="ctrl-d-at-empty-text"),
    *([pytest.param(next(a.id for a in ASPECTS if not a.multiple), CTRL_C, id="ctrl-c-at-select")]
      if any(not a.multiple for a in ASPECTS) else []),
    *([pytest.param(CHECKBOX.id, CTRL_C, id="ctrl-c-at-checkbox")] if CHECKBOX else []),
    pytest.param("confirm", CTRL_C, id="ctrl-c-at-confirm"),
]


@pytest.mark.parametrize(("prompt", "key"), INTERRUPTS)
def test_interrupting_a_prompt_exits_and_writes_nothing(
    wizard: Callable[[Path], Wizard], tmp_path: Path, prompt: str, key: str
) -> None:
    dest = tmp_path / "acme-interrupted"
    run = wizard(dest)
    run.answer(until=prompt)
    run.child.send(key)
    assert run.exit_code(timeout=TIMEOUT) == 130, run.screen
    assert "interrupted; nothing was written" in run.screen
    assert not dest.exists()
