"""One consultation: patient -> flags, doses, DRE status, risk, regimens (the JSON contract)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from advisor import __version__, status_epilepticus, transition
from advisor.dosing import recommend_doses
from advisor.dre import classify
from advisor.frame import PatientFrame, frame_from_patients, with_candidates
from advisor.genotype import column
from advisor.inputs.patient import Patient, load_patient
from advisor.knowledge import KnowledgeBase
from advisor.numbers import percent
from advisor.regimens import suggest
from advisor.result import (
    Advice,
    ConsultResult,
    Flag,
    PhenotypeEntry,
    Provenance,
    Regimen,
    Risk,
    VcfCall,
)
from advisor.risk.predict import risk_block
from advisor.rules import evaluate, row_mask
from advisor.schema import Source


def phenotypes(kb: KnowledgeBase, frame: PatientFrame, row: int) -> dict[str, Any]:
    """Translated genotypes of one row, keyed by input key (gene, rsID or HLA allele)."""
    out: dict[str, Any] = {}
    for key, calls in frame.lookup.items():
        display = frame.calls[column(key, "display")].iloc[row]
        if display is None or pd.isna(display):
            continue
        call = calls[display]
        entry: dict[str, Any] = {
            "gene": call.gene, "diplotype_or_genotype": call.display,
            "phenotype": call.phenotype, "evidence": list(call.evidence),
            "contested": call.contested}
        if call.activity_score is not None:
            entry["activity_score"] = call.activity_score
        out[key] = entry
    return out


def _flags(flags: pd.DataFrame, current: set[str], candidates: set[str]) -> list[Flag]:
    """Flags as result models: the patient's current drugs first, then candidates, then the
    other drugs to avoid (their non-avoid flags are dropped)."""
    groups: dict[str, list[Flag]] = {"current": [], "candidate": [], "other": []}
    for f in flags.drop(columns="row").to_dict("records"):
        relevance = ("current" if f["drug"] in current else
                     "candidate" if f["drug"] in candidates else "other")
        if relevance == "other" and f["action"] != "avoid":
            continue
        other = f.pop("interacting_drug")
        f.update(evidence=f["evidence"].split(";"), contested=bool(f["contested"]),
                 interacting_drug=other if isinstance(other, str) else None,
                 gene=f["gene"] if isinstance(f["gene"], str) else None, relevance=relevance)
        groups[relevance].append(Flag(**f))
    return [*groups["current"], *groups["candidate"], *groups["other"]]


def _advice(kb: KnowledgeBase, frame: PatientFrame, row: int) -> list[Advice]:
    """The knowledge base's patient-level advice whose conditions hold for this row."""
    out = []
    for item in kb.advice:
        if all(row_mask(frame, cond)[row] for cond in item.when):
            out.append(Advice(id=item.id, topic=item.topic, text=item.text,
                              evidence=list(item.evidence.sources),
                              evidence_level=item.evidence.level,
                              contested=item.evidence.contested))
    return out


