"""Where the data pipeline reads and writes: the zones of one workspace (the project root, or a
scratch folder in tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """The folders and files of one data workspace."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def landing(self) -> Path:
        """Files as delivered (one folder per dataset): the pipeline only reads them."""
        return self.data / "landing"

    @property
    def raw(self) -> Path:
        """Each ingested file, once, as parquet: the only zone that holds unmasked PII."""
        return self.data / "raw"

    @property
    def manifest(self) -> Path:
        return self.raw / "_manifest.json"

    @property
    def validated(self) -> Path:
        return self.data / "validated"

    @property
    def quarantine(self) -> Path:
        return self.data / "quarantine"

    @property
    def curated(self) -> Path:
        return self.data / "curated"

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse.duckdb"

    @property
    def reports(self) -> Path:
        return self.data / "reports"

    @property
    def run_report(self) -> Path:
        return self.reports / "run.json"

    @property
    def lineage(self) -> Path:
        return self.data / "lineage" / "events.jsonl"

    @property
    def pii_key(self) -> Path:
        return self.data / ".pii_key"

    @property
    def contracts(self) -> Path:
        return self.root / "contracts"

    @property
    def model_contracts(self) -> Path:
        """The contracts the curated models must meet (checked after each build)."""
        return self.contracts / "models"

    @property
    def models(self) -> Path:
        return self.root / "transform" / "models"

    @property
    def catalog_dir(self) -> Path:
        return self.root / "docs" / "catalog"
