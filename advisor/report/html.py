"""The consult as a self-contained HTML page (inline CSS, no scripts, no network)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from advisor.report.formatting import acute_dose, mg, pct, risk_sentences, transition_lines
from advisor.result import ConsultResult
from advisor.vocabulary import ACTION_LABEL, STATUS_LABEL

_ENV = Environment(loader=PackageLoader("advisor", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                   lstrip_blocks=True)


def to_html(res: ConsultResult) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no network) fit to print."""
    return _ENV.get_template("report.html.j2").render(
        r=res, action_label=ACTION_LABEL, status_label=STATUS_LABEL, mg=mg, pct=pct,
        transition_lines=transition_lines, acute_dose=acute_dose,
        risk_sentences=risk_sentences)
