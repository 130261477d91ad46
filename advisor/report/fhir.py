"""The consult as an HL7 FHIR R4 Bundle following the Genomics Reporting IG (STU3).

- a ``genomic-report`` DiagnosticReport (LOINC 51969-4) listing every result, with the
  recommendations as ``recommended-action`` extensions;
- a ``genotype`` Observation per given or called genotype: code LOINC 84413-4 (Genotype
  display name), a gene-studied component (LOINC 48018-6, HGNC id), the rsID as a
  variation-code component (LOINC 81255-2) for SNP genotypes, and the result as
  ``valueCodeableConcept.text`` (``*1/*3``, ``C/T``, or the HLA gene and its typed alleles);
- a ``therapeutic-implication`` Observation per genotype-based flag: the medication assessed
  (LOINC 51963-7, RxNorm and ATC codes where the knowledge base has them), the conclusion, the
  evidence level and its sources, derived from the gene's genotype Observations;
- a ``medication-recommendation`` Task per avoid or dose-change flag.

References are ``urn:uuid:`` full URLs inside a ``collection`` Bundle (stable for the same
consult). Models: ``fhir.resources`` (the ``[fhir]`` extra), whose R4B package is used for
R4 (4.0.1): the resources used here are the same in R4 and R4B. Every resource is validated
with its model before the Bundle is returned.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from advisor.extras import require
from advisor.genotype import Call, kind_of

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase
    from advisor.result import ConsultResult, Flag

IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
TBD = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
LOINC = "http://loinc.org"
HGNC = "http://www.genenames.org/geneId"
DBSNP = "http://www.ncbi.nlm.nih.gov/projects/SNP"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
GENOTYPE_CODE = "84413-4"
GENE_STUDIED = "48018-6"
VARIATION_CODE = "81255-2"
DOSE_ACTIONS = ("avoid", "reduce_dose", "increase_dose")


def _loinc(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}]}


def _category() -> list[dict[str, Any]]:
    return [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                         "code": "laboratory"}]},
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                         "code": "GE", "display": "Genetics"}]}]


def medication_concept(kb: KnowledgeBase, drug: str) -> dict[str, Any]:
    """A drug as a CodeableConcept: RxNorm and ATC codings where the knowledge base has them."""
    med = kb.drugs.get(drug) or kb.comedications.get(drug)
    coding = []
    if med is not None and med.rxnorm:
        coding += [{"system": RXNORM, "code": c, "display": med.rxnorm.display or drug}
                   for c in med.rxnorm.codes]
    if med is not None and med.atc:
        coding += [{"system": ATC, "code": c} for c in med.atc.codes]
    return {"coding": coding, "text": drug} if coding else {"text": drug}


def gene_concept(kb: KnowledgeBase, symbol: str) -> dict[str, Any]:
    gene = kb.genes.get(symbol)
    if gene is not None and gene.hgnc:
        return {"coding": [{"system": HGNC, "code": gene.hgnc.codes[0], "display": symbol}],
                "text": symbol}
    return {"text": symbol}


class _Ids:
    def __init__(self, res: ConsultResult):
        self.seed = f"{res.patient_id}|{res.provenance.generated_at}"

    def __call__(self, *parts: object) -> str:
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(
            [self.seed, *map(str, parts)])))


def _genotype(kb: KnowledgeBase, res: ConsultResult, key: str, patient: str
              ) -> dict[str, Any]:
    entry = res.phenotypes[key]
    text = _text(kb, key, entry)
    component = [{"code": _loinc(GENE_STUDIED, "Gene studied [ID]"),
                  "valueCodeableConcept": gene_concept(kb, entry.gene)}]
    if key != entry.gene and key.startswith("rs"):
        component.append({"code": _loinc(VARIATION_CODE, "Discrete genetic variant"),
                          "valueCodeableConcept": {"coding": [{"system": DBSNP, "code": key}]}})
    return {"resourceType": "Observation", "meta": {"profile": [IG + "genotype"]},
            "status": "final", "category": _category(),
            "code": _loinc(GENOTYPE_CODE, "Genotype display name"),
            "subject": {"reference": patient},
            "valueCodeableConcept": {"text": text},
            "interpretation": [{"text": entry.phenotype}],
            "component": component,
            "note": [{"text": f"source: {entry.source}; evidence: {', '.join(entry.evidence)}"}]}


def _text(kb: KnowledgeBase, key: str, entry: Any) -> str:
    """The genotype as text another system can give back (see GeneKind.exchange_text)."""
    gene = kb.genes[entry.gene]
    call = Call(key, entry.gene, entry.diplotype_or_genotype, entry.value or
                entry.diplotype_or_genotype, entry.phenotype, None, ())
    return kind_of(gene).exchange_text(gene, key, call)


def _implication(kb: KnowledgeBase, f: Flag, patient: str, derived: list[str]
                 ) -> dict[str, Any]:
    return {"resourceType": "Observation", "meta": {"profile": [IG + "therapeutic-implication"]},
            "status": "final", "category": _category(),
            "code": {"coding": [{"system": TBD, "code": "therapeutic-implication",
                                 "display": "Therapeutic Implication"}]},
            "subject": {"reference": patient},
            "derivedFrom": [{"reference": r} for r in derived],
            "component": [
                {"code": _loinc("51963-7", "Medication assessed [ID]"),
                 "valueCodeableConcept": medication_concept(kb, f.drug)},
                {"code": {"coding": [{"system": TBD, "code": "conclusion-string"}]},
                 "valueString": f.message},
                {"code": _loinc("93044-6", "Level of evidence"),
                 "valueCodeableConcept": {"text": f"{f.evidence_level}"
                                          + (" (contested)" if f.contested else "")}}],
            "note": [{"text": f"action: {f.action}; severity: {f.severity}; rule: {f.rule}; "
                              f"sources: {', '.join(f.evidence)}"}]}


def _task(kb: KnowledgeBase, f: Flag, patient: str, reason: str | None) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task", "meta": {"profile": [IG + "medication-recommendation"]},
        "status": "ready", "intent": "proposal",
        "code": {"coding": [{"system": TBD, "code": "medication-recommendation"}]},
        "for": {"reference": patient}, "description": f.message,
        "input": [{"type": {"text": "medication"},
                   "valueCodeableConcept": medication_concept(kb, f.drug)},
                  {"type": {"text": "action"}, "valueString": f.action}]}
    if reason:
        task["reasonReference"] = {"reference": reason}
    else:
        task["reasonCode"] = {"text": f"{f.category}: {f.rule}"}
    return task


def bundle(kb: KnowledgeBase, res: ConsultResult) -> dict[str, Any]:
    """The Bundle as a dict (validated with ``fhir.resources`` in :func:`to_fhir`)."""
    ids = _Ids(res)
    patient = ids("patient")
    entries: list[tuple[str, dict[str, Any]]] = [(patient, {
        "resourceType": "Patient", "identifier": [{"value": res.patient_id or "unknown"}]})]
    by_gene: dict[str, list[str]] = {}
    results: list[str] = []
    for key, entry in res.phenotypes.items():
        if entry.derived_from is not None:  # decided by the typed result written instead
            continue
        url = ids("genotype", key)
        entries.append((url, _genotype(kb, res, key, patient)))
        by_gene.setdefault(entry.gene, []).append(url)
        results.append(url)
    tasks: list[str] = []
    for i, f in enumerate(res.flags):
        reason = None
        if f.gene and f.gene in by_gene:
            reason = ids("implication", i)
            entries.append((reason, _implication(kb, f, patient, by_gene[f.gene])))
            results.append(reason)
        if f.action in DOSE_ACTIONS:
            url = ids("task", i)
            entries.append((url, _task(kb, f, patient, reason)))
            tasks.append(url)
    report = {
        "resourceType": "DiagnosticReport", "meta": {"profile": [IG + "genomic-report"]},
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                  "code": "GE", "display": "Genetics"}]}],
        "code": _loinc("51969-4", "Genetic analysis report"),
        "subject": {"reference": patient}, "issued": res.provenance.generated_at,
        "result": [{"reference": r} for r in results],
        "conclusion": res.disclaimer,
        "extension": [{"url": IG + "recommended-action", "valueReference": {"reference": t}}
                      for t in tasks]}
    report_url = ids("report")
    entries.insert(1, (report_url, report))
    return {"resourceType": "Bundle", "type": "collection",
            "timestamp": res.provenance.generated_at,
            "meta": {"tag": [{"code": "advisor", "display": f"advisor "
                              f"{res.provenance.advisor_version}; knowledge base "
                              f"{res.provenance.knowledgebase_version}"}]},
            "entry": [{"fullUrl": url, "resource": r} for url, r in entries]}


def validate(data: dict[str, Any]) -> None:
    """Validate the Bundle and each resource with the ``fhir.resources`` R4B models."""
    require("fhir.resources", "fhir", "FHIR output")
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class("Bundle").model_validate(data)
    for entry in data.get("entry", []):
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def to_fhir(kb: KnowledgeBase, res: ConsultResult) -> str:
    """The consult as a FHIR R4 Genomics Reporting Bundle (JSON text)."""
    data = bundle(kb, res)
    validate(data)
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
