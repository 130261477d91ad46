"""Fuzz the patient parser: any input gives a Patient or an InputError, never a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.errors import InputError
from advisor.inputs.patient import parse_patient_text, validate_patient

FIELDS = ["id", "age_years", "weight_kg", "sex", "seizure_types", "syndrome", "genotypes",
          "clinical", "medication_history", "current_medications", "candidate_drugs",
          "longest_pretreatment_interval_days", "vcf", "sample", "bogus"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True), st.text(max_size=12),
                    st.sampled_from(["focal", "absence", "*1/*3", "positive", "valproate",
                                     "C/T", "gain_of_function", "inefficacy"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["drug", "outcome", "CYP2C9", "HLA-B*15:02", "variant", "effect", "adequate", "x"]),
        inner, max_size=4)), max_leaves=12)
patients = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8)


def _check(call):
    try:
        call()
    except InputError as exc:
        assert str(exc)
        assert "\n" not in str(exc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patients)
def test_structured_patients_never_crash(kb, data):
    _check(lambda: validate_patient(kb, data))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_arbitrary_bytes_never_crash(kb, raw):
    _check(lambda: parse_patient_text(kb, raw))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patients)
def test_json_text_never_crashes(kb, data):
    _check(lambda: parse_patient_text(kb, json.dumps(data, default=str)))
