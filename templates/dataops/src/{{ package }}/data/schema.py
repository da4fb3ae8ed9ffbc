"""Typing rows by their contract: text columns become the contract's types. A value that does
not parse, or a repeated primary key, is a reason to quarantine the row, never a silent NULL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pandas as pd

from .contracts import Column, Contract

Reasons = dict[int, list[str]]

_PARSERS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "integer": lambda s: (
        pd.to_numeric(s, errors="coerce")
        .astype("Float64")
        .where(lambda v: v.isna() | (v % 1 == 0))
        .astype("Int64")
    ),
    "float": lambda s: pd.to_numeric(s, errors="coerce").astype("Float64"),
    "date": lambda s: pd.to_datetime(s, format="%Y-%m-%d", errors="coerce"),
    "timestamp": lambda s: pd.to_datetime(s, errors="coerce", utc=True),
    "boolean": lambda s: s.str.lower().map({"true": True, "false": False}).astype("boolean"),
    "string": lambda s: s.astype("string"),
}


def _typed(text: pd.Series, column: Column) -> pd.Series:
    return _PARSERS[column.type](text)


def coerce(frame: pd.DataFrame, contract: Contract) -> tuple[pd.DataFrame, Reasons]:
    """The contract's columns of ``frame`` (text, "" for empty) typed, and the reasons of the
    rows that cannot be: unparsable values and repeated primary keys (the first one stays)."""
    reasons: Reasons = defaultdict(list)
    typed = pd.DataFrame(index=frame.index)
    for column in contract.columns:
        text = frame[column.name].astype("string").str.strip().replace("", pd.NA)
        values = _typed(text, column)
        for index in text.index[text.notna() & values.isna()]:
            reasons[int(index)].append(f"{column.name}: {text[index]!r} is not a {column.type}")
        typed[column.name] = values
    key = list(contract.primary_key)
    repeated = typed[key].notna().all(axis=1) & typed.duplicated(subset=key, keep="first")
    for index in typed.index[repeated]:
        reasons[int(index)].append(f"{', '.join(key)}: repeats an earlier row's key")
    return typed, dict(reasons)
