"""Broken input: config files that are not YAML, huge or deeply nested; destinations that are files,
links or unwritable; a damaged template store. Each gives one clear line, writes nothing and
touches nothing outside DEST."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from clirun import Run, child_env, opsgen, opsgen_process, snapshot

from opsgen.config import CONFIG_MAX_BYTES
from opsgen.store import store_path


def one_line_error(run: Run, start: str) -> str:
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith(f"opsgen: error: {start}"), lines[0]
    assert "Traceback" not in run.err
    return lines[0]


# --- Config files -------------------------------------------------------------------------------

def _bomb() -> bytes:
    # "Billion laughs": nine levels of nine aliases in one value; tiny to read, 9**9 leaves for
    # anything that walks it (such as the repr of the value in an error message).
    levels = ['&l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"&l{n} [" + ",".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 10)]
    return ("[" + ", ".join(levels) + "]").encode()


BROKEN_FILES: dict[str, tuple[bytes, str]] = {
    "binary": (bytes(range(256)) * 64, "is not UTF-8 text"),
    "invalid-utf8": (b"name: acme\ndescription: caf\xe9\n", "is not UTF-8 text (byte 28 is 0xe9)"),
    "nul-in-utf8": (b"name: acme\x00\n", "is not valid YAML: character U+0000 at position 11"),
    "utf16": ("name: acme\n".encode("utf-16"), "is not UTF-8 text"),
    "deep-flow": (b"[" * 100_000, "nests too deeply"),
    "deep-block": (b"".join(b" " * i + b"k:\n" for i in range(1200)), "nests too deeply"),
    "deep-mapping": (b"{a: " * 50_000, "nests too deeply"),
    "alias-bomb-name": (b"name: " + _bomb() + b"\n", "name: a list is not a slug"),
    "alias-bomb-description": (b"name: acme\ndescription: " + _bomb() + b"\n",
                               "description: must be text, not a list"),
    "alias-bomb-tool": (b"name: acme\ntools:\n  containerization: " + _bomb() + b"\n",
                        "tools.containerization: a list is not a tool"),
    "python-tag": (b"name: !!python/object:os.system echo\n", "is not valid YAML at line 1"),
    # YAML keys are unique; the last one winning would drop what the user wrote first.
    "duplicate-key": (b"name: acme\nname: other\n",
                      "is not valid YAML at line 2, column 1: duplicate key 'name'"),
    "duplicate-tool": (b"name: acme\ntools:\n  incident_management: slack\n"
                       b"  incident_management: email\n",
                       "is not valid YAML at line 4, column 3: duplicate key 'incident_management'"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_a_broken_config_file_fails_fast_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    content, expected = BROKEN_FILES[case]
    config = tmp_path / "opsgen.yaml"
    config.write_bytes(content)
    alias = expected.split(":")[0] in ("name", "description", "tools.containerization")
    prefix = "" if alias else "opsgen.yaml: "
    before = snapshot(tmp_path)
    run = opsgen(capsys, "new", tmp_path / "acme", "--config", config)
    # Failing fast is the guard's message, not a stopwatch (speed is for benchmarks): the
    # nesting and alias guards answer before a parser or an expansion could run away.
    assert run.code == 2
    assert expected in one_line_error(run, prefix), run.err
    assert snapshot(tmp_path) == before


def test_a_huge_config_file_is_refused_before_it_is_parsed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "opsgen.yaml"
    with config.open("wb") as stream:  # 50 MB of valid YAML: parsing it would take minutes
        stream.write(b"name: acme\n" + b"# padding padding padding padding padding padding\n" * 1_000_000)
    run = opsgen(capsys, "new", tmp_path / "acme", "--config", config)
    assert run.code == 2
    limit = f"{CONFIG_MAX_BYTES // 1024 // 1024} MiB"
    assert f"is larger than {limit}" in one_line_error(run, "opsgen.yaml: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opsgen.yaml"]


def test_a_config_at_the_size_limit_is_still_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = b"name: acme-big\n"
    config = tmp_path / "opsgen.yaml"
    config.write_bytes(head + b"#" * (CONFIG_MAX_BYTES - len(head) - 1) + b"\n")
    run = opsgen(capsys, "config", "validate", config)
    assert run.code == 0, run.err


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: None, "no such file"),
])
def test_a_config_path_that_is_no_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: object, expected: str
) -> None:
    """Named by the path as given: ./opsgen.yaml may well exist when ../other/opsgen.yaml does not."""
    (tmp_path / "opsgen.yaml").write_text("name: acme\n", encoding="utf-8")
    (tmp_path / "other").mkdir()
    config = Path("..") / "other" / "opsgen.yaml"
    make(tmp_path / "other" / "opsgen.yaml")  # type: ignore[operator]
    run = opsgen_process("new", tmp_path / "acme", "--config", config, cwd=tmp_path / "other")
    assert run.code == 2
    one_line_error(run, f"{config}: {expected}")
    assert not (tmp_path / "acme").exists()


def test_a_device_as_config_is_cut_at_the_limit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    run = opsgen(capsys, "new", tmp_path / "acme", "--config", "/dev/zero")
    assert run.code == 2
    one_line_error(run, "zero: is larger than")


# --- Destinations -------------------------------------------------------------------------------

def test_a_destination_that_is_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "svc").write_text("mine\n", encoding="utf-8")
    before = snapshot(tmp_path)
    run = opsgen(capsys, "new", tmp_path / "svc", "--defaults")
    assert run.code == 2
    one_line_error(run, f"{tmp_path / 'svc'}: exists and is not a folder")
    assert snapshot(tmp_path) == before


def test_a_destination_below_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("mine\n", encoding="utf-8")
    before = snapshot(tmp_path)
    run = opsgen(capsys, "new", tmp_path / "notes" / "deeper" / "svc", "--defaults")
    assert run.code == 2
    assert "notes is not a folder" in one_line_error(run, str(tmp_path / "notes"))
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("target", "kind"), [
    ("empty", "a folder"), ("full", "a folder"), ("missing", "nothing"), ("file", "a file"),
])
def test_a_destination_that_is_a_symlink(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, target: str, kind: str
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine\n", encoding="utf-8")
    (tmp_path / "file").write_text("mine\n", encoding="utf-8")
    link = tmp_path / "svc"
    link.symlink_to(tmp_path / target)
    before = snapshot(tmp_path), sorted(p.name for p in tmp_path.rglob("*"))
    run = opsgen(capsys, "new", link, "--defaults")
    assert run.code == 2
    one_line_error(run, f"{link}: is a symbolic link (to {kind})")
    assert (snapshot(tmp_path), sorted(p.name for p in tmp_path.rglob("*"))) == before
    assert link.is_symlink() and os.readlink(link) == str(tmp_path / target)


def _bits_enforced(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
    except PermissionError:
        return True
    (folder / ".probe").unlink()
    return False


def _without_override() -> list[str]:
    """A command prefix that runs without the capabilities that let root ignore permission bits."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner",
              "--"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    return prefix if probe.returncode == 0 else []


