"""Cross-file checks of a parsed knowledge base: one checker per section.

Each checker takes the :class:`~advisor.knowledge.base.KnowledgeBase` and yields
:class:`~advisor.knowledge.problems.Problem` objects; :func:`integrity_problems` runs them all.
Schema errors (types, unknown keys) are caught earlier, when each file is parsed.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from advisor.genotype.kinds import kind_of
from advisor.inputs.fields import CLINICAL_FIELDS
from advisor.knowledge.base import normalize_name
from advisor.knowledge.problems import Problem
from advisor.schema import Condition, Drug, EffectSizes, Evidence, Factor, Rule
from advisor.schema.common import CODE_FORMATS, CodeSet
from advisor.schema.rules import UNTESTED

if TYPE_CHECKING:
    from advisor.knowledge.base import KnowledgeBase

Check = Callable[["KnowledgeBase"], Iterable[Problem]]
RISK_FILE = "risk/effect_sizes.yaml"


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


def _sources(kb: KnowledgeBase, file: str, obj: Any, prefix: str = "") -> Iterator[Problem]:
    """Every cited source id inside ``obj`` that sources.yaml does not hold."""
    for loc, ev in _evidence_blocks(obj, prefix):
        for i, sid in enumerate(ev.sources):
            if sid not in kb.sources:
                yield Problem(file, f"{loc}.sources.{i}",
                              f"unknown source {sid!r} (not in sources.yaml)")


def _known(file: str, loc: str, values: Iterable[str], allowed: Any,
           what: str) -> Iterator[Problem]:
    for i, value in enumerate(values):
        if value not in allowed:
            yield Problem(file, f"{loc}.{i}", f"unknown {what} {value!r}")


def _codes(file: str, loc: str, system: str, codes: CodeSet | None) -> Iterator[Problem]:
    """Codes in the format of their system (HGNC id, RxCUI, ATC code)."""
    if codes is None:
        return
    for i, code in enumerate(codes.codes):
        if not re.match(CODE_FORMATS[system], code):
            yield Problem(file, f"{loc}{system}.codes.{i}", f"{code!r} is not a {system} code")


def check_codes(kb: KnowledgeBase) -> Iterator[Problem]:
    """HGNC, RxNorm and ATC codes well formed, and no RxCUI given to two drugs."""
    for symbol, gene in kb.genes.items():
        yield from _codes(kb.files[f"gene:{symbol}"], "", "hgnc", gene.hgnc)
    seen: dict[str, str] = {}
    meds = [(n, d, kb.files[f"drug:{n}"], "") for n, d in kb.drugs.items()]
    meds += [(m.name, m, "comedications.yaml", f"comedications.{i}.")
             for i, m in enumerate(kb.comedications.values())]
    for name, med, file, loc in meds:
        yield from _codes(file, loc, "rxnorm", med.rxnorm)
        yield from _codes(file, loc, "atc", med.atc)
        for code in med.rxnorm.codes if med.rxnorm else []:
            if code in seen and seen[code] != name:
                yield Problem(file, f"{loc}rxnorm", f"RxCUI {code} also given to {seen[code]}")
            seen[code] = name


def check_genes(kb: KnowledgeBase) -> Iterator[Problem]:
    for symbol, gene in kb.genes.items():
        file = kb.files[f"gene:{symbol}"]
        yield from _sources(kb, file, gene)
        for path, message in kind_of(gene).problems(gene, kb.vocabulary):
            yield Problem(file, path, message)


def _restriction_and_conversion(kb: KnowledgeBase, f: str, drug: Drug) -> Iterator[Problem]:
    """The seizure types and syndromes a use restriction spares, and the drugs the drug is
    converted to, are known ones."""
    v = kb.vocabulary
    spared = drug.restricted_use.except_for if drug.restricted_use else None
    if spared is not None:
        yield from _known(f, "restricted_use.except_for.seizure_types",
                          spared.seizure_types, v.seizure_types, "seizure type")
        yield from _known(f, "restricted_use.except_for.syndromes", spared.syndromes,
                          v.syndromes, "syndrome")
    if drug.converted_to is not None:
        yield from _known(f, "converted_to.drugs", drug.converted_to.drugs, set(kb.drugs),
                          "drug")


def _alias_problems(f: str, drug: Drug, aliases: dict[str, str]) -> Iterator[Problem]:
    """A name, synonym, brand or rescue product naming two drugs, or a rescue product that
    is also the drug's own name or brand (``aliases``: names seen so far -> their drug)."""
    for alias in (*drug.own_names, *drug.rescue_names):
        other = aliases.setdefault(normalize_name(alias), drug.name)
        if other != drug.name:
            yield Problem(f, "synonyms", f"{alias!r} also names {other!r}")
    own = {normalize_name(a) for a in drug.own_names}
    for i, product in enumerate(drug.rescue_names):
        if normalize_name(product) in own:
            yield Problem(f, f"rescue_products.names.{i}", f"{product!r} is also a name or "
                          "brand of the drug: a rescue product is listed once, here")


