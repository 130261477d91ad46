"""Strict, bounded reading of YAML and JSON text from sources that may be hostile.

What a document may hold is decided before any of its values is built: the text is checked
against :class:`Limits` (size, nesting depth, number of values with every alias counted at
its full expanded size, aliases, items in one list or mapping, characters in one scalar)
on the parser's event stream (YAML) or token stream (JSON), and only then turned into
Python objects. A rejection names the place (``medication_history.3.drug``), the line and a
bounded preview of the offending text (:func:`advisor.errors.preview`); an alias is shown
by its name, never expanded.

YAML is read with the semantics of the YAML 1.2 core schema, restricted to ``str``,
``int``, ``float``, ``bool``, ``None``, lists and mappings:

- a plain scalar is ``null``/``~``/empty -> None; ``true``/``false`` (three spellings each)
  -> bool; decimal digits with an optional sign -> int (``0123`` is 123, never octal);
  a finite decimal or exponent number -> float; anything else is text. So ``1:20``
  (YAML 1.1 base 60), ``0o17``, ``0x1F``, ``1_000``, ``.inf``, ``yes``/``no``/``on``/``off``
  and ``2001-12-14`` (a YAML 1.1 timestamp) stay text;
- quoted and block scalars are text;
- mapping keys are text as written (``1.10`` stays "1.10"; a key that is a list or mapping
  is an error); a key given twice in one mapping is an error, at any depth;
- every tag (``!!binary``, ``!!timestamp``, ``!!python/...``, ``!custom``, even
  ``!!str``) is an error; so are several documents in one stream and an alias to a node
  that contains it;
- values at the ``text_keys`` of the top-level mapping (e.g. ``id``) are kept exactly as
  written, so ``id: 0123`` is "0123" and ``id: 1.10`` is "1.10".

JSON is read by :mod:`json` after the same limits are checked on its tokens; a key given
twice in one object is an error, ``NaN``/``Infinity`` are refused, and numbers at the
``text_keys`` keep their text. A UTF-8 byte-order mark is accepted and dropped; other
encodings, NUL bytes and invalid UTF-8 are refused with the byte offset.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from advisor.errors import preview

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present


@dataclass(frozen=True)
class Limits:
    """What one document may hold; every limit is checked before values are built."""

    max_bytes: int = 1_000_000
    max_depth: int = 20  # nested lists/mappings
    max_values: int = 50_000  # scalars, lists and mappings, each alias at its expanded size
    max_aliases: int = 100
    max_items: int = 1_000  # entries of one list or mapping
    max_scalar_chars: int = 10_000


class StrictLoadError(ValueError):
    """The text breaks a rule or a limit: ``where`` is the path of keys and indexes
    (empty at the top), ``line`` 1-based or None, ``value`` what to show of the text."""

    def __init__(self, where: str, message: str, value: object = None,
                 line: int | None = None):
        self.where, self.problem, self.value, self.line = where, message, value, line
        at = f" at line {line}" if line else ""
        shown = "" if value is None else f" ({preview(value)})"
        super().__init__(f"{where or 'document'}{at}: {message}{shown}")


# --- decoding ---------------------------------------------------------------------------

_BOMS = {b"\xef\xbb\xbf": "UTF-8", b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32",
         b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}


def decode(data: bytes | str, limits: Limits) -> str:
    """The text of ``data``: at most ``max_bytes``, UTF-8 (a UTF-8 byte-order mark is
    dropped), without NUL characters."""
    if len(data) > limits.max_bytes:
        raise StrictLoadError("", f"larger than {limits.max_bytes:,} bytes",
                              f"{len(data):,} bytes")
    if isinstance(data, bytes):
        for bom, name in _BOMS.items():
            if data.startswith(bom) and name != "UTF-8":
                raise StrictLoadError("", f"{name} text: save the file as UTF-8", data[:4])
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = data[exc.start:exc.start + 1]
            raise StrictLoadError("", f"not UTF-8 text (byte 0x{bad.hex()} at offset "
                                      f"{exc.start}; Latin-1 or another encoding?)",
                                  data[max(0, exc.start - 20):exc.start + 20]) from None
    else:
        text = data[1:] if data.startswith("\ufeff") else data
    nul = text.find("\0")
    if nul >= 0:
        raise StrictLoadError("", f"contains a NUL character at offset {nul} (a binary file?)",
                              text[max(0, nul - 20):nul + 20])
    return text


# --- YAML: checks on the event stream ---------------------------------------------------

@dataclass
class _Node:
    """An open list or mapping while the events are checked."""

    kind: str  # "list" | "map"
    where: str
    anchor: str | None
    start: int  # values counted before it opened (to size it when an alias names it)
    items: int = 0
    keys: dict[str, int] | None = None  # mapping keys seen, with their line
    key: str | None = None  # the current key of a mapping (None: a key comes next)


def _path(where: str, step: object) -> str:
    if step is None:
        return where
    step = preview(step, 40)[1:-1] if isinstance(step, str) else str(step)
    return f"{where}.{step}" if where else step


def _line(event: yaml.Event) -> int | None:
    return event.start_mark.line + 1 if event.start_mark else None


class _EventChecker:
    """Checks the events of one YAML stream against the limits and rules, in one pass."""

    def __init__(self, limits: Limits, allow_tags: bool):
        self.limits, self.allow_tags = limits, allow_tags
        self.max_values, self.max_items = limits.max_values, limits.max_items
        self.max_scalar_chars = limits.max_scalar_chars
        self.stack: list[_Node] = []
        self.values = 0  # values so far, aliases at their expanded size
        self.aliases = 0
        self.sizes: dict[str, int] = {}  # anchor -> expanded size of its node
        self.open_anchors: set[str] = set()
        self.documents = 0

    def where(self) -> str:
        if not self.stack:
            return ""
        top = self.stack[-1]
        if top.kind == "list":
            return _path(top.where, top.items)
        return top.where if top.key is None else _path(top.where, top.key)

    def fail(self, message: str, event: yaml.Event, value: object = None) -> None:
        raise StrictLoadError(self.where(), message, value, _line(event))

    def count(self, n: int, event: yaml.Event) -> None:
        self.values += n
        if self.values > self.limits.max_values:
            self.fail(f"more than {self.limits.max_values:,} values (aliases counted at their "
                      "expanded size)", event, getattr(event, "anchor", None) and
                      f"*{event.anchor}")

    def key_or_item(self, event: yaml.Event) -> bool:
        """Account for a value entering the open node; True when it is a mapping key."""
        if not self.stack:
            return False
        top = self.stack[-1]
        if top.kind == "map" and top.key is None:
            if not isinstance(event, yaml.ScalarEvent):
                self.fail("a mapping key must be text, not a list, mapping or alias", event,
                          f"*{event.anchor}" if isinstance(event, yaml.AliasEvent) else None)
            return True
        return False

    def after_value(self) -> None:
        if self.stack:
            top = self.stack[-1]
            top.key = None
            top.items += 1
            if top.items > self.max_items:
                self.items_limit(top)

    def items_limit(self, node: _Node) -> None:
        raise StrictLoadError(node.where, f"more than {self.max_items:,} "
                              f"{'entries' if node.kind == 'map' else 'items'}",
                              f"{node.items:,}+")

    def tag(self, event: yaml.Event) -> None:
        if event.tag is not None and not self.allow_tags:
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            self.fail(f"tags are not allowed ({tag}): write plain values", event, tag)

    def key(self, event: yaml.ScalarEvent) -> None:
        top = self.stack[-1]
        self.tag(event)
        text = event.value
        if len(text) > self.limits.max_scalar_chars:
            self.fail(f"a key longer than {self.limits.max_scalar_chars:,} characters", event,
                      text)
        assert top.keys is not None
        if text in top.keys:
            top.key = text
            self.fail(f"duplicate key, first given at line {top.keys[text]}", event, text)
        top.keys[text] = _line(event) or 0
        top.key = text

    def plain_value(self, event: yaml.ScalarEvent) -> bool:
        """The common case, checked fast: an untagged, unanchored scalar of bounded length
        that is a value (not a key); False leaves the event to the general checks."""
        top = self.stack[-1] if self.stack else None
        if (top is None or (top.kind == "map" and top.key is None) or event.tag is not None
                or event.anchor is not None or len(event.value) > self.max_scalar_chars):
            return False
        self.values += 1
        if self.values > self.max_values:
            self.count(0, event)
        top.key = None
        top.items += 1
        if top.items > self.max_items:
            self.items_limit(top)
        return True

    def scalar(self, event: yaml.ScalarEvent) -> None:
        self.tag(event)
        if len(event.value) > self.limits.max_scalar_chars:
            self.fail(f"text longer than {self.limits.max_scalar_chars:,} characters", event,
                      event.value)
        self.count(1, event)
        self.anchored(event, 1)
        self.after_value()

    def anchored(self, event: yaml.Event, size: int) -> None:
        if getattr(event, "anchor", None):
            self.sizes[event.anchor] = size

    def alias(self, event: yaml.AliasEvent) -> None:
        self.aliases += 1
        if self.aliases > self.limits.max_aliases:
            self.fail(f"more than {self.limits.max_aliases} aliases", event, f"*{event.anchor}")
        if event.anchor in self.open_anchors:
            self.fail("an alias inside the node it names (a recursive structure)", event,
                      f"*{event.anchor}")
        if event.anchor not in self.sizes:
            self.fail("an alias to an undefined anchor (a value that starts with '*' must be "
                      "quoted, e.g. \"*1/*3\")", event, f"*{event.anchor}")
        self.count(self.sizes[event.anchor], event)
        self.after_value()

    def start(self, event: yaml.CollectionStartEvent) -> None:
        self.tag(event)
        self.count(1, event)
        if len(self.stack) >= self.limits.max_depth:
            self.fail(f"nested deeper than {self.limits.max_depth} levels", event)
        kind = "map" if isinstance(event, yaml.MappingStartEvent) else "list"
        self.stack.append(_Node(kind, self.where(), event.anchor, self.values - 1,
                                keys={} if kind == "map" else None))
        if event.anchor:
            self.open_anchors.add(event.anchor)

    def end(self) -> None:
        node = self.stack.pop()
        if node.anchor:
            self.open_anchors.discard(node.anchor)
            self.sizes[node.anchor] = self.values - node.start
        self.after_value()

    def check(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.fail("more than one YAML document", event)
            return
        if isinstance(event, yaml.CollectionEndEvent):
            self.end()
            return
        if not isinstance(event, yaml.NodeEvent):
            return
        if self.key_or_item(event):
            self.key(event)  # a ScalarEvent (checked in key_or_item)
        elif isinstance(event, yaml.AliasEvent):
            self.alias(event)
        elif isinstance(event, yaml.ScalarEvent):
            self.scalar(event)
        else:
            self.start(event)


def yaml_events(text: str, limits: Limits, *, allow_tags: bool = False) -> list[yaml.Event]:
    """The events of one YAML document, checked against ``limits`` (and tag-free unless
    ``allow_tags``); a syntax error becomes a StrictLoadError with its line and column."""
    checker = _EventChecker(limits, allow_tags)
    events: list[yaml.Event] = []
    parser = _Parser(text)
    get, plain, check, keep = parser.get_event, checker.plain_value, checker.check, events.append
    try:
        while (event := get()) is not None:
            if not (type(event) is yaml.ScalarEvent and plain(event)):
                check(event)
            keep(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = [f"line {mark.line + 1}, column {mark.column + 1}"] if mark else []
        at += [f"in {checker.where()}"] if checker.where() else []
        where = f" ({', '.join(at)})" if at else ""
        problem = exc.problem or exc.context or "syntax error"
        if "alias" in (exc.context or ""):
            problem += " (a value that starts with '*' must be quoted, e.g. \"*1/*3\")"
        if "nesting depth" in problem:  # libyaml's own limit, met while scanning ahead
            raise StrictLoadError(checker.where(), f"nested deeper than {limits.max_depth} "
                                  f"levels (libyaml: {problem})") from None
        raise StrictLoadError("", f"not valid YAML or JSON{where}: {problem}") from None
    except yaml.YAMLError as exc:  # a ReaderError: a character YAML does not allow
        raise StrictLoadError("", f"not valid YAML or JSON: {str(exc).splitlines()[0]}"
                              ) from None
    finally:
        parser.dispose()
    return events


# --- YAML: building values from checked events ------------------------------------------

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
INT_TEXT = re.compile(r"[-+]?[0-9]+")
FLOAT_TEXT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
MAX_NUMBER_CHARS = 100  # longer digit strings stay text (Python caps int parsing anyway)


def plain_scalar(text: str) -> Any:
    """A plain (unquoted, untagged) YAML scalar under the restricted core schema."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if len(text) <= MAX_NUMBER_CHARS:
        if INT_TEXT.fullmatch(text):
            return int(text)
        if FLOAT_TEXT.fullmatch(text):
            value = float(text)
            return value if math.isfinite(value) else text
    return text


