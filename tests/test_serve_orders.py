"""What the CDS Hooks cards say about the orders themselves, judged in process by the
service's runtime (the same code the HTTP server runs): antiseizure medications ordered
together are judged with each other, a loading dose is never rewritten as a maintenance
dose, a dose in mg PE stays in mg PE, and a high-severity warning is never only
information."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from advisor.serve.app import Runtime
from advisor.serve.config import ServeConfig
from advisor.serve.discovery import SERVICES
from tests import fhir_builder as fb

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def runtime():
    from cryptography.fernet import Fernet

    rt = Runtime(ServeConfig(report_key=Fernet.generate_key().decode()))
    yield rt
    rt.close()


def _cards(rt, request, service="asm-order-select"):
    return rt.hook(SERVICES[service], json.dumps(request).encode(), "http://advisor.test")["cards"]


def _by_drug(cards, drug):
    return [c for c in cards if drug in c["summary"]]


def _vpa_ltg(pid, hook="order-select", selected=("d-vpa", "d-ltg")):
    orders = [fb.medication_request(pid, "d-vpa", text="valproate", rxnorm="11118",
                                    dose_mg=250, per_day=2),
              fb.medication_request(pid, "d-ltg", text="lamotrigine", rxnorm="28439",
                                    dose_mg=25, per_day=2)]
    req = fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [], gender="male", birth_date="1985-02-01"),
        selections=[f"MedicationRequest/{s}" for s in selected])
    if hook == "order-sign":
        req["hook"] = "order-sign"
        del req["context"]["selections"]
    return req


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_valproate_and_lamotrigine_ordered_together_are_judged_together(runtime, hook):
    service = "asm-order-sign" if hook == "order-sign" else "asm-order-select"
    cards = _cards(runtime, _vpa_ltg("vl-1", hook), service)
    lamotrigine = next(c for c in cards if c["summary"].startswith("lamotrigine"))
    assert lamotrigine["indicator"] == "warning"
    # 25 mg twice daily is above the start with valproate (25 mg every other day)
    assert lamotrigine["summary"] == ("lamotrigine 50 mg/day ordered: above the labelled start "
                                      "of 12.5 mg/day (25 mg every other day) for this patient")
    assert "**dose**: 100–200 mg/day recommended" in lamotrigine["detail"]
    assert "Valproate inhibits lamotrigine glucuronidation" in lamotrigine["detail"]
    valproate = next(c for c in cards if c["summary"].startswith("Monitor valproate"))
    assert valproate["indicator"] == "warning"
    assert "valproate + lamotrigine" in valproate["summary"]
    # lamotrigine is not taken yet: no "change lamotrigine to" its maintenance dose, which
    # would be far above its labelled start
    assert "change lamotrigine to" not in json.dumps(cards)
    # as when lamotrigine alone is selected and valproate is a pending draft
    alone = _cards(runtime, _vpa_ltg("vl-2", selected=("d-ltg",)))
    assert [c["summary"] for c in alone] == [lamotrigine["summary"]]


def test_co_ordered_drugs_each_judged_on_their_own_seizure_types(runtime):
    pid = "cbz-lev"
    orders = [fb.medication_request(pid, "d-cbz", text="carbamazepine", rxnorm="2002"),
              fb.medication_request(pid, "d-lev", text="levetiracetam")]
    cards = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive")])))
    critical = next(c for c in cards if c["indicator"] == "critical")
    assert critical["summary"].startswith("Avoid carbamazepine: HLA-B*15:02 positive")
    assert "myoclonic" not in json.dumps(cards).lower()
    created = [a["resource"]["medicationCodeableConcept"]["text"]
               for s in critical["suggestions"] for a in s["actions"] if a["type"] == "create"]
    assert created and "levetiracetam" not in created  # already ordered


def _fosphenytoin(pid, dosage):
    order = fb.medication_request(pid, "d-fos", text="fosphenytoin", rxnorm="72236")
    if dosage is not None:
        order["dosageInstruction"] = [dosage]
    return fb.order_select(pid, [order], prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "CYP2C9", "*3/*3")], kg=80, gender="male"))


def test_a_loading_dose_is_not_rewritten_as_a_maintenance_dose(runtime):
    load = {"text": "1600 mg PE IV once (20 mg PE/kg)", "timing": {"repeat": {"count": 1}},
            "doseAndRate": [{"doseQuantity": {"value": 1600, "unit": "mg PE",
                                              "system": fb.UCUM, "code": "mg{PE}"}}]}
    card, = _cards(runtime, _fosphenytoin("fos-load", load))
    # the maintenance change (CYP2C9 poor metabolizer) is not about the load: information,
    # not a warning whose summary is a halved daily dose (a pharmacist review read it so)
    assert card["indicator"] == "info"
    assert card["summary"] == ("fosphenytoin one-time dose: the change is to the maintenance "
                               "after it, 160–240 mg PE/day: CYP2C9 activity score 0 (Poor "
                               "Metabolizer)")
    assert "the loading or first dose is unchanged" in card["detail"]
    assert "suggestions" not in card


def test_a_dose_in_mg_pe_is_suggested_in_mg_pe(runtime):
    card, = _cards(runtime, _fosphenytoin("fos-new", None))
    suggestion, = card["suggestions"]
    assert suggestion["label"] == "Dose fosphenytoin for a maintenance of 160–240 mg PE/day"
    dosage, = suggestion["actions"][0]["resource"]["dosageInstruction"]
    assert dosage["maxDosePerPeriod"]["numerator"] == {
        "value": 240.0, "unit": "mg PE", "system": fb.UCUM, "code": "mg{PE}"}
    assert "160–240 mg PE/day" in dosage["text"]


def test_a_daily_mg_pe_order_above_the_range_is_changed(runtime):
    daily = {"text": "300 mg PE daily", "timing": {"repeat": {"frequency": 1, "period": 1,
                                                              "periodUnit": "d"}},
             "doseAndRate": [{"doseQuantity": {"value": 300, "unit": "mg PE",
                                               "system": fb.UCUM, "code": "mg{PE}"}}]}
    card, = _cards(runtime, _fosphenytoin("fos-daily", daily))
    assert card["suggestions"][0]["label"].endswith("160–240 mg PE/day")
    in_mg = {**daily, "doseAndRate": [{"doseQuantity": {"value": 300, "unit": "mg",
                                                        "system": fb.UCUM, "code": "mg"}}]}
    card, = _cards(runtime, _fosphenytoin("fos-mg", in_mg))
    assert "suggestions" not in card  # mg of what: fosphenytoin sodium or PE? left alone


def test_valproate_for_a_woman_who_may_become_pregnant_is_a_warning(runtime):
    pid = "vpa-woman"
    orders = [fb.medication_request(pid, "d-vpa", text="valproate", rxnorm="11118")]
    cards = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [], gender="female", birth_date="1998-05-05")))
    card, = cards
    assert card["indicator"] == "warning"
    assert "may become pregnant" in card["summary"]


def _infant(pid, drug, rxnorm, dose_mg=None):
    born = (date.today() - timedelta(days=275)).isoformat()  # 9 months
    orders = [fb.medication_request(pid, "d1", text=drug, rxnorm=rxnorm, dose_mg=dose_mg)]
    return fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [], kg=8.5, gender="male", birth_date=born))


def test_an_order_above_the_patients_maximum_is_a_warning_with_a_lower_dose(runtime):
    """Valproate under 20 kg: 20 mg/kg/day is the usual dose (UK SmPC), not a ceiling; the
    maximum is the US label's 60 mg/kg/day (510 mg/day at 8.5 kg)."""
    card, = _cards(runtime, _infant("vpa-infant", "valproate", "11118", dose_mg=300))
    assert card["indicator"] == "warning"
    # the boxed hepatotoxicity warning under 2 years shares the summary with the dose
    assert card["summary"] == ("valproate 600 mg/day ordered: above this patient's maximum of "
                               "510 mg/day; Child under 2 years: considerably increased risk "
                               "of fatal…")
    assert "- **ordered dose**: 600 mg/day is above this patient's maximum of 510 mg/day." \
        in card["detail"]
    suggestion, *replace = card["suggestions"]
    assert suggestion["label"] == "Dose valproate for a maintenance of 170 mg/day"
    # the boxed warning advises weighing another drug: offered, not recommended, with an
    # infant's dose (levetiracetam is labelled from 1 month)
    assert replace[0]["label"].startswith("Replace valproate with levetiracetam (start 170 "
                                          "mg/day")
    assert not any(r["isRecommended"] for r in replace)
    dosage, = suggestion["actions"][0]["resource"]["dosageInstruction"]
    assert "the order is above this patient's maximum of 510 mg/day" in dosage["text"]
    # the order's daily maximum is that maximum, not the usual 20 mg/kg/day (titration to
    # response stays open)
    assert dosage["maxDosePerPeriod"]["numerator"]["value"] == 510
    assert dosage["text"].endswith("; at most 510 mg/day")
    # within the maximum (here 30 mg/kg/day, above the usual 20), no such card
    within = _cards(runtime, _infant("vpa-infant-2", "valproate", "11118", dose_mg=127.5))
    assert not any("ordered:" in c["summary"] for c in within)


