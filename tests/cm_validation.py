"""Builtin validators of configuration management: the Chef cookbook's ERB templates (through
ruby -c) and the Salt highstate rendered masterless by the real salt-call."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from toolrun import run as _run


def _erb_syntax(project_dir: Path, files: list[str]) -> None:
    """Compile each ERB template to Ruby (``erb -x``) and check that Ruby's syntax (``ruby -c``)."""
    for name in files:
        ruby = _run(project_dir, "erb_syntax", ["erb", "-P", "-x", "-T", "-", name])
        try:
            _run(project_dir, "erb_syntax", ["ruby", "-c"], stdin=ruby)
        except AssertionError as error:
            raise AssertionError(f"erb_syntax: {name}: {error}") from None


# Salt: `state.show_highstate` renders top.sls, every SLS it names and the pillar (Jinja, YAML,
# structure), but a misspelled state function or a requisite naming no state only fails when the
# states are applied. So the highstate Salt renders is also checked against the state functions
# this Salt offers and against itself.
SALT_REQUISITES = frozenset(
    f"{kind}{suffix}"
    for kind in ("require", "watch", "onchanges", "onfail", "prereq", "listen", "use")
    for suffix in ("", "_in", "_any")
)


def _salt_call(project_dir: Path, config_dir: Path, *args: str) -> Any:
    argv = ["salt-call", "--local", "-c", str(config_dir), "--retcode-passthrough",
            "--out", "json", "--log-level", "error", *args]
    return json.loads(_run(project_dir, "salt_states", argv))["local"]


def _salt_states_of(highstate: Mapping[str, Any]) -> Iterator[tuple[str, str, list[Any]]]:
    """``(state id, state module, arguments)`` for every state declaration of a highstate."""
    for state_id, body in highstate.items():
        for module, args in body.items():
            if not module.startswith("__"):
                yield state_id, module, args


def _salt_requisites(args: list[Any]) -> Iterator[tuple[str, str, str]]:
    """``(requisite, kind, target)`` for each requisite in a state's arguments."""
    for arg in args:
        if not isinstance(arg, dict):
            continue
        for key, targets in arg.items():
            if key not in SALT_REQUISITES:
                continue
            for target in targets if isinstance(targets, list) else [targets]:
                if isinstance(target, dict):
                    for kind, ref in target.items():
                        yield key, str(kind), str(ref)


def _salt_highstate_problems(highstate: Mapping[str, Any], functions: set[str]) -> list[str]:
    declared: set[tuple[str, str]] = set()
    for state_id, module, args in _salt_states_of(highstate):
        declared.add((module, state_id))
        declared.update((module, str(a["name"])) for a in args
                        if isinstance(a, dict) and "name" in a)
    sls_names = {str(body.get("__sls__")) for body in highstate.values()}
    problems = []
    for state_id, module, args in _salt_states_of(highstate):
        function = next((a for a in args if isinstance(a, str)), None)
        if f"{module}.{function}" not in functions:
            problems.append(f"{state_id}: {module}.{function} is not a Salt state function")
        for key, kind, ref in _salt_requisites(args):
            known = ("*" in ref or (kind == "sls" and ref in sls_names)
                     or (kind == "id" and ref in highstate) or (kind, ref) in declared)
            if not known:
                problems.append(f"{state_id}: {key} {kind}: {ref} names no state")
    return problems


def _salt_states(project_dir: Path, files: list[str]) -> None:
    """Render the highstate of each ``top.sls`` (its folder the file root, ``../pillar`` the
    pillar root) with a throwaway masterless minion config."""
    for name in files:
        states = (project_dir / name).parent.resolve()
        pillar = states.parent / "pillar"
        with tempfile.TemporaryDirectory(prefix="opsgen-salt-") as tmp:
            config_dir = Path(tmp)
            minion = {
                "id": "opsgen-validate",
                "file_client": "local",
                "root_dir": str(config_dir / "root"),
                "log_file": str(config_dir / "minion.log"),
                "file_roots": {"base": [str(states)]},
                "pillar_roots": {"base": [str(pillar)] if pillar.is_dir() else []},
            }
            (config_dir / "minion").write_text(json.dumps(minion), encoding="utf-8")
            highstate = _salt_call(project_dir, config_dir, "state.show_highstate")
            if not isinstance(highstate, dict) or not highstate:
                raise AssertionError(f"salt_states: {name}: the highstate is empty: {highstate!r}")
            functions = set(_salt_call(project_dir, config_dir, "sys.list_state_functions"))
        problems = _salt_highstate_problems(highstate, functions)
        if problems:
            raise AssertionError(f"salt_states: {name}:\n  " + "\n  ".join(problems))


CM_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "erb_syntax": _erb_syntax,
    "salt_states": _salt_states,
}
