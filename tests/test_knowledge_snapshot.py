"""The knowledge base's parsed snapshot: loading from it gives the knowledge base its YAML
gives; a file whose bytes changed is read from its YAML; a snapshot that cannot be read is
ignored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from advisor.knowledge import (
    KnowledgeBaseInvalid,
    load_knowledgebase,
    read_yaml,
    validate_knowledgebase,
)
from advisor.knowledge.snapshot import (
    SNAPSHOT,
    build_snapshot,
    read_snapshot,
    sha256,
    write_snapshot,
)
from tests.conftest import KB_DIR

FIELDS = ["manifest", "sources", "vocabulary", "genes", "drugs", "comedications",
          "interactions", "rules", "dre", "regimens", "status_epilepticus", "positions",
          "effect_sizes", "advice", "sha256", "files"]
DRUG = "drugs/lamotrigine.yaml"


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "kb"
    shutil.copytree(KB_DIR, dest, ignore=shutil.ignore_patterns(SNAPSHOT))
    return dest


def _same_kb(a, b) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in FIELDS)


def test_a_snapshot_holds_every_file_json_carries_and_loads_the_same_knowledge_base(
        kb_copy):
    from_yaml = load_knowledgebase(kb_copy)
    write_snapshot(kb_copy)
    files = read_snapshot(kb_copy)
    on_disk = {p.relative_to(kb_copy).as_posix() for p in kb_copy.rglob("*.yaml")}
    # the manifest's release date is a YAML date, which JSON does not carry
    assert set(files) == on_disk - {"manifest.yaml"}
    for rel, entry in files.items():
        assert entry["sha256"] == sha256((kb_copy / rel).read_bytes())
        assert entry["data"] == read_yaml(kb_copy / rel)
    assert _same_kb(load_knowledgebase(kb_copy), from_yaml)


def test_the_snapshot_is_what_loading_reads(kb_copy):
    write_snapshot(kb_copy)
    path = kb_copy / SNAPSHOT
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["files"][DRUG]["data"]["synonyms"].append("snapshot-only name")
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert "snapshot-only name" in load_knowledgebase(kb_copy).drugs["lamotrigine"].synonyms
    doc["files"][DRUG]["data"]["name"] = "snapshot-only drug"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(KnowledgeBaseInvalid, match="does not match the file name"):
        load_knowledgebase(kb_copy)
    assert validate_knowledgebase(kb_copy) == []  # validation reads every file's YAML


def test_a_file_edited_after_the_snapshot_is_read_from_its_yaml(kb_copy):
    write_snapshot(kb_copy)
    path = kb_copy / DRUG
    text = path.read_text(encoding="utf-8")
    assert "\nsynonyms: [" in text
    path.write_text(text.replace("\nsynonyms: [", "\nsynonyms: [edited-name, ", 1),
                    encoding="utf-8")
    kb = load_knowledgebase(kb_copy)
    assert "edited-name" in kb.drugs["lamotrigine"].synonyms
    assert kb.sha256 == load_knowledgebase(kb_copy).sha256 != load_knowledgebase(KB_DIR).sha256


def test_a_broken_file_is_left_out_and_still_reported(kb_copy):
    path = kb_copy / DRUG
    path.write_text(path.read_text(encoding="utf-8") + "\nsynonyms: [unclosed\n",
                    encoding="utf-8")
    write_snapshot(kb_copy)
    assert DRUG not in read_snapshot(kb_copy)
    with pytest.raises(KnowledgeBaseInvalid, match="YAML syntax error"):
        load_knowledgebase(kb_copy)


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"format": 99, "files": {}}',
                                  '{"format": 1, "files": []}',
                                  '{"format": 1, "files": {"drugs/lamotrigine.yaml": 3}}'])
def test_a_snapshot_that_cannot_be_read_is_ignored(kb_copy, text):
    expected = load_knowledgebase(kb_copy)
    (kb_copy / SNAPSHOT).write_text(text, encoding="utf-8")
    assert DRUG not in read_snapshot(kb_copy)
    assert _same_kb(load_knowledgebase(kb_copy), expected)


def test_values_json_would_change_are_left_out(tmp_path):
    (tmp_path / "a.yaml").write_text("when: 2024-01-02\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("1: one\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("x: .nan\n", encoding="utf-8")
    (tmp_path / "d.yaml").write_text("x: [1, 1.0, true, null, text]\n", encoding="utf-8")
    assert list(build_snapshot(tmp_path)["files"]) == ["d.yaml"]
