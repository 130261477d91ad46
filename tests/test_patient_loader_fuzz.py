"""Fuzz the strict patient loader (marked ``slow``; plain ``pytest`` runs it, as CI does).

Documents are generated to hit what a hostile patient file does: YAML 1.1 spellings
(base 60, octal, timestamps, yes/no), tags, anchors and aliases (bombs included), duplicate
keys, deep nesting, odd bytes and encodings, JSON variants, and values that contradict each
other. Every input must end in a Patient or an InputError (the command line's exit 2) with a
one-line, bounded message: 0 tracebacks, 0 exits of 1. 10,000 examples go through the
loader (``parse_patient_text``, exactly what ``advisor consult`` runs first); a smaller
sample goes through the whole command line, engine included.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import sys
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import advisor.knowledge
from advisor.cli import main
from advisor.errors import FIELD_CHARS, MESSAGE_CHARS, PREVIEW_CHARS, InputError
from advisor.inputs.patient import parse_patient_text

pytestmark = pytest.mark.slow

LOADER_EXAMPLES = 10_000
CLI_EXAMPLES = 400
MAX_LINE = FIELD_CHARS + MESSAGE_CHARS + PREVIEW_CHARS + 20

KEYS = ["id", "age_years", "weight_kg", "sex", "seizure_types", "syndrome", "genotypes",
        "clinical", "medication_history", "current_medications", "candidate_drugs",
        "longest_pretreatment_interval_days", "renal", "hepatic", "pregnancy",
        "adverse_reactions", "conditions", "sample", "<<", "yes", "~", "bogus"]
INNER_KEYS = ["drug", "outcome", "adequate", "duration_months", "seizure_free_months",
              "note", "age_at_onset_years", "etiology", "eeg_abnormal",
              "pretreatment_seizure_count", "egfr_ml_min", "child_pugh", "reaction",
              "CYP2C9", "CYP2C19", "HLA-B*15:02", "rs1045642", "GABRB3", "variant", "effect"]
PLAIN = ["focal", "absence", "valproate", "lamotrigine", "Lamictal", "inefficacy",
         "seizure_free", "relapse", "intolerance", "*1/*3", "*3/*3", "*2/*17", "C/T",
         "positive", "negative", "gain_of_function", "female", "male", "structural", "B",
         "sjs_ten", "pregnant", "1:20", "0123", "010", "1.10", "0x1F", "0o17", "1_000",
         ".inf", "-.inf", ".nan", "yes", "no", "on", "off", "y", "n", "true", "false", "TRUE",
         "~", "null", "", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1e3", "-5", "350",
         "2", "34", "0.5", "200", "1e999", "9" * 120, "é", "日本", "'q'", '"x y"',
         "!!binary aGVsbG8=", "!!timestamp 2001-12-14", "!!python/object/apply:os.system",
         "!!str 5", "!custom x", "*a", "*b", "&a x", "&b [1, 2]", "[1, 2]", "{a: 1}", "[]",
         "{}", "- x", ": x", "? x", "|", ">", "#c", "%", "@", "`", "\t", "\\", "'", '"']
scalars = st.one_of(st.sampled_from(PLAIN), st.integers(-10**9, 10**9).map(str),
                    st.floats(allow_nan=False, allow_infinity=False).map(repr),
                    st.text(max_size=12))


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _mapping(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


flow_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5).map(_flow),
        st.lists(st.tuples(st.sampled_from(INNER_KEYS), inner), max_size=5).map(_mapping)),
    max_leaves=15)


@st.composite
def yaml_documents(draw) -> str:
    """A block mapping of patient keys with flow values, anchors, aliases and tags."""
    lines = []
    for key in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=10)):
        value = draw(flow_values)
        prefix = draw(st.sampled_from(["", "", "", "&a ", "&b ", "!!binary ", "!!map ",
                                       "*a ", "! "]))
        lines.append(f"{key}: {prefix}{value}")
    if draw(st.booleans()):  # a block list of trials
        lines.append("medication_history:")
        for _ in range(draw(st.integers(0, 3))):
            pairs = draw(st.lists(st.tuples(st.sampled_from(INNER_KEYS), scalars),
                                  min_size=1, max_size=5))
            lines.append("  - " + _mapping(pairs))
    if draw(st.booleans()):
        lines.insert(0, "seizure_types: [focal]")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n---\n", "\n...\n"]))


@st.composite
def alias_bombs(draw) -> str:
    levels, width = draw(st.integers(2, 14)), draw(st.integers(2, 12))
    names = [f"n{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['lol'] * width)}]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * width)}]")
    key = draw(st.sampled_from(["seizure_types", "genotypes", "x"]))
    return f"seizure_types: [focal]\n{key}: *{names[-1]}\n" + "\n".join(lines) + "\n"


@st.composite
def nested(draw) -> str:
    depth = draw(st.integers(1, 3000))
    open_, close = draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ('{"a": ', "}")]))
    return f"seizure_types: [focal]\nx: {open_ * depth}1{close * depth}\n"


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
              st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(PLAIN)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(INNER_KEYS), inner, max_size=4)),
    max_leaves=12)


@st.composite
def json_documents(draw) -> str:
    data = draw(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8))
    text = json.dumps(data, indent=draw(st.sampled_from([None, 1, "\t"])))
    mutation = draw(st.sampled_from(["none", "dup", "nan", "trailing", "truncate", "bom"]))
    if mutation == "dup" and len(text) > 2:
        text = text[:-1] + ', "age_years": 1, "age_years": 2}'
    elif mutation == "nan":
        text = text.replace("0", "NaN", 1)
    elif mutation == "trailing":
        text = text[:-1] + ",}"
    elif mutation == "truncate":
        text = text[:draw(st.integers(0, len(text)))]
    elif mutation == "bom":
        text = "\ufeff" + text
    return text


@st.composite
def plausibility(draw) -> str:
    """Valid files whose numbers may contradict each other."""
    age = draw(st.one_of(st.integers(0, 120), st.floats(0, 120)))
    parts = [f"seizure_types: [focal]\nage_years: {age!r}"]
    if draw(st.booleans()):
        parts.append(f"weight_kg: {draw(st.floats(0.31, 400))!r}")
    if draw(st.booleans()):
        parts.append(f"sex: {draw(st.sampled_from(['female', 'male', 'other']))}")
    if draw(st.booleans()):
        parts.append(f"clinical: {{age_at_onset_years: {draw(st.floats(0, 120))!r}}}")
    if draw(st.booleans()):
        parts.append(f"longest_pretreatment_interval_days: {draw(st.floats(0, 36500))!r}")
    duration = draw(st.floats(0, 1200))
    free = draw(st.floats(0, 1200))
    parts.append("medication_history:\n  - {drug: valproate, outcome: seizure_free, "
                 f"duration_months: {duration!r}, seizure_free_months: {free!r}}}")
    return "\n".join(parts) + "\n"


def _as_bytes(text: str, encoding: str) -> bytes:
    if encoding == "latin-1":
        return text.encode("latin-1", errors="replace")
    if encoding == "nul":
        return text.encode() + b"\x00"
    return text.encode(encoding)


documents = st.one_of(
    yaml_documents(), alias_bombs(), nested(), json_documents(), plausibility(),
    st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
inputs = st.tuples(documents, st.sampled_from(["utf-8"] * 6 + ["utf-16", "latin-1", "nul"]),
                   st.sampled_from(["patient.yaml", "patient.json"]))


def _outcome(kb, data: bytes, name: str) -> int:
    """What ``advisor consult`` would do after loading: 0 (loaded), 2 (InputError); any
    other exception propagates and fails the test (a traceback, exit 1)."""
    try:
        parse_patient_text(kb, data, name=name)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and len(message) <= MAX_LINE, message[:300]
        return 2
    return 0


def test_patient_loader_never_crashes(kb):
    outcomes: Counter[int] = Counter()

    @settings(max_examples=LOADER_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(inputs)
    def run(case):
        text, encoding, name = case
        outcomes[_outcome(kb, _as_bytes(text, encoding), name)] += 1

    run()
    print(f"\npatient loader fuzzing: {sum(outcomes.values())} inputs, "
          f"{outcomes[0]} loaded, {outcomes[2]} refused (exit 2), 0 tracebacks, 0 exits of 1")
    assert sum(outcomes.values()) >= LOADER_EXAMPLES
    assert outcomes[0] > 0 and outcomes[2] > 0  # both paths exercised


def test_consult_command_never_exits_1(kb, shared_kb):
    codes: Counter[int] = Counter()

    @settings(max_examples=CLI_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(inputs)
    def run(case):
        text, encoding, _ = case
        out, err = io.StringIO(), io.StringIO()
        stdin = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(_as_bytes(text, encoding)))
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["consult", "-", "--format", "json"])
        finally:
            sys.stdin = stdin
        assert code in (0, 2), err.getvalue()[:500]
        assert "Traceback" not in err.getvalue() + out.getvalue()
        if code == 2:
            assert len(err.getvalue().strip().splitlines()) == 1
        codes[code] += 1

    run()
    print(f"\nconsult command fuzzing: {sum(codes.values())} inputs, exit 0: {codes[0]}, "
          f"exit 2: {codes[2]}, exit 1: {codes[1]}")
    assert codes[0] > 0 and codes[2] > 0


@pytest.fixture(scope="module")
def shared_kb(kb):
    """The session's knowledge base for the command line (module-scoped: Hypothesis reuses
    one fixture value across its examples)."""
    with pytest.MonkeyPatch.context() as patch:
        load = advisor.knowledge.load_knowledgebase
        patch.setattr(advisor.knowledge, "load_knowledgebase",
                      lambda path=None: kb if path is None else load(path))
        yield
