"""Synthetic cohort tables for screening tests and benchmarks: genotypes at frequencies of
the order seen in mixed populations, children, adults and elderly patients with plausible
weights, kidney and liver function, pregnancy, past reactions, conditions, syndromes,
co-medications and candidate drugs, and (optionally) a share of malformed rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.inputs.growth import weight_bounds

CHOICES: dict[str, tuple[list[str], list[float]]] = {
    "CYP2C9": (["*1/*1", "*1/*2", "*1/*3", "*2/*2", "*2/*3", "*3/*3", ""],
               [.62, .16, .11, .02, .02, .01, .06]),
    "CYP2C19": (["*1/*1", "*1/*2", "*1/*17", "*2/*17", "*2/*2", "*17/*17", "*1/*3"],
                [.38, .2, .22, .06, .04, .05, .05]),
    "CYP3A4": (["*1/*1", "*1/*22", ""], [.7, .08, .22]),
    "CYP3A5": (["*3/*3", "*1/*3", "*1/*1", ""], [.75, .15, .04, .06]),
    "rs1045642": (["C/C", "C/T", "T/T", ""], [.25, .45, .25, .05]),
    "HLA-B*15:02": (["negative", "positive", ""], [.93, .02, .05]),
    "HLA-A*31:01": (["negative", "positive", ""], [.92, .03, .05]),
    "seizure_types": (["focal", "generalized_tonic_clonic",
                       "focal;focal_to_bilateral_tonic_clonic", "absence", "myoclonic;absence",
                       ""], [.38, .2, .15, .05, .02, .2]),
    "syndrome": (["", "dravet", "lennox_gastaut", "juvenile_myoclonic", "childhood_absence"],
                 [.95, .01, .01, .02, .01]),
    "current_medications": (["", "levetiracetam", "lamotrigine", "valproate", "carbamazepine",
                             "valproate;combined_oral_contraceptive", "carbamazepine;warfarin",
                             "levetiracetam;lamotrigine", "phenytoin", "clobazam;stiripentol"],
                            [.45, .18, .13, .08, .05, .03, .02, .03, .02, .01]),
    "candidate_drugs": (["", "cenobamate", "lacosamide;brivaracetam", "cannabidiol"],
                        [.9, .04, .04, .02]),
    "conditions": (["", "porphyria", "hepatic_disease", "mitochondrial_disease_suspected"],
                   [.99, .003, .004, .003]),
    "adverse_reactions": (["", "carbamazepine:sjs_ten", "lamotrigine:hypersensitivity_rash",
                           "phenytoin:dress", "valproate:hepatotoxicity",
                           "lamotrigine:sjs_ten;carbamazepine:dress"],
                          [.97, .006, .008, .005, .005, .006]),
    "child_pugh": (["", "A", "B", "C"], [.97, .015, .01, .005]),
    "sex": (["female", "male", ""], [.49, .49, .02]),
}
MALFORMED = [("CYP2C9", "*1/*99"), ("HLA-B*15:02", "maybe"),
             ("current_medications", "carbamazapine"), ("age_years", "-3"),
             ("egfr_ml_min", "lots"), ("seizure_types", "petit_mal"), ("sex", "f?"),
             ("adverse_reactions", "lamotrigine:itch"), ("CYP2C19", "2/2")]


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """20% children (some infants), 60% adults, 20% over 65; 5% unknown (NaN)."""
    group = rng.choice(3, size=n, p=[.2, .6, .2])
    age = np.where(group == 0, rng.uniform(0.1, 18, n),
                   np.where(group == 1, rng.uniform(18, 65, n), rng.uniform(65, 96, n)))
    age = np.round(age, 1)
    age[rng.random(n) < .05] = np.nan
    return age


def _weights(rng: np.random.Generator, age: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Within the growth charts' plausible range for the age; adults 45-130 kg."""
    lo, hi = weight_bounds(np.nan_to_num(age, nan=40.0), sex)
    hi = np.where(np.isnan(hi), 130.0, hi)
    lo = np.where(np.isnan(lo), np.where(np.nan_to_num(age, nan=40) >= 18, 45.0, hi * .6), lo)
    weight = np.round(rng.uniform(lo, np.maximum(lo, hi)), 1)
    weight[rng.random(len(age)) < .08] = np.nan
    return weight


def synthetic_cohort(n: int, seed: int = 0, malformed: float = 0.0
                     ) -> tuple[pd.DataFrame, dict[int, str]]:
    """A cohort table (text cells, '' = not given) and its malformed cells
    (1-based data row -> column)."""
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {"sample_id": np.char.add("S", np.arange(n).astype(str))
                                   .astype(object)}
    for name, (values, p) in CHOICES.items():
        data[name] = rng.choice(np.array(values, dtype=object), size=n, p=p)
    age = _ages(rng, n)
    sex = data["sex"]
    weight = _weights(rng, age, np.where(sex == "", None, sex))
    female_fertile = (sex == "female") & (age >= 15) & (age <= 45)
    pregnancy = rng.choice(np.array(["pregnant", "planning", "breastfeeding", "not_pregnant",
                                     ""], dtype=object), size=n, p=[.05, .05, .03, .3, .57])
    data["pregnancy"] = np.where(female_fertile, pregnancy, "").astype(object)
    egfr = np.round(rng.choice([105, 75, 45, 22, 10], size=n, p=[.6, .2, .12, .05, .03])
                    * rng.uniform(.85, 1.15, n))
    given = rng.random(n)
    dialysis = rng.choice(np.array(["haemodialysis", "peritoneal"], dtype=object), size=n)
    data["egfr_ml_min"] = _text(np.where(given < .3, egfr, np.nan))
    data["creatinine_clearance_ml_min"] = _text(np.where((given >= .3) & (given < .35),
                                                         egfr, np.nan))
    data["dialysis"] = np.where(given > .995, dialysis, "").astype(object)
    data["age_years"], data["weight_kg"] = _text(age), _text(weight)
    onset = np.round(age * rng.random(n), 1)
    data["age_at_onset_years"] = _text(np.where(rng.random(n) < .5, onset, np.nan))
    data["eeg_abnormal"] = rng.choice(np.array(["true", "false", ""], dtype=object), size=n)
    table = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    broken: dict[int, str] = {}
    if malformed:
        rows = rng.choice(n, size=int(n * malformed), replace=False)
        for j, i in enumerate(np.sort(rows)):  # per malformed row: a test fixture only
            field, value = MALFORMED[j % len(MALFORMED)]
            table.iat[i, table.columns.get_loc(field)] = value
            broken[int(i) + 1] = field
    return table, broken


def _text(values: np.ndarray) -> np.ndarray:
    """Numbers as cells: '' for unknown, no trailing '.0'."""
    out = pd.Series(values).map(lambda v: "" if np.isnan(v) else f"{v:g}")
    return out.to_numpy(dtype=object)