@pytest.mark.parametrize(("kg", "dose_mg", "maximum"), [(30, 1000, 1800), (30, 1500, 1800),
                                                      (16, 500, 960)])
def test_a_childs_levetiracetam_above_60_mg_per_kg_is_above_the_maximum(runtime, kg, dose_mg,
                                                                      maximum):
    """4 to under 16 years, under 40 kg: the label titrates to 60 mg/kg/day (EU: at most 30
    mg/kg twice daily); 3000 mg/day is the cap of heavier children. Before, a 30 kg child
    ordered 100 mg/kg/day got only 'above the labelled start'."""
    born = (date.today() - timedelta(days=365 * 10 + 100)).isoformat()
    pid = f"lev-child-{kg}-{dose_mg}"
    orders = [fb.medication_request(pid, "d1", text="levetiracetam 500 mg tablet",
                                    rxnorm="114477", dose_mg=dose_mg)]
    card, = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [], kg=kg, gender="male", birth_date=born)))
    assert card["indicator"] == "warning"
    assert card["summary"] == (f"levetiracetam {2 * dose_mg:g} mg/day ordered: above this "
                               f"patient's maximum of {maximum} mg/day")
    dosage, = card["suggestions"][0]["actions"][0]["resource"]["dosageInstruction"]
    assert dosage["maxDosePerPeriod"]["numerator"]["value"] == maximum


def test_no_labelled_dose_for_the_patient_is_said_not_silent(runtime):
    card, = _cards(runtime, _infant("ltg-infant", "lamotrigine", "28439"))
    assert card["indicator"] == "warning"  # a new order, off-label at this age
    assert card["summary"] == "lamotrigine: dose not checked: no labelled dose for this patient"
    assert "- **dose not checked**: no labelled dose for this patient: No US dose below 2 " \
        "years" in card["detail"]


def test_a_missing_weight_is_said_on_the_card(runtime):
    pid = "vpa-teen"
    orders = [fb.medication_request(pid, "d1", text="valproate", rxnorm="11118")]
    card, = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [], kg=None, gender="male", birth_date="2013-01-15")))
    assert "- **dose not checked**: weight not given" in card["detail"]
    assert ".;" not in card["detail"]


def test_a_replacement_never_carries_its_own_serious_finding(runtime):
    pid = "hla-woman"
    orders = [fb.medication_request(pid, "d-cbz", text="carbamazepine", rxnorm="2002")]
    cards = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive")], gender="female",
        birth_date="1991-03-14"), extension={"io.github.dre-advisor.seizure-types":
                                              ["focal"]}))
    critical, = [c for c in cards if c["indicator"] == "critical"]
    created = [a["resource"]["medicationCodeableConcept"]["text"]
               for s in critical["suggestions"] for a in s["actions"] if a["type"] == "create"]
    # aromatic ASMs (lamotrigine: DPWG, high-severity caution) and valproate (a woman who may
    # become pregnant) are not offered in place of carbamazepine
    assert created and not {"lamotrigine", "oxcarbazepine", "phenytoin", "valproate",
                            "topiramate"} & set(created)


@pytest.mark.parametrize("product", [
    "levonorgestrel 0.15 MG / ethinyl estradiol 0.03 MG Oral Tablet",
    "norethindrone 1 MG / ethinyl estradiol 0.035 MG Oral Tablet",
    "etonogestrel 0.12 MG/DAY / ethinyl estradiol 0.015 MG/DAY Vaginal Ring"])
def test_a_combined_contraceptive_named_as_rxnorm_does_is_recognised(runtime, product):
    pid = "coc"
    active = [fb.medication_request(pid, "coc", text=product, status="active")]
    orders = [fb.medication_request(pid, "d-cbz", text="carbamazepine", rxnorm="2002")]
    cards = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 negative")], active=active)))
    card = next(c for c in cards if "contraceptive" in c["summary"])
    assert card["summary"].startswith("Caution with carbamazepine + combined oral "
                                      "contraceptive: Enzyme-inducing ASMs increase")
    assert "combined\\_oral" not in card["detail"] and "combined oral contraceptive" in \
        card["detail"]


def test_lamotrigine_ordered_above_its_start_is_a_warning(runtime):
    pid = "ltg-start"
    active = [fb.medication_request(pid, "vpa", text="valproate", rxnorm="11118",
                                    status="active", dose_mg=500)]
    fast = [fb.medication_request(pid, "d-ltg", text="lamotrigine", rxnorm="28439",
                                  dose_mg=25, per_day=2)]
    card, = _cards(runtime, fb.order_select(pid, fast, prefetch=fb.full_prefetch(
        pid, [], gender="male", active=active)))
    assert card["indicator"] == "warning"
    assert card["summary"] == ("lamotrigine 50 mg/day ordered: above the labelled start of "
                               "12.5 mg/day (25 mg every other day) for this patient")
    assert ("is above the labelled start of 12.5 mg/day (25 mg every other day) for this "
            "patient") in card["detail"]
    assert "Boxed warning: the risk of serious rash" in card["detail"]
    # at the labelled start (25 mg every other day = 12.5 mg/day) no start warning
    slow = [fb.medication_request(pid, "d-ltg", text="lamotrigine", rxnorm="28439",
                                  dose_mg=12.5, per_day=1)]
    card, = _cards(runtime, fb.order_select(pid, slow, prefetch=fb.full_prefetch(
        pid, [], gender="male", active=active)))
    assert "labelled start" not in card["summary"] and "start dose" not in card["detail"]


def test_a_refill_of_a_drug_to_avoid_is_not_swapped_at_once(runtime):
    pid = "hla-refill"
    active = [fb.medication_request(pid, "cbz-active", text="carbamazepine", rxnorm="2002",
                                    status="active", dose_mg=200)]
    orders = [fb.medication_request(pid, "d-cbz", text="carbamazepine", rxnorm="2002",
                                    dose_mg=200)]
    cards = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive")], active=active)))
    critical, = [c for c in cards if c["indicator"] == "critical"]
    assert "suggestions" not in critical
    assert "already takes carbamazepine (an active prescription), so no replacement" in \
        critical["detail"]
    assert "planned cross-taper" in critical["detail"]


def _hla_refill(pid, authored):
    active = fb.medication_request(pid, "cbz-active", text="carbamazepine", rxnorm="2002",
                                   status="active", dose_mg=200)
    if authored is not None:
        active["authoredOn"] = authored
    orders = [fb.medication_request(pid, "d-cbz", text="carbamazepine", rxnorm="2002",
                                    dose_mg=200)]
    return fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive")], active=[active],
        gender="male", birth_date="1980-05-02"))


