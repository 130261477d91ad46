"""Errors shown to users: one line naming the field and the value. This module imports
nothing, so the command line can catch them without loading the engine.

A value in a message is a bounded preview (:func:`preview`): at most
:data:`PREVIEW_CHARS` characters, built without walking more of the value than it shows,
so a huge string or a structure sharing nodes many times over (a YAML alias bomb) costs
no more to report than a short one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

PREVIEW_CHARS = 80
FIELD_CHARS = 120
MESSAGE_CHARS = 1000
_ELLIPSIS = "…"


def _pieces(value: object) -> Iterator[str]:
    """The repr of ``value`` in small pieces, lazily (containers item by item)."""
    if isinstance(value, str):
        text = repr(value[:PREVIEW_CHARS + 1])
        yield text
    elif isinstance(value, bytes | bytearray):
        yield repr(bytes(value[:PREVIEW_CHARS + 1]))
    elif isinstance(value, Mapping):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ", " if i else ""
            yield from _pieces(key)
            yield ": "
            yield from _pieces(item)
        yield "}"
    elif isinstance(value, Sequence | set | frozenset):
        open_, close = ("(", ")") if isinstance(value, tuple) else (
            ("{", "}") if isinstance(value, set | frozenset) else ("[", "]"))
        yield open_
        for i, item in enumerate(value):
            yield ", " if i else ""
            yield from _pieces(item)
        yield close
    else:
        text = repr(value)
        yield text[:PREVIEW_CHARS + 1]


def preview(value: object, limit: int = PREVIEW_CHARS) -> str:
    """A repr of ``value`` of at most ``limit`` characters (cut with '…')."""
    out: list[str] = []
    size = 0
    for piece in _pieces(value):
        out.append(piece)
        size += len(piece)
        if size > limit:
            break
    text = "".join(out)
    return text if len(text) <= limit else text[:limit - 1] + _ELLIPSIS


def one_line(text: str, limit: int) -> str:
    """``text`` on one line (line breaks shown as spaces), cut at ``limit`` characters."""
    text = " ".join(text[:limit + 1].splitlines())
    return text if len(text) <= limit else text[:limit - 1] + _ELLIPSIS


class InputError(ValueError):
    """Bad user input (patient file, cohort, VCF); the CLI exits 2 with this message (the
    value is shown unless it is None or empty)."""

    def __init__(self, field: str, value: object, message: str):
        self.field = one_line(str(field), FIELD_CHARS)
        self.value = value
        self.message = one_line(str(message), MESSAGE_CHARS)
        shown = "" if value is None or value == "" else f" (value: {preview(value)})"
        super().__init__(f"{self.field}: {self.message}{shown}" if field else self.message)

    def __reduce__(self) -> tuple[type, tuple[str, object, str]]:
        """Pickled whole, so that an error raised on a Dask worker reaches the CLI."""
        return type(self), (self.field, self.value, self.message)


class KnowledgeBaseInvalid(Exception):
    """The knowledge base has problems; ``problems`` lists each one
    (:class:`advisor.knowledge.Problem`)."""

    def __init__(self, problems: Sequence[object]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
