"""Numbers as people read them (advisor.numbers): whole doses without decimals, a range only
when its ends differ, one week in the singular, and no probability shown as 0%."""

from __future__ import annotations

import pytest

from advisor.numbers import (
    age,
    change_words,
    daily_mg,
    higher_lower,
    number,
    percent,
    percent_interval,
    plural,
    signed_percent,
    span,
    syndrome_phrase,
    weeks,
)
from advisor.report.formatting import value_text


@pytest.mark.parametrize(("value", "text"), [(100.0, "100"), (12.5, "12.5"), (0.25, "0.25"),
                                              (3.15, "3.15"), (1050.0, "1050"), (6.3, "6.3")])
def test_number_has_no_needless_decimals(value, text):
    assert number(value) == text


def test_range_only_when_the_ends_differ():
    assert span(1050.0, 1050.0, "mg/day") == "1050 mg/day"
    assert span(900, 3600, "mg/day") == "900–3600 mg/day"
    assert daily_mg([100.0, 200.0]) == "100–200 mg/day"
    assert daily_mg(None) == "—"


@pytest.mark.parametrize(("values", "text"), [([1, 1], "1 week"), ([2, 2], "2 weeks"),
                                               ([2, 4], "2–4 weeks"), ([1.5], "1.5 weeks")])
def test_weeks_in_the_singular_for_one(values, text):
    assert weeks(values) == text


def test_counts_and_ages():
    assert plural(1, "failed adequate trial") == "1 failed adequate trial"
    assert plural(0, "failed adequate trial") == "0 failed adequate trials"
    assert age(29.0) == "29 years" and age(1.0) == "12 months" and age(34.5) == "34.5 years"


@pytest.mark.parametrize(("p", "text"), [(0.0, "< 1%"), (0.004, "< 1%"), (0.022, "2.2%"),
                                          (0.05, "5%"), (0.458, "46%"), (1.0, "100%")])
def test_percent_never_zero(p, text):
    assert percent(p) == text


def test_intervals_and_signed_changes():
    assert percent_interval(0.351, 0.608) == "35–61%"
    assert percent_interval(0.0075, 0.036) == "< 1% to 3.6%"
    assert signed_percent(-50.0) == "−50%" and signed_percent(25) == "+25%"
    assert signed_percent(0.0) == "0%"


def test_dose_changes_in_words_never_read_as_a_share_of_the_dose():
    # "-76.7% of the standard dose" reads as a share; a change says which way it goes
    assert change_words(-76.66) == "76.7% lower than the standard dose"
    assert change_words(25) == "25% higher than the standard dose"
    assert change_words(0.01) == "the standard dose"
    assert higher_lower(-50) == "50% lower"
    assert higher_lower(0) == "unchanged"


def test_model_input_values_read_as_people_write_them():
    assert [value_text(v) for v in (19.0, 2, 0.5, True, "not_known", "yes")] == [
        "19", "2", "0.5", "yes", "not known", "yes"]


def test_an_age_is_told_in_completed_units():
    """Just under a label's age limit reads under it (review O M3: 1.97 years read '24
    months' beside 'labelled from 2 years'); stored fractions stay whole."""
    assert [age(y) for y in (1.97, 1.999, 11.97, 16.99)] == [
        "23 months", "23 months", "11.9 years", "16.9 years"]
    assert [age(y) for y in (7 / 12, 0.5833, 0.0833, 0.25, 2.0, 12.0)] == [
        "7 months", "7 months", "1 month", "3 months", "2 years", "12 years"]


def test_a_newborns_age_is_in_days():
    assert [age(d / 365.25) for d in (1, 7, 27)] == ["1 day", "7 days", "27 days"]
    assert age(0.09) == "1 month"


def test_seizure_names_that_say_what_they_are_get_no_second_seizures():
    from advisor.report.formatting import seizure_words

    assert seizure_words(["focal", "absence"]) == "focal, absence seizures"
    assert seizure_words(["neonatal_seizures"]) == "neonatal seizures"
    assert seizure_words(["epileptic_spasms", "tonic"]) == "tonic seizures; epileptic spasms"


def test_band_words_say_inclusive_limits_and_mixed_months_and_years():
    """A label's '28 kg or less' (written before: 28.01) reads as written, never 'under
    28.01 kg'; an age band from 1 month to 17 years reads in months and years, never
    '1 to under 204 months'; one month is never '30 days'."""
    from advisor.dosing import age_text
    from advisor.numbers import age
    from advisor.schema.dosing import Band

    def text(lo, hi):
        return Band.model_validate({"from": lo, "before": hi}).text("kg")

    assert text(None, 28.01) == "28 kg or less"
    assert text(28.01, None) == "more than 28 kg"
    assert text(2, 28.01) == "2 to 28 kg"
    assert text(28.01, 50) == "more than 28 kg and under 50 kg"
    assert text(2, 13) == "2 to under 13 kg"
    assert age_text(Band.model_validate({"from": 0.0833, "before": 17})) == \
        "1 month to under 17 years"
    assert age_text(Band.model_validate({"from": 0.0833, "before": 0.5})) == \
        "1 to under 6 months"
    # from one year: in years ('1 to under 5 years', not '12 months to under 5 years')
    assert age_text(Band.model_validate({"from": 1, "before": 5})) == "1 to under 5 years"
    assert age_text(Band.model_validate({"from": 0.5, "before": 1})) == "6 to under 12 months"
    assert age(0.0833) == "1 month"


def test_seizure_names_share_one_seizures():
    from advisor.report.formatting import seizure_words

    assert seizure_words(["generalized tonic-clonic seizures", "absence seizures",
                          "seizure type not known"]) == (
        "generalized tonic-clonic, absence seizures; seizure type not known")


def test_every_syndrome_name_reads_inside_a_sentence(kb):
    """Mid-sentence, a syndrome's name is in lower case unless it is an eponym or led by an
    acronym (review Y C4: 'first-line for Juvenile myoclonic epilepsy')."""
    said = {key: syndrome_phrase(name) for key, name in kb.vocabulary.syndromes.items()}
    assert said["juvenile_myoclonic"] == "juvenile myoclonic epilepsy"
    assert said["generalized_tonic_clonic_alone"].startswith("epilepsy with generalized")
    assert said["tuberous_sclerosis_complex"].startswith("seizures associated")
    for key in ("dravet", "lennox_gastaut", "west", "cdkl5_deficiency", "alpers_huttenlocher"):
        assert said[key] == kb.vocabulary.syndromes[key], key


def test_a_band_for_many_indications_names_the_patients_in_words(kb):
    """Valproate's child band names 15 indications: the row names the patient's, in lower
    case, without a count of the band's indications (review Y C4)."""
    from advisor.consult import consult
    from advisor.inputs.patient import validate_patient

    res = consult(kb, validate_patient(kb, {
        "age_years": 16, "weight_kg": 57, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["myoclonic", "generalized_tonic_clonic"],
        "syndrome": "juvenile_myoclonic", "current_medications": ["valproate"]}))
    basis = " ".join(next(d for d in res.doses if d.drug == "valproate").basis)
    assert "for this patient's juvenile myoclonic epilepsy, generalized tonic-clonic " \
        "seizures and myoclonic seizures, among others" in basis
    assert "of the band's" not in basis
