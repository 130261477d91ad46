"""Fuzz every new input path like the patient parser: any input gives a result or an
InputError with one line, never a traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.errors import InputError
from advisor.genotype.arrays import call_array
from advisor.inputs.patient import validate_patient
from advisor.inputs.pharmcat import read_pharmcat

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
genes = st.sampled_from(["CYP2C19", "CYP2C9", "HLA-B", "HLA-A", "CYP2D6", "", "x"])
alleles = st.sampled_from(["*1", "*2", "*17", "*15:02", "*31:01", "*15", "B*44:03", "", "*99",
                           "Unknown", "*1/*2/*3", "≥3", "."])
cells = st.one_of(alleles, st.text(max_size=8), st.just("*1/*2"), st.just("*1/*4 OR *1/*17"))


def _check(call):
    try:
        call()
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_pharmcat_bytes(kb, raw):
    _check(lambda: read_pharmcat(kb, raw, "fuzz"))


@FUZZ
@given(st.lists(st.lists(st.one_of(genes, cells), min_size=1, max_size=5), max_size=6),
       st.booleans())
def test_pharmcat_tables(kb, rows, calls_only):
    head = ["PharmCAT v3", "Sample ID\tGene\tSource Diplotype\tPhenotype"] if calls_only else []
    text = "\n".join([*head, *("\t".join(r) for r in rows)])
    _check(lambda: read_pharmcat(kb, text.encode(), "fuzz.tsv"))


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6),
                                     alleles), lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["genes", "geneReports", "sourceDiplotypes", "label", "phenotypes", "geneSymbol",
         "matcherMetadata", "sampleId", "CYP2C19", "HLA-B"]), inner, max_size=4)), max_leaves=15)


@FUZZ
@given(json_values)
def test_pharmcat_json(kb, data):
    _check(lambda: read_pharmcat(kb, json.dumps(data).encode(), "fuzz.json"))


@FUZZ
@given(st.one_of(alleles, st.text(max_size=20), st.integers(), st.none(),
                 st.lists(alleles, max_size=3)), st.sampled_from(["HLA-B", "HLA-A"]))
def test_typed_hla(kb, value, gene):
    _check(lambda: validate_patient(kb, {"seizure_types": ["focal"], "genotypes": {gene: value}}))


lines = st.lists(st.one_of(
    st.text(max_size=30),
    st.tuples(st.sampled_from(["rs776746", "rs1045642", "rs4244285", "rs1", "x"]),
              st.sampled_from(["7", "10", "X"]), st.sampled_from(["99672916", "1", "x"]),
              st.sampled_from(["AA", "CT", "--", "II", "D", "A", "NN", "GG", ""]))
    .map("\t".join)), max_size=8)


@FUZZ
@given(st.sampled_from(["23andme", "ancestry"]), st.sampled_from(
    ["# 23andMe\n# reference human assembly build 37\n# rsid\tchromosome\tposition\tgenotype",
     "#AncestryDNA build 37\nrsid\tchromosome\tposition\tallele1\tallele2", "# build 38", ""]),
    lines, st.binary(max_size=40))
def test_consumer_files(kb, kind, header, body, tail):
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "raw.txt"
        f.write_bytes("\n".join([header, *body]).encode() + tail)
        _check(lambda: call_array(kb, f, kind))


@FUZZ
@given(json_values, st.sampled_from(["CYP2C9", "HGNC:2623", "HLA-B", "x"]),
       st.one_of(alleles, st.text(max_size=10)))
def test_fhir_bundles(kb, junk, gene, text):
    from advisor.inputs.fhir import genotypes_from_data

    data = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Observation", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "84413-4"}]},
                      "valueCodeableConcept": {"text": text},
                      "component": [{"code": {"coding": [{"code": "48018-6"}]},
                                     "valueCodeableConcept": {"coding": [{"code": gene}],
                                                              "text": gene}}]}},
        {"resource": junk}]}
    _check(lambda: genotypes_from_data(kb, data, "fuzz.json"))
