"""The data pipeline: ingest -> validate -> transform -> catalog.

Each stage reads what the previous one wrote under data/, so any runner can call them one at a
time: `dvc repro` (data/dvc.yaml), an orchestrator, or `python -m PACKAGE.data.pipeline all`.

    python -m PACKAGE.data.pipeline {ingest,validate,transform,catalog,all} [--root DIR]

- ingest: new or changed landing files into the raw zone (data/raw), once each; expired raw
  batches deleted (contract retention.raw_days).
- validate: type and check every row against its contract; rows that fail go to
  data/quarantine/ with the reason, the rest to data/validated/, PII hashed or masked in both.
  Fails when a dataset quarantines more than its sla.max_quarantine_ratio.
- transform: the SQL models (transform/models) into data/curated/.
- catalog: docs/catalog/ (index.html, catalog.json) from the contracts, the data and the lineage.
Counts go to data/reports/run.json; lineage events to data/lineage/events.jsonl.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from . import catalog, ingest, privacy, quality, schema, transform
from .contracts import Contract, load_contracts
from .errors import DataPipelineError, QuarantineLimitError
from .lineage import DatasetInfo, job_run
from .models import load_models
from .paths import Paths

STAGES = ("ingest", "validate", "transform", "catalog")


def _report(paths: Paths, stage: str, section: dict[str, Any]) -> None:
    report = (
        json.loads(paths.run_report.read_text(encoding="utf-8"))
        if paths.run_report.exists()
        else {}
    )
    report[stage] = section
    paths.reports.mkdir(parents=True, exist_ok=True)
    paths.run_report.write_text(
        json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def _relative(paths: Paths, path: Path) -> str:
    return path.relative_to(paths.root).as_posix()


def ingest_stage(paths: Paths, contracts: dict[str, Contract]) -> dict[str, Any]:
    """Landing files into the raw zone; the counts of new batches and rows per dataset."""
    section = {}
    for name, contract in contracts.items():
        landing = DatasetInfo(contract.source["path"])
        with job_run(paths, f"ingest_{name}", [landing]) as outputs:
            written = ingest.ingest_files(paths, contract)
            expired = ingest.apply_retention(paths, contract)
            rows = sum(len(ingest.read_parquet(path)) for path in written)
            outputs.append(DatasetInfo(_relative(paths, paths.raw / name), rows=rows))
        section[name] = {"new_batches": len(written), "rows": rows, "expired_batches": len(expired)}
        print(
            f"ingest: {name}: {len(written)} new batch(es), {rows} rows"
            + (f", {len(expired)} expired" if expired else "")
        )
    return section


def _kind(reason: str) -> str:
    """A reason without the offending value, for counting."""
    column, _, what = reason.partition(": ")
    if " is not a " in what:
        what = "not a " + what.rsplit(" is not a ", 1)[1]
    return f"{column}: {what.split(' (got ')[0]}"


def check_dataset(frame: pd.DataFrame, contract: Contract) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(valid, quarantined)`` rows of a text frame: valid ones typed, quarantined ones as they
    came with a ``_reason`` column. PII is not masked yet."""
    typed, reasons = schema.coerce(frame, contract)
    clean = typed.drop(index=list(reasons))
    for index, found in quality.failures(clean, contract).items():
        reasons.setdefault(index, []).extend(found)
    failing = typed.index.isin(list(reasons))
    quarantined = frame.loc[failing, list(contract.column_names)].copy()
    quarantined["_reason"] = ["; ".join(reasons[int(i)]) for i in quarantined.index]
    return typed.loc[~failing].reset_index(drop=True), quarantined.reset_index(drop=True)


