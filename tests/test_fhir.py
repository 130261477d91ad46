"""FHIR Genomics Reporting export (``consult --format fhir``) and import (``--fhir``):
every resource validates with fhir.resources, references resolve, and FHIR -> consult ->
FHIR keeps every genotype."""

from __future__ import annotations

import json

import pytest

from advisor import extras
from advisor.cli import main
from advisor.consult import consult
from advisor.errors import InputError
from advisor.inputs.fhir import genotypes_from_data
from advisor.inputs.patient import validate_patient
from advisor.report.fhir import bundle, to_fhir

GENOTYPES = {"CYP2C9": "*1/*3", "CYP2C19": "*2/*17", "rs1045642": "C/T",
             "HLA-B": "*15:02/*44:03", "HLA-A*31:01": "negative", "GABRB3": "gain_of_function",
             "POLG": {"variant": "p.(Xyz1Abc)", "effect": "heterozygous_pathogenic"}}


@pytest.fixture(scope="module")
def result(kb):
    patient = validate_patient(kb, {"id": "F-1", "seizure_types": ["focal"],
                                    "genotypes": GENOTYPES,
                                    "candidate_drugs": ["carbamazepine", "phenytoin"]})
    return consult(kb, patient)


def genotype_texts(data):
    out = set()
    for e in data["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "84413-4":
            gene = r["component"][0]["valueCodeableConcept"]["text"]
            out.add((gene, r["valueCodeableConcept"]["text"]))
    return out


def test_every_resource_validates_and_references_resolve(kb, result):
    from fhir.resources.R4B import get_fhir_model_class

    data = json.loads(to_fhir(kb, result))
    get_fhir_model_class("Bundle").model_validate(data)
    urls = {e["fullUrl"] for e in data["entry"]}
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds.count("DiagnosticReport") == 1 and "Task" in kinds
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "reference" in node:
                refs.append(node["reference"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for e in data["entry"]:
        get_fhir_model_class(e["resource"]["resourceType"]).model_validate(e["resource"])
        walk(e["resource"])
    assert refs and set(refs) <= urls


def test_genotype_observations_follow_the_ig(kb, result):
    data = bundle(kb, result)
    obs = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"
           and e["resource"]["code"]["coding"][0]["code"] == "84413-4"]
    cyp2c9 = next(o for o in obs if o["valueCodeableConcept"]["text"] == "*1/*3")
    gene = cyp2c9["component"][0]
    assert gene["code"]["coding"][0]["code"] == "48018-6"
    assert gene["valueCodeableConcept"]["coding"][0]["code"] == "HGNC:2623"
    assert ("HLA-B", "HLA-B*15:02/*44:03") in genotype_texts(data)
    snp = next(o for o in obs if o["valueCodeableConcept"]["text"] == "C/T")
    assert snp["component"][1]["valueCodeableConcept"]["coding"][0]["code"] == "rs1045642"
    impl = [e["resource"] for e in data["entry"] if "therapeutic-implication" in
            json.dumps(e["resource"].get("meta", {}))]
    carb = [i for i in impl if i["component"][0]["valueCodeableConcept"]["text"] ==
            "carbamazepine"]
    assert carb and carb[0]["component"][0]["valueCodeableConcept"]["coding"][0]["code"] == "2002"


def test_round_trip_keeps_every_genotype(kb, result, tmp_path):
    first = bundle(kb, result)
    back = genotypes_from_data(kb, first, "b.json")
    assert back == GENOTYPES
    again = consult(kb, validate_patient(kb, {"id": "F-1", "seizure_types": ["focal"]}),
                    fhir_genotypes=back)
    assert genotype_texts(bundle(kb, again)) == genotype_texts(first)
    path = tmp_path / "b.json"
    path.write_text(json.dumps(first))
    patient = tmp_path / "p.yaml"
    patient.write_text("id: F-2\nseizure_types: [focal]\n")
    out = tmp_path / "out.json"
    assert main(["consult", str(patient), "--fhir", str(path), "--format", "fhir",
                 "--out", str(out)]) == 0
    assert genotype_texts(json.loads(out.read_text())) == genotype_texts(first)


@pytest.mark.parametrize("data", [[], {"resourceType": "Patient"},
                                  {"resourceType": "Bundle", "type": "collection", "entry": "x"},
                                  {"resourceType": "Bundle", "type": "collection", "entry": [
                                      {"resource": {"resourceType": "Observation",
                                                    "status": "final",
                                                    "code": {"coding": [{"code": "84413-4"}]}}}]}])
def test_bad_bundles_are_one_line_input_errors(kb, data):
    with pytest.raises(InputError) as err:
        genotypes_from_data(kb, data, "x.json")
    assert "\n" not in str(err.value)


def test_missing_extra_fails_with_one_line_naming_it(kb, result, monkeypatch, tmp_path, capsys):
    real = extras.importlib.import_module

    def fake(name, *a):
        if name.startswith("fhir"):
            raise ImportError(name)
        return real(name, *a)

    monkeypatch.setattr(extras.importlib, "import_module", fake)
    with pytest.raises(extras.MissingExtra, match=r"\[fhir\]"):
        to_fhir(kb, result)
    patient = tmp_path / "p.yaml"
    patient.write_text("seizure_types: [focal]\n")
    assert main(["consult", str(patient), "--format", "fhir"]) == 2
    err = capsys.readouterr().err.strip()
    assert "[fhir]" in err and "\n" not in err


def test_unknown_resource_types_and_null_codings_are_not_crashes(kb, tmp_path, capsys):
    patient = tmp_path / "p.yaml"
    patient.write_text("seizure_types: [focal]\n")
    unknown = {"resourceType": "Bundle", "type": "collection",
               "entry": [{"resource": {"resourceType": "NoSuchThing"}}]}
    null_coding = {"resourceType": "Bundle", "type": "collection",
                   "entry": [{"resource": {"resourceType": "Observation", "status": "final",
                                           "code": {"coding": None}}}]}
    duplicate = tmp_path / "dup.json"
    duplicate.write_text('{"resourceType": "Bundle", "type": "collection", '
                         '"type": "batch"}')
    for name, data in (("unknown.json", unknown), ("null.json", null_coding)):
        (tmp_path / name).write_text(json.dumps(data))
    assert main(["consult", str(patient), "--fhir", str(tmp_path / "unknown.json")]) == 2
    assert "not a valid FHIR R4 Bundle" in capsys.readouterr().err
    assert genotypes_from_data(kb, null_coding, "null.json") == {}
    assert main(["consult", str(patient), "--fhir", str(duplicate)]) == 2
    assert "not a readable JSON bundle" in capsys.readouterr().err
