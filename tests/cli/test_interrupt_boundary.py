"""Ctrl-C at the CLI's boundary: whatever error the interrupt makes a library or a killed child
raise on its way up, it reads as the interrupt (exit 130, one line). A real SIGINT is sent to
this process; only the command it interrupts is a stand-in, doing what copier did once in CI:
turning the KeyboardInterrupt into an EBADF OSError, which opsgen wraps as a render failure."""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Callable

import pytest
from clirun import INTERRUPTED, opsgen

import opsgen.cli as cli
from opsgen.entry import run
from opsgen.errors import GenerationError
from opsgen.interrupts import hold, watch_again

pytestmark = pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
    reason="SIGINT is not Python's default handler in this test process",
)

def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    signal.sigtimedwait([], 0.05)  # lets the handler run: signals are handled between bytecodes


def _renders_into_a_closed_descriptor(args: argparse.Namespace) -> int:
    try:
        _ctrl_c()
    except KeyboardInterrupt:
        error = OSError(9, "Bad file descriptor")
        raise GenerationError(f"rendering layer devops failed: {error}") from error
    return 0


def _after_prompts(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as prompt_toolkit leaves it
    watch_again()
    return _renders_into_a_closed_descriptor(args)


def _lands_then_is_interrupted(args: argparse.Namespace) -> int:
    hold()
    _ctrl_c()
    print("wrote the project")
    return 0


@pytest.mark.parametrize("command", [_renders_into_a_closed_descriptor, _after_prompts],
                         ids=["during-generation", "after-the-wizards-prompts"])
def test_an_error_the_interrupt_caused_reads_as_the_interrupt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    command: Callable[[argparse.Namespace], int],
) -> None:
    monkeypatch.setitem(cli.COMMANDS, "catalog", command)
    run = opsgen(capsys, "catalog")
    assert (run.code, run.err) == (130, INTERRUPTED)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_same_error_without_an_interrupt_is_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(args: argparse.Namespace) -> int:
        raise GenerationError("rendering layer devops failed: [Errno 9] Bad file descriptor")

    monkeypatch.setitem(cli.COMMANDS, "catalog", fails)
    run = opsgen(capsys, "catalog")
    assert (run.code, run.err) == (
        1, "opsgen: error: rendering layer devops failed: [Errno 9] Bad file descriptor\n")


def test_once_the_result_is_in_place_ctrl_c_does_not_undo_its_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(cli.COMMANDS, "catalog", _lands_then_is_interrupted)
    run = opsgen(capsys, "catalog")
    assert (run.code, run.out, run.err) == (0, "wrote the project\n", "")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_opsgen_process_remembers_a_late_ctrl_c_until_it_exits(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process entry point watches until the process ends: a Ctrl-C after the command put
    its result in place, as Python winds down, neither raises (a traceback, under the default
    handler) nor turns the finished command into "interrupted; nothing was written"."""
    def lands(args: argparse.Namespace) -> int:
        hold()
        print("wrote the project")
        return 0

    monkeypatch.setitem(cli.COMMANDS, "catalog", lands)
    try:
        assert run(["catalog"]) == 0
        _ctrl_c()  # after the command returned, before the process is gone
    except KeyboardInterrupt:
        pytest.fail("a Ctrl-C after the command finished raised KeyboardInterrupt")
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    assert capsys.readouterr() == ("wrote the project\n", "")
