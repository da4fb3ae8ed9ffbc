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
class Stack:
    """A project configuration to generate: its layers and ``--set`` choices."""

    label: str
    layers: tuple[str, ...]
    sets: tuple[str, ...] = ()

    def flags(self) -> list[str]:
        extra = [f"--layer={layer}" for layer in self.layers if layer != "devops"]
        return extra + [f"--set={choice}" for choice in self.sets]

    @property
    def shown(self) -> str:
        return " ".join(self.flags())

    def data(self, layer: str) -> str:
        """The copier data file of one layer: what opsgen passes besides the defaults."""
        lines = [f"name: {PROJECT}", f"layer: {layer}", f"layers: [{', '.join(self.layers)}]"]
        for choice in self.sets:
            aspect, _, tools = choice.partition("=")
            lines.append(f"{aspect}: [{tools}]" if "," in tools else f"{aspect}: {tools}")
        return "\n".join(lines) + "\n"


DEVOPS = Stack("DevOps", ("devops",))
ALL_LAYERS = Stack("3 layers", ("devops", "mlops", "dataops"))
# How generation time grows with layers and tools (information, no target).
GROWTH_ONLY = (
    Stack("DevOps + MLOps", ("devops", "mlops")),
    Stack("3 layers, more tools", ("devops", "mlops", "dataops"), (
        "containerization=docker,kubernetes", "monitoring_logging=prometheus_grafana,elk",
        "data_integration=files,kafka,nifi", "model_monitoring=evidently",
        "workflow_orchestration=airflow", "data_cataloging=datahub",
    )),
)
GROWTH = (DEVOPS, GROWTH_ONLY[0], ALL_LAYERS, GROWTH_ONLY[1])
UPDATE_TARGET = 3.0  # seconds


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
        self.updated = home  # the project `opsgen update` is timed on, made by warm_up
        self.file_counts: dict[str, int] = {}

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

    def opsgen_catalog_json(self, scratch: Path) -> None:
        self.run(self.opsgen, "catalog", "--json", cwd=scratch)

    def opsgen_new(self, scratch: Path, stack: Stack = DEVOPS) -> None:
        self.run(self.opsgen, "new", str(self.dest(scratch)), "--defaults", *stack.flags(),
                 cwd=scratch)

    def copier_copy(self, scratch: Path, stack: Stack = DEVOPS) -> None:
        """Plain copier: one ``copier copy`` per layer, each with its own answers file."""
        data = scratch / "answers.yml"
        for layer in stack.layers:
            answers = ".copier-answers.yml" if layer == "devops" else f".copier-answers.{layer}.yml"
            data.write_text(stack.data(layer), encoding="utf-8")
            self.run(self.copier, "copy", "--defaults", "--quiet", "--overwrite",
                     "--vcs-ref", self.ref, "--data-file", str(data), "-a", answers,
                     STORE, str(self.dest(scratch)), cwd=scratch)

    def copier_copy_git(self, scratch: Path, stack: Stack = DEVOPS) -> None:
        self.copier_copy(scratch, stack)
        dest = self.dest(scratch)
        self.run("git", "init", "-q", "-b", "main", cwd=dest)
        self.run("git", "add", "-A", cwd=dest)
        self.run("git", "commit", "-q", "--no-verify", "-m", f"Generate {PROJECT}", cwd=dest)

    def opsgen_update(self, _scratch: Path) -> None:
        self.run(self.opsgen, "update", str(self.updated), cwd=self.updated)

    def commands(self) -> list[tuple[str, str, Run]]:
        copy = (f"copier copy --defaults --vcs-ref <ref> --data-file <answers of LAYER> "
                f"-a <answers file of LAYER> {STORE} DEST")
        three = f"{copy}, for each of {', '.join(ALL_LAYERS.layers)}"
        git = "git init && git add -A && git commit"
        return [
            ("opsgen new", "opsgen new DEST --defaults", self.opsgen_new),
            ("copier copy", f"{copy}, for devops", self.copier_copy),
            ("copier copy + git", f"{copy}, for devops; {git}", self.copier_copy_git),
            (f"opsgen new ({ALL_LAYERS.label})", f"opsgen new DEST --defaults {ALL_LAYERS.shown}",
             lambda s: self.opsgen_new(s, ALL_LAYERS)),
            (f"copier copy ({ALL_LAYERS.label})", three, lambda s: self.copier_copy(s, ALL_LAYERS)),
            (f"copier copy + git ({ALL_LAYERS.label})", f"{three}; {git}",
             lambda s: self.copier_copy_git(s, ALL_LAYERS)),
            *((f"opsgen new ({stack.label})", f"opsgen new DEST --defaults {stack.shown}",
               lambda s, stack=stack: self.opsgen_new(s, stack)) for stack in GROWTH_ONLY),
            ("opsgen update (unchanged)",
             f"opsgen update PROJECT (committed, {ALL_LAYERS.label})", self.opsgen_update),
            ("opsgen --help", "opsgen --help", self.opsgen_help),
            ("opsgen catalog", "opsgen catalog", self.opsgen_catalog),
            ("opsgen catalog --json", "opsgen catalog --json", self.opsgen_catalog_json),
        ]

    def warm_up(self, scratch: Path) -> None:
        """Seed the store, read its ref, check both tools write the same projects, and make the
        project that ``opsgen update`` is timed on."""
        self.opsgen_new(scratch / "opsgen")
        heads = self.home / ".local" / "share" / "opsgen" / "templates.heads"
        for line in heads.read_text(encoding="utf-8").splitlines():
            commit, _, ref = line.partition(" ")
            if ref == "refs/heads/main":
                self.ref = commit
        if not self.ref:
            raise SystemExit("bench: the seeded store has no refs/heads/main")
        for stack in (DEVOPS, ALL_LAYERS):
            ours, theirs = scratch / f"opsgen-{stack.label}", scratch / f"copier-{stack.label}"
            ours.mkdir()
            theirs.mkdir()
            self.opsgen_new(ours, stack)
            self.copier_copy(theirs, stack)
            (theirs / "answers.yml").unlink()
            if not _same_tree(self.dest(ours), self.dest(theirs)):
                raise SystemExit(f"bench: opsgen new and copier copy ({stack.label}) differ")
            commits = self.run("git", "rev-list", "--count", "HEAD", cwd=self.dest(ours))
            if commits.strip() != "1":
                raise SystemExit("bench: opsgen new did not make exactly one commit")
        for stack in GROWTH:
            made = scratch / f"count-{stack.label}"
            made.mkdir()
            self.opsgen_new(made, stack)
            self.file_counts[stack.label] = sum(
                1 for p in self.dest(made).rglob("*") if p.is_file() and ".git" not in p.parts)
        self.updated = self.dest(scratch / f"opsgen-{ALL_LAYERS.label}")
        self.opsgen_update(scratch)
        if self.run("git", "status", "--porcelain", cwd=self.updated).strip():
            raise SystemExit("bench: opsgen update changed an unchanged project")


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
    result = []
    for suffix in ("", f" ({ALL_LAYERS.label})"):
        new = by_label[f"opsgen new{suffix}"]
        for base_label in (f"copier copy{suffix}", f"copier copy + git{suffix}"):
            base = by_label[base_label]
            ratio = new.median / base.median
            result.append(Check(f"opsgen new{suffix} / {base_label} (median wall)",
                                f"{ratio:.2f}x", f"≤ {NEW_RATIO_TARGET}x",
                                ratio <= NEW_RATIO_TARGET))
            fastest = new.minimum / base.minimum
            result.append(Check(f"opsgen new{suffix} / {base_label} (min wall)",
                                f"{fastest:.2f}x", "", None))
            cpu = new.cpu_median / base.cpu_median
            result.append(Check(f"opsgen new{suffix} / {base_label} (median CPU)",
                                f"{cpu:.2f}x", "", None))
    update = by_label["opsgen update (unchanged)"].median
    result.append(Check("opsgen update, unchanged project (median)", f"{update:.2f} s",
                        f"≤ {UPDATE_TARGET} s", update <= UPDATE_TARGET))
    for label in ("opsgen --help", "opsgen catalog", "opsgen catalog --json"):
        median = by_label[label].median
        result.append(Check(f"{label} (median)", f"{median:.3f} s", f"< {STARTUP_TARGET} s",
                            median < STARTUP_TARGET))
    return result


