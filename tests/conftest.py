"""Shared test setup."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# === Session environment: validator tools on PATH, an isolated HOME ==============================
# .ci/run installs the validators under $OPSGEN_TOOLS (default ~/.cache/opsgen-tools, resolved
# with the real HOME before it is replaced) and links them into $OPSGEN_TOOLS/bin, which goes first
# on PATH. Every session then gets a HOME of its own, so opsgen's per-user template store
# (~/.local/share/opsgen), its dev-bundle cache and git's identity never touch the real ones.

_SAVED_ENV: dict[str, str | None] = {}
_SESSION_HOME: Path | None = None


def _set_env(name: str, value: str) -> None:
    _SAVED_ENV.setdefault(name, os.environ.get(name))
    os.environ[name] = value


def pytest_configure(config: pytest.Config) -> None:
    global _SESSION_HOME
    tools = Path(os.environ.get("OPSGEN_TOOLS") or Path.home() / ".cache" / "opsgen-tools")
    _set_env("OPSGEN_TOOLS", str(tools))
    tools_bin = tools / "bin"
    if tools_bin.is_dir():
        _set_env("PATH", os.pathsep.join([str(tools_bin), os.environ.get("PATH", "")]))

    # Subprocesses (`python -m opsgen`, the wizard in a pty) import this checkout's opsgen too,
    # whatever opsgen the interpreter has installed.
    source = str(Path(__file__).resolve().parents[1] / "src")
    _set_env("PYTHONPATH", os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])))

    # One folder for the whole run, shared by the xdist workers (which inherit the variable):
    # the validators' verdicts and the combination matrix's outcomes.
    if not hasattr(config, "workerinput"):
        shared = Path(tempfile.mkdtemp(prefix="opsgen-test-shared-"))
        _set_env("OPSGEN_TEST_SHARED", str(shared))
        # Every pytest of this run, this one and the generated projects' suites it starts, keeps
        # its numbered temporary folders here, not in the system's pytest-of-<user>: a pytest
        # deletes the older folders there when it exits, and a generated project's `make test`
        # that had to delete earlier runs' gigabytes of projects outlived its timeout in CI.
        (shared / "pytest-runs").mkdir()
        _set_env("PYTEST_DEBUG_TEMPROOT", str(shared / "pytest-runs"))

    _SESSION_HOME = Path(tempfile.mkdtemp(prefix="opsgen-test-home-"))
    _set_env("HOME", str(_SESSION_HOME))
    _set_env("XDG_CACHE_HOME", str(_SESSION_HOME / ".cache"))
    _set_env("XDG_CONFIG_HOME", str(_SESSION_HOME / ".config"))
    _set_env("XDG_DATA_HOME", str(_SESSION_HOME / ".local" / "share"))
    for role in ("AUTHOR", "COMMITTER"):
        _set_env(f"GIT_{role}_NAME", "opsgen tests")
        _set_env(f"GIT_{role}_EMAIL", "opsgen-tests@users.noreply.invalid")
    # copier runs git through plumbum, whose environment is a copy of os.environ taken when it is
    # first imported, not a view: import it now, so that copy is this session's environment and
    # never the one a test happened to monkeypatch when it first used copier in this process.
    import plumbum  # noqa: F401


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    """After the run (in the controller, where workers ran it): a line on the combination
    matrix, if it ran, and its report (docs/matrix.md) if OPSGEN_MATRIX_REPORT names one."""
    outcomes_dir = Path(os.environ["OPSGEN_TEST_SHARED"]) / "matrix"
    if hasattr(config, "workerinput") or not outcomes_dir.is_dir():
        return
    from combinations import load_outcomes, summary, write_report

    terminalreporter.write_line(summary(load_outcomes(outcomes_dir)))
    target = os.environ.get("OPSGEN_MATRIX_REPORT")
    if target and write_report(outcomes_dir, Path(target)):
        terminalreporter.write_line(f"wrote the combination matrix's report to {target}")


def pytest_unconfigure(config: pytest.Config) -> None:
    shared = os.environ.get("OPSGEN_TEST_SHARED")
    if shared and not hasattr(config, "workerinput"):
        shutil.rmtree(shared, ignore_errors=True)
    for name, value in _SAVED_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _SAVED_ENV.clear()
    if _SESSION_HOME is not None:
        shutil.rmtree(_SESSION_HOME, ignore_errors=True)


# === End of session environment ===================================================================


# === Parallel runs (pytest-xdist, `-n` in pyproject.toml's addopts) ===============================
# Tests of one group run in one worker, one after another. A test module is a group (its
# module-scoped fixtures are built once, and some of its tests build on earlier ones), except where
# its tests share nothing but a generated project: those are grouped by the project (the `setup`
# they are parametrized with, built once per worker by a session fixture), and the modules whose
# tests are each independent of the others are not grouped at all: the combination matrix's
# configurations, and the orchestrators' end-to-end runs (minutes each: in one worker, they were
# a third of CI's time).
#
# The groups are this file's own, not xdist's `--dist loadgroup`: that mode renames each test's
# node id to carry its group, which pytest 9.2 no longer lets it do, and it then silently spreads a
# module's tests over all workers. Here each worker writes the groups of the tests it collected
# (all workers collect the same tests) and the controller's scheduler reads them by node id.

UNGROUPED_MODULES = ("test_matrix.py", "test_orchestrators.py")


def _group(item: pytest.Item) -> str:
    if item.path.name in UNGROUPED_MODULES:
        return item.nodeid
    setup = getattr(getattr(item, "callspec", None), "params", {}).get("setup")
    if hasattr(setup, "name") and item.path.name == "test_validators.py":
        return f"setup:{setup.name}"
    return f"module:{item.nodeid.split('::')[0]}"


def _groups_file() -> Path:
    return Path(os.environ["OPSGEN_TEST_SHARED"]) / "xdist-groups.json"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return
    groups = json.dumps({item.nodeid: _group(item) for item in items})
    target = _groups_file()
    partial = target.with_name(f"{target.name}.{workerinput['workerid']}")
    partial.write_text(groups, encoding="utf-8")
    partial.replace(target)  # atomic: the controller never reads half a file


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Schedule whole groups (see above): xdist's load-by-scope, with this file's groups."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                # Read once, when the first worker's collection is in: every worker wrote the
                # same groups before reporting its collection.
                self.groups = json.loads(_groups_file().read_text(encoding="utf-8"))
            return self.groups.get(nodeid, nodeid.split("::")[0])

    return GroupScheduling(config, log)
