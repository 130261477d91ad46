"""The gene-kind registry: everything the engine does differently for each kind of gene.

A gene file's ``kind`` (star_allele, snp, hla, variant_effect) selects one
:class:`GeneKind`, which says which genotype input keys the gene offers, which values rules
may test, how a value is translated to a phenotype, how the gene is called from a VCF, what
the app's pickers offer, and what ``advisor kb validate`` checks in the file. Nothing outside
this module switches on a gene's kind.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from advisor.genotype.call import Call, GenotypeError
from advisor.genotype.callers import EffectCaller, PatternCaller, SnpCaller, StarCaller
from advisor.schema.genes import (
    KNOWN_FUNCTIONS,
    Gene,
    HlaGene,
    SnpGene,
    StarAlleleGene,
    VariantEffectGene,
)

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase
    from advisor.schema.common import Vocabulary

_STAR = re.compile(r"^\*[0-9]+(?:\.[0-9]+)?[A-Za-z]?$")
_HLA_ALIASES = {"positive": "positive", "pos": "positive", "+": "positive", "carrier": "positive",
                "negative": "negative", "neg": "negative", "-": "negative",
                "non-carrier": "negative", "noncarrier": "negative"}


@dataclass(frozen=True)
class Picker:
    """What the app offers for one input key: a value, or two alleles for a diplotype."""

    key: str
    label: str
    options: tuple[str, ...]
    pair: bool = False  # two allele pickers joined as "a/b"


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class GeneKind(ABC):
    """Behaviour shared by a kind of gene (one instance per kind, see :data:`KINDS`)."""

    name: ClassVar[str]
    metabolizer: ClassVar[bool] = False  # phenotypes are metabolizer terms (phenotype_in)

    def input_keys(self, gene: Any) -> list[str]:
        """Patient-file genotype keys this gene offers."""
        return [gene.symbol]

    @abstractmethod
    def allowed_values(self, gene: Any, key: str) -> list[str]:
        """Values a rule's ``value_in`` may test for ``key``."""

    @abstractmethod
    def translate(self, gene: Any, key: str, raw: Any) -> Call:
        """Translate one input value; GenotypeError names the key and the value."""

    def picker(self, gene: Any, key: str) -> Picker | None:
        """What the app offers for the key (None: entered some other way)."""
        return Picker(key, key, tuple(self.allowed_values(gene, key)))

    def vcf_caller(self, gene: Any) -> PatternCaller | None:
        """A caller from VCF genotype patterns, or None when a VCF cannot inform the gene."""
        return None

    def has_activity_score(self, gene: Any) -> bool:
        return False

    def problems(self, gene: Any, vocab: Vocabulary) -> list[tuple[str, str]]:
        """Consistency problems inside one gene file as (path, message)."""
        return []

    def table(self, gene: Any) -> list[dict[str, Any]]:
        """The gene's entries as rows, for the knowledge-base browser."""
        return []

    def outside_call(self, gene: Any, key: str, display: str) -> tuple[str, str] | None:
        """The (diplotype, phenotype) columns of a PharmCAT outside-call line for one
        unambiguous result, or None when PharmCAT takes no outside call for this kind."""
        return None

    def exchange_text(self, gene: Any, key: str, call: Call) -> str:
        """The result as text for other systems (a FHIR genotype value), from which
        :meth:`parse_exchange` gives the input back."""
        return call.display

    def parse_exchange(self, gene: Any, text: str, variant: str | None) -> tuple[str, Any]:
        """(input key, value) from :meth:`exchange_text` (``variant``: an rsID given with
        it)."""
        return gene.symbol, text


