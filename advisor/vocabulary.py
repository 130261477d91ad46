"""Presentation and ordering constants shared by the engine, the reports and the app.

One home for the words and orders every surface uses, so that the Markdown report, the
HTML report and the Streamlit pages cannot drift apart.
"""

from __future__ import annotations

# The order a pharmacist acts on flags: most restrictive action first, then severity.
ACTION_ORDER = {"avoid": 0, "reduce_dose": 1, "increase_dose": 2, "use_with_caution": 3,
                "monitor": 4, "info": 5}
SEVERITY_ORDER = {"high": 0, "moderate": 1, "low": 2}
LEVEL_ORDER = {"high": 0, "moderate": 1, "low": 2, "very_low": 3}  # evidence, strongest first
# flags and summary items: the patient's current drugs, then candidates, then the other ASMs
RELEVANCE_ORDER = {"current": 0, "candidate": 1, "other": 2}
RELEVANCE_LABEL = {"current": "Current drugs", "candidate": "Candidates",
                   "other": "Other drugs to avoid"}
DOSE_ACTIONS = ("reduce_dose", "increase_dose")
CAUTION_ACTIONS = ("use_with_caution", "monitor")
# the severe cutaneous reactions after which a drug is stopped now and never restarted (the
# plan's stop-now line; the dose rows that depend on the drug say so too)
SEVERE_REACTIONS = frozenset({"sjs_ten", "dress"})

ACTION_LABEL = {"avoid": "AVOID", "reduce_dose": "Reduce dose", "increase_dose": "Increase dose",
                "use_with_caution": "Use with caution", "monitor": "Monitor", "info": "Info"}
LEVEL_LABEL = {"high": "high", "moderate": "moderate", "low": "low", "very_low": "very low"}
STATUS_LABEL = {"drug_resistant": "Drug-resistant (ILAE 2010)",
                "not_drug_resistant": "Not drug-resistant (sustained seizure freedom)",
                "undetermined": "Undetermined (ILAE 2010)"}
SEVERITY_COLOUR = {"high": "red", "moderate": "orange", "low": "blue"}  # Streamlit badges

# the caution beside a status-epilepticus option the patient already takes starts so; the
# summary finds it by this start
ALREADY_TAKING = "already taking "
# a plan step whose label starts this patient lower than usual without a number
START_LOWER = "start below the label's usual start, by an amount the label does not give"
