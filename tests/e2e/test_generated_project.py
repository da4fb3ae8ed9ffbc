"""The generated project on the defaults works out of the box: `make test` passes and
`make run` serves health, metrics and JSON logs without personal data — run for real, as its
README says.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
from pathlib import Path

import pytest
from clirun import opsgen
from projectrun import get, make, make_run

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgen.cli import main

    dest = tmp_path_factory.mktemp("generated") / "acme-web"
    assert main(["new", str(dest), "--defaults"]) == 0
    return dest


def test_readme_gives_the_two_commands_first(project: Path) -> None:
    head = "\n".join((project / "README.md").read_text(encoding="utf-8").splitlines()[:12])
    assert "make run" in head
    assert "make test" in head
    assert "```mermaid" in (project / "README.md").read_text(encoding="utf-8")


def test_make_test_passes(project: Path) -> None:
    result = make(project, "test")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in result.stdout


def test_make_run_serves_health_metrics_and_json_logs(project: Path) -> None:
    assert make(project, "setup").returncode == 0
    with make_run(project, "/healthz", timeout=60) as running:
        status, body = get(running.url("/healthz"))
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        status, metrics = get(running.url("/metrics"))
        assert status == 200
        assert "# TYPE" in metrics and "healthz" in metrics
        # The default project redacts PII (data_privacy_security: pii_masking) in its logs.
        with pytest.raises(urllib.error.HTTPError) as missing:
            get(running.url("/api/v1/users/jane.doe@example.com"))
        assert missing.value.code == 404
    output = running.output
    assert "jane.doe@example.com" not in output, output
    log_lines = [line for line in output.splitlines() if line.startswith("{")]
    assert log_lines, output
    records = [json.loads(line) for line in log_lines]
    for record in records:
        assert {"ts", "level", "message", "service"} <= set(record), record
        assert record["service"] == "acme-web"
    assert any(r.get("path") == "/healthz" or "/healthz" in r["message"] for r in records), records
    assert any(r.get("path") == "/api/v1/users/[email]" for r in records), records


def test_update_without_template_changes_reports_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults").code == 0
    run = opsgen(capsys, "update", dest)
    assert run.code == 0, run.err
    assert "no changes" in run.out


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_lists_run_and_test(project: Path) -> None:
    result = make(project, "help")
    assert "run" in result.stdout and "test" in result.stdout
