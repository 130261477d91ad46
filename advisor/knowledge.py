"""Load the YAML knowledge base into validated, typed objects.

``load_knowledgebase`` returns a :class:`KnowledgeBase` or raises
:class:`KnowledgeBaseInvalid` listing every problem as ``file: path.to.field: message``.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from advisor.kb_schema import (
    KNOWN_FUNCTIONS,
    ComedicationsFile,
    DreFile,
    Drug,
    Evidence,
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

DEFAULT_KB_DIR = Path(__file__).resolve().parent.parent / "knowledgebase"


def default_kb_dir() -> Path:
    """The knowledge base used when none is given: ``$ADVISOR_KB`` or the bundled one."""
    return Path(os.environ.get("ADVISOR_KB", DEFAULT_KB_DIR))


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else (
            f"{self.file}: {self.message}")


class KnowledgeBaseInvalid(Exception):
    """The knowledge base has problems; ``problems`` lists each one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present
    """Safe loader that rejects duplicate mapping keys (safe_load silently keeps the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file safely; raise ValueError('line N: ...') on a syntax error."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ValueError(f"YAML syntax error: {where}{exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"YAML error: {exc}") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


@dataclass
class KnowledgeBase:
    """The validated knowledge base, with lookups the engine needs."""

    path: Path
    manifest: Manifest
    sources: dict[str, Any]
    vocabulary: Vocabulary
    genes: dict[str, Gene]
    drugs: dict[str, Drug]
    comedications: dict[str, Any]
    interactions: list[Any]
    rules: list[tuple[str, Rule]]
    dre: DreFile
    regimens: RegimensFile
    status_epilepticus: StatusEpilepticusFile
    positions: PositionsFile
    sha256: str
    files: dict[str, str] = field(default_factory=dict)  # object key -> relative file

    @property
    def version(self) -> str:
        return self.manifest.version

    @cached_property
    def input_keys(self) -> dict[str, str]:
        """Every genotype input key (gene symbol, rsID, HLA allele) -> its gene symbol."""
        keys: dict[str, str] = {}
        for gene in self.genes.values():
            if gene.kind == "hla":
                for allele in gene.alleles:
                    keys[f"{gene.symbol}{allele.name}"] = gene.symbol
            elif gene.kind == "snp":
                for variant in {g.variant for g in gene.genotypes}:
                    keys[variant] = gene.symbol
            else:
                keys[gene.symbol] = gene.symbol
        return keys

    @cached_property
    def drug_aliases(self) -> dict[str, str]:
        """Lower-cased names, synonyms and brand names -> canonical drug or co-medication."""
        aliases: dict[str, str] = {}
        for name, drug in self.drugs.items():
            for alias in (name, *drug.synonyms, *drug.brand_names):
                aliases[normalize_name(alias)] = name
        for name, med in self.comedications.items():
            for alias in (name, *med.synonyms):
                aliases.setdefault(normalize_name(alias), name)
        return aliases

    @cached_property
    def rule_drugs(self) -> dict[str, list[str]]:
        """Rule id -> the drugs its selector picks out."""
        out = {}
        for _, rule in self.rules:
            sel = rule.drugs
            out[rule.id] = [name for name, drug in self.drugs.items()
                            if name in sel.names
                            or set(drug.mechanisms) & set(sel.mechanisms)
                            or drug.primary_mechanism in sel.primary_mechanisms
                            or drug.pgp_substrate.status in sel.pgp_substrate]
        return out

    @cached_property
    def drug_index(self) -> pd.Index:
        """Every ASM and co-medication name, for integer codes in vectorised joins."""
        return pd.Index([*self.drugs, *self.comedications], dtype=object)

    @cached_property
    def interaction_codes(self) -> pd.DataFrame:
        """One row per (interaction index, perpetrator code, victim code) (see drug_index)."""
        code = self.drug_index.get_loc
        rows = [(i, code(p), code(v)) for i, inter in enumerate(self.interactions)
                for p in inter.perpetrators for v in inter.victims]
        return pd.DataFrame(rows, columns=["inter", "perpetrator", "victim"])

    @cached_property
    def _interactions_by_pair(self) -> dict[tuple[str, str], list[Any]]:
        out: dict[tuple[str, str], list[Any]] = {}
        for inter in self.interactions:
            for p in inter.perpetrators:
                for v in inter.victims:
                    out.setdefault((p, v), []).append(inter)
        return out

    def interactions_between(self, perpetrator: str, victim: str) -> list[Any]:
        """Interactions in which ``perpetrator`` affects ``victim``."""
        return self._interactions_by_pair.get((perpetrator, victim), [])

    def resolve_drug(self, name: str) -> str | None:
        """Canonical name for a drug name, synonym or brand name, or None."""
        return self.drug_aliases.get(normalize_name(name))


def normalize_name(name: str) -> str:
    return " ".join(str(name).lower().replace("_", " ").replace("-", " ").split())


class _Loader:
    """Reads every file, collecting problems instead of stopping at the first."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.digest = hashlib.sha256()

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def problem(self, file: str, path: str, message: str) -> None:
        self.problems.append(Problem(file, path, message))

    def parse(self, path: Path, model: type[M]) -> M | None:
        rel = self.rel(path)
        if not path.is_file():
            self.problem(rel, "", "file is missing")
            return None
        data = path.read_bytes()
        self.digest.update(rel.encode() + b"\0" + data + b"\0")
        try:
            raw = read_yaml(path)
        except ValueError as exc:
            self.problem(rel, "", str(exc))
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                self.problem(rel, _loc(err["loc"]), err["msg"])
            return None

    def files(self, folder: str) -> Iterator[Path]:
        yield from sorted((self.root / folder).glob("*.yaml"))


