"""Builtin validators of CI pipelines: checkov's GitHub Actions checks.

checkov silently skips a workflow that fails its own (older) copy of the workflow schema, which
would make its check pass on anything; this one fails unless checkov actually ran checks on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from toolrun import run as _run


def _checkov_workflows(project_dir: Path, files: list[str]) -> None:
    argv = ["checkov", "--quiet", "--skip-download", "--framework", "github_actions",
            "--output", "json", *(arg for name in files for arg in ("-f", name))]
    report = json.loads(_run(project_dir, "checkov_workflows", argv))
    summary = report.get("summary", report)
    failed = report.get("results", {}).get("failed_checks", [])
    if not summary.get("passed") and not failed:
        raise AssertionError(f"checkov_workflows: checkov ran no check on {files}: it did not "
                             "take them for workflows (does its schema reject them?)")
    if failed:
        raise AssertionError("checkov_workflows: " + "; ".join(
            f"{check['check_id']} {check['check_name']} ({check['resource']})" for check in failed))


CI_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "checkov_workflows": _checkov_workflows,
}
