"""Errors shown to users: one line naming the field and the value. This module imports
nothing, so the command line can catch them without loading the engine."""

from __future__ import annotations

from collections.abc import Sequence


class InputError(ValueError):
    """Bad user input (patient file, cohort, VCF); the CLI exits 2 with this message."""

    def __init__(self, field: str, value: object, message: str):
        self.field = field
        self.value = value
        self.message = message
        super().__init__(f"{field}: {message} (value: {value!r})" if field else message)


class KnowledgeBaseInvalid(Exception):
    """The knowledge base has problems; ``problems`` lists each one
    (:class:`advisor.knowledge.Problem`)."""

    def __init__(self, problems: Sequence[object]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
