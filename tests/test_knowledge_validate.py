"""`advisor kb validate` on the shipped knowledge base and on broken copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from advisor.cli import main
from advisor.knowledge import KnowledgeBaseInvalid, load_knowledgebase, validate_knowledgebase
from tests.conftest import KB_DIR


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "kb"
    shutil.copytree(KB_DIR, dest)
    return dest


def test_shipped_kb_is_valid(capsys):
    assert validate_knowledgebase(KB_DIR) == []
    assert main(["kb", "validate", str(KB_DIR)]) == 0
    out = capsys.readouterr().out
    assert "is valid" in out and "sha256" in out


def test_kb_has_version_and_content_hash(kb):
    assert kb.version
    assert len(kb.sha256) == 64
    assert load_knowledgebase(KB_DIR).sha256 == kb.sha256  # deterministic


def test_content_hash_changes_with_content(kb, kb_copy):
    path = kb_copy / "manifest.yaml"
    path.write_text(path.read_text() + "\n# reviewer note\n")
    assert load_knowledgebase(kb_copy).sha256 != kb.sha256


def _first_rule_file(kb_dir: Path) -> Path:
    return sorted((kb_dir / "rules").glob("*.yaml"))[0]


def test_rule_naming_undefined_drug_fails(kb_copy, capsys):
    path = _first_rule_file(kb_copy)
    data = yaml.safe_load(path.read_text())
    data["rules"][0]["drugs"] = {"names": ["notadrug"]}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["kb", "validate", str(kb_copy)]) == 1
    out = capsys.readouterr().out
    assert f"rules/{path.name}:" in out
    assert "unknown drug 'notadrug'" in out


def test_yaml_syntax_error_reported_with_file_and_line(kb_copy, capsys):
    path = kb_copy / "drugs" / "lamotrigine.yaml"
    lines = path.read_text().splitlines()
    lines.insert(3, "synonyms: [unclosed, list")
    path.write_text("\n".join(lines) + "\n")
    assert main(["kb", "validate", str(kb_copy)]) == 1
    out = capsys.readouterr().out
    assert "drugs/lamotrigine.yaml:" in out
    assert "YAML syntax error: line" in out
    assert "Traceback" not in out


def test_missing_source_and_unknown_key_reported(kb_copy):
    path = kb_copy / "drugs" / "valproate.yaml"
    data = yaml.safe_load(path.read_text())
    data["spectrum"]["evidence"]["sources"] = ["PMID-0000000"]
    data["colour"] = "blue"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert any(p.startswith("drugs/valproate.yaml: colour:") for p in problems)
    data.pop("colour")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert "drugs/valproate.yaml: spectrum.evidence.sources.0: unknown source 'PMID-0000000' " \
           "(not in sources.yaml)" in problems


def test_entry_without_evidence_is_rejected(kb_copy):
    path = kb_copy / "interactions.yaml"
    data = yaml.safe_load(path.read_text())
    del data["interactions"][0]["evidence"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert "interactions.yaml: interactions.0.evidence: Field required" in problems


def test_duplicate_yaml_key_is_an_error(kb_copy):
    path = kb_copy / "manifest.yaml"
    path.write_text(path.read_text() + "version: 9.9.9\n")
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert any("manifest.yaml" in p and "duplicate key 'version'" in p for p in problems)


def test_load_raises_with_every_problem(kb_copy):
    (kb_copy / "sources.yaml").write_text("sources: {}\n")
    with pytest.raises(KnowledgeBaseInvalid) as exc:
        load_knowledgebase(kb_copy)
    assert len(exc.value.problems) > 10
    assert all("unknown source" in p.message for p in exc.value.problems)


def test_allele_with_unknown_variant_is_reported(kb_copy):
    path = kb_copy / "genes" / "CYP2C9.yaml"
    data = yaml.safe_load(path.read_text())
    data["alleles"][3]["defining"] = {"rs000": "A"}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert "genes/CYP2C9.yaml: alleles.3.defining: unknown variant 'rs000'" in problems



def test_contested_diplotype_with_unknown_allele_is_reported(kb_copy):
    path = kb_copy / "genes" / "CYP2C9.yaml"
    data = yaml.safe_load(path.read_text())
    data["contested_diplotypes"][0]["diplotype"] = "*2/*999"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert ("genes/CYP2C9.yaml: contested_diplotypes.0.diplotype: contested_diplotypes.0: "
            "unknown allele '*999' in '*2/*999'") in problems


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _problems(kb_dir: Path) -> list[str]:
    return [str(p) for p in validate_knowledgebase(kb_dir)]


def test_dose_range_without_age_band_is_rejected(kb_copy):
    _edit(kb_copy / "drugs" / "levetiracetam.yaml",
          lambda d: d["dosing"]["maintenance"][0].pop("age_years"))
    assert any(p.startswith("drugs/levetiracetam.yaml: dosing.maintenance.0.age_years: Field "
                            "required") for p in _problems(kb_copy))


def test_weight_based_range_without_indication_is_rejected(kb_copy):
    def change(d):
        band = next(b for b in d["dosing"]["maintenance"] if "daily_mg_per_kg" in b)
        band["indication"] = "all"
    _edit(kb_copy / "drugs" / "levetiracetam.yaml", change)
    assert any("drugs/levetiracetam.yaml: dosing.maintenance" in p
               and "names its indication" in p for p in _problems(kb_copy))


def test_interaction_dose_range_override_is_rejected(kb_copy):
    _edit(kb_copy / "interactions.yaml",
          lambda d: d["interactions"][0].update(dose={"range_daily_mg": [100, 200]}))
    assert any(p.startswith("interactions.yaml: interactions.0.dose") and "age-banded" in p
               for p in _problems(kb_copy))


def test_avoid_rule_without_a_source_is_rejected(kb_copy):
    path = kb_copy / "rules" / "hypersensitivity.yaml"
    def change(d):
        rule = next(r for r in d["rules"] if r["then"]["action"] == "avoid")
        rule["evidence"]["sources"] = []
    _edit(path, change)
    assert any(p.startswith("rules/hypersensitivity.yaml: rules.") and "evidence.sources" in p
               for p in _problems(kb_copy))


def test_dose_changing_interaction_must_say_by_how_much(kb_copy):
    def change(d):
        inter = next(i for i in d["interactions"]
                     if i["id"] == "enzyme-inducers-lower-lamotrigine")
        inter["perpetrators"].append("rufinamide")  # lamotrigine has no band with it
    _edit(kb_copy / "interactions.yaml", change)
    assert any("action increase_dose without a dose block, and lamotrigine has no dose band "
               "for use with rufinamide" in p for p in _problems(kb_copy))


def test_new_condition_terms_are_checked(kb_copy):
    def change(d):
        d["rules"][0]["when"].append({"taking_any": ["notadrug"]})
        d["rules"][0]["when"].append({"any_of": [{"syndromes_any": ["dravet"]},
                                                 {"conditions_any": ["nocondition"]}]})
    _edit(_first_rule_file(kb_copy), change)
    problems = _problems(kb_copy)
    assert any("taking_any.0: unknown drug 'notadrug'" in p for p in problems)
    assert any("any_of.1.conditions_any.0: unknown condition 'nocondition'" in p
               for p in problems)
@pytest.mark.parametrize(("file", "old", "new", "needle"), [
    ("drugs/pregabalin.yaml", "that {drug} may exacerbate absence",
     "that {drugg} may exacerbate absence", "placeholder {drugg} is never filled"),
    ("drugs/pregabalin.yaml", "that {drug} may exacerbate absence",
     "that {phenotype} may exacerbate absence", "placeholder {phenotype} is never filled"),
    ("interactions.yaml", "Enzyme-inducing ASMs increase the metabolism",
     "Enzyme-inducing ASMs ({drug}) increase the metabolism",
     "a brace in a text the engine shows as written"),
])
def test_unfilled_message_placeholder_is_reported(kb_copy, capsys, file, old, new, needle):
    path = kb_copy / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    assert main(["kb", "validate", str(kb_copy)]) == 1
    out = capsys.readouterr().out
    assert needle in out and file.rpartition("/")[2] in out


def test_rule_message_with_unknown_placeholder_is_reported(kb_copy, capsys):
    path = _first_rule_file(kb_copy)
    data = yaml.safe_load(path.read_text())
    data["rules"][0]["then"]["message"] += " ({allele})"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["kb", "validate", str(kb_copy)]) == 1
    out = capsys.readouterr().out
    assert "then.message: placeholder {allele} is never filled" in out
    assert "{activity_score}, {drug}, {gene}, {phenotype}, {value}" in out


def test_an_age_for_a_drug_the_entry_does_not_name_is_reported(kb_copy, capsys):
    path = kb_copy / "guideline_positions.yaml"
    text = path.read_text()
    old = "from_age_years: {cannabidiol: 2, fenfluramine: 2}"
    assert old in text
    path.write_text(text.replace(old, "from_age_years: {cannabidiol: 2, phenytoin: 2}", 1))
    assert main(["kb", "validate", str(kb_copy)]) == 1
    assert "from_age_years: 'phenytoin' is not named in this entry" in capsys.readouterr().out


@pytest.mark.parametrize(("old", "new"), [
    ("drugs: [carbamazepine, gabapentin, oxcarbazepine,",
     "drugs: [carbamazepin, gabapentin, oxcarbazepine,"),
    ("not_in_childbearing_potential: [valproate]  # NG217: only if other options fail\n"
     "    first_line: [valproate, lamotrigine, levetiracetam]",
     "not_in_childbearing_potential: [valproat]  # NG217: only if other options fail\n"
     "    first_line: [valproate, lamotrigine, levetiracetam]"),
])
def test_an_unknown_drug_in_a_guideline_entrys_lists_is_reported(kb_copy, capsys, old, new):
    """Every drug list of a guideline entry names known drugs (may_exacerbate and
    not_in_childbearing_potential were not checked before)."""
    path = kb_copy / "guideline_positions.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    assert main(["kb", "validate", str(kb_copy)]) == 1
    assert "unknown drug" in capsys.readouterr().out


def test_an_appraisal_with_an_unknown_source_or_drug_is_reported(kb_copy, capsys):
    """guideline_positions.yaml ``appraised``: drug -> a technology appraisal's source id."""
    path = kb_copy / "guideline_positions.yaml"
    text = path.read_text()
    old = "appraised: {fenfluramine: NICE-2022-TA808}"
    assert old in text
    path.write_text(text.replace(old, "appraised: {fenfluramine: NICE-2099-TA1, fenflur: "
                                      "NICE-2022-TA808}", 1))
    assert main(["kb", "validate", str(kb_copy)]) == 1
    out = capsys.readouterr().out
    assert "appraised.fenfluramine: unknown source 'NICE-2099-TA1'" in out
    assert "fenflur" in out and "unknown drug" in out