def _evidence_ids(obj: Any) -> Iterator[str]:
    """Every source id under an ``evidence`` list, in the order of the result's JSON."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if name == "evidence" and isinstance(value, list):
                yield from (x for x in value if isinstance(x, str))
            else:
                yield from _evidence_ids(value)
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _evidence_ids(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from _evidence_ids(item)


def _cited(kb: KnowledgeBase, result: ConsultResult) -> dict[str, Source]:
    return {sid: kb.sources[sid] for sid in dict.fromkeys(_evidence_ids(result))
            if sid in kb.sources}


VcfCalls = tuple[dict[str, str], dict[str, dict[str, Any]]]


def with_vcf_calls(kb: KnowledgeBase, patient: Patient, calls: VcfCalls | None = None,
                   base_dir: Path | None = None) -> tuple[Patient, dict[str, dict[str, Any]]]:
    """Add genotypes called from a VCF (explicit genotypes override them).

    ``calls`` are ready-made (genotypes, details) from a VCF; without them the patient's own
    ``vcf`` path is called (relative to ``base_dir``). Returns the patient and, per call key,
    the details (status, diplotypes, missing positions, message, overridden).
    """
    if calls is None:
        if not patient.vcf:
            return patient, {}
        path = Path(patient.vcf)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        from advisor.genotype.vcf import genotypes_from_vcf  # cyvcf2 only when needed

        calls = genotypes_from_vcf(kb, path, patient.sample)
    called, details = calls
    details = {k: {**d, "overridden": k in patient.genotypes} for k, d in details.items()}
    merged = {**called, **patient.genotypes}
    return patient.model_copy(update={"genotypes": merged}), details


def consult(kb: KnowledgeBase, patient: Patient, *, acute: bool = False,
            base_dir: Path | None = None, vcf_calls: VcfCalls | None = None) -> ConsultResult:
    """The full consult result for one validated patient (``acute``: add the SE pathway)."""
    explicit = set(patient.genotypes)
    patient, vcf_calls = with_vcf_calls(kb, patient, vcf_calls, base_dir)
    frame = frame_from_patients(kb, [patient])
    candidates = frame.candidates.loc[frame.candidates["row"] == 0, "drug"].tolist()
    # every ASM is judged, so that whatever the patient must avoid is reported pre-emptively
    everything = evaluate(kb, with_candidates(kb, frame, [*candidates, *(
        d for d in kb.drugs if d not in candidates)]))
    flags = everything[everything["drug"].isin(candidates)]
    se = None
    if status_epilepticus.applies(patient, acute):
        se_drugs = status_epilepticus.pathway_drugs(kb)
        se_flags = evaluate(kb, with_candidates(kb, frame, se_drugs))
        se = status_epilepticus.pathway(kb, patient, se_flags[se_flags["drug"].isin(se_drugs)])
    dre = classify(kb, patient, frame)
    note = None
    if dre.status == "drug_resistant":
        note = ("Drug-resistant epilepsy: consider early rational polytherapy (distinct "
                "mechanisms) alongside referral to an epilepsy centre.")
    risk_data, risk_note = risk_block(kb, patient, frame,
                                      drug_resistant=dre.status == "drug_resistant")
    risk = Risk.model_validate(risk_data) if risk_data else None
    threshold = kb.regimens.weights.high_risk_polytherapy_note_threshold
    if note is None and risk and (risk.p_drug_resistance or 0) >= threshold:
        note = (f"Estimated risk of drug resistance {percent(risk.p_drug_resistance or 0)} "
                "(model, literature-calibrated): consider early referral and rational "
                "polytherapy.")
    doses = recommend_doses(kb, frame, flags, 0)
    regimens = suggest(kb, patient, flags, candidates,
                       dose_status={d.drug: d.status for d in doses},
                       drug_resistant=dre.status == "drug_resistant", polytherapy_note=note)
    involved = list(dict.fromkeys([*(d for d in patient.current_medications if d in kb.drugs),
                                   *(d for r in regimens for d in r.drugs)]))
    by_drug = transition.flags_by_drug(flags)
    result = ConsultResult(
        patient_id=patient.id,
        phenotypes={key: PhenotypeEntry(**entry,
                                        source="genotypes" if key in explicit else "vcf")
                    for key, entry in phenotypes(kb, frame, 0).items()},
        vcf_calls={key: VcfCall(**details) for key, details in vcf_calls.items()},
        flags=_flags(everything, set(patient.current_medications), set(candidates)),
        doses=doses,
        dre=dre,
        risk=risk,
        risk_note=risk_note,
        regimens=[Regimen(**r.as_dict(), transition=transition.plan(kb, patient, r.drugs,
                                                                    by_drug))
                  for r in regimens],
        safety_notes=transition.safety_notes(kb, patient, involved),
        advice=_advice(kb, frame, 0),
        status_epilepticus=se,
        candidate_drugs=candidates,
        provenance=Provenance(
            advisor_version=__version__,
            knowledgebase_version=kb.version,
            knowledgebase_sha256=kb.sha256,
            model_version=risk.model_version if risk else None,
            generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        ),
        disclaimer=kb.manifest.disclaimer,
    )
    result.sources = _cited(kb, result)
    return result


def consult_file(kb: KnowledgeBase, path: str | Path, *, acute: bool = False) -> ConsultResult:
    """Load, validate and consult one patient file (a relative ``vcf`` is beside it)."""
    return consult(kb, load_patient(kb, path), acute=acute, base_dir=Path(path).parent)