class StarAlleleKind(GeneKind):
    name = "star_allele"
    metabolizer = True

    def allowed_values(self, gene: StarAlleleGene, key: str) -> list[str]:
        return [a.name for a in gene.alleles]

    def picker(self, gene: StarAlleleGene, key: str) -> Picker:
        return Picker(key, key, tuple(a.name for a in gene.alleles), pair=True)

    def has_activity_score(self, gene: StarAlleleGene) -> bool:
        return gene.phenotype_method == "activity_score"

    @staticmethod
    def parse(gene: StarAlleleGene, key: str, raw: Any) -> tuple[str, str]:
        """Split a diplotype such as ``*1/*3`` into two known allele names, in table order."""
        if not isinstance(raw, str):
            raise GenotypeError(f"{key}: diplotype must be text like '*1/*3', got {raw!r}")
        parts = [p.strip() for p in re.split(r"[/|]", raw.strip())]
        if len(parts) != 2 or not all(_STAR.match(p) for p in parts):
            raise GenotypeError(f"{key}: malformed diplotype {raw!r} (expected two star alleles "
                                "like '*1/*3')")
        order = {a.name: i for i, a in enumerate(gene.alleles)}
        unknown = [p for p in parts if p not in order]
        if unknown:
            raise GenotypeError(f"{key}: unknown allele {unknown[0]!r} in {raw!r}")
        a, b = sorted(parts, key=order.__getitem__)
        return a, b

    @staticmethod
    def phenotype(gene: StarAlleleGene, a: str, b: str) -> tuple[str, float | None]:
        """Phenotype and activity score of a diplotype of known alleles."""
        alleles = {al.name: al for al in gene.alleles}
        pair = (alleles[a], alleles[b])
        if gene.phenotype_method == "activity_score":
            if any(al.function not in KNOWN_FUNCTIONS for al in pair):
                return gene.indeterminate_phenotype, None
            score = sum(al.activity_value for al in pair)
            for rule in gene.phenotypes:
                if rule.activity_score and (rule.activity_score.lo <= score
                                            <= rule.activity_score.hi):
                    return rule.phenotype, score
            return gene.indeterminate_phenotype, score
        functions = sorted(al.function for al in pair)
        for rule in gene.phenotypes:
            if rule.functions and sorted(rule.functions) == functions:
                return rule.phenotype, None
        return gene.indeterminate_phenotype, None

    def translate(self, gene: StarAlleleGene, key: str, raw: Any) -> Call:
        a, b = self.parse(gene, key, raw)
        phenotype, score = self.phenotype(gene, a, b)
        alleles = {al.name: al for al in gene.alleles}
        sources = list(gene.evidence.sources)
        contested = gene.evidence.contested
        for al in (alleles[a], alleles[b]):
            if al.evidence:
                sources += al.evidence.sources
                if gene.contested_diplotypes is None:
                    contested = contested or al.evidence.contested
        for entry in gene.contested_diplotypes or ():
            if self.parse(gene, gene.symbol, entry.diplotype) == (a, b):
                sources += entry.evidence.sources
                contested = True
        return Call(key, gene.symbol, f"{a}/{b}", f"{a}/{b}", phenotype, score,
                    _dedupe(sources), contested)

    def vcf_caller(self, gene: StarAlleleGene) -> PatternCaller:
        return StarCaller(gene, lambda a, b: self.phenotype(gene, a, b))

    def outside_call(self, gene: StarAlleleGene, key: str, display: str
                     ) -> tuple[str, str] | None:
        return display, ""  # PharmCAT looks up the phenotype and activity score itself

    def problems(self, gene: StarAlleleGene, vocab: Vocabulary) -> list[tuple[str, str]]:
        out = []
        variant_ids = {var.id for var in gene.variants}
        names = [a.name for a in gene.alleles]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            out.append(("alleles", f"allele {dup!r} defined twice"))
        for ref in (gene.reference_allele, gene.genome_reference_allele):
            if ref and ref not in names:
                out.append(("reference_allele", f"allele {ref!r} not defined"))
        refs = {gene.reference_allele, gene.genome_reference_allele}
        for i, allele in enumerate(gene.alleles):
            if not allele.defining and allele.callable_from_vcf and allele.name not in refs:
                out.append((f"alleles.{i}.defining", "only a reference allele has no defining "
                            "variants (else set callable_from_vcf: false)"))
            out += [(f"alleles.{i}.defining", f"unknown variant {vid!r}")
                    for vid in allele.defining if vid not in variant_ids]
        for i, entry in enumerate(gene.contested_diplotypes or ()):
            try:
                self.parse(gene, f"contested_diplotypes.{i}", entry.diplotype)
            except GenotypeError as exc:
                out.append((f"contested_diplotypes.{i}.diplotype", str(exc)))
        for i, rule in enumerate(gene.phenotypes):
            if rule.phenotype not in vocab.phenotypes:
                out.append((f"phenotypes.{i}.phenotype", f"unknown phenotype {rule.phenotype!r}"))
        if gene.phenotype_method == "activity_score":
            out += [(f"alleles.{i}.activity_value", "an activity-score gene needs activity_value")
                    for i, allele in enumerate(gene.alleles)
                    if allele.function in KNOWN_FUNCTIONS and allele.activity_value is None]
        if gene.indeterminate_phenotype not in vocab.phenotypes:
            out.append(("indeterminate_phenotype",
                        f"unknown phenotype {gene.indeterminate_phenotype!r}"))
        return out

    def table(self, gene: StarAlleleGene) -> list[dict[str, Any]]:
        return [{"allele": a.name, "function": a.function, "activity value": a.activity_value,
                 "defining": ", ".join(f"{k}:{v}" for k, v in a.defining.items())}
                for a in gene.alleles]


