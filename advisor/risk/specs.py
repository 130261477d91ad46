"""The two kinds of risk model: what each predicts, from which inputs, in which file."""

from __future__ import annotations

from dataclasses import dataclass

DRE_OUTCOME = "drug_resistant"
SF_OUTCOME = "seizure_free_next_regimen"
INTERVAL_LEVEL = 0.95  # of the uncertainty interval


@dataclass(frozen=True)
class ModelSpec:
    """What a kind of model predicts and which inputs it uses."""

    kind: str
    history: bool  # uses the number of failed adequate regimens
    default_outcome: str
    default_file: str
    description: str


SPECS: dict[str, ModelSpec] = {
    "drug_resistance": ModelSpec(
        "drug_resistance", False, DRE_OUTCOME, "dre_risk.skops",
        "probability that the epilepsy is or becomes drug-resistant, from baseline factors"),
    "seizure_freedom": ModelSpec(
        "seizure_freedom", True, SF_OUTCOME, "seizure_freedom.skops",
        "probability of seizure freedom on the next regimen, given the failed adequate "
        "regimens so far"),
}