def test_unbound_levels_without_a_total_target_is_reported(kb_copy, capsys):
    """A statement that hides the total-level target needs a drug that has one."""
    path = kb_copy / "drugs" / "levetiracetam.yaml"
    data = yaml.safe_load(path.read_text())
    assert data["dosing"].get("therapeutic_range_mg_per_l") is None
    data["dosing"]["renal"][0]["unbound_levels"] = True
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["kb", "validate", str(kb_copy)]) == 1
    out = capsys.readouterr().out
    assert "drugs/levetiracetam.yaml: dosing.renal.0.unbound_levels" in out
    assert "no therapeutic_range_mg_per_l" in out


def test_a_drug_converted_to_an_unknown_drug_is_reported(kb_copy, capsys):
    path = kb_copy / "drugs" / "primidone.yaml"
    path.write_text(path.read_text().replace("  drugs: [phenobarbital]",
                                             "  drugs: [phenobarbitone]"))
    assert main(["kb", "validate", str(kb_copy)]) == 1
    out = capsys.readouterr().out
    assert "converted_to.drugs.0" in out and "unknown drug 'phenobarbitone'" in out


def test_a_pathway_note_for_an_unknown_stage_is_reported(kb_copy, capsys):
    """A status-epilepticus note shown as a step of a stage names a stage of the pathway."""
    path = kb_copy / "status_epilepticus.yaml"
    path.write_text(path.read_text().replace("    stage: stabilization",
                                             "    stage: stabilisation"))
    assert main(["kb", "validate", str(kb_copy)]) == 1
    out = capsys.readouterr().out
    assert "status_epilepticus.yaml" in out and "unknown stage 'stabilisation'" in out


