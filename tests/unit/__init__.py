"""Unit tests that mirror the package, on the small hand-built knowledge base in ``kb/``."""
