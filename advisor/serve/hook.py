"""A CDS Hooks request -> the consult's inputs: the patient (age, sex, weight, current
medications, the ordered antiseizure medications as candidates), the genotypes of the FHIR
genotype Observations, and the medication orders to judge.

Data come from ``prefetch`` (CDS Hooks 2.0, "Prefetch Template"): a key left out, or answered
with an OperationOutcome, is read from ``fhirServer`` with ``fhirAuthorization``; a key that is
``null`` means the client has no such data. Without a way to read required data the request
is :class:`~advisor.serve.errors.PreconditionFailed` (412). Malformed JSON, a request without
the fields of the hook, a FHIR resource that does not validate (FHIR R4 models of
``fhir.resources``) or data of another patient are :class:`~advisor.serve.errors.BadRequest`.

The patient's seizure types are rarely coded in a way the knowledge base can read, so unless
the request gives them (extension ``io.github.dre-advisor.seizure-types``) they are the seizure
types the ordered antiseizure medications are used for: the alternatives ranked are then
those that cover the same seizure types, and the card says so.
"""

from __future__ import annotations

import calendar
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.dre import DAYS_PER_MONTH
from advisor.errors import InputError
from advisor.inputs.fields import DAYS_PER_YEAR
from advisor.serve.allergies import adverse_reactions
from advisor.serve.discovery import PREFETCH, REQUIRED, Service
from advisor.serve.errors import BadRequest, PreconditionFailed
from advisor.serve.fhir_client import FhirReader
from advisor.serve.fhir_valid import fhir_valid, first_error
from advisor.serve.medications import Match, MedicationCodes
from advisor.serve.observations import UNUSED_STATUS, kidney_function, pregnancy_status

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase

EXT_SEIZURE_TYPES = "io.github.dre-advisor.seizure-types"
EXT_SYNDROME = "io.github.dre-advisor.syndrome"
POUND_KG = 0.45359237
WEIGHT_UNITS = {"kg": 1.0, "g": 0.001, "[lb_av]": POUND_KG, "lb": POUND_KG, "lbs": POUND_KG}
NOT_INFERRED = {"status_epilepticus"}  # acute use, not a seizure type of the patient's epilepsy

ReaderFor = Callable[[str, str], FhirReader]


class FhirAuthorization(BaseModel):
    model_config = ConfigDict(extra="allow")

    access_token: str = Field(min_length=1)
    token_type: str


class HookRequest(BaseModel):
    """The fields of a CDS Hooks 2.0 service call ("Calling a CDS Service")."""

    model_config = ConfigDict(extra="allow")

    hook: str
    hookInstance: str = Field(min_length=1)  # the specification's names
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None
    extension: dict[str, Any] | None = None


@dataclass
class Order:
    """A draft MedicationRequest and the knowledge-base drugs it orders."""

    reference: str | None  # MedicationRequest/<id>, None when the draft has no id
    resource: dict[str, Any]
    match: Match


@dataclass
class HookInput:
    patient: dict[str, Any]  # patient-file data for validate_patient
    genotypes: dict[str, Any]  # from the genotype Observations
    orders: list[Order]  # the orders to judge
    inferred_seizure_types: bool  # seizure types taken from the ordered drugs
    active: list[str] = field(default_factory=list)  # drugs of active MedicationRequests
    # active MedicationRequests of no knowledge-base drug: their interactions are not checked
    unchecked: list[str] = field(default_factory=list)
    # allergy records of antiseizure medications whose reaction was not read: (drug, said)
    unread_allergies: list[tuple[str, str]] = field(default_factory=list)
    # the ASMs counted as taken since their active prescriptions were written (taken_since)
    taken: list[dict[str, Any]] = field(default_factory=list)
    # drugs of active prescriptions, by kind: taken daily, and kept as a rescue product
    # (Valtoco): an order of one kind is ongoing only beside an active one of that kind
    daily: list[str] = field(default_factory=list)
    rescue: list[str] = field(default_factory=list)

    @property
    def ordered(self) -> list[str]:
        """The drugs of the orders to judge (knowledge-base names and others)."""
        return [d for o in self.orders for d in o.match.drugs]