def test_a_dose_change_flagged_on_the_perpetrator_is_rejected(kb_copy):
    path = kb_copy / "interactions.yaml"
    data = yaml.safe_load(path.read_text())
    entry = next(i for i in data["interactions"] if i["id"] == "inducers-with-bictegravir")
    assert entry["flag_on"] == "perpetrator"
    entry["action"] = "increase_dose"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert any("flag_on: perpetrator is for interactions that change no dose" in p
               for p in problems), problems


def test_a_rescue_product_that_is_also_a_brand_is_a_problem(kb_copy):
    path = kb_copy / "drugs" / "diazepam.yaml"
    data = yaml.safe_load(path.read_text())
    data["brand_names"].append("Valtoco")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert any("rescue_products.names.2" in p and "'Valtoco' is also a name or brand" in p
               for p in problems), problems


def test_an_interaction_id_in_report_text_is_a_problem(kb_copy):
    """'see enzyme-inducers-lower-valproate' in an effect means nothing to a reader: the
    validator asks for words (review I C1)."""
    path = kb_copy / "interactions.yaml"
    text = path.read_text()
    old = "Valproate inhibits microsomal epoxide hydrolase"
    assert old in text
    path.write_text(text.replace(old, "See enzyme-inducers-lower-valproate. " + old, 1))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert any(".effect: names the interaction 'enzyme-inducers-lower-valproate' by its id"
               in p for p in problems), problems


def test_a_pharmacokinetic_interaction_of_an_asm_needs_a_direction(kb_copy):
    """A withdrawal step says what changes from the interaction's own direction, never from
    the perpetrator's other effects (review K H5): the validator asks for one."""
    path = kb_copy / "interactions.yaml"
    text = path.read_text()
    assert "    direction: raises\n" in text
    path.write_text(text.replace("    direction: raises\n", "", 1))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert any(p.endswith(".direction: a pharmacokinetic interaction of an ASM needs a "
                          "direction (raises, lowers, variable) or an on_withdrawal: a "
                          "withdrawal step says what changes") for p in problems), problems