def check_drugs(kb: KnowledgeBase) -> Iterator[Problem]:
    v = kb.vocabulary
    aliases: dict[str, str] = {}
    drug_or_med = set(kb.drugs) | set(kb.comedications)
    for name, drug in kb.drugs.items():
        f = kb.files[f"drug:{name}"]
        yield from _sources(kb, f, drug)
        yield from _known(f, "mechanisms", drug.mechanisms, v.mechanisms, "mechanism")
        yield from _known(f, "spectrum.seizure_types", drug.spectrum.seizure_types,
                          v.seizure_types, "seizure type")
        yield from _known(f, "spectrum.syndromes", drug.spectrum.syndromes, v.syndromes,
                          "syndrome")
        for i, agg in enumerate(drug.aggravates):
            yield from _known(f, f"aggravates.{i}.seizure_types", agg.seizure_types,
                              v.seizure_types, "seizure type")
            yield from _known(f, f"aggravates.{i}.syndromes", agg.syndromes, v.syndromes,
                              "syndrome")
        yield from _restriction_and_conversion(kb, f, drug)
        for key in ("metabolism", "induces", "inhibits"):
            yield from _known(f, key, [e.enzyme for e in getattr(drug, key)], v.enzymes,
                              "enzyme")
        yield from _known(f, "adverse_effects.tags", drug.adverse_effects.tags,
                          v.adverse_effects, "adverse-effect tag")
        yield from _alias_problems(f, drug, aliases)
        if drug.dosing.withdrawal is not None:
            yield from _known(f, "dosing.withdrawal.schedule_with",
                              list(drug.dosing.withdrawal.schedule_with), kb.drugs, "drug")
            for i, stop in enumerate(drug.dosing.withdrawal.after_reaction):
                yield from _known(f, f"dosing.withdrawal.after_reaction.{i}.reactions",
                                  stop.reactions, v.reactions, "reaction")
        for key in ("maintenance", "no_dose", "renal", "hepatic"):
            for i, band in enumerate(getattr(drug.dosing, key)):
                yield from _indication_problems(kb, f, f"dosing.{key}.{i}", band)
                if getattr(band, "unbound_levels", False) and \
                        drug.dosing.therapeutic_range_mg_per_l is None:
                    yield Problem(f, f"dosing.{key}.{i}.unbound_levels", "the drug has no "
                                  "therapeutic_range_mg_per_l whose total target it hides")
        for i, tit in enumerate(drug.dosing.titration):
            yield from _known(f, f"dosing.titration.{i}.when_taking", tit.when_taking,
                              drug_or_med, "drug")
            yield from _indication_problems(kb, f, f"dosing.titration.{i}", tit)
            weeks = [(st.week_from, st.week_to) for st in tit.steps]
            if any(b[0] != a[1] + 1 for a, b in itertools.pairwise(weeks)):
                yield Problem(f, f"dosing.titration.{i}.steps",
                              "steps must follow each other week by week")