def _scalar(event: yaml.ScalarEvent, as_text: bool) -> Any:
    if not event.implicit[0]:  # quoted or block: text
        return event.value
    if as_text:  # kept as written, unless it says "no value"
        return None if event.value in _NULL else event.value
    return plain_scalar(event.value)


_UNSEEN = object()


class _Builder:
    """Python values from checked events (aliases share the value of their anchor)."""

    def __init__(self, text_keys: frozenset[str]):
        self.text_keys = text_keys
        self.anchors: dict[str, Any] = {}
        self.stack: list[list[Any]] = []  # [container, pending mapping key or None]
        self.root: Any = None
        self.plain: dict[str, Any] = {}  # plain scalars read so far (immutable values)

    def put(self, value: Any) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top[0], list):
            top[0].append(value)
        elif top[1] is None:
            top[1] = value  # a key; its value comes next
        else:
            top[0][top[1]] = value
            top[1] = None

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top[0], dict) and top[1] is None:
            return event.value  # a mapping key: text as written
        at_text_key = len(self.stack) == 1 and top is not None and top[1] in self.text_keys
        return _scalar(event, at_text_key)

    def add(self, event: yaml.Event) -> None:
        if type(event) is yaml.ScalarEvent and event.anchor is None and self.stack:
            container = self.stack[-1][0]
            if type(container) is list:  # the common case, kept short
                text = event.value
                if not event.implicit[0]:
                    container.append(text)
                else:
                    value = self.plain.get(text, _UNSEEN)
                    if value is _UNSEEN:
                        value = self.plain[text] = plain_scalar(text)
                    container.append(value)
            else:
                self.put(self.scalar(event))
            return
        if isinstance(event, yaml.AliasEvent):
            self.put(self.anchors[event.anchor])
            return
        if isinstance(event, yaml.CollectionEndEvent):
            self.stack.pop()
            return
        if not isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            return
        if isinstance(event, yaml.ScalarEvent):
            value = self.scalar(event)
        else:
            value = {} if isinstance(event, yaml.MappingStartEvent) else []
        if event.anchor:
            self.anchors[event.anchor] = value
        self.put(value)
        if isinstance(event, yaml.CollectionStartEvent):
            self.stack.append([value, None])


