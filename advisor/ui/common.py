"""Shared pieces of the Streamlit pages: cached resources, evidence display, and the one way
a page reports a failed input (a bounded box, never a traceback)."""

from __future__ import annotations

import os

import streamlit as st

from advisor.errors import InputError, one_line
from advisor.knowledge import KnowledgeBase, load_knowledgebase
from advisor.result import Flag
from advisor.vocabulary import ACTION_LABEL, SEVERITY_COLOUR


@st.cache_resource(show_spinner="Loading the knowledge base...")
def knowledge_base() -> KnowledgeBase:
    """The validated knowledge base, loaded once per server process."""
    return load_knowledgebase()


ERROR_CHARS = 600  # what a page shows of an error message
TRUST_ENV = "ADVISOR_TRUST_MODELS"  # set by 'advisor app --trust-models'


def failure_text(exc: Exception) -> str:
    """What a page shows for a failed input: an input error's one-line message, otherwise
    only the kind of failure (its text may hold patient data or be of any size)."""
    if isinstance(exc, InputError):
        return one_line(str(exc), ERROR_CHARS)
    return (f"the input could not be processed ({type(exc).__name__}); check the file's "
            "format and content")


def error_box(prefix: str, text: str) -> None:
    """An error message in a box of bounded size."""
    st.error(one_line(f"{prefix}{text}", ERROR_CHARS + len(prefix)))


def models_trusted() -> bool:
    """Whether the app was started with --trust-models."""
    return os.environ.get(TRUST_ENV) == "1"


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