def check_comedications(kb: KnowledgeBase) -> Iterator[Problem]:
    for i, med in enumerate(kb.comedications.values()):
        yield from _sources(kb, "comedications.yaml", med, f"comedications.{i}")
        if med.name in kb.drugs:
            yield Problem("comedications.yaml", f"comedications.{i}.name",
                          f"{med.name!r} is also an ASM")
        for j, part in enumerate(med.components):
            other = kb.comedications.get(part)
            if other is None or other.components or part == med.name:
                yield Problem("comedications.yaml", f"comedications.{i}.components.{j}",
                              f"{part!r} is not a single co-medication of this file")
        if med.unaffected is not None and kb.interaction_partners.get(med.name):
            yield Problem("comedications.yaml", f"comedications.{i}.unaffected",
                          f"{med.name!r} is said to interact with no antiseizure medication, "
                          "but interactions.yaml names it")


def check_interactions(kb: KnowledgeBase) -> Iterator[Problem]:
    drug_or_med = set(kb.drugs) | set(kb.comedications)
    seen: set[str] = set()
    for i, inter in enumerate(kb.interactions):
        loc = f"interactions.{i}"
        yield from _sources(kb, "interactions.yaml", inter, loc)
        if inter.id in seen:
            yield Problem("interactions.yaml", f"{loc}.id", f"duplicate id {inter.id!r}")
        seen.add(inter.id)
        yield from _known("interactions.yaml", f"{loc}.perpetrators", inter.perpetrators,
                          drug_or_med, "drug")
        yield from _known("interactions.yaml", f"{loc}.victims", inter.victims, drug_or_med,
                          "drug")
        yield from _known("interactions.yaml", f"{loc}.unless_taking", inter.unless_taking,
                          drug_or_med, "drug")
        yield from _dose_agrees(kb, inter, loc)
        if inter.kind == "pharmacokinetic" and inter.direction is None \
                and not inter.on_withdrawal and set(inter.perpetrators) & set(kb.drugs):
            yield Problem("interactions.yaml", f"{loc}.direction", "a pharmacokinetic "
                          "interaction of an ASM needs a direction (raises, lowers, variable) "
                          "or an on_withdrawal: a withdrawal step says what changes")
    yield from _ids_in_prose(kb)


def _ids_in_prose(kb: KnowledgeBase) -> Iterator[Problem]:
    """The texts a report shows (effect, magnitude, management) name other interactions in
    words, not by their ids ('see enzyme-inducers-lower-valproate' means nothing to a reader;
    evidence notes, for reviewers, may)."""
    ids = re.compile(r"\b(" + "|".join(sorted((re.escape(i.id) for i in kb.interactions),
                                              key=len, reverse=True)) + r")\b")
    for i, inter in enumerate(kb.interactions):
        for name in ("effect", "magnitude", "management"):
            found = ids.search(" ".join(str(getattr(inter, name) or "").split()))
            if found:
                yield Problem("interactions.yaml", f"interactions.{i}.{name}",
                              f"names the interaction {found.group(0)!r} by its id: say it in "
                              "words (e.g. 'a flag of its own')")


def _dose_agrees(kb: KnowledgeBase, inter: Any, loc: str) -> Iterator[Problem]:
    """An interaction that changes a dose says by how much: a dose block whose sign fits the
    action, or, for each medicine pair, a co-medication dose band of the affected drug."""
    if inter.action not in ("reduce_dose", "increase_dose"):
        if inter.dose is not None and inter.dose.percent:
            yield Problem("interactions.yaml", f"{loc}.dose", f"action {inter.action} with a "
                          "percentage: use reduce_dose or increase_dose")
        return
    if inter.dose is not None:
        sign = inter.dose.percent or 0
        if (sign > 0) != (inter.action == "increase_dose") and sign:
            yield Problem("interactions.yaml", f"{loc}.dose.percent", f"{sign:+g}% does not "
                          f"fit action {inter.action}")
        return
    for victim in (v for v in inter.victims if v in kb.drugs):
        banded = {d for band in kb.drugs[victim].dosing.maintenance
                  for d in (*band.when_taking, *band.when_also_taking)}
        missing = [p for p in inter.perpetrators if p not in banded]
        if missing:
            yield Problem("interactions.yaml", loc, f"action {inter.action} without a dose "
                          f"block, and {victim} has no dose band for use with "
                          f"{', '.join(missing)}: add the band or a dose block")


