"""Optional dependencies, imported only when a feature needs them.

A missing one is a :class:`MissingExtra` (an InputError: exit 2 with one line naming the
extra to install).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from advisor.errors import InputError

DISTRIBUTION = "dre-advisor"
EXTRAS = {"vcf": "cyvcf2", "app": "streamlit", "dask": "dask", "fhir": "fhir.resources",
          "plink": "bed-reader", "pdf": "reportlab",
          "serve": "fastapi, uvicorn, pyjwt, httpx"}


class MissingExtra(InputError):
    """An optional dependency is not installed."""


def missing_extra(extra: str, feature: str) -> MissingExtra:
    """The one-line error for ``feature`` when its optional extra is not installed."""
    return MissingExtra("", extra, f"{feature} needs the optional extra [{extra}] "
                        f"({EXTRAS.get(extra, extra)}): pip install '{DISTRIBUTION}[{extra}]'")


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :func:`missing_extra` naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise missing_extra(extra, feature) from None
