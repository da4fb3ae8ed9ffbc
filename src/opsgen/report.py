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
    """One line per changed file with its state, then a summary."""
    for path, state in sorted(report.files.items()):
        print(f"  {state:<9} {path}")
    counts: dict[str, int] = {}
    for state in report.files.values():
        counts[state] = counts.get(state, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no changes"
    print(f"updated {report.project} to {report.version}: {summary}")
    if report.conflicts:
        print("resolve the conflict markers in the files marked 'conflict', then commit")
