"""The small knowledge base itself: loadable as it is, and plainly test data."""

from __future__ import annotations

from advisor.knowledge import validate_knowledgebase
from tests.unit.conftest import SMALL_KB_DIR


def test_the_small_knowledge_base_has_no_problems():
    assert validate_knowledgebase(SMALL_KB_DIR) == []


def test_every_name_in_the_small_knowledge_base_says_it_is_test_data(small_kb):
    assert "TEST FIXTURE" in small_kb.manifest.name.upper()
    assert small_kb.manifest.disclaimer.startswith("TEST FIXTURE")
    assert sorted(small_kb.drugs) == ["testdrug_a", "testdrug_b", "testdrug_c", "testdrug_d"]
    assert all(name.startswith("test_") for name in small_kb.comedications)
    assert sorted(small_kb.genes) == ["HLA-T", "TESTCYP"]
    assert all(sid.startswith("TEST-") for sid in small_kb.sources)
    assert all(s.citation.startswith("TEST FIXTURE") for s in small_kb.sources.values())
    assert (SMALL_KB_DIR / "README.md").read_text().startswith("# TEST FIXTURE")