def test_a_refill_after_more_than_3_months_of_prescriptions_is_a_caution_not_avoid(runtime):
    """CPIC: an HLA-B*15:02 carrier who has taken carbamazepine for more than 3 months
    without a reaction may cautiously continue it; the time is read from the active
    prescription's authoredOn, and the card says so and asks to confirm it."""
    written = date.today() - timedelta(days=200)
    card, = _cards(runtime, _hla_refill("hla-refill-200", written.isoformat()))
    # the time rests on prescription dates: a warning, never only information
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Caution with carbamazepine: HLA-B*15:02 positive, "
                                      "carbamazepine taken for more than 3 months: if it "
                                      "caused no skin")
    assert "do not start" not in card["detail"] and "suggestions" not in card
    assert f"carbamazepine 6.5 months, counted from its active prescription, written on " \
        f"{written.isoformat()}" in card["detail"]
    assert "confirm with the patient how long it has been taken, without a break and " \
        "without a reaction" in card["detail"]


@pytest.mark.parametrize("authored", [None, "days:40", "2099", "1970-01-01"])
def test_a_refill_without_3_months_of_prescriptions_stays_critical(runtime, authored):
    """No authoredOn, one under 3 months old, one in the future or one before the patient's
    birth: the time taken is not known to be over 3 months, so the avoid stands."""
    recent = authored is not None and authored.startswith("days:")
    if recent:
        authored = (date.today() - timedelta(days=int(authored[5:]))).isoformat()
    card, = _cards(runtime, _hla_refill(f"hla-refill-{authored}", authored))
    assert card["indicator"] == "critical"
    assert "already takes carbamazepine (an active prescription)" in card["detail"]
    # the time is said only where it is known (40 days: 1.3 months)
    assert ("Time taken: carbamazepine 1.3 months, counted from its active prescription"
            in card["detail"]) == recent
    assert ("Time taken" in card["detail"]) == recent


def test_time_taken_counts_whole_days_from_the_last_day_a_partial_date_allows():
    from advisor.knowledge import load_knowledgebase
    from advisor.serve.hook import latest_day, taken_since

    assert latest_day("2024-02") == date(2024, 2, 29)
    assert latest_day("2025") == date(2025, 12, 31)
    assert latest_day("2025-06-01T09:30:00Z") == date(2025, 6, 1)
    kb = load_knowledgebase()
    today = date(2026, 12, 5)
    trials = taken_since(kb, {"carbamazepine": date(2026, 9, 5), "aspirin": date(2020, 1, 1),
                              "phenytoin": date(2027, 1, 1)}, today, 46.0)
    assert trials == [{"drug": "carbamazepine", "outcome": "ongoing", "duration_months": 2.9,
                       "note": "counted from its active prescription, written on 2026-09-05"}]
    # 91 days: 2.9 months (not yet the 3 months of the tolerance rule); longer than the
    # life of a patient aged 0.2 years: not counted
    assert taken_since(kb, {"carbamazepine": date(2026, 9, 5)}, today, 0.2) == []


def test_a_shared_finding_cites_the_ordered_drugs_own_guideline(runtime):
    pid = "hla-pht"
    orders = [fb.medication_request(pid, "d-pht", text="phenytoin", rxnorm="8183")]
    card, = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive")], gender="male")))
    assert card["indicator"] == "critical"
    assert "phenytoin" in card["source"]["url"] and card["source"]["label"].endswith("2020")


def test_active_medications_outside_the_knowledge_base_are_named_as_not_checked(runtime):
    pid = "unchecked"
    active = [fb.medication_request(pid, "a1", text="levothyroxine 100 MCG Oral Tablet",
                                    status="active"),
              fb.medication_request(pid, "a2", text="warfarin sodium 5 MG Oral Tablet",
                                    rxnorm="11289", status="active")]
    orders = [fb.medication_request(pid, "d-cbz", text="carbamazepine", rxnorm="2002")]
    cards = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 negative")], active=active)))
    assert cards and all(
        "Not checked for interactions: levothyroxine 100 MCG Oral Tablet (active "
        "prescriptions the knowledge base does not judge: other drugs, and products for the "
        "skin, eye or ear)" in c["detail"] for c in cards)
    assert not any("Not checked for interactions: warfarin" in c["detail"] for c in cards)


def test_valproate_for_a_woman_without_a_birth_date_gets_the_pregnancy_warning(runtime):
    """No birthDate: the child-bearing-potential caution is not silenced by the missing age
    (it was only 'dose not checked: age not given')."""
    pid = "vpa-no-age"
    prefetch = fb.full_prefetch(pid, [])
    del prefetch["patient"]["birthDate"]
    cards = _cards(runtime, fb.order_select(pid, [fb.medication_request(
        pid, "d", text="valproate", rxnorm="11118", dose_mg=250, per_day=2)],
        prefetch=prefetch))
    [card] = cards
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Caution with valproate: Female patient (or sex recorded "
                                      "as other) whose age is not given")
    assert "Pregnancy Prevention Programme" in card["detail"]
    assert "**dose not checked**: age not given" in card["detail"]


def test_an_offered_alternative_carries_its_own_cautions(runtime):
    """A man of 30, HLA-B*15:02 positive, ordered carbamazepine: valproate is offered as a
    replacement, and the card shows the MHRA first-start rule for under-55s with it (the
    one-click order would otherwise skip it); levetiracetam has nothing to show."""
    pid = "m30-alt"
    prefetch = fb.full_prefetch(pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive")],
                                gender="male", birth_date=str(date.today().year - 30))
    request = fb.order_select(pid, [fb.medication_request(
        pid, "d", text="carbamazepine", rxnorm="2002", dose_mg=200, per_day=2)],
        prefetch=prefetch)
    request["extension"] = {"io.github.dre-advisor.seizure-types": ["generalized_tonic_clonic"]}
    [card] = _cards(runtime, request)
    assert card["indicator"] == "critical"
    labels = {s["label"].split(" (")[0]: s["label"] for s in card["suggestions"]}
    assert labels["Replace carbamazepine with valproate"].endswith(
        " - read its cautions on the card")
    assert not labels["Replace carbamazepine with levetiracetam"].endswith("on the card")
    offered = card["detail"].split("**Alternatives offered**")[1]
    assert "- **levetiracetam**: nothing found for this patient" in offered
    valproate = offered.split("- **valproate**")[1]
    assert "younger than 55 unless two specialists independently agree" in valproate
    assert "*Sources: NICE-2022-NG217, MHRA-2024-valproate-under-55*" in valproate


@pytest.mark.parametrize(("text", "interaction"), [
    ("Tacrolimus 1 MG Oral Capsule", True),
    ("tacrolimus 0.1 % Topical Ointment", False),
])
def test_tacrolimus_ointment_is_not_judged_as_systemic_tacrolimus(runtime, text, interaction):
    """Carbamazepine lowers tacrolimus blood levels; an ointment is not about blood levels:
    no interaction card, and the ointment is named as not checked."""
    pid = "tac-" + str(interaction)
    prefetch = fb.full_prefetch(pid, [], gender="male", birth_date="1980-01-01", active=[
        fb.medication_request(pid, "a", text=text, status="active", dose_mg=1)])
    cards = _cards(runtime, fb.order_select(pid, [fb.medication_request(
        pid, "d", text="carbamazepine", rxnorm="2002", dose_mg=200, per_day=2)],
        prefetch=prefetch))
    text_of_cards = json.dumps(cards)
    assert ("carbamazepine + tacrolimus" in text_of_cards) is interaction
    assert (f"Not checked for interactions: {text}" in text_of_cards) is not interaction


def _replacing_carbamazepine(runtime, pid, genotype, gender, birth_date, kg):
    request = fb.order_select(pid, [fb.medication_request(
        pid, "d", text="carbamazepine", rxnorm="2002", dose_mg=200, per_day=2)],
        prefetch=fb.full_prefetch(pid, [fb.genotype(pid, *genotype)], gender=gender,
                                  birth_date=birth_date, kg=kg))
    request["extension"] = {"io.github.dre-advisor.seizure-types": ["focal"]}
    [card] = _cards(runtime, request)
    return {s["label"].split(" (")[0]: s for s in card["suggestions"]}


