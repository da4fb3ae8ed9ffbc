"""Benchmark opsgen against plain copier, each command timed as a separate process.

Usage::

    python benchmarks/bench.py [--runs N] [--output docs/benchmarks.md]

Every command runs with a throwaway HOME (and XDG folders inside it), so the user's template
store, copier settings and git config are neither read nor touched. A warm-up seeds the store
with one ``opsgen new``, checks that ``copier copy`` of the same bundle, ref and answers writes
exactly the same files, and runs every command once untimed. Timed runs are interleaved (one run
of each command per round), so drift on the machine spreads over all of them.

The console scripts are taken from the running interpreter's scripts folder when they are
there, so wrappers such as pyenv shims (tens of milliseconds of shell per call) are not timed.

Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

STORE = "~/.local/share/opsgen/templates.bundle"  # the path opsgen records, in ~/ form
PROJECT = "bench-app"  # the basename of every destination, so opsgen derives the same name
NEW_RATIO_TARGET = 1.2
STARTUP_TARGET = 0.15  # seconds
START_MARK = "<!-- bench:start -->"
END_MARK = "<!-- bench:end -->"
GIT_CONFIG = """[user]
\tname = opsgen bench
\temail = bench@users.noreply.invalid
[init]
\tdefaultBranch = main
[commit]
\tgpgsign = false
"""

Run = Callable[[Path], None]


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of every timed run of one command."""

    label: str
    command: str
    seconds: tuple[float, ...]
    cpu: tuple[float, ...]  # user + system seconds of the whole process tree

    @property
    def minimum(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def maximum(self) -> float:
        return max(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


@dataclass(frozen=True)
class Check:
    """One target: what is compared, the measured value, the limit, and whether it holds."""

    name: str
    value: str
    limit: str
    passed: bool | None  # None: shown for information, not a target


class Bench:
    """The isolated environment and the commands to time in it."""

    def __init__(self, home: Path, opsgen: str, copier: str) -> None:
        self.home = home
        self.opsgen = opsgen
        self.copier = copier
        self.env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "GIT_CONFIG_NOSYSTEM": "1",
            # Byte-code caches as an installed package has them, kept inside the temporary HOME.
            "PYTHONPYCACHEPREFIX": str(home / ".pycache"),
        }
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        (home / ".gitconfig").write_text(GIT_CONFIG, encoding="utf-8")
        self.ref = ""

    def run(self, *argv: str, cwd: Path | None = None) -> str:
        result = subprocess.run(
            argv,
            cwd=cwd or self.home,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip()
            raise SystemExit(f"bench: `{' '.join(argv)}` exited {result.returncode}:\n{detail}")
        return result.stdout

    def dest(self, scratch: Path) -> Path:
        return scratch / PROJECT

    def opsgen_help(self, scratch: Path) -> None:
        self.run(self.opsgen, "--help", cwd=scratch)

    def opsgen_catalog(self, scratch: Path) -> None:
        self.run(self.opsgen, "catalog", cwd=scratch)

    def opsgen_new(self, scratch: Path) -> None:
        self.run(self.opsgen, "new", str(self.dest(scratch)), "--defaults", cwd=scratch)

    def copier_copy(self, scratch: Path) -> None:
        self.run(self.copier, "copy", "--defaults", "--quiet", "--vcs-ref", self.ref,
                 "-d", "layer=devops", "-d", f"name={PROJECT}", STORE, str(self.dest(scratch)),
                 cwd=scratch)

    def copier_copy_git(self, scratch: Path) -> None:
        self.copier_copy(scratch)
        dest = self.dest(scratch)
        self.run("git", "init", "-q", "-b", "main", cwd=dest)
        self.run("git", "add", "-A", cwd=dest)
        self.run("git", "commit", "-q", "--no-verify", "-m", f"Generate {PROJECT}", cwd=dest)

    def commands(self) -> list[tuple[str, str, Run]]:
        copy = (f"copier copy --defaults --vcs-ref <ref> -d layer=devops -d name={PROJECT} "
                f"{STORE} DEST")
        return [
            ("opsgen new", "opsgen new DEST --defaults", self.opsgen_new),
            ("copier copy", copy, self.copier_copy),
            ("copier copy + git", f"{copy} && git init && git add -A && git commit",
             self.copier_copy_git),
            ("opsgen --help", "opsgen --help", self.opsgen_help),
            ("opsgen catalog", "opsgen catalog", self.opsgen_catalog),
        ]

    def warm_up(self, scratch: Path) -> None:
        """Seed the store, read its ref, and check both tools write the same project."""
        self.opsgen_new(scratch / "opsgen")
        heads = self.home / ".local" / "share" / "opsgen" / "templates.heads"
        for line in heads.read_text(encoding="utf-8").splitlines():
            commit, _, ref = line.partition(" ")
            if ref == "refs/heads/main":
                self.ref = commit
        if not self.ref:
            raise SystemExit("bench: the seeded store has no refs/heads/main")
        self.copier_copy(scratch / "copier")
        same = _same_tree(self.dest(scratch / "opsgen"), self.dest(scratch / "copier"))
        if not same:
            raise SystemExit("bench: opsgen new and copier copy wrote different files")
        commits = self.run("git", "rev-list", "--count", "HEAD", cwd=self.dest(scratch / "opsgen"))
        if commits.strip() != "1":
            raise SystemExit("bench: opsgen new did not make exactly one commit")


def _same_tree(left: Path, right: Path) -> bool:
    compare = filecmp.dircmp(left, right, ignore=[".git"])
    if compare.left_only or compare.right_only or compare.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, compare.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(_same_tree(left / sub, right / sub) for sub in compare.common_dirs)


def _console_script(name: str) -> str:
    """The console script beside this interpreter (no pyenv shim), else the one on PATH."""
    suffix = ".exe" if os.name == "nt" else ""
    beside = Path(sysconfig.get_path("scripts")) / f"{name}{suffix}"
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"bench: {name} is not installed")
    return found


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(bench: Bench, root: Path, runs: int) -> list[Timing]:
    commands = bench.commands()
    wall: dict[str, list[float]] = {label: [] for label, _, _ in commands}
    cpu: dict[str, list[float]] = {label: [] for label, _, _ in commands}
    for index in range(-1, runs):  # round -1 is an untimed warm-up of every command
        for label, _, run in commands:
            scratch = root / f"{index}-{label.replace(' ', '_')}"
            scratch.mkdir()
            cpu_start = _children_cpu()
            start = time.perf_counter()
            run(scratch)
            elapsed = time.perf_counter() - start
            cpu_used = _children_cpu() - cpu_start
            shutil.rmtree(scratch)
            if index >= 0:
                wall[label].append(elapsed)
                cpu[label].append(cpu_used)
        if index >= 0:
            print(f"round {index + 1}/{runs} done", file=sys.stderr)
    return [Timing(label, command, tuple(wall[label]), tuple(cpu[label]))
            for label, command, _ in commands]


def checks(timings: Sequence[Timing]) -> list[Check]:
    by_label = {timing.label: timing for timing in timings}
    new = by_label["opsgen new"].median
    result = []
    for base in ("copier copy", "copier copy + git"):
        ratio = new / by_label[base].median
        result.append(Check(f"opsgen new / {base} (median wall)", f"{ratio:.2f}x",
                            f"≤ {NEW_RATIO_TARGET}x", ratio <= NEW_RATIO_TARGET))
    for base in ("copier copy", "copier copy + git"):
        fastest = by_label["opsgen new"].minimum / by_label[base].minimum
        result.append(Check(f"opsgen new / {base} (min wall)", f"{fastest:.2f}x", "", None))
        cpu = by_label["opsgen new"].cpu_median / by_label[base].cpu_median
        result.append(Check(f"opsgen new / {base} (median CPU)", f"{cpu:.2f}x", "", None))
    for label in ("opsgen --help", "opsgen catalog"):
        median = by_label[label].median
        result.append(Check(f"{label} (median)", f"{median:.3f} s", f"< {STARTUP_TARGET} s",
                            median < STARTUP_TARGET))
    return result


def machine(bench: Bench, load_before: str) -> list[tuple[str, str]]:
    copier = bench.run(bench.copier, "--version").strip()
    git = bench.run("git", "--version").strip()
    opsgen = bench.run(bench.opsgen, "--version").strip()
    return [
        ("Date (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("CPU", f"{_cpu_model()}, {os.cpu_count()} logical cores"),
        ("Load average (1 min) before / after", f"{load_before} / {_load()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Tools", f"{opsgen}, {copier}, {git}"),
    ]


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def markdown(timings: Sequence[Timing], results: Sequence[Check],
             about: Sequence[tuple[str, str]], runs: int) -> str:
    lines = [f"Runs per command: {runs} (plus one untimed warm-up round).", ""]
    lines += [f"- {key}: {value}" for key, value in about]
    lines += ["", "| Command | min (s) | median (s) | max (s) | median CPU (s) |",
              "|---|---:|---:|---:|---:|"]
    for timing in timings:
        lines.append(f"| {timing.label} | {timing.minimum:.3f} | {timing.median:.3f} "
                     f"| {timing.maximum:.3f} | {timing.cpu_median:.3f} |")
    lines += ["", "| Target | Measured | Limit | Result |", "|---|---:|---:|---|"]
    for check in results:
        verdict = {True: "pass", False: "**FAIL**", None: "(information)"}[check.passed]
        lines.append(f"| {check.name} | {check.value} | {check.limit} | {verdict} |")
    lines += ["", "Commands (DEST is a new folder named `" + PROJECT + "`, <ref> the store's "
              "`refs/heads/main`):", ""]
    lines += [f"- {timing.label}: `{timing.command}`" for timing in timings]
    return "\n".join(lines) + "\n"


DOCUMENT = f"""# Benchmarks

Targets: `opsgen new --defaults` takes at most {NEW_RATIO_TARGET}x as long as plain
`copier copy` of the same layer; `opsgen --help` and `opsgen catalog` take under
{STARTUP_TARGET} s each. They are checked here, never by timed tests.

Rerun (takes about a minute; only the part between the markers below is rewritten):

```sh
python benchmarks/bench.py --runs 10 --output docs/benchmarks.md
```

## Method

`benchmarks/bench.py` times every command as a separate process with `time.perf_counter`,
from start to exit, over N interleaved rounds (default 10), after an untimed warm-up round,
and reports min, median and max wall-clock time; targets are judged on the median. It also
reports the CPU time (user + system) of each command's whole process tree, git included,
and the ratios of the minimums and of the CPU medians: on a busy machine (see the load
average) wall-clock medians drift and these two are the steadier cross-checks. The script
exits 1 when a target is missed.

- All runs use a temporary HOME (with `XDG_*` folders inside it and a git config giving
  only a committer identity), so the user's template store, copier settings and git config
  play no part. The warm-up's `opsgen new` seeds the store.
- Both tools render the same source: the store `{STORE}`,
  at the same commit (`refs/heads/main` of the store), with the same answers
  (`layer=devops`, the project name, everything else the catalog defaults). The warm-up
  checks that both write byte-identical files.
- opsgen also makes the project a git repository with one commit, so the table gives plain
  `copier copy` (the target's baseline) and `copier copy` followed by `git init`,
  `git add -A` and `git commit` (the like-for-like baseline).
- The console scripts beside the running interpreter are run directly, so a wrapper such as a
  pyenv shim is not part of the timings. Byte-code caches are on (`PYTHONDONTWRITEBYTECODE`
  is dropped) and kept in the temporary HOME (`PYTHONPYCACHEPREFIX`), as an installed
  package has them after its first run.
- In a source checkout (an editable install) `opsgen new` also rebuilds the template bundle
  from the working tree on every run; an installed wheel ships a prebuilt bundle.

## Results

{START_MARK}
{END_MARK}
"""


def write_report(path: Path, body: str) -> None:
    text = path.read_text(encoding="utf-8") if path.is_file() else DOCUMENT
    if START_MARK not in text or END_MARK not in text:
        text = DOCUMENT
    head, _, rest = text.partition(START_MARK)
    _, _, tail = rest.partition(END_MARK)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{START_MARK}\n{body}{END_MARK}{tail}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command (10)")
    parser.add_argument("--output", type=Path, help="Markdown file to write the results into")
    parser.add_argument("--opsgen", default=None, help="opsgen executable to time")
    parser.add_argument("--copier", default=None, help="copier executable to time")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    home = Path(tempfile.mkdtemp(prefix="opsgen-bench-"))
    try:
        bench = Bench(home, args.opsgen or _console_script("opsgen"),
                      args.copier or _console_script("copier"))
        work = home / "work"
        (work / "warm" / "opsgen").mkdir(parents=True)
        (work / "warm" / "copier").mkdir(parents=True)
        load_before = _load()
        bench.warm_up(work / "warm")
        timings = measure(bench, work, args.runs)
        results = checks(timings)
        body = markdown(timings, results, machine(bench, load_before), args.runs)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(body)
    if args.output is not None:
        write_report(args.output, body)
        print(f"wrote {args.output}", file=sys.stderr)
    return 1 if any(check.passed is False for check in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