class SnpKind(GeneKind):
    name = "snp"

    def input_keys(self, gene: SnpGene) -> list[str]:
        return list(dict.fromkeys(g.variant for g in gene.genotypes))

    def allowed_values(self, gene: SnpGene, key: str) -> list[str]:
        return [g.genotype for g in gene.genotypes if g.variant == key]

    def picker(self, gene: SnpGene, key: str) -> Picker:
        return Picker(key, f"{key} ({gene.symbol}, coding strand)",
                      tuple(self.allowed_values(gene, key)))

    def translate(self, gene: SnpGene, key: str, raw: Any) -> Call:
        options = [g for g in gene.genotypes if g.variant == key]
        text = str(raw).strip().upper() if isinstance(raw, str) else None
        alleles = re.findall(r"[ACGT]", text) if text else []
        if text is None or len(alleles) != 2 or re.sub(r"[ACGT/|\s]", "", text):
            raise GenotypeError(f"{key}: malformed genotype {raw!r} (expected two nucleotides "
                                "on the gene's reported strand, like 'C/T')")
        wanted = Counter(alleles)
        for option in options:
            if Counter(re.findall(r"[ACGT]", option.genotype)) == wanted:
                sources = [*gene.evidence.sources,
                           *(option.evidence.sources if option.evidence else [])]
                contested = gene.evidence.contested or bool(
                    option.evidence and option.evidence.contested)
                return Call(key, gene.symbol, option.genotype, option.genotype,
                            option.phenotype, None, _dedupe(sources), contested)
        known = ", ".join(o.genotype for o in options)
        raise GenotypeError(f"{key}: genotype {raw!r} is not one of {known}")

    def vcf_caller(self, gene: SnpGene) -> PatternCaller:
        return SnpCaller(gene, lambda key, raw: self.translate(gene, key, raw))

    def parse_exchange(self, gene: SnpGene, text: str, variant: str | None
                       ) -> tuple[str, Any]:
        keys = self.input_keys(gene)
        if variant not in keys:
            raise GenotypeError(f"{gene.symbol}: a genotype {text!r} needs one of the "
                                f"variants {', '.join(keys)}")
        return variant, text

    def problems(self, gene: SnpGene, vocab: Vocabulary) -> list[tuple[str, str]]:
        ids = {var.id for var in gene.variants}
        return [(f"genotypes.{i}.variant", f"unknown variant {g.variant!r}")
                for i, g in enumerate(gene.genotypes) if g.variant not in ids]

    def table(self, gene: SnpGene) -> list[dict[str, Any]]:
        return [{"variant": x.variant, "genotype": x.genotype, "phenotype": x.phenotype}
                for x in gene.genotypes]


_HLA_ALLELE = re.compile(r"^(?:([A-Z][A-Z0-9]*)\*|\*)?(\d{2,3})((?::\d{2,4})*)$")


def hla_allele(gene: HlaGene, text: str) -> str:
    """One typed HLA allele as ``*NN`` (one field) or ``*NN:NN`` (two fields; more fields
    are cut, as PharmCAT does). A gene prefix (``B*``, ``HLA-B*``) must name this gene."""
    raw = text.strip().upper().removeprefix("HLA-")
    m = _HLA_ALLELE.match(raw)
    letter = gene.symbol.upper().removeprefix("HLA-")
    if m is None or (m.group(1) and m.group(1) != letter):
        raise GenotypeError(f"{gene.symbol}: malformed HLA allele {text.strip()!r} (expected "
                            f"'*15:02' or '{letter}*15:02')")
    fields = [f for f in m.group(3).split(":") if f]
    return f"*{m.group(2)}" + (f":{fields[0]}" if fields else "")


