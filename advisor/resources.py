"""Where the bundled data lives: the knowledge base, the risk models and the examples.

The repository keeps them at the top level (``knowledgebase/``, ``models/``, ``examples/``);
the build maps them into the installed distribution as the data packages
``advisor_knowledgebase``, ``advisor_models`` and ``advisor_examples`` (see
``pyproject.toml``), so the same lookup finds them in a source
checkout, an editable install and a wheel. ``$ADVISOR_KB`` and ``$ADVISOR_MODELS`` point
elsewhere.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

KB_ENV = "ADVISOR_KB"
MODELS_ENV = "ADVISOR_MODELS"
_PACKAGES = {"knowledgebase": "advisor_knowledgebase", "models": "advisor_models",
             "examples": "advisor_examples"}
_SOURCE = Path(__file__).resolve().parents[1]  # a source checkout's top level


@functools.cache  # where the installed data packages are does not change while running
def bundled(name: str) -> Path:
    """The installed (or source-checkout) folder of ``knowledgebase``, ``models`` or
    ``examples`` (example patients and cohort)."""
    spec = importlib.util.find_spec(_PACKAGES[name])
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    return _SOURCE / name


def kb_dir() -> Path:
    """The knowledge base used when none is given: ``$ADVISOR_KB`` or the bundled one."""
    return Path(os.environ[KB_ENV]) if os.environ.get(KB_ENV) else bundled("knowledgebase")


def models_dir() -> Path:
    """The risk models used when none are given: ``$ADVISOR_MODELS`` or the bundled ones."""
    return Path(os.environ[MODELS_ENV]) if os.environ.get(MODELS_ENV) else bundled("models")
