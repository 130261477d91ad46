"""An ordered dose as a daily amount: what a FHIR R4 MedicationRequest's dosage says, read
only where it is unambiguous, and why not where it is not.

Read: one ``dosageInstruction`` with a ``doseQuantity`` (or the top of a ``doseRange``) in
mg, g, ug or mcg, or in mL when the medication's name gives one strength in mg per mL
("levetiracetam 100 MG/ML Oral Solution", "250 MG/5ML"), and a ``timing.repeat`` with a
period or a ``timing.code`` of the FHIR timing abbreviations (BID, TID, QID, QD, QOD, Q4H,
...). A dose in mg PE (phenytoin sodium equivalents) is read only in mg PE. A load, a stat or
an as-needed dose is no daily dose. Anything else (per kg, tablets, several instructions)
is not read, and :func:`unread_dose` says why.
"""

from __future__ import annotations

import re
from typing import Any

from advisor.serve.medications import concept_texts

PERIOD_DAYS = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.0,
               "a": 365.0}
MASS_MG = {"mg": 1.0, "g": 1000.0, "ug": 0.001, "mcg": 0.001}
# a dose in phenytoin sodium equivalents (fosphenytoin): read and written only as such
UNIT_CODES = {"mg": {"mg": "mg"}, "mg PE": {"mg{PE}": "mg PE", "mg PE": "mg PE"}}
VOLUME_ML = {"mL", "ml", "ML"}
# FHIR timing abbreviations (v3-GTSAbbreviation): administrations per day
TIMING_CODES = {"QD": 1.0, "AM": 1.0, "PM": 1.0, "BED": 1.0, "BID": 2.0, "TID": 3.0,
                "QID": 4.0, "QOD": 0.5, "Q1H": 24.0, "Q2H": 12.0, "Q3H": 8.0, "Q4H": 6.0,
                "Q6H": 4.0, "Q8H": 3.0, "WK": 1 / 7, "MO": 1 / 30}
STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*(MG|G|MCG|UG)\s*/\s*(\d+(?:\.\d+)?)?\s*ML\b", re.I)


def per_day(dosage: dict[str, Any]) -> float | None:
    """Administrations per day of a FHIR Dosage, when its timing says."""
    timing = dosage.get("timing") or {}
    repeat = timing.get("repeat") or {}
    period, unit = repeat.get("period"), repeat.get("periodUnit")
    if isinstance(period, int | float) and period > 0 and unit in PERIOD_DAYS:
        return float(repeat.get("frequency") or 1) / (period * PERIOD_DAYS[unit])
    codes = [c.get("code") for c in (timing.get("code") or {}).get("coding") or []
             if isinstance(c, dict)]
    return next((TIMING_CODES[c] for c in codes if c in TIMING_CODES), None)


def mg_per_ml(order: dict[str, Any]) -> float | None:
    """The strength in mg per mL the order's medication name gives (one strength only)."""
    texts = [*concept_texts(order.get("medicationCodeableConcept")),
             (order.get("medicationReference") or {}).get("display")]
    found = {float(m[0]) * MASS_MG[m[1].lower()] / float(m[2] or 1)
             for t in texts if isinstance(t, str) for m in STRENGTH.findall(t)}
    return found.pop() if len(found) == 1 else None


def _amount(dosage: dict[str, Any]) -> dict[str, Any]:
    """The dose of a Dosage: its doseQuantity, or the top of its doseRange."""
    rate = (dosage.get("doseAndRate") or [{}])[0]
    return rate.get("doseQuantity") or (rate.get("doseRange") or {}).get("high") or {}


def ordered_daily_mg(order: dict[str, Any], unit: str = "mg") -> float | None:
    """The order's daily dose in ``unit`` (see the module docstring), else None."""
    dosages = order.get("dosageInstruction") or []
    if len(dosages) != 1:
        return None
    times = per_day(dosages[0])
    quantity = _amount(dosages[0])
    given = quantity.get("code") or quantity.get("unit")
    if unit == "mg":
        factor = MASS_MG.get(given) or (mg_per_ml(order) if given in VOLUME_ML else None)
    else:
        factor = 1.0 if given in UNIT_CODES.get(unit, {}) else None
    if times is None or factor is None or not isinstance(quantity.get("value"), int | float):
        return None
    return float(quantity["value"]) * factor * times


def one_time(order: dict[str, Any]) -> bool:
    """A dosage of one administration (a load or a stat dose: ``timing.repeat.count`` 1) or
    as needed: no daily maintenance dose to change."""
    for dosage in order.get("dosageInstruction") or []:
        repeat = (dosage.get("timing") or {}).get("repeat") or {}
        if repeat.get("count") == 1 or dosage.get("asNeededBoolean") or \
                dosage.get("asNeededCodeableConcept"):
            return True
    return False


def daily_dose(order: dict[str, Any], unit: str) -> float | None:
    """The order's daily maintenance dose in ``unit`` (:func:`ordered_daily_mg`), or None
    for a load, a stat or as-needed dose (:func:`one_time`) or a dose not readable as
    daily."""
    return None if one_time(order) else ordered_daily_mg(order, unit)


def unread_dose(order: dict[str, Any], unit: str) -> str | None:
    """Why an ordered dose that is given in numbers could not be read as a daily dose in
    ``unit``; None when it was read, or is a load, a stat or an as-needed dose, or the
    order gives no dose in numbers."""
    dosages = order.get("dosageInstruction") or []
    if not dosages or one_time(order) or daily_dose(order, unit) is not None:
        return None
    if len(dosages) > 1:
        return ("the order has several dosage instructions (a taper or a schedule): check "
                "each step against the dose above")
    quantity = _amount(dosages[0])
    if not isinstance(quantity.get("value"), int | float):
        return None
    given = str(quantity.get("code") or quantity.get("unit") or "no unit")
    if given in VOLUME_ML:
        return "the dose is in mL and the medication's name gives no single strength in mg/mL"
    if per_day(dosages[0]) is None:
        return "the dosage has no timing to make it a daily dose"
    return f"the dose is in {given}, not in {unit}"
