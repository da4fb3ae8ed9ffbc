"""What opsgen prints on success: the catalog table and per-file reports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from opsgen.catalog import Catalog

if TYPE_CHECKING:
    from opsgen.engine import Result
    from opsgen.update import UpdateReport


def catalog_table(catalog: Catalog) -> str:
    """The catalog as a plain-text table; the default tool of each aspect is marked with ``*``."""
    rows = [("ASPECT", "LAYERS", "TOOLS (* = default)")]
    for aspect in catalog.aspects:
        tools = ", ".join(
            f"{tool.id}*" if index == 0 else tool.id for index, tool in enumerate(aspect.tools)
        )
        suffix = " (several)" if aspect.multiple else ""
        rows.append((aspect.id, ",".join(aspect.layers), tools + suffix))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip() for row in rows
    )


def print_files(result: Result, *, dry_run: bool) -> None:
    """List what a generation wrote, or would write."""
    verb = "would write" if dry_run else "wrote"
    for name in result.files:
        print(f"  {name}")
    print(f"{verb} {len(result.files)} files in {result.dest}")
    if not dry_run:
        if result.hint:
            print(result.hint)
        print(f"next: cd {result.dest} && make run   (tests: make test)")


def print_step(step: str) -> None:
    """One step of a generation, as it starts."""
    print(f"  ... {step}", flush=True)


def print_generated(result: Result) -> None:
    """After the wizard generated a project: where it is and what to type next."""
    print(f"Wrote {len(result.files)} files in {result.dest}")
    if result.hint:
        print(result.hint)
    print("Next steps:")
    print(f"  cd {_shown(result.dest)}")
    print("  make run    # set up, then run the project's main job")
    print("  make test   # its tests")


def print_saved(path: Path, dest: Path) -> None:
    """After the wizard saved its answers: how to generate the same project later."""
    print(f"Saved the answers to {path}; nothing else was written.")
    print(f"Generate the project with:\n  opsgen new {_shown(dest)} --config {path}")


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it, else absolute."""
    try:
        return str(path.absolute().relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


def print_update(report: UpdateReport) -> None:
    """One line per file the update changes or keeps deleted, then a summary with every count.

    Unchanged files are only counted: listing the whole project would bury what matters.
    """
    from opsgen.changes import STATES

    for path, state in sorted(report.files.items(), key=lambda i: (STATES.index(i[1]), i[0])):
        if state != "unchanged":
            print(f"  {state:<12} {path}")
    counts = {s: n for s in STATES if (n := sum(v == s for v in report.files.values()))}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    if not set(counts) - {"unchanged", "kept-deleted"}:
        summary = f"no changes ({summary})" if summary else "no changes"
    versions = f"from {report.from_version} to {report.to_version}"
    if report.applied:
        print(f"updated {report.project} {versions}: {summary}")
    else:
        print(f"plan for {report.project} {versions}: {summary}; nothing was changed")
    if report.conflicts:
        listed = ", ".join(report.conflicts)
        if report.applied:
            print(f"conflicts left in {listed}: resolve them, `git add` them, then commit")
        else:
            print(f"would leave conflicts in {listed}")
