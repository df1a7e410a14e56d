"""Profile commands: profile, flame, top, list, convert (filled in by the CLI work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the profile commands to ``app``."""
