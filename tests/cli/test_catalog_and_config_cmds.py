"""`opsgen catalog` and `opsgen config init|validate|schema`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from clirun import opsgen

from opsgen.catalog import default_catalog


def test_catalog_json_is_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    run = opsgen(capsys, "catalog", "--json")
    assert run.code == 0
    assert json.loads(run.out) == default_catalog().to_json()


def test_catalog_table_lists_every_tool_and_marks_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = opsgen(capsys, "catalog")
    assert run.code == 0
    for aspect in default_catalog().aspects:
        line = next(li for li in run.out.splitlines() if li.startswith(aspect.id + " "))
        assert f"{aspect.tools[0].id}*" in line
        for tool in aspect.tools:
            assert tool.id in line


def test_config_init_writes_a_valid_starter_listing_every_aspect(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "opsgen.yaml"
    assert opsgen(capsys, "config", "init", path).code == 0
    text = path.read_text(encoding="utf-8")
    for aspect in default_catalog().aspects:
        assert aspect.id in text
        for tool in aspect.tools:
            assert tool.id in text
    run = opsgen(capsys, "config", "validate", path)
    assert run.code == 0, run.err
    assert "valid" in run.out


def test_config_init_never_overwrites(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "opsgen.yaml"
    path.write_text("name: mine\n", encoding="utf-8")
    run = opsgen(capsys, "config", "init", path)
    assert run.code == 2
    assert path.read_text(encoding="utf-8") == "name: mine\n"


def test_config_validate_reports_the_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "opsgen.yaml"
    path.write_text("name: ok\ntools:\n  continuous_integration: jenkinz\n", encoding="utf-8")
    run = opsgen(capsys, "config", "validate", path)
    assert run.code == 2
    assert run.err.startswith("opsgen: error: tools.continuous_integration: 'jenkinz'")


def test_schema_accepts_the_starter_and_rejects_what_validation_rejects(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    run = opsgen(capsys, "config", "schema")
    schema = json.loads(run.out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    path = tmp_path / "opsgen.yaml"
    opsgen(capsys, "config", "init", path)
    assert list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))) == []
    for bad in (
        {"description": "no name"},
        {"name": "Bad Name"},
        {"name": "ok", "colour": "red"},
        {"name": "ok", "tools": {"continuous_integration": "jenkinz"}},
        {"name": "ok", "tools": {"made_up": "x"}},
        {"name": "ok\n"},
        {"name": "ok", "description": "bell\x07"},
    ):
        assert list(validator.iter_errors(bad)), bad
