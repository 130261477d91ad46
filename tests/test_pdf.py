"""The PDF report (ReportLab, the [pdf] extra) and how the command line chooses a format:
--format pdf, a format from the --out suffix, and a short coloured summary on a terminal."""

from __future__ import annotations

import re
import sys

import pytest

from advisor.cli import main
from advisor.consult import consult_file
from advisor.extras import MissingExtra
from advisor.report.pdf import to_pdf
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
HLA = ROOT / "examples" / "hla-b1502-focal-dre.yaml"


def _pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", data))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_pdf_of_every_example(kb, path):
    res = consult_file(kb, path)
    data = to_pdf(res)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert _pages(data) >= 4  # summary, genotypes and flags, doses, regimens, references
    assert res.patient_id.encode() in data  # in the document title
    assert b"/FontName /" in data and b"DejaVuSans" in data  # embedded Unicode font
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data  # A4


def test_pdf_on_letter_paper(kb):
    data = to_pdf(consult_file(kb, HLA), paper="Letter")
    assert b"/MediaBox [ 0 0 612 792 ]" in data


def test_missing_pdf_extra_is_one_line_naming_it(kb, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "reportlab", None)
    with pytest.raises(MissingExtra):
        to_pdf(consult_file(kb, HLA))
    assert main(["consult", str(HLA), "--out", str(tmp_path / "r.pdf")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: PDF output needs the optional extra [pdf] (reportlab): "
        "pip install 'dre-advisor[pdf]'"]


@pytest.mark.parametrize(("name", "head"), [("r.pdf", b"%PDF-"), ("r.html", b"<!DOCTYPE html>"),
                                            ("r.json", b"{"), ("r.md", b"# Antiseizure"),
                                            ("r.txt", b"# Antiseizure")])
def test_format_follows_the_output_file(tmp_path, name, head):
    out = tmp_path / name
    assert main(["consult", str(HLA), "--out", str(out)]) == 0
    assert out.read_bytes().startswith(head)


def test_format_pdf_to_a_file(tmp_path):
    out = tmp_path / "report"
    assert main(["consult", str(HLA), "--format", "pdf", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")


def test_terminal_gets_a_short_summary(monkeypatch, capsys):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["consult", str(HLA)]) == 0
    raw = capsys.readouterr().out
    assert "\x1b[1;31mAVOID" in raw  # coloured: avoid in bold red
    out = re.sub(r"\x1b\[[0-9;]*m", "", raw)
    lines = out.splitlines()
    assert lines[0].startswith("EX-001") and "34 years" in lines[0]
    order = [out.index(t) for t in ("AVOID", "CHANGE DOSE", "MONITOR", "ILAE STATUS",
                                    "TOP REGIMEN")]
    assert order == sorted(order)
    assert "• carbamazepine: HLA-B*15:02 positive: do not start carbamazepine" in out
    assert "(evidence high; CPIC-2017-carbamazepine and 7 more)" in out
    assert "… and 2 more in the full report" in out  # six next steps, four shown
    assert "does not replace clinical" in out and "--format" in out
    # one screen: 40 lines, 44 since the caution block names the co-medication checked in
    # part (review Z R2) and the risk line gives its second figure (review AA M3)
    assert "## Flags" not in out and len(lines) <= 44


def test_pdf_is_not_written_to_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["consult", str(HLA), "--format", "pdf"]) == 2
    assert "give --out FILE.pdf" in capsys.readouterr().err


def test_markdown_into_a_pipe_by_default(capsys):
    assert main(["consult", str(HLA)]) == 0
    assert capsys.readouterr().out.startswith("# Antiseizure medication pharmacogenomic")
