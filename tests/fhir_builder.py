"""FHIR R4 resources and CDS Hooks 2.0 requests for the service tests and the example."""

from __future__ import annotations

import uuid
from typing import Any

LOINC = "http://loinc.org"
HGNC = "http://www.genenames.org/geneId"
DBSNP = "http://www.ncbi.nlm.nih.gov/projects/SNP"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
HGNC_IDS = {"CYP2C9": "HGNC:2623", "CYP2C19": "HGNC:2621", "HLA-B": "HGNC:4932"}


def patient(pid: str, *, gender: str = "female", birth_date: str = "1991-03-14"
            ) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": gender, "birthDate": birth_date}


def genotype(pid: str, gene: str, text: str, *, rsid: str | None = None, oid: str | None = None,
             status: str = "final") -> dict[str, Any]:
    """A Genomics Reporting IG genotype Observation (LOINC 84413-4)."""
    gene_cc: dict[str, Any] = {"text": gene}
    if gene in HGNC_IDS:
        gene_cc["coding"] = [{"system": HGNC, "code": HGNC_IDS[gene], "display": gene}]
    component = [{"code": {"coding": [{"system": LOINC, "code": "48018-6",
                                       "display": "Gene studied [ID]"}]},
                  "valueCodeableConcept": gene_cc}]
    if rsid:
        component.append({"code": {"coding": [{"system": LOINC, "code": "81255-2",
                                               "display": "Discrete genetic variant"}]},
                          "valueCodeableConcept": {"coding": [{"system": DBSNP, "code": rsid}]}})
    return {"resourceType": "Observation", "id": oid or f"gt-{gene.lower()}-{pid}",
            "meta": {"profile": ["http://hl7.org/fhir/uv/genomics-reporting/"
                                 "StructureDefinition/genotype"]},
            "status": status,
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                      "observation-category", "code": "laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": "84413-4",
                                 "display": "Genotype display name"}]},
            "subject": {"reference": f"Patient/{pid}"},
            "valueCodeableConcept": {"text": text}, "component": component}


def weight(pid: str, kg: float, when: str = "2026-01-10") -> dict[str, Any]:
    return {"resourceType": "Observation", "id": f"wt-{pid}", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "29463-7", "display": "Body weight"}]},
            "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": when,
            "valueQuantity": {"value": kg, "unit": "kg", "system": UCUM, "code": "kg"}}


def medication_request(pid: str, mid: str, *, text: str, rxnorm: str | None = None,
                       display: str | None = None, status: str = "draft",
                       dose_mg: float | None = None, per_day: int = 2) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if rxnorm:
        concept["coding"] = [{"system": RXNORM, "code": rxnorm, "display": display or text}]
    req: dict[str, Any] = {"resourceType": "MedicationRequest", "id": mid, "status": status,
                           "intent": "order", "medicationCodeableConcept": concept,
                           "subject": {"reference": f"Patient/{pid}"}}
    if dose_mg is not None:
        req["dosageInstruction"] = [{
            "text": f"{dose_mg:g} mg {per_day} times a day",
            "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
            "route": {"text": "oral"},
            "doseAndRate": [{"doseQuantity": {"value": dose_mg, "unit": "mg", "system": UCUM,
                                              "code": "mg"}}]}]
    return req


def bundle(resources: list[dict[str, Any]], kind: str = "searchset") -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Bundle", "type": kind,
                           "entry": [{"resource": r} for r in resources]}
    if kind == "searchset":
        out["total"] = len(resources)
    return out


def order_select(pid: str, orders: list[dict[str, Any]], *, prefetch: dict[str, Any] | None,
                 selections: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """An order-select request; ``prefetch`` None leaves it out."""
    req: dict[str, Any] = {
        "hook": "order-select", "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": pid,
                    "selections": selections if selections is not None else
                    [f"MedicationRequest/{o['id']}" for o in orders],
                    "draftOrders": bundle(orders, "collection")}}
    if prefetch is not None:
        req["prefetch"] = prefetch
    req.update(extra)
    return req


def full_prefetch(pid: str, genotypes: list[dict[str, Any]], *,
                  active: list[dict[str, Any]] | None = None, kg: float | None = 70,
                  gender: str = "female", birth_date: str = "1991-03-14") -> dict[str, Any]:
    return {"patient": patient(pid, gender=gender, birth_date=birth_date),
            "genotypes": bundle(genotypes),
            "medications": bundle(active or []),
            "weight": bundle([weight(pid, kg)] if kg is not None else [])}