def validate_stage(paths: Paths, contracts: dict[str, Contract]) -> dict[str, Any]:
    """Raw batches -> validated and quarantined rows, PII protected; counts per dataset."""
    key = privacy.hash_key(paths)
    section: dict[str, Any] = {}
    over_limit = []
    for name, contract in contracts.items():
        batches = ingest.current_batches(paths, name)
        if not batches:
            raise DataPipelineError(f"validate: no raw data for {name}: run the ingest stage")
        raw = DatasetInfo(_relative(paths, paths.raw / name))
        with job_run(paths, f"validate_{name}", [raw]) as outputs:
            frame = pd.concat([ingest.read_parquet(b) for b in batches], ignore_index=True)
            valid, quarantined = check_dataset(frame, contract)
            for zone, rows in ((paths.validated, valid), (paths.quarantine, quarantined)):
                target = zone / f"{name}.parquet"
                ingest.write_parquet(privacy.protect(rows, contract, key), target)
                outputs.append(
                    DatasetInfo(
                        _relative(paths, target),
                        {c: str(t) for c, t in rows.dtypes.items()},
                        len(rows),
                    )
                )
        reasons = Counter(_kind(r) for text in quarantined["_reason"] for r in text.split("; "))
        section[name] = {
            "rows": len(frame),
            "valid": len(valid),
            "quarantined": len(quarantined),
            "reasons": dict(sorted(reasons.items())),
        }
        print(
            f"validate: {name}: {len(frame)} rows, {len(valid)} valid, "
            f"{len(quarantined)} quarantined" + (f" {dict(reasons)}" if reasons else "")
        )
        limit = float(contract.sla.get("max_quarantine_ratio", 1.0))
        if len(frame) and len(quarantined) / len(frame) > limit:
            over_limit.append(
                f"{name}: {len(quarantined)}/{len(frame)} rows quarantined, "
                f"over sla.max_quarantine_ratio {limit}"
            )
    _report(paths, "validate", section)
    if over_limit:
        raise QuarantineLimitError("; ".join(over_limit) + " (see data/quarantine/)")
    return section


def check_model(paths: Paths, built: DatasetInfo, contract: Contract) -> None:
    """Check a built model against its contract: any failing row fails the stage (a model is
    code: its output is fixed, not quarantined)."""
    frame = ingest.read_parquet(paths.root / built.name)
    text = frame.astype("string").fillna("")
    _, failing = check_dataset(text, contract)
    if len(failing):
        reasons = Counter(_kind(r) for t in failing["_reason"] for r in t.split("; "))
        raise DataPipelineError(
            f"transform: {contract.dataset}: {len(failing)} of {len(frame)} rows break "
            f"contracts/models/{contract.dataset}.yaml: {dict(reasons)}"
        )


def transform_stage(paths: Paths, contracts: dict[str, Contract]) -> dict[str, Any]:
    """The SQL models into data/curated/, each checked against its contract; their row counts."""
    section = {}
    datasets = [name for name in contracts if (paths.validated / f"{name}.parquet").exists()]
    if len(datasets) != len(contracts):
        raise DataPipelineError("transform: validated data is missing: run the validate stage")
    checks = load_contracts(paths.model_contracts) if paths.model_contracts.is_dir() else {}
    with transform.engine(paths, datasets) as handle:
        for model in load_models(paths.models):
            inputs = [
                DatasetInfo(_relative(paths, paths.validated / f"{name}.parquet"))
                for name in datasets
                if name in model.tables
            ]
            inputs += [
                DatasetInfo(_relative(paths, paths.curated / f"{name}.parquet"))
                for name in model.depends_on
            ]
            with job_run(paths, f"transform_{model.name}", inputs) as outputs:
                built = transform.build(handle, paths, model)
                if model.name in checks:
                    check_model(paths, built, checks[model.name])
                outputs.append(built)
            section[model.name] = {"rows": built.rows, "checked": model.name in checks}
            print(
                f"transform: {model.name}: {built.rows} rows ({transform.ENGINE})"
                + (", contract met" if model.name in checks else "")
            )
    return section


def catalog_stage(paths: Paths, contracts: dict[str, Contract]) -> dict[str, Any]:
    written = catalog.write(paths, contracts)
    print(f"catalog: {len(written['datasets'])} datasets in {_relative(paths, paths.catalog_dir)}/")
    return {"datasets": len(written["datasets"])}


STEPS = {
    "ingest": ingest_stage,
    "validate": validate_stage,
    "transform": transform_stage,
    "catalog": catalog_stage,
}


def run(stage: str, root: Path | None = None) -> None:
    """Run one stage (or ``all`` of them, in order) in the workspace ``root``."""
    paths = Paths((root or Path.cwd()).resolve())
    if stage != "all" and stage not in STEPS:
        raise DataPipelineError(f"unknown stage {stage!r}: one of {', '.join(STAGES)}, all")
    contracts = load_contracts(paths.contracts)
    for name in STAGES if stage == "all" else (stage,):
        section = STEPS[name](paths, contracts)
        if name != "validate":
            _report(paths, name, section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the data pipeline or one of its stages.")
    parser.add_argument("stage", choices=[*STAGES, "all"])
    parser.add_argument("--root", type=Path, default=None, help="workspace (default: here)")
    args = parser.parse_args(argv)
    try:
        run(args.stage, args.root)
    except DataPipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