def _build(events: list[yaml.Event], text_keys: frozenset[str]) -> Any:
    """Python values from checked events (aliases share the value of their anchor)."""
    builder = _Builder(text_keys)
    for event in events:
        builder.add(event)
    return builder.root


def load_yaml(text: str, limits: Limits, text_keys: Iterable[str] = ()) -> Any:
    """One YAML document as Python values (see the module docstring)."""
    return _build(yaml_events(text, limits), frozenset(text_keys))


# --- JSON --------------------------------------------------------------------------------

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+|"')


class _Number:
    """A JSON number with its text, until the top-level keys that keep text are known."""

    __slots__ = ("text", "value")

    def __init__(self, text: str, value: float | int):
        self.text, self.value = text, value


@dataclass
class _Container:
    """An open JSON object or array while the tokens are checked."""

    kind: str  # "{" | "["
    items: int = 0
    keys: set[str] | None = None
    key: str | None = None
    expect_key: bool = False


class _TokenChecker:
    """Checks the tokens of a JSON text against the limits (and finds duplicate keys)."""

    def __init__(self, text: str, limits: Limits):
        self.text, self.limits = text, limits
        self.stack: list[_Container] = []
        self.values = 0

    def where(self, depth: int | None = None) -> str:
        """The path of the current value (of the innermost open container's own place when
        ``depth`` is one less than the stack)."""
        out = ""
        for node in self.stack[:depth]:
            out = _path(out, node.key if node.kind == "{" else node.items)
        return out

    def fail(self, message: str, position: int, value: object = None,
             depth: int | None = None) -> None:
        raise StrictLoadError(self.where(depth), message, value,
                              self.text.count("\n", 0, position) + 1)

    def count(self, position: int) -> None:
        self.values += 1
        if self.values > self.limits.max_values:
            self.fail(f"more than {self.limits.max_values:,} values", position)

    def open(self, token: str, position: int) -> None:
        self.count(position)
        if len(self.stack) >= self.limits.max_depth:
            self.fail(f"nested deeper than {self.limits.max_depth} levels", position)
        self.stack.append(_Container(token, keys=set() if token == "{" else None,
                                     expect_key=token == "{"))

    def comma(self, position: int) -> None:
        if not self.stack:
            return
        top = self.stack[-1]
        top.items += 1
        top.expect_key = top.kind == "{"
        if top.items >= self.limits.max_items:
            self.fail(f"more than {self.limits.max_items:,} "
                      f"{'entries' if top.kind == '{' else 'items'}", position,
                      f"{top.items + 1:,}+", depth=len(self.stack) - 1)

    def scalar(self, token: str, position: int) -> None:
        if len(token) > self.limits.max_scalar_chars + 2:
            self.fail(f"text longer than {self.limits.max_scalar_chars:,} characters",
                      position, token)
        top = self.stack[-1] if self.stack else None
        if top is not None and top.expect_key:
            key = token[1:-1] if len(token) > 1 and token[0] == '"' else token
            top.expect_key, top.key = False, key
            assert top.keys is not None
            if key in top.keys:
                self.fail("duplicate key", position, key)
            top.keys.add(key)
            return
        self.count(position)

    def check(self) -> None:
        for match in _JSON_TOKEN.finditer(self.text):
            token, position = match.group(), match.start()
            if token in ("{", "["):
                self.open(token, position)
            elif token in ("}", "]"):
                if self.stack:
                    self.stack.pop()
            elif token == ",":
                self.comma(position)
            elif token != ":":
                self.scalar(token, position)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise StrictLoadError("", "duplicate key", key)
        out[key] = value
    return out


