"""VCFs in the consult (patient ``vcf:``), the cohort screen and the app."""

from __future__ import annotations

import json

import pandas as pd
import yaml
from streamlit.testing.v1 import AppTest

from advisor.cli import main
from advisor.cohort import screen
from tests.conftest import ROOT
from tests.vcf_builder import VcfBuilder


def _cohort_vcf(kb, path):
    b = VcfBuilder(kb, samples=("A", "B", "C")).reference("CYP2C9", "CYP2C19", "CYP3A5")
    b.diplotype("CYP2C9", "*1", "*3", sample="A").diplotype("CYP2C9", "*3", "*3", sample="B")
    b.diplotype("CYP2C19", "*2", "*2", sample="B").diplotype("CYP3A5", "*3", "*3", sample="C")
    b.genotype("ABCB1", "rs1045642", "A", "G", sample="C")  # plus strand: coding 3435C/T
    return b.write(path, compress=True, index=True)


def test_patient_vcf_calls_used_and_explicit_genotypes_override(kb, tmp_path, capsys):
    vcf = VcfBuilder(kb).reference("CYP2C9", "CYP2C19").diplotype("CYP2C9", "*3", "*3")
    vcf.diplotype("CYP2C19", "*1", "*2").write(tmp_path / "p.vcf")
    patient = {"id": "V1", "age_years": 40, "weight_kg": 70, "seizure_types": ["focal"],
               "vcf": "p.vcf", "genotypes": {"CYP2C19": "*1/*1"},
               "candidate_drugs": ["phenytoin"]}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(patient))
    assert main(["consult", str(tmp_path / "p.yaml"), "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["phenotypes"]["CYP2C9"]["diplotype_or_genotype"] == "*3/*3"
    assert res["phenotypes"]["CYP2C9"]["source"] == "vcf"
    assert res["phenotypes"]["CYP2C19"] == {**res["phenotypes"]["CYP2C19"],
                                           "diplotype_or_genotype": "*1/*1",
                                           "source": "genotypes"}
    assert res["vcf_calls"]["CYP2C19"]["overridden"] is True
    dose = next(d for d in res["doses"] if d["drug"] == "phenytoin")
    assert dose["adjustment_percent"] == -50


def test_patient_vcf_unknown_sample_exits_2(kb, tmp_path, capsys):
    VcfBuilder(kb, samples=("A", "B")).reference("CYP2C9").write(tmp_path / "p.vcf")
    (tmp_path / "p.yaml").write_text("seizure_types: [focal]\nvcf: p.vcf\nsample: Z\n")
    assert main(["consult", str(tmp_path / "p.yaml")]) == 2
    assert "Z" in capsys.readouterr().err


def test_vcf_cohort_screen_gives_the_same_calls_as_advisor_call(kb, tmp_path, capsys):
    vcf = _cohort_vcf(kb, tmp_path / "cohort.vcf.gz")
    assert main(["call", str(vcf), "--format", "json"]) == 0
    calls = json.loads(capsys.readouterr().out)["calls"]
    expected = {(c["sample"], c["gene"]): c["diplotypes"][0] for c in calls
                if c["status"] == "called" and len(c["diplotypes"]) == 1}
    summary = screen(kb, vcf, tmp_path / "r.csv", tmp_path / "e.csv")
    assert (summary.input_samples, summary.processed) == (3, 3)
    results = pd.read_csv(tmp_path / "r.csv", dtype=str)
    pheno = results[results["record"] == "phenotypes"].set_index("sample_id")
    got = {(s, col.removesuffix(".genotype")): v for s, row in pheno.iterrows()
           for col, v in row.items() if col.endswith(".genotype") and isinstance(v, str)}
    genes = {k: kb.input_keys[k] for _, k in got}
    assert {(s, genes[k]): v for (s, k), v in got.items()} == expected
    assert got[("B", "CYP2C9")] == "*3/*3" and got[("C", "rs1045642")] == "C/T"


def test_vcf_cohort_through_the_dask_engine_equals_the_pandas_engine(kb, tmp_path):
    from advisor.cohort_dask import screen_dask

    vcf = _cohort_vcf(kb, tmp_path / "cohort.vcf.gz")
    screen(kb, vcf, tmp_path / "p.csv", tmp_path / "pe.csv")
    summary = screen_dask(kb, vcf, tmp_path / "d.csv", tmp_path / "de.csv", workers=1)
    assert (summary.input_samples, summary.processed) == (3, 3)
    for name in ("p.csv", "pe.csv"):
        assert (tmp_path / name).read_bytes() == (tmp_path / name.replace("p", "d")).read_bytes()


def test_app_consult_with_vcf_upload(kb, tmp_path):
    vcf = VcfBuilder(kb).reference("CYP2C9").diplotype("CYP2C9", "*1", "*3").write(
        tmp_path / "one.vcf")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.file_uploader(key="vcf_upload").set_value(("one.vcf", vcf.read_bytes(),
                                                  "text/plain")).run()
    at.multiselect(key="f_seizure_types").set_value(["focal"])
    at.button(key="run_form").click().run()
    assert not at.exception and not at.error
    frames = [df.value for df in at.dataframe]
    genotypes = next(f for f in frames if "key" in f.columns and "source" in f.columns)
    row = genotypes.set_index("key").loc["CYP2C9"]
    assert (row["genotype"], row["source"]) == ("*1/*3", "vcf")


def test_app_vcf_upload_without_gt_shows_the_error_box(kb, tmp_path):
    vcf = (ROOT / "tests" / "hostile" / "vcf" / "no-gt.vcf").read_bytes()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.file_uploader(key="vcf_upload").set_value(("no-gt.vcf", vcf, "text/plain")).run()
    at.multiselect(key="f_seizure_types").set_value(["focal"])
    at.button(key="run_form").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "no GT (genotype) field in the record at chr10:" in errors[0]
