"""One consultation: patient -> flags, doses, DRE status, risk, regimens (the JSON contract)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache, cached_property, partial
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import pandas as pd
from pydantic import BaseModel

from advisor import __version__, status_epilepticus, transition
from advisor import regimens as regimens_module
from advisor.dosing import recommend_doses, rescue_dose
from advisor.dre import classify
from advisor.frame import PatientFrame, frame_from_patients, with_candidates
from advisor.genotype import column
from advisor.inputs.patient import Patient, load_patient
from advisor.knowledge import KnowledgeBase
from advisor.numbers import percent
from advisor.regimens import not_shown, suggest
from advisor.result import (
    Advice,
    ConsultResult,
    Dose,
    DreResult,
    Flag,
    NotShown,
    PhenotypeEntry,
    Provenance,
    Regimen,
    Risk,
    VcfCall,
)
from advisor.risk.predict import risk_block
from advisor.rules import evaluate, records, row_mask
from advisor.schema import Source
from advisor.summary import partly_checked, summarize, unaffected


def phenotypes(kb: KnowledgeBase, frame: PatientFrame, row: int) -> dict[str, Any]:
    """Translated genotypes of one row, keyed by input key (gene, rsID or HLA allele)."""
    out: dict[str, Any] = {}
    for key, calls in frame.lookup.items():
        display = frame.arrays.call(column(key, "display"))[row]
        if display is None or pd.isna(display):
            continue
        call = calls[display]
        entry: dict[str, Any] = {
            "gene": call.gene, "diplotype_or_genotype": call.display,
            "phenotype": call.phenotype, "evidence": list(call.evidence),
            "contested": call.contested}
        if call.activity_score is not None:
            entry["activity_score"] = call.activity_score
        if call.value != call.display:
            entry["value"] = call.value
        out[key] = entry
    return out


def _phenotype_entries(kb: KnowledgeBase, frame: PatientFrame, explicit: set[str],
                       details: dict[str, dict[str, Any]]) -> dict[str, PhenotypeEntry]:
    """The translated genotypes with where each came from; a key decided by another result
    (an HLA allele's carrier status from a typed diplotype) names that result."""
    entries = phenotypes(kb, frame, 0)
    origin: dict[str, str] = {}
    for key in entries:
        display = entries[key]["diplotype_or_genotype"]
        for dkey, _ in frame.lookup[key][display].derived:
            origin.setdefault(dkey, key)

    def source(key: str) -> str:
        key = origin.get(key, key) if key not in explicit else key
        return "genotypes" if key in explicit else details.get(key, {}).get("source", "vcf")

    return {key: PhenotypeEntry(**entry, source=source(key),
                                derived_from=origin.get(key) if key not in explicit else None)
            for key, entry in entries.items()}


def _flags(flags: pd.DataFrame, current: set[str], candidates: set[str],
           flag_records: list[dict[str, Any]] | None = None) -> list[Flag]:
    """Flags as result models: the patient's current drugs first, then candidates, then the
    other drugs to avoid (their non-avoid flags are dropped). ``flag_records``: the records
    of ``flags``, when the caller has them already (read only)."""
    groups: dict[str, list[Flag]] = {"current": [], "candidate": [], "other": []}
    for f in (records(flags) if flag_records is None else map(dict, flag_records)):
        del f["row"]
        relevance = ("current" if f["drug"] in current else
                     "candidate" if f["drug"] in candidates else "other")
        if relevance == "other" and f["action"] != "avoid":
            continue
        other = f.pop("interacting_drug")
        depends = f.pop("depends_on_untested_position", None)
        f.update(depends_on_untested_position=depends if isinstance(depends, list) else None)
        f.update(evidence=f["evidence"].split(";"), contested=bool(f["contested"]),
                 interacting_drug=other if isinstance(other, str) else None,
                 gene=f["gene"] if isinstance(f["gene"], str) else None, relevance=relevance)
        groups[relevance].append(Flag(**f))
    return [*groups["current"], *groups["candidate"], *groups["other"]]


def _advice(kb: KnowledgeBase, frame: PatientFrame, row: int, in_play: set[str], *,
            at_order: bool = False) -> list[Advice]:
    """The knowledge base's patient-level advice whose conditions hold for this row (and,
    for advice about drugs, one of whose drugs is in play: taken, asked about, or in a
    suggested regimen). ``at_order``: only advice about the drugs in play (the ordered
    ones) that a prescriber acts on, not the advisor's rationale."""
    out = []
    for item in kb.advice:
        if item.drugs and not in_play & set(item.drugs):
            continue
        if at_order and not item.at_order:
            continue
        if all(row_mask(frame, cond)[row] for cond in item.when):
            out.append(Advice(id=item.id, topic=item.topic, text=item.text,
                              evidence=list(item.evidence.sources),
                              evidence_level=item.evidence.level,
                              contested=item.evidence.contested, first=item.first))
    return out


def _evidence_ids(obj: Any) -> Iterator[str]:
    """Every source id under an ``evidence`` list, in the order of the result's JSON."""
    found: list[str] = []
    _collect_evidence(obj, found)
    return iter(found)


def _collect_evidence(obj: Any, found: list[str]) -> None:
    if isinstance(obj, BaseModel):
        for name, is_evidence in _holders(type(obj)):
            value = getattr(obj, name)
            if is_evidence and isinstance(value, list):
                found += [x for x in value if isinstance(x, str)]
            elif isinstance(value, _NESTED):
                _collect_evidence(value, found)
    elif isinstance(obj, dict):
        for value in obj.values():
            if isinstance(value, _NESTED):
                _collect_evidence(value, found)
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, _NESTED):
                _collect_evidence(item, found)