def _collect(root: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    ld = _Loader(root)
    if not root.is_dir():
        return None, [Problem(str(root), "", "knowledge-base folder not found")]
    manifest = ld.parse(root / "manifest.yaml", Manifest)
    sources = ld.parse(root / "sources.yaml", SourcesFile)
    vocab = ld.parse(root / "vocabulary.yaml", Vocabulary)
    comeds = ld.parse(root / "comedications.yaml", ComedicationsFile)
    inter = ld.parse(root / "interactions.yaml", InteractionsFile)
    dre = ld.parse(root / "dre.yaml", DreFile)
    regimens = ld.parse(root / "regimens.yaml", RegimensFile)
    se = ld.parse(root / "status_epilepticus.yaml", StatusEpilepticusFile)
    positions = ld.parse(root / "guideline_positions.yaml", PositionsFile)
    genes: dict[str, Gene] = {}
    files: dict[str, str] = {}
    for path in ld.files("genes"):
        gene = ld.parse(path, Gene)
        if gene is not None:
            if gene.symbol != path.stem:
                ld.problem(ld.rel(path), "symbol",
                           f"symbol {gene.symbol!r} does not match the file name")
            genes[gene.symbol] = gene
            files[f"gene:{gene.symbol}"] = ld.rel(path)
    drugs: dict[str, Drug] = {}
    for path in ld.files("drugs"):
        drug = ld.parse(path, Drug)
        if drug is not None:
            if drug.name != path.stem:
                ld.problem(ld.rel(path), "name",
                           f"name {drug.name!r} does not match the file name")
            drugs[drug.name] = drug
            files[f"drug:{drug.name}"] = ld.rel(path)
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
    risk_file = root / "risk" / "effect_sizes.yaml"
    if risk_file.is_file():  # checked below by the risk model's own validator
        ld.digest.update(b"risk/effect_sizes.yaml\0" + risk_file.read_bytes() + b"\0")
    parts = (manifest, sources, vocab, comeds, inter, dre, regimens, se, positions)
    if any(p is None for p in parts):
        return None, ld.problems
    kb = KnowledgeBase(
        path=root, manifest=manifest, sources=sources.sources, vocabulary=vocab,
        genes=genes, drugs=drugs,
        comedications={c.name: c for c in comeds.comedications},
        interactions=inter.interactions, rules=rules, dre=dre, regimens=regimens,
        status_epilepticus=se, positions=positions,
        sha256=ld.digest.hexdigest(), files=files)
    ld.problems.extend(_integrity(kb))
    from advisor.risk.effect_sizes import validate_effect_sizes  # imports this module

    ld.problems.extend(validate_effect_sizes(root, set(kb.sources)))
    return kb, ld.problems


def validate_knowledgebase(path: Path | str | None = None) -> list[Problem]:
    """Every problem in the knowledge base at ``path`` (empty list when sound)."""
    _, problems = _collect(Path(path) if path else default_kb_dir())
    return problems


def load_knowledgebase(path: Path | str | None = None) -> KnowledgeBase:
    """Load and validate; raise KnowledgeBaseInvalid on any problem."""
    kb, problems = _collect(Path(path) if path else default_kb_dir())
    if problems or kb is None:
        raise KnowledgeBaseInvalid(problems)
    return kb


# --- referential integrity ------------------------------------------------------------


def _evidence_blocks(obj: Any, loc: str = "") -> Iterator[tuple[str, Evidence]]:
    """Every Evidence inside a model, with its dotted location."""
    if isinstance(obj, Evidence):
        yield loc, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _evidence_blocks(getattr(obj, name), f"{loc}.{name}" if loc else name)
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            yield from _evidence_blocks(item, f"{loc}.{i}")
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _evidence_blocks(item, f"{loc}.{key}")


def _integrity(kb: KnowledgeBase) -> list[Problem]:
    out: list[Problem] = []
    v = kb.vocabulary

    def check(file: str, loc: str, values: list[str] | tuple[str, ...], allowed, what: str):
        for i, value in enumerate(values):
            if value not in allowed:
                out.append(Problem(file, f"{loc}.{i}", f"unknown {what} {value!r}"))

    def check_evidence(file: str, obj: Any, prefix: str = "") -> None:
        for loc, ev in _evidence_blocks(obj, prefix):
            for i, sid in enumerate(ev.sources):
                if sid not in kb.sources:
                    out.append(Problem(file, f"{loc}.sources.{i}",
                                       f"unknown source {sid!r} (not in sources.yaml)"))

    drug_or_med = set(kb.drugs) | set(kb.comedications)

    for symbol, gene in kb.genes.items():
        f = kb.files[f"gene:{symbol}"]
        check_evidence(f, gene)
        variant_ids = {var.id for var in gene.variants}
        if gene.kind == "star_allele":
            names = [a.name for a in gene.alleles]
            for dup in {n for n in names if names.count(n) > 1}:
                out.append(Problem(f, "alleles", f"allele {dup!r} defined twice"))
            for ref in (gene.reference_allele, gene.genome_reference_allele):
                if ref and ref not in names:
                    out.append(Problem(f, "reference_allele", f"allele {ref!r} not defined"))
            refs = {gene.reference_allele, gene.genome_reference_allele}
            for i, allele in enumerate(gene.alleles):
                if not allele.defining and allele.callable_from_vcf and allele.name not in refs:
                    out.append(Problem(f, f"alleles.{i}.defining", "only a reference allele "
                                       "has no defining variants (else set callable_from_vcf: "
                                       "false)"))
                for vid in allele.defining:
                    if vid not in variant_ids:
                        out.append(Problem(f, f"alleles.{i}.defining",
                                           f"unknown variant {vid!r}"))
            for i, rule in enumerate(gene.phenotypes):
                if rule.phenotype not in v.phenotypes:
                    out.append(Problem(f, f"phenotypes.{i}.phenotype",
                                       f"unknown phenotype {rule.phenotype!r}"))
            if gene.phenotype_method == "activity_score":
                for i, allele in enumerate(gene.alleles):
                    if allele.function in KNOWN_FUNCTIONS and allele.activity_value is None:
                        out.append(Problem(f, f"alleles.{i}.activity_value",
                                           "an activity-score gene needs activity_value"))
            if gene.indeterminate_phenotype not in v.phenotypes:
                out.append(Problem(f, "indeterminate_phenotype",
                                   f"unknown phenotype {gene.indeterminate_phenotype!r}"))
        elif gene.kind == "snp":
            for i, g in enumerate(gene.genotypes):
                if g.variant not in variant_ids:
                    out.append(Problem(f, f"genotypes.{i}.variant",
                                       f"unknown variant {g.variant!r}"))
        elif gene.kind == "variant_effect":
            classes = {c.name for c in gene.effect_classes}
            for i, kv in enumerate(gene.known_variants):
                if kv.effect not in classes:
                    out.append(Problem(f, f"known_variants.{i}.effect",
                                       f"unknown effect class {kv.effect!r}"))

    aliases: dict[str, str] = {}
    for name, drug in kb.drugs.items():
        f = kb.files[f"drug:{name}"]
        check_evidence(f, drug)
        check(f, "mechanisms", drug.mechanisms, v.mechanisms, "mechanism")
        check(f, "spectrum.seizure_types", drug.spectrum.seizure_types, v.seizure_types,
              "seizure type")
        check(f, "spectrum.syndromes", drug.spectrum.syndromes, v.syndromes, "syndrome")
        for i, agg in enumerate(drug.aggravates):
            check(f, f"aggravates.{i}.seizure_types", agg.seizure_types, v.seizure_types,
                  "seizure type")
            check(f, f"aggravates.{i}.syndromes", agg.syndromes, v.syndromes, "syndrome")
        for key in ("metabolism", "induces", "inhibits"):
            check(f, key, [e.enzyme for e in getattr(drug, key)], v.enzymes, "enzyme")
        check(f, "adverse_effects.tags", drug.adverse_effects.tags, v.adverse_effects,
              "adverse-effect tag")
        for alias in (name, *drug.synonyms, *drug.brand_names):
            other = aliases.setdefault(normalize_name(alias), name)
            if other != name:
                out.append(Problem(f, "synonyms", f"{alias!r} also names {other!r}"))

    for i, med in enumerate(kb.comedications.values()):
        check_evidence("comedications.yaml", med, f"comedications.{i}")
        if med.name in kb.drugs:
            out.append(Problem("comedications.yaml", f"comedications.{i}.name",
                               f"{med.name!r} is also an ASM"))

    seen: set[str] = set()
    for i, inter in enumerate(kb.interactions):
        loc = f"interactions.{i}"
        check_evidence("interactions.yaml", inter, loc)
        if inter.id in seen:
            out.append(Problem("interactions.yaml", f"{loc}.id", f"duplicate id {inter.id!r}"))
        seen.add(inter.id)
        check("interactions.yaml", f"{loc}.perpetrators", inter.perpetrators, drug_or_med,
              "drug")
        check("interactions.yaml", f"{loc}.victims", inter.victims, drug_or_med, "drug")

    seen = set()
    for category, rule in kb.rules:
        out.extend(_rule_problems(kb, category, rule, seen))
        seen.add(rule.id)

    for name, drug in kb.drugs.items():
        f = kb.files[f"drug:{name}"]
        for i, tit in enumerate(drug.dosing.titration):
            check(f, f"dosing.titration.{i}.when_taking", tit.when_taking, drug_or_med, "drug")
            weeks = [(st.week_from, st.week_to) for st in tit.steps]
            if any(b[0] != a[1] + 1 for a, b in itertools.pairwise(weeks)):
                out.append(Problem(f, f"dosing.titration.{i}.steps",
                                   "steps must follow each other week by week"))
    check_evidence("guideline_positions.yaml", kb.positions)
    if kb.positions.guideline not in kb.sources:
        out.append(Problem("guideline_positions.yaml", "guideline",
                           f"unknown source {kb.positions.guideline!r}"))
    for i, pos in enumerate(kb.positions.positions):
        loc = f"positions.{i}"
        if pos.seizure_type is not None:
            check("guideline_positions.yaml", f"{loc}.seizure_type", [pos.seizure_type],
                  v.seizure_types, "seizure type")
        if pos.syndrome is not None:
            check("guideline_positions.yaml", f"{loc}.syndrome", [pos.syndrome], v.syndromes,
                  "syndrome")
        for key in ("first_line", "second_line", "adjunctive"):
            check("guideline_positions.yaml", f"{loc}.{key}", getattr(pos, key), kb.drugs,
                  "drug")
    se = kb.status_epilepticus
    check_evidence("status_epilepticus.yaml", se)
    for i, stage in enumerate(se.stages):
        check("status_epilepticus.yaml", f"stages.{i}.options",
              [o.drug for o in stage.options], kb.drugs, "drug")
    check_evidence("dre.yaml", kb.dre)
    check_evidence("regimens.yaml", kb.regimens)
    for i, syn in enumerate(kb.regimens.synergies):
        check("regimens.yaml", f"synergies.{i}.drugs", list(syn.drugs), kb.drugs, "drug")
    check("regimens.yaml", "shared_adverse_effect_tags", kb.regimens.shared_adverse_effect_tags,
          v.adverse_effects, "adverse-effect tag")
    return out


def allowed_values(kb: KnowledgeBase, key: str) -> set[str]:
    """Values a rule's ``value_in`` may test for an input key."""
    gene = kb.genes[kb.input_keys[key]]
    if gene.kind == "hla":
        return set(gene.values)
    if gene.kind == "snp":
        return {g.genotype for g in gene.genotypes if g.variant == key}
    if gene.kind == "variant_effect":
        return {c.name for c in gene.effect_classes}
    return {a.name for a in gene.alleles}


def _rule_problems(kb: KnowledgeBase, category: str, rule: Rule, seen: set[str]):
    f = kb.files[f"rule:{rule.id}"]
    loc = f"rules[{rule.id}]"
    out: list[Problem] = []
    for _, ev in _evidence_blocks(rule):
        for sid in ev.sources:
            if sid not in kb.sources:
                out.append(Problem(f, f"{loc}.evidence", f"unknown source {sid!r}"))
    if rule.id in seen:
        out.append(Problem(f, loc, "duplicate rule id"))
    v = kb.vocabulary
    for i, cond in enumerate(rule.when):
        cloc = f"{loc}.when.{i}"
        if cond.gene is not None:
            if cond.gene not in kb.input_keys:
                out.append(Problem(f, f"{cloc}.gene", f"unknown gene or input key {cond.gene!r}"))
                continue
            gene = kb.genes[kb.input_keys[cond.gene]]
            if cond.value_in is not None:
                allowed = allowed_values(kb, cond.gene)
                out.extend(Problem(f, f"{cloc}.value_in", f"{val!r} is not a value of "
                                   f"{cond.gene} (expected one of {sorted(allowed)})")
                           for val in cond.value_in if val not in allowed)
            if cond.phenotype_in is not None:
                if gene.kind != "star_allele":
                    out.append(Problem(f, f"{cloc}.phenotype_in",
                                       f"{cond.gene} has no metabolizer phenotypes"))
                out.extend(Problem(f, f"{cloc}.phenotype_in", f"unknown phenotype {p!r}")
                           for p in cond.phenotype_in if p not in v.phenotypes)
            if cond.activity_score is not None and gene.phenotype_method != "activity_score":
                out.append(Problem(f, f"{cloc}.activity_score",
                                   f"{cond.gene} is not an activity-score gene"))
        for st in cond.seizure_types_any or []:
            if st not in v.seizure_types:
                out.append(Problem(f, f"{cloc}.seizure_types_any", f"unknown seizure type {st!r}"))
        for sy in cond.syndromes_any or []:
            if sy not in v.syndromes:
                out.append(Problem(f, f"{cloc}.syndromes_any", f"unknown syndrome {sy!r}"))
    for name in rule.drugs.names:
        if name not in kb.drugs:
            out.append(Problem(f, f"{loc}.drugs.names", f"unknown drug {name!r}"))
    for mech in [*rule.drugs.mechanisms, *rule.drugs.primary_mechanisms]:
        if mech not in v.mechanisms:
            out.append(Problem(f, f"{loc}.drugs.mechanisms", f"unknown mechanism {mech!r}"))
    try:
        rule.then.message.format(drug="", gene="", value="", phenotype="", activity_score="")
    except (KeyError, IndexError, ValueError) as exc:
        out.append(Problem(f, f"{loc}.then.message", f"bad placeholder in message: {exc}"))
    return out

