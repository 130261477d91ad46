"""Streamlit entry for a source checkout: ``streamlit run app.py`` (installed: ``advisor app``).

Thin shell: the pages live in advisor.ui; no clinical logic here.
"""

from advisor.ui.app import main

main()
