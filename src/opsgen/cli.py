"""The command line: the one place that prints errors and picks exit codes.

Heavy modules (copier, questionary) are imported inside the commands that need them, so
``opsgen --help`` and ``opsgen catalog`` stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from opsgen import __version__
from opsgen.errors import OpsgenError, UsageError
from opsgen.interrupts import interrupted, report_interrupted, watch_again, watching

NON_INTERACTIVE_HINT = (
    "no terminal to ask questions on; run `opsgen new DEST --defaults` "
    "or `opsgen new DEST --config opsgen.yaml` (see `opsgen config init`)"
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2, like every other bad input."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _new_parser(sub: Any) -> None:
    new = sub.add_parser("new", help="generate a project (wizard on a terminal)")
    new.add_argument("dest", type=Path, nargs="?",
                     help="folder to create (must be new or empty); default: ./NAME")
    source = new.add_mutually_exclusive_group()
    source.add_argument("--config", type=Path, metavar="FILE", help="read choices from FILE")
    source.add_argument("--defaults", action="store_true", help="use the catalog defaults")
    new.add_argument("--set", dest="sets", action="append", default=[], metavar="ASPECT=TOOL",
                     help="choose a tool (repeatable; TOOL1,TOOL2 for multi-choice aspects)")
    new.add_argument("--layer", dest="layers", action="append", default=[], metavar="LAYER",
                     help="add a layer (repeatable)")
    new.add_argument("--dry-run", action="store_true", help="list the files, write nothing")


def build_parser() -> argparse.ArgumentParser:
    """The ``opsgen`` argument parser."""
    parser = _Parser(prog="opsgen", description="Generate DevOps, MLOps and DataOps projects.")
    parser.add_argument("--version", action="version", version=f"opsgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _new_parser(sub)
    catalog = sub.add_parser("catalog", help="list aspects and tools")
    catalog.add_argument("--json", action="store_true", help="print the catalog as JSON")
    config = sub.add_parser("config", help="starter config, validation, JSON Schema")
    config_sub = config.add_subparsers(dest="config_command", required=True, parser_class=_Parser)
    init = config_sub.add_parser("init", help="write a starter config")
    init.add_argument("file", nargs="?", type=Path, default=Path("opsgen.yaml"))
    validate = config_sub.add_parser("validate", help="check a config file")
    validate.add_argument("file", type=Path)
    config_sub.add_parser("schema", help="print the config's JSON Schema")
    update = sub.add_parser("update", help="bring a project to the installed templates")
    update.add_argument("project", nargs="?", type=Path, default=Path("."))
    add = sub.add_parser("add", help="add a layer to an existing project")
    add.add_argument("args", nargs="+", metavar="[PROJECT] LAYER")
    set_ = sub.add_parser("set", help="change tool choices of an existing project")
    set_.add_argument("args", nargs="+", metavar="[PROJECT] ASPECT=TOOL")
    for command in (update, add, set_):
        command.add_argument("--plan", action="store_true",
                             help="change nothing; print what would happen to each file")
        command.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _cmd_catalog(args: argparse.Namespace) -> int:
    from opsgen.catalog import default_catalog
    from opsgen.report import catalog_table

    catalog = default_catalog()
    if args.json:
        print(json.dumps(catalog.to_json(), indent=2))
    else:
        print(catalog_table(catalog))
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from opsgen.catalog import default_catalog
    from opsgen.config import Overrides, read_config_file, resolve
    from opsgen.schema import json_schema, starter_config

    catalog = default_catalog()
    if args.config_command == "schema":
        print(json.dumps(json_schema(catalog), indent=2))
    elif args.config_command == "validate":
        config = resolve(catalog, read_config_file(args.file), Overrides())
        print(f"{args.file}: valid ({config.name}; layers: {', '.join(config.layers)})")
    else:
        target: Path = args.file
        if target.exists():
            raise UsageError(f"{target}: already exists; not overwriting it")
        target.write_text(starter_config(catalog), encoding="utf-8")
        print(f"wrote {target}")
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from opsgen.catalog import default_catalog
    from opsgen.config import Overrides, read_config_file, resolve
    from opsgen.engine import check_destination, generate
    from opsgen.report import print_files

    catalog = default_catalog()
    overrides = Overrides(layers=tuple(args.layers), sets=tuple(args.sets))
    dest: Path | None = args.dest
    if dest is not None:
        check_destination(dest.absolute())
    if args.config is not None:
        config = resolve(catalog, read_config_file(args.config), overrides)
        dest = dest if dest is not None else Path(config.name)
    elif args.defaults:
        if dest is None:
            raise UsageError("new: DEST is required with --defaults (the folder to create)")
        config = resolve(catalog, {"name": dest.resolve().name}, overrides)
    else:
        return _wizard(catalog, dest, overrides, dry_run=args.dry_run)
    result = generate(config, dest, dry_run=args.dry_run)
    print_files(result, dry_run=args.dry_run)
    return 0


def _wizard(catalog: Any, dest: Path | None, overrides: Any, *, dry_run: bool) -> int:
    """`opsgen new` on a terminal: the questions, then generation with each step shown."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(NON_INTERACTIVE_HINT)
    from opsgen.engine import generate
    from opsgen.report import print_files, print_generated, print_saved, print_step
    from opsgen.wizard import Saved, run_wizard

    outcome = run_wizard(catalog, dest, overrides)
    watch_again()  # the prompts gave SIGINT back to Python's default handler
    if isinstance(outcome, Saved):
        print_saved(outcome.path, outcome.dest)
        return 0
    if dry_run:
        print_files(generate(outcome.config, outcome.dest, dry_run=True), dry_run=True)
        return 0
    print_generated(generate(outcome.config, outcome.dest, progress=print_step))
    return 0