def parse_json(body: bytes, what: str = "request body") -> Any:
    """JSON or :class:`BadRequest` (also for NaN and Infinity, which JSON does not have)."""
    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(body.decode("utf-8-sig"), parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadRequest(f"{what}: not JSON ({type(exc).__name__}: "
                         f"{' '.join(str(exc).split())[:120]})") from None


def read_request(service: Service, data: Any) -> HookRequest:
    if not isinstance(data, dict):
        raise BadRequest("request body: not a JSON object")
    try:
        req = HookRequest.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(f"CDS Hooks request: {first_error(exc)}") from None
    if req.hook != service.hook:
        raise BadRequest(f"hook: service {service.id} answers the {service.hook!r} hook, "
                         f"not {req.hook!r}")
    if not isinstance(req.context.get("patientId"), str) or not req.context["patientId"]:
        raise BadRequest("context.patientId: required (the FHIR id of the patient)")
    if req.fhirAuthorization is not None and not req.fhirServer:
        raise BadRequest("fhirServer: required when fhirAuthorization is given")
    return req


def gather(kb: KnowledgeBase, codes: MedicationCodes, service: Service, data: Any,
           reader_for: ReaderFor) -> HookInput:
    """Everything the consult needs from one hook request."""
    req = read_request(service, data)
    patient_id = req.context["patientId"]
    orders, pending = draft_orders(codes, service, req.context)
    reader = (reader_for(req.fhirServer, req.fhirAuthorization.access_token)
              if req.fhirServer and req.fhirAuthorization else None)
    res = resources(req, reader)
    drafts = {o.reference for o in [*orders, *pending] if o.reference}
    active = active_medications(codes, res["medications"], patient_id, drafts)
    current, unchecked, since = active.drugs, active.unknown, active.since
    # an ordered rescue product is the patient's rescue treatment, not a candidate
    candidates = [d for o in orders if not o.match.rescue for d in o.match.drugs
                  if d in kb.drugs]
    planned = [n for o in pending for n in listed(o.match)] + [
        n for o in orders for n in listed(o.match) if n not in candidates]
    seizure_types, inferred = _seizure_types(kb, req.extension or {}, candidates)
    patient: dict[str, Any] = {
        "id": patient_id, **demographics(res["patient"], patient_id),
        "seizure_types": seizure_types,
        "current_medications": list(dict.fromkeys([*active.names, *planned])),
        "candidate_drugs": list(dict.fromkeys(candidates))}
    history = taken_since(kb, since, datetime.now(UTC).date(), patient.get("age_years"))
    if history:
        patient["medication_history"] = history
    weight = body_weight(res["weight"], patient_id)
    if weight is not None:
        patient["weight_kg"] = weight
    renal = kidney_function(_records(res["kidney"], "Observation", patient_id,
                                     "prefetch.kidney"))
    if renal is not None:
        patient["renal"] = renal
    pregnancy = pregnancy_status(_records(res["pregnancy"], "Observation", patient_id,
                                          "prefetch.pregnancy"))
    if pregnancy is not None:
        patient["pregnancy"] = pregnancy
    reactions, unread_allergies = adverse_reactions(codes, _records(
        res["allergies"], "AllergyIntolerance", patient_id, "prefetch.allergies", "patient"))
    if reactions:
        patient["adverse_reactions"] = reactions
    syndrome = (req.extension or {}).get(EXT_SYNDROME)
    if syndrome is not None:
        patient["syndrome"] = syndrome
    return HookInput(patient, genotypes(kb, res["genotypes"], patient_id), orders, inferred,
                     current, unchecked, unread_allergies, history, active.daily,
                     active.rescue)


def per_drug(kb: KnowledgeBase, inputs: HookInput) -> list[tuple[list[str], dict[str, Any]]]:
    """The patients to judge, each with the ordered drugs it answers for: one for the whole
    request; or, when two or more antiseizure medications are ordered together, one per
    drug, with the other ordered ones among the drugs taken (so that their interactions and
    co-medication dose bands apply, as when one is selected and the others are pending)
    and, when the seizure types are inferred, that drug's own."""
    asms = list(dict.fromkeys(d for o in inputs.orders if not o.match.rescue
                              for d in o.match.drugs if d in kb.drugs))
    if len(asms) < 2:
        return [(inputs.ordered, inputs.patient)]
    rescue = [d for o in inputs.orders if o.match.rescue for d in o.match.drugs]
    out = []
    for drug in asms:
        data = {**inputs.patient, "candidate_drugs": [drug], "current_medications": list(
            dict.fromkeys([*inputs.patient["current_medications"],
                           *(d for d in asms if d != drug)]))}
        if inputs.inferred_seizure_types:
            data["seizure_types"] = _seizure_types(kb, {}, [drug])[0]
        out.append(([drug, *rescue] if not out else [drug], data))  # rescue: judged once
    return out


def _seizure_types(kb: KnowledgeBase, extension: dict[str, Any], candidates: list[str]
                   ) -> tuple[list[str], bool]:
    given = extension.get(EXT_SEIZURE_TYPES)
    if given is not None:
        if not isinstance(given, list) or not given or \
                not all(isinstance(t, str) for t in given):
            raise BadRequest(f"extension.{EXT_SEIZURE_TYPES}: a non-empty list of seizure types")
        return given, False
    used = {t for d in candidates for t in kb.drugs[d].spectrum.seizure_types} - NOT_INFERRED
    ordered = [t for t in kb.vocabulary.seizure_types if t in used]
    return (ordered, True) if ordered else (["unknown"], True)


# --- draft orders ----------------------------------------------------------------------


def draft_orders(codes: MedicationCodes, service: Service, context: dict[str, Any]
                 ) -> tuple[list[Order], list[Order]]:
    """The medication orders to judge, and the other draft medication orders (order-select:
    those not selected, which the patient will take alongside)."""
    bundle = context.get("draftOrders")
    fhir_valid("Bundle", bundle, "context.draftOrders")
    selections = context.get("selections")
    if service.selected_only and (not isinstance(selections, list) or
                                  not all(isinstance(s, str) for s in selections)):
        raise BadRequest("context.selections: required for order-select (a list of "
                         "references such as 'MedicationRequest/123')")
    media = bundle_medications(bundle)
    judged: list[Order] = []
    pending: list[Order] = []
    for entry in bundle.get("entry") or []:
        res = entry.get("resource") or {}
        if res.get("resourceType") != "MedicationRequest":
            continue
        ref = f"MedicationRequest/{res['id']}" if res.get("id") else None
        order = Order(ref, res, codes.medication(res, media))
        chosen = not service.selected_only or (ref is not None and any(
            s == ref or s.endswith("/" + ref) for s in selections or []))
        (judged if chosen else pending).append(order)
    return judged, pending


def bundle_medications(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Medication resources of a Bundle by ``Medication/<id>``."""
    return {f"Medication/{r['id']}": r for r in _resources_of(bundle, "Medication")
            if r.get("id")}


def _resources_of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry") or []
            if isinstance(e, dict) and isinstance(e.get("resource"), dict)
            and e["resource"].get("resourceType") == kind]


# --- prefetch and reads ----------------------------------------------------------------


def resources(req: HookRequest, reader: FhirReader | None) -> dict[str, Any]:
    """Each prefetch key's data: prefetched, else read from the FHIR server."""
    prefetch = req.prefetch or {}
    patient_id = req.context["patientId"]
    out: dict[str, Any] = {}
    for key, template in PREFETCH.items():
        given = key in prefetch and not _is_outcome(prefetch[key])
        if given:
            out[key] = reader.more_pages(prefetch[key]) if reader else prefetch[key]
        elif reader is not None:
            out[key] = reader.template(template, patient_id, required=key in REQUIRED)
        elif key in REQUIRED:
            raise PreconditionFailed(f"prefetch.{key} is missing and the request gives no "
                                     "fhirServer with fhirAuthorization to read it")
        else:
            out[key] = None
    return out


def _is_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def _check_subject(resource: dict[str, Any], patient_id: str, where: str,
                   field: str = "subject") -> None:
    subject = resource.get(field)
    ref = subject.get("reference") if isinstance(subject, dict) else None
    if isinstance(ref, str) and ref != f"Patient/{patient_id}" and \
            not ref.endswith(f"/Patient/{patient_id}"):
        raise BadRequest(f"{where}: a {resource.get('resourceType')} of another patient "
                         "than context.patientId")


def _as_bundle(value: Any, kind: str, where: str) -> dict[str, Any]:
    """A searchset Bundle, or a single resource of ``kind`` as a Bundle of one."""
    if isinstance(value, dict) and value.get("resourceType") == kind:
        value = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": value}]}
    fhir_valid("Bundle", value, where)
    return value


def demographics(patient: Any, patient_id: str) -> dict[str, Any]:
    """Sex and age (years, from birthDate: the youngest age a partial date allows)."""
    if patient is None:
        return {}
    fhir_valid("Patient", patient, "prefetch.patient")
    if patient.get("id") not in (None, patient_id):
        raise BadRequest("prefetch.patient: another patient than context.patientId")
    out: dict[str, Any] = {}
    if patient.get("gender") in ("female", "male", "other"):
        out["sex"] = patient["gender"]
    if isinstance(patient.get("birthDate"), str):
        try:
            out["age_years"] = age_years(patient["birthDate"], datetime.now(UTC).date())
        except ValueError:
            raise BadRequest("prefetch.patient.birthDate: not a date") from None
    return out


def age_years(birth_date: str, today: date) -> float:
    """Age in years (two decimals) from a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD); a partial
    date counts from its last day."""
    return round((today - latest_day(birth_date)).days / DAYS_PER_YEAR, 2)


def genotypes(kb: KnowledgeBase, value: Any, patient_id: str) -> dict[str, Any]:
    """Genotypes of the genotype Observations (read as :mod:`advisor.inputs.fhir` reads a
    bundle), leaving out entered-in-error and cancelled ones."""
    from advisor.inputs.fhir import genotypes_from_data

    if value is None:
        return {}
    bundle = _as_bundle(value, "Observation", "prefetch.genotypes")
    kept = []
    for entry in bundle.get("entry") or []:
        res = entry.get("resource") or {}
        if res.get("resourceType") == "Observation":
            if res.get("status") in UNUSED_STATUS:
                continue
            _check_subject(res, patient_id, "prefetch.genotypes")
        kept.append(entry)
    try:
        # the bundle was validated whole (fhir_valid); this is it without unused entries
        return genotypes_from_data(kb, {**bundle, "entry": kept}, "prefetch.genotypes",
                                   validated=True)
    except InputError as exc:
        raise BadRequest(str(exc)) from None


class Active(NamedTuple):
    """The active MedicationRequests (not those being re-ordered): their knowledge-base
    drugs, the names of those that are none (their interactions are not checked), and for
    each drug the earliest date an active request of it was written (``authoredOn``)."""

    drugs: list[str]
    unknown: list[str]
    since: dict[str, date]
    # what the patient file lists: the drugs, and a rescue product by its name (Valtoco)
    names: list[str]
    daily: list[str]  # drugs of active prescriptions that are not rescue products
    rescue: list[str]  # drugs of active prescriptions that are rescue products


def active_medications(codes: MedicationCodes, value: Any, patient_id: str,
                       drafts: set[str]) -> Active:
    """The drugs of the active MedicationRequests of a prefetch key (see :class:`Active`); a
    rescue product is not a maintenance trial (no time taken is counted for it)."""
    if value is None:
        return Active([], [], {}, [], [], [])
    bundle = _as_bundle(value, "MedicationRequest", "prefetch.medications")
    media = bundle_medications(bundle)
    out: list[str] = []
    names: list[str] = []
    kinds: dict[bool, list[str]] = {False: [], True: []}  # rescue product or not
    unknown: list[str] = []
    since: dict[str, date] = {}
    for res in _resources_of(bundle, "MedicationRequest"):
        if res.get("status") != "active" or f"MedicationRequest/{res.get('id')}" in drafts:
            continue
        _check_subject(res, patient_id, "prefetch.medications")
        match = codes.medication(res, media)
        drugs = match.drugs
        out += drugs
        names += listed(match)
        kinds[bool(match.rescue)] += drugs
        if not drugs:
            unknown.append(_medication_name(res))
        written = res.get("authoredOn")
        if isinstance(written, str) and match.rescue is None:
            try:
                day = latest_day(written)
            except ValueError:
                raise BadRequest("prefetch.medications: authoredOn is not a date") from None
            for drug in drugs:
                since[drug] = min(since.get(drug, day), day)
    return Active(list(dict.fromkeys(out)), list(dict.fromkeys(unknown)), since,
                  list(dict.fromkeys(names)), list(dict.fromkeys(kinds[False])),
                  list(dict.fromkeys(kinds[True])))


def listed(match: Match) -> list[str]:
    """A medication as the patient file lists it: its drugs, or its rescue product's name."""
    return [match.rescue] if match.rescue else list(match.drugs)


def latest_day(when: str) -> date:
    """The last day a FHIR date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD...) allows."""
    parts = [int(p) for p in when[:10].split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return date(year, month, day)


def taken_since(kb: KnowledgeBase, since: dict[str, date], today: date,
                age_years: float | None) -> list[dict[str, Any]]:
    """The antiseizure medications of active prescriptions as ongoing trials of the
    patient's medication history, each as long as its earliest active prescription is old
    (whole days in months of 365.25 / 12 days, rounded down to a tenth): a prescription renewed
    since it was first written counts from the renewal, so the time is never longer than
    the prescriptions show. None for a date in the future, or before the patient's birth."""
    out = []
    for drug, day in since.items():
        months = math.floor((today - day).days / DAYS_PER_MONTH * 10) / 10
        if drug not in kb.drugs or months < 0 or (
                age_years is not None and months > age_years * 12):
            continue
        out.append({"drug": drug, "outcome": "ongoing", "duration_months": months,
                    "note": f"counted from its active prescription, written on {day.isoformat()}"})
    return out


def _medication_name(request: dict[str, Any]) -> str:
    """A MedicationRequest's medication as a prescriber reads it (text, else a coding's
    display, else the reference's display)."""
    concept = request.get("medicationCodeableConcept")
    if isinstance(concept, dict):
        names = [concept.get("text"), *(c.get("display") for c in concept.get("coding") or []
                                        if isinstance(c, dict))]
    else:
        ref = request.get("medicationReference")
        names = [ref.get("display")] if isinstance(ref, dict) else []
    name = next((n for n in names if isinstance(n, str) and n.strip()), None)
    return " ".join(name.split())[:100] if name else "a medication without a name"


def _records(value: Any, kind: str, patient_id: str, where: str, field: str = "subject"
             ) -> list[dict[str, Any]]:
    """The resources of ``kind`` of a prefetch key (validated; each of this patient, by its
    ``field`` reference)."""
    if value is None:
        return []
    found = _resources_of(_as_bundle(value, kind, where), kind)
    for res in found:
        _check_subject(res, patient_id, where, field)
    return found



def body_weight(value: Any, patient_id: str) -> float | None:
    """The latest body weight in kg (kg, g or pounds), or None."""
    if value is None:
        return None
    bundle = _as_bundle(value, "Observation", "prefetch.weight")
    best: tuple[str, float] | None = None
    for res in _resources_of(bundle, "Observation"):
        quantity = res.get("valueQuantity") or {}
        unit = quantity.get("code") or quantity.get("unit")
        if res.get("status") in UNUSED_STATUS or unit not in WEIGHT_UNITS or \
                not isinstance(quantity.get("value"), int | float):
            continue
        _check_subject(res, patient_id, "prefetch.weight")
        when = str(res.get("effectiveDateTime") or res.get("issued") or "")
        kg = round(float(quantity["value"]) * WEIGHT_UNITS[unit], 2)
        if best is None or when > best[0]:
            best = (when, kg)
    return best[1] if best else None
