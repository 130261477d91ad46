"""Fuzz the VCF reader (marked ``slow``; plain ``pytest`` runs it, as CI does).

Inputs are valid VCFs at knowledge-base sites (plain, gVCF, phased with PS, several
samples) broken in the ways real files break: fields replaced by odd values (bad GT, ploidy,
POS, REF, ALT, END, PS), lines dropped, duplicated, cut or swapped, header lines removed or
contradicted, bytes inserted, compression cut short, and raw bytes. Every input must end in
calls or an InputError (the command line's exit 2) with a one-line message: 0 tracebacks, 0
exits of 1. 10,000 examples go through the reader and caller in process
(``VcfCaller.call_table``, what ``advisor call`` runs); a sample goes through the command
line.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import advisor.knowledge
from advisor.cli import main
from advisor.errors import InputError
from advisor.genotype.vcf import VcfCaller
from tests.vcf_builder import VcfBuilder, bgzip

pytestmark = pytest.mark.slow

READER_EXAMPLES = 10_000
CLI_EXAMPLES = 300
FOLDER = "/dev/shm" if os.path.isdir("/dev/shm") else None

ODD = ["", ".", "./.", ".|.", "0", "1", "2", "0/0", "0|1", "1/.", "0/0/1", "0/1/2/3", "A/B",
       "-1/0", "0/-2", "99/0", "0/99", "1|1", "2147483648", "-2147483649", "1e9", "0x10", "/",
       "|", "0//1", "0/1:5", "<NON_REF>", "<*>", "N", "AC,T", "A,,T", "*", "END=1",
       "END=999999999", "END=-5", "END=abc", "PS=1", "chr10", "10", "chrUn", "GT", "GT:PS",
       "PS:GT", "DP", "\t", " ", "é", "\x00", "\xff", "x" * 300]
HEADER_LINES = [
    '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">',
    '##FORMAT=<ID=PS,Number=1,Type=String,Description="Phase set">',
    '##FORMAT=<ID=GT,Number=1,Type=Integer,Description="Genotype">',
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
    '##INFO=<ID=END,Number=A,Type=String,Description="End">',
    "##contig=<ID=chr10,length=135534747>", "##reference=hg19", "##fileformat=VCFv4.3",
    "##contig=<ID=chr10,length=abc>", "##FORMAT=<ID=GT", "##INFO=<>", "#CHROM", "garbage"]


def _bases(kb) -> list[str]:
    """Valid VCFs to break."""
    star3 = next(v for v in kb.genes["CYP2C9"].variants if v.rsid == "rs1057910")
    cyp2c9 = VcfBuilder(kb, samples=("S1", "S2")).reference("CYP3A5", "ABCB1")
    cyp2c9.diplotype("CYP3A5", "*1", "*3", sample="S2")
    phased = VcfBuilder(kb, samples=("A", "B", "C")).reference("CYP3A5")
    phased.diplotype("CYP3A5", "*3", "*6", sample="B", phased=True)
    phased.genotype("CYP2C9", star3.id, star3.ref, star3.alts[0], sample="C", phased=True, ps=7)
    one = VcfBuilder(kb, contigs=False).reference("CYP3A5")
    gvcf = VcfBuilder(kb).reference("CYP3A5").text().splitlines()
    head = [line for line in gvcf if line.startswith("#")]
    first = next(line for line in gvcf if not line.startswith("#")).split("\t")
    block = [first[0], str(int(first[1]) - 10), ".", "A", "<NON_REF>", ".", ".",
             f"END={int(first[1]) + 100000}", "GT", "0/0"]
    head.insert(1, '##INFO=<ID=END,Number=1,Type=Integer,Description="End">')
    return [cyp2c9.text(), phased.text(), one.text(), "\n".join([*head, "\t".join(block)]) + "\n"]


@st.composite
def broken_vcfs(draw, bases: list[str]) -> tuple[bytes, str]:
    """A valid VCF broken in a few ways, compressed or not: (bytes, file suffix)."""
    lines = draw(st.sampled_from(bases)).splitlines()
    for _ in range(draw(st.integers(0, 4))):
        k = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["field", "field", "field", "drop", "dup", "cut", "swap",
                                       "header", "bytes", "columns"]))
        if action == "field":
            cells = lines[k].split("\t")
            cells[draw(st.integers(0, len(cells) - 1))] = draw(st.sampled_from(ODD))
            lines[k] = "\t".join(cells)
        elif action == "drop" and len(lines) > 1:
            del lines[k]
        elif action == "dup":
            lines.insert(k, lines[k])
        elif action == "cut":
            lines[k] = lines[k][:draw(st.integers(0, len(lines[k])))]
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[k], lines[j] = lines[j], lines[k]
        elif action == "header":
            lines.insert(draw(st.integers(0, 3)), draw(st.sampled_from(HEADER_LINES)))
        elif action == "bytes":
            lines[k] += draw(st.text(max_size=8))
        else:  # one sample column more or fewer
            lines[k] = lines[k] + "\t0/1" if draw(st.booleans()) else lines[k].rsplit("\t", 1)[0]
    ending = draw(st.sampled_from(["\n", "\n", "\r\n", ""]))
    data = (ending.join(lines) + ending).encode("utf-8", errors="surrogatepass")
    packing = draw(st.sampled_from(["plain", "plain", "bgzip", "gzip", "cut-bgzip"]))
    if packing == "plain":
        return data, ".vcf"
    if packing == "gzip":
        return gzip.compress(data), ".vcf.gz"
    with tempfile.NamedTemporaryFile(dir=FOLDER, suffix=".vcf.gz") as tmp:
        bgzip(data, Path(tmp.name))
        packed = Path(tmp.name).read_bytes()
    return (packed if packing == "bgzip" else packed[:draw(st.integers(0, len(packed)))],
            ".vcf.gz")


def _inputs(kb):
    raw = st.tuples(st.binary(max_size=400), st.sampled_from([".vcf", ".vcf.gz"]))
    return st.one_of(broken_vcfs(_bases(kb)), broken_vcfs(_bases(kb)), broken_vcfs(_bases(kb)),
                     raw)


def _outcome(caller: VcfCaller, data: bytes, suffix: str) -> int:
    """0 (calls) or 2 (InputError); any other exception fails the test (exit 1)."""
    with tempfile.NamedTemporaryFile(dir=FOLDER, suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            caller.call_table(tmp.name)
        except InputError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 2000, str(exc)[:300]
            return 2
    return 0


def test_vcf_reader_never_crashes(kb):
    caller = VcfCaller(kb)
    outcomes: Counter[int] = Counter()

    # derandomize: a fixed sequence of inputs, so that a CI failure can be rerun. A CI run
    # with fresh random inputs once ended the test process inside this test with no output;
    # 18,000 fresh random inputs each read in a forked child, 20,000 in one process and
    # 9,000 through the command line later ended no process, so the cause is not known.
    @settings(max_examples=READER_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(_inputs(kb))
    def run(case):
        outcomes[_outcome(caller, *case)] += 1

    run()
    print(f"\nVCF reader fuzzing: {sum(outcomes.values())} inputs, {outcomes[0]} called, "
          f"{outcomes[2]} refused (exit 2), 0 tracebacks, 0 exits of 1")
    assert sum(outcomes.values()) >= READER_EXAMPLES
    assert outcomes[0] > READER_EXAMPLES // 10 and outcomes[2] > READER_EXAMPLES // 10


def test_vcf_command_line_never_crashes(kb, monkeypatch):
    monkeypatch.setattr(advisor.knowledge, "load_knowledgebase", lambda path=None: kb)
    codes: Counter[int] = Counter()

    @settings(max_examples=CLI_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(_inputs(kb), st.sampled_from(["json", "jsonl", "tsv", "pharmcat"]))
    def run(case, fmt):
        data, suffix = case
        with tempfile.NamedTemporaryFile(dir=FOLDER, suffix=suffix) as tmp:
            tmp.write(data)
            tmp.flush()
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["call", tmp.name, "--format", fmt])
        text = err.getvalue()
        assert code in (0, 2) and "Traceback" not in text and "internal error" not in text, text
        if code == 2:
            assert len(text.strip().splitlines()) == 1 and text.startswith("error: "), text
        codes[code] += 1

    run()
    print(f"\nVCF command-line fuzzing: {dict(codes)}")
    assert codes[0] > 0 and codes[2] > 0
