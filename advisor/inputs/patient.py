"""The patient file (YAML or JSON): strict parsing and validation.

The text is read by :mod:`advisor.strict_load` within :data:`PATIENT_LIMITS` (YAML 1.2
core-schema values only, no tags, no duplicate keys, aliases counted at their expanded
size; ``id`` and ``sample`` kept as written). Numbers are numbers: a boolean or a text
that is not a plain decimal is refused (:func:`advisor.inputs.fields.number_input`), and
values that contradict each other are refused by the checks across fields of the field
specification (:func:`advisor.inputs.fields.implausible_context`,
:func:`~advisor.inputs.fields.implausible_trials`).

Every problem becomes an :class:`~advisor.errors.InputError` naming the field and a
bounded preview of the value; drug names, synonyms and brand names resolve to the
canonical knowledge-base name.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from advisor.errors import InputError
from advisor.genotype import Call, GenotypeError, translate
from advisor.inputs.fields import (
    CHILD_PUGH,
    CLINICAL_FIELDS,
    DIALYSIS,
    ETIOLOGIES,
    MAX_GENOTYPES,
    MAX_TRIALS,
    OUTCOMES,
    PATIENT_FIELDS,
    PREGNANCY,
    RENAL_FIELDS,
    SEXES,
    TRIAL_FIELDS,
    Implausible,
    implausible_context,
    implausible_trials,
    number_input,
)
from advisor.knowledge import KnowledgeBase, normalize_name
from advisor.strict_load import Limits, StrictLoadError, decode, load_document

Outcome = Literal[OUTCOMES]
Sex = Literal[SEXES]
Etiology = Literal[ETIOLOGIES]
Pregnancy = Literal[PREGNANCY]
PATIENT_LIMITS = Limits(max_bytes=1_000_000, max_depth=20, max_values=50_000,
                        max_aliases=100, max_items=1_000, max_scalar_chars=10_000)
MAX_FILE_BYTES = PATIENT_LIMITS.max_bytes
MAX_OTHER_MEDICATIONS = 50
TEXT_KEYS = ("id", "sample")  # kept exactly as written ("0123", "1.10")

Number = Annotated[float, BeforeValidator(number_input)]
Count = Annotated[int, BeforeValidator(number_input)]


def _bounded(spec: dict, name: str) -> Any:
    """An optional field with the bounds of the field specification."""
    return Field(default=None, **spec[name].pydantic_bounds())


def _listed(name: str) -> Any:
    """An optional list field with the length limit of the field specification."""
    return Field(default_factory=list, max_length=PATIENT_FIELDS[name].max_items)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Clinical(_Strict):
    """Optional risk-model inputs; absent means unknown."""

    age_at_onset_years: Number | None = _bounded(CLINICAL_FIELDS, "age_at_onset_years")
    etiology: Etiology | None = None
    hippocampal_sclerosis: bool | None = None
    status_epilepticus_history: bool | None = None
    febrile_seizures_history: bool | None = None
    eeg_abnormal: bool | None = None
    intellectual_disability: bool | None = None
    pretreatment_seizure_count: Count | None = _bounded(CLINICAL_FIELDS,
                                                      "pretreatment_seizure_count")


class Renal(_Strict):
    """Kidney function: a clearance or eGFR, and/or dialysis; absent means not known."""

    egfr_ml_min: Number | None = _bounded(RENAL_FIELDS, "egfr_ml_min")
    creatinine_clearance_ml_min: Number | None = _bounded(RENAL_FIELDS,
                                                         "creatinine_clearance_ml_min")
    dialysis: Literal[DIALYSIS] | None = None

    @model_validator(mode="after")
    def _something(self) -> Renal:
        if self.egfr_ml_min is None and self.creatinine_clearance_ml_min is None and (
                self.dialysis is None):
            raise ValueError("give egfr_ml_min, creatinine_clearance_ml_min or dialysis")
        return self


class Hepatic(_Strict):
    """Liver function as a Child-Pugh class."""

    child_pugh: Literal[CHILD_PUGH]


class Reaction(_Strict):
    """A serious past reaction to a drug (any drug, also outside the knowledge base)."""

    drug: str
    reaction: str
    note: str | None = Field(default=None, max_length=500)


class Trial(_Strict):
    """One past or present ASM schedule."""

    drug: str
    outcome: Outcome
    adequate: bool | None = None
    duration_months: Number | None = _bounded(TRIAL_FIELDS, "duration_months")
    seizure_free_months: Number | None = _bounded(TRIAL_FIELDS, "seizure_free_months")
    note: str | None = None


class Patient(_Strict):
    id: str | None = Field(default=None, max_length=200)
    age_years: Number | None = _bounded(PATIENT_FIELDS, "age_years")
    weight_kg: Number | None = _bounded(PATIENT_FIELDS, "weight_kg")
    sex: Sex | None = None
    seizure_types: list[str] = Field(min_length=1,
                                     max_length=PATIENT_FIELDS["seizure_types"].max_items)
    syndrome: str | None = None
    genotypes: dict[str, Any] = Field(default_factory=dict, max_length=MAX_GENOTYPES)
    clinical: Clinical = Field(default_factory=Clinical)
    medication_history: list[Trial] = Field(default_factory=list, max_length=MAX_TRIALS)
    current_medications: list[str] = _listed("current_medications")
    # ASMs kept only for seizure emergencies (a Valtoco spray, rectal diazepam): their
    # interactions are checked, but no regimen keeps, doses or withdraws them
    rescue_medications: list[str] = _listed("current_medications")
    # drugs outside the knowledge base: listed in the report as not checked for interactions
    other_medications: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=MAX_OTHER_MEDICATIONS)
    candidate_drugs: list[str] = _listed("candidate_drugs")
    longest_pretreatment_interval_days: Number | None = _bounded(
        PATIENT_FIELDS, "longest_pretreatment_interval_days")
    renal: Renal | None = None
    hepatic: Hepatic | None = None
    pregnancy: Pregnancy | None = None
    adverse_reactions: list[Reaction] = _listed("adverse_reactions")
    conditions: list[str] = _listed("conditions")
    vcf: str | None = None
    pharmcat: str | None = None  # a PharmCAT outside-call TSV, report/phenotype JSON or calls TSV
    sample: str | None = None
    # Translations made by validate_patient, with the value each was made from (so a copy
    # with other genotypes is never read with stale calls): key -> (value, Call).
    _translated: dict[str, tuple[str, Call]] = PrivateAttr(default_factory=dict)
    # The rescue products named (Valtoco, under current_medications or rescue_medications):
    # drug -> the names, set by validate_patient.
    _rescue_named: dict[str, list[str]] = PrivateAttr(default_factory=dict)

    @property
    def rescue_named(self) -> dict[str, list[str]]:
        """The rescue products the patient names, by drug."""
        return self._rescue_named

    @property
    def rescue_too(self) -> dict[str, list[str]]:
        """Drugs taken daily that the patient also keeps as a rescue product (Valium and
        Valtoco): drug -> the rescue products named."""
        return {d: names for d, names in self._rescue_named.items()
                if d not in self.rescue_medications}

    @model_validator(mode="before")
    @classmethod
    def _id_as_text(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("id"), int | float):
            data = {**data, "id": str(data["id"])}
        return data


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


SECTIONS = {"clinical": Clinical, "renal": Renal, "hepatic": Hepatic}  # nested field groups


def _field_error(exc: ValidationError, data: Any) -> InputError:
    errs = exc.errors()
    err = next((e for e in errs if e["type"] == "extra_forbidden"), errs[0])
    loc = [str(p) for p in err["loc"]]
    path = ".".join(loc)
    if err["type"] == "extra_forbidden":
        parent = Patient if len(loc) == 1 else {
            **SECTIONS, "medication_history": Trial, "adverse_reactions": Reaction}.get(loc[0])
        options = list(parent.model_fields) if parent else []
        home = next((section for section, model in SECTIONS.items()
                     if len(loc) == 1 and loc[0] in model.model_fields), None)
        return InputError(path, err.get("input"), f"unknown field here; it belongs under "
                          f"'{home}:' ({home}: {{{loc[0]}: ...}})" if home else
                          "unknown field" + _suggest(loc[-1], options))
    if err["type"] == "missing":
        return InputError(path, None, "required field is missing")
    message = err["msg"].removeprefix("Value error, ")
    return InputError(path, err.get("input"), message[:1].lower() + message[1:])


def _resolve(kb: KnowledgeBase, field: str, names: list[str], *, asm_only: bool) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(names):
        canonical = kb.resolve_drug(name) if isinstance(name, str) else None
        if canonical is None or (asm_only and canonical not in kb.drugs):
            options = list(kb.drugs) + ([] if asm_only else list(kb.comedications))
            what = "antiseizure medication" if asm_only else "drug"
            elsewhere = "" if asm_only else (
                "; a drug outside the knowledge base goes under other_medications, which the "
                "report lists as not checked for interactions")
            raise InputError(f"{field}.{i}", name, f"unknown {what}" + _suggest(
                str(name).lower(), options) + elsewhere)
        if canonical not in out:
            out.append(canonical)
    return out


def _reactions_in_notes(kb: KnowledgeBase, history: list[Trial],
                        reactions: list[Reaction]) -> None:
    """A history note that names a reaction (vocabulary reaction_terms) for a drug with no
    adverse_reactions entry is an InputError: the reaction is judged, with the drugs that
    cross-react, only when it is recorded there (review K H1: SJS/TEN written only in a note
    left carbamazepine a candidate). A mention tied to another drug with that reaction
    recorded ('after the carbamazepine rash') is about that drug; every other mention in
    the note still counts (review M H1: 'widespread rash, worse than her ethosuximide
    rash')."""
    recorded: dict[str, set[str]] = {}
    for r in reactions:
        recorded.setdefault(r.drug, set()).add(r.reaction)
    for i, trial in enumerate(history):
        own = recorded.get(trial.drug, set())
        if not trial.note or "other" in own:
            continue
        for reaction, found in kb.reactions_named(trial.note):
            if reaction in own or _of_another_drug(kb, trial, reaction, found, recorded):
                continue
            raise InputError(
                f"medication_history.{i}.note", trial.note,
                f"names a reaction ({found.group(0)!r}: {kb.vocabulary.reactions[reaction]}) "
                f"that adverse_reactions does not record for {trial.drug}"
                + (f" (it records only {', '.join(sorted(own))})" if own else "")
                + f": if the note records a reaction to {trial.drug}, add {{drug: "
                f"{trial.drug}, reaction: {reaction}}} (or the reaction it was) to "
                "adverse_reactions so that it is judged, with the drugs that cross-react; if it "
                "does not (the reaction did not happen, or was to another drug), reword the note")


LINK_BEFORE = r"(?:[- ](?:induced|related|associated))?\s+$"  # 'the carbamazepine(-induced) '
LINK_AFTER = r"^\s+(?:to|on|from|with|due to|caused by)\s+(?:the\s+|her\s+|his\s+)?"
# a note that compares ('like', 'identical to', 'as with', 'again') says this drug had the
# reaction too: a mention tied to another drug does not make it that drug's alone
COMPARED = re.compile(r"\b(?:like|identical|similar|same as|as with|as on|again|resembl\w*)"
                      r"\b", re.IGNORECASE)


def _of_another_drug(kb: KnowledgeBase, trial: Trial, reaction: str, found: re.Match[str],
                     recorded: dict[str, set[str]]) -> bool:
    """Whether this mention of a reaction is tied to another drug for which
    adverse_reactions records it: the drug named just before ('the carbamazepine rash') or
    just after ('rash on carbamazepine'); never in a note that compares, nor on a trial
    stopped for intolerance (the reaction named is likely why: review O H2)."""
    note = (trial.note or "").lower()
    if COMPARED.search(note) or trial.outcome == "intolerance":  # stopped for it: its own
        return False
    before, after = note[:found.start()], note[found.end():]
    for drug, reactions in recorded.items():
        if drug == trial.drug or reaction not in reactions or drug not in kb.drugs:
            continue
        for name in (re.escape(n.lower()) for n in kb.drugs[drug].own_names):
            if re.search(rf"(?<![a-z0-9]){name}{LINK_BEFORE}", before) or \
                    re.search(rf"{LINK_AFTER}{name}(?![a-z0-9])", after):
                return True
    return False


def _rescue(kb: KnowledgeBase, patient: Patient, current: list[str]
            ) -> tuple[list[str], dict[str, list[str]]]:
    """The ASMs the patient keeps only for seizure emergencies: those listed under
    rescue_medications and those named in current_medications only by a rescue product
    (Valtoco). A drug also named otherwise in current_medications (Valium), or asked about
    under candidate_drugs (to be started daily), is taken daily; the rescue products named
    for it come second. Also every rescue product named, by drug."""
    listed = _resolve(kb, "rescue_medications", patient.rescue_medications, asm_only=True)
    products: dict[str, list[str]] = {}
    for name in [*patient.current_medications, *patient.rescue_medications]:
        if drug := kb.rescue_products.get(normalize_name(name)):
            products.setdefault(drug, []).append(name)
    daily = {kb.resolve_drug(name) for name in patient.current_medications
             if normalize_name(name) not in kb.rescue_products}
    for i, name in enumerate(patient.rescue_medications):
        if (drug := kb.resolve_drug(name)) in daily:
            raise InputError(f"rescue_medications.{i}", name,
                             f"{drug} is also under current_medications: list a drug taken "
                             "daily there (also when it is used for rescue too), and a drug "
                             "kept only for seizure emergencies here")
    started = {kb.resolve_drug(name) for name in patient.candidate_drugs}
    rescue = [d for d in dict.fromkeys([*listed, *(d for d in current if d in products)])
              if d not in daily and (d in listed or d not in started)]
    return rescue, products


def _reacted_drug(kb: KnowledgeBase, field: str, name: str) -> str:
    """The canonical name of a drug a reaction is recorded for. A drug outside the knowledge
    base is kept as written, unless it looks like a misspelt one (then the error suggests it)."""
    canonical = kb.resolve_drug(name)
    if canonical is not None:
        return canonical
    options = list(kb.drug_aliases)
    close = difflib.get_close_matches(name.lower(), options, n=1, cutoff=0.8)
    if close:
        raise InputError(field, name, f"unknown drug (did you mean {kb.drug_aliases[close[0]]!r}?"
                         "; a drug outside the knowledge base is accepted when it is not a "
                         "near-spelling of a known one)")
    return name.strip().lower()


def _other_medications(kb: KnowledgeBase, names: list[str]) -> list[str]:
    """Drugs outside the knowledge base, as written (trimmed, once each). A known drug or a
    near-spelling of one is an error: its interactions would go unchecked."""
    out: list[str] = []
    for i, name in enumerate(names):
        field, text = f"other_medications.{i}", " ".join(name.split())
        known = kb.resolve_drug(text)
        if known is not None:
            raise InputError(field, name, f"{known} is in the knowledge base: list it under "
                             "current_medications, where its interactions are checked")
        close = difflib.get_close_matches(normalize_name(text), list(kb.drug_aliases), n=1,
                                          cutoff=0.8)
        if close:
            raise InputError(field, name, f"looks like {kb.drug_aliases[close[0]]!r}, which "
                             "is in the knowledge base: if it is, list it under "
                             "current_medications")
        if normalize_name(text) not in {normalize_name(o) for o in out}:
            out.append(text)
    return out


def _known_term(field: str, value: str, known: Any, what: str) -> None:
    """A vocabulary term, or an InputError with the nearest spelling and the known terms."""
    if value not in known:
        raise InputError(field, value, f"unknown {what}" + _suggest(value, list(known))
                         + f"; known: {', '.join(known)}")


def _check_terms(kb: KnowledgeBase, patient: Patient) -> None:
    """Seizure types, syndrome, conditions and reactions are vocabulary terms."""
    vocab = kb.vocabulary
    for i, st in enumerate(patient.seizure_types):
        _known_term(f"seizure_types.{i}", st, vocab.seizure_types, "seizure type")
    if patient.syndrome is not None:
        _known_term("syndrome", patient.syndrome, vocab.syndromes, "syndrome")
    for i, cond in enumerate(patient.conditions):
        _known_term(f"conditions.{i}", cond, vocab.conditions, "condition")
    for i, r in enumerate(patient.adverse_reactions):
        _known_term(f"adverse_reactions.{i}.reaction", r.reaction, vocab.reactions, "reaction")


def _history(kb: KnowledgeBase, patient: Patient) -> list[Trial]:
    """The medication history with drug names resolved and outcomes consistent."""
    history = []
    for i, trial in enumerate(patient.medication_history):
        drug = _resolve(kb, f"medication_history.{i}.drug", [trial.drug], asm_only=True)[0]
        if trial.seizure_free_months is not None and trial.outcome not in ("seizure_free",
                                                                              "relapse"):
            raise InputError(f"medication_history.{i}.seizure_free_months",
                             trial.seizure_free_months,
                             f"only a seizure_free or relapse outcome has seizure_free_months "
                             f"(outcome is {trial.outcome})")
        if trial.outcome == "relapse" and trial.seizure_free_months is None:
            raise InputError(f"medication_history.{i}.seizure_free_months", None,
                             "a relapse needs seizure_free_months (how long seizure freedom "
                             "lasted before seizures returned)")
        history.append(trial.model_copy(update={"drug": drug}))
    return history


def _first(problems: list[Implausible], path: Callable[[str, int], str]) -> InputError | None:
    if not problems:
        return None
    first = min(problems, key=lambda p: int(np.flatnonzero(p.mask)[0]))
    i = int(np.flatnonzero(first.mask)[0])
    value = first.values[i]
    return InputError(path(first.field, i), float(value) if value == value else value,
                      str(first.messages[i]))


def check_plausible(patient: Patient) -> None:
    """Refuse values that contradict each other (weight for age, onset after the current
    age, trials longer than the patient's life, seizure freedom longer than its trial)."""
    nan = float("nan")
    age = nan if patient.age_years is None else patient.age_years

    def given(value: float | None) -> float:
        return nan if value is None else value

    error = _first(implausible_context({
        "age_years": np.array([age]), "weight_kg": np.array([given(patient.weight_kg)]),
        "sex": np.array([patient.sex], dtype=object),
        "age_at_onset_years": np.array([given(patient.clinical.age_at_onset_years)]),
        "longest_pretreatment_interval_days": np.array([given(
            patient.longest_pretreatment_interval_days)]),
    }), lambda field, _: f"clinical.{field}" if field in CLINICAL_FIELDS else field)
    if error is None and patient.medication_history:
        trials = patient.medication_history
        error = _first(implausible_trials(
            np.full(len(trials), age), np.array([given(t.duration_months) for t in trials]),
            np.array([given(t.seizure_free_months) for t in trials])),
            lambda field, i: f"medication_history.{i}.{field}")
    if error is not None:
        raise error


def validate_patient(kb: KnowledgeBase, data: Any) -> Patient:
    """Validate parsed patient data against the schema and the knowledge base."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise InputError("", kind, f"a patient file must be a mapping of fields, got {kind}")
    try:
        patient = Patient.model_validate(data)
    except ValidationError as exc:
        raise _field_error(exc, data) from None
    check_plausible(patient)
    _check_terms(kb, patient)
    genotype_calls(kb, patient)  # kept with the patient (and its copies) for the frame
    if patient.pregnancy in ("pregnant", "planning", "breastfeeding") and patient.sex == "male":
        raise InputError("pregnancy", patient.pregnancy, "sex is male: check sex and pregnancy")
    reactions = [r.model_copy(update={"drug": _reacted_drug(
        kb, f"adverse_reactions.{i}.drug", r.drug)})
        for i, r in enumerate(patient.adverse_reactions)]
    history = _history(kb, patient)
    _reactions_in_notes(kb, history, reactions)
    current = _resolve(kb, "current_medications", patient.current_medications, asm_only=False)
    rescue, products = _rescue(kb, patient, current)
    checked = patient.model_copy(update={
        "seizure_types": with_neonatal(kb, patient.age_years, patient.seizure_types),
        "medication_history": history,
        "adverse_reactions": reactions,
        "current_medications": list(dict.fromkeys([*current, *rescue])),
        "rescue_medications": rescue,
        "other_medications": _other_medications(kb, patient.other_medications),
        "candidate_drugs": _resolve(kb, "candidate_drugs", patient.candidate_drugs,
                                    asm_only=True),
    })
    checked._rescue_named = products  # review L M2: the rescue spray beside daily diazepam
    return checked


def with_neonatal(kb: KnowledgeBase, age: float | None, seizure_types: list[str]
                  ) -> list[str]:
    """The seizure types with the neonatal one added in the neonatal period (manifest)."""
    period = kb.manifest.neonatal_period
    if age is None or age >= period.before_years or period.seizure_type in seizure_types:
        return seizure_types
    return [period.seizure_type, *seizure_types]


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
    for key, call in list(calls.items()):  # keys a typed result decides (HLA carrier status)
        for dkey, dvalue in call.derived:
            derived = _translate_derived(kb, done, dkey, dvalue)
            given = calls.get(dkey)
            if given is not None and given.value != derived.value:
                raise InputError(f"genotypes.{dkey}", patient.genotypes.get(dkey, given.value),
                                 f"contradicts the typed {key} result {call.display!r} "
                                 f"({derived.value})")
            calls.setdefault(dkey, derived)
    return calls


def _translate_derived(kb: KnowledgeBase, done: dict[str, tuple[str, Call]], key: str,
                       value: str) -> Call:
    marker = "derived:" + _as_key(value)
    seen = done.get(key)
    if seen is not None and seen[0] == marker:
        return seen[1]
    call = translate(kb, key, value)
    done.setdefault(key, (marker, call))
    return call


def read_patient_data(text: str | bytes, name: str = "patient") -> Any:
    """The values of a patient file's text (YAML, or JSON for a ``.json`` name or text
    that starts like JSON), read within :data:`PATIENT_LIMITS`."""
    try:
        decoded = decode(text, PATIENT_LIMITS)
        if not decoded.strip():
            raise InputError("file", name, "the file is empty")
        return load_document(decoded, PATIENT_LIMITS, text_keys=TEXT_KEYS,
                             json_only=name.lower().endswith(".json"))
    except StrictLoadError as exc:
        line = f" (line {exc.line})" if exc.line else ""
        if exc.where:
            raise InputError(exc.where, exc.value, exc.problem + line) from None
        shown = name if exc.value is None else exc.value
        raise InputError("file", shown, exc.problem + line + (
            "" if exc.value is None else f" in {name}")) from None


def parse_patient_text(kb: KnowledgeBase, text: str | bytes, name: str = "patient") -> Patient:
    """Parse YAML or JSON text and validate it."""
    return validate_patient(kb, read_patient_data(text, name))


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, refused unread when it holds more than ``limit``."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError("file", str(path), f"larger than {limit:,} bytes")
    return data


def load_patient(kb: KnowledgeBase, path: str | Path) -> Patient:
    """Read and validate a patient file."""
    p = Path(path)
    if not p.is_file():
        raise InputError("file", str(path), "file not found")
    return parse_patient_text(kb, read_bounded(p), name=str(path))
