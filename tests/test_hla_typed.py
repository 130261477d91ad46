"""Typed HLA results: a two-field diplotype under the gene symbol decides the carrier status
of each knowledge-base allele; a one-field result that could be one is bad input (exit 2)."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.cli import main
from advisor.errors import InputError
from advisor.genotype import translate, translate_table
from advisor.inputs.patient import genotype_calls, validate_patient


def carriers(kb, value: str, gene: str = "HLA-B") -> dict[str, str]:
    patient = validate_patient(kb, {"seizure_types": ["focal"], "genotypes": {gene: value}})
    return {k: c.value for k, c in genotype_calls(kb, patient).items() if k != gene}


def test_issue_examples(kb):
    assert carriers(kb, "*15:02/*44:03")["HLA-B*15:02"] == "positive"
    assert carriers(kb, "*15:01/*44:03")["HLA-B*15:02"] == "negative"
    assert set(carriers(kb, "*15:01/*44:03").values()) == {"negative"}
    with pytest.raises(InputError) as err:
        carriers(kb, "*15")
    assert err.value.field == "genotypes.HLA-B" and "one-field" in str(err.value)


def test_spellings_and_more_fields(kb):
    assert carriers(kb, "B*15:02:01/HLA-B*44:03:01:02")["HLA-B*15:02"] == "positive"
    assert carriers(kb, "*31:01/*02:01", "HLA-A") == {"HLA-A*31:01": "positive"}
    # a one-field group no knowledge-base allele belongs to decides nothing wrongly
    assert carriers(kb, "*44/*07:02")["HLA-B*15:02"] == "negative"
    # one allele alone: only what it carries is known
    assert carriers(kb, "*15:02") == {"HLA-B*15:02": "positive"}
    assert carriers(kb, "*44:03") == {}
    for bad in ("A*15:02/*44:03", "*15:02/*44:03/*07:02", "15-02", "", 3):
        with pytest.raises(InputError):
            carriers(kb, bad)


def test_typed_and_explicit_must_agree(kb):
    ok = validate_patient(kb, {"seizure_types": ["focal"], "genotypes": {
        "HLA-B": "*15:02/*44:03", "HLA-B*15:02": "pos"}})
    assert genotype_calls(kb, ok)["HLA-B*15:02"].value == "positive"
    with pytest.raises(InputError, match="contradicts the typed HLA-B"):
        validate_patient(kb, {"seizure_types": ["focal"], "genotypes": {
            "HLA-B": "*15:02/*44:03", "HLA-B*15:02": "negative"}})


def test_cohort_column_derives_allele_columns(kb):
    table = pd.DataFrame({"HLA-B": ["*15:02/*44:03", "*15:01/*07:02", "*15", None, "*15:02/*08:01"],
                          "HLA-B*15:02": [None, None, None, "positive", "negative"]})
    calls, errors, _ = translate_table(kb, table)
    # the clash (row 4) is an error: the row is left out of cohort results
    assert list(calls["HLA-B*15:02.value"])[:4] == ["positive", "negative", None, "positive"]
    assert list(errors["row"]) == [2, 4]
    assert "one-field" in errors["error"].iloc[0] and "contradicts" in errors["error"].iloc[1]


def test_cohort_clashes_are_judged_per_row_when_values_repeat(kb):
    """Each row's given carrier status is checked against its own typed result, also when
    the same pairs of values repeat down the column."""
    typed = ["*15:02/*44:03", "*15:02/*44:03", "*15:02/*44:03", "*44:03/*07:02",
             "*44:03/*07:02", "*44:03/*07:02", "*15:02/*44:03", "*44:03/*07:02"]
    given = ["negative", "pos", "negative", "negative", "positive", "neg", "bogus", None]
    calls, errors, _ = translate_table(kb, pd.DataFrame({"HLA-B": typed, "HLA-B*15:02": given}))
    clashes = errors[errors["error"].str.contains("contradicts")]
    assert list(clashes["row"]) == [0, 2, 4]
    assert list(clashes["value"]) == ["negative", "negative", "positive"]
    assert list(errors.loc[~errors["error"].str.contains("contradicts"), "row"]) == [6]
    # the given value stands (its row is in error); a missing one is filled from the typing
    assert list(calls["HLA-B*15:02.value"]) == ["negative", "positive", "negative", "negative",
                                                "positive", "negative", None, "negative"]


def test_cli_exit_2_names_the_field(tmp_path, capsys):
    p = tmp_path / "p.yaml"
    p.write_text('seizure_types: [focal]\ngenotypes:\n  HLA-B: "*15"\n')
    assert main(["consult", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: genotypes.HLA-B: one-field") and "\n" not in err


def test_typed_call_is_shown_and_flags_fire(kb):
    from advisor.consult import consult

    patient = validate_patient(kb, {"seizure_types": ["focal"], "genotypes": {
        "HLA-B": "*15:02/*44:03"}, "candidate_drugs": ["carbamazepine"]})
    res = consult(kb, patient)
    assert res.phenotypes["HLA-B"].diplotype_or_genotype == "*15:02/*44:03"
    assert res.phenotypes["HLA-B*15:02"].derived_from == "HLA-B"
    assert any(f.drug == "carbamazepine" and f.action == "avoid" for f in res.flags)
    assert translate(kb, "HLA-B", "*15:02/*44:03").derived[0] == ("HLA-B*15:02", "positive")
