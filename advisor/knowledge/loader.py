"""Read the YAML knowledge base into validated, typed objects.

``load_knowledgebase`` returns a :class:`~advisor.knowledge.base.KnowledgeBase` or raises
:class:`~advisor.knowledge.problems.KnowledgeBaseInvalid` listing every problem as
``file: path.to.field: message``; ``validate_knowledgebase`` returns the list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from advisor.errors import InputError
from advisor.knowledge.base import KnowledgeBase
from advisor.knowledge.integrity import integrity_problems
from advisor.knowledge.problems import KnowledgeBaseInvalid, Problem
from advisor.knowledge.snapshot import read_snapshot, sha256
from advisor.knowledge.yaml_io import read_yaml
from advisor.resources import KB_ENV, kb_dir
from advisor.schema import (
    GENE,
    AdviceFile,
    ComedicationsFile,
    DreFile,
    Drug,
    EffectSizes,
    Gene,
    InteractionsFile,
    Manifest,
    PositionsFile,
    RegimensFile,
    Rule,
    RulesFile,
    SourcesFile,
    StatusEpilepticusFile,
    Vocabulary,
)

M = TypeVar("M", bound=BaseModel)

EFFECT_SIZES = "risk/effect_sizes.yaml"


def _loc(loc: tuple[Any, ...], raw: Any) -> str:
    if loc and isinstance(raw, dict) and loc[0] == raw.get("kind"):
        loc = loc[1:]  # a discriminated union reports its tag first
    return ".".join(str(part) for part in loc)


class _Loader:
    """Reads every file, collecting problems instead of stopping at the first; ``parsed``:
    take a file from the knowledge base's snapshot when its bytes are the ones parsed there
    (:mod:`advisor.knowledge.snapshot`)."""

    def __init__(self, root: Path, parsed: bool = False):
        self.root = root
        self.problems: list[Problem] = []
        self.digest = hashlib.sha256()
        self.parsed = read_snapshot(root) if parsed else {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def problem(self, file: str, path: str, message: str) -> None:
        self.problems.append(Problem(file, path, message))

    def parse(self, path: Path, model: type[M] | TypeAdapter[Any]) -> Any | None:
        rel = self.rel(path)
        if not path.is_file():
            self.problem(rel, "", "file is missing")
            return None
        data = path.read_bytes()
        self.digest.update(rel.encode() + b"\0" + data + b"\0")
        kept = self.parsed.get(rel)
        if kept is not None and kept["sha256"] == sha256(data):
            raw = kept["data"]
        else:
            try:
                raw = read_yaml(path)
            except ValueError as exc:
                self.problem(rel, "", str(exc))
                return None
        validate = model.validate_python if isinstance(model, TypeAdapter) else (
            model.model_validate)
        try:
            return validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                self.problem(rel, _loc(err["loc"], raw), err["msg"])
            return None

    def files(self, folder: str) -> Iterator[Path]:
        yield from sorted((self.root / folder).glob("*.yaml"))


def _named(ld: _Loader, folder: str, model: Any, name_of: str, files: dict[str, str],
           prefix: str) -> dict[str, Any]:
    """Parse every file of a folder whose ``name_of`` field must equal the file name."""
    out: dict[str, Any] = {}
    for path in ld.files(folder):
        item = ld.parse(path, model)
        if item is None:
            continue
        name = getattr(item, name_of)
        if name != path.stem:
            ld.problem(ld.rel(path), name_of, f"{name_of} {name!r} does not match the file name")
        out[name] = item
        files[f"{prefix}:{name}"] = ld.rel(path)
    return out


def _collect(root: Path, parsed: bool = False) -> tuple[KnowledgeBase | None, list[Problem]]:
    ld = _Loader(root, parsed)
    if not root.is_dir():
        what = "does not exist" if not root.exists() else "is not a folder"
        raise InputError("knowledge base", str(root), f"{what} (a folder given with --kb or "
                         f"${KB_ENV})")
    manifest = ld.parse(root / "manifest.yaml", Manifest)
    sources = ld.parse(root / "sources.yaml", SourcesFile)
    vocab = ld.parse(root / "vocabulary.yaml", Vocabulary)
    comeds = ld.parse(root / "comedications.yaml", ComedicationsFile)
    inter = ld.parse(root / "interactions.yaml", InteractionsFile)
    dre = ld.parse(root / "dre.yaml", DreFile)
    regimens = ld.parse(root / "regimens.yaml", RegimensFile)
    se = ld.parse(root / "status_epilepticus.yaml", StatusEpilepticusFile)
    positions = ld.parse(root / "guideline_positions.yaml", PositionsFile)
    advice = ld.parse(root / "advice.yaml", AdviceFile)
    files: dict[str, str] = {}
    genes: dict[str, Gene] = _named(ld, "genes", GENE, "symbol", files, "gene")
    drugs: dict[str, Drug] = _named(ld, "drugs", Drug, "name", files, "drug")
    rules: list[tuple[str, Rule]] = []
    for path in ld.files("rules"):
        rfile = ld.parse(path, RulesFile)
        if rfile is not None:
            if rfile.category != path.stem:
                ld.problem(ld.rel(path), "category",
                           f"category {rfile.category!r} does not match the file name")
            for rule in rfile.rules:
                rules.append((rfile.category, rule))
                files[f"rule:{rule.id}"] = ld.rel(path)
    if not drugs:
        ld.problem("drugs/", "", "no drug files found")
    effect_sizes = ld.parse(root / EFFECT_SIZES, EffectSizes)
    parts = (manifest, sources, vocab, comeds, inter, dre, regimens, se, positions, advice,
             effect_sizes)
    if any(p is None for p in parts):
        return None, ld.problems
    kb = KnowledgeBase(
        path=root, manifest=manifest, sources=sources.sources, vocabulary=vocab,
        genes=genes, drugs=drugs,
        comedications={c.name: c for c in comeds.comedications},
        interactions=inter.interactions, rules=rules, dre=dre, regimens=regimens,
        status_epilepticus=se, positions=positions, effect_sizes=effect_sizes,
        advice=advice.advice,
        sha256=ld.digest.hexdigest(), files=files)
    ld.problems.extend(integrity_problems(kb))
    return kb, ld.problems


def validate_knowledgebase(path: Path | str | None = None) -> list[Problem]:
    """Every problem in the knowledge base at ``path`` (empty list when sound), every file
    read from its YAML."""
    _, problems = _collect(Path(path) if path else kb_dir())
    return problems


def load_knowledgebase(path: Path | str | None = None) -> KnowledgeBase:
    """Load and validate (a file whose bytes the snapshot holds is taken from it); raise
    KnowledgeBaseInvalid on any problem."""
    kb, problems = _collect(Path(path) if path else kb_dir(), parsed=True)
    if problems or kb is None:
        raise KnowledgeBaseInvalid(problems)
    return kb
