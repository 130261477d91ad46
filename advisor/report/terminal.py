"""The summary of a consult for a terminal: short and coloured (rich), key actions first.

What ``advisor consult PATIENT`` prints on a terminal without ``--format``; the full report
is one option away (``--format markdown|html|json|pdf`` or ``--out FILE``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from advisor.report.formatting import patient_line
from advisor.report.layout import Line, summary_blocks
from advisor.result import ConsultResult
from advisor.vocabulary import LEVEL_LABEL

if TYPE_CHECKING:
    from rich.console import Console

MAX_ITEMS = 4
STYLE = {"emergency": "bold white on red", "avoid": "bold red", "dose": "bold yellow",
         "monitor": "bold blue",
         "dre": "bold magenta", "regimen": "bold green"}


def _why(line: Line) -> str:
    """The evidence of a line in brief: its level and first source ("and N more")."""
    parts = [f"evidence {LEVEL_LABEL[line.level]}"] if line.level else []
    if line.refs:
        more = len(dict.fromkeys(line.refs)) - 1
        parts.append(line.refs[0] + (f" and {more} more" if more else ""))
    return f" ({'; '.join(parts)})" if parts else ""


def _item(line: Line, width: int) -> str:
    """One item in about two screen lines: the text cut with an ellipsis, then its
    evidence in brief."""
    why = _why(line)
    budget = 2 * width - len(line.lead) - len(why) - 24  # room for the indent and wrapping
    text = line.text if len(line.text) <= budget else line.text[:max(budget, 20) - 1] + "…"
    return f"  • [bold]{escape(line.lead)}[/bold]: {escape(text)}[dim]{escape(why)}[/dim]"


def print_summary(res: ConsultResult, console: Console, source: str = "PATIENT") -> None:
    """Print the summary: patient, the five blocks (at most four items each, each in
    about two lines), the notice and how to get the full report."""
    summary = res.summary
    who = patient_line(summary.patient if summary else None)
    console.print(f"[bold]{escape(res.patient_id or '(no id)')}[/bold]"
                  + (f"  {escape(who)}" if who else ""))
    for block in summary_blocks(res):
        console.print(f"[{STYLE[block.key]}]{block.title.upper()}[/] "
                      f"[bold]{escape(block.headline)}[/bold]")
        for line in block.lines[:MAX_ITEMS]:
            console.print(_item(line, console.width))
        if len(block.lines) > MAX_ITEMS:
            console.print(f"  [dim]… and {len(block.lines) - MAX_ITEMS} more in the full "
                          "report[/dim]")
    console.print(f"[dim]{escape(res.disclaimer)}[/dim]")
    console.print(f"[dim]Full report: advisor consult {escape(source)} --format "
                  "markdown|html|json|pdf, or --out report.html[/dim]")
