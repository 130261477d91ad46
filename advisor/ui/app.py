"""The Streamlit app: consultation, cohort screen and knowledge-base browser.

Run it with ``advisor app`` (the installed package) or ``streamlit run app.py`` (a source
checkout); both serve these pages. No clinical logic here: each page calls the advisor API.
"""

from __future__ import annotations

import streamlit as st

from advisor.ui import cohort_page, consult_page, kb_page
from advisor.ui.common import PRODUCT


def main() -> None:
    st.set_page_config(page_title=PRODUCT, page_icon=":material/genetics:", layout="wide")
    st.navigation([
        st.Page(consult_page.render, title="Consultation", url_path="consult", default=True,
                icon=":material/person_search:"),
        st.Page(cohort_page.render, title="Cohort screen", url_path="cohort",
                icon=":material/groups:"),
        st.Page(kb_page.render, title="Knowledge base", url_path="knowledge-base",
                icon=":material/menu_book:"),
    ], position="top").run()


if __name__ == "__main__":
    main()
