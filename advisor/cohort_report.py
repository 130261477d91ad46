"""A self-contained HTML summary of a cohort screen: tables and bar charts (inline PNG)."""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

import pandas as pd

from advisor import __version__
from advisor.cohort import Summary
from advisor.knowledge import KnowledgeBase
from advisor.vocabulary import ACTION_ORDER


def _chart(counts: dict[str, int], title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, values = zip(*sorted(counts.items(), key=lambda kv: kv[1]), strict=True)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(labels) + 1))
    ax.barh(labels, values, color="#4a78b5")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("samples")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return f'<img alt="{escape(title)}" src="data:image/png;base64,' \
           f'{base64.b64encode(buf.getvalue()).decode()}">'


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def chart_data(summary: Summary) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Frequencies per gene and actionable flags as tables (for pages and charts)."""
    phenotypes = {key: pd.DataFrame(counts.most_common(), columns=["value", "samples"])
                  for key, counts in sorted(summary.phenotypes.items()) if counts}
    flags = pd.DataFrame([[*k, v] for k, v in sorted(summary.flags.items())],
                         columns=["drug", "category", "action", "samples"])
    return phenotypes, flags


ACTIONABLE = ("avoid", "reduce_dose", "increase_dose")


def samples_by_drug_and_action(results: pd.DataFrame) -> pd.DataFrame:
    """Samples per drug and action, each sample counted once per drug, under its most
    pressing action (avoid, then dose changes, then cautions): ``drug, action, samples``,
    drugs with the most actionable samples first. Information-only flags are left out."""
    flags = results[(results["record"] == "flag") & (results["action"] != "info")]
    if flags.empty:
        return pd.DataFrame({"drug": [], "action": [], "samples": []})
    rank = flags["action"].map(ACTION_ORDER)
    worst = (flags.assign(rank=rank).sort_values("rank")
             .drop_duplicates(["sample_id", "drug"])[["sample_id", "drug", "action", "rank"]])
    worst = worst.astype({"drug": str, "action": str})
    counts = (worst.groupby(["drug", "action", "rank"], observed=True)["sample_id"].nunique()
              .rename("samples").reset_index())
    actionable = counts[counts["action"].isin(ACTIONABLE)].groupby("drug")["samples"].sum()
    total = counts.groupby("drug")["samples"].sum()
    order = sorted(total.index, key=lambda d: (-actionable.get(d, 0), -total[d], d))
    position = counts["drug"].map({d: i for i, d in enumerate(order)})
    return (counts.assign(position=position).sort_values(["position", "rank"])
            .drop(columns=["rank", "position"]).reset_index(drop=True))


def write_report(summary: Summary, path: Path, kb: KnowledgeBase) -> None:
    """Write the summary page."""
    disclaimer = escape(kb.manifest.disclaimer)
    parts = [f"<h1>Cohort pharmacogenomic screen</h1><p class='d'>{disclaimer}</p>",
             _table(["input samples", "processed", "rows with errors", "seconds"],
                    [[summary.input_samples, summary.processed, summary.error_rows,
                      f"{summary.seconds:.1f}"]])]
    parts.append("<h2>Phenotype and genotype frequencies</h2>")
    for key, counts in sorted(summary.phenotypes.items()):
        total = sum(counts.values())
        parts.append(f"<h3>{escape(key)}</h3>" + _table(
            ["value", "samples", "%"], [[k, v, f"{100 * v / total:.1f}"]
                                        for k, v in counts.most_common()]))
        if counts:
            parts.append(_chart(dict(counts), f"{key} (n={total})"))
    parts.append("<h2>Actionable flags (samples per drug, category and action)</h2>")
    if summary.flags:
        parts.append(_table(["drug", "category", "action", "samples"],
                            [[*k, v] for k, v in sorted(summary.flags.items())]))
        per_drug: dict[str, int] = {}
        for (drug, _, action), n in summary.flags.items():
            if action == "avoid":
                per_drug[drug] = per_drug.get(drug, 0) + n
        if per_drug:
            parts.append(_chart(per_drug, "samples with an 'avoid' flag, by drug"))
    else:
        parts.append("<p>No actionable flags.</p>")
    parts.append(f"<footer>advisor {__version__}; knowledge base {escape(kb.version)} "
                 f"(sha256 {kb.sha256})</footer>")
    style = ("body{font-family:system-ui,sans-serif;max-width:1000px;margin:2rem auto;"
             "font-size:14px}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px "
             "solid #ccc;padding:.25rem .5rem;text-align:left}th{background:#f2f2f2}"
             ".d{background:#fff7e0;padding:.5rem;border-left:4px solid #e0a800}"
             "footer{color:#555;font-size:.8rem;margin-top:2rem}")
    path.write_text(f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                    f"<title>Cohort screen</title><style>{style}</style></head><body>"
                    + "".join(parts) + "</body></html>", encoding="utf-8")
