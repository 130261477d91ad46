"""Write the patient and model files of the hostile corpus, and their ``expect.yaml``.

Run ``python tests/hostile/generate.py`` from the repository root after changing a case
here; the files it writes are committed, and ``tests/test_hostile.py`` runs each through the
command line. The model cases are derived from the shipped models (``models/``): tables
keep their structure but drop the ensemble, to stay small. The cohort tables are defined in
``cohort_cases.py``. ``vcf/`` is not written here. Name folders to write only those:
``python tests/hostile/generate.py cohort``.
"""

from __future__ import annotations

import io
import itertools
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

BASE = "seizure_types: [focal]\n"
VALID = BASE + "age_years: 34\nweight_kg: 70\n"


def bomb(levels: int = 9, width: int = 9, key_prefix: str = "") -> str:
    names = [chr(97 + i) for i in range(levels)]
    lines = [f"{key_prefix}{names[0]}: &{names[0]} [{','.join(['lol'] * width)}]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{key_prefix}{name}: &{name} [{','.join([f'*{prev}'] * width)}]")
    return "\n".join(lines) + "\n"


def nested_flow(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_block(depth: int) -> str:
    return "".join("  " * i + "- \n" for i in range(depth))


PATIENT: dict[str, tuple[str | bytes, int, str]] = {}


def case(name: str, content: str | bytes, exit_code: int, contains: str) -> None:
    assert name not in PATIENT, name
    PATIENT[name] = (content, exit_code, contains)


def patient_cases() -> None:
    # duplicate keys, at every depth
    case("dup-top-level.yaml", BASE + "seizure_types: [absence]\n", 2,
         "seizure_types: duplicate key")
    case("dup-genotype-poor-to-normal.yaml", BASE + "genotypes:\n  CYP2C9: '*3/*3'\n"
         "  CYP2C19: '*1/*1'\n  CYP2C9: '*1/*1'\n", 2, "genotypes.CYP2C9: duplicate key")
    case("dup-in-trial.yaml", BASE + "medication_history:\n  - drug: valproate\n"
         "    outcome: inefficacy\n    drug: lamotrigine\n", 2,
         "medication_history.0.drug: duplicate key")
    case("dup-in-second-trial.yaml", BASE + "medication_history:\n"
         "  - {drug: valproate, outcome: inefficacy}\n"
         "  - {drug: lamotrigine, outcome: intolerance, outcome: seizure_free}\n", 2,
         "medication_history.1.outcome: duplicate key")
    case("dup-clinical-flow.yaml", BASE + "clinical: {eeg_abnormal: true, eeg_abnormal: "
         "false}\n", 2, "clinical.eeg_abnormal: duplicate key")
    case("dup-quoted-and-plain.yaml", BASE + "age_years: 34\n'age_years': 3\n", 2,
         "age_years: duplicate key")
    case("dup-double-quoted.yaml", BASE + "genotypes:\n  \"HLA-B*15:02\": positive\n"
         "  HLA-B*15:02: negative\n", 2, "duplicate key")
    case("dup-deep-variant.yaml", BASE + "genotypes:\n  GABRB3:\n    variant: p.(Thr157Met)"
         "\n    effect: gain_of_function\n    effect: loss_of_function\n", 2,
         "genotypes.GABRB3.effect: duplicate key")
    case("dup-renal.yaml", BASE + "renal:\n  egfr_ml_min: 25\n  egfr_ml_min: 90\n", 2,
         "renal.egfr_ml_min: duplicate key")
    case("dup-reaction.yaml", BASE + "adverse_reactions:\n  - {drug: lamotrigine, reaction: "
         "sjs_ten, reaction: other}\n", 2, "adverse_reactions.0.reaction: duplicate key")
    case("dup-top.json", '{"seizure_types": ["focal"], "seizure_types": ["absence"]}', 2,
         "seizure_types: duplicate key")
    case("dup-genotype.json", '{"seizure_types": ["focal"], "genotypes": {"CYP2C9": "*3/*3",'
         ' "CYP2C9": "*1/*1"}}', 2, "genotypes.CYP2C9: duplicate key")
    case("dup-escaped-key.json", '{"seizure_types": ["focal"], "age_years": 3, '
         '"\\u0061ge_years": 30}', 2, "duplicate key")
    case("dup-in-list.json", '{"seizure_types": ["focal"], "medication_history": [{"drug": '
         '"valproate", "outcome": "inefficacy", "adequate": true, "adequate": false}]}', 2,
         "medication_history.0.adequate: duplicate key")
    # booleans are not numbers
    case("age-true.yaml", BASE + "age_years: true\n", 2,
         "age_years: a boolean is not a number")
    case("age-TRUE.yaml", BASE + "age_years: TRUE\n", 2, "age_years: a boolean is not")
    case("weight-false.yaml", BASE + "weight_kg: false\n", 2,
         "weight_kg: a boolean is not a number")
    case("onset-true.yaml", BASE + "clinical: {age_at_onset_years: true}\n", 2,
         "clinical.age_at_onset_years: a boolean is not a number")
    case("seizure-count-true.yaml", BASE + "clinical: {pretreatment_seizure_count: true}\n",
         2, "clinical.pretreatment_seizure_count: a boolean is not a number")
    case("duration-true.yaml", BASE + "medication_history:\n  - {drug: valproate, outcome: "
         "inefficacy, duration_months: true}\n", 2,
         "medication_history.0.duration_months: a boolean is not a number")
    case("egfr-false.yaml", BASE + "renal: {egfr_ml_min: false}\n", 2,
         "renal.egfr_ml_min: a boolean is not a number")
    case("interval-true.yaml", BASE + "longest_pretreatment_interval_days: true\n", 2,
         "longest_pretreatment_interval_days: a boolean is not a number")
    case("age-true.json", '{"seizure_types": ["focal"], "age_years": true}', 2,
         "age_years: a boolean is not a number")
    # YAML 1.1 numbers that are text under the core schema
    case("age-base60.yaml", BASE + "age_years: 1:20\n", 2,
         "age_years: not a plain decimal number (value: '1:20')")
    case("weight-base60.yaml", BASE + "weight_kg: 1:10\n", 2, "weight_kg: not a plain decimal")
    case("duration-base60.yaml", BASE + "medication_history:\n  - {drug: valproate, outcome: "
         "inefficacy, duration_months: 1:30:00}\n", 2,
         "medication_history.0.duration_months: not a plain decimal number")
    case("age-underscore.yaml", BASE + "age_years: 3_4\n", 2, "not a plain decimal number")
    case("age-hex.yaml", BASE + "age_years: 0x1F\n", 2, "not a plain decimal number")
    case("age-octal-0o.yaml", BASE + "age_years: 0o17\n", 2, "not a plain decimal number")
    case("age-inf.yaml", BASE + "age_years: .inf\n", 2, "not a plain decimal number")
    case("age-nan.yaml", BASE + "age_years: .NaN\n", 2, "not a plain decimal number")
    case("weight-yes.yaml", BASE + "weight_kg: yes\n", 2, "not a plain decimal number")
    case("age-quoted-base60.yaml", BASE + "age_years: '1:20'\n", 2,
         "not a plain decimal number")
    case("age-timestamp.yaml", BASE + "age_years: 2001-12-14\n", 2,
         "age_years: not a plain decimal number (value: '2001-12-14')")
    case("age-leading-zero-is-decimal.yaml", BASE + "age_years: 010\nclinical: "
         "{age_at_onset_years: 9}\n", 0, '"patient_id": null')  # octal 8 would refuse onset 9
    # ids and samples are strings as written
    case("id-octal.yaml", "id: 0123\n" + VALID, 0, '"patient_id": "0123"')
    case("id-decimal.yaml", "id: 1.10\n" + VALID, 0, '"patient_id": "1.10"')
    case("id-exponent.yaml", "id: 1e3\n" + VALID, 0, '"patient_id": "1e3"')
    case("id-base60.yaml", "id: 1:20\n" + VALID, 0, '"patient_id": "1:20"')
    case("id-timestamp.yaml", "id: 2001-12-14\n" + VALID, 0, '"patient_id": "2001-12-14"')
    case("id-yes.yaml", "id: yes\n" + VALID, 0, '"patient_id": "yes"')
    case("id-null.yaml", "id: ~\n" + VALID, 0, '"patient_id": null')
    case("id-number.json", '{"id": 1.10, "seizure_types": ["focal"]}', 0,
         '"patient_id": "1.10"')
    # tags
    case("tag-timestamp.yaml", BASE + "id: !!timestamp 2001-12-14\n", 2,
         "id: tags are not allowed (!!timestamp)")
    case("tag-binary.yaml", BASE + "id: !!binary aGVsbG8=\n", 2,
         "id: tags are not allowed (!!binary)")
    case("tag-python-apply.yaml", BASE + "id: !!python/object/apply:os.system ['true']\n", 2,
         "tags are not allowed (!!python/object/apply:os.system)")
    case("tag-python-name.yaml", BASE + "note: !!python/name:os.system ''\n", 2,
         "tags are not allowed")
    case("tag-custom.yaml", BASE + "id: !patient P-1\n", 2, "id: tags are not allowed (!patient)")
    case("tag-str.yaml", BASE + "id: !!str 0123\n", 2, "tags are not allowed (!!str)")
    case("tag-set.yaml", BASE + "current_medications: !!set {valproate: null}\n", 2,
         "current_medications: tags are not allowed (!!set)")
    case("tag-map.yaml", BASE + "clinical: !!map {eeg_abnormal: true}\n", 2,
         "clinical: tags are not allowed (!!map)")
    case("tag-verbatim.yaml", BASE + "age_years: !<tag:yaml.org,2002:int> 5\n", 2,
         "age_years: tags are not allowed (!!int)")
    case("tag-directive.yaml", "%TAG !e! tag:example.com,2000:\n---\n" + BASE +
         "id: !e!patient P-1\n", 2, "tags are not allowed (tag:example.com,2000:patient)")
    case("tag-float-on-age.yaml", BASE + "age_years: !!float 34\n", 2, "tags are not allowed")
    # aliases
    case("alias-bomb-324-bytes.yaml", bomb(), 2, "expanded size")
    case("alias-bomb-wide.yaml", bomb(levels=6, width=40), 2, "expanded size")
    case("alias-bomb-deep-chain.yaml", bomb(levels=26, width=2), 2, "expanded size")
    case("alias-bomb-under-genotypes.yaml", BASE + "genotypes:\n" + "".join(
        "  " + line + "\n" for line in bomb().splitlines()), 2, "expanded size")
    case("alias-bomb-in-seizure-types.yaml", bomb().replace("i: &i", "seizure_types: &i"), 2,
         "expanded size")
    case("alias-recursive.yaml", BASE + "genotypes: &g {CYP2C9: *g}\n", 2,
         "genotypes.CYP2C9: an alias inside the node it names")
    case("alias-undefined.yaml", BASE + "current_medications: *nowhere\n", 2,
         "current_medications: an alias to an undefined anchor")
    case("unquoted-star-allele.yaml", BASE + "genotypes:\n  CYP2C9: *1/*3\n", 2,
         "in genotypes.CYP2C9): did not find expected alphabetic or numeric character (a "
         "value that starts with '*' must be quoted")
    case("unquoted-star-allele-alias.yaml", BASE + "genotypes:\n  CYP2C19: *17\n", 2,
         "genotypes.CYP2C19: an alias to an undefined anchor (a value that starts with '*' "
         "must be quoted")
    case("alias-too-many.yaml", "seizure_types: [&f focal]\nx: [" + ", ".join(
        ["*f"] * 101) + "]\n", 2, "more than 100 aliases")
    case("alias-as-key.yaml", BASE + "a: &k age_years\n*k : 3\n", 2,
         "a mapping key must be text")
    case("alias-small-is-fine.yaml", "seizure_types: &s [focal]\ncandidate_drugs: "
         "&c [lamotrigine]\nid: P-alias\n", 0, '"patient_id": "P-alias"')
    case("merge-key.yaml", "base: &b {age_years: 3}\n<<: *b\n" + BASE, 2, "unknown field")
    # nesting, list lengths, sizes
    case("deep-flow.yaml", BASE + "genotypes: " + nested_flow(100) + "\n", 2,
         "nested deeper than 20 levels")
    case("deep-block.yaml", BASE + "clinical:\n" + "".join(
        "  " * (i + 1) + f"k{i}:\n" for i in range(40)) + "  " * 41 + "x: 1\n", 2,
         "nested deeper than 20 levels")
    case("deep-10000.yaml", "x: " + nested_flow(10_000) + "\n", 2, "nested deeper than 20")
    case("deep.json", '{"seizure_types": ["focal"], "genotypes": ' + nested_flow(50).replace(
        "[", '{"a": ').replace("]", "}").replace('{"a": }', '{"a": 1}') + "}", 2,
         "nested deeper than 20 levels")
    case("deep-list.json", '{"x": ' + nested_flow(5000) + "}", 2, "nested deeper than 20")
    case("huge-seizure-types.yaml", "seizure_types: [" + ", ".join(["focal"] * 1001) + "]\n",
         2, "seizure_types: more than 1,000 items")
    case("huge-medication-history.yaml", BASE + "medication_history:\n" + "".join(
        "  - {drug: valproate, outcome: inefficacy}\n" for _ in range(1001)), 2,
         "medication_history: more than 1,000 items")
    case("huge-genotypes.yaml", BASE + "genotypes:\n" + "".join(
        f"  rs{i}: A/A\n" for i in range(1001)), 2, "genotypes: more than 1,000 entries")
    case("huge-list.json", '{"seizure_types": [' + ", ".join(['"focal"'] * 1001) + "]}", 2,
         "seizure_types: more than 1,000 items")
    case("too-many-seizure-types.yaml", "seizure_types: [" + ", ".join(["focal"] * 51) +
         "]\n", 2, "seizure_types: list should have at most 50 items")
    case("too-many-trials.yaml", BASE + "medication_history:\n" + "".join(
        "  - {drug: valproate, outcome: inefficacy}\n" for _ in range(201)), 2,
         "medication_history: list should have at most 200 items")
    case("too-many-reactions.yaml", BASE + "adverse_reactions:\n" + "".join(
        f"  - {{drug: unlisted{i}, reaction: other}}\n" for i in range(101)), 2,
         "adverse_reactions: list should have at most 100 items")
    case("too-many-genotypes.json", '{"seizure_types": ["focal"], "genotypes": {' + ", ".join(
        f'"rs{i}": "A/G"' for i in range(501)) + "}}", 2,
         "genotypes: dictionary should have at most 500 items")
    case("many-values.yaml", BASE + "x:\n" + "".join(
        "  - [" + ", ".join(["1"] * 999) + "]\n" for _ in range(51)), 2,
         "more than 50,000 values")
    case("long-note.yaml", BASE + "medication_history:\n  - {drug: valproate, outcome: "
         "inefficacy, note: " + "x" * 10_001 + "}\n", 2,
         "medication_history.0.note: text longer than 10,000 characters")
    case("long-key.yaml", BASE + "? " + "k" * 10_001 + "\n: 1\n", 2,
         "a key longer than 10,000 characters")
    case("long-implicit-key.yaml", BASE + "k" * 2_000 + ": 1\n", 2, "not valid YAML or JSON")
    case("long-id.json", '{"seizure_types": ["focal"], "id": "' + "9" * 10_001 + '"}', 2,
         "id: text longer than 10,000 characters")
    case("too-large.yaml", BASE + ("# padding\n" * 100_001), 2, "larger than 1,000,000 bytes")
    case("two-documents.yaml", BASE + "---\n" + BASE, 2, "more than one YAML document")
    # values that contradict each other
    case("weight-350kg-age-2.yaml", BASE + "age_years: 2\nweight_kg: 350\n", 2,
         "weight_kg: not plausible for age_years 2")
    case("weight-200kg-age-6.yaml", BASE + "age_years: 6\nweight_kg: 200\nsex: female\n", 2,
         "weight_kg: not plausible for age_years 6 (female")
    case("weight-3kg-age-10.yaml", BASE + "age_years: 10\nweight_kg: 3\nsex: male\n", 2,
         "weight_kg: not plausible for age_years 10 (male")
    case("weight-30kg-infant.yaml", BASE + "age_years: 0.5\nweight_kg: 30\n", 2,
         "WHO Child Growth Standards")
    case("weight-ok-edge.yaml", BASE + "age_years: 2\nweight_kg: 25\nid: P-edge\n", 0,
         '"patient_id": "P-edge"')
    case("onset-after-age.yaml", BASE + "age_years: 12\nclinical: {age_at_onset_years: 14}\n",
         2, "clinical.age_at_onset_years: after the current age (age_years 12)")
    case("onset-after-age.json", '{"seizure_types": ["focal"], "age_years": 3, "clinical": '
         '{"age_at_onset_years": 4.5}}', 2, "clinical.age_at_onset_years: after the current")
    case("trial-longer-than-life.yaml", BASE + "age_years: 2\nmedication_history:\n  - {drug:"
         " valproate, outcome: inefficacy, adequate: true, duration_months: 60}\n", 2,
         "medication_history.0.duration_months: longer than the patient's life")
    case("second-trial-longer-than-life.yaml", BASE + "age_years: 4\nmedication_history:\n"
         "  - {drug: levetiracetam, outcome: inefficacy, adequate: true, duration_months: 6}\n"
         "  - {drug: valproate, outcome: ongoing, duration_months: 120}\n", 2,
         "medication_history.1.duration_months: longer than the patient's life")
    case("seizure-free-longer-than-trial.yaml", BASE + "age_years: 30\nmedication_history:\n"
         "  - {drug: valproate, outcome: seizure_free, duration_months: 2, "
         "seizure_free_months: 200}\n", 2,
         "medication_history.0.seizure_free_months: longer than the trial (duration_months 2)")
    case("relapse-longer-than-life.yaml", BASE + "age_years: 1.5\nmedication_history:\n"
         "  - {drug: valproate, outcome: relapse, seizure_free_months: 30}\n", 2,
         "medication_history.0.seizure_free_months: longer than the patient's life")
    case("interval-longer-than-life.yaml", BASE + "age_years: 3\n"
         "longest_pretreatment_interval_days: 3000\n", 2,
         "longest_pretreatment_interval_days: longer than the patient's life (age_years 3)")
    # bytes and encodings
    case("bom-utf8.yaml", "\ufeffid: P-bom\n" + VALID, 0, '"patient_id": "P-bom"')
    case("bom-utf8.json", '\ufeff{"id": "P-bom", "seizure_types": ["focal"]}', 0,
         '"patient_id": "P-bom"')
    case("utf16-bom.yaml", ("\ufeff" + VALID).encode("utf-16-le"), 2,
         "UTF-16 text: save the file as UTF-8")
    case("utf16-no-bom.yaml", VALID.encode("utf-16-le"), 2, "NUL character at offset 1")
    case("utf32-bom.yaml", VALID.encode("utf-32"), 2, "UTF-32 text")
    case("latin1-name.yaml", ("id: José\n" + VALID).encode("latin-1"), 2,
         "not UTF-8 text (byte 0xe9 at offset 7")
    case("overlong-utf8.yaml", b"id: \xc0\xaf\n" + VALID.encode(), 2, "not UTF-8 text")
    case("nul-byte.yaml", (VALID + "id: P\x001\n").encode(), 2, "NUL character")
    case("control-char.yaml", (VALID + "id: P\x07\n").encode(), 2, "not valid YAML or JSON")
    case("png-header.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 2, "not UTF-8 text")
    case("empty.yaml", b"", 2, "the file is empty")
    case("whitespace-only.yaml", "  \n\t\n", 2, "the file is empty")
    case("comment-only.yaml", "# nothing here\n", 2, "a patient file must be a mapping")
    # JSON variants
    case("nan.json", '{"seizure_types": ["focal"], "age_years": NaN}', 2,
         "NaN and Infinity are not allowed")
    case("infinity.json", '{"seizure_types": ["focal"], "weight_kg": -Infinity}', 2,
         "NaN and Infinity are not allowed")
    case("trailing-comma.json", '{"seizure_types": ["focal"],}', 2, "not valid JSON")
    case("comment.json", '{"seizure_types": ["focal"] /* x */}', 2, "not valid JSON")
    case("single-quotes.json", "{'seizure_types': ['focal']}", 2, "not valid JSON")
    case("unterminated.json", '{"seizure_types": ["focal]}', 2, "not valid JSON")
    case("top-level-array.json", '[{"seizure_types": ["focal"]}]', 2,
         "a patient file must be a mapping")
    case("number-out-of-range.json", '{"seizure_types": ["focal"], "age_years": 1e400}', 2,
         "a number out of range")
    case("number-too-long.json", '{"seizure_types": ["focal"], "age_years": ' + "9" * 200 +
         "}", 2, "a number with too many digits")
    case("tabs.json", '{\t"id":\t"P-tab",\t"seizure_types":\t["focal"]}', 0,
         '"patient_id": "P-tab"')
    case("json-in-yaml-file.yaml", '{"id": "P-json", "seizure_types": ["focal"]}', 0,
         '"patient_id": "P-json"')
    case("yaml-flow-not-json.yaml", "{id: P-flow, seizure_types: [focal]}", 0,
         '"patient_id": "P-flow"')
    # other shapes
    case("top-level-list.yaml", "- focal\n", 2, "a patient file must be a mapping")
    case("top-level-scalar.yaml", "focal\n", 2, "a patient file must be a mapping")
    case("complex-key.yaml", BASE + "? [age_years]\n: 3\n", 2, "a mapping key must be text")
    case("yes-key.yaml", BASE + "yes: 1\n", 2, "yes: unknown field")
    case("null-key.yaml", BASE + "~: 1\n", 2, "~: unknown field")
    case("number-as-drug.yaml", BASE + "current_medications: [123]\n", 2,
         "current_medications.0")
    case("syntax-error.yaml", BASE + "genotypes: {CYP2C9: [\n", 2, "not valid YAML or JSON")


def write_patients() -> None:
    folder = HERE / "patient"
    folder.mkdir(exist_ok=True)
    patient_cases()
    lines = ["# file: {exit: expected exit code, contains: fragment of the one-line message",
             "#   (exit 2, standard error) or of the JSON report (exit 0)}",
             "# Written by tests/hostile/generate.py."]
    for name, (content, exit_code, contains) in sorted(PATIENT.items()):
        (folder / name).write_bytes(content if isinstance(content, bytes) else
                                    content.encode("utf-8"))
        lines.append(f"{name}: {json.dumps({'exit': exit_code, 'contains': contains})}")
    (folder / "expect.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- model files -----------------------------------------------------------------------------

MODEL: dict[str, dict[str, Any]] = {}


def shipped_table() -> dict[str, Any]:
    data = json.loads((ROOT / "models" / "dre_risk.table.json").read_text())
    data["meta"].pop("ensemble", None)
    return data


def table_case(name: str, change, contains: str, *, trust: bool = True) -> None:
    data = shipped_table()
    change(data)
    MODEL[name] = {"content": json.dumps(data, indent=1).encode(), "as": "dre_risk.table.json",
                   "run": "consult", "trust": trust, "exit": 0, "contains": contains}


def skops_case(name: str, content: bytes, contains: str, *, run: str = "consult",
               trust: bool = True) -> None:
    MODEL[name] = {"content": content, "as": "dre_risk.skops", "run": run, "trust": trust,
                   "exit": 2 if run == "table" else 0, "contains": contains}


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb(unpacked: int = 25_000_000) -> bytes:
    out = io.BytesIO()
    with (zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
          archive.open("schema.json", "w", force_zip64=True) as entry):
        for _ in range(unpacked // 1_000_000):
            entry.write(b" " * 1_000_000)
    return out.getvalue()


def untrusted_type_model() -> bytes:
    import skops.io as sio
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.pipeline import Pipeline

    from advisor.risk.persist import FORMAT, load_model

    class Doubler(TransformerMixin, BaseEstimator):
        def fit(self, x, y=None):
            return self

        def transform(self, x):
            return x * 2

    model = load_model(ROOT / "models" / "dre_risk.skops")
    out = io.BytesIO()
    sio.dump({"format": FORMAT, "meta_json": json.dumps(model.meta),
              "estimator": Pipeline([("double", Doubler()), *model.estimator.steps])}, out,
             compression=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def model_cases() -> None:
    shipped = (ROOT / "models" / "dre_risk.skops").read_bytes()

    def flip(d):
        d["base"] = -d["base"]
        d["terms"] = [[c, k, -v] for c, k, v in d["terms"]]

    table_case("flipped-coefficients.table.json", flip,
               "not in the manifest of the shipped models; pass --trust-models", trust=False)
    table_case("reformatted-shipped.table.json", lambda d: None,
               "dre_risk.table.json (sha256", trust=False)
    table_case("stale.table.json", lambda d: d.update(model_sha256="0" * 64),
               "was derived from another version of dre_risk.skops")
    table_case("missing-term.table.json", lambda d: d["terms"].pop(), "no term for")
    table_case("unknown-column-term.table.json", lambda d: d["terms"].append(
        ["nowhere", "x", 0.5]), "a term names an unknown column")
    table_case("huge-coefficient.table.json", lambda d: d["terms"][0].__setitem__(2, 1e300),
               "expected a finite number within")
    table_case("bool-base.table.json", lambda d: d.update(base=True), "expected a finite number")
    table_case("string-base.table.json", lambda d: d.update(base="0.5"),
               "expected a finite number")
    table_case("wrong-kind.table.json", lambda d: d["meta"].update(kind="other"),
               "unknown model kind")
    table_case("wrong-format.table.json", lambda d: d.update(format="x"), "expected format")
    table_case("no-metrics.table.json", lambda d: d["meta"].pop("held_out_metrics"),
               "held_out_metrics")
    table_case("ensemble-mismatch.table.json", lambda d: d["meta"].update(ensemble={
        "method": "m", "base": [0.0, 0.1], "deltas": [[0.0] * len(d["terms"]), [0.0]]}),
        "ensemble: one base and one delta per term")

    def rename(d):
        first = next(iter(d["columns"]))
        d["columns"] = {("renamed" if c == first else c): v for c, v in d["columns"].items()}
        d["reference"]["renamed"] = d["reference"].pop(first)
        d["terms"] = [["renamed" if c == first else c, k, v] for c, k, v in d["terms"]]

    table_case("other-features.table.json", rename, "trained on other features")
    text_cases = {
        "not-json.table.json": (b"model: not json", "not valid JSON"),
        "nan-term.table.json": (json.dumps(shipped_table()).replace(
            str(shipped_table()["base"]), "NaN", 1).encode(), "NaN and Infinity"),
        "duplicate-key.table.json": (b'{"format": "advisor-risk-table/1", "format": "x"}',
                                     "duplicate key"),
        "deep.table.json": (b'{"meta": ' + b"[" * 50 + b"]" * 50 + b"}", "nested deeper"),
        "empty.table.json": (b"", "not valid JSON"),
    }
    for name, (content, contains) in text_cases.items():
        MODEL[name] = {"content": content, "as": "dre_risk.table.json", "run": "consult",
                       "trust": True, "exit": 0, "contains": contains}
    skops_case("wrong-sha.skops", shipped + b"\0", "is not in the manifest", trust=False)
    skops_case("wrong-sha-trusted.skops", shipped + b"\0", "derived from another version")
    skops_case("zip-bomb.skops", zip_bomb(), "unpacks to 25,000,000 bytes")
    skops_case("zip-bomb-table.skops", zip_bomb(), "(a zip bomb?)", run="table")
    skops_case("not-a-zip.skops", b"PK not really a zip", "not a skops model file")
    skops_case("truncated.skops", shipped[:4000], "not a skops model file")
    skops_case("empty.skops", b"", "not a skops model file")
    skops_case("no-schema.skops", zip_bytes({"a.npy": b"x"}), "no schema.json")
    skops_case("malformed-schema.skops", zip_bytes({"schema.json": b'{"__class__": [1, {'}),
               "not a skops model file", run="table")
    skops_case("schema-wrong-shape.skops", zip_bytes({"schema.json": b'{"content": 5}'}),
               "not a", run="table")
    skops_case("untrusted-type.skops", untrusted_type_model(), "untrusted type(s)", run="table")


def write_models() -> None:
    folder = HERE / "model"
    folder.mkdir(exist_ok=True)
    model_cases()
    lines = ["# file: {as: the model file it replaces in a copy of models/, run: consult (a",
             "#   consult of examples/hla-b1502-focal-dre.yaml with ADVISOR_MODELS pointing",
             "#   to the copy) or table ('advisor model table' on it), trust: --trust-models,",
             "#   exit, contains: fragment of the report's risk_note (consult) or of the",
             "#   one-line error (table)}",
             "# Written by tests/hostile/generate.py."]
    for name, spec in sorted(MODEL.items()):
        (folder / name).write_bytes(spec["content"])
        entry = {k: v for k, v in spec.items() if k != "content"}
        lines.append(f"{name}: {json.dumps(entry)}")
    (folder / "expect.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    from cohort_cases import COHORT, write_cohorts

    chosen = set(sys.argv[1:]) or {"patient", "model", "cohort"}
    if "patient" in chosen:
        write_patients()
    if "model" in chosen:
        write_models()
    if "cohort" in chosen:
        write_cohorts(HERE / "cohort")
    print(f"{len(PATIENT)} patient files, {len(MODEL)} model files, {len(COHORT)} cohort "
          f"tables in {HERE}")