def _gene_condition_problems(kb: KnowledgeBase, f: str, cloc: str, cond: Condition
                             ) -> Iterator[Problem]:
    """A condition's gene or input key must exist, with the values and phenotypes it names."""
    if cond.gene not in kb.input_keys:
        yield Problem(f, f"{cloc}.gene", f"unknown gene or input key {cond.gene!r}")
        return
    gene = kb.gene_of(cond.gene)
    kind = kind_of(gene)
    allowed = kb.allowed_values(cond.gene)
    for val in cond.value_in or []:
        if val not in allowed and val != UNTESTED:
            yield Problem(f, f"{cloc}.value_in", f"{val!r} is not a value of "
                          f"{cond.gene} (expected one of {sorted(allowed)})")
    if cond.phenotype_in is not None and not kind.metabolizer:
        yield Problem(f, f"{cloc}.phenotype_in", f"{cond.gene} has no metabolizer phenotypes")
    yield from _known(f, f"{cloc}.phenotype_in", cond.phenotype_in or [],
                      kb.vocabulary.phenotypes, "phenotype")
    if cond.activity_score is not None and not kind.has_activity_score(gene):
        yield Problem(f, f"{cloc}.activity_score", f"{cond.gene} is not an activity-score gene")
    if cond.variant_in is not None:
        named = {v.variant for v in getattr(gene, "known_variants", [])}
        if not named:
            yield Problem(f, f"{cloc}.variant_in", f"{cond.gene} has no named variants")
        yield from _known(f, f"{cloc}.variant_in", cond.variant_in if named else [], named,
                          f"{cond.gene} variant")


def _condition_problems(kb: KnowledgeBase, f: str, cloc: str, cond: Condition
                        ) -> Iterator[Problem]:
    """Terms a condition names must exist (vocabulary, drugs, genotype keys)."""
    v = kb.vocabulary
    if cond.gene is not None:
        yield from _gene_condition_problems(kb, f, cloc, cond)
    yield from _known(f, f"{cloc}.seizure_types_any", cond.seizure_types_any or [],
                      v.seizure_types, "seizure type")
    yield from _known(f, f"{cloc}.syndromes_any", cond.syndromes_any or [], v.syndromes,
                      "syndrome")
    yield from _known(f, f"{cloc}.conditions_any", cond.conditions_any or [], v.conditions,
                      "condition")
    medicines = set(kb.drugs) | set(kb.comedications)
    if cond.prior_reaction is not None:
        yield from _known(f, f"{cloc}.prior_reaction.reactions", cond.prior_reaction.reactions,
                          v.reactions, "reaction")
        yield from _known(f, f"{cloc}.prior_reaction.drugs", cond.prior_reaction.drugs,
                          medicines, "drug")
    for key in ("taking_any", "not_taking_any"):
        yield from _known(f, f"{cloc}.{key}", getattr(cond, key) or [], medicines, "drug")
    for i, sub in enumerate(cond.any_of or []):
        yield from _condition_problems(kb, f, f"{cloc}.any_of.{i}", sub)


def _indication_problems(kb: KnowledgeBase, f: str, loc: str, band: Any) -> Iterator[Problem]:
    """A dose band's, organ statement's or titration's indication and co-medication must
    exist."""
    ind = getattr(band, "indication", "all")
    if ind not in ("all", None):
        yield from _known(f, f"{loc}.indication.seizure_types", ind.seizure_types,
                          kb.vocabulary.seizure_types, "seizure type")
        yield from _known(f, f"{loc}.indication.syndromes", ind.syndromes,
                          kb.vocabulary.syndromes, "syndrome")
    drugs = set(kb.drugs) | set(kb.comedications)
    for key in ("when_taking", "when_also_taking", "when_not_taking"):
        yield from _known(f, f"{loc}.{key}", getattr(band, key, []), drugs, "drug")


