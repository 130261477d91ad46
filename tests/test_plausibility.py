"""Checks across fields, from the one field specification: the patient loader and the
cohort's column checks refuse the same contradictions, each naming both fields; the
weight-for-age bounds come from the published WHO and CDC references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.cohort import screen_chunks
from advisor.errors import InputError
from advisor.inputs import growth
from advisor.inputs.cohort import check_table
from advisor.inputs.growth import weight_bounds
from advisor.inputs.patient import parse_patient_text, validate_patient

BASE = {"seizure_types": ["focal"]}


def _patient(kb, **fields):
    return validate_patient(kb, {**BASE, **fields})


def _refused(kb, fields, where, *needles):
    with pytest.raises(InputError) as err:
        _patient(kb, **fields)
    assert err.value.field == where, str(err.value)
    for needle in needles:
        assert needle in str(err.value)
    return str(err.value)


@pytest.mark.parametrize(("sex", "months", "p3", "p97"), [
    # wtage.csv (CDC 2000): the published 3rd and 97th percentiles of three rows each
    (1, 24.0, 10.38209025, 15.59648294),
    (1, 120.5, 24.19264433, 49.41515104),
    (2, 240.0, 45.04654822, 89.04485133),
])
def test_cdc_rows_reproduce_the_published_percentiles(sex, months, p3, p97):
    (l_, m, s), = [r[3:] for r in growth.ROWS if r[:3] == ("CDC", sex, months)]
    z97 = 1.880793608151251  # the standard normal quantile of 0.97
    assert growth._at(l_, m, s, -z97) == pytest.approx(p3, rel=1e-8)
    assert growth._at(l_, m, s, z97) == pytest.approx(p97, rel=1e-8)


def test_who_rows_are_the_published_daily_rows_at_each_month():
    who = [r for r in growth.ROWS if r[0] == "WHO"]
    assert len(who) == 2 * 24
    assert who[0] == ("WHO", 1, 0, 0.3487, 3.3464, 0.14602)  # weianthro.txt, day 0, boys
    assert [r[2] for r in who[:24]] == [round(30.4375 * m) for m in range(24)]


def test_bounds_follow_the_flag_definitions():
    # at 24 months (CDC), the upper bound is the median + 8 half-distances to +2 z
    (l_, m, s), = [r[3:] for r in growth.ROWS if r[:3] == ("CDC", 1, 24.0)]
    lo, hi = growth._row_bounds("CDC", np.array([l_]), np.array([m]), np.array([s]))
    assert hi[0] == pytest.approx(m + 4 * (growth._at(l_, m, s, 2) - m))
    assert lo[0] == pytest.approx(m - 2.5 * (m - growth._at(l_, m, s, -2)))
    # WHO: z = +5 is two 2-to-3-SD steps above +3 SD
    (l_, m, s), = [r[3:] for r in growth.ROWS if r[:3] == ("WHO", 2, 0)]
    _, hi = growth._row_bounds("WHO", np.array([l_]), np.array([m]), np.array([s]))
    sd2, sd3 = growth._at(l_, m, s, 2), growth._at(l_, m, s, 3)
    assert hi[0] == pytest.approx(sd3 + 2 * (sd3 - sd2))


def test_bound_windows_and_where_they_apply():
    ages = np.array([0.0, 1.0, 2.0, 2.5, 3.0, 10.0, 19.0, 20.0, 45.0, np.nan])
    lo, hi = weight_bounds(ages, np.array(["female"] * len(ages), dtype=object))
    assert np.isnan(lo[:4]).all() and not np.isnan(lo[4:7]).any()  # lower bound from 3 y
    assert not np.isnan(hi[:7]).any() and np.isnan(hi[7:]).all()  # no chart from 20 y
    assert (np.diff(hi[:3]) > 0).all() and (lo[4:7] < hi[4:7]).all()
    # a whole-number age is completed years: the bound covers the year after it
    lower, upper = weight_bounds(np.array([2.0, 2.9]), np.array(["male", "male"]))
    assert upper[0] >= upper[1] and np.isnan(lower).all()
    # sex not given: the wider of the two
    both = weight_bounds(np.array([10.0]), np.array([None], dtype=object))
    male = weight_bounds(np.array([10.0]), np.array(["male"], dtype=object))
    female = weight_bounds(np.array([10.0]), np.array(["female"], dtype=object))
    assert both[0][0] == min(male[0][0], female[0][0])
    assert both[1][0] == max(male[1][0], female[1][0])


def test_a_two_year_old_of_350_kg_is_refused_naming_both_fields(kb):
    text = _refused(kb, {"age_years": 2, "weight_kg": 350}, "weight_kg", "age_years 2",
                    "CDC Growth Charts", "350")
    assert "check weight_kg and age_years" in text


@pytest.mark.parametrize(("age", "weight", "sex"), [
    (0.1, 12, "male"), (1, 30, "female"), (5, 80, None), (12, 3, "male"), (15, 260, "female"),
])
def test_implausible_weights_for_age(kb, age, weight, sex):
    _refused(kb, {"age_years": age, "weight_kg": weight, "sex": sex}, "weight_kg",
             f"age_years {age:g}")


@pytest.mark.parametrize(("age", "weight"), [
    (0, 0.5),  # an extremely preterm newborn: no lower bound under 3 years
    (0, 3.4), (2, 12), (2.5, 14), (7, 23), (14, 50), (16, 150), (19, 30), (25, 300), (40, 35),
])
def test_plausible_weights_pass(kb, age, weight):
    patient = _patient(kb, age_years=age, weight_kg=weight)
    assert patient.weight_kg == weight


@pytest.mark.parametrize(("fields", "where", "needle"), [
    ({"age_years": 5, "clinical": {"age_at_onset_years": 6}}, "clinical.age_at_onset_years",
     "after the current age (age_years 5)"),
    ({"age_years": 5.5, "clinical": {"age_at_onset_years": 5.7}},
     "clinical.age_at_onset_years", "age_years 5.5"),
    ({"age_years": 3, "longest_pretreatment_interval_days": 2000},
     "longest_pretreatment_interval_days", "longer than the patient's life"),
    ({"age_years": 2, "medication_history": [
        {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True},
        {"drug": "valproate", "outcome": "inefficacy", "adequate": True,
         "duration_months": 40}]},
     "medication_history.1.duration_months", "longer than the patient's life (age_years 2)"),
    ({"age_years": 30, "medication_history": [
        {"drug": "valproate", "outcome": "seizure_free", "duration_months": 2,
         "seizure_free_months": 200}]},
     "medication_history.0.seizure_free_months", "longer than the trial (duration_months 2)"),
    ({"age_years": 1.5, "medication_history": [
        {"drug": "valproate", "outcome": "relapse", "seizure_free_months": 24}]},
     "medication_history.0.seizure_free_months", "longer than the patient's life"),
])
def test_contradictions_are_refused_naming_both_fields(kb, fields, where, needle):
    _refused(kb, fields, where, needle)


@pytest.mark.parametrize("fields", [
    {"age_years": 5, "clinical": {"age_at_onset_years": 5.9}},  # 5 = completed years
    {"age_years": 2, "medication_history": [
        {"drug": "valproate", "outcome": "inefficacy", "adequate": True,
         "duration_months": 35}]},
    {"age_years": 30, "medication_history": [
        {"drug": "valproate", "outcome": "seizure_free", "duration_months": 24,
         "seizure_free_months": 24}]},
    {"age_years": None, "weight_kg": 350},  # nothing to compare with
])
def test_consistent_values_pass(kb, fields):
    _patient(kb, **fields)


def test_booleans_and_yaml11_numbers_are_not_numbers(kb):
    for text, field, needle in [
        ("age_years: true", "age_years", "a boolean is not a number"),
        ("weight_kg: 1:20", "weight_kg", "not a plain decimal number"),
        ("clinical: {pretreatment_seizure_count: false}", "clinical.pretreatment_seizure_count",
         "a boolean is not a number"),
        ("medication_history: [{drug: valproate, outcome: inefficacy, duration_months: yes}]",
         "medication_history.0.duration_months", "not a plain decimal number"),
        ("age_years: '1_000'", "age_years", "not a plain decimal number"),
    ]:
        with pytest.raises(InputError) as err:
            parse_patient_text(kb, f"seizure_types: [focal]\n{text}\n")
        assert err.value.field == field and needle in str(err.value)
    patient = parse_patient_text(kb, "seizure_types: [focal]\nage_years: '34'\nid: 0123\n")
    assert patient.age_years == 34 and patient.id == "0123"


def test_cohort_rows_with_contradictions_go_to_the_errors_table(kb):
    table = pd.DataFrame({
        "sample_id": ["A", "B", "C", "D", "E"],
        "age_years": ["2", "30", "5", None, "12"],
        "weight_kg": ["350", "70", "18", "500", "40"],
        "sex": ["female", None, "male", None, "female"],
        "age_at_onset_years": ["1", "31", "2", "3", "4"],
        "longest_pretreatment_interval_days": [None, None, "5000", None, None],
        "seizure_types": ["focal"] * 5,
    }, dtype=object)
    errors = check_table(kb, table).error_table()
    by_row = {(r.sample_id, r.field): r.error for r in errors.itertuples()}
    assert "age_years 2" in by_row[("A", "weight_kg")]
    assert "after the current age (age_years 30)" in by_row[("B", "age_at_onset_years")]
    assert "longer than the patient's life" in by_row[("C",
                                                       "longest_pretreatment_interval_days")]
    assert "must be a number above 0.3" in by_row[("D", "weight_kg")]
    assert not any(sample == "E" for sample, _ in by_row)
    # in a screen the rows are left out of the results and counted as errors
    results, errs = [], []
    summary = screen_chunks(kb, [table], lambda r, e: (results.append(r), errs.append(e)))
    assert summary.input_samples == 5 and summary.error_rows == 4
    assert set(pd.concat(results)["sample_id"]) <= {"E"}


def test_patient_and_cohort_apply_the_same_rules(kb):
    """One rule set: every (age, weight, sex, onset) case gets the same verdict from the
    patient loader and from the cohort's column checks."""
    cases = [(a, w, s, o) for a in (1.0, 2.0, 6.0, 17.0, 30.0) for w in (4.0, 20.0, 90.0, 240.0)
             for s in ("female", None) for o in (0.5, 10.0)]
    table = pd.DataFrame({"sample_id": [str(i) for i in range(len(cases))],
                          "age_years": [str(a) for a, _, _, _ in cases],
                          "weight_kg": [str(w) for _, w, _, _ in cases],
                          "sex": [s for _, _, s, _ in cases],
                          "age_at_onset_years": [str(o) for _, _, _, o in cases]}, dtype=object)
    flagged = set(check_table(kb, table).error_table()["sample_id"])
    for i, (a, w, s, o) in enumerate(cases):
        try:
            _patient(kb, age_years=a, weight_kg=w, sex=s, clinical={"age_at_onset_years": o})
            refused = False
        except InputError:
            refused = True
        assert refused == (str(i) in flagged), cases[i]
    assert 0 < len(flagged) < len(cases)
