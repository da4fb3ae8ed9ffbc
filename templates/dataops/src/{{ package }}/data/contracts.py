"""Data contracts (contracts/<dataset>.yaml): each dataset's schema, checks, owner, SLA,
classification, retention and PII columns. Everything downstream reads them from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import DataPipelineError

TYPES = ("integer", "float", "string", "date", "timestamp", "boolean")
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
PRIVACY = ("hash", "mask")


@dataclass(frozen=True)
class Column:
    """One column of a dataset and the checks its values must pass."""

    name: str
    type: str
    description: str = ""
    nullable: bool = True
    unique: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] = ()
    pattern: str | None = None
    pii: bool = False
    privacy: str | None = None


@dataclass(frozen=True)
class Contract:
    """What a dataset promises, and who answers for it."""

    dataset: str
    description: str
    owner: dict[str, str]
    classification: str
    sla: dict[str, float]
    retention: dict[str, int]
    source: dict[str, str]
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def pii_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.pii)


def _column(where: str, raw: dict[str, Any]) -> Column:
    unknown = set(raw) - set(Column.__dataclass_fields__)
    if unknown:
        raise DataPipelineError(f"{where}: unknown column keys {sorted(unknown)}")
    column = Column(**{**raw, "allowed": tuple(str(v) for v in raw.get("allowed") or ())})
    if column.type not in TYPES:
        raise DataPipelineError(f"{where}.type: {column.type!r} is not one of {TYPES}")
    if column.pii and column.privacy not in PRIVACY:
        raise DataPipelineError(f"{where}.privacy: a PII column needs one of {PRIVACY}")
    return column


def parse_contract(path: Path) -> Contract:
    """The contract in ``path``; an error names the file and the key that is wrong."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise DataPipelineError(f"{path}: expected a mapping")
    try:
        columns = tuple(
            _column(f"{path.name}: columns[{index}]", item)
            for index, item in enumerate(raw["columns"])
        )
        contract = Contract(
            dataset=str(raw["dataset"]),
            description=str(raw["description"]),
            owner=dict(raw["owner"]),
            classification=str(raw["classification"]),
            sla=dict(raw["sla"]),
            retention=dict(raw["retention"]),
            source=dict(raw["source"]),
            primary_key=tuple(raw["primary_key"]),
            columns=columns,
        )
    except KeyError as error:
        raise DataPipelineError(f"{path}: missing key {error}") from error
    if contract.dataset != path.stem:
        raise DataPipelineError(f"{path}: dataset is {contract.dataset!r}, not {path.stem!r}")
    if contract.classification not in CLASSIFICATIONS:
        raise DataPipelineError(f"{path}: classification must be one of {CLASSIFICATIONS}")
    missing = set(contract.primary_key) - set(contract.column_names)
    if missing:
        raise DataPipelineError(f"{path}: primary_key names unknown columns {sorted(missing)}")
    return contract


def load_contracts(directory: Path) -> dict[str, Contract]:
    """Every contract in ``directory``, by dataset name."""
    contracts = {path.stem: parse_contract(path) for path in sorted(directory.glob("*.yaml"))}
    if not contracts:
        raise DataPipelineError(f"{directory}: no data contracts (*.yaml)")
    return contracts