def _report(report: Any, args: argparse.Namespace) -> int:
    from opsgen.report import print_update

    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print_update(report)
    # A plan that foresees conflicts did its job; only conflicts left in the project are exit 1.
    return 1 if report.conflicts and report.applied else 0


def _cmd_update(args: argparse.Namespace) -> int:
    from opsgen.update import update_project

    return _report(update_project(args.project, plan=args.plan), args)


def _cmd_add(args: argparse.Namespace) -> int:
    from opsgen.update import add_layer

    values: list[str] = args.args
    if len(values) > 2:
        raise UsageError(f"add: takes [PROJECT] LAYER, not {len(values)} arguments")
    project = Path(values[0]) if len(values) == 2 else Path(".")
    return _report(add_layer(project, values[-1], plan=args.plan), args)


def _cmd_set(args: argparse.Namespace) -> int:
    from opsgen.update import set_tools

    values: list[str] = args.args
    project = Path(".")
    if "=" not in values[0]:
        project, values = Path(values[0]), values[1:]
    if not values:
        raise UsageError("set: give at least one ASPECT=TOOL")
    return _report(set_tools(project, tuple(values), plan=args.plan), args)


COMMANDS = {"new": _cmd_new, "catalog": _cmd_catalog, "config": _cmd_config,
            "update": _cmd_update, "add": _cmd_add, "set": _cmd_set}


def main(argv: Sequence[str] | None = None) -> int:
    """Run opsgen; every error the user can cause ends here as one line and an exit code."""
    with watching():
        try:
            args = build_parser().parse_args(argv)
            from opsgen.store import refresh_released_store

            refresh_released_store()
            return COMMANDS[args.command](args)
        except OpsgenError as error:
            if interrupted():  # the error is the interrupt's doing: a child it killed
                return report_interrupted()
            print(f"opsgen: error: {error}", file=sys.stderr)
            return error.exit_code
        except KeyboardInterrupt:
            return report_interrupted()
        except Exception:
            if interrupted():
                return report_interrupted()
            raise


