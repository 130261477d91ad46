"""The consult as a PDF (A4 or Letter), drawn with ReportLab (the optional ``[pdf]`` extra).

The same layout as the HTML report: the summary on page 1 (coloured blocks: avoid, change
dose, monitor, ILAE status, top regimen), then genotypes and flags, doses with the ILAE
status and risk, regimens with safety notes, the status-epilepticus pathway, and the
numbered references, each part on a new page; every page carries the patient id, the page
number and the decision-support notice. Text is set in DejaVu Sans, which matplotlib (a
core dependency) ships, so that arrows, dashes and Greek letters print.
"""

from __future__ import annotations

import importlib.util
import io
from html import escape
from pathlib import Path
from typing import Any

from advisor.extras import require
from advisor.numbers import number, plural
from advisor.report.formatting import (
    acute_dose,
    basis_text,
    citation,
    mechanisms,
    mg,
    minutes,
    patient_line,
    pct,
    regimen_tag,
    risk_sentences,
    shared_lines,
    shared_notes,
    start_text,
    transition_lines,
    words,
)
from advisor.report.html import dose_order
from advisor.report.layout import (
    NO_REGIMEN,
    NOT_SHOWN,
    Block,
    Citations,
    DrugFlags,
    by_drug,
    flag_groups,
    summary_blocks,
)
from advisor.result import ConsultResult, Flag
from advisor.summary import summary_of
from advisor.vocabulary import ACTION_LABEL, LEVEL_LABEL, STATUS_LABEL

COLOURS = {"emergency": ("#8b0000", "#fdecea"),
           "avoid": ("#b3261e", "#fdf1f0"), "dose": ("#b35c00", "#fff6ea"),
           "monitor": ("#1f5fa8", "#eef4fb"), "dre": ("#5b3a8c", "#f6f3fa"),
           "regimen": ("#2e7d32", "#f1f8f1")}
ACTION_COLOUR = {"avoid": "#b3261e", "reduce_dose": "#b35c00", "increase_dose": "#b35c00",
                 "use_with_caution": "#1f5fa8", "monitor": "#1f5fa8", "info": "#555555"}
FONT = "DejaVuSans"


def _fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold) from matplotlib's data; Helvetica otherwise."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    spec = importlib.util.find_spec("matplotlib")
    folder = Path(next(iter(spec.submodule_search_locations or []), "")) if spec else Path()
    ttf = folder / "mpl-data" / "fonts" / "ttf"
    if not (ttf / "DejaVuSans.ttf").is_file():
        return "Helvetica", "Helvetica-Bold"
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT + "-Bold", str(ttf / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT + "-Bold",
                                      italic=FONT, boldItalic=FONT + "-Bold")
    return FONT, FONT + "-Bold"