class HlaKind(GeneKind):
    """Carrier status of the knowledge base's HLA alleles, entered per allele
    (``HLA-B*15:02: positive``) or derived from a typed result under the gene symbol
    (``HLA-B: "*15:02/*44:03"``, two-field resolution)."""

    name = "hla"

    def input_keys(self, gene: HlaGene) -> list[str]:
        return [*(f"{gene.symbol}{allele.name}" for allele in gene.alleles), gene.symbol]

    def allowed_values(self, gene: HlaGene, key: str) -> list[str]:
        return [] if key == gene.symbol else list(gene.values)

    def picker(self, gene: HlaGene, key: str) -> Picker | None:
        return None if key == gene.symbol else super().picker(gene, key)

    def typed(self, gene: HlaGene, raw: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
        """A typed result (``*15:02/*44:03``, or one allele) as its normalised text and the
        carrier status it decides for each knowledge-base allele. One allele alone decides
        only the alleles it carries (the other is unknown). A one-field allele that could
        be a knowledge-base allele (``*15`` for ``*15:02``) is an error."""
        if not isinstance(raw, str) or not raw.strip():
            raise GenotypeError(f"{gene.symbol}: a typed HLA result is text like "
                                f"'*15:02/*44:03', got {raw!r}")
        parts = [p for p in re.split(r"[/|+,]", raw) if p.strip()]
        if len(parts) not in (1, 2):
            raise GenotypeError(f"{gene.symbol}: expected one or two HLA alleles like "
                                f"'*15:02/*44:03', got {raw!r}")
        alleles = [hla_allele(gene, p) for p in parts]
        derived = []
        for allele in gene.alleles:
            group = allele.name.split(":")[0]
            vague = [a for a in alleles if ":" not in a and a == group]
            if vague:
                raise GenotypeError(
                    f"{gene.symbol}: one-field (allele group) result {vague[0]!r} in {raw!r} "
                    f"cannot tell {gene.symbol}{allele.name} from other {group} alleles; give "
                    "two-field alleles (e.g. '*15:02/*44:03') or the carrier status")
            if allele.name in alleles:
                derived.append((f"{gene.symbol}{allele.name}", "positive"))
            elif len(alleles) == 2:
                derived.append((f"{gene.symbol}{allele.name}", "negative"))
        return "/".join(alleles), tuple(derived)

    def translate(self, gene: HlaGene, key: str, raw: Any) -> Call:
        sources = list(gene.evidence.sources)
        if key == gene.symbol:
            display, derived = self.typed(gene, raw)
            carried = [k.removeprefix(gene.symbol) for k, v in derived if v == "positive"]
            what = (f"carrier of {', '.join(carried)}" if carried else
                    "none of the knowledge base's alleles" if "/" in display else
                    "one allele typed; the other is unknown")
            return Call(key, gene.symbol, display, display,
                        f"{gene.symbol}{display} (typed: {what})", None, _dedupe(sources),
                        derived=derived)
        text = str(raw).strip().lower() if isinstance(raw, str | bool) else None
        if isinstance(raw, bool):
            text = "positive" if raw else "negative"
        value = _HLA_ALIASES.get(text or "")
        if value is None or value not in gene.values:
            raise GenotypeError(f"{key}: carrier status must be 'positive' or 'negative', "
                                f"got {raw!r}")
        allele = next(a for a in gene.alleles if f"{gene.symbol}{a.name}" == key)
        sources += allele.evidence.sources if allele.evidence else []
        phenotype = f"{key} {'carrier' if value == 'positive' else 'non-carrier'}"
        return Call(key, gene.symbol, value, value, phenotype, None, _dedupe(sources))

    def exchange_text(self, gene: HlaGene, key: str, call: Call) -> str:
        return f"{gene.symbol}{call.display}" if key == gene.symbol else f"{key} {call.display}"

    def parse_exchange(self, gene: HlaGene, text: str, variant: str | None
                       ) -> tuple[str, Any]:
        body = text.strip()
        m = re.match(r"^(\S+)\s+(positive|negative)$", body, re.I)
        if m:
            return m.group(1), m.group(2).lower()
        return gene.symbol, body.removeprefix(gene.symbol)

    def outside_call(self, gene: HlaGene, key: str, display: str) -> tuple[str, str] | None:
        if key == gene.symbol:
            return display, ""  # PharmCAT's documented form: HLA-B<TAB>*15:02/*57:01
        return "", f"{key.removeprefix(gene.symbol)} {display}"  # HLA-B<TAB><TAB>*15:02 positive

    def table(self, gene: HlaGene) -> list[dict[str, Any]]:
        return [{"allele": f"{gene.symbol}{a.name}", "note": a.note or ""} for a in gene.alleles]


class VariantEffectKind(GeneKind):
    name = "variant_effect"

    def allowed_values(self, gene: VariantEffectGene, key: str) -> list[str]:
        return [c.name for c in gene.effect_classes]

    def picker(self, gene: VariantEffectGene, key: str) -> Picker:
        return Picker(key, key, (*self.allowed_values(gene, key),
                                 *(v.variant for v in gene.known_variants)))

    def translate(self, gene: VariantEffectGene, key: str, raw: Any) -> Call:
        classes = {c.name: c for c in gene.effect_classes}
        variants = {}
        for kv in gene.known_variants:
            for name in (kv.variant, *kv.aliases):
                variants[_variant_key(name)] = kv
        if isinstance(raw, dict):
            extra = set(raw) - {"variant", "effect"}
            if extra or not raw:
                raise GenotypeError(f"{key}: a variant mapping has 'variant' and/or 'effect', "
                                    f"got keys {sorted(raw)}")
            name, effect = raw.get("variant"), raw.get("effect")
        elif isinstance(raw, str):
            stripped = raw.strip()
            name, effect = (None, stripped) if stripped in classes else (stripped, None)
        else:
            raise GenotypeError(f"{key}: expected an effect class or a variant, got {raw!r}")
        if effect is not None and effect not in classes:
            raise GenotypeError(f"{key}: unknown effect {effect!r} (expected one of "
                                f"{', '.join(classes)})")
        known = variants.get(_variant_key(name)) if name else None
        if name and known is None and effect is None:
            raise GenotypeError(f"{key}: variant {name!r} is not in the knowledge base; give "
                                "its effect too, e.g. {variant: ..., effect: loss_of_function}")
        if known and effect and known.effect != effect:
            raise GenotypeError(f"{key}: variant {name!r} is {known.effect} in the knowledge "
                                f"base, not {effect}")
        effect = effect or known.effect
        cls = classes[effect]
        sources = [*gene.evidence.sources, *(cls.evidence.sources if cls.evidence else [])]
        if known:
            sources += known.evidence.sources
            display = known.variant
            phenotype = f"{cls.phenotype} ({known.variant}" + (
                f": {known.phenotype})" if known.phenotype else ")")
        else:
            display = name or effect
            phenotype = cls.phenotype + (" (variant effect as reported)" if name else "")
        contested = gene.evidence.contested or bool(cls.evidence and cls.evidence.contested)
        return Call(key, gene.symbol, display, effect, phenotype, None, _dedupe(sources),
                    contested)

    def vcf_caller(self, gene: VariantEffectGene) -> PatternCaller:
        return EffectCaller(gene, lambda key, raw: self.translate(gene, key, raw))

    def exchange_text(self, gene: VariantEffectGene, key: str, call: Call) -> str:
        if call.display == call.value or self._known(gene, call.display):
            return call.display
        return f"{call.display} ({call.value})"

    def parse_exchange(self, gene: VariantEffectGene, text: str, variant: str | None
                       ) -> tuple[str, Any]:
        m = re.match(r"^(.*\S)\s+\((\w+)\)$", text.strip())
        if m and m.group(2) in {c.name for c in gene.effect_classes}:
            return gene.symbol, {"variant": m.group(1), "effect": m.group(2)}
        return gene.symbol, text.strip()

    @staticmethod
    def _known(gene: VariantEffectGene, name: str) -> bool:
        return any(_variant_key(n) == _variant_key(name) for kv in gene.known_variants
                   for n in (kv.variant, *kv.aliases))

    def problems(self, gene: VariantEffectGene, vocab: Vocabulary) -> list[tuple[str, str]]:
        classes = {c.name for c in gene.effect_classes}
        return [(f"known_variants.{i}.effect", f"unknown effect class {kv.effect!r}")
                for i, kv in enumerate(gene.known_variants) if kv.effect not in classes]

    def table(self, gene: VariantEffectGene) -> list[dict[str, Any]]:
        return [{"variant": v.variant, "effect": v.effect, "phenotype": v.phenotype,
                 "sources": ", ".join(v.evidence.sources)} for v in gene.known_variants]


def _variant_key(name: str | None) -> str:
    return re.sub(r"[\s()]", "", name or "").lower()


KINDS: dict[str, GeneKind] = {k.name: k for k in (StarAlleleKind(), HlaKind(), SnpKind(),
                                                  VariantEffectKind())}


def kind_of(gene: Gene) -> GeneKind:
    """The registry entry for a gene."""
    return KINDS[gene.kind]


def pickers(kb: KnowledgeBase) -> list[Picker]:
    """A picker for every input key, grouped by gene kind in registry order."""
    order = list(KINDS)
    keys = sorted(kb.input_keys.items(), key=lambda kv: order.index(kb.genes[kv[1]].kind))
    made = (kind_of(kb.genes[symbol]).picker(kb.genes[symbol], key) for key, symbol in keys)
    return [p for p in made if p is not None]


def translate(kb: KnowledgeBase, key: str, raw: Any) -> Call:
    """Translate one value for an input key (gene, rsID or HLA allele)."""
    if key not in kb.input_keys:
        raise GenotypeError(f"unknown gene or genotype key {key!r}")
    gene = kb.genes[kb.input_keys[key]]
    return kind_of(gene).translate(gene, key, raw)
