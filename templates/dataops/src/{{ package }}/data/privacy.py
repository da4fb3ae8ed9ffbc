"""PII protection: the columns a contract tags `pii` are hashed (keyed HMAC-SHA256: joins still
work, values cannot be looked up) or masked before any row leaves the raw zone.

The key comes from PII_HASH_KEY, else from data/.pii_key, created at random on first use
(git-ignored, readable by its owner only). Keep it stable: a new key changes every hash.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

import pandas as pd

from .contracts import Contract
from .paths import Paths


def hash_key(paths: Paths) -> bytes:
    """The HMAC key for hashed columns."""
    from_env = os.environ.get("PII_HASH_KEY")
    if from_env:
        return from_env.encode("utf-8")
    if not paths.pii_key.exists():
        paths.pii_key.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(paths.pii_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32))
    return paths.pii_key.read_text(encoding="utf-8").strip().encode("utf-8")


def hash_value(value: str, key: bytes) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def mask_value(value: str) -> str:
    """Keep the first character of each word and the last two digits; star the rest."""
    if re.fullmatch(r"[\d\s+()./-]+", value):
        digits = re.sub(r"\D", "", value)
        return "*" * max(len(digits) - 2, 0) + digits[-2:]
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in value.split())


def protect(frame: pd.DataFrame, contract: Contract, key: bytes) -> pd.DataFrame:
    """A copy of ``frame`` with every PII column hashed or masked (empty values stay empty)."""
    protected = frame.copy()
    for column in contract.pii_columns:

        def apply(value: object, how: str = str(column.privacy)) -> object:
            if pd.isna(value) or value == "":
                return value
            return hash_value(str(value), key) if how == "hash" else mask_value(str(value))

        protected[column.name] = protected[column.name].map(apply)
    return protected