class _Doc:
    """The flowables of one report and the styles they use."""

    def __init__(self, res: ConsultResult):
        from reportlab.lib.styles import ParagraphStyle

        regular, bold = _fonts()
        base = ParagraphStyle("base", fontName=regular, fontSize=8.5, leading=11)
        self.styles = {
            "body": base,
            "small": ParagraphStyle("small", parent=base, fontSize=7.2, leading=9, spaceBefore=2,
                                    textColor="#555555"),
            "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=15,
                                    leading=19, spaceAfter=3),
            "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=11.5, leading=15,
                                 spaceBefore=8, spaceAfter=4),
            "h3": ParagraphStyle("h3", parent=base, fontName=bold, fontSize=9.5, leading=13,
                                 spaceBefore=5, spaceAfter=2),
            "note": ParagraphStyle("note", parent=base, backColor="#fff7e0",
                                   borderColor="#e0a800", borderWidth=0.6, borderPadding=4,
                                   spaceBefore=4, spaceAfter=8),
        }
        self.res = res
        self.cite = Citations(res.sources)
        self.story: list[Any] = []

    def p(self, text: str, style: str = "body") -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(text, self.styles[style])

    def add(self, text: str, style: str = "body") -> None:
        self.story.append(self.p(text, style))

    def refs(self, ids: list[str]) -> str:
        marks = self.cite(ids)
        return f' <font color="#1f5fa8">{marks}</font>' if marks else ""

    def table(self, rows: list[list[Any]], style: list[Any] | None = None, *,
              widths: list[float]) -> None:
        from reportlab.platypus import Table

        cells = [[self.p(c) if isinstance(c, str) else c for c in row] for row in rows]
        table = Table(cells, colWidths=widths, repeatRows=1)
        table.setStyle([("GRID", (0, 0), (-1, -1), 0.4, "#c8ccd2"),
                        ("BACKGROUND", (0, 0), (-1, 0), "#eef0f3"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"), *(style or [])])
        self.story.append(table)

    def page_break(self) -> None:
        from reportlab.platypus import PageBreak

        self.story.append(PageBreak())


def _e(text: Any) -> str:
    return escape(str(text), quote=False)


def _block(doc: _Doc, block: Block, width: float) -> Any:
    from reportlab.platypus import Table

    edge, fill = COLOURS[block.key]
    cells = [doc.p(f'<font color="{edge}"><b>{_e(block.title)}</b></font>  '
                   f"<b>{_e(block.headline)}</b>")]
    for line in block.lines:
        level = f' <font size="7" color="#555555">evidence {LEVEL_LABEL[line.level]}</font>' \
            if line.level else ""
        cells.append(doc.p(f"• <b>{_e(line.lead)}</b>: {_e(line.text)}{level}"
                           f"{doc.refs(line.refs)}"))
    table = Table([[c] for c in cells], colWidths=[width])
    table.setStyle([("BACKGROUND", (0, 0), (-1, -1), fill),
                    ("LINEBEFORE", (0, 0), (0, -1), 3, edge),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)])
    return table


def _summary(doc: _Doc, width: float) -> None:
    from reportlab.platypus import Spacer

    res = doc.res
    doc.add(f"Antiseizure medication pharmacogenomic consult: {_e(res.patient_id or '(no id)')}",
            "title")
    who = patient_line(summary_of(res).patient)
    if who:
        doc.add(_e(who))
    prov = res.provenance
    doc.add(f"Generated {_e(prov.generated_at)} · advisor {_e(prov.advisor_version)} · "
            f"knowledge base {_e(prov.knowledgebase_version)}", "small")
    doc.add(_e(res.disclaimer), "note")
    doc.add("Summary", "h2")
    for block in summary_blocks(res):
        doc.story += [_block(doc, block, width), Spacer(1, 4)]


def _genotypes(doc: _Doc, width: float) -> None:
    res = doc.res
    doc.add("Genotypes and phenotypes", "h2")
    rows: list[list[Any]] = [["<b>Gene / key</b>", "<b>Genotype</b>", "<b>Phenotype</b>",
                              "<b>From</b>"]]
    for key, p in res.phenotypes.items():
        score = f" (activity score {number(p.activity_score)})" \
            if p.activity_score is not None else ""
        contested = " <i>(contested evidence)</i>" if p.contested else ""
        rows.append([_e(key), _e(words(p.diplotype_or_genotype)),
                     f"{_e(p.phenotype)}{score}{contested}{doc.refs(p.evidence)}", p.source])
    if len(rows) > 1:
        doc.table(rows, widths=[0.16 * width, 0.14 * width, 0.58 * width, 0.12 * width])
    for key, c in res.vcf_calls.items():
        if c.status != "called" or len(c.diplotypes) != 1:
            doc.add(_e(f"{c.source} {key}: {c.status} {' or '.join(c.diplotypes)} "
                       f"{c.message or ''} (not used for doses)"))
    if not res.phenotypes and not res.vcf_calls:
        doc.add("No genotypes given.")


def _flag_rows(doc: _Doc, drugs: list[DrugFlags]) -> tuple[list[list[Any]], list[Any]]:
    rows: list[list[Any]] = [["<b>Action</b>", "<b>Why</b>", "<b>Evidence</b>"]]
    style: list[Any] = []
    for d in drugs:
        style += [("SPAN", (0, len(rows)), (-1, len(rows))),
                  ("BACKGROUND", (0, len(rows)), (-1, len(rows)), "#e8eaee"),
                  ("NOSPLIT", (0, len(rows)), (-1, len(rows) + 1))]  # a drug with its flag
        rows.append([f"<b>{_e(words(d.drug))}</b>", "", ""])
        rows += [_flag_row(doc, f) for f in d.flags]
    return rows, style


def _flag_row(doc: _Doc, f: Flag) -> list[str]:
    contested = ", contested" if f.contested else ""
    return [f'<font color="{ACTION_COLOUR[f.action]}"><b>{ACTION_LABEL[f.action]}</b></font>'
            f'<br/><font size="7">{f.severity} severity · {_e(words(f.category))}</font>',
            _e(words(f.message)) + doc.refs(f.evidence),
            f'<font size="7">evidence {LEVEL_LABEL[f.evidence_level]}{contested}<br/>'
            f"rule {_e(f.rule)}</font>"]


def _flags(doc: _Doc, width: float) -> None:
    doc.add("Flags", "h2")
    groups, collapsed = flag_groups(doc.res)
    widths = [0.15 * width, 0.65 * width, 0.2 * width]
    for group in groups:
        doc.add(group.title, "h3")
        doc.table(*_flag_rows(doc, group.drugs), widths=widths)
    if collapsed:
        doc.add(f"Information only, about drugs not in play ({len(collapsed)})", "h3")
        doc.table(*_flag_rows(doc, by_drug(collapsed)), widths=widths)
    if not groups and not collapsed:
        doc.add("No flags.")


def _doses(doc: _Doc, width: float) -> None:
    doc.add("Doses", "h2")
    rows: list[list[Any]] = [["<b>Drug</b>", "<b>Standard</b>", "<b>Recommended</b>",
                              "<b>Change</b>", "<b>Basis</b>"]]
    said = shared_notes(doc.res.doses)
    for line in shared_lines(said):
        doc.add(_e(line))
    for d in dose_order(doc.res):
        start = f'<br/><font size="7">{start_text(d, doc.res)}</font>' \
            if d.start_daily_mg else ""
        basis = _e(words(basis_text(d, said)))
        rows.append([f"<b>{_e(d.drug)}</b>", mg(d.standard_daily_mg, d.unit),
                     mg(d.recommended_daily_mg, d.unit) + start, pct(d.adjustment_percent),
                     basis + doc.refs(d.evidence)])
    doc.table(rows, widths=[0.15 * width, 0.13 * width, 0.14 * width, 0.08 * width,
                            0.5 * width])


def _dre(doc: _Doc) -> None:
    res, dre = doc.res, doc.res.dre
    doc.add("Drug resistance (ILAE 2010) and risk", "h2")
    counted = dre.not_classified or plural(dre.failed_adequate_trials,
                                           "failed adequate, tolerated trial")
    doc.add(f"<b>{STATUS_LABEL[dre.status]}</b>: {counted}.{doc.refs(dre.evidence)}")
    for reason in dre.reasons:
        doc.add("• " + _e(words(reason)))
    if dre.next_steps:
        doc.add("Next steps", "h3")
    for i, s in enumerate(dre.next_steps, 1):
        doc.add(f"{i}. {_e(s.text)}{doc.refs(s.evidence)}")
    doc.add("Model estimate", "h3")
    if res.risk is None:
        doc.add(_e(res.risk_note or "Risk model not available."))
        return
    for sentence in risk_sentences(res.risk):
        doc.add(_e(sentence))
    doc.add(_e(f"Model {res.risk.model}, version {res.risk.model_version}. "
               f"{res.risk.calibration_note}") + doc.refs(res.risk.evidence), "small")


def _regimens(doc: _Doc) -> None:
    res = doc.res
    doc.add("Suggested regimens", "h2")
    if not res.regimens:
        doc.add(_e(res.no_regimen or NO_REGIMEN))
    doses = {d.drug: d for d in res.doses}
    for i, reg in enumerate(res.regimens, 1):
        doc.add(f"{i}. <b>{_e(' + '.join(reg.drugs))}</b> <font size='7'>"
                f"({_e(regimen_tag(reg, '; '))}; {_e(mechanisms(reg))})</font>"
                f"{doc.refs(reg.evidence)}", "h3")
        for x in reg.rationale:
            doc.add("• " + _e(words(x)))
        for w in reg.warnings:
            doc.add(f'• <font color="#8a5a00">Warning: {_e(words(w))}</font>')
        for line in transition_lines(reg.transition, doses):
            doc.add("→ " + _e(words(line)))
    if res.regimens and res.not_shown:
        doc.add(f"<b>{NOT_SHOWN}</b>:")
        for n in res.not_shown:
            doc.add(f"• <b>{_e(n.drug)}</b>: {_e(words(n.reason))}")


def _safety(doc: _Doc) -> None:
    res = doc.res
    if res.safety_notes or res.advice:
        doc.add("Safety and advice", "h2")
    for n in res.safety_notes:
        doc.add(f"<b>{_e(n.drug)}</b> ({_e(words(n.topic))}): {_e(n.text)}"
                f"{doc.refs(n.evidence)} <font size='7'>evidence "
                f"{LEVEL_LABEL[n.evidence_level]}</font>")
    for a in res.advice:
        doc.add(f"<b>{_e(words(a.topic))}</b>: {_e(a.text)}{doc.refs(a.evidence)} "
                f"<font size='7'>evidence {LEVEL_LABEL[a.evidence_level]}"
                f"{', contested' if a.contested else ''}</font>")


def _pathway(doc: _Doc) -> None:
    se = doc.res.status_epilepticus
    if se is None:
        return
    doc.page_break()
    doc.add("Status epilepticus pathway", "h2")
    doc.add(_e(se.note), "small")
    for st in se.stages:
        doc.add(f"{_e(st.name)} ({minutes(*st.minutes)})", "h3")
        doc.add(_e(st.instruction))
        for o in st.options:
            doc.add(f"• <b>{_e(o.drug)}</b>: {_e('; '.join(acute_dose(d) for d in o.doses))}"
                    f"{doc.refs(o.evidence)}")
        for ex in st.excluded:
            doc.add(f'• <font color="#b3261e"><strike>{_e(ex.drug)}</strike> excluded</font>: '
                    f"{_e(words(' '.join(ex.reasons)))}{doc.refs(ex.evidence)}")
    for n in se.evidence_notes:
        doc.add(f"• {_e(n.text)}{doc.refs(n.evidence)}", "small")


def _references(doc: _Doc) -> None:
    doc.page_break()
    doc.add("References", "h2")
    for n, sid, src in doc.cite.listed():
        doc.add(f"{n}. {_e(citation(src, sid))} <font size='7'>({_e(sid)})</font>", "small")


def to_pdf(res: ConsultResult, paper: str = "A4") -> bytes:
    """The consult as PDF bytes (``paper``: "A4" or "Letter")."""
    require("reportlab", "pdf", "PDF output")
    from reportlab.lib.pagesizes import A4, LETTER
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    size = LETTER if paper.lower() == "letter" else A4
    buffer = io.BytesIO()
    frame = SimpleDocTemplate(buffer, pagesize=size, leftMargin=14 * mm, rightMargin=14 * mm,
                              topMargin=14 * mm, bottomMargin=16 * mm,
                              title=f"ASM pharmacogenomic consult {res.patient_id or ''}",
                              author="advisor", subject="Decision support; does not replace "
                              "clinical judgment")
    doc = _Doc(res)
    width = frame.width
    acute = bool(summary_of(res).emergency)
    _summary(doc, width)
    if acute:  # the emergency: next to the summary (it starts its own page)
        _pathway(doc)
    doc.page_break()
    _genotypes(doc, width)
    _flags(doc, width)
    doc.page_break()
    _doses(doc, width)
    _dre(doc)
    doc.page_break()
    _regimens(doc)
    _safety(doc)
    if not acute:
        _pathway(doc)
    _references(doc)

    def footer(canvas: Any, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(doc.styles["small"].fontName, 7)
        canvas.setFillColor("#555555")
        canvas.drawString(14 * mm, 9 * mm, f"{res.patient_id or '(no id)'} · page "
                          f"{template.page} · decision support; it does not replace clinical "
                          "judgment")
        canvas.restoreState()

    frame.build(doc.story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
