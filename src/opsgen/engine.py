"""Rendering with copier: the only module that imports it.

``generate`` renders every layer into a temporary folder beside the destination, commits it,
and moves it into place, so a failure leaves the destination exactly as it was, and a killed
run leaves the destination absent (its scratch folder is removed by the next run there).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgen import rendercache
from opsgen.catalog import BASE_LAYER, default_catalog
from opsgen.config import ProjectConfig
from opsgen.errors import GenerationError, OpsgenError, UsageError
from opsgen.gitops import Progress, git, tell, tree_entries
from opsgen.interrupts import hold
from opsgen.rendercache import RenderKey
from opsgen.store import RECORDED_SOURCE, TemplateSource, ensure_seeded
from opsgen.vcs import METADATA_DIRS, record, start_hint


def answers_file(layer: str) -> str:
    """The answers file of a layer: plain ``copier update`` finds the base layer's."""
    return ".copier-answers.yml" if layer == BASE_LAYER else f".copier-answers.{layer}.yml"


@dataclass(frozen=True)
class Result:
    """What a generation wrote (or, for a dry run, would write)."""

    dest: Path
    files: tuple[str, ...]
    hint: str | None = None  # how to put the project under version control, if opsgen did not


def render_layer(source: TemplateSource, dst: Path, data: dict[str, Any], layer: str) -> None:
    """Render one layer of the templates at ``source.ref`` with answers ``data`` into ``dst``."""
    from copier import run_copy  # lazy: keeps `opsgen --help` and `opsgen catalog` fast
    from copier.errors import CopierError

    try:
        run_copy(
            source.src_path,
            dst,
            data={**data, "layer": layer},
            answers_file=answers_file(layer),
            vcs_ref=source.ref,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
            cleanup_on_error=False,
        )
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise GenerationError(
                f"{dst.parent}: No space left on device while rendering layer {layer}; "
                "nothing was written"
            ) from None
        raise GenerationError(f"rendering layer {layer} failed: {_one_line(error)}") from error
    except (CopierError, ValueError) as error:
        raise GenerationError(f"rendering layer {layer} failed: {_one_line(error)}") from error


def _one_line(error: Exception) -> str:
    """The telling line of an error: git's ``fatal:`` line when copier quotes a failed clone.

    A clone fails on a damaged template source, or on a full disk where it clones to (the
    temporary folder): only the first is the source's fault.
    """
    lines = [line.strip(" |") for line in str(error).splitlines() if line.strip(" |")]
    fatal = next((line[line.index("fatal:"):] for line in lines if "fatal:" in line), None)
    if fatal is None:
        return lines[0] if lines else type(error).__name__
    if os.strerror(errno.ENOSPC) in fatal:
        return f"{fatal}; nothing was written"
    return f"{fatal} (the template source {RECORDED_SOURCE} is damaged)"


def render_layers(
    config: ProjectConfig, dst: Path, layers: tuple[str, ...], progress: Progress | None = None
) -> TemplateSource:
    """Render the given layers of ``config`` into ``dst``; return the templates rendered."""
    source = ensure_seeded()
    for layer in layers:
        tell(progress, f"render the {default_catalog().layer(layer).title} layer")
        render_layer(source, dst, config.answers(), layer)
    _drop_empty_folders(dst)
    return source


def _drop_empty_folders(root: Path) -> None:
    """Remove the folders a render left empty.

    Copier makes a folder even when none of its files is chosen; no version control keeps an
    empty folder, so a clone of the project would lack it.
    """
    for folder, _, files in os.walk(root, topdown=False):
        path = Path(folder)
        if files or path == root or METADATA_DIRS & set(path.relative_to(root).parts):
            continue
        with os.scandir(path) as entries:  # its subfolders may have gone just before
            if next(entries, None) is None:
                path.rmdir()


def _remember(source: TemplateSource, config: ProjectConfig, repo: Path) -> None:
    """Cache the render just committed to ``repo``, so the first ``opsgen update`` needs none.

    Keyed as an update keys it (each layer with the project's answers), and read off the commit:
    layers rendered one over the other leave the files that separate renders merged give.
    """
    if git(repo, "ls-files", "-z", "--others", "--ignored", "--exclude-standard"):
        return  # a rendered file the commit lacks: only a render lists it, so leave it to one
    key = RenderKey(src_path=source.src_path, ref=source.ref,
                    layers=tuple((layer, config.answers()) for layer in config.layers))
    rendercache.save(key, tree_entries(repo, "HEAD"))


def _listing(root: Path) -> tuple[str, ...]:
    files = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if relative.parts[0] not in METADATA_DIRS and (path.is_file() or path.is_symlink()):
            files.append(relative.as_posix())
    return tuple(sorted(files))


def check_destination(dest: Path) -> None:
    """Refuse a file, a link or a non-empty folder as destination (nothing is overwritten)."""
    try:
        _check_destination(dest)
    except OSError as error:  # e.g. a parent folder the user may not read
        raise UsageError(f"{dest}: cannot be used ({error.strerror or error})") from None


def _check_destination(dest: Path) -> None:
    if dest.is_symlink():
        # Writing through a link would put the project somewhere the user did not name; replacing
        # the link would break whatever else relies on it.
        target = "a folder" if dest.is_dir() else "a file" if dest.exists() else "nothing"
        raise UsageError(
            f"{dest}: is a symbolic link (to {target}); give the real folder or a new path"
        )
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest}: exists and is not a folder; choose a new destination")
    if dest.is_dir() and any(not _dead_scratch(child) for child in dest.iterdir()):
        raise UsageError(f"{dest}: folder is not empty; choose a new or empty destination")
    ancestor = next(p for p in dest.parents if os.path.lexists(p))
    if not ancestor.is_dir():
        raise UsageError(f"{dest}: {ancestor} is not a folder; choose another destination")


