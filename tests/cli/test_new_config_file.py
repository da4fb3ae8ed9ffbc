"""`opsgen new DEST --config FILE`: bad input exits 2 with one line naming the key, writing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from clirun import opsgen, opsgen_process

BAD_CONFIGS = [
    ("description: no name\n", "name:"),
    ("name: Acme\n", "name:"),
    ("name: acme/web\n", "name:"),
    ("name: ../acme\n", "name:"),
    ("name: acme web\n", "name:"),
    ("name: \"acme'web\"\n", "name:"),
    ("name: acme\ncolour: red\n", "colour:"),
    ("name: acme\ntools:\n  chaos_engineering: gremlin\n", "tools.chaos_engineering:"),
    ("name: acme\ntools:\n  continuous_integration: jenkinz\n", "tools.continuous_integration:"),
    ("name: acme\ntools:\n  continuous_integration: [github_actions]\n",
     "tools.continuous_integration:"),
    ("name: acme\ntools:\n  infrastructure_as_code: none\n", "tools.infrastructure_as_code:"),
    ("name: acme\nlayers: [quantumops]\n", "layers:"),
    ("name: [acme\n", "opsgen.yaml:"),
    ("", "opsgen.yaml:"),
]


@pytest.mark.parametrize(("text", "key"), BAD_CONFIGS, ids=[k for _, k in BAD_CONFIGS])
@pytest.mark.parametrize("dest_state", ["absent", "empty"])
def test_bad_config_exits_2_naming_the_key_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, key: str, dest_state: str
) -> None:
    config = tmp_path / "opsgen.yaml"
    config.write_text(text, encoding="utf-8")
    dest = tmp_path / "out" / "acme"
    if dest_state == "empty":
        dest.mkdir(parents=True)
    before = sorted(p.name for p in tmp_path.rglob("*"))

    run = opsgen(capsys, "new", dest, "--config", config)

    assert run.code == 2
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith(f"opsgen: error: {key}"), lines[0]
    assert "Traceback" not in run.err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert run.out == ""


def test_config_file_with_flags_on_top(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "opsgen.yaml"
    config.write_text(
        "name: acme-web\ndescription: Web shop\ntools:\n  incident_management: slack\n",
        encoding="utf-8",
    )
    dest = tmp_path / "acme"
    run = opsgen(capsys, "new", dest, "--config", config, "--set", "configuration_management=none")
    assert run.code == 0, run.err
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["name"] == "acme-web"
    assert answers["incident_management"] == "slack"
    assert answers["configuration_management"] == "none"
    assert not (dest / "deploy" / "ansible").exists()


def test_without_dest_the_config_names_the_folder(tmp_path: Path) -> None:
    (tmp_path / "opsgen.yaml").write_text("name: acme-named\n", encoding="utf-8")
    run = opsgen_process("new", "--config", "opsgen.yaml", cwd=tmp_path)
    assert run.code == 0, run.err
    answers = yaml.safe_load((tmp_path / "acme-named" / ".copier-answers.yml").read_text("utf-8"))
    assert answers["name"] == "acme-named"


def test_without_dest_a_taken_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "opsgen.yaml").write_text("name: acme-taken\n", encoding="utf-8")
    (tmp_path / "acme-taken").mkdir()
    (tmp_path / "acme-taken" / "notes.txt").write_text("mine\n", encoding="utf-8")
    run = opsgen_process("new", "--config", "opsgen.yaml", cwd=tmp_path)
    assert run.code == 2
    assert "acme-taken: folder is not empty" in run.err
    assert [p.name for p in (tmp_path / "acme-taken").iterdir()] == ["notes.txt"]
