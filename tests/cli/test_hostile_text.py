"""Property-based: any name or description either is refused (exit 2, one line naming the key,
nothing written) or gives a project whose files all parse and carry the text literally."""

from __future__ import annotations

import json
import re
import tempfile
import tomllib
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from clirun import Run, opsgen, snapshot
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

# An oracle written independently of opsgen.config: the DESIGN's slug, at most 40 characters.
SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
# Each example renders a real project (about a second): few examples, no deadline.
BOUNDED = settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
YAML_SPECIAL = ["no", "yes", "~", "null", ":", "- x", "&a", "*a", "!!python/object", "? x",
                "'", '"', "#", "%YAML 1.1", "---", "...", "|", ">", "@", "`", "0x1F", "1e3"]
JINJA = ["{{ name }}", "{% if true %}x{% endif %}", "{# c", "{%", "}}", "{{", "{% raw %}", "${{ x }}"]
NASTY = ['"', "'", "\\", "\\n", "\\u0000", "\n", "\t", "\r", "\x00", "\x1b[31m", "\x7f", "\x85",
         "\u2028", "\ufeff", "😀", "\U0010ffff", "\ufffe", "é", "\u0301", "ß", " ", "  "]
pieces = st.sampled_from(YAML_SPECIAL + JINJA + NASTY)
hostile_text = st.one_of(
    st.text(),
    st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=8).map("".join),
    st.sampled_from(YAML_SPECIAL + JINJA),
    # Very long values, up to tens of thousands of characters.
    st.tuples(st.text(min_size=1, max_size=12), st.integers(50, 4000)).map(lambda t: t[0] * t[1]),
)


def write_config(folder: Path, **values: str) -> Path:
    config = folder / "opsgen.yaml"
    config.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    return config


def assert_refused(run: Run, key: str) -> None:
    assert run.code == 2, run
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith(f"opsgen: error: {key}:"), lines[0]
    assert run.out == ""


# --- name ---------------------------------------------------------------------------------------

slugs = st.from_regex(r"[a-z][a-z0-9]{0,12}(-[a-z0-9]{1,6}){0,3}", fullmatch=True)


@BOUNDED
@given(name=st.one_of(hostile_text, slugs))
@example(name="acme\n")  # `$` in a regex matches before a final newline
@example(name="a" * 41)
@example(name="Acme")
@example(name="a" * 40)
def test_a_name_is_a_slug_or_refused(capsys: pytest.CaptureFixture[str], name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = write_config(root, name=name)
        before = snapshot(root)
        run = opsgen(capsys, "new", root / "out", "--config", config, "--dry-run")
        assert snapshot(root) == before
    if SLUG.fullmatch(name) and len(name) <= 40:
        assert run.code == 0, run.err
    else:
        assert_refused(run, "name")


@BOUNDED
@given(name=st.one_of(hostile_text, slugs).filter(
    lambda n: 0 < len(n.encode()) <= 200 and "/" not in n and "\x00" not in n
    and n not in (".", "..")))
def test_a_destination_named_anything_gives_a_slug_or_is_refused(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    # With --defaults the project is named after DEST, so DEST's name is free text too.
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        run = opsgen(capsys, "new", root / name, "--defaults", "--dry-run")
        assert list(root.iterdir()) == []
    if SLUG.fullmatch(name) and len(name) <= 40:
        assert run.code == 0, run.err
    else:
        assert_refused(run, "name")


# --- description --------------------------------------------------------------------------------

PARSERS: dict[str, Callable[[bytes], object]] = {
    ".yml": lambda b: list(yaml.safe_load_all(b.decode("utf-8"))),
    ".yaml": lambda b: list(yaml.safe_load_all(b.decode("utf-8"))),
    ".toml": lambda b: tomllib.loads(b.decode("utf-8")),
    ".json": lambda b: json.loads(b.decode("utf-8")),
    ".py": lambda b: compile(b, "<generated>", "exec", dont_inherit=True),
}


def refused_description(text: str) -> bool:
    """The decision under test: control characters other than newline and tab are refused."""
    return any(
        c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cs") for c in text
    )


def assert_project_carries(project: Path, description: str) -> None:
    failures = []
    for path in sorted(project.rglob("*")):
        parse = PARSERS.get(path.suffix)
        if parse is None or ".git" in path.relative_to(project).parts or not path.is_file():
            continue
        try:
            parse(path.read_bytes())
        except Exception as error:  # each parser has its own error type
            failures.append(f"{path.relative_to(project)}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)
    for answers in project.glob(".copier-answers*.yml"):
        assert yaml.safe_load(answers.read_text(encoding="utf-8"))["description"] == description
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == description
    if description:
        assert description in (project / "README.md").read_bytes().decode("utf-8")


@BOUNDED
@given(description=hostile_text)
@example(description='He said "hi" \\ {{ name }} {% if x %} {# c \'q\' 😀')
@example(description="no")
@example(description="line one\nline two\n")
@example(description="bell\x07")
def test_a_description_is_kept_literally_or_refused(
    capsys: pytest.CaptureFixture[str], description: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = write_config(root, name="acme", description=description)
        # What the file says: YAML reads a raw NEL (U+0085) or line separator as a line break.
        description = yaml.safe_load(config.read_text(encoding="utf-8"))["description"]
        before = snapshot(root)
        run = opsgen(capsys, "new", root / "acme", "--config", config)
        if refused_description(description):
            assert_refused(run, "description")
            assert snapshot(root) == before
        else:
            assert run.code == 0, run.err
            assert_project_carries(root / "acme", description)


def test_a_description_in_every_layer_is_kept_literally(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    description = "Ünïcode 😀 \"quoted\" 'single' \\ {{ name }} {% raw %} {# no: ~ - x &a *a\n2nd line"
    config = write_config(tmp_path, name="acme-all", description=description)
    run = opsgen(capsys, "new", tmp_path / "acme-all", "--config", config,
                 "--layer", "mlops", "--layer", "dataops")
    assert run.code == 0, run.err
    assert_project_carries(tmp_path / "acme-all", description)


# A YAML-special value written unquoted is whatever YAML makes of it: text, nothing, or an error.
UNQUOTED = ["no", "~", ":", "- x", "&a", "*a", "!!python/object", "{{ x }}", "{% x %}", "{# x",
            "'open", "a: b", "[1, 2]", "12", "@at", "`tick`", "x # comment"]


@pytest.mark.parametrize("value", UNQUOTED)
def test_an_unquoted_yaml_special_description_works_or_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str
) -> None:
    text = f"name: acme\ndescription: {value}\n"
    config = tmp_path / "opsgen.yaml"
    config.write_text(text, encoding="utf-8")
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        loaded = None
        expected_key = "opsgen.yaml"
    else:
        parsed = loaded["description"]
        expected_key = "" if parsed is None or isinstance(parsed, str) else "description"
    run = opsgen(capsys, "new", tmp_path / "acme", "--config", config, "--dry-run")
    if expected_key:
        assert_refused(run, expected_key)
        if expected_key == "description":
            assert "quotes" in run.err
    else:
        assert run.code == 0, run.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opsgen.yaml"]
