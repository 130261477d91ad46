"""The strict reader of hostile YAML and JSON: core-schema values only, no tags, duplicate
keys refused at any depth, limits checked on the event/token stream before anything is
built, bounded previews in every message; and the knowledge base's own reader."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from advisor.errors import PREVIEW_CHARS, InputError, preview
from advisor.knowledge.yaml_io import read_yaml
from advisor.strict_load import Limits, StrictLoadError, load_document, load_json, load_yaml

LIMITS = Limits()


def bomb(levels: int = 9, width: int = 9) -> str:
    """The classic exponential alias bomb ("billion laughs" in YAML), compact."""
    names = [f"a{i}" if levels > 26 else chr(97 + i) for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{','.join(['lol'] * width)}]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * width)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("text", "expected"), [
    ("v: 0123", 123),  # decimal, never octal
    ("v: 1:20", "1:20"),  # no base 60
    ("v: 0o17", "0o17"),
    ("v: 0x1F", "0x1F"),
    ("v: 1_000", "1_000"),
    ("v: 2001-12-14", "2001-12-14"),  # no timestamp
    ("v: 2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("v: yes", "yes"), ("v: off", "off"), ("v: Y", "Y"),  # YAML 1.1 booleans stay text
    ("v: true", True), ("v: FALSE", False), ("v: ~", None), ("v:", None), ("v: Null", None),
    ("v: .inf", ".inf"), ("v: .nan", ".nan"), ("v: 1e999", "1e999"),
    ("v: -5", -5), ("v: +2.5", 2.5), ("v: 1e3", 1000.0), ("v: .5", 0.5),
    ("v: '12'", "12"), ('v: "true"', "true"), ("v: |\n  12\n", "12\n"),
    ("v: " + "9" * 200, "9" * 200),  # too long to be a number: text
])
def test_core_schema_scalars(text, expected):
    value = load_yaml(text, LIMITS)["v"]
    assert value == expected and type(value) is type(expected)


def test_text_keys_and_mapping_keys_stay_as_written():
    data = load_yaml("id: 0123\nsample: 1.10\nother: 1.10\n1.10: x\ntrue: y\n~: z\n",
                     LIMITS, text_keys=("id", "sample"))
    assert data == {"id": "0123", "sample": "1.10", "other": 1.1, "1.10": "x", "true": "y",
                    "~": "z"}
    assert load_json('{"id": 1.10, "n": 1.10, "sample": 0}', LIMITS,
                     text_keys=("id", "sample")) == {"id": "1.10", "n": 1.1, "sample": "0"}


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",
    "a:\n  b:\n    c: 1\n    c: 1\n",
    "l:\n  - {x: 1, x: 1}\n",
    "a: 1\n'a': 2\n",  # the same key, quoted
    '{"a": 1, "a": 1}',
    '{"a": [{"b": {"c": 1, "c": 2}}]}',
    '{"a": 1, "\\u0061": 2}',  # the same key after JSON escapes
])
def test_duplicate_keys_refused_at_any_depth(text):
    with pytest.raises(StrictLoadError, match="duplicate key"):
        load_document(text, LIMITS)


@pytest.mark.parametrize("tag", ["!!binary aGVsbG8=", "!!timestamp 2001-12-14", "!!str x",
                                 "!!python/object:os.system x", "!custom x", "!!float 1",
                                 "!!set {a}", "!!omap [a: 1]"])
def test_every_tag_is_refused(tag):
    with pytest.raises(StrictLoadError, match="tags are not allowed"):
        load_yaml(f"v: {tag}\n", LIMITS)


@pytest.mark.parametrize(("text", "needle"), [
    ("a: 1\n---\nb: 2\n", "more than one YAML document"),
    ("? [a, b]\n: 1\n", "a mapping key must be text"),
    ("a: &x [*x]\n", "recursive"),
    ("a: *nowhere\n", "undefined anchor"),
    ("a: [1, 2\n", "not valid YAML or JSON (line"),
    ('{"a": NaN}', "NaN and Infinity"),
    ('{"a": 1e400}', "out of range"),
])
def test_structural_problems(text, needle):
    with pytest.raises(StrictLoadError, match=needle.replace("(", r"\(")):
        load_document(text, LIMITS)


def test_alias_bomb_is_refused_in_milliseconds_without_expanding():
    text = bomb()
    assert len(text.encode()) < 400  # the 373-byte class of the issue
    start = time.process_time()
    with pytest.raises(StrictLoadError) as err:
        load_yaml(text, LIMITS)
    assert time.process_time() - start < 0.1
    assert "expanded size" in str(err.value)
    assert len(str(err.value)) < 300 and "lol, lol" not in str(err.value)


def test_small_aliases_are_shared_not_copied():
    data = load_yaml("a: &x {k: [1, 2]}\nb: *x\n", LIMITS)
    assert data["a"] == data["b"] and data["a"] is data["b"]


@pytest.mark.parametrize(("text", "limits", "needle"), [
    ("a: " + "[" * 30 + "]" * 30, LIMITS, "nested deeper than 20"),
    ('{"a": ' + "[" * 30 + "]" * 30 + "}", LIMITS, "nested deeper than 20"),
    ("a: [" + ", ".join(["1"] * 1001) + "]", LIMITS, "more than 1,000 items"),
    ('{"a": [' + ", ".join(["1"] * 1001) + "]}", LIMITS, "more than 1,000 items"),
    ("\n".join(f"k{i}: 1" for i in range(1001)), LIMITS, "more than 1,000 entries"),
    ("a: " + "x" * 10_001, LIMITS, "longer than 10,000 characters"),
    ('{"a": "' + "x" * 10_001 + '"}', LIMITS, "longer than 10,000 characters"),
    ("a: [" + ", ".join(["[1, 2]"] * 100) + "]", Limits(max_values=200), "more than 200 values"),
    ("a: &x [1]\n" + "".join(f"b{i}: *x\n" for i in range(101)), LIMITS, "more than 100 aliases"),
])
def test_limits(text, limits, needle):
    with pytest.raises(StrictLoadError, match=needle):
        load_document(text, limits)


@pytest.mark.parametrize(("data", "needle"), [
    (b"x" * (LIMITS.max_bytes + 1), "larger than 1,000,000 bytes"),
    (b"\xff\xfea\x00:\x00", "UTF-16 text"),
    (b"name: Jos\xe9\n", "not UTF-8 text (byte 0xe9 at offset 9"),
    (b"a: 1\x00\n", "NUL character at offset 4"),
    (b"a: \x07", "not valid YAML or JSON"),
])
def test_bytes_that_are_not_utf8_text(data, needle):
    with pytest.raises(StrictLoadError, match=needle.replace("(", r"\(")):
        load_document(data, LIMITS)


def test_utf8_byte_order_mark_is_accepted():
    assert load_document("\ufeffa: é\n".encode(), LIMITS) == {"a": "é"}
    assert load_document(b'\xef\xbb\xbf{"a": 1}', LIMITS) == {"a": 1}


def test_json_that_is_not_json_is_read_as_yaml():
    assert load_document("{a: 1, b: [x]}", LIMITS) == {"a": 1, "b": ["x"]}
    with pytest.raises(StrictLoadError, match="not valid JSON"):
        load_document("{a: 1}", LIMITS, json_only=True)


def test_json_with_tabs_and_compact_separators():
    text = json.dumps({"a": [1, {"b": "c"}]}, separators=(",", ":")).replace(",", ",\t")
    assert load_document(text, LIMITS) == {"a": [1, {"b": "c"}]}


def test_preview_is_bounded_and_never_walks_shared_structures():
    shared: list = ["x" * 50]
    for _ in range(60):  # 2**60 leaves if expanded
        shared = [shared, shared]
    start = time.process_time()
    text = preview(shared)
    assert time.process_time() - start < 0.05
    assert len(text) <= PREVIEW_CHARS and text.endswith("…")
    assert len(preview("y" * 10**7)) == PREVIEW_CHARS
    err = InputError("genotypes." + "k" * 500, shared, "bad\nvalue " * 500)
    assert "\n" not in str(err) and len(str(err)) < 1300


def test_knowledge_base_reader_refuses_alias_bombs(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(levels=12))
    start = time.process_time()
    with pytest.raises(ValueError, match="YAML limit"):
        read_yaml(path)
    assert time.process_time() - start < 0.5
    path.write_text("a: &x [1, 2]\nb: *x\nwhen: 2025-01-01\n")  # YAML 1.1 values stay
    assert read_yaml(path)["b"] == [1, 2]
