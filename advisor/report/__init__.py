"""Render a consult result as JSON, Markdown or a self-contained printable HTML page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.report.html import to_html
from advisor.report.markdown import to_markdown
from advisor.result import ConsultResult

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase

__all__ = ["FORMATS", "render", "to_html", "to_json", "to_markdown"]


def to_json(res: ConsultResult) -> str:
    """The JSON contract: keys in the models' field order, optional keys left out (pydantic's
    serialiser; the same text as ``json.dumps(res.model_dump(mode="json"), indent=2,
    ensure_ascii=False)``, several times faster)."""
    return res.model_dump_json(indent=2)


FORMATS = ("json", "markdown", "html", "pharmcat", "fhir")


def render(res: ConsultResult, fmt: str, kb: KnowledgeBase | None = None) -> str:
    """The consult in one of :data:`FORMATS` (``pharmcat`` and ``fhir`` need ``kb``)."""
    if fmt == "json":
        return to_json(res)
    if fmt == "html":
        return to_html(res)
    if fmt in ("pharmcat", "fhir"):
        if kb is None:
            raise ValueError(f"the {fmt} format needs the knowledge base")
        if fmt == "pharmcat":
            from advisor.report.pharmcat import consult_outside_calls

            return consult_outside_calls(kb, res)
        from advisor.report.fhir import to_fhir

        return to_fhir(kb, res)
    return to_markdown(res)