def test_a_replacement_gives_every_labelled_step_and_never_a_bare_target(runtime):
    """Lamotrigine's weeks 3-4 step is in the replacement (without it the text reads as 75
    mg/day in week 3, a faster escalation than labelled); primidone, with no schedule for a
    child of 6, gives its labelled start before its target, never the target alone."""
    girl = _replacing_carbamazepine(runtime, "g13", ("HLA-A", "HLA-A*31:01 positive"),
                                    "female", str(date.today() - timedelta(days=4930)), 35)
    lamotrigine = girl["Replace carbamazepine with lamotrigine"]
    assert lamotrigine["label"].startswith(
        "Replace carbamazepine with lamotrigine (start 25 mg/day (weeks 1-2), 50 mg/day "
        "(weeks 3-4), then increase by 50 mg/day every 1–2 weeks, to ")
    created = lamotrigine["actions"][1]["resource"]["dosageInstruction"][0]["text"]
    assert "50 mg/day (weeks 3-4)" in created
    boy = _replacing_carbamazepine(runtime, "b6", ("HLA-B", "HLA-B*15:02 positive"),
                                   "male", str(date.today() - timedelta(days=2375)), 20)
    primidone = boy["Replace carbamazepine with primidone"]
    # under 8 years: the US start (50 mg/day) and ceiling (25 mg/kg/day, 500 mg/day at 20 kg)
    assert ("(start 50 mg/day, then increase by response and tolerability, to 500 "
            "mg/day)") in primidone["label"], primidone["label"]


def _observation(pid, system, code, **value):
    return {"resourceType": "Observation", "id": f"{code}-{pid}", "status": "final",
            "code": {"coding": [{"system": system, "code": code}]},
            "subject": {"reference": f"Patient/{pid}"},
            "effectiveDateTime": "2026-11-30", **value}


def _egfr(pid, value, comparator=None):
    quantity = {"value": value, "unit": "mL/min/1.73m2", "system": "http://unitsofmeasure.org",
                "code": "mL/min/{1.73_m2}", **({"comparator": comparator} if comparator else {})}
    return _observation(pid, "http://loinc.org", "62238-1", valueQuantity=quantity)


def _levetiracetam_for_an_82_year_old(runtime, pid, kidney, dose_mg=1500, active=()):
    prefetch = fb.full_prefetch(pid, [], gender="female", kg=60, active=list(active),
                                birth_date=str(date.today() - timedelta(days=30000)))
    prefetch["kidney"] = fb.bundle(kidney)
    return _cards(runtime, fb.order_select(pid, [fb.medication_request(
        pid, "d", text="levetiracetam 500 MG Oral Tablet", dose_mg=dose_mg, per_day=2)],
        prefetch=prefetch))


def test_an_order_already_within_the_adjusted_dose_gets_no_dose_card(runtime):
    """82 years, eGFR 25, already taking levetiracetam: a refill at 250 mg twice daily is
    within the label's severe band (500-1000 mg/day): information that it is (before: the
    same warning to lower the dose as for 3000 mg/day); 1500 mg twice daily still gets it."""
    pid = "ckd-refill"
    taken = [fb.medication_request(pid, "a", text="levetiracetam 250 MG Oral Tablet",
                                   status="active", dose_mg=250, per_day=2)]
    [within] = _levetiracetam_for_an_82_year_old(runtime, pid, [_egfr(pid, 25)], dose_mg=250,
                                                 active=taken)
    assert (within["indicator"], within["summary"]) == ("info", (
        "levetiracetam 500 mg/day ordered: within this patient's adjusted dose of 500–1000 "
        "mg/day"))
    assert "suggestions" not in within
    [card] = _levetiracetam_for_an_82_year_old(runtime, pid, [_egfr(pid, 25)], active=taken)
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("levetiracetam 3000 mg/day ordered: above this "
                                      "patient's maximum of 1000 mg/day (Severe")


def test_kidney_function_from_an_egfr_observation_sets_the_dose(runtime):
    """82 years, eGFR 25: levetiracetam 3000 mg/day is far above the label's severe band
    (250-500 mg every 12 h); without kidney function it was not seen."""
    [card] = _levetiracetam_for_an_82_year_old(runtime, "ckd-25", [_egfr("ckd-25", 25)])
    assert card["indicator"] == "warning"
    assert card["summary"] == ("levetiracetam 3000 mg/day ordered: above this patient's "
                               "maximum of 1000 mg/day (Severe: CLcr <30 mL/min/1.73 m2: 250 "
                               "to 500 mg every 12 h)")
    assert ("- **ordered dose**: 3000 mg/day is above this patient's maximum of 1000 mg/day"
            in card["detail"])
    assert "renal function not given" not in card["detail"]
    # a bound (">60") is no value: the dose then assumes normal kidney function, and the
    # only finding left is a new start above the label's (1000 mg/day)
    for pid, kidney in (("ckd-60", [_egfr("ckd-60", 60, comparator=">")]), ("ckd-none", [])):
        [card] = _levetiracetam_for_an_82_year_old(runtime, pid, kidney)
        assert (card["indicator"], card["summary"]) == ("info", (
            "levetiracetam 3000 mg/day ordered: above the labelled start of 1000 mg/day for "
            "this patient"))


def test_a_pregnancy_status_observation_is_read(runtime):
    """Pregnant (IPS pregnancy status): valproate is 'avoid' in pregnancy, not only the
    caution for a woman who may become pregnant."""
    def cards_for(pid, value):
        prefetch = fb.full_prefetch(pid, [], gender="female", birth_date="1995-05-05")
        prefetch["pregnancy"] = fb.bundle([_observation(
            pid, "http://loinc.org", "82810-3", valueCodeableConcept={"coding": [
                {"system": "http://snomed.info/sct", "code": value}]})])
        return _cards(runtime, fb.order_select(pid, [fb.medication_request(
            pid, "d", text="valproate", rxnorm="11118", dose_mg=500, per_day=2)],
            prefetch=prefetch))

    [pregnant] = cards_for("preg-1", "77386006")
    assert pregnant["indicator"] == "critical"
    assert pregnant["summary"].startswith("Avoid valproate: Pregnancy")
    [not_pregnant] = cards_for("preg-2", "60001007")
    assert not_pregnant["indicator"] == "warning"
    assert "may become pregnant" in not_pregnant["summary"]


def _dosed(pid, text, dosage, rxnorm=None):
    order = fb.medication_request(pid, "d", text=text, rxnorm=rxnorm)
    order["dosageInstruction"] = dosage if isinstance(dosage, list) else [dosage]
    return order


def _bid(value, unit, **extra):
    return {"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": value, "unit": unit}}], **extra}


def _infant_cards(runtime, pid, order):
    prefetch = fb.full_prefetch(pid, [], gender="male", kg=5,
                                birth_date=str(date.today() - timedelta(days=100)))
    return _cards(runtime, fb.order_select(pid, [order], prefetch=prefetch))


def test_a_dose_in_ml_is_read_through_the_strength_in_the_name(runtime):
    """5 mL twice daily of levetiracetam 100 mg/mL is 1000 mg/day for a 5 kg infant, far
    above the maximum: the same card as the order in mg (before: no card at all)."""
    in_ml = _infant_cards(runtime, "ml-1", _dosed(
        "ml-1", "levetiracetam 100 MG/ML Oral Solution", _bid(5, "mL")))
    in_mg = _infant_cards(runtime, "ml-2", _dosed(
        "ml-2", "levetiracetam 100 MG/ML Oral Solution", _bid(500, "mg")))
    assert [c["summary"] for c in in_ml] == [c["summary"] for c in in_mg]
    assert in_ml[0]["indicator"] == "warning"
    assert in_ml[0]["summary"].startswith("levetiracetam 1000 mg/day ordered: above this "
                                          "patient's maximum")


