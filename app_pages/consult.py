"""Streamlit page shell: renders advisor.ui.consult_page."""

from advisor.ui import consult_page

consult_page.render()