SCRATCH_PREFIX = ".opsgen-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _dead_scratch(path: Path) -> bool:
    """Whether ``path`` is a scratch folder that a killed opsgen (SIGKILL, power loss) left.

    A scratch folder is named after its process id; one whose process is gone is garbage.
    """
    name = path.name
    if not name.startswith(SCRATCH_PREFIX) or "-" not in name[len(SCRATCH_PREFIX):]:
        return False
    pid = name[len(SCRATCH_PREFIX):].split("-", 1)[0]
    if not pid.isdigit() or _alive(int(pid)) or path.is_symlink() or not path.is_dir():
        return False
    return {child.name for child in path.iterdir()} <= {"project"}  # what _scratch makes


def _sweep(parent: Path) -> None:
    """Remove the scratch folders that killed opsgen processes left in ``parent``."""
    for path in parent.glob(f"{SCRATCH_PREFIX}*-*"):
        if _dead_scratch(path):
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _scratch(parent: Path) -> Iterator[Path]:
    _sweep(parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=parent))
    except OSError as error:
        raise _cannot_write(parent, error) from None
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _cannot_write(folder: Path, error: OSError) -> OpsgenError:
    """A destination the user may not write is bad input (2); a full disk is a failure (1)."""
    reason = f"{folder}: cannot write there ({error.strerror or error})"
    if error.errno == errno.ENOSPC:
        return GenerationError(f"{reason}; nothing was written")
    return UsageError(f"{reason}; choose another destination")


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, outermost first."""
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    created: list[Path] = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except OSError as error:
            _remove_folders(created)
            raise _cannot_write(path.parent, error) from None
        created.append(path)
    return created


def _remove_folders(created: list[Path]) -> None:
    for path in reversed(created):
        with suppress(OSError):
            path.rmdir()


def generate(
    config: ProjectConfig, dest: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> Result:
    """Write the project for ``config`` at ``dest`` atomically, in one first commit if it can.

    ``progress`` is told each step as it starts: each layer's rendering, the repository's
    creation and first commit, and the move into place. On failure nothing is left behind:
    not the project, nor the parent folders created for it.
    """
    dest = dest.absolute()
    check_destination(dest)
    if dry_run:
        with _scratch(Path(tempfile.gettempdir())) as tmp:
            render_layers(config, tmp / "project", config.layers)
            return Result(dest=dest, files=_listing(tmp / "project"))
    created = _make_folders(dest.parent)
    try:
        return _generate_into(config, dest, progress)
    except BaseException:
        _remove_folders(created)
        raise


def _generate_into(config: ProjectConfig, dest: Path, progress: Progress | None) -> Result:
    # An existing (empty) folder is filled in place, so it keeps its permissions, its owner, a
    # shell's working directory in it, and works as a mount point: the project is staged inside
    # it, on its file system. A new folder is staged beside it and lands by one rename.
    fill = dest.is_dir()
    with _scratch(dest if fill else dest.parent) as tmp:
        staged = tmp / "project"
        source = render_layers(config, staged, config.layers, progress)
        vcs = str(config.tools["version_control"])
        committed = record(vcs, staged, f"Generate {config.name} with opsgen", progress)
        if committed and vcs == "git":  # updates need git
            _remember(source, config, staged)
        files = _listing(staged)
        tell(progress, f"move it into {dest.name}")
        hold()  # from here the project lands whole: Ctrl-C no longer undoes it
        if fill:
            _move_contents(staged, dest)
        else:
            _move_into_place(staged, dest)
    return Result(dest=dest, files=files, hint=None if committed else start_hint(vcs, dest))


# The repository goes first: if opsgen is killed during the moves, the folder holds the first
# commit, and `git reset --hard; git clean -fd` there completes the project.
_REPOSITORIES = (".git", ".hg")


def _move_contents(staged: Path, dest: Path) -> None:
    """Move everything in ``staged`` into the folder ``dest`` on its file system.

    The repository goes first. On failure, what was moved goes back: ``dest`` is left as it was.
    """
    entries = sorted(staged.iterdir(), key=lambda p: (p.name not in _REPOSITORIES, p.name))
    moved: list[Path] = []
    try:
        for entry in entries:
            target = dest / entry.name
            if os.path.lexists(target):  # written there meanwhile: never replace it
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
            os.rename(entry, target)
            moved.append(entry)
    except OSError as error:
        for entry in reversed(moved):
            with suppress(OSError):
                os.rename(dest / entry.name, entry)
        raise GenerationError(f"{dest}: could not move the project into place ({error})") from None


def _move_into_place(staged: Path, dest: Path) -> None:
    try:
        # rename(2) replaces an empty folder atomically and refuses a non-empty one.
        os.replace(staged, dest)
    except OSError as error:
        raise GenerationError(f"{dest}: could not move the project into place ({error})") from None


def copier_update(project: Path, layer_answers: str, data: dict[str, Any] | None = None) -> None:
    """Bring one layer of ``project`` to this opsgen's templates with copier's 3-way merge.

    ``data`` changes answers on the way (``opsgen set``); the rest keep their recorded values.
    """
    from copier import run_update
    from copier.errors import CopierError

    source = ensure_seeded()
    try:
        run_update(
            project,
            answers_file=layer_answers,
            data=data or {},
            vcs_ref=source.ref,
            defaults=True,
            overwrite=True,
            skip_answered=True,
            conflict="inline",
            quiet=True,
            unsafe=False,
        )
    except (CopierError, ValueError, OSError) as error:
        raise GenerationError(f"{layer_answers}: update failed: {error}") from error
