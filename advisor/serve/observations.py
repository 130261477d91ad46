"""Kidney function and pregnancy status from FHIR Observations (prefetch keys ``kidney``
and ``pregnancy``), as the patient file's ``renal`` and ``pregnancy``.

Kidney function: the latest estimated GFR (LOINC creatinine-based eGFR codes, mL/min/1.73 m2,
as in HL7's CPG eGFR value set and the CKD-EPI 2021 code) or measured creatinine clearance
(LOINC 2164-2, mL/min). A value given with a comparator (">60") is a bound, not a value, and
is not used; without a value the doses assume normal kidney function and say so.

Pregnancy status: the latest IPS pregnancy-status Observation (LOINC 82810-3) whose value is
Pregnant (SNOMED 77386006, LOINC LA15173-0) or Not pregnant (SNOMED 60001007, LOINC
LA26683-5); any other value (unknown, possible, not yet confirmed) leaves the status unknown,
which the child-bearing-potential rules treat as a possible pregnancy.
"""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
EGFR_CODES = ("62238-1", "98979-8", "33914-3", "77147-7", "76633-7")
CLEARANCE_CODES = ("2164-2",)
PREGNANCY_STATUS_CODE = "82810-3"
PREGNANCY_VALUES = {(SNOMED, "77386006"): "pregnant", (LOINC, "LA15173-0"): "pregnant",
                    (SNOMED, "60001007"): "not_pregnant", (LOINC, "LA26683-5"): "not_pregnant"}
UNUSED_STATUS = {"entered-in-error", "cancelled"}  # Observations never used


def _codes(concept: Any) -> set[tuple[Any, Any]]:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return {(c.get("system"), c.get("code")) for c in codings or [] if isinstance(c, dict)}


def _when(resource: dict[str, Any]) -> str:
    return str(resource.get("effectiveDateTime") or resource.get("issued") or "")


def kidney_function(observations: list[dict[str, Any]]) -> dict[str, float] | None:
    """The patient file's ``renal`` from the latest usable eGFR or creatinine clearance."""
    best: tuple[str, str, float] | None = None
    for res in observations:
        codes = _codes(res.get("code"))
        field = ("egfr_ml_min" if codes & {(LOINC, c) for c in EGFR_CODES} else
                 "creatinine_clearance_ml_min" if codes & {(LOINC, c) for c in CLEARANCE_CODES}
                 else None)
        quantity = res.get("valueQuantity") or {}
        unit = str(quantity.get("code") or quantity.get("unit") or "")
        if field is None or res.get("status") in UNUSED_STATUS or quantity.get("comparator") \
                or not isinstance(quantity.get("value"), int | float) \
                or not unit.lower().startswith("ml/min"):
            continue
        if best is None or _when(res) > best[0]:
            best = (_when(res), field, round(float(quantity["value"]), 1))
    return {best[1]: best[2]} if best else None


def pregnancy_status(observations: list[dict[str, Any]]) -> str | None:
    """The patient file's ``pregnancy`` ('pregnant' or 'not_pregnant') from the latest
    pregnancy-status Observation, or None (unknown)."""
    found = [res for res in observations if res.get("status") not in UNUSED_STATUS
             and (LOINC, PREGNANCY_STATUS_CODE) in _codes(res.get("code"))]
    if not found:
        return None
    latest = max(found, key=_when)
    return next((PREGNANCY_VALUES[c] for c in _codes(latest.get("valueCodeableConcept"))
                 if c in PREGNANCY_VALUES), None)
