"""Optional features and the extra that installs each one."""

from __future__ import annotations

import importlib.util

from advisor.errors import InputError

DISTRIBUTION = "dre-advisor"


def missing_extra(extra: str) -> InputError:
    """The one-line error for a feature whose optional extra is not installed."""
    return InputError("", None, f"this needs the optional '{extra}' extra: "
                      f"pip install '{DISTRIBUTION}[{extra}]'")


def require(module: str, extra: str) -> None:
    """Raise :func:`missing_extra` when ``module`` is not installed."""
    if importlib.util.find_spec(module) is None:
        raise missing_extra(extra)
