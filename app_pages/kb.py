"""Streamlit page shell: renders advisor.ui.kb_page."""

from advisor.ui import kb_page

kb_page.render()
