"""``opsgen update``, ``add`` and ``set``: change a generated project, reported per file.

Every operation runs in a scratch clone of the project. There each layer is updated by copier and
committed (copier refuses a dirty repository, so the next layer needs the previous one committed),
a new layer is rendered, and the result is compared with the templates before and after. Only
then, unless it is a plan, do the changes reach the project: one all-or-nothing ``git apply`` to
its work tree, left uncommitted for review. A failure before that leaves the project as it was.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opsgen import __version__, rendercache
from opsgen.catalog import BASE_LAYER, LAYER_ORDER, default_catalog
from opsgen.changes import Versions, file_states
from opsgen.config import Overrides, ProjectConfig, config_from_answers, resolve
from opsgen.engine import answers_file, copier_update, render_layer
from opsgen.errors import GenerationError, OpsgenError, UsageError
from opsgen.gitops import (
    apply_changes,
    clone_head,
    commit_all,
    enclosing_repository,
    file_at,
    folder_entries,
    git,
    is_clean,
    mark_conflicts,
    merge_file,
    tree_entries,
    unmerged_paths,
)
from opsgen.interrupts import hold
from opsgen.migrations import Migration, migrate_answers, moved_files, pending, release
from opsgen.rendercache import RenderKey
from opsgen.store import TemplateSource, ensure_seeded, recorded_commit


@dataclass(frozen=True)
class UpdateReport:
    """What an update did (or, for a plan, would do) to each file of a project."""

    project: Path
    from_version: str
    to_version: str
    files: dict[str, str]
    applied: bool = True

    @property
    def conflicts(self) -> list[str]:
        """The files left with conflict markers."""
        return sorted(path for path, state in self.files.items() if state == "conflict")

    def to_json(self) -> dict[str, Any]:
        """The report for machines (``--json``); its shape is documented in the README."""
        return {
            "project": str(self.project),
            "from_version": self.from_version,
            "to_version": self.to_version,
            "files": dict(sorted(self.files.items())),
            "conflicts": self.conflicts,
        }


@dataclass(frozen=True)
class Change:
    """What an operation asks of a project besides the installed templates."""

    data: Mapping[str, Any] = field(default_factory=dict)  # answers that change, every layer
    new_layer: str | None = None


def update_project(project: Path, *, plan: bool = False, shortcut: bool = True) -> UpdateReport:
    """Bring every layer to the installed templates; leave the changes uncommitted for review.

    A project already at the installed templates gets its report without any merge; with
    ``shortcut=False`` it goes the whole way anyway (the tests compare the two reports).
    """
    project = project.resolve()
    layers = _updatable(project)
    if shortcut:
        report = _up_to_date(project, layers, plan=plan)
        if report is not None:
            return report
    return _run(project, layers, Change(), plan=plan)


def add_layer(project: Path, layer: str, *, plan: bool = False) -> UpdateReport:
    """Add ``layer``: the shared files learn of it, then its own files are rendered."""
    project = project.resolve()
    catalog = default_catalog()
    addable = [lid for lid in catalog.layer_ids if lid != BASE_LAYER and catalog.layer(lid).ready]
    if layer not in catalog.layer_ids or layer not in [BASE_LAYER, *addable]:
        raise UsageError(f"add: {layer!r} is not a layer; choose one of: {', '.join(addable)}")
    layers = _updatable(project)
    if layer in layers:
        raise UsageError(f"{project}: already has the {layer} layer")
    current = project_config(project)
    added = resolve(catalog, {**_raw(current), "layers": [*current.layers, layer]}, Overrides())
    return _run(project, layers, Change(data=added.answers(), new_layer=layer), plan=plan)


def set_tools(project: Path, sets: tuple[str, ...], *, plan: bool = False) -> UpdateReport:
    """Change tool choices of an existing project, validated like a new one, then re-render."""
    project = project.resolve()
    layers = _updatable(project)
    current = project_config(project)
    changed = resolve(default_catalog(), _raw(current), Overrides(sets=sets))
    if changed.tools["version_control"] != current.tools["version_control"]:
        raise UsageError(f"{project}: version_control cannot change on an existing project; "
                         "convert the repository with your VCS's own tools instead")
    data = {k: v for k, v in changed.answers().items() if k in dict(changed.tools)}
    return _run(project, layers, Change(data=data), plan=plan)


def project_config(project: Path) -> ProjectConfig:
    """The config a project was generated with, read back from its base answers file."""
    answers = _answers(project, BASE_LAYER)
    migrations = pending(str(answers.get("_commit", "")), __version__)
    return config_from_answers(default_catalog(), migrate_answers(answers, migrations))


def _raw(config: ProjectConfig) -> dict[str, Any]:
    tools = {k: list(v) if isinstance(v, tuple) else v for k, v in config.tools.items()}
    return {"name": config.name, "description": config.description,
            "layers": list(config.layers), "tools": tools}


# --- checks: each refusal is one line, and comes before anything is written ---------------------

def _updatable(project: Path) -> list[str]:
    """The project's layers, base first, once it is shown that opsgen may change it."""
    if not project.is_dir():
        problem = "is not a folder" if project.exists() else "no such folder"
        raise UsageError(f"{project}: {problem}")
    layers = [layer for layer in LAYER_ORDER if (project / answers_file(layer)).is_file()]
    if not layers:
        top = enclosing_repository(project)
        if top is not None and top != project and (top / answers_file(BASE_LAYER)).is_file():
            raise UsageError(f"{project}: no .copier-answers.yml; it is a folder of the project "
                             f"{top}: give that")
        raise UsageError(f"{project}: no .copier-answers.yml; not a project made by opsgen")
    vcs = str(_answers(project, layers[0]).get("version_control", "git"))
    if vcs != "git":
        raise UsageError(
            f"{project} uses {vcs}: copier update needs git; generate the new version with "
            "`opsgen new` into another folder (same answers) and merge the differences by hand"
        )
    if not (project / ".git").exists():
        top = enclosing_repository(project)
        if top is not None:
            raise UsageError(f"{project}: is a folder of the git repository {top}; opsgen changes "
                             "a project that is a git repository of its own")
        raise UsageError(f"{project}: updates need git (copier merges with it); run `git init`")
    if not is_clean(project):
        raise UsageError(f"{project}: has uncommitted changes; commit or stash them first")
    for layer in layers:
        answers = _answers(project, layer)
        if not {"_commit", "_src_path"} <= set(answers):
            raise UsageError(f"{answers_file(layer)}: records no template version "
                             "(_commit, _src_path); copier cannot update it")
        _refuse_newer(project, str(answers["_commit"]))
    return layers


