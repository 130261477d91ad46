"""The consult as a self-contained HTML page (inline CSS, no scripts, no network), laid out
for the screen and for printing on A4 or Letter: the summary on page 1, each main section on
a new page, numbered references at the end."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from advisor.numbers import number, plural, span
from advisor.report.formatting import (
    acute_dose,
    basis_text,
    citation,
    mechanisms,
    mg,
    minutes,
    model_text,
    patient_line,
    pct,
    regimen_tag,
    risk_sentences,
    shared_lines,
    shared_notes,
    start_text,
    statements,
    transition_lines,
    value_text,
    words,
)
from advisor.report.layout import (
    NO_REGIMEN,
    NOT_SHOWN,
    Citations,
    by_drug,
    flag_groups,
    link,
    summary_blocks,
)
from advisor.result import ConsultResult, Dose
from advisor.summary import summary_of
from advisor.vocabulary import ACTION_LABEL, LEVEL_LABEL, STATUS_LABEL

_ENV = Environment(loader=PackageLoader("advisor", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                   lstrip_blocks=True)


def dose_order(res: ConsultResult) -> list[Dose]:
    """Doses of the drugs in play and of changed doses first, then the other candidates."""
    s = summary_of(res)
    first = set(s.in_play) | {c.drug for c in s.dose_changes}
    return sorted(res.doses, key=lambda d: d.drug not in first)


def to_html(res: ConsultResult) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no network) fit to print."""
    groups, collapsed = flag_groups(res)
    summary = summary_of(res)
    return _ENV.get_template("report.html.j2").render(
        r=res, who=patient_line(summary.patient), blocks=summary_blocks(res),
        no_regimen=res.no_regimen or NO_REGIMEN,
        not_shown=NOT_SHOWN, model_text=model_text,
        acute=bool(summary.emergency),
        groups=groups, collapsed=collapsed, collapsed_groups=by_drug(collapsed),
        doses=dose_order(res), dose_map={d.drug: d for d in res.doses},
        said=shared_notes(res.doses), shared_lines=shared_lines,
        in_play=set(summary.in_play), cite=Citations(res.sources), action_label=ACTION_LABEL,
        level_label=LEVEL_LABEL, status_label=STATUS_LABEL, mg=mg, pct=pct, number=number,
        span=span, plural=plural, words=words, minutes=minutes, link=link, citation=citation,
        mechanisms=mechanisms, regimen_tag=regimen_tag, start_text=lambda d: start_text(d, res),
        basis=basis_text, statements=statements,
        transition_lines=transition_lines, acute_dose=acute_dose,
        risk_sentences=risk_sentences, value_text=value_text)
