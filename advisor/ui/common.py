"""Shared pieces of the Streamlit pages: cached resources and evidence display."""

from __future__ import annotations

import streamlit as st

from advisor.knowledge import KnowledgeBase, load_knowledgebase
from advisor.result import Flag
from advisor.vocabulary import ACTION_LABEL, SEVERITY_COLOUR


@st.cache_resource(show_spinner="Loading the knowledge base...")
def knowledge_base() -> KnowledgeBase:
    """The validated knowledge base, loaded once per server process."""
    return load_knowledgebase()


def disclaimer() -> None:
    st.warning(knowledge_base().manifest.disclaimer, icon=":material/info:")


def source_link(kb: KnowledgeBase, sid: str) -> str:
    """A Markdown citation with a link (PubMed, DOI or URL) where one exists."""
    src = kb.sources.get(sid)
    if src is None:
        return sid
    if src.pmid:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{src.pmid}/"
    elif src.doi:
        url = f"https://doi.org/{src.doi}"
    else:
        url = src.url
    text = f"**{sid}**: {src.citation}"
    return f"{text} [link]({url})" if url else text


def evidence(kb: KnowledgeBase, ids: list[str], level: str | None = None,
             contested: bool = False) -> None:
    """Evidence level and the cited sources, as a small block."""
    head = []
    if level:
        head.append(f"Evidence level: **{level}**")
    if contested:
        head.append(":orange[contested: sources disagree]")
    if head:
        st.markdown(" · ".join(head))
    for sid in ids:
        st.markdown(f"- {source_link(kb, sid)}")


def badge(flag: Flag) -> str:
    colour = SEVERITY_COLOUR[flag.severity]
    return f":{colour}-badge[{ACTION_LABEL[flag.action]}] :gray-badge[{flag.category}]"
