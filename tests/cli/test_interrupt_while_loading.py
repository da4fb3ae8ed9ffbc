"""Ctrl-C while Python is still loading opsgen, before the CLI watches for it: an interrupt
like any other (exit 130, one line), not a traceback. Once in CI, a Ctrl-C 0.1 s into a cold
`opsgen new` landed in `import json` under opsgen.cli.

A ``sitecustomize`` module sends the process a real SIGINT the moment ``opsgen.cli`` starts to
load, through both ways of starting opsgen: ``python -m opsgen`` and the installed command."""

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


class CtrlCWhileLoadingTheCli:
    def find_spec(self, name, path=None, target=None):
        if name == "opsgen.cli":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None


sys.meta_path.insert(0, CtrlCWhileLoadingTheCli())
'''


def _commands() -> list[list[str]]:
    commands = [[sys.executable, "-m", "opsgen"]]
    script = Path(sysconfig.get_path("scripts")) / "opsgen"
    if script.exists():
        commands.append([str(script)])
    return commands


@pytest.mark.parametrize(
    "command", _commands(), ids=lambda c: "python -m opsgen" if "-m" in c else "opsgen"
)
def test_ctrl_c_while_loading_is_an_interrupt(tmp_path: Path, command: list[str]) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = child_env()
    env["PYTHONPATH"] = f"{hook}:{env['PYTHONPATH']}"
    dest = tmp_path / "svc"
    done = subprocess.run([*command, "new", str(dest), "--defaults"], env=env,
                          capture_output=True, text=True, timeout=120, check=False,
                          preexec_fn=as_terminal_job)
    assert (done.returncode, done.stderr) == (130, INTERRUPTED)
    assert not dest.exists()

