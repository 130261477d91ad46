"""The patient file (YAML or JSON): strict parsing and validation.

Every problem becomes an :class:`~advisor.errors.InputError` naming the field and value;
drug names, synonyms and brand names resolve to the canonical knowledge-base name.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from advisor.errors import InputError
from advisor.genotype import Call, GenotypeError, translate
from advisor.inputs.fields import (
    CLINICAL_FIELDS,
    ETIOLOGIES,
    OUTCOMES,
    PATIENT_FIELDS,
    SEXES,
    TRIAL_FIELDS,
)
from advisor.knowledge import KnowledgeBase

Outcome = Literal[OUTCOMES]
Sex = Literal[SEXES]
Etiology = Literal[ETIOLOGIES]
MAX_FILE_BYTES = 5_000_000


def _bounded(spec: dict, name: str) -> Any:
    """An optional field with the bounds of the field specification."""
    return Field(default=None, **spec[name].pydantic_bounds())


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Clinical(_Strict):
    """Optional risk-model inputs; absent means unknown."""

    age_at_onset_years: float | None = _bounded(CLINICAL_FIELDS, "age_at_onset_years")
    etiology: Etiology | None = None
    hippocampal_sclerosis: bool | None = None
    status_epilepticus_history: bool | None = None
    febrile_seizures_history: bool | None = None
    eeg_abnormal: bool | None = None
    intellectual_disability: bool | None = None
    pretreatment_seizure_count: int | None = _bounded(CLINICAL_FIELDS,
                                                      "pretreatment_seizure_count")


class Trial(_Strict):
    """One past or present ASM schedule."""

    drug: str
    outcome: Outcome
    adequate: bool | None = None
    duration_months: float | None = _bounded(TRIAL_FIELDS, "duration_months")
    seizure_free_months: float | None = _bounded(TRIAL_FIELDS, "seizure_free_months")
    note: str | None = None


class Patient(_Strict):
    id: str | None = Field(default=None, max_length=200)
    age_years: float | None = _bounded(PATIENT_FIELDS, "age_years")
    weight_kg: float | None = _bounded(PATIENT_FIELDS, "weight_kg")
    sex: Sex | None = None
    seizure_types: list[str] = Field(min_length=1)
    syndrome: str | None = None
    genotypes: dict[str, Any] = Field(default_factory=dict)
    clinical: Clinical = Field(default_factory=Clinical)
    medication_history: list[Trial] = Field(default_factory=list)
    current_medications: list[str] = Field(default_factory=list)
    candidate_drugs: list[str] = Field(default_factory=list)
    longest_pretreatment_interval_days: float | None = _bounded(
        PATIENT_FIELDS, "longest_pretreatment_interval_days")
    vcf: str | None = None
    sample: str | None = None
    # Translations made by validate_patient, with the value each was made from (so a copy
    # with other genotypes is never read with stale calls): key -> (value, Call).
    _translated: dict[str, tuple[str, Call]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _id_as_text(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("id"), int | float):
            data = {**data, "id": str(data["id"])}
        return data


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _field_error(exc: ValidationError, data: Any) -> InputError:
    errs = exc.errors()
    err = next((e for e in errs if e["type"] == "extra_forbidden"), errs[0])
    loc = [str(p) for p in err["loc"]]
    path = ".".join(loc)
    if err["type"] == "extra_forbidden":
        parent = Patient if len(loc) == 1 else {"clinical": Clinical,
                                                "medication_history": Trial}.get(loc[0])
        options = list(parent.model_fields) if parent else []
        return InputError(path, err.get("input"),
                          "unknown field" + _suggest(loc[-1], options))
    if err["type"] == "missing":
        return InputError(path, None, "required field is missing")
    return InputError(path, err.get("input"), err["msg"].lower())


def _resolve(kb: KnowledgeBase, field: str, names: list[str], *, asm_only: bool) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(names):
        canonical = kb.resolve_drug(name) if isinstance(name, str) else None
        if canonical is None or (asm_only and canonical not in kb.drugs):
            options = list(kb.drugs) + ([] if asm_only else list(kb.comedications))
            what = "antiseizure medication" if asm_only else "drug"
            raise InputError(f"{field}.{i}", name, f"unknown {what}" + _suggest(
                str(name).lower(), options))
        if canonical not in out:
            out.append(canonical)
    return out


def validate_patient(kb: KnowledgeBase, data: Any) -> Patient:
    """Validate parsed patient data against the schema and the knowledge base."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise InputError("", kind, f"a patient file must be a mapping of fields, got {kind}")
    try:
        patient = Patient.model_validate(data)
    except ValidationError as exc:
        raise _field_error(exc, data) from None
    vocab = kb.vocabulary
    for i, st in enumerate(patient.seizure_types):
        if st not in vocab.seizure_types:
            raise InputError(f"seizure_types.{i}", st, "unknown seizure type" + _suggest(
                st, list(vocab.seizure_types)) + f"; known: {', '.join(vocab.seizure_types)}")
    if patient.syndrome is not None and patient.syndrome not in vocab.syndromes:
        raise InputError("syndrome", patient.syndrome, "unknown syndrome" + _suggest(
            patient.syndrome, list(vocab.syndromes)))
    genotype_calls(kb, patient)  # kept with the patient (and its copies) for the frame
    history = []
    for i, trial in enumerate(patient.medication_history):
        drug = _resolve(kb, f"medication_history.{i}.drug", [trial.drug], asm_only=True)[0]
        if trial.seizure_free_months is not None and trial.outcome != "seizure_free":
            raise InputError(f"medication_history.{i}.seizure_free_months",
                             trial.seizure_free_months,
                             f"only a seizure_free outcome has seizure_free_months "
                             f"(outcome is {trial.outcome})")
        history.append(trial.model_copy(update={"drug": drug}))
    return patient.model_copy(update={
        "medication_history": history,
        "current_medications": _resolve(kb, "current_medications",
                                        patient.current_medications, asm_only=False),
        "candidate_drugs": _resolve(kb, "candidate_drugs", patient.candidate_drugs,
                                    asm_only=True),
    })


