"""Shared pieces of the Streamlit pages: the product header, cached resources, escaping,
evidence display, and the one way a page reports a failed input (a bounded box, never a
traceback)."""

from __future__ import annotations

import os
import re

import streamlit as st

from advisor import __version__
from advisor.errors import InputError, one_line
from advisor.knowledge import KnowledgeBase, load_knowledgebase
from advisor.report.layout import Citations, link
from advisor.result import Flag
from advisor.summary import first_sentence
from advisor.vocabulary import ACTION_LABEL, LEVEL_LABEL, SEVERITY_COLOUR

PRODUCT = "DRE pharmacogenomic advisor"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~$])")


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
    """An error message in a box of bounded size (shown as written)."""
    st.error(md(one_line(f"{prefix}{text}", ERROR_CHARS + len(prefix))))


def models_trusted() -> bool:
    """Whether the app was started with --trust-models."""
    return os.environ.get(TRUST_ENV) == "1"


def md(text: object) -> str:
    """Text shown as written in Streamlit Markdown (no emphasis from '*', no maths from '$')."""
    return _MARKDOWN.sub(r"\\\1", str(text))


STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 4.5rem; padding-bottom: 3rem; }
</style>"""


def header(page: str) -> None:
    """The product header, compact: name and page, the notice in brief, the versions."""
    kb = knowledge_base()
    st.html(STYLE)
    st.markdown(f"**:material/genetics: {PRODUCT}** · {page}")
    st.caption(f"{md(first_sentence(kb.manifest.disclaimer))} Knowledge base {kb.version}, "
               f"advisor {__version__}.")


def disclaimer() -> None:
    st.caption(md(knowledge_base().manifest.disclaimer))


def source_link(kb: KnowledgeBase, sid: str) -> str:
    """A Markdown citation with a link (PubMed, DOI or URL) where one exists."""
    src = kb.sources.get(sid)
    if src is None:
        return md(sid)
    url = link(src)
    text = f"**{md(sid)}**: {md(src.citation)}"
    return f"{text} [link]({url})" if url else text


def evidence(kb: KnowledgeBase, ids: list[str], level: str | None = None,
             contested: bool = False) -> None:
    """Evidence level and the cited sources, as a small block."""
    head = []
    if level:
        head.append(f"Evidence level: **{LEVEL_LABEL.get(level, level)}**")
    if contested:
        head.append(":orange[contested: sources disagree]")
    if head:
        st.markdown(" · ".join(head))
    for sid in ids:
        st.markdown(f"- {source_link(kb, sid)}")


def sources_popover(kb: KnowledgeBase, cite: Citations, ids: list[str], key: str) -> None:
    """The reference mark of some sources; a click shows them, numbered, with links."""
    if not ids:
        return
    with st.popover(f"Sources {cite(ids)}", key=key):
        for sid in sorted(dict.fromkeys(ids), key=cite.numbers.__getitem__):
            st.markdown(f"{cite.numbers[sid]}. {source_link(kb, sid)}")


def badge(flag: Flag) -> str:
    colour = SEVERITY_COLOUR[flag.severity]
    return (f":{colour}-badge[{ACTION_LABEL[flag.action]}] "
            f":gray-badge[{flag.category.replace('_', ' ')}]")
