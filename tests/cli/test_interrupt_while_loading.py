"""Ctrl-C while Python is still loading code: an interrupt like any other (exit 130, one
line), not a traceback and not death by signal.

- Loading opsgen's CLI, before it watches for Ctrl-C. Once in CI, a Ctrl-C 0.1 s into a cold
  `opsgen new` landed in `import json` under opsgen.cli.
- Loading copier, inside code that dataclasses compiles and runs with ``exec``. CPython marks
  such a KeyboardInterrupt "unhandled" even once opsgen has caught it, and at exit kills its own
  process with SIGINT: in a local CI run, opsgen printed its line and then died with -SIGINT.

A ``sitecustomize`` module sends the process a real SIGINT at that moment, through both ways of
starting opsgen: ``python -m opsgen`` and the installed command."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from clirun import INTERRUPTED, as_terminal_job, child_env

SITECUSTOMIZE = '''\
import os
import signal
import sys


class CtrlCWhileLoading:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            {interrupt}
        return None


sys.meta_path.insert(0, CtrlCWhileLoading())
'''

WHILE = {
    "loading opsgen.cli": ("opsgen.cli", "os.kill(os.getpid(), signal.SIGINT)"),
    # as dataclasses runs the methods it writes: the signal's handler runs in the exec'd code
    "in exec'd code while copier loads": (
        "copier", 'exec("os.kill(os.getpid(), signal.SIGINT)\\nfor _ in range(9): pass")'),
}


def _commands() -> list[list[str]]:
    commands = [[sys.executable, "-m", "opsgen"]]
    script = Path(sysconfig.get_path("scripts")) / "opsgen"
    if script.exists():
        commands.append([str(script)])
    return commands


@pytest.mark.parametrize("moment", WHILE)
@pytest.mark.parametrize(
    "command", _commands(), ids=lambda c: "python -m opsgen" if "-m" in c else "opsgen"
)
def test_ctrl_c_while_loading_is_an_interrupt(
    tmp_path: Path, command: list[str], moment: str
) -> None:
    module, interrupt = WHILE[moment]
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        SITECUSTOMIZE.format(module=module, interrupt=interrupt), encoding="utf-8")
    env = child_env()
    env["PYTHONPATH"] = f"{hook}:{env['PYTHONPATH']}"
    dest = tmp_path / "svc"
    done = subprocess.run([*command, "new", str(dest), "--defaults"], env=env,
                          capture_output=True, text=True, timeout=120, check=False,
                          preexec_fn=as_terminal_job)
    assert (done.returncode, done.stderr) == (130, INTERRUPTED)
    assert not dest.exists()

