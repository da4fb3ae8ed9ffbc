"""The transformation models (transform/models/*.sql): plain SELECTs over the validated tables
and over each other. A model that reads another says so in a dbt-style comment,
``-- depends_on: {{ ref('other') }}``, which is how dbt orders them too; the runners here
order them the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

from .errors import DataPipelineError

_DEPENDS = re.compile(r"--\s*depends_on:\s*\{\{\s*ref\(['\"](\w+)['\"]\)\s*\}\}")
_TABLES = re.compile(r"\b(?:from|join)\s+([A-Za-z_]\w*)", re.IGNORECASE)


@dataclass(frozen=True)
class Model:
    name: str
    sql: str
    depends_on: tuple[str, ...]

    @property
    def tables(self) -> set[str]:
        """The tables the model reads (after FROM or JOIN)."""
        return set(_TABLES.findall(self.sql))


def load_models(directory: Path) -> list[Model]:
    """The models in dependency order (a model comes after every model it reads)."""
    models = {}
    for path in sorted(directory.glob("*.sql")):
        sql = path.read_text(encoding="utf-8").strip().rstrip(";")
        models[path.stem] = Model(path.stem, sql, tuple(_DEPENDS.findall(sql)))
    if not models:
        raise DataPipelineError(f"{directory}: no models (*.sql)")
    for model in models.values():
        unknown = set(model.depends_on) - set(models)
        if unknown:
            raise DataPipelineError(
                f"model {model.name} depends on unknown models {sorted(unknown)}"
            )
    order = TopologicalSorter({m.name: set(m.depends_on) for m in models.values()}).static_order()
    return [models[name] for name in order]
