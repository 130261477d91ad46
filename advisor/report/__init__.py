"""Render a consult result as JSON, Markdown or a self-contained printable HTML page."""

from __future__ import annotations

import json

from advisor.report.html import to_html
from advisor.report.markdown import to_markdown
from advisor.result import ConsultResult

__all__ = ["render", "to_html", "to_json", "to_markdown"]


def to_json(res: ConsultResult) -> str:
    """The JSON contract: keys in the models' field order, optional keys left out."""
    return json.dumps(res.model_dump(mode="json"), indent=2, ensure_ascii=False)


def render(res: ConsultResult, fmt: str) -> str:
    if fmt == "json":
        return to_json(res)
    if fmt == "html":
        return to_html(res)
    return to_markdown(res)