@pytest.mark.parametrize("dosage", [
    # a dose range: its top
    {"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
     "doseAndRate": [{"doseRange": {"low": {"value": 250, "unit": "mg"},
                                    "high": {"value": 500, "unit": "mg"}}}]},
    # a timing abbreviation without repeat
    {"timing": {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                               "v3-GTSAbbreviation", "code": "BID"}]}},
     "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}]},
])
def test_dose_ranges_and_timing_codes_are_read(runtime, dosage):
    [card] = _infant_cards(runtime, "rng", _dosed("rng", "levetiracetam", dosage))
    assert card["summary"].startswith("levetiracetam 1000 mg/day ordered: above this "
                                      "patient's maximum")


@pytest.mark.parametrize(("dosage", "why"), [
    (_bid(100, "mg/kg"), "the dose is in mg/kg, not in mg"),
    (_bid(5, "mL"), "the dose is in mL and the medication's name gives no single strength"),
    ([_bid(250, "mg"), _bid(125, "mg")], "the order has several dosage instructions"),
])
def test_a_dose_that_cannot_be_read_is_said_to_be_unchecked(runtime, dosage, why):
    [card] = _infant_cards(runtime, "unread", _dosed("unread", "levetiracetam", dosage))
    assert card["indicator"] == "info"
    assert card["summary"].startswith(f"levetiracetam: ordered dose not checked: {why}"[:60])
    assert f"- **ordered dose not checked**: {why}" in card["detail"]
    assert "This patient's dose: " in card["detail"]


def test_valproate_ordered_for_an_older_adult_says_to_start_lower(runtime):
    """US label 8.5: the starting dose should be reduced in the elderly (no number): a new
    order for a man of 80 gets an info card saying so (before: no card)."""
    pid = "vpa-80"
    prefetch = fb.full_prefetch(pid, [], gender="male",
                                birth_date=str(date.today() - timedelta(days=29300)))
    [card] = _cards(runtime, fb.order_select(pid, [fb.medication_request(
        pid, "d", text="valproate", rxnorm="11118", dose_mg=500, per_day=2)],
        prefetch=prefetch))
    assert card["indicator"] == "info"
    assert card["summary"] == ("valproate: start lower than usual for this patient (the label "
                               "gives no number)")
    assert "lower than the usual adult start of 600 mg/day" in card["detail"]


def _allergy(pid, drug_text, manifestation, **extra):
    record = {"resourceType": "AllergyIntolerance", "id": f"ai-{pid}-{drug_text}",
              "patient": {"reference": f"Patient/{pid}"}, "code": {"text": drug_text}, **extra}
    if manifestation:
        record["reaction"] = [{"manifestation": [{"coding": [
            {"system": "http://snomed.info/sct", "display": manifestation}]}]}]
    return record


def _with_allergies(runtime, pid, ordered, allergies):
    prefetch = fb.full_prefetch(pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 negative")],
                                gender="male", birth_date="1980-01-01")
    prefetch["allergies"] = fb.bundle(allergies)
    return _cards(runtime, fb.order_select(pid, [fb.medication_request(
        pid, "d", text=ordered, dose_mg=300, per_day=2)], prefetch=prefetch))


def test_a_past_sjs_in_the_allergy_list_is_judged(runtime):
    """SJS to carbamazepine recorded as an AllergyIntolerance: oxcarbazepine (a carboxamide
    relative) is to be avoided, as in the consult with adverse_reactions (before: no card)."""
    [card] = _with_allergies(runtime, "sjs-1", "oxcarbazepine",
                             [_allergy("sjs-1", "carbamazepine", "Stevens-Johnson syndrome")])
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("Avoid oxcarbazepine")
    assert "carboxamide" in card["detail"]
    # a refuted record, or one no longer active, is not a past reaction
    refuted = _allergy("sjs-2", "carbamazepine", "Stevens-Johnson syndrome",
                       verificationStatus={"coding": [{"code": "refuted"}]})
    assert _with_allergies(runtime, "sjs-2", "oxcarbazepine", [refuted]) == []


def test_a_caution_that_advises_another_drug_offers_replacements(runtime):
    """TEN with carbamazepine, lamotrigine ordered: a high-severity caution ("prefer a
    non-aromatic alternative") is a warning whose suggestions replace the order, none of
    them recommended (the order may stand), never by another aromatic drug (pharmacist
    review: the card advised an alternative and offered none)."""
    [card] = _with_allergies(runtime, "ten-1", "lamotrigine",
                             [_allergy("ten-1", "carbamazepine", "toxic epidermal necrolysis")])
    assert card["indicator"] == "warning"
    assert "Prefer a non-aromatic alternative" in card["detail"]
    # 600 mg/day ordered: the dose suggestion first, then the replacements
    dose, *replace = card["suggestions"]
    assert dose["label"] == "Dose lamotrigine for a maintenance of 225–375 mg/day"
    labels = [s["label"] for s in replace]
    assert labels and all(lab.startswith("Replace lamotrigine with ") for lab in labels)
    assert not any(s["isRecommended"] for s in replace)
    offered = {lab.split()[3] for lab in labels}
    assert not offered & {"carbamazepine", "oxcarbazepine", "eslicarbazepine", "phenytoin",
                          "fosphenytoin", "phenobarbital", "primidone", "lamotrigine"}
    assert "**Alternatives offered**" in card["detail"]
    # an allergy record the advisor does not read (nausea) offers none: only the dose
    [plain] = _with_allergies(runtime, "ten-2", "lamotrigine",
                              [_allergy("ten-2", "oxcarbazepine", "Nausea")])
    assert [s["label"] for s in plain["suggestions"]] == [dose["label"]]


def test_an_allergy_record_whose_reaction_is_not_read_is_named(runtime):
    """An allergy record of the ordered drug whose reaction is not one the advisor reads
    gives an info card naming it; a record of another drug is named on the cards there
    are; a drug outside the knowledge base is not the advisor's."""
    records = [_allergy("ai-3", "oxcarbazepine", "Nausea"),
               _allergy("ai-3", "penicillin", "Anaphylaxis")]
    [card] = _with_allergies(runtime, "ai-3", "oxcarbazepine", records)
    assert card["indicator"] == "info"
    assert card["summary"] == ("oxcarbazepine: the patient's allergy record of it is not "
                               "judged: check it")
    assert ("Allergy records not judged (a reaction the advisor does not classify): "
            "oxcarbazepine (Nausea)") in card["detail"]
    assert "penicillin" not in json.dumps(card)
    assert _with_allergies(runtime, "ai-4", "levetiracetam 500 MG Oral Tablet", [
        _allergy("ai-4", "oxcarbazepine", "Nausea")]) == []


def test_reaction_words():
    from advisor.serve.allergies import reaction_of

    assert reaction_of(["Toxic epidermal necrolysis"]) == "sjs_ten"
    assert reaction_of(["Rash", "SJS"]) == "sjs_ten"  # the most serious
    assert reaction_of(["Drug reaction with eosinophilia and systemic symptoms"]) == "dress"
    assert reaction_of(["Maculopapular eruption"]) == "hypersensitivity_rash"
    assert reaction_of(["Nausea"]) is None and reaction_of(["attention"]) is None


@pytest.mark.parametrize(("extension", "aggravation"), [
    ({}, False),  # seizure types inferred from phenobarbital's use: not the patient's
    ({"io.github.dre-advisor.syndrome": "lennox_gastaut"}, True),
    ({"io.github.dre-advisor.seizure-types": ["tonic"],
      "io.github.dre-advisor.syndrome": "lennox_gastaut"}, True),
])
def test_aggravation_of_inferred_seizure_types_is_not_the_patients(runtime, extension,
                                                                    aggravation):
    pid = "pb-agg"
    request = fb.order_select(pid, [fb.medication_request(
        pid, "d", text="phenobarbital", dose_mg=30, per_day=2)],
        prefetch=fb.full_prefetch(pid, [], gender="male", birth_date="2016-01-01", kg=30))
    if extension:
        request["extension"] = extension
    text = json.dumps(_cards(runtime, request))
    assert ("provoke tonic seizures in Lennox-Gastaut" in text) is aggravation


