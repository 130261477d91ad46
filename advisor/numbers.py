"""Numbers as users read them, shared by the engine's messages and the reports."""

from __future__ import annotations


def percent(p: float) -> str:
    """A probability as a percentage: whole numbers from 10%, one decimal from 1%, two
    significant digits below (never "0%" for a small positive probability)."""
    value = p * 100
    if value >= 10:
        return f"{value:.0f}%"
    return f"{value:.1f}%" if value >= 1 else f"{value:.2g}%"


def mg(value: float) -> str:
    """A dose in mg without trailing zeros: 100, 12.5."""
    return f"{value:g}"


def mg_range(r: list[float] | None) -> str:
    """A daily range in mg ("100-200 mg/day", one number when both ends agree), or "-"."""
    if not r:
        return "-"
    return f"{mg(r[0])} mg/day" if r[0] == r[1] else f"{mg(r[0])}-{mg(r[1])} mg/day"
