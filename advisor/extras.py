"""Optional dependencies, imported only when a feature needs them.

A missing one is an :class:`MissingExtra` (an InputError: exit 2 with one line naming the
extra to install).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from advisor.errors import InputError

EXTRAS = {"fhir": "fhir.resources", "plink": "bed-reader"}


class MissingExtra(InputError):
    """An optional dependency is not installed."""


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtra` naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra("", extra, f"{feature} needs the optional extra [{extra}] "
                           f"({EXTRAS.get(extra, module)}): pip install 'dre-advisor[{extra}]'"
                           ) from None
