"""PharmCAT outside-call TSV (``-po``), written so that PharmCAT 3.x accepts every line.

PharmCAT's rules (``OutsideCallParser``/``OutsideCall`` and docs/using/Outside-Call-Format,
release 3.1.1): lines starting with ``#`` are ignored; a call line is
``GENE<TAB>diplotype[<TAB>phenotype[<TAB>activity score]]``; the diplotype is split on
``/`` and more than two alleles abort the whole run; HLA genes take a typed diplotype
(``GENE<TAB>*15:02/*57:01``) or one allele status in the phenotype column
(``GENE<TAB><TAB>*31:01 positive``); a second line for a gene is ambiguous. The form each
kind of gene takes is :meth:`advisor.genotype.kinds.GeneKind.outside_call`.

So: one line per gene with one unambiguous diplotype (PharmCAT looks up its own phenotype
and activity score); ambiguous calls and no-calls are comments; genes PharmCAT takes no
outside call for are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.genotype import kind_of

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase
    from advisor.result import ConsultResult


@dataclass(frozen=True)
class Result:
    """One result to write: a gene's input key, its status and its diplotype(s)."""

    gene: str
    key: str
    status: str  # called | ambiguous | no_call
    values: tuple[str, ...]
    message: str = ""


def _comment(text: str) -> str:
    return "# " + " ".join(str(text).split())


def outside_calls(kb: KnowledgeBase, results: Iterable[Result], header: Iterable[str] = ()
                  ) -> str:
    """The outside-call file: ``header`` lines as comments, then one line per gene."""
    lines = [_comment(h) for h in header]
    written: dict[str, str] = {}
    later: list[str] = []
    results = list(results)
    # a typed HLA diplotype (the gene symbol's own key) wins over single allele statuses
    results.sort(key=lambda r: r.key != r.gene)
    for r in results:
        gene = kb.genes[r.gene]
        kind = kind_of(gene)
        if kind.outside_call(gene, r.key, r.values[0] if r.values else "") is None:
            continue
        if r.status == "no_call" or not r.values:
            later.append(_comment(f"{r.key}: no call ({r.message or 'no data'})"))
            continue
        if r.status != "called" or len(r.values) != 1:
            later.append(_comment(f"{r.key}: ambiguous, {' or '.join(r.values)} (not passed to "
                                  "PharmCAT: an outside call takes one diplotype)"))
            continue
        diplotype, phenotype = kind.outside_call(gene, r.key, r.values[0])
        if r.gene in written:
            later.append(_comment(f"{r.key}: {r.values[0]} (PharmCAT takes one {r.gene} line; "
                                  f"written: {written[r.gene]})"))
            continue
        cells = [r.gene, diplotype] + ([phenotype] if phenotype else [])
        written[r.gene] = " ".join(c for c in cells[1:] if c)
        lines.append("\t".join(cells))
    return "\n".join([*lines, *later]) + "\n"


def consult_outside_calls(kb: KnowledgeBase, res: ConsultResult) -> str:
    """A consult's genotypes (given, called or typed; HLA included) as outside calls."""
    results = [Result(p.gene, key, "called", (p.diplotype_or_genotype,))
               for key, p in res.phenotypes.items() if p.derived_from is None]
    results += [Result(kb.input_keys[key], key, c.status, tuple(c.diplotypes), c.message or "")
                for key, c in res.vcf_calls.items()
                if key not in res.phenotypes and key in kb.input_keys]
    header = [f"advisor consult: patient {res.patient_id or '(no id)'}; knowledge base "
              f"{res.provenance.knowledgebase_version}; {res.provenance.generated_at}"]
    return outside_calls(kb, results, header)
