"""Time a generated project's own commands: setup, main job and tests, as its README runs them.

Usage::

    python benchmarks/project_bench.py [--set ASPECT=TOOL ...] [--layer mlops|dataops] [--output FILE]

Generates the project with ``opsgen new --defaults`` in a temporary folder, then times, once each
and in this order: ``make setup`` (a new .venv and every dependency from the package index; pip's
cache is whatever this machine has: say which when you report), the main job (``make train`` for
the MLOps layer, ``make data-pipeline`` for the DataOps layer) on its first run, the main job again
(nothing changed: DVC re-runs nothing) and ``make test``. For the DataOps layer, the pipeline then
runs once more on 100 times its sample data (``make data-sample SCALE=100`` replaces the landing
files). With ``--output``, the table replaces the part of FILE between the markers of that
configuration.

Standard library only; needs make and network access to the package index.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START = "<!-- project-bench:{key}:start -->"
END = "<!-- project-bench:{key}:end -->"


def timed(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"`{' '.join(argv)}` exited {result.returncode}:\n"
                         f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def scaled_run(project: Path, scale: int) -> tuple[str, float]:
    """The data pipeline on ``scale`` times the sample: the landing files are replaced."""
    landing = project / "data" / "landing"
    rows_before = sum(len(f.read_text(encoding="utf-8").splitlines()) - 1
                      for f in landing.rglob("*.csv"))
    timed(["make", "data-sample", f"SCALE={scale}", "SAMPLE_OUT=data/landing"], project)
    label = (f"`make data-pipeline` on {scale}x the sample ({rows_before * scale:,} landing rows, "
             "all stages re-run)")
    return label, timed(["make", "data-pipeline"], project)


def venv_size(project: Path) -> str:
    total = sum(p.stat().st_size for p in (project / ".venv").rglob("*") if p.is_file())
    return f"{total / 2**20:.0f} MiB"


def measure(layers: list[str], sets: list[str]) -> tuple[list[tuple[str, str]], str]:
    with tempfile.TemporaryDirectory(prefix="opsgen-project-bench-") as tmp:
        dest = Path(tmp) / "bench-project"
        argv = [sys.executable, "-m", "opsgen", "new", str(dest), "--defaults"]
        for layer in layers:
            argv += ["--layer", layer]
        for item in sets:
            argv += ["--set", item]
        subprocess.run(argv, check=True, capture_output=True)
        job = "train" if "mlops" in layers else "data-pipeline"
        rows = [
            ("`make setup` (new .venv, all dependencies)", timed(["make", "setup"], dest)),
            (f"`make {job}` (main job, first run)", timed(["make", job], dest)),
            (f"`make {job}` again (nothing changed)", timed(["make", job], dest)),
            ("`make test` (ruff, pytest)", timed(["make", "test"], dest)),
        ]
        if job == "data-pipeline":
            rows.append(scaled_run(dest, 100))
        size = venv_size(dest)
    return [(label, f"{seconds:.1f}") for label, seconds in rows], size


def render(key: str, layers: list[str], sets: list[str], rows: list[tuple[str, str]],
           size: str) -> str:
    flags = " ".join([*(f"--layer {x}" for x in layers), *(f"--set {x}" for x in sets)])
    lines = [
        START.format(key=key),
        f"`opsgen new --defaults {flags}`; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; .venv {size}; pip cache "
        f"{'off (PIP_NO_CACHE_DIR)' if os.environ.get('PIP_NO_CACHE_DIR') else 'as found'}.",
        "",
        "| Step | seconds |",
        "|---|---:|",
        *(f"| {label} | {seconds} |" for label, seconds in rows),
        END.format(key=key),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layer", action="append", default=[])
    parser.add_argument("--set", action="append", default=[], dest="sets")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    key = "-".join([*args.layer, *args.sets]) or "devops"
    rows, size = measure(args.layer, args.sets)
    block = render(key, args.layer, args.sets, rows, size)
    print(block)
    if args.output:
        text = args.output.read_text(encoding="utf-8")
        start, end = START.format(key=key), END.format(key=key)
        if start in text and end in text:
            text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
