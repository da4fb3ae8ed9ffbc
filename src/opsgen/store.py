"""The per-user template store that projects record as their copier ``_src_path``.

Every project records the same path, in ``~/`` form, so its answers work for any user on any
machine once some opsgen has seeded the store. The store only grows: a newer opsgen replaces it
with its own bundle (which holds every older release too); an older opsgen leaves a newer one be.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from opsgen import __version__
from opsgen.bundle import RELEASES, TEMPLATE_PATHS, build_bundle, read_heads
from opsgen.errors import GenerationError
from opsgen.gitops import failure, git

RECORDED_SOURCE = "~/.local/share/opsgen/templates.bundle"


@dataclass(frozen=True)
class TemplateSource:
    """Where copier reads the templates from, and the commit of this opsgen's templates."""

    src_path: str
    ref: str


def store_path() -> Path:
    """The store's real path for the current user."""
    return Path(os.path.expanduser(RECORDED_SOURCE))


def _packaged_bundle() -> Path | None:
    bundle = Path(str(resources.files("opsgen").joinpath("_data", "templates.bundle")))
    return bundle if bundle.is_file() else None


def _source_checkout_root() -> Path:
    # Running from a source checkout (an editable install): build the bundle from the tree.
    return Path(__file__).resolve().parents[2]


def _tree_stamp(root: Path) -> str:
    """Fingerprint the template inputs (path, size, mtime, mode): unchanged means no rebuild."""
    digest = hashlib.sha256(__version__.encode())
    for name in (*TEMPLATE_PATHS, str(RELEASES), "src/opsgen/bundle.py"):
        top = root / name
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            relative = path.relative_to(root).as_posix()
            digest.update(f"{relative}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_mode}\n".encode())
    return digest.hexdigest()


def _dev_bundle() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "opsgen"
    out = cache / f"dev-{__version__}" / "templates.bundle"
    root = _source_checkout_root()
    stamp = out.with_suffix(".stamp")
    current = _tree_stamp(root)
    # The stamp holds the built files' digest too, so a damaged cache is rebuilt, not installed.
    if _read_small(stamp) != f"{current} {_digest(out)}":
        try:
            build_bundle(root, __version__, out)
            stamp.write_text(f"{current} {_digest(out)}", encoding="utf-8")
        except subprocess.CalledProcessError as error:  # e.g. a full temporary folder
            raise GenerationError(f"building the templates of {root} failed: "
                                  f"{failure(error, error.cmd[3:])}") from None
        except OSError as error:
            raise GenerationError(f"building the templates of {root} failed: "
                                  f"{error.strerror or error}") from None
    return out


def _digest(bundle: Path) -> str:
    """The SHA-256 of a bundle and its ``.heads`` file ('' if either is missing or unreadable)."""
    digest = hashlib.sha256()
    try:
        for suffix in (".bundle", ".heads"):
            digest.update(bundle.with_suffix(suffix).read_bytes())
    except OSError:
        return ""
    return digest.hexdigest()


def _read_small(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _intact(target: Path) -> bool:
    """Whether the store's files are byte for byte what an opsgen installed (the digest file)."""
    recorded = _read_small(target.with_suffix(".sha256"))
    return bool(recorded) and recorded == _digest(target)


def _tags(heads: dict[str, str]) -> set[tuple[str, str]]:
    return {(ref, commit) for ref, commit in heads.items() if ref.startswith("refs/tags/")}


def refresh_released_store() -> None:
    """Seed the store from an installed wheel's bundle if it lacks any of its versions.

    Cheap (two small files read), so every opsgen command runs it: after an upgrade, the next
    opsgen command makes plain ``copier update`` see the new templates.
    """
    bundle = _packaged_bundle()
    if bundle is not None:
        _seed(bundle, released=True)


def ensure_seeded() -> TemplateSource:
    """Make the store hold this opsgen's templates; return the source and ref to render from."""
    bundle = _packaged_bundle()
    released = bundle is not None
    if bundle is None:
        bundle = _dev_bundle()
    ours = _seed(bundle, released=released)
    return TemplateSource(src_path=RECORDED_SOURCE, ref=ours["refs/heads/main"])


def recorded_commit(ref: str) -> str:
    """What copier records as ``_commit`` when it renders ``ref`` from the store.

    Copier clones the store and runs ``git describe --tags --always``: the same clone gives the
    same tags and abbreviation, so this is that string, for a clone's cost and no render.
    """
    with tempfile.TemporaryDirectory(prefix="opsgen-describe-") as tmp:
        clone = Path(tmp) / "store"
        git(Path(tmp), "clone", "-q", "--no-checkout", "--", str(store_path()), clone.name)
        return git(clone, "describe", "--tags", "--always", ref)


def _seed(bundle: Path, *, released: bool) -> dict[str, str]:
    ours = read_heads(bundle.with_suffix(".heads"))
    target = store_path()
    # A damaged store (truncated, overwritten, half-installed) counts as empty: reinstalled.
    theirs = read_heads(target.with_suffix(".heads")) if _intact(target) else {}
    # A released store only grows; a source checkout's store follows the working tree.
    stale = not _tags(ours) <= _tags(theirs) if released else ours != theirs
    if stale:
        _install(bundle, target)
    return ours


def _install(bundle: Path, target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in (".bundle", ".heads"):
            _copy_atomically(bundle.with_suffix(suffix), target.with_suffix(suffix))
        digest_file = target.with_suffix(".sha256")
        _copy_atomically(None, digest_file, text=_digest(target) + "\n")
    except OSError as error:
        raise GenerationError(
            f"{target}: cannot install opsgen's templates there ({error.strerror or error}); "
            "move it away or make it writable"
        ) from None


def _copy_atomically(source: Path | None, target: Path, text: str = "") -> None:
    """Put ``source``'s bytes (or ``text``) at ``target`` in one rename; no stray file on error."""
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        pass
    try:
        if source is None:
            Path(tmp.name).write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, tmp.name)
        os.replace(tmp.name, target)
    except BaseException:
        Path(tmp.name).unlink(missing_ok=True)
        raise
