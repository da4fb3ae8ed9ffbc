"""Settings read once from the environment, validated, then frozen."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build them with :meth:`from_env`."""

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``HOST``, ``PORT``, ``LOG_LEVEL`` and ``MAX_BODY_BYTES``."""
        env = os.environ if environ is None else environ
        port = _int(env, "PORT", cls.port)
        if not 0 <= port <= 65535:
            raise ConfigError(f"PORT: {port} is not a TCP port (0-65535)")
        level = env.get("LOG_LEVEL", cls.log_level).upper()
        if level not in _LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL: {level!r} is not one of {', '.join(_LOG_LEVELS)}")
        max_body = _int(env, "MAX_BODY_BYTES", cls.max_body_bytes)
        if max_body < 1:
            raise ConfigError("MAX_BODY_BYTES: must be positive")
        return cls(
            host=env.get("HOST", cls.host),
            port=port,
            log_level=level,
            max_body_bytes=max_body,
        )

    @property
    def log_level_number(self) -> int:
        """The numeric :mod:`logging` level."""
        level: int = logging.getLevelName(self.log_level)
        return level


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{key}: {raw!r} is not an integer") from None