def _rule_problems(kb: KnowledgeBase, rule: Rule) -> Iterator[Problem]:
    f = kb.files[f"rule:{rule.id}"]
    loc = f"rules[{rule.id}]"
    for _, ev in _evidence_blocks(rule):
        for sid in ev.sources:
            if sid not in kb.sources:
                yield Problem(f, f"{loc}.evidence", f"unknown source {sid!r}")
    for i, cond in enumerate(rule.when):
        yield from _condition_problems(kb, f, f"{loc}.when.{i}", cond)
    if rule.drugs.reacted and not any(c.prior_reaction for c in rule.when):
        yield Problem(f, f"{loc}.drugs.reacted", "reacted: true needs a prior_reaction "
                      "condition")
    v = kb.vocabulary
    for name in rule.drugs.names:
        if name not in kb.drugs:
            yield Problem(f, f"{loc}.drugs.names", f"unknown drug {name!r}")
    for mech in [*rule.drugs.mechanisms, *rule.drugs.primary_mechanisms]:
        if mech not in v.mechanisms:
            yield Problem(f, f"{loc}.drugs.mechanisms", f"unknown mechanism {mech!r}")


def check_rules(kb: KnowledgeBase) -> Iterator[Problem]:
    seen: set[str] = set()
    for _, rule in kb.rules:
        if rule.id in seen:
            yield Problem(kb.files[f"rule:{rule.id}"], f"rules[{rule.id}]", "duplicate rule id")
        seen.add(rule.id)
        yield from _rule_problems(kb, rule)


# The placeholders the engine fills in each kind of message template (rules.py, transition.py)
RULE_FIELDS = frozenset({"drug", "gene", "value", "phenotype", "activity_score"})
TEMPLATES: tuple[tuple[str, frozenset[str]], ...] = (
    ("rule", RULE_FIELDS), ("aggravation", frozenset({"drug"})),
    ("interaction", frozenset()), ("on_withdrawal", frozenset({"removed", "affected"})))


def _templates(kb: KnowledgeBase) -> Iterator[tuple[str, str, str, frozenset[str]]]:
    """(file, location, text, fillable placeholders) of every message template."""
    fields = dict(TEMPLATES)
    for _, rule in kb.rules:
        yield kb.files[f"rule:{rule.id}"], f"rules[{rule.id}].then.message", \
            rule.then.message, fields["rule"]
    for name, drug in kb.drugs.items():
        for i, agg in enumerate(drug.aggravates):
            yield kb.files[f"drug:{name}"], f"aggravates.{i}.message", agg.message, \
                fields["aggravation"]
    for i, inter in enumerate(kb.interactions):
        for key in ("effect", "magnitude", "management"):
            yield "interactions.yaml", f"interactions.{i}.{key}", getattr(inter, key), \
                fields["interaction"]
        if inter.on_withdrawal:
            yield "interactions.yaml", f"interactions.{i}.on_withdrawal", \
                inter.on_withdrawal, fields["on_withdrawal"]


def check_placeholders(kb: KnowledgeBase) -> Iterator[Problem]:
    """Every ``{name}`` in a message template must be one the engine fills (a text the
    engine does not format may hold none), so that no report shows a raw placeholder."""
    for file, loc, text, allowed in _templates(kb):
        if not allowed and ("{" in text or "}" in text):
            yield Problem(file, loc, "a brace in a text the engine shows as written: "
                          "no placeholder is filled here")
            continue
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text)
                     if name is not None}
        except ValueError as exc:
            yield Problem(file, loc, f"malformed placeholder: {exc}")
            continue
        for name in sorted(names - allowed):
            known = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "none"
            yield Problem(file, loc, f"placeholder {{{name}}} is never filled "
                          f"(placeholders filled here: {known})")


