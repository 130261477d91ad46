"""Numbers as users read them, shared by the engine's messages and the reports."""

from __future__ import annotations


def percent(p: float) -> str:
    """A probability as a percentage: whole numbers from 10%, one decimal from 1%, two
    significant digits below (never "0%" for a small positive probability)."""
    value = p * 100
    if value >= 10:
        return f"{value:.0f}%"
    return f"{value:.1f}%" if value >= 1 else f"{value:.2g}%"
