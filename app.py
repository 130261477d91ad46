"""Streamlit app: consultation, cohort screening and knowledge-base browser.

Thin shell: each page calls the advisor API through advisor.ui; no clinical logic here.
Run: streamlit run app.py
"""

import streamlit as st

st.set_page_config(page_title="DRE pharmacogenomic advisor", layout="wide")
st.navigation([
    st.Page("app_pages/consult.py", title="Consultation", url_path="consult", default=True),
    st.Page("app_pages/cohort.py", title="Cohort screen", url_path="cohort"),
    st.Page("app_pages/kb.py", title="Knowledge base", url_path="knowledge-base"),
]).run()