def check_positions(kb: KnowledgeBase) -> Iterator[Problem]:
    file, v = "guideline_positions.yaml", kb.vocabulary
    yield from _sources(kb, file, kb.positions)
    if kb.positions.guideline not in kb.sources:
        yield Problem(file, "guideline", f"unknown source {kb.positions.guideline!r}")
    for i, pos in enumerate(kb.positions.positions):
        loc = f"positions.{i}"
        if pos.guideline is not None and pos.guideline not in kb.sources:
            yield Problem(file, f"{loc}.guideline", f"unknown source {pos.guideline!r}")
        if pos.replaces_seizure_types and pos.seizure_type is None:
            yield Problem(file, f"{loc}.replaces_seizure_types",
                          "only a seizure-type entry can replace the other seizure types'")
        if pos.seizure_type is not None:
            yield from _known(file, f"{loc}.seizure_type", [pos.seizure_type], v.seizure_types,
                              "seizure type")
        if pos.syndrome is not None:
            yield from _known(file, f"{loc}.syndrome", [pos.syndrome], v.syndromes, "syndrome")
        for key in ("first_line", "second_line", "third_line", "adjunctive", "appraised",
                    "not_recommended",
                    "not_in_childbearing_potential"):
            yield from _known(file, f"{loc}.{key}", list(getattr(pos, key)), kb.drugs, "drug")
        if pos.may_exacerbate is not None:
            yield from _known(file, f"{loc}.may_exacerbate.drugs", pos.may_exacerbate.drugs,
                              kb.drugs, "drug")
        for drug, source in pos.appraised.items():
            if source not in kb.sources:
                yield Problem(file, f"{loc}.appraised.{drug}", f"unknown source {source!r}")
        for key in ("add_on_only", "from_age_years"):
            yield from (Problem(file, f"{loc}.{key}", f"{drug!r} is not named in this entry")
                        for drug in getattr(pos, key) if drug not in pos.named)


def check_status_epilepticus(kb: KnowledgeBase) -> Iterator[Problem]:
    se = kb.status_epilepticus
    yield from _sources(kb, "status_epilepticus.yaml", se)
    for i, stage in enumerate(se.stages):
        yield from _known("status_epilepticus.yaml", f"stages.{i}.options",
                          [o.drug for o in stage.options], kb.drugs, "drug")
        for j, option in enumerate(stage.options):
            yield from _known("status_epilepticus.yaml", f"stages.{i}.options.{j}.counts_as",
                              option.counts_as, kb.drugs, "drug")


def check_dre(kb: KnowledgeBase) -> Iterator[Problem]:
    yield from _sources(kb, "dre.yaml", kb.dre)
    yield from _known("dre.yaml", "definition.tolerance_ended_by",
                      kb.dre.definition.tolerance_ended_by, set(kb.vocabulary.reactions),
                      "reaction")
    for i, step in enumerate(kb.dre.next_steps):
        for j, cond in enumerate(step.when):
            yield from _condition_problems(kb, "dre.yaml", f"next_steps.{i}.when.{j}", cond)


def check_advice(kb: KnowledgeBase) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, item in enumerate(kb.advice):
        yield from _sources(kb, "advice.yaml", item, f"advice.{i}")
        if item.id in seen:
            yield Problem("advice.yaml", f"advice.{i}.id", f"duplicate id {item.id!r}")
        seen.add(item.id)
        for j, cond in enumerate(item.when):
            yield from _condition_problems(kb, "advice.yaml", f"advice.{i}.when.{j}", cond)
        yield from _known("advice.yaml", f"advice.{i}.drugs", item.drugs, kb.drugs, "drug")


def check_vocabulary(kb: KnowledgeBase) -> Iterator[Problem]:
    v = kb.vocabulary
    for mech in v.mechanisms:
        if mech not in v.mechanism_targets and mech != "multiple_mechanisms":
            yield Problem("vocabulary.yaml", "mechanism_targets",
                          f"mechanism {mech!r} has no target")
    yield from _known("vocabulary.yaml", "mechanism_targets", list(v.mechanism_targets),
                      v.mechanisms, "mechanism")
    yield from _known("vocabulary.yaml", "reaction_terms", list(v.reaction_terms),
                      v.reactions, "reaction")