_NESTED = (BaseModel, dict, list)  # what can hold an evidence list (other values cannot)
_PLAIN = (str, int, float, bool, type(None))


def _may_hold(annotation: Any) -> bool:
    """Whether a field of this type can hold a model, dict or list with an evidence list
    (texts, numbers, flags and literals cannot; anything not understood here may)."""
    if annotation in _PLAIN:
        return False
    origin = get_origin(annotation)
    if origin is Literal:
        return False
    if origin in (Union, UnionType, list):
        return any(_may_hold(arg) for arg in get_args(annotation))
    if origin is dict:
        args = get_args(annotation)
        return len(args) != 2 or _may_hold(args[1])
    return True


@cache
def _holders(model: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """The fields of a result model to look into for evidence, in order, and whether each is
    an ``evidence`` field (once per model class: the others cannot hold one)."""
    return tuple((name, name == "evidence") for name, info in model.model_fields.items()
                 if name == "evidence" or _may_hold(info.annotation))


def _cited(kb: KnowledgeBase, result: ConsultResult) -> dict[str, Source]:
    return {sid: kb.sources[sid] for sid in dict.fromkeys(_evidence_ids(result))
            if sid in kb.sources}


VcfCalls = tuple[dict[str, str], dict[str, dict[str, Any]]]
MAX_ALTERNATIVES = 64  # diplotype combinations judged for ambiguous calls


def _resolve(path_text: str, base_dir: Path | None) -> Path:
    path = Path(path_text)
    return base_dir / path if not path.is_absolute() and base_dir is not None else path


def with_vcf_calls(kb: KnowledgeBase, patient: Patient, calls: VcfCalls | None = None,
                   base_dir: Path | None = None, *, pharmcat: VcfCalls | None = None,
                   fhir: dict[str, str] | None = None
                   ) -> tuple[Patient, dict[str, dict[str, Any]]]:
    """Add genotypes called from the patient's genotype files; explicit genotypes override
    them, then FHIR genotypes, then PharmCAT's calls, then the VCF's.

    ``calls`` and ``pharmcat`` are ready-made (genotypes, details); without them the
    patient's own ``vcf`` and ``pharmcat`` paths are read (relative to ``base_dir``).
    ``fhir`` are genotypes read from a FHIR bundle. Returns the patient and, per call key,
    the details (status, diplotypes, missing positions, message, source, overridden).
    """
    if calls is None and patient.vcf:
        from advisor.genotype.vcf import genotypes_from_vcf  # cyvcf2 only when needed

        calls = genotypes_from_vcf(kb, _resolve(patient.vcf, base_dir), patient.sample)
    if pharmcat is None and patient.pharmcat:
        from advisor.inputs.pharmcat import genotypes_from_pharmcat

        pharmcat = genotypes_from_pharmcat(kb, _resolve(patient.pharmcat, base_dir),
                                           patient.sample)
    layers = [layer for layer in (calls, pharmcat) if layer is not None]
    if fhir:
        layers.append((fhir, {k: {"status": "called", "diplotypes": [str(v)],
                                  "missing_positions": [], "message": "", "source": "fhir"}
                              for k, v in fhir.items()}))
    if not layers:
        return patient, {}
    called: dict[str, str] = {}
    details: dict[str, dict[str, Any]] = {}
    for genotypes, layer_details in layers:
        called.update(genotypes)
        details.update(layer_details)
    details = {k: {**d, "overridden": k in patient.genotypes} for k, d in details.items()}
    merged = {**called, **patient.genotypes}
    return patient.model_copy(update={"genotypes": merged}), details


def _alternatives(details: dict[str, dict[str, Any]], explicit: set[str]
                  ) -> list[dict[str, str]]:
    """Each combination of the diplotypes that ambiguous calls allow (best first), at most
    MAX_ALTERNATIVES; empty when no call is ambiguous."""
    open_keys = {k: d["diplotypes"] for k, d in details.items()
                 if d["status"] == "ambiguous" and len(d["diplotypes"]) > 1
                 and k not in explicit}
    if not open_keys:
        return []
    combos = [{}]
    for key, options in open_keys.items():
        combos = [{**c, key: o} for c in combos for o in options][:MAX_ALTERNATIVES]
    return combos


def _flag_key(f: dict[str, Any]) -> tuple:
    return tuple(str(f[c]) for c in ("drug", "category", "action", "severity", "rule", "gene",
                                     "interacting_drug"))


def _untested(kb: KnowledgeBase, patient: Patient, base: pd.DataFrame,
              combos: list[dict[str, str]]) -> pd.DataFrame:
    """Flags that hold for some of the diplotypes ambiguous calls allow but not under the
    base consult (ambiguous genes untested): each marked with the alternatives it holds for
    (``depends_on_untested_position``), also when it holds for every alternative (the
    doses shown are those of the base consult and do not include it)."""
    variants = [patient.model_copy(update={"genotypes": {**patient.genotypes, **c}})
                for c in combos]
    frame = frame_from_patients(kb, variants)
    everything = evaluate(kb, with_candidates(kb, frame, list(kb.drugs)))
    known = {_flag_key(f) for f in records(base)}
    seen: dict[tuple, tuple[dict[str, Any], list[int]]] = {}
    for f in records(everything):
        key = _flag_key(f)
        if key in known:
            continue
        seen.setdefault(key, (f, []))[1].append(int(f["row"]))
    rows = []
    for flag, hit_rows in seen.values():
        f = {**flag, "row": 0}
        where = sorted(set(hit_rows))
        f["depends_on_untested_position"] = [
            "; ".join(f"{k} {v}" for k, v in combos[r].items()) for r in where]
        holds = " or ".join(f["depends_on_untested_position"])
        f["message"] = (f"Depends on an untested position (holds for {holds}): {f['message']}"
                        if len(where) < len(combos) else
                        f"Holds for every diplotype the data allow ({holds}); the doses shown "
                        f"do not include it: {f['message']}")
        rows.append(f)
    return pd.DataFrame(rows, columns=[*base.columns, "depends_on_untested_position"])


@dataclass
class _Judged:
    """The judging a consult and the CDS Hooks cards share, for one patient (``row`` of
    ``frame``): the patient with their VCF and FHIR calls, the flags, the ILAE
    classification, the doses and the ranked regimens with their transition plans."""

    patient: Patient
    explicit: set[str]  # genotype keys the patient file gave itself
    call_details: dict[str, dict[str, Any]]  # per call key (see with_vcf_calls)
    frame: PatientFrame
    row: int
    candidates: list[str]
    flags: list[Flag]
    dre: DreResult
    risk: Risk | None
    risk_note: str | None
    doses: list[Dose]
    rank: Callable[[], list[Regimen]]  # the ranked regimens (see regimens), when asked for
    # the drugs asked about that no regimen shown holds, and why (filled by ``rank``)
    not_shown: list[NotShown]
    # why no regimen was formed though some candidates are usable (filled by ``rank``)
    no_regimen: list[str]
    # every ASM with an avoid or a high-severity finding for this patient (not only those
    # shown): what a card must not offer as a replacement
    serious: frozenset[str] = frozenset()

    @cached_property
    def regimens(self) -> list[Regimen]:
        return self.rank()


Prepared = tuple[Patient, set[str], dict[str, dict[str, Any]]]  # see prepare


def prepare(kb: KnowledgeBase, patient: Patient, *, base_dir: Path | None = None,
             vcf_calls: VcfCalls | None = None, pharmcat_calls: VcfCalls | None = None,
             fhir_genotypes: dict[str, str] | None = None) -> Prepared:
    """The patient with the genotypes of their files (see :func:`with_vcf_calls`), the keys
    the patient file gave itself, and each call's details."""
    explicit = set(patient.genotypes)
    patient, details = with_vcf_calls(kb, patient, vcf_calls, base_dir,
                                      pharmcat=pharmcat_calls, fhir=fhir_genotypes)
    return patient, explicit, details


def _judge_all(kb: KnowledgeBase, prepared: list[Prepared], *, with_risk: bool,
               dosed: list[set[str]] | None = None) -> list[_Judged]:
    """Judge patients together, one row each (a consult is a cohort of one: the frame and
    the rules run once for them all; what follows is per patient). ``with_risk``: estimate
    the risk of drug resistance (its note, when high, heads the rationale of polytherapy
    regimens). ``dosed``: per patient, the drugs whose doses are wanted (with the drugs the
    patient takes); None: every candidate's. The regimens are ranked on every candidate's
    dose either way."""
    patients = [p for p, _, _ in prepared]
    frame = frame_from_patients(kb, patients)
    cand_rows, cand_drugs = frame.candidate_pairs
    # every ASM is judged, so that whatever the patient must avoid is reported pre-emptively
    judged = evaluate(kb, with_candidates(kb, frame, list(kb.drugs)))
    by_row: list[list[dict[str, Any]]] = [[] for _ in patients]
    for f in records(judged):
        by_row[f["row"]].append(f)
    out = []
    for row, (patient, explicit, details) in enumerate(prepared):
        candidates = cand_drugs[cand_rows == row].tolist()
        chosen = set(candidates)
        every_record: list[dict[str, Any]] | None = by_row[row]
        # the candidates' flags (no table of them is made): read by the doses, the regimens
        # and the plans
        flag_records = [f for f in by_row[row] if f["drug"] in chosen]
        # and, for the ranking, a co-medication's flags from an ASM it may be given with
        # (phenytoin lowers a boosted antiretroviral: the flag falls on the antiretroviral)
        comedication_records = [f for f in by_row[row] if f["drug"] not in kb.drugs
                                and f["interacting_drug"] in chosen]
        everything = None
        combos = _alternatives(details, explicit)
        if combos:
            everything = judged[judged["row"].to_numpy() == row].reset_index(drop=True)
            extra = _untested(kb, patient, everything, combos)
            if len(extra):
                everything = pd.concat([everything.assign(depends_on_untested_position=None),
                                        extra], ignore_index=True)
                every_record = None
        dre = classify(kb, patient, frame, row)
        note = None
        if dre.status == "drug_resistant":
            note = ("Drug-resistant epilepsy: consider early rational polytherapy (distinct "
                    "mechanisms) alongside referral to an epilepsy centre.")
        risk, risk_note = None, None
        if with_risk:
            risk_data, risk_note = risk_block(kb, patient, frame, row,
                                              drug_resistant=dre.status == "drug_resistant",
                                              seizure_free=dre.status == "not_drug_resistant",
                                              free_now=(dre.seizure_free_drug,
                                                        dre.current_seizure_free_months)
                                              if dre.seizure_free_drug
                                              and dre.current_seizure_free_months else None)
            risk = Risk.model_validate(risk_data) if risk_data else None
        threshold = kb.regimens.weights.high_risk_polytherapy_note_threshold
        # the model's estimate never brings polytherapy forward before any adequate trial has
        # failed (NICE: monotherapy first; a first status epilepticus makes the estimate high)
        if note is None and risk and (risk.p_drug_resistance or 0) >= threshold \
                and dre.failed_adequate_trials >= 1:
            note = (f"Estimated risk of drug resistance {percent(risk.p_drug_resistance or 0)}"
                    " (model, literature-calibrated): consider early referral and rational "
                    "polytherapy.")
        every_dose = partial(recommend_doses, kb, frame, None, row, flag_records=flag_records,
                             rescue={d: patient.rescue_named.get(d, [])
                                     for d in patient.rescue_medications})
        wanted = None if dosed is None else dosed[row] | set(patient.current_medications)
        doses = every_dose(drugs=wanted)
        unshown: list[NotShown] = []  # filled when the regimens are ranked
        why_none: list[str] = []  # likewise
        out.append(_Judged(
            patient=patient, explicit=explicit, call_details=details, frame=frame, row=row,
            candidates=candidates,
            flags=_flags(everything, set(patient.current_medications), chosen, every_record),
            dre=dre, risk=risk, risk_note=risk_note, doses=doses,
            rank=partial(_ranked, kb, patient, candidates,
                         (lambda d=doses: d) if wanted is None else every_dose, dre, note,
                         flag_records, comedication_records, unshown, why_none),
            not_shown=unshown, no_regimen=why_none,
            serious=frozenset(f["drug"] for f in by_row[row] if f["action"] == "avoid" or (
                f["severity"] == "high" and f["action"] != "info"))))
    return out


def _ranked(kb: KnowledgeBase, patient: Patient, candidates: list[str],
            every_dose: Callable[[], list[Dose]], dre: DreResult, note: str | None,
            flag_records: list[dict[str, Any]],
            comedication_records: list[dict[str, Any]],
            unshown: list[NotShown] | None = None,
            why_none: list[str] | None = None) -> list[Regimen]:
    """The ranked regimens, each with its transition plan (``comedication_records``: the
    co-medications' flags from the candidates, which count in the ranking only); ``unshown``
    receives why each drug asked about is in none of them (:func:`~advisor.regimens.not_shown`),
    ``why_none`` why no option was formed (read only when no regimen is returned)."""
    doses = every_dose()
    considered: list[regimens_module.Regimen] = []
    regimens = suggest(kb, patient, None, candidates,
                       dose_status={d.drug: d.status for d in doses},
                       drug_resistant=dre.status == "drug_resistant", polytherapy_note=note,
                       seizure_free=(dre.seizure_free_drug, dre.current_seizure_free_months,
                                     dre.required_seizure_free_months)
                       if dre.seizure_free_drug else None,
                       flag_records=[*flag_records, *comedication_records],
                       counted_failures=dre.failed_adequate_trials,
                       labelled_add_on=frozenset(d.drug for d in doses if d.adjunctive_only
                                                 and not d.monotherapy_not_encoded),
                       alone_unencoded=frozenset(d.drug for d in doses
                                                 if d.monotherapy_not_encoded),
                       dose_needs={d.drug: d.needs for d in doses if d.needs},
                       considered=considered, doses={d.drug: d for d in doses},
                       why_none=why_none)
    if unshown is not None:
        unshown += [NotShown(drug=d, reason=why) for d, why in not_shown(
            kb, patient, regimens, considered, [*flag_records, *comedication_records],
            {d.drug: d.status for d in doses}, dre.failed_adequate_trials,
            frozenset(d.drug for d in doses if d.adjunctive_only
                      and not d.monotherapy_not_encoded))]
    by_drug = transition.flags_by_drug(None, flag_records)
    return [Regimen(**r.as_dict(), transition=transition.plan(kb, patient, r.drugs, by_drug,
                                                              doses))
            for r in regimens]


def _not_checked_together(kb: KnowledgeBase, patient: Patient) -> list[str]:
    """The patient's co-medications of the knowledge base, when two or more (review I M7:
    Biktarvy with rifampicin was silently unchecked)."""
    comedications = [d for d in patient.current_medications if d in kb.comedications]
    return comedications if len(comedications) > 1 else []


def _provenance(kb: KnowledgeBase, risk: Risk | None) -> Provenance:
    return Provenance(advisor_version=__version__, knowledgebase_version=kb.version,
                      knowledgebase_sha256=kb.sha256,
                      model_version=risk.model_version if risk else None,
                      generated_at=datetime.now(UTC).isoformat(timespec="seconds"))


def consult(kb: KnowledgeBase, patient: Patient, *, acute: bool = False,
            base_dir: Path | None = None, vcf_calls: VcfCalls | None = None,
            pharmcat_calls: VcfCalls | None = None,
            fhir_genotypes: dict[str, str] | None = None) -> ConsultResult:
    """The full consult result for one validated patient (``acute``: add the SE pathway).

    Genotypes may also come from the patient's VCF and PharmCAT output (paths in the file,
    or ready-made calls) and from a FHIR bundle (``fhir_genotypes``). A call the data leave
    ambiguous is judged under each diplotype it allows: flags that differ are marked as
    depending on an untested position; the doses and regimens stay those of the untested
    gene.
    """
    j, = _judge_all(kb, [prepare(kb, patient, base_dir=base_dir, vcf_calls=vcf_calls,
                                  pharmcat_calls=pharmcat_calls,
                                  fhir_genotypes=fhir_genotypes)], with_risk=True)
    patient, frame = j.patient, j.frame
    se = None
    if status_epilepticus.applies(patient, acute):
        se_drugs = status_epilepticus.pathway_drugs(kb)
        se_flags = evaluate(kb, with_candidates(kb, frame, se_drugs))
        se = status_epilepticus.pathway(kb, patient, se_flags[se_flags["drug"].isin(se_drugs)],
                                        frame, 0)
    involved = list(dict.fromkeys([*(d for d in patient.current_medications if d in kb.drugs),
                                   *(d for d in patient.candidate_drugs if d in kb.drugs),
                                   *(d for r in j.regimens for d in r.drugs)]))
    result = ConsultResult(
        patient_id=patient.id,
        phenotypes=_phenotype_entries(kb, frame, j.explicit, j.call_details),
        vcf_calls={key: VcfCall(**details) for key, details in j.call_details.items()},
        flags=j.flags,
        doses=j.doses,
        dre=j.dre,
        risk=j.risk,
        risk_note=j.risk_note,
        regimens=j.regimens,
        no_regimen=j.no_regimen[0] if j.no_regimen and not j.regimens else None,
        not_shown=j.not_shown,
        safety_notes=transition.safety_notes(kb, patient, involved),
        advice=_advice(kb, frame, 0, {*patient.candidate_drugs, *patient.current_medications,
                                      *(d for r in j.regimens for d in r.drugs)}),
        status_epilepticus=se,
        candidate_drugs=j.candidates,
        unchecked_medications=list(patient.other_medications),
        co_medications_not_checked_together=_not_checked_together(kb, patient),
        unaffected_medications=unaffected(kb, patient),
        provenance=_provenance(kb, j.risk),
        disclaimer=kb.manifest.disclaimer,
    )
    result.sources = _cited(kb, result)
    result.partly_checked_medications, result.partly_checked_not_against = partly_checked(
        kb, result, patient)
    syndrome = ({patient.syndrome: kb.vocabulary.syndromes[patient.syndrome]}
                if patient.syndrome in kb.vocabulary.syndromes else {})
    # a rescue product beside the same drug taken daily (Valium and Valtoco) has no dose row
    # of its own: its labelled ages are checked here for the summary
    beside = [rescue_dose(kb.drugs[d], patient.age_years, names)
              for d, names in patient.rescue_too.items() if d in kb.drugs]
    seizures = {t: kb.seizure_type_words(t) for t in patient.seizure_types}
    reactions = {r.reaction: kb.vocabulary.reactions[r.reaction]
                 for r in patient.adverse_reactions if r.reaction in kb.vocabulary.reactions}
    conditions = {c: kb.vocabulary.conditions[c] for c in patient.conditions
                  if c in kb.vocabulary.conditions}
    result.summary = summarize(result, patient, {**kb.shown_names, **syndrome, **seizures,
                                                 **reactions, **conditions},
                               checked_for={c: sorted(kb.condition_drugs.get(c, ()))
                                            for c in patient.conditions},
                               acute=acute, rescue=beside)
    return result


@dataclass
class Ranking:
    """The ranked regimens of one judged patient, made by ``make`` when first asked for and
    then kept (copies of the findings share them); ``make`` is let go once they are made."""

    make: Callable[[], list[Regimen]] | None
    regimens: list[Regimen] | None = None

    def __call__(self) -> list[Regimen]:
        if self.regimens is None:
            if self.make is None:
                raise RuntimeError("a ranking without regimens or a way to make them")
            self.regimens, self.make = self.make(), None
        return self.regimens


@dataclass
class OrderFindings:
    """What the CDS Hooks cards read of a consult: its flags, doses and ranked regimens
    (with their transition plans) and its advice about the ordered drugs (e.g. a genetic test
    before carbamazepine), made by the same judging as :func:`consult`, without the parts
    no card shows (the risk estimate, phenotypes, other advice, safety notes, summary).
    The regimens are ranked when first read (only a card that replaces an order reads
    them), once for the findings and their copies; the doses are those of the ordered drugs
    and of the drugs the patient takes (the only doses a card shows). Without the risk
    estimate, a regimen's rationale lacks its note on a high estimated risk; the full
    report a card links to is a full consult."""

    flags: list[Flag]
    doses: list[Dose]
    rank: Ranking
    provenance: Provenance
    disclaimer: str
    advice: list[Advice]
    serious: frozenset[str] = frozenset()  # ASMs with an avoid or high-severity finding

    @property
    def regimens(self) -> list[Regimen]:
        return self.rank()

    def detached(self, kb: KnowledgeBase, prepared: Prepared, ordered: list[str]
                 ) -> OrderFindings:
        """These findings without the judging they came from (which holds the frame of all
        the patients judged with them), to be kept: the regimens as ranked, or, if they were
        not, ranked when first read by judging the patient (``prepared``, ordered
        ``ordered``) again alone, which gives the same ranking."""
        if self.rank.regimens is not None:
            return replace(self, rank=Ranking(None, self.rank.regimens))
        return replace(self, rank=Ranking(partial(_regimens_alone, kb, prepared, ordered)))


def _regimens_alone(kb: KnowledgeBase, prepared: Prepared, ordered: list[str]
                    ) -> list[Regimen]:
    return order_findings_many(kb, [prepared], [ordered])[0].regimens


def order_findings(kb: KnowledgeBase, patient: Patient, ordered: list[str],
                   fhir_genotypes: dict[str, str] | None = None) -> OrderFindings:
    """The consult's flags, doses and regimens for one validated patient who is ordered
    the drugs ``ordered`` (see :class:`OrderFindings`)."""
    return order_findings_many(kb, [prepare(kb, patient, fhir_genotypes=fhir_genotypes)],
                               [ordered])[0]


def order_findings_many(kb: KnowledgeBase, prepared: list[Prepared],
                        ordered: list[list[str]]) -> list[OrderFindings]:
    """:func:`order_findings` of several patients (each from :func:`prepare`, with the drugs
    each is ordered), judged together: the same findings as one by one, in less time."""
    provenance = _provenance(kb, None)
    judged = _judge_all(kb, prepared, with_risk=False, dosed=[set(drugs) for drugs in ordered])
    return [OrderFindings(j.flags, j.doses, Ranking(j.rank), provenance, kb.manifest.disclaimer,
                          _advice(kb, j.frame, j.row, set(drugs), at_order=True), j.serious)
            for j, drugs in zip(judged, ordered, strict=True)]


def consult_file(kb: KnowledgeBase, path: str | Path, *, acute: bool = False,
                 pharmcat: str | Path | None = None, fhir: str | Path | None = None
                 ) -> ConsultResult:
    """Load, validate and consult one patient file (a relative ``vcf`` or ``pharmcat`` path
    is beside it). ``pharmcat`` names a PharmCAT output to use instead of the file's own;
    ``fhir`` a FHIR bundle whose genotype Observations are read."""
    return consult_with_files(kb, load_patient(kb, path), Path(path).parent, acute=acute,
                              pharmcat=pharmcat, fhir=fhir)


def consult_with_files(kb: KnowledgeBase, patient: Patient, base_dir: Path, *,
                       acute: bool = False, pharmcat: str | Path | None = None,
                       fhir: str | Path | None = None) -> ConsultResult:
    """Consult a validated patient whose relative file paths are below ``base_dir``, with
    genotypes from a PharmCAT output or a FHIR bundle given apart from the patient."""
    if pharmcat is not None:
        patient = patient.model_copy(update={"pharmcat": str(Path(pharmcat).resolve())})
    fhir_genotypes = None
    if fhir is not None:
        from advisor.inputs.fhir import genotypes_from_bundle

        fhir_genotypes = genotypes_from_bundle(kb, fhir)
    return consult(kb, patient, acute=acute, base_dir=base_dir,
                   fhir_genotypes=fhir_genotypes)
