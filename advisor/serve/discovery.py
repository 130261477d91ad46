"""The CDS services this server offers and the data each asks the client to prefetch
(CDS Hooks 2.0, "Discovery" and "Prefetch Template").

Both services judge the medication orders of the hook's ``draftOrders``: ``asm-order-select``
the newly selected ones (``context.selections``), ``asm-order-sign`` every one. The prefetch
templates ask for the patient, the patient's genotype Observations (Genomics Reporting IG,
LOINC 84413-4), active MedicationRequests, the latest body weight (LOINC 29463-7), the latest
kidney function (eGFR or creatinine clearance) and pregnancy status (LOINC 82810-3,
:mod:`advisor.serve.observations`) and the AllergyIntolerance records
(:mod:`advisor.serve.allergies`); they use
only the query features the specification recommends (type-level search, token equality,
``_sort`` and ``_count``). A client that does not prefetch may give ``fhirServer`` and
``fhirAuthorization`` instead, and the service reads the same queries there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.inputs.fhir import GENOTYPE_CODE
from advisor.serve.observations import (
    CLEARANCE_CODES,
    EGFR_CODES,
    PREGNANCY_STATUS_CODE,
)

LOINC = "http://loinc.org"
BODY_WEIGHT_CODE = "29463-7"
PATIENT_TOKEN = "{{context.patientId}}"

PREFETCH: dict[str, str] = {
    "patient": f"Patient/{PATIENT_TOKEN}",
    "genotypes": f"Observation?patient={PATIENT_TOKEN}&code={LOINC}|{GENOTYPE_CODE}",
    "medications": f"MedicationRequest?patient={PATIENT_TOKEN}&status=active",
    "weight": f"Observation?patient={PATIENT_TOKEN}&code={LOINC}|{BODY_WEIGHT_CODE}"
              "&_sort=-date&_count=1",
    "kidney": f"Observation?patient={PATIENT_TOKEN}&code="
              + ",".join(f"{LOINC}|{c}" for c in (*EGFR_CODES, *CLEARANCE_CODES))
              + "&_sort=-date&_count=1",
    "pregnancy": f"Observation?patient={PATIENT_TOKEN}&code={LOINC}|{PREGNANCY_STATUS_CODE}"
                 "&_sort=-date&_count=1",
    "allergies": f"AllergyIntolerance?patient={PATIENT_TOKEN}",
}
REQUIRED = ("patient", "genotypes", "medications")  # without them: 412 Precondition Failed

USAGE = ("Judges the antiseizure medications (and the co-medications the knowledge base knows) "
         "of the draft MedicationRequests, coded with RxNorm or ATC or named in the coding's "
         "display or text. Needs the patient, the genotype Observations (LOINC 84413-4) and "
         "the active MedicationRequests, prefetched or readable with fhirServer and "
         "fhirAuthorization; body weight, kidney function (eGFR or creatinine clearance) and "
         "pregnancy status (LOINC 82810-3) and AllergyIntolerance records are optional: "
         "without them doses assume normal kidney function, a pregnancy is not ruled out and "
         "no past reaction is known. An ordered dose that cannot be read as a daily amount is "
         "said to be unchecked. Optional request extension "
         "'io.github.dre-advisor.seizure-types' (a list of the knowledge base's seizure types) "
         "and 'io.github.dre-advisor.syndrome'.")


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str
    selected_only: bool  # judge only context.selections (order-select)

    def as_json(self) -> dict[str, Any]:
        return {"hook": self.hook, "title": self.title, "description": self.description,
                "id": self.id, "prefetch": dict(PREFETCH), "usageRequirements": USAGE}


SERVICES: dict[str, Service] = {s.id: s for s in (
    Service("asm-order-select", "order-select",
            "Antiseizure medication pharmacogenomics (order select)",
            "Genotype-, interaction- and patient-specific advice on an antiseizure medication "
            "as it is selected: what to avoid and what to use instead, dose changes, serious "
            "interactions; no card when nothing is actionable.", True),
    Service("asm-order-sign", "order-sign",
            "Antiseizure medication pharmacogenomics (order sign)",
            "The same advice on every draft medication order when the orders are signed.",
            False),
)}


def discovery() -> dict[str, Any]:
    """The discovery response: ``{"services": [...]}``."""
    return {"services": [s.as_json() for s in SERVICES.values()]}