def test_two_orders_of_one_drug_are_added_up(runtime):
    """Levetiracetam 1000 mg twice daily intravenously and by mouth, signed together: 4000
    mg/day, above the maximum of 3000 mg/day, though each order alone is within it."""
    pid = "lev-twice"
    orders = [fb.medication_request(pid, route, text="levetiracetam", dose_mg=1000, per_day=2)
              for route in ("iv", "po")]
    request = fb.order_select(pid, orders, prefetch=fb.full_prefetch(pid, [], gender="male"))
    request["hook"] = "order-sign"
    del request["context"]["selections"]
    cards = _cards(runtime, request, "asm-order-sign")
    assert len(cards) == 2 and {c["indicator"] for c in cards} == {"warning"}
    assert cards[0]["summary"] == ("levetiracetam: 2 orders together 4000 mg/day: above this "
                                   "patient's maximum of 3000 mg/day")
    assert "the 2 orders of levetiracetam in this request come to 4000 mg/day" in \
        cards[0]["detail"]
    one = fb.order_select(pid, orders[:1], prefetch=fb.full_prefetch(pid, [], gender="male"))
    # one order alone is within the maximum: only its start above the label's is said
    assert [(c["indicator"], c["summary"]) for c in _cards(runtime, one)] == [(
        "info", "levetiracetam 2000 mg/day ordered: above the labelled start of 1000 mg/day "
        "for this patient")]


def test_a_card_tells_no_dose_change_for_drugs_the_request_does_not_order(runtime):
    """A valproate refill: the consult's 'if felbamate is started: 800-1600 mg/day' (every
    candidate is judged there) is not on the card, whose request orders no felbamate."""
    pid = "vpa-refill"
    active = [fb.medication_request(pid, "a", text="valproate", rxnorm="11118",
                                    status="active", dose_mg=500, per_day=2)]
    [card] = _cards(runtime, fb.order_select(pid, [fb.medication_request(
        pid, "d", text="valproate", rxnorm="11118", dose_mg=500, per_day=2)],
        prefetch=fb.full_prefetch(pid, [], gender="female", birth_date="1996-01-01",
                                  active=active)))
    assert "- **dose**: 1000–2000 mg/day recommended" in card["detail"]
    assert "is started" not in card["detail"]


def test_a_card_names_the_other_drug_when_the_flag_falls_on_it(runtime):
    """Carbamazepine renewed while a Paxlovid course is active: the contraindication falls on
    the Paxlovid (carbamazepine lowers it); the card names it, never 'carbamazepine +
    carbamazepine'."""
    pid = "pax-cbz"
    prefetch = fb.full_prefetch(pid, [], gender="male", birth_date="1960-01-01", active=[
        fb.medication_request(pid, "a1", text="nirmatrelvir 150 MG / ritonavir 100 MG Oral "
                              "Tablet", status="active", dose_mg=300),
        fb.medication_request(pid, "a2", text="carbamazepine 200 MG Oral Tablet",
                              rxnorm="2002", status="active", dose_mg=200, per_day=2)])
    cards = _cards(runtime, fb.order_select(pid, [fb.medication_request(
        pid, "o1", text="carbamazepine 200 MG Oral Tablet", rxnorm="2002", dose_mg=200,
        per_day=2)], prefetch=prefetch))
    summaries = [c["summary"] for c in cards]
    assert any(s.startswith("Avoid carbamazepine + nirmatrelvir/ritonavir (Paxlovid): ")
               for s in summaries), summaries
    assert not any("carbamazepine + carbamazepine" in s for s in summaries)


def _infant_order(pid, text, rxnorm, mg, active=()):
    birth = (date.today() - timedelta(days=122)).isoformat()  # 4 months
    prefetch = fb.full_prefetch(pid, [], kg=6, gender="male", birth_date=birth,
                                active=list(active))
    return fb.order_select(pid, [fb.medication_request(pid, "o", text=text, rxnorm=rxnorm,
                                                       dose_mg=mg, per_day=2)],
                           prefetch=prefetch)


@pytest.mark.parametrize(("text", "rxnorm", "drug"), [
    ("lamotrigine 100 MG Oral Tablet", "28439", "lamotrigine"),
    ("topiramate 100 MG Oral Tablet", "38404", "topiramate")])
def test_a_new_order_without_a_labelled_dose_for_an_infant_is_a_warning(runtime, text,
                                                                         rxnorm, drug):
    """A 4-month-old ordered 100 mg twice daily: no label doses the drug under 2 years, so
    the order is off-label at any dose and cannot be checked: a warning that says so and
    names the daily dose ordered, not an information card."""
    cards = _cards(runtime, _infant_order(f"inf-{drug}", text, rxnorm, 100))
    assert [c["indicator"] for c in cards] == ["warning"]
    assert cards[0]["summary"].startswith(
        f"{drug} 200 mg/day ordered, not checked: no labelled dose for this patient: "
        "No US dose below 2 years")


def test_an_infant_already_taking_the_drug_gets_information_only(runtime):
    pid = "inf-ongoing"
    taken = fb.medication_request(pid, "a", text="lamotrigine 100 MG Oral Tablet",
                                  status="active", dose_mg=100, per_day=2)
    cards = _cards(runtime, _infant_order(pid, "lamotrigine 100 MG Oral Tablet", "28439", 100,
                                          active=[taken]))
    assert [c["indicator"] for c in cards] == ["info"]
    assert cards[0]["summary"] == "lamotrigine: dose not checked: no labelled dose for this patient"


def test_a_drug_for_acute_use_only_says_why_no_seizure_type_was_judged(runtime):
    """Diazepam injection ordered for a patient on lopinavir/ritonavir, no seizure types sent: the
    card says the drug is for acute use only, never 'seizure types judged: unknown'."""
    pid = "dzp-kaletra"
    prefetch = fb.full_prefetch(pid, [], gender="male", birth_date="1980-05-05", active=[
        fb.medication_request(pid, "a", text="Kaletra", status="active")])
    cards = _cards(runtime, fb.order_select(pid, [fb.medication_request(
        pid, "o", text="diazepam 5 MG/ML Injectable Solution")], prefetch=prefetch))
    card = next(c for c in cards if "diazepam" in c["summary"])
    assert card["indicator"] == "critical"
    assert "diazepam is not used for a seizure type of an epilepsy (acute use only)" in \
        card["detail"]
    assert "unknown" not in card["detail"]


def _dravet_girl(pid, order_text, rxnorm):
    order = fb.medication_request(pid, "o", text=order_text, rxnorm=rxnorm, dose_mg=100,
                                  per_day=2)
    return fb.order_select(pid, [order], prefetch=fb.full_prefetch(
        pid, [], kg=16, gender="female",
        birth_date=(date.today() - timedelta(days=4 * 365 + 30)).isoformat()),
        extension={"io.github.dre-advisor.syndrome": "dravet"})


def test_replacements_in_a_syndrome_are_the_guidelines_drugs_for_it(runtime):
    """A girl of 4 with Dravet syndrome ordered carbamazepine: the card replaces it with
    valproate, NICE's first-line drug for Dravet syndrome, showing its caution for a girl,
    and with no drug the guideline does not place for the syndrome (before: perampanel,
    brivaracetam and fenfluramine, ranked on the seizure types carbamazepine is used for)."""
    card = _cards(runtime, _dravet_girl("dravet-cbz", "carbamazepine 100 MG Oral Tablet",
                                        "2002"))[0]
    assert card["indicator"] == "critical"
    labels = [s["label"] for s in card["suggestions"]]
    assert labels == ["Replace carbamazepine with valproate (320 mg/day from the start, the "
                      "labelled dose) - read its cautions on the card"]
    assert "Girl who may need valproate when she is old enough" in card["detail"]


@pytest.mark.parametrize(("text", "rxnorm", "mg", "start"), [
    ("topiramate 100 MG Oral Tablet", "38404", 100, "25 mg/day"),
    ("carbamazepine 400 MG Oral Tablet", "2002", 400, "400 mg/day")])
