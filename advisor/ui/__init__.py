"""Streamlit pages (presentation only; all clinical logic lives in the advisor API)."""
