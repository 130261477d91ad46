"""Risk features: derivation rules, explicit unknowns and one-line errors naming the column."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.errors import InputError
from advisor.frame import failed_adequate_trials, frame_from_patients
from advisor.inputs.patient import validate_patient
from advisor.risk.features import UNKNOWN, feature_frame, features, input_columns


def _features(kb, history: bool = True, **data) -> dict:
    patient = validate_patient(kb, {"seizure_types": ["focal"], **data})
    frame = frame_from_patients(kb, [patient])
    return features(kb.effect_sizes, frame, history=history).iloc[0].to_dict()


def _table(kb, **cells) -> pd.DataFrame:
    row = dict.fromkeys(input_columns(kb.effect_sizes, history=True))
    row.update({"seizure_types": "focal", "failed_adequate_regimens": 0, **cells})
    return pd.DataFrame([row])


@pytest.mark.parametrize(("types", "expected"), [
    (["focal"], "no"),
    (["focal", "absence"], "yes"),
    (["focal", "unknown"], UNKNOWN),
    (["unknown"], UNKNOWN),
    (["focal", "status_epilepticus"], "no"),
])
def test_multiple_seizure_types(kb, types, expected):
    assert _features(kb, seizure_types=types)["multiple_seizure_types"] == expected


def test_status_epilepticus_from_seizure_types_only_when_history_unknown(kb):
    listed = ["focal", "status_epilepticus"]
    assert _features(kb, seizure_types=listed)["status_epilepticus"] == "yes"
    clinical = {"status_epilepticus_history": False}
    assert _features(kb, seizure_types=listed, clinical=clinical)["status_epilepticus"] == "no"
    assert _features(kb)["status_epilepticus"] == UNKNOWN


@pytest.mark.parametrize(("etiology", "expected"), [
    ("structural", "yes"), ("immune", "yes"), ("genetic", "no"), ("unknown", UNKNOWN),
    (None, UNKNOWN)])
def test_symptomatic_etiology(kb, etiology, expected):
    features = _features(kb, clinical={"etiology": etiology})
    assert features["symptomatic_etiology"] == expected


def test_missing_values_are_unknown_never_absent(kb):
    features = _features(kb)
    for column in ("febrile_seizures", "eeg_abnormal", "intellectual_disability",
                   "hippocampal_sclerosis", "abcb1_3435", "gaba_a_gof"):
        assert features[column] == UNKNOWN
    assert pd.isna(features["age_at_onset_years"])
    assert features["failed_regimens_if_unrecorded"] == "0"
    recorded = _features(kb, clinical={"eeg_abnormal": False})
    assert recorded["failed_regimens_if_unrecorded"] == "recorded"
    assert _features(kb, history=False)["clinical_unrecorded"] == "yes"


@pytest.mark.parametrize(("genotypes", "abcb1", "gaba"), [
    ({"rs1045642": "C/C"}, "C/C", UNKNOWN),
    ({"rs1045642": "T/C"}, "other", UNKNOWN),
    ({"GABRB3": "gain_of_function"}, UNKNOWN, "yes"),
    ({"GABRB3": "p.(Leu284Pro)"}, UNKNOWN, "yes"),
    ({"GABRG2": "p.(Arg43Gln)"}, UNKNOWN, "no"),
])
def test_genotype_classes(kb, genotypes, abcb1, gaba):
    features = _features(kb, genotypes=genotypes)
    assert (features["abcb1_3435"], features["gaba_a_gof"]) == (abcb1, gaba)


def test_failed_adequate_regimens_counts_distinct_adequate_inefficacy(kb):
    patient = validate_patient(kb, {"seizure_types": ["focal"], "medication_history": [
        {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True},
        {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True},
        {"drug": "lamotrigine", "outcome": "intolerance", "adequate": False},
        {"drug": "lacosamide", "outcome": "inefficacy", "adequate": False},
        {"drug": "valproate", "outcome": "inefficacy", "adequate": True}]})
    assert failed_adequate_trials(patient) == 2


def test_three_or_more_failures_share_a_level(kb):
    history = [{"drug": d, "outcome": "inefficacy", "adequate": True}
               for d in ("levetiracetam", "lamotrigine", "valproate", "lacosamide")]
    assert _features(kb, medication_history=history)["failed_regimens"] == "3+"


def test_table_cells_parse_like_patient_fields(kb):
    table = _table(kb, eeg_abnormal="Yes", febrile_seizures_history="0", rs1045642="CC",
                   GABRB3="none", age_at_onset_years="12.5", pretreatment_seizure_count="3")
    features = feature_frame(kb, table, history=True).iloc[0]
    assert (features["eeg_abnormal"], features["febrile_seizures"]) == ("yes", "no")
    assert (features["abcb1_3435"], features["gaba_a_gof"]) == ("C/C", "no")
    assert features["age_at_onset_years"] == 12.5


def test_missing_column_is_named(kb):
    with pytest.raises(InputError) as err:
        feature_frame(kb, _table(kb).drop(columns="eeg_abnormal"), history=True)
    assert err.value.field == "eeg_abnormal"
    assert "missing column" in str(err.value)


@pytest.mark.parametrize(("column", "value"), [
    ("eeg_abnormal", "maybe"),
    ("seizure_types", "focal;fits"),
    ("etiology", "toxic"),
    ("rs1045642", "C/G"),
    ("GABRB3", "sort_of"),
    ("age_at_onset_years", "-3"),
    ("pretreatment_seizure_count", "2.5"),
    ("failed_adequate_regimens", "two"),
])
def test_bad_cell_names_column_and_value(kb, column, value):
    with pytest.raises(InputError) as err:
        feature_frame(kb, _table(kb, **{column: value}), history=True)
    assert (err.value.field, err.value.value) == (column, value)
    assert "row 1" in err.value.message


def test_history_column_required_only_for_next_regimen_model(kb):
    table = _table(kb, failed_adequate_regimens=None)
    assert len(feature_frame(kb, table, history=False)) == 1
    with pytest.raises(InputError) as err:
        feature_frame(kb, table, history=True)
    assert err.value.field == "failed_adequate_regimens"