def _refuse_newer(project: Path, commit: str) -> None:
    recorded, ours = release(commit), release(__version__)
    if recorded is not None and ours is not None and recorded > ours:
        made_by = ".".join(map(str, recorded))
        raise UsageError(f"{project} was made by opsgen {made_by}, newer than this opsgen "
                         f"{__version__}; upgrade opsgen")


def _answers(project: Path, layer: str) -> dict[str, Any]:
    path = project / answers_file(layer)
    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"{path.name}: cannot be read as YAML ({error})") from None
    if not isinstance(answers, dict):
        raise UsageError(f"{path.name}: is not a mapping of answers")
    return answers


def _plain(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The questions' answers, without copier's own keys and the per-layer ``layer``."""
    return {k: v for k, v in answers.items() if not k.startswith("_") and k != "layer"}


def _refuse_collisions(project: Path, before: Mapping[str, str], layer: str, new: Path) -> None:
    # Copying a layer overwrites; a file of the user's at one of its paths would be lost.
    clash = sorted(set(before) & set(folder_entries(new)) - {".git"})
    if clash:
        raise UsageError(f"{project}: {clash[0]} exists, and the {layer} layer writes it; "
                         "move it away and commit first")


# --- an up-to-date project: the report without renders or merges --------------------------------

def _up_to_date(project: Path, layers: list[str], *, plan: bool) -> UpdateReport | None:
    """The report of an update that cannot change anything, or None when it might.

    When every layer records the very templates installed (copier's ``_commit`` names them by
    ``git describe``), copier renders each file as it was and puts the user's edits back on it:
    every file stays as committed, and a template file the user deleted stays deleted. The
    report then needs only the list of template files, which the render cache remembers.
    """
    source = ensure_seeded()
    answers = {layer: _answers(project, layer) for layer in layers}
    if {str(a["_src_path"]) for a in answers.values()} != {source.src_path}:
        return None
    version = recorded_commit(source.ref)
    if {str(a["_commit"]) for a in answers.values()} != {version}:
        return None
    key = RenderKey(src_path=source.src_path, ref=source.ref,
                    layers=tuple((layer, _plain(a)) for layer, a in answers.items()))
    templates = rendercache.load(key)
    if templates is None:
        with tempfile.TemporaryDirectory(prefix="opsgen-update-") as tmp:
            templates = _entries(_render_key(key, Path(tmp)))
        rendercache.save(key, templates)
    before = tree_entries(project, "HEAD")
    return UpdateReport(
        project=project,
        from_version=version,
        to_version=version,
        files={path: "unchanged" if path in before else "kept-deleted" for path in templates},
        applied=not plan,
    )


# --- the operation: renders, the scratch clone, the report ---------------------------------------

def _entries(folders: dict[str, Path]) -> dict[str, str]:
    """The files of layers rendered into ``folders``, as if rendered one over the other."""
    merged: dict[str, str] = {}
    for folder in folders.values():
        merged.update(folder_entries(folder))
    return merged


def _render_key(key: RenderKey, work: Path) -> dict[str, Path]:
    """Render each layer of ``key`` into a folder of its own below ``work``."""
    source = TemplateSource(src_path=key.src_path, ref=key.ref)
    folders: dict[str, Path] = {}
    for layer, data in key.layers:
        folders[layer] = work / layer
        render_layer(source, folders[layer], dict(data), layer)
    return folders


@dataclass(frozen=True)
class _Renders:
    """Each layer rendered from the templates the project was made from, and the installed ones."""

    old: dict[str, Path]
    new: dict[str, Path]
    new_key: RenderKey  # what the installed templates were rendered with

    def file(self, which: dict[str, Path], path: str) -> Path | None:
        return next((f / path for f in which.values() if (f / path).is_file()), None)


def _render(project: Path, layers: list[str], change: Change, source: TemplateSource,
            work: Path, migrations: tuple[Migration, ...]) -> _Renders:
    old: dict[str, Path] = {}
    planned: list[tuple[str, Mapping[str, Any]]] = []
    for layer in layers:
        answers = _answers(project, layer)
        recorded = TemplateSource(src_path=str(answers["_src_path"]), ref=str(answers["_commit"]))
        old[layer] = work / "old" / layer
        render_layer(recorded, old[layer], _plain(answers), layer)
        migrated = migrate_answers(_plain(answers), migrations)
        planned.append((layer, {**migrated, **change.data}))
    if change.new_layer is not None:
        planned.append((change.new_layer, dict(change.data)))
    key = RenderKey(src_path=source.src_path, ref=source.ref, layers=tuple(planned))
    return _Renders(old=old, new=_render_key(key, work / "new"), new_key=key)


def _renamed(answers: Mapping[str, Any], migrations: tuple[Migration, ...]) -> dict[str, Any]:
    """The answers a migration renames, under their new names, for copier's new render."""
    plain = _plain(answers)
    migrated = migrate_answers(plain, migrations)
    return {key: value for key, value in migrated.items() if plain.get(key) != value}


def _carry_moved(clone: Path, base: str, before: Mapping[str, str], renders: _Renders,
                 moves: Mapping[str, str]) -> set[str]:
    """Carry the user's edits of each moved file to its new path; the paths left in conflict.

    Base: the old templates' file; ours: the user's committed file at the old path; theirs: the
    installed templates' file at its new path, as copier wrote it. Conflict markers are labelled
    and ordered as copier's own: the user's lines "before updating", the templates' "after".
    """
    conflicts = set()
    for old_path, new_path in moves.items():
        target = clone / new_path
        if old_path not in before or new_path in before or not target.is_file():
            continue
        templates = target.read_bytes()
        target.write_bytes(file_at(clone, base, old_path))
        labels = ("before updating", "templates before", "after updating")
        if merge_file(target, renders.file(renders.old, old_path), templates, labels):
            conflicts.add(new_path)
        (clone / old_path).unlink(missing_ok=True)
    return conflicts


def _keep_edited_drops(clone: Path, base: str, before: Mapping[str, str],
                       old: Mapping[str, str], new: Mapping[str, str]) -> set[str]:
    """Restore the files the templates dropped but the user had edited; they are conflicts.

    Copier deletes every file the new templates no longer have, edited or not. Git calls that a
    modify/delete conflict, and so does opsgen: the user's version stays for them to decide.
    """
    edited = sorted(p for p in old if p not in new and p in before and before[p] != old[p])
    if edited:
        git(clone, "checkout", base, "--", *edited)
    return set(edited)


def _run(project: Path, layers: list[str], change: Change, *, plan: bool) -> UpdateReport:
    source = ensure_seeded()
    with tempfile.TemporaryDirectory(prefix="opsgen-update-") as tmp:
        work = Path(tmp)
        migrations = pending(str(_answers(project, BASE_LAYER).get("_commit", "")), __version__)
        renders = _render(project, layers, change, source, work, migrations)
        clone = work / "project"
        base = clone_head(project, clone)
        before = tree_entries(clone, base)
        if change.new_layer is not None:
            _refuse_collisions(project, before, change.new_layer, renders.new[change.new_layer])
        old, new = _entries(renders.old), _entries(renders.new)
        rendercache.save(renders.new_key, new)  # the next update of this project needs no render
        conflicts: set[str] = set()
        for layer in layers:
            renamed = _renamed(_answers(project, layer), migrations)
            copier_update(clone, answers_file(layer), data={**renamed, **change.data})
            conflicts |= unmerged_paths(clone)
            commit_all(clone, f"opsgen: update the {layer} layer")
        moves = moved_files(migrations)
        conflicts |= _carry_moved(clone, base, before, renders, moves)
        kept = {path: entry for path, entry in old.items() if path not in moves}
        conflicts |= _keep_edited_drops(clone, base, before, kept, new)
        if change.new_layer is not None:
            render_layer(source, clone, dict(change.data), change.new_layer)
        final = commit_all(clone, "opsgen: the updated project")
        versions = Versions(before=before, after=tree_entries(clone, final), old=old, new=new,
                            conflicts=frozenset(conflicts))
        report = UpdateReport(
            project=project,
            from_version=str(_answers(project, BASE_LAYER).get("_commit", "")),
            to_version=str(_answers(clone, BASE_LAYER).get("_commit", "")),
            files=file_states(versions),
            applied=not plan,
        )
        if not plan:
            hold()  # the project changes whole from here: Ctrl-C no longer stops it half-way
            try:
                apply_changes(clone, base, final, project)
                came_from = {new: old for old, new in moves.items()}
                mark_conflicts(project, {
                    path: (renders.file(renders.old, came_from.get(path, path)),
                           renders.file(renders.new, path))
                    for path in report.conflicts
                }, came_from)
            except (OpsgenError, OSError) as error:  # e.g. the disk filled up half-way
                raise _partly_changed(project, error) from error
    return report


def _partly_changed(project: Path, error: Exception) -> GenerationError:
    """Writing into the project failed after it began: say so, and how git takes it back."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return GenerationError(
        f"{reason}; {project} may be partly changed (your commits are not): once that is "
        "fixed, `rm -f .git/index.lock; git reset --hard; git clean -fd` there restores your "
        "last commit; then run this again"
    )
