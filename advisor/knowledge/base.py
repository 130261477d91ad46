"""The loaded knowledge base: typed content plus the lookups the engine needs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from advisor.genotype.kinds import kind_of
from advisor.schema import (
    Advice,
    Comedication,
    Condition,
    DoseChange,
    DreFile,
    Drug,
    EffectSizes,
    Evidence,
    Gene,
    Interaction,
    Manifest,
    OrganBand,
    PositionsFile,
    PromptWithdrawal,
    RegimensFile,
    Rule,
    Source,
    StatusEpilepticusFile,
    Vocabulary,
)
from advisor.schema.pathways import LicensedCombination

if TYPE_CHECKING:
    import pandas as pd


# a note's words just before a reaction term that say it did not happen ('no rash',
# 'without a rash', 'not SJS')
NEGATED = re.compile(r"\b(?:no|not|without|never had|denies|denied|nor)\s+"
                     r"(?:(?:a|an|any|history\s+of|signs\s+of|sign\s+of)\s+)*$", re.IGNORECASE)


def normalize_name(name: str) -> str:
    """A drug name as compared: lower case, hyphens and underscores as spaces."""
    return " ".join(str(name).lower().replace("_", " ").replace("-", " ").split())


@dataclass
class KnowledgeBase:
    """The validated knowledge base, with lookups the engine needs."""

    path: Path
    manifest: Manifest
    sources: dict[str, Source]
    vocabulary: Vocabulary
    genes: dict[str, Gene]
    drugs: dict[str, Drug]
    comedications: dict[str, Comedication]
    interactions: list[Interaction]
    rules: list[tuple[str, Rule]]
    dre: DreFile
    regimens: RegimensFile
    status_epilepticus: StatusEpilepticusFile
    positions: PositionsFile
    effect_sizes: EffectSizes
    advice: list[Advice]
    sha256: str
    files: dict[str, str] = field(default_factory=dict)  # object key -> relative file

    @property
    def version(self) -> str:
        return self.manifest.version

    @cached_property
    def input_keys(self) -> dict[str, str]:
        """Every genotype input key (gene symbol, rsID, HLA allele) -> its gene symbol."""
        return {key: gene.symbol for gene in self.genes.values()
                for key in kind_of(gene).input_keys(gene)}

    def gene_of(self, key: str) -> Gene:
        """The gene behind a genotype input key."""
        return self.genes[self.input_keys[key]]

    def allowed_values(self, key: str) -> list[str]:
        """Values a rule's ``value_in`` may test for an input key."""
        gene = self.gene_of(key)
        return kind_of(gene).allowed_values(gene, key)

    @cached_property
    def drug_aliases(self) -> dict[str, str]:
        """Lower-cased names, synonyms and brand names -> canonical drug or co-medication."""
        aliases: dict[str, str] = {}
        for name, drug in self.drugs.items():
            for alias in (*drug.own_names, *drug.rescue_names):
                aliases[normalize_name(alias)] = name
        for name, med in self.comedications.items():
            for alias in (name, *med.synonyms):
                aliases.setdefault(normalize_name(alias), name)
        return aliases

    @cached_property
    def short_course_comedications(self) -> frozenset[str]:
        """Co-medications taken for a course (antibiotics): their interactions are flagged
        but do not steer the long-term regimen ranking."""
        return frozenset(n for n, med in self.comedications.items() if med.short_course)

    @cached_property
    def short_term_asms(self) -> frozenset[str]:
        """ASMs for short-term use only (regimens.yaml short_term_only: fosphenytoin)."""
        return frozenset(t.drug for t in self.regimens.short_term_only)

    @cached_property
    def condition_drugs(self) -> dict[str, frozenset[str]]:
        """Each comorbid condition (vocabulary.conditions) -> the drugs of the rules that
        test it (``conditions_any``, also inside ``any_of``): a condition is judged for
        those drugs only, and one no rule tests for none."""
        out: dict[str, set[str]] = {c: set() for c in self.vocabulary.conditions}

        def tested(conds: Iterable[Condition]) -> set[str]:
            found: set[str] = set()
            for cond in conds:
                found.update(cond.conditions_any or ())
                found |= tested(cond.any_of or ())
            return found

        for _, rule in self.rules:
            for condition in tested(rule.when):
                out.setdefault(condition, set()).update(self.rule_drugs[rule.id])
        return {c: frozenset(d) for c, d in out.items()}

    @cached_property
    def shown_names(self) -> dict[str, str]:
        """The names shown for co-medications whose id in words reads wrongly
        (``nirmatrelvir_ritonavir`` -> "nirmatrelvir/ritonavir (Paxlovid)")."""
        return {n: med.display for n, med in self.comedications.items() if med.display}

    def shown(self, name: str) -> str:
        """A drug as people read it: its shown name, else its id (which the views put in
        words)."""
        return self.shown_names.get(name) or name

    def seizure_type_words(self, seizure_type: str) -> str:
        """A seizure type inside a sentence: 'generalized tonic-clonic seizures' (the
        vocabulary's label without its parenthesis, its first letter small)."""
        label = re.sub(r"\s*\([^)]*\)", "", self.vocabulary.seizure_types[seizure_type])
        return label[:1].lower() + label[1:]

    def reactions_named(self, note: str) -> list[tuple[str, re.Match[str]]]:
        """Each reaction a free-text note names and is not negated ('no rash'), with where:
        ``("sjs_ten", <match of 'Stevens-Johnson'>)``, in vocabulary order."""
        return [(reaction, found)
                for reaction, terms in self.vocabulary.reaction_terms.items() for term in terms
                for found in re.finditer(r"(?<![a-z0-9])" + re.escape(term) + r"(?![a-z0-9])",
                                         note, re.IGNORECASE)
                if not NEGATED.search(note[:found.start()])]

    @cached_property
    def rescue_products(self) -> dict[str, str]:
        """Lower-cased names of rescue-only products (Valtoco) -> their drug."""
        return {normalize_name(n): name for name, drug in self.drugs.items()
                for n in drug.rescue_names}

    @cached_property
    def rescue_only(self) -> frozenset[str]:
        """ASMs with no maintenance dose at any age (midazolam, lorazepam, ketamine): rescue
        or acute treatment, never part of a maintenance regimen, kept or withdrawn."""
        return frozenset(n for n, d in self.drugs.items() if not d.dosing.maintenance)

    def maintenance_asms(self, drugs: Iterable[str], rescue: Iterable[str] = ()
                         ) -> list[str]:
        """The ASMs of ``drugs`` that a maintenance regimen keeps or withdraws: rescue-only
        drugs and the patient's ``rescue`` treatment stay as prescribed."""
        kept = set(rescue)
        return [d for d in drugs if d in self.drugs and d not in self.rescue_only
                and d not in kept]

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
        import pandas as pd  # the knowledge base loads without pandas

        return pd.Index([*self.drugs, *self.comedications], dtype=object)

    @cached_property
    def drug_dtype(self) -> pd.CategoricalDtype:
        """The categorical dtype of drug columns (categories: :attr:`drug_index`)."""
        import pandas as pd

        return pd.CategoricalDtype(self.drug_index)

    @cached_property
    def drug_code(self) -> dict[str, int]:
        """Name -> position in :attr:`drug_index` (``get_indexer`` for a few names)."""
        codes = self.drug_index.get_indexer(self.drug_index)  # raises for a repeated name
        return dict(zip(self.drug_index, codes.tolist(), strict=True))

    @cached_property
    def spectrum_by_type(self) -> dict[str, np.ndarray]:
        """Seizure type -> which ASMs (in :attr:`drugs` order) cover it outside a syndrome."""
        return {t: np.array([t in d.spectrum.seizure_types and not d.spectrum.syndrome_only
                             for d in self.drugs.values()], dtype=bool)
                for t in self.vocabulary.seizure_types}

    @cached_property
    def interaction_rules(self) -> dict[str, Interaction]:
        """Every interaction by the rule id of its flags (``interaction:<id>``)."""
        return {f"interaction:{i.id}": i for i in self.interactions}

    @cached_property
    def dose_changes(self) -> tuple[dict[str, tuple[DoseChange, Evidence]],
                                    dict[str, Interaction]]:
        """The dose changes of flags, by the flag's rule: ``(rule id -> (then.dose, the rule's
        evidence), "interaction:<id>" -> the interaction)`` for rules and interactions with a
        dose block."""
        return ({rule.id: (rule.then.dose, rule.evidence) for _, rule in self.rules
                 if rule.then.dose is not None},
                {r: i for r, i in self.interaction_rules.items() if i.dose is not None})

    @cached_property
    def organ_statements(self) -> dict[str, dict[str, tuple[str, OrganBand]]]:
        """Drug -> its renal and hepatic statements by the rule id of their flags
        (``drug:<name>:<organ>:<i>`` -> (organ, statement))."""
        return {name: {f"drug:{name}:{organ}:{i}": (organ, b)
                       for organ, bands in (("renal", drug.dosing.renal),
                                            ("hepatic", drug.dosing.hepatic))
                       for i, b in enumerate(bands)}
                for name, drug in self.drugs.items()}

    @cached_property
    def seizure_type_columns(self) -> pd.Index:
        """The vocabulary's seizure types as a frame's column index (an Index is immutable:
        made once, framing a consult's few rows costs a fifth without building it)."""
        import pandas as pd

        return pd.Index(list(self.vocabulary.seizure_types))

    @cached_property
    def condition_columns(self) -> pd.Index:
        """The vocabulary's conditions as a frame's column index (see seizure_type_columns)."""
        import pandas as pd

        return pd.Index(list(self.vocabulary.conditions))

    @cached_property
    def drug_names(self) -> np.ndarray:
        """:attr:`drug_index` as an object array (code -> name)."""
        return self.drug_index.to_numpy(dtype=object)

    @cached_property
    def rule_drug_codes(self) -> dict[str, np.ndarray]:
        """Rule id -> the drug_index codes of the drugs its selector picks out."""
        import pandas as pd

        return {rid: self.drug_index.get_indexer(pd.Index(names, dtype=object))
                for rid, names in self.rule_drugs.items()}

    @cached_property
    def rule_drug_masks(self) -> dict[str, np.ndarray]:
        """Rule id -> whether each drug code is among its drugs (indexed by code; the last
        entry, False, is code -1: a name not in :attr:`drug_index`)."""
        out = {}
        for rid, codes in self.rule_drug_codes.items():
            mask = np.zeros(len(self.drug_index) + 1, dtype=bool)
            mask[codes[codes >= 0]] = True
            out[rid] = mask
        return out

    @cached_property
    def licensed_by_drugs(self) -> dict[frozenset[str], list[LicensedCombination]]:
        """The regimens file's licensed combinations by their set of drugs (file order)."""
        out: dict[frozenset[str], list[LicensedCombination]] = {}
        for combo in self.regimens.licensed_combinations:
            out.setdefault(frozenset(combo.drugs), []).append(combo)
        return out

    @cached_property
    def rule_drug_code_sets(self) -> dict[str, frozenset[int]]:
        """:attr:`rule_drug_codes` as sets."""
        return {rid: frozenset(codes.tolist()) for rid, codes in self.rule_drug_codes.items()}

    @cached_property
    def interaction_codes(self) -> pd.DataFrame:
        """One row per (interaction index, perpetrator code, victim code) (see drug_index)."""
        import pandas as pd

        code = self.drug_index.get_loc
        rows = [(i, code(p), code(v)) for i, inter in enumerate(self.interactions)
                for p in inter.perpetrators for v in inter.victims]
        return pd.DataFrame(rows, columns=["inter", "perpetrator", "victim"])

    @cached_property
    def interaction_arrays(self) -> dict[str, np.ndarray]:
        """:attr:`interaction_codes` as int64 arrays by column, with each side's codes sorted
        (``<side>_order``: the stable argsort, ``<side>_sorted``: the sorted codes)."""
        table = self.interaction_codes
        out = {c: table[c].to_numpy(dtype=np.int64) for c in table.columns}
        for side in ("perpetrator", "victim"):
            order = np.argsort(out[side], kind="stable")
            out[f"{side}_order"], out[f"{side}_sorted"] = order, out[side][order]
        return out

    @cached_property
    def _interactions_by_pair(self) -> dict[tuple[str, str], list[Interaction]]:
        out: dict[tuple[str, str], list[Interaction]] = {}
        for inter in self.interactions:
            for p in inter.perpetrators:
                for v in inter.victims:
                    out.setdefault((p, v), []).append(inter)
        return out

    @cached_property
    def dose_genes(self) -> dict[str, list[str]]:
        """Drug -> the star-allele genes whose phenotypes its dose rules (rules with a dose
        change) test, in file order."""
        out: dict[str, list[str]] = {}
        for _, rule in self.rules:
            if rule.then.dose is None:
                continue
            genes = [c.gene for c in rule.when if c.gene is not None and
                     getattr(self.genes.get(c.gene), "kind", None) == "star_allele"]
            for drug in self.rule_drugs[rule.id]:
                out.setdefault(drug, [])
                out[drug] += [g for g in genes if g not in out[drug]]
        return out

    @cached_property
    def interaction_partners(self) -> dict[str, frozenset[str]]:
        """Each drug or co-medication -> those it has a recorded interaction with (either
        way)."""
        out: dict[str, set[str]] = {}
        for perpetrator, victim in self._interactions_by_pair:
            out.setdefault(perpetrator, set()).add(victim)
            out.setdefault(victim, set()).add(perpetrator)
        for name, parts in self.components.items():  # a combination: its components'
            out[name] = set().union(*(out.get(p, set()) for p in parts))
        return {name: frozenset(partners) for name, partners in out.items()}

    @cached_property
    def dose_withheld_rules(self) -> frozenset[str]:
        """The rules whose flag withholds the advisor's dose (``then.dose_withheld``)."""
        return frozenset(rule.id for _, rule in self.rules if rule.then.dose_withheld)

    @cached_property
    def prompt_withdrawal_rules(self) -> dict[str, PromptWithdrawal]:
        """The rules whose 'avoid' withdraws a drug taken now promptly, by id
        (``then.withdraw_promptly``), and the interactions that do, by their flags' rule id
        ('interaction:<id>')."""
        return {**{rule.id: rule.then.withdraw_promptly for _, rule in self.rules
                   if rule.then.withdraw_promptly is not None},
                **{f"interaction:{i.id}": i.withdraw_promptly for i in self.interactions
                   if i.withdraw_promptly is not None}}

    @cached_property
    def exposure_rules(self) -> frozenset[str]:
        """The rules that depend on how long the judged drug has been taken (drug_naive)."""
        return frozenset(rule.id for _, rule in self.rules
                         if any(c.drug_naive is not None for c in rule.when))

    @cached_property
    def components(self) -> dict[str, tuple[str, ...]]:
        """Each combination product -> the co-medications it contains (judged as taken)."""
        return {name: tuple(med.components) for name, med in self.comedications.items()
                if med.components}

    def interactions_between(self, perpetrator: str, victim: str) -> list[Interaction]:
        """Interactions in which ``perpetrator`` affects ``victim``."""
        return self._interactions_by_pair.get((perpetrator, victim), [])

    def resolve_drug(self, name: str) -> str | None:
        """Canonical name for a drug name, synonym or brand name, or None."""
        return self.drug_aliases.get(normalize_name(name))
