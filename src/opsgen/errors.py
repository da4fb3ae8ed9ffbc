"""The one exception hierarchy of opsgen; only ``cli.py`` turns these into output and exit codes."""

from __future__ import annotations


class OpsgenError(Exception):
    """Base class of every error opsgen reports to its user."""

    exit_code = 1


class UsageError(OpsgenError):
    """Bad usage or bad input: nothing was written (exit code 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """A config value is invalid; the message starts with its dotted key."""

    def __init__(self, key: str, reason: str) -> None:
        """Name the offending key and say why it is wrong."""
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class CatalogError(OpsgenError):
    """The catalog data itself is inconsistent (a bug in opsgen, not in the user's input)."""


class GenerationError(OpsgenError):
    """Rendering or committing a project failed; the destination was left as it was."""


class ConflictError(OpsgenError):
    """An update ran but left merge conflicts for the user to resolve (exit code 1)."""
