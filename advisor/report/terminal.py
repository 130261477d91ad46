"""The summary of a consult for a terminal: short and coloured (rich), key actions first.

What ``advisor consult PATIENT`` prints on a terminal without ``--format``; the full report
is one option away (``--format markdown|html|json|pdf`` or ``--out FILE``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.report.formatting import patient_line
from advisor.report.layout import Line, summary_blocks
from advisor.result import ConsultResult
from advisor.vocabulary import LEVEL_LABEL

if TYPE_CHECKING:
    from rich.console import Console

STYLE = {"avoid": "bold red", "dose": "bold yellow", "monitor": "bold blue",
         "dre": "bold magenta", "regimen": "bold green"}


def _why(line: Line) -> str:
    """The evidence of a line in brief: its level and first source ("and N more")."""
    parts = [f"evidence {LEVEL_LABEL[line.level]}"] if line.level else []
    if line.refs:
        more = len(dict.fromkeys(line.refs)) - 1
        parts.append(line.refs[0] + (f" and {more} more" if more else ""))
    return f" [dim]({'; '.join(parts)})[/dim]" if parts else ""


def print_summary(res: ConsultResult, console: Console, source: str = "PATIENT") -> None:
    """Print the summary: patient, the five blocks, the notice and how to get the rest."""
    from rich.markup import escape

    summary = res.summary
    who = patient_line(summary.patient if summary else None)
    console.print(f"[bold]{escape(res.patient_id or '(no id)')}[/bold]"
                  + (f"  {escape(who.capitalize())}" if who else ""))
    for block in summary_blocks(res):
        console.print(f"[{STYLE[block.key]}]{block.title.upper()}[/] "
                      f"[bold]{escape(block.headline)}[/bold]")
        for line in block.lines:
            console.print(f"  • [bold]{escape(line.lead)}[/bold]: {escape(line.text)}"
                          f"{_why(line)}", highlight=False)
    console.print(f"[dim]{escape(res.disclaimer)}[/dim]")
    console.print(f"[dim]Full report: advisor consult {escape(source)} --format "
                  "markdown|html|json|pdf, or --out report.html[/dim]")
