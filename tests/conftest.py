"""Shared fixtures: the shipped knowledge base, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.knowledge import KnowledgeBase, load_knowledgebase

ROOT = Path(__file__).resolve().parent.parent
KB_DIR = ROOT / "knowledgebase"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledgebase(KB_DIR)
