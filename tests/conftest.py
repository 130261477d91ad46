"""Shared fixtures: the knowledge base of the advisor under test, loaded once per session.

The tests run against whichever ``advisor`` is imported: the source checkout, or (in CI) the
installed wheel, with tests/, examples/ and app.py copied to a folder of their own. ROOT is
that folder; PACKAGE and KB_DIR are the imported package's code and bundled knowledge base.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import advisor
from advisor.knowledge import KnowledgeBase, load_knowledgebase
from advisor.resources import bundled

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(advisor.__file__).resolve().parent
KB_DIR = bundled("knowledgebase")
MODELS_DIR = bundled("models")


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledgebase(KB_DIR)