def check_regimens(kb: KnowledgeBase) -> Iterator[Problem]:
    yield from _sources(kb, "regimens.yaml", kb.regimens)
    yield from _known("regimens.yaml", "several_withdrawals.slower_mechanisms",
                      kb.regimens.several_withdrawals.slower_mechanisms,
                      kb.vocabulary.mechanisms, "mechanism")
    for i, syn in enumerate(kb.regimens.synergies):
        yield from _known("regimens.yaml", f"synergies.{i}.drugs", list(syn.drugs), kb.drugs,
                          "drug")
    for i, combo in enumerate(kb.regimens.licensed_combinations):
        loc = f"licensed_combinations.{i}"
        yield from _known("regimens.yaml", f"{loc}.drugs", list(combo.drugs), kb.drugs, "drug")
        yield from _known("regimens.yaml", f"{loc}.syndromes", combo.syndromes,
                          kb.vocabulary.syndromes, "syndrome")
    yield from _known("regimens.yaml", "short_term_only",
                      [d.drug for d in kb.regimens.short_term_only], kb.drugs, "drug")
    yield from _known("regimens.yaml", "sole_agent",
                      [d.drug for d in kb.regimens.sole_agent], kb.drugs, "drug")
    yield from _known("regimens.yaml", "levels_fall_in_pregnancy",
                      kb.regimens.levels_fall_in_pregnancy, kb.drugs, "drug")
    yield from _known("regimens.yaml", "shared_adverse_effect_tags",
                      kb.regimens.shared_adverse_effect_tags, kb.vocabulary.adverse_effects,
                      "adverse-effect tag")


def _clinical_input(kb: KnowledgeBase, inp: Any, where: str) -> Iterator[Problem]:
    """A clinical risk input: a known field, with values it has, transformed only if numeric."""
    field = CLINICAL_FIELDS[inp.clinical]
    categorical = field.kind in ("bool", "choice")
    if field.kind == "choice" and not (inp.exposed_values and inp.reference_values):
        yield Problem(RISK_FILE, where, f"{field.name} has named values: give "
                      "exposed_values and reference_values")
    for value in [*inp.exposed_values, *inp.reference_values]:
        if value not in field.choices:
            yield Problem(RISK_FILE, where, f"{value!r} is not a value of {field.name}")
    if inp.transform and categorical:
        yield Problem(RISK_FILE, f"{where}.transform", "only a number can be transformed")
    if inp.or_seizure_type:
        yield from _known(RISK_FILE, f"{where}.or_seizure_type", [inp.or_seizure_type],
                          kb.vocabulary.seizure_types, "seizure type")


def _genotype_input(kb: KnowledgeBase, inp: Any, where: str) -> Iterator[Problem]:
    """A genotype risk input: known input keys, with the values it names."""
    for i, key in enumerate(inp.genotype):
        if key not in kb.input_keys:
            yield Problem(RISK_FILE, f"{where}.genotype.{i}", f"unknown genotype input key {key!r}")
            continue
        allowed = kb.allowed_values(key)
        for value in [*inp.exposed_values, *inp.simulated_reference]:
            if value not in allowed:
                yield Problem(RISK_FILE, where, f"{value!r} is not a value of {key}")


