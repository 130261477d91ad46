"""Knowledge-base page: drugs, genes and rules, each with its sources; version and hash."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from advisor.dosing import describe
from advisor.genotype import kind_of
from advisor.ui.common import evidence, header, knowledge_base


def render() -> None:
    kb = knowledge_base()
    header("Knowledge base")
    st.caption(f"{kb.manifest.name}, version {kb.version} (reviewed {kb.manifest.reviewed}); "
               f"sha256 {kb.sha256}")
    drugs, genes, rules, sources = st.tabs(["Drugs", "Genes", "Rules", "Sources"])
    with drugs:
        name = st.selectbox("Drug", list(kb.drugs), key="kb_drug")
        d = kb.drugs[name]
        st.markdown(f"**Synonyms / brands**: {', '.join([*d.synonyms, *d.brand_names])}")
        st.markdown(f"**Mechanisms**: {', '.join(d.mechanisms)} (primary "
                    f"`{d.primary_mechanism}`)")
        evidence(kb, d.mechanism_evidence.sources, d.mechanism_evidence.level)
        st.markdown("**Spectrum**: " + ", ".join([*d.spectrum.seizure_types,
                                                 *d.spectrum.syndromes]))
        for agg in d.aggravates:
            st.markdown(f":orange[may aggravate] {', '.join(agg.seizure_types + agg.syndromes)}"
                        f": {agg.message}")
        st.markdown("**Metabolism**: " + ", ".join(f"{m.enzyme} ({m.role})"
                                                   for m in d.metabolism))
        st.markdown(f"**P-gp substrate**: {d.pgp_substrate.status}")
        bands = [{"for": describe(b, kb),
                  "dose": (f"{b.daily_mg.lo:g}-{b.daily_mg.hi:g} mg/day" if b.daily_mg else
                           f"{b.daily_mg_per_kg.lo:g}-{b.daily_mg_per_kg.hi:g} mg/kg/day"),
                  "maximum": f"{b.max_daily_mg:g} mg/day" if b.max_daily_mg else "",
                  "sources": ", ".join(b.evidence.sources)} for b in d.dosing.maintenance]
        if bands:
            st.markdown("**Labelled maintenance doses**")
            st.dataframe(pd.DataFrame(bands), hide_index=True)
        for group in d.dosing.no_dose:
            st.markdown(f":orange[no labelled dose] {group.note}")
        st.markdown("**Adverse effects**: " + ", ".join(d.adverse_effects.tags))
        inter = [{"id": i.id, "perpetrators": ", ".join(i.perpetrators),
                  "victims": ", ".join(i.victims), "action": i.action, "effect": i.effect,
                  "sources": ", ".join(i.evidence.sources)}
                 for i in kb.interactions if name in i.perpetrators or name in i.victims]
        st.markdown("**Interactions**")
        st.dataframe(pd.DataFrame(inter), hide_index=True)
    with genes:
        symbol = st.selectbox("Gene", list(kb.genes), key="kb_gene")
        g = kb.genes[symbol]
        st.markdown(f"**{g.symbol}**: {g.name} ({g.chromosome}, {g.strand} strand)")
        evidence(kb, g.evidence.sources, g.evidence.level, g.evidence.contested)
        rows = kind_of(g).table(g)
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True)
    with rules:
        st.dataframe(pd.DataFrame([{
            "id": r.id, "category": c, "action": r.then.action, "severity": r.then.severity,
            "drugs": ", ".join(kb.rule_drugs[r.id]), "message": r.then.message,
            "evidence": f"{', '.join(r.evidence.sources)} ({r.evidence.level})"}
            for c, r in kb.rules]), hide_index=True)
    with sources:
        st.dataframe(pd.DataFrame([{"id": sid, **s.model_dump(exclude_none=True)}
                                   for sid, s in kb.sources.items()]), hide_index=True)
