"""The small hand-built knowledge base (``tests/unit/kb``), loaded once per session.

It is test data, not clinical knowledge (see ``kb/README.md``). Loading it with
:func:`~advisor.knowledge.load_knowledgebase` also checks that a minimal folder stays loadable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.knowledge import KnowledgeBase, load_knowledgebase

SMALL_KB_DIR = Path(__file__).resolve().parent / "kb"


@pytest.fixture(scope="session")
def small_kb() -> KnowledgeBase:
    return load_knowledgebase(SMALL_KB_DIR)