def growth(timings: Sequence[Timing], file_counts: dict[str, int]) -> list[str]:
    """How `opsgen new` grows with layers and tools: files written and median time."""
    by_label = {timing.label: timing for timing in timings}
    lines = ["| opsgen new of | flags | files | median (s) | s per 100 files |",
             "|---|---|---:|---:|---:|"]
    for stack in GROWTH:
        label = "opsgen new" if stack is DEVOPS else f"opsgen new ({stack.label})"
        median, files = by_label[label].median, file_counts[stack.label]
        lines.append(f"| {stack.label} | `{stack.shown or '(none)'}` | {files} | {median:.3f} "
                     f"| {100 * median / files:.3f} |")
    return lines


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
             about: Sequence[tuple[str, str]], runs: int, file_counts: dict[str, int]) -> str:
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
    lines += ["", "Growth with layers and tools (from the timings above):", ""]
    lines += growth(timings, file_counts)
    lines += ["", "Commands (DEST is a new folder named `" + PROJECT + "`, <ref> the store's "
              "`refs/heads/main`):", ""]
    lines += [f"- {timing.label}: `{timing.command}`" for timing in timings]
    return "\n".join(lines) + "\n"


DOCUMENT = f"""# Benchmarks

Targets: `opsgen new --defaults`, with the DevOps layer alone and with all three layers, takes
at most {NEW_RATIO_TARGET}x as long as plain `copier copy` of the same layers; `opsgen update` of
an unchanged three-layer project takes at most {UPDATE_TARGET:g} s; `opsgen --help`, `opsgen
catalog` and `opsgen catalog --json` take under {STARTUP_TARGET} s each. They are checked here,
never by timed tests. The growth table shows how generation time grows with layers and tools.

Rerun (takes about five minutes; only the part between the markers below is rewritten):

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
  at the same commit (`refs/heads/main` of the store), with the same answers (per layer:
  `layer`, `layers`, the project name, everything else the catalog defaults), one `copier
  copy` per layer with that layer's answers file, as opsgen does. The warm-up checks that
  both write byte-identical files, for the DevOps layer and for all three.
- `opsgen update` is timed on one committed three-layer project, which the warm-up checks
  it leaves unchanged.
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
        body = markdown(timings, results, machine(bench, load_before), args.runs,
                        bench.file_counts)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(body)
    if args.output is not None:
        write_report(args.output, body)
        print(f"wrote {args.output}", file=sys.stderr)
    return 1 if any(check.passed is False for check in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