@pytest.mark.parametrize("dest", ["svc", "new/deeper/svc"])
def test_an_unwritable_parent_folder(tmp_path: Path, dest: str) -> None:
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    try:
        prefix: list[str] = []
        if not _bits_enforced(readonly):
            prefix = _without_override()
            if not prefix:
                pytest.skip("permission bits are not enforced here (root) and setpriv cannot "
                            "drop the override capabilities")
        before = sorted(p.name for p in tmp_path.rglob("*"))
        result = subprocess.run(
            [*prefix, "python", "-m", "opsgen", "new", str(readonly / dest), "--defaults"],
            capture_output=True, text=True, check=False, env=child_env(),
        )
        run = Run(result.returncode, result.stdout, result.stderr)
        assert run.code == 2, run
        line = one_line_error(run, str(readonly))
        assert "Permission denied" in line
        assert sorted(p.name for p in tmp_path.rglob("*")) == before
    finally:
        readonly.chmod(0o755)


def test_parent_folders_made_for_a_failed_project_are_removed(tmp_path: Path) -> None:
    # A real failure of the real git after rendering (as in test_new_flags, in a process of its
    # own for the same reason): the folders made to hold DEST must go too, or a failed run leaves
    # something outside DEST.
    run = opsgen_process("new", tmp_path / "new" / "deeper" / "svc", "--defaults",
                         env={"GIT_AUTHOR_DATE": "not a date at all"})
    assert run.code == 1
    one_line_error(run, "git commit")
    assert list(tmp_path.iterdir()) == []


# --- The template store -------------------------------------------------------------------------

def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(2000))


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _heads_garbage(path: Path) -> None:
    path.with_suffix(".heads").write_bytes(b"\xff\xfe garbage \x00\n")


def _deleted(path: Path) -> None:
    path.unlink()


DAMAGE = {"garbage": _garbage, "truncated": _truncated, "empty": _empty,
          "heads-garbage": _heads_garbage, "deleted": _deleted}


@pytest.fixture
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_template_store_repairs_itself(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, own_home: Path, damage: str
) -> None:
    assert opsgen(capsys, "new", tmp_path / "first", "--defaults").code == 0
    store = store_path()
    assert store.is_relative_to(own_home)
    DAMAGE[damage](store)
    run = opsgen(capsys, "new", tmp_path / "second", "--defaults")
    assert run.code == 0, run.err
    assert (tmp_path / "second" / ".copier-answers.yml").is_file()
    assert sorted(p.name for p in store.parent.iterdir()) == [
        "templates.bundle", "templates.heads", "templates.sha256"]


def test_a_folder_in_place_of_the_template_store_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, own_home: Path
) -> None:
    store = store_path()
    store.mkdir(parents=True)
    (store / "mine.txt").write_text("not opsgen's\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    run = opsgen(capsys, "new", work / "svc", "--defaults")
    assert run.code == 1
    assert "move it away" in one_line_error(run, f"{store}: cannot install opsgen's templates")
    assert list(work.iterdir()) == []
    assert snapshot(store) == {"mine.txt": b"not opsgen's\n"}
    assert sorted(p.name for p in store.parent.iterdir()) == ["templates.bundle"]


def test_a_damaged_dev_bundle_cache_is_rebuilt(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, own_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In a source checkout the bundle is built into the cache; a damaged one must not be installed.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert opsgen(capsys, "new", tmp_path / "first", "--defaults").code == 0
    cached = next((tmp_path / "cache").rglob("templates.bundle"))
    _garbage(cached)
    run = opsgen(capsys, "new", tmp_path / "second", "--defaults")
    assert run.code == 0, run.err