def test_a_new_start_above_the_labelled_start_is_said(runtime, text, rxnorm, mg, start):
    """A 13-year-old started on topiramate 200 mg/day or carbamazepine 800 mg/day: an
    information card says the label starts lower (before: no card, or only the HLA-B*15:02
    test advice); the same dose already taken gets no such line."""
    pid = f"teen-{rxnorm}"
    birth = (date.today() - timedelta(days=13 * 365 + 60)).isoformat()
    order = fb.medication_request(pid, "o", text=text, rxnorm=rxnorm, dose_mg=mg, per_day=2)
    cards = _cards(runtime, fb.order_select(pid, [order], prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 negative")], kg=45, gender="male",
        birth_date=birth)))
    assert [c["indicator"] for c in cards] == ["info"]
    assert f"ordered is above the labelled start of {start} for this patient" in \
        cards[0]["detail"]
    taken = fb.medication_request(pid, "a", text=text, rxnorm=rxnorm, dose_mg=mg, per_day=2,
                                  status="active")
    again = _cards(runtime, fb.order_select(pid, [order], prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 negative")], kg=45, gender="male",
        birth_date=birth, active=[taken])))
    assert not any("labelled start" in c["detail"] for c in again)


def _carbamazepine_with_lamotrigine(pid, ltg_mg, selected):
    orders = [fb.medication_request(pid, "d-cbz", text="carbamazepine", rxnorm="2002",
                                    dose_mg=200, per_day=2),
              fb.medication_request(pid, "d-ltg", text="lamotrigine", rxnorm="28439",
                                    dose_mg=ltg_mg, per_day=1)]
    return fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-A", "HLA-A*31:01 positive")], gender="male",
        birth_date="1985-02-01"), selections=[f"MedicationRequest/{s}" for s in selected])


@pytest.mark.parametrize("selected", [("d-cbz", "d-ltg"), ("d-ltg",)])
def test_a_drug_ordered_alongside_that_must_be_avoided_is_not_counted_as_taken(runtime,
                                                                               selected):
    """HLA-A*31:01 positive, carbamazepine and lamotrigine ordered together (or carbamazepine
    a pending draft): the carbamazepine card says to avoid it and offers replacements, so
    lamotrigine is judged without it: its labelled start without an inducer (25 mg/day),
    not the inducer schedule (a pharmacist review found 'lamotrigine 300-500 mg/day' built
    on the carbamazepine order the card beside it said to replace)."""
    cards = _cards(runtime, _carbamazepine_with_lamotrigine(f"cbz-ltg-{len(selected)}", 50,
                                                            selected))
    lamotrigine, = _by_drug(cards, "lamotrigine 50 mg/day")
    assert lamotrigine["summary"] == ("lamotrigine 50 mg/day ordered: above the labelled start "
                                      "of 25 mg/day for this patient")
    assert ("carbamazepine, ordered with lamotrigine, is not counted as taken: the advisor "
            "finds this patient must avoid it. If it is given anyway, its interactions with "
            "lamotrigine apply, and the doses here change.") in lamotrigine["detail"]
    assert "300–500" not in lamotrigine["detail"]
    if "d-cbz" in selected:
        carbamazepine, = [c for c in cards if c["indicator"] == "critical"]
        assert carbamazepine["summary"] == "Avoid carbamazepine: HLA-A*31:01 positive"


def test_lamotrigine_at_its_start_beside_an_avoided_inducer_gets_no_card(runtime):
    """The same with lamotrigine at 25 mg/day: only the carbamazepine card (nothing to say
    about lamotrigine once carbamazepine is not counted)."""
    cards = _cards(runtime, _carbamazepine_with_lamotrigine("cbz-ltg-25", 25,
                                                            ("d-cbz", "d-ltg")))
    assert [c["indicator"] for c in cards] == ["critical"]


def test_seizure_types_inferred_from_the_drug_do_not_pick_a_syndrome_dose(runtime):
    """An adult's levetiracetam order without seizure types: they are inferred from the drug
    (focal, generalized tonic-clonic, myoclonic), and the dose is the general adult one,
    not that of juvenile myoclonic epilepsy (3000 mg/day) or of primary generalized
    tonic-clonic seizures; at eGFR 25 the change is counted from 1000-3000 mg/day."""
    pid = "lev-inferred"
    orders = [fb.medication_request(pid, "d1", text="levetiracetam 500 mg tablet",
                                    rxnorm="114477", dose_mg=1500)]
    prefetch = fb.full_prefetch(pid, [], gender="male", birth_date="1945-02-01")
    prefetch["kidney"] = fb.bundle([_egfr(pid, 25)])
    card, = _cards(runtime, fb.order_select(pid, orders, prefetch=prefetch))
    assert ("**dose**: 500–1000 mg/day recommended (standard 1000–3000 mg/day, −62.5%). "
            "labelled dose, from 16 years") in card["detail"]
    assert "juvenile myoclonic" not in card["detail"].lower()


def test_a_refill_with_a_recorded_rash_stays_critical_and_says_nothing_of_tolerance(runtime):
    """An allergy record of a rash to carbamazepine ends the tolerance its prescription
    dates would show: the card avoids it and never says it may be continued (review G 1)."""
    pid = "hla-refill-rash"
    written = date.today() - timedelta(days=200)
    request = _hla_refill(pid, written.isoformat())
    request["prefetch"]["allergies"] = fb.bundle([{
        "resourceType": "AllergyIntolerance", "id": "al-1",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
            "code": "active"}]},
        "code": {"text": "carbamazepine", "coding": [{"system": fb.RXNORM, "code": "2002"}]},
        "patient": {"reference": f"Patient/{pid}"},
        "reaction": [{"manifestation": [{"text": "Stevens-Johnson syndrome"}]}]}])
    card, = _cards(runtime, request)
    assert card["indicator"] == "critical"
    assert "cautiously considered" not in card["detail"]
    # taken now, its tolerance ended by the reaction: the carrier's prompt withdrawal (review
    # AA H1), beside the reaction's own 'do not give again'
    assert "HLA-B\\*15:02 positive and taking carbamazepine now, with no record of more " \
        "than 3 months of it without a skin reaction" in card["detail"]
    assert "do not give carbamazepine again" in card["detail"]


def test_a_refill_beside_an_antiretroviral_it_lowers_gives_the_interactions_reason(runtime):
    """Phenytoin renewed for a man taking dolutegravir: the avoid falls on phenytoin; the card
    says the interaction lasts while both are taken and to agree the change with the
    dolutegravir prescriber, not that continuing depends on the time taken without a
    reaction, which is the HLA reasoning (review J M5)."""
    pid = "pht-dtg"
    prefetch = fb.full_prefetch(pid, [], gender="male", birth_date="1972-01-01", active=[
        fb.medication_request(pid, "a1", text="dolutegravir 50 MG Oral Tablet",
                              status="active", dose_mg=50, per_day=1),
        fb.medication_request(pid, "a2", text="phenytoin 100 MG Oral Capsule",
                              rxnorm="8183", status="active", dose_mg=100, per_day=3)])
    cards = _cards(runtime, fb.order_select(pid, [fb.medication_request(
        pid, "o1", text="phenytoin 100 MG Oral Capsule", rxnorm="8183", dose_mg=100,
        per_day=3)], prefetch=prefetch))
    critical, = [c for c in cards if c["indicator"] == "critical"]
    assert critical["summary"].startswith("Avoid phenytoin + dolutegravir"), critical["summary"]
    assert "already takes phenytoin with dolutegravir (active prescriptions)" in \
        critical["detail"]
    assert "agree with the prescriber of dolutegravir" in critical["detail"]
    assert "without a reaction" not in critical["detail"]
    assert "suggestions" not in critical


def _as_needed(order):
    """A rescue order as prescribed: as needed, not on a schedule."""
    order["dosageInstruction"][0]["asNeededBoolean"] = True
    return order