def _as_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def genotype_calls(kb: KnowledgeBase, patient: Patient) -> dict[str, Call]:
    """The patient's genotypes translated, each value once: a translation made earlier for
    the same value is reused. A value that cannot be translated is an InputError naming
    ``genotypes.<key>``."""
    done = patient._translated
    calls: dict[str, Call] = {}
    for key, value in patient.genotypes.items():
        seen = done.get(key)
        if seen is not None and seen[0] == _as_key(value):
            calls[key] = seen[1]
            continue
        try:
            calls[key] = translate(kb, key, value)
        except GenotypeError as exc:
            raise InputError(f"genotypes.{key}", value, str(exc).split(": ", 1)[-1] + (
                _suggest(key, list(kb.input_keys)) if key not in kb.input_keys else "")) from None
        done[key] = (_as_key(value), calls[key])
    return calls


def parse_patient_text(kb: KnowledgeBase, text: str | bytes, name: str = "patient") -> Patient:
    """Parse YAML or JSON text (JSON is YAML) and validate it."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise InputError("file", name, f"larger than {MAX_FILE_BYTES} bytes")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("file", name, "not UTF-8 text (is it a YAML or JSON file?)") from None
    if not text.strip():
        raise InputError("file", name, "the file is empty")
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError("file", name, f"not valid YAML or JSON{where}: {exc.problem}") from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise InputError("file", name, f"not valid YAML or JSON: {type(exc).__name__}") from None
    return validate_patient(kb, data)


def load_patient(kb: KnowledgeBase, path: str | Path) -> Patient:
    """Read and validate a patient file."""
    p = Path(path)
    if not p.is_file():
        raise InputError("file", str(path), "file not found")
    return parse_patient_text(kb, p.read_bytes(), name=str(path))

