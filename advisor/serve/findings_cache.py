"""The engine's findings of recent hook requests, kept by what was judged.

An EHR calls the service again and again for the same patient and order: order-select at
each change of the selection or of the dose, then order-sign. What the engine finds
(:class:`advisor.consult.OrderFindings`) is a function of what it judges alone: the
validated patient without their id, the genotypes from FHIR, the ordered drugs and the day
(an age from a birth date is the day's). A request judged like a recent one takes that one's
findings; its cards are still made for it (its orders, ids and report link).

The entries hold clinical data without identifiers, in the worker's memory only, for as long
as they are among the :attr:`FindingsCache.size` most recently used; nothing is written.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.consult import OrderFindings
    from advisor.inputs.patient import Patient

DEFAULT_SIZE = 128


def judged_key(patient: Patient, genotypes: dict[str, Any] | None, drugs: list[str]) -> str:
    """What the engine judges for one patient of a hook request, as one text."""
    return json.dumps([datetime.now(UTC).date().isoformat(),
                       patient.model_dump(mode="json", exclude={"id"}), genotypes or {}, drugs],
                      sort_keys=True, default=str)


class FindingsCache:
    """The findings of the ``size`` most recently judged keys (``size`` 0: none kept)."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self.entries: OrderedDict[str, OrderFindings] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: str) -> OrderFindings | None:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self.entries.move_to_end(key)
        return found

    def put(self, key: str, findings: OrderFindings) -> None:
        if self.size <= 0:
            return
        self.entries[key] = findings
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