def _rescue_request(pid, orders, active=(), birth_date="2017-02-01", kg=30):
    return fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [], active=list(active), kg=kg, birth_date=birth_date),
        selections=[f"MedicationRequest/{o['id']}" for o in orders])


def test_a_rescue_product_ordered_for_a_child_is_rescue_treatment_not_an_unlabelled_dose(
        runtime):
    """Valtoco for a 9-year-old was judged as daily diazepam: a warning that no labelled
    dose exists for this patient. It is the patient's rescue treatment: its dose, one per
    seizure cluster by the product's label, is said not to be checked, as information."""
    card, = _cards(runtime, _rescue_request("rescue-1", [_as_needed(fb.medication_request(
        "rescue-1", "d-v", text="Valtoco 10 MG Nasal Spray", dose_mg=10, per_day=1))]))
    assert card["indicator"] == "info"
    assert card["summary"] == "diazepam: dose not checked: rescue treatment"
    assert "one dose per seizure cluster" in card["detail"]
    assert "no labelled dose" not in card["detail"]


@pytest.mark.parametrize(("text", "days", "summary"), [
    ("Diastat 2.5 MG Rectal Gel", 300,
     "diazepam: dose not checked: Diastat is labelled from 2 years, and this patient is "
     "9 months"),
    ("Nayzilam 5 MG Nasal Spray", 2000,
     "midazolam: dose not checked: Nayzilam is labelled from 12 years, and this patient is "
     "5.4 years"),
])
def test_a_rescue_product_below_its_labelled_age_is_a_warning(runtime, text, days, summary):
    """Diastat for an infant, Nayzilam for a 5-year-old: outside the product's labelled
    ages, a warning that says so (review M H3: an information card said the dose follows the
    label)."""
    card, = _cards(runtime, _rescue_request("rescue-4", [_as_needed(fb.medication_request(
        "rescue-4", "d-r", text=text, dose_mg=2.5, per_day=1))],
        birth_date=(date.today() - timedelta(days=days)).isoformat(), kg=18 if days > 700
        else 9))
    assert card["indicator"] == "warning" and card["summary"].startswith(summary)


def test_a_rescue_product_on_a_daily_schedule_is_a_warning(runtime):
    """Valtoco ordered four times a day, not as needed (review M M5)."""
    card, = _cards(runtime, _rescue_request("rescue-5", [fb.medication_request(
        "rescue-5", "d-v", text="Valtoco 10 MG Nasal Spray", dose_mg=10, per_day=4)]))
    assert card["indicator"] == "warning"
    assert card["summary"] == ("diazepam (Valtoco) ordered 4 times a day: a rescue product is "
                               "given per seizure emergency (as needed), not on a daily "
                               "schedule")
    assert "- **schedule**: Valtoco is ordered 4 times a day" in card["detail"]


def test_a_rescue_product_keeps_its_interactions(runtime):
    """Rescue diazepam beside methadone still carries the benzodiazepine-opioid boxed
    warning."""
    pid = "rescue-2"
    methadone = fb.medication_request(pid, "a-m", text="methadone 10 MG Oral Tablet",
                                      status="active")
    card, = _cards(runtime, _rescue_request(pid, [_as_needed(fb.medication_request(
        pid, "d-v", text="Valtoco 10 MG Nasal Spray", dose_mg=10, per_day=1))], [methadone]))
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Caution with diazepam + methadone")


def test_an_active_rescue_product_is_not_a_daily_drug_nor_a_trial(runtime):
    """An active Valtoco prescription is listed by its name (rescue treatment, not daily
    diazepam) and counts as no maintenance trial; ordered with two ASMs, it is judged once."""
    pid = "rescue-3"
    valtoco = fb.medication_request(pid, "a-v", text="Valtoco 10 MG Nasal Spray",
                                    status="active")
    valtoco["authoredOn"] = "2025-01-01"
    orders = [fb.medication_request(pid, "d-c", text="clobazam", dose_mg=5, per_day=2),
              fb.medication_request(pid, "d-l", text="levetiracetam", dose_mg=250, per_day=2),
              fb.medication_request(pid, "d-r", text="diazepam 10 MG Rectal Gel", dose_mg=10,
                                    per_day=1)]
    _, judged = runtime.hook_inputs(SERVICES["asm-order-select"], json.dumps(
        _rescue_request(pid, orders, [valtoco])).encode())
    assert [j.drugs for j in judged] == [["clobazam", "diazepam"], ["levetiracetam"]]
    for j in judged:
        assert j.data["current_medications"][:2] == ["Valtoco", "diazepam rectal gel"]
        assert "medication_history" not in j.data


def test_a_rescue_product_beside_the_daily_drug_keeps_its_own_checks(runtime):
    """A 20-month-old on daily diazepam tablets is ordered Valtoco as needed: the card is the
    rescue product's (below its labelled age: a warning), not the tablets' daily dose, and
    the tablets make it no refill (review N M3)."""
    pid = "rescue-6"
    tablets = fb.medication_request(pid, "a-d", text="diazepam 2 MG Oral Tablet",
                                    status="active", dose_mg=1, per_day=2)
    card, = _cards(runtime, _rescue_request(pid, [_as_needed(fb.medication_request(
        pid, "d-v", text="Valtoco 5 MG Nasal Spray", dose_mg=5, per_day=1))], [tablets],
        birth_date=(date.today() - timedelta(days=610)).isoformat(), kg=11))
    assert card["indicator"] == "warning"
    assert card["summary"] == ("diazepam: dose not checked: Valtoco is labelled from 2 years, "
                               "and this patient is 20 months")


def test_an_interaction_leads_a_scheduled_rescue_products_card(runtime):
    """Valtoco ordered once a day beside methadone: the boxed-warning interaction heads the
    card, the schedule is in its detail (review N M5: the schedule took the summary)."""
    pid = "rescue-7"
    methadone = fb.medication_request(pid, "a-m", text="methadone 10 MG Oral Tablet",
                                      status="active")
    card, = _cards(runtime, _rescue_request(pid, [fb.medication_request(
        pid, "d-v", text="Valtoco 10 MG Nasal Spray", dose_mg=10, per_day=1)], [methadone]))
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Caution with diazepam + methadone")
    assert "- **schedule**: Valtoco is ordered once a day" in card["detail"]


def test_a_dose_without_a_maintenance_target_still_has_its_maximum_checked(runtime):
    """From 65 the carbamazepine row has a start and no maintenance target (no label gives an
    older adult's; review Y M7): an order above the label's maximum is still caught, the
    card gives the start rather than a range, and no change to a range is suggested."""
    pid = "old-cbz"
    orders = [fb.medication_request(pid, "d-cbz", text="carbamazepine", rxnorm="2002",
                                    dose_mg=800)]
    card, = _cards(runtime, fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [], gender="female", birth_date="1944-02-01")))
    assert card["summary"] == ("carbamazepine 1600 mg/day ordered: above this patient's "
                               "maximum of 1200 mg/day")
    assert "- **dose**: start 100 mg/day; no maintenance target for this patient" in \
        card["detail"]
    assert not any(s["label"].startswith(("Change", "Dose")) for s in card.get(
        "suggestions", []))


def test_an_unread_order_of_a_dose_without_a_target_gives_the_start(runtime):
    """An order in tablets cannot be read in mg: the card gives this patient's start and
    maximum (a dose without a maintenance target had failed the hook there)."""
    pid = "old-cbz-tablets"
    order = fb.medication_request(pid, "d-cbz", text="carbamazepine", rxnorm="2002",
                                  dose_mg=200)
    order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {
        "value": 2, "unit": "tablet", "code": "{tbl}"}
    card, = _cards(runtime, fb.order_select(pid, [order], prefetch=fb.full_prefetch(
        pid, [], gender="female", birth_date="1944-02-01")))
    assert ("- **ordered dose not checked**: the dose is in {tbl}, not in mg. This patient's "
            "dose: start 100 mg/day; no maintenance target for this patient (see the dose "
            "row), at most 1200 mg/day.") in card["detail"]
