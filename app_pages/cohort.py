"""Streamlit page shell: renders advisor.ui.cohort_page."""

from advisor.ui import cohort_page

cohort_page.render()
