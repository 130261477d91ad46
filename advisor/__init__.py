"""Pharmacogenomic dosing advisor for drug-resistant epilepsy (decision support)."""

__version__ = "0.1.0"