def _factor_input(kb: KnowledgeBase, f: Factor, loc: str) -> Iterator[Problem]:
    """Where a risk factor's value comes from must exist, with the values it names."""
    inp, where = f.input, f"{loc}.input"
    categorical = True
    if inp.clinical is not None:
        if inp.clinical not in CLINICAL_FIELDS:
            yield Problem(RISK_FILE, f"{where}.clinical", f"unknown clinical field "
                          f"{inp.clinical!r}; known: {', '.join(CLINICAL_FIELDS)}")
            return
        categorical = CLINICAL_FIELDS[inp.clinical].kind in ("bool", "choice")
        yield from _clinical_input(kb, inp, where)
    elif inp.genotype is not None:
        yield from _genotype_input(kb, inp, where)
    else:
        yield from _known(RISK_FILE, f"{where}.not_counted", inp.not_counted,
                          kb.vocabulary.seizure_types, "seizure type")
        yield from _known(RISK_FILE, f"{where}.unknown_types", inp.unknown_types,
                          kb.vocabulary.seizure_types, "seizure type")
        left_out = {*inp.not_counted, *inp.unknown_types}
        for i, note in enumerate(inp.count_notes):
            yield from _known(RISK_FILE, f"{where}.count_notes.{i}.types", note.types,
                              set(kb.vocabulary.seizure_types) - left_out,
                              "counted seizure type")
    if categorical and not (f.exposed and f.reference and f.population.prevalence is not None):
        yield Problem(RISK_FILE, loc, f"{f.feature} is categorical: it needs exposed, "
                      "reference and a prevalence")
    if not categorical and (f.population.distribution is None or f.exposed or f.reference):
        yield Problem(RISK_FILE, loc, "a numeric feature has a distribution and no "
                      "exposed/reference levels")


def check_effect_sizes(kb: KnowledgeBase) -> Iterator[Problem]:
    es: EffectSizes = kb.effect_sizes
    seen: set[str] = set()
    for i, f in enumerate(es.factors):
        loc = f"factors.{i}"
        if f.feature in seen:
            yield Problem(RISK_FILE, f"{loc}.feature", f"{f.feature!r} listed twice")
        seen.add(f.feature)
        yield from _factor_input(kb, f, loc)
    for sid in es.source_ids():
        if sid not in kb.sources:
            yield Problem(RISK_FILE, "evidence", f"unknown source {sid!r} (not in sources.yaml)")
    yield from _known(RISK_FILE, "report.out_of_scope_seizure_types",
                      es.report.out_of_scope_seizure_types, kb.vocabulary.seizure_types,
                      "seizure type")
    if es.report.out_of_scope_seizure_types and not es.report.out_of_scope_reason:
        yield Problem(RISK_FILE, "report.out_of_scope_reason",
                      "out-of-scope seizure types need the reason shown to users")
    yield from _known(RISK_FILE, "report.out_of_scope_syndromes",
                      es.report.out_of_scope_syndromes, kb.vocabulary.syndromes, "syndrome")
    if es.report.out_of_scope_syndromes and not es.report.out_of_scope_syndrome_reason:
        yield Problem(RISK_FILE, "report.out_of_scope_syndrome_reason",
                      "out-of-scope syndromes need the reason shown to users")
    for kind, syndrome in es.report.syndrome_of_seizure_types.items():
        yield from _known(RISK_FILE, "report.syndrome_of_seizure_types", [kind],
                          kb.vocabulary.seizure_types, "seizure type")
        if syndrome not in es.report.out_of_scope_syndromes:
            yield Problem(RISK_FILE, f"report.syndrome_of_seizure_types.{kind}",
                          f"{syndrome!r} is not among the out-of-scope syndromes")


def check_manifest(kb: KnowledgeBase) -> Iterator[Problem]:
    yield from _sources(kb, "manifest.yaml", kb.manifest)
    yield from _known("manifest.yaml", "neonatal_period.seizure_type",
                      [kb.manifest.neonatal_period.seizure_type],
                      kb.vocabulary.seizure_types, "seizure type")


CHECKS: tuple[Check, ...] = (check_manifest, check_codes, check_vocabulary, check_genes,
                             check_drugs, check_comedications,
                             check_interactions, check_rules, check_positions,
                             check_status_epilepticus, check_dre, check_advice, check_regimens,
                             check_effect_sizes, check_placeholders)


def integrity_problems(kb: KnowledgeBase) -> list[Problem]:
    """Every cross-file problem of a parsed knowledge base."""
    return [p for check in CHECKS for p in check(kb)]
