"""Wheel build hook: ship the versioned template bundle inside the wheel (see opsgen.bundle)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class TemplatesBundleHook(BuildHookInterface):  # type: ignore[type-arg]
    """Build ``opsgen/_data/templates.bundle`` from the released history and current templates."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Add the bundle and its list of refs to a regular (not editable) wheel."""
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        sys.path.insert(0, str(root / "src"))
        from opsgen.bundle import build_bundle

        out = root / "build" / "opsgen-bundle" / "templates.bundle"
        build_bundle(root, self.metadata.version, out)
        build_data["force_include"][str(out)] = "opsgen/_data/templates.bundle"
        build_data["force_include"][str(out.with_suffix(".heads"))] = "opsgen/_data/templates.heads"
