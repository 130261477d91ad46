"""The cohort tables of the hostile corpus (``cohort/``) and their ``expect.yaml``; written
by ``python tests/hostile/generate.py cohort`` (see generate.py).

Each case is screened by ``advisor screen {file} --out {tmp}/results.csv --errors
{tmp}/errors.csv`` unless it gives its own ``argv``. Exit 0 cases name a fragment of the
summary or of the errors table: the bad row is reported and every other row processed.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

HEADER = "sample_id,CYP2C9,HLA-B*15:02,seizure_types,age_years,weight_kg\n"
ROWS = ["S1,*1/*1,negative,focal,34,70\n", "S2,*1/*3,positive,focal,8,25\n",
        "S3,*3/*3,negative,absence,61,80\n"]
CLINICAL = "sample_id,CYP2C9,age_years,weight_kg,sex,age_at_onset_years,"\
    "longest_pretreatment_interval_days,eeg_abnormal\n"

COHORT: dict[str, dict[str, Any]] = {}


def case(name: str, content: str | bytes, exit_code: int, contains: str,
         argv: list[str] | None = None) -> None:
    assert name not in COHORT, name
    COHORT[name] = {"content": content.encode() if isinstance(content, str) else content,
                    "exit": exit_code, "contains": contains,
                    **({"argv": argv} if argv else {})}


def table(*rows: str, header: str = HEADER) -> str:
    return header + "".join(rows)


def gz(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return gzip.compress(data, mtime=0)


def parquet(columns: dict[str, Any]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def row_cases() -> None:
    """Rows that cost only themselves: the others are processed (3 good rows each)."""
    good = "".join(ROWS)
    case("bad-byte-row.csv", (HEADER + good).encode() + b"S4,*1/*\xff1,negative,focal,5,20\n",
         0, "not UTF-8 text")
    case("latin1-name.csv", (HEADER + good).encode() + b"Jos\xe9,*1/*1,negative,focal,5,20\n",
         0, "samples: 4 in, 3 processed, 1 with errors")
    case("latin1-whole-file.csv", table(*ROWS).encode() + "Zoë,*1/*1,negative,focal,5,20\n"
         "Renée,*1/*3,negative,focal,5,20\n".encode("latin-1"), 0, "2 with errors")
    case("windows-1252-quote.csv", (HEADER + good).encode() + b"O\x92Brien,*1/*1,,,,\n", 0,
         "another encoding, such as Latin-1")
    case("extra-field.csv", table(ROWS[0], "S4,*1/*1,negative,focal,34,70,surplus\n",
                                  *ROWS[1:]), 0, "7 fields where the header has 6")
    case("missing-fields.csv", table(ROWS[0], "S4,*1/*1\n", *ROWS[1:]), 0,
         "2 fields where the header has 6")
    case("semicolon-rows.csv", table(ROWS[0], "S4;*1/*2;negative;focal;34;70\n", *ROWS[1:]),
         0, "is this row separated by ';'?")
    case("ids-holding-semicolons.csv", "sample_id\nS1\nS0001053;*1/*2;focal\nS3\n", 0,
         "a sample_id holding ';'")
    case("duplicate-ids.csv", table(*ROWS, "S1,*1/*1,negative,focal,34,70\n"), 0,
         "duplicate sample_id (first at row 1)")
    case("duplicate-conflicting-genotypes.csv", table(
        "S1,*3/*3,negative,focal,34,70\n", *ROWS[1:], "S1,*1/*1,negative,focal,34,70\n"), 0,
        "samples: 4 in, 3 processed, 1 with errors")
    case("nul-bytes.csv", (HEADER + good).encode() + b"S4\x00,*1/*1,,,,\n", 0,
         "a NUL byte in the text")
    case("empty-rows.csv", table(ROWS[0], "\n", ",,,,,\n", *ROWS[1:]), 0, "an empty row")
    case("missing-id.csv", table(*ROWS, ",*1/*1,negative,focal,34,70\n"), 0,
         "missing sample_id")
    case("unterminated-quote.csv", table(*ROWS, 'S4,"*1/*1,negative,focal,34,70\n'), 0,
         "where the header has 6")
    case("huge-bad-cell.csv.gz", gz(table(*ROWS, "S4," + "*1" * 500_000 + ",,,,\n")), 0,
         "…,CYP2C9: malformed diplotype")


def formula_cases() -> None:
    """Formula-like ids are processed as text and written with a leading quote (the bad
    allele sends each to the errors table too, where the test reads it)."""
    for name, cell in (("formula-hyperlink.csv", '"=HYPERLINK(""http://evil.test"",""x"")"'),
                       ("formula-plus.csv", "+1+cmd|' /C calc'!A0"),
                       ("formula-minus.csv", "-2+3"),
                       ("formula-at.csv", "@SUM(A1:A9)"),
                       ("formula-dde.csv", "=cmd|' /C notepad'!'A1'")):
        shown = "'" + (cell.strip('"').replace('""', '"') if cell.startswith('"') else cell)
        case(name, table(*ROWS, f"{cell},*1/*99,negative,focal,30,60\n"), 0,
             shown[:12])


def file_cases() -> None:
    """Whole files that are not a usable table: exit 2 with one line."""
    case("empty.csv", "", 2, "the file is empty")
    case("header-only.csv", HEADER, 2, "the cohort has no rows")
    case("blank-first-line.csv", "\n" + table(*ROWS), 2, "the first line (the header) is empty")
    case("semicolon-file.csv", HEADER.replace(",", ";") + ROWS[0].replace(",", ";"), 2,
         "the header is one column holding ';'")
    case("tab-separated.csv", HEADER.replace(",", "\t") + ROWS[0].replace(",", "\t"), 2,
         "the header is one column holding a tab")
    case("comma-separated.tsv", table(*ROWS), 2, "the header is one column holding ','")
    case("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", 2,
         "the header is not UTF-8 text")
    case("utf16.csv", table(*ROWS).encode("utf-16"), 2, "the header is not UTF-8 text")
    case("no-sample-id.csv", "id,CYP2C9\nA,*1/*1\n", 2,
         "needs a sample_id column (value: 'id,CYP2C9')")
    case("unknown-column.csv", "sample_id,CYP2C8\nA,*1/*1\n", 2,
         "column CYP2C8: unknown gene, genotype or context column")
    case("duplicate-column.csv", "sample_id,CYP2C9,CYP2C9\nA,*1/*1,*3/*3\n", 2,
         "duplicate column")
    case("reserved-column.csv", "sample_id,__row_error__\nA,x\n", 2, "a reserved column name")
    case("many-columns.csv", "sample_id," + ",".join(f"x{i}" for i in range(1500)) + "\nS1"
         + "," * 1500 + "\n", 2, "column x0: unknown")
    case("columns-10000.csv", "sample_id," + ",".join(f"x{i}" for i in range(10_000)) + "\n",
         2, "more than 2,000 columns")
    case("duplicate-column-header-only.csv", "sample_id,CYP2C9,CYP2C9\n", 2,
         "duplicate column")
    case("long-header.csv.gz", gz("sample_id," + "y" * 2_000_000), 2,
         "the header line is longer than 1 MB")
    case("huge-row.csv.gz", gz(table(*ROWS, "S4," + "x" * 5_000_000 + ",,,,\n")), 2,
         "a row longer than 4 MB")
    case("not-gzip.csv.gz", table(*ROWS), 2, "not readable")
    case("gzip-bomb-blank-lines.csv.gz", gz(table(*ROWS) + "\n" * 40_000_000), 2,
         "unpacks to more than 200 times its packed size")
    case("bom-crlf.csv", "\ufeff" + table(*ROWS).replace("\n", "\r\n"), 0,
         "samples: 3 in, 3 processed, 0 with errors")
    case("bom.tsv", "\ufeff" + table(*ROWS).replace(",", "\t"), 0,
         "samples: 3 in, 3 processed")
    case("cr-only.csv", table(*ROWS).replace("\n", "\r"), 0, "samples: 3 in, 3 processed")


def parquet_cases() -> None:
    ok = parquet({"sample_id": ["S1", "S2"], "CYP2C9": ["*1/*1", "*3/*3"]})
    case("truncated.parquet", ok[:len(ok) // 2], 2, "not a readable Parquet file")
    case("no-footer.parquet", ok[:-8], 2, "not a readable Parquet file")
    case("text-named.parquet", table(*ROWS), 2, "not a readable Parquet file")
    case("empty.parquet", b"", 2, "not a readable Parquet file")
    case("typed-columns.parquet", parquet({"sample_id": [1, 2], "CYP2C9": ["*1/*1", "*1/*3"],
                                           "age_years": [34.0, 8.5]}), 0,
         "samples: 2 in, 2 processed, 0 with errors")
    case("list-column.parquet", parquet({"sample_id": ["S1"], "seizure_types": [["focal"]]}),
         2, "a column of lists or records")
    case("duplicate-ids.parquet", parquet({"sample_id": ["S1", "S2", "S1"],
                                           "CYP2C9": ["*1/*1", "*1/*3", "*3/*3"]}), 0,
         "duplicate sample_id (first at row 1)")
    case("bad-utf8.parquet", parquet({"sample_id": ["S1", "S\ufffd"],
                                      "CYP2C9": ["*1/*1", "*1/*1"]}), 0, "not UTF-8 text")


def value_cases() -> None:
    """Values checked by the shared field specification, row by row."""
    case("age-not-a-number.csv", table(*ROWS, "S4,*1/*1,negative,focal,abc,70\n"), 0,
         "age_years,abc,must be a number from 0 to 120")
    case("age-boolean.csv", table(*ROWS, "S4,*1/*1,negative,focal,true,70\n"), 0,
         "must be a number from 0 to 120")
    case("age-base-60.csv", table(*ROWS, "S4,*1/*1,negative,focal,1:20,70\n"), 0,
         "age_years,1:20")
    case("age-negative.csv", table(*ROWS, "S4,*1/*1,negative,focal,-3,70\n"), 0,
         "must be a number from 0 to 120")
    case("age-nan.csv", table(*ROWS, "S4,*1/*1,negative,focal,nan,70\n"), 0,
         "age_years,nan,must be")
    case("weight-implausible.csv", table(*ROWS, "S4,*1/*1,negative,focal,2,350\n"), 0,
         "not plausible for age_years 2")
    case("onset-after-age.csv", table("S1,*1/*1,30,70,female,40,,\n", header=CLINICAL), 0,
         "after the current age (age_years 30)")
    case("interval-longer-than-life.csv", table("S1,*1/*1,2,12,male,1,5000,\n",
                                                header=CLINICAL), 0,
         "longer than the patient's life (age_years 2)")
    case("bool-garbage.csv", table("S1,*1/*1,30,70,female,5,,maybe\n", header=CLINICAL), 0,
         "expected true/false")
    case("unknown-allele.csv", table(*ROWS, "S4,*1/*99,negative,focal,34,70\n"), 0,
         "*1/*99")
    case("unknown-seizure-type.csv", table(*ROWS, "S4,*1/*1,negative,focal;zzz,34,70\n"), 0,
         "unknown seizure type 'zzz'")
    case("unknown-drug.csv", "sample_id,CYP2C9,current_medications\nS1,*1/*1,aspirinx\n", 0,
         "unknown drug 'aspirinx'")
    case("sex-unknown-word.csv", table("S1,*1/*1,30,70,robot,5,,\n", header=CLINICAL), 0,
         "unknown sex 'robot'")


def option_cases() -> None:
    """Unsafe options, refused before any work."""
    base = table(*ROWS)
    case("chunksize-zero.csv", base, 2, "--chunksize: must be at least 1",
         argv=["screen", "{file}", "--out", "{tmp}/r.csv", "--chunksize", "0"])
    case("out-is-input.csv", base, 2, "--out: is the input file",
         argv=["screen", "{file}", "--out", "{file}"])
    case("errors-is-input.csv", base, 2, "--errors: is the input file",
         argv=["screen", "{file}", "--out", "{tmp}/r.csv", "--errors", "{file}"])
    case("errors-is-out.csv", base, 2, "is also given as --out",
         argv=["screen", "{file}", "--out", "{tmp}/r.csv", "--errors", "{tmp}/r.csv"])
    case("out-missing-folder.csv", base, 2, "does not exist",
         argv=["screen", "{file}", "--out", "{tmp}/no/such/folder/r.csv"])


def write_cohorts(folder: Path) -> None:
    for make in (row_cases, formula_cases, file_cases, parquet_cases, value_cases,
                 option_cases):
        make()
    lines = ["# file: {exit, contains, argv?}; see ../README.md. Written by",
             "# tests/hostile/generate.py (cases in tests/hostile/cohort_cases.py)."]
    for name, spec in sorted(COHORT.items()):
        (folder / name).write_bytes(spec["content"])
        entry = {k: v for k, v in spec.items() if k != "content"}
        lines.append(f"{name}: {json.dumps(entry)}")
    (folder / "expect.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