def _refuse_constant(name: str) -> Any:
    raise StrictLoadError("", "not a JSON number (NaN and Infinity are not allowed)", name)


def _int(text: str) -> _Number:
    if len(text) > MAX_NUMBER_CHARS:
        raise StrictLoadError("", "a number with too many digits", text)
    return _Number(text, int(text))


def _float(text: str) -> _Number:
    value = float(text)
    if not math.isfinite(value):
        raise StrictLoadError("", "a number out of range", text)
    return _Number(text, value)


def _plain(value: Any, as_text: bool = False) -> Any:
    """Numbers back to int/float (or to their text), containers rebuilt."""
    if isinstance(value, _Number):
        return value.text if as_text else value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load_json(text: str, limits: Limits, text_keys: Iterable[str] = ()) -> Any:
    """One JSON document as Python values, limits checked on its tokens first; a key given
    twice in one object is an error."""
    _TokenChecker(text, limits).check()
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_int=_int,
                          parse_float=_float, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise StrictLoadError("", f"not valid JSON (line {exc.lineno}, column {exc.colno}): "
                                  f"{exc.msg}") from None
    except RecursionError:  # the token check bounds depth; this is a second guard
        raise StrictLoadError("", f"nested deeper than {limits.max_depth} levels") from None
    keep = frozenset(text_keys)
    if isinstance(data, dict):
        return {k: _plain(v, k in keep) for k, v in data.items()}
    return _plain(data)


def looks_like_json(text: str) -> bool:
    """Whether the text starts like a JSON object or array."""
    return text.lstrip()[:1] in ("{", "[")


@contextlib.contextmanager
def _without_gc() -> Iterator[None]:
    """Reading creates up to ``max_values`` objects and no reference cycles; the cyclic
    garbage collector would walk them again and again as they accumulate (it tripled the
    time of a document at the value limit), so it pauses while a document is read."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_document(data: bytes | str, limits: Limits, *, json_only: bool = False,
                  text_keys: Iterable[str] = ()) -> Any:
    """A YAML or JSON document (JSON when ``json_only`` or when the text starts with '{'
    or '[' and parses as JSON; YAML otherwise, JSON being YAML)."""
    with _without_gc():
        return _load_document(data, limits, json_only, text_keys)


def _load_document(data: bytes | str, limits: Limits, json_only: bool,
                   text_keys: Iterable[str]) -> Any:
    text = decode(data, limits)
    if json_only:
        return load_json(text, limits, text_keys)
    if looks_like_json(text):
        try:
            return load_json(text, limits, text_keys)
        except StrictLoadError as exc:
            if not exc.problem.startswith("not valid JSON"):
                raise
    return load_yaml(text, limits, text_keys)
