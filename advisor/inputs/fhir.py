"""Genotypes from the ``genotype`` Observations of a FHIR bundle (Genomics Reporting IG,
LOINC 84413-4), as written by :mod:`advisor.report.fhir`: the gene from the gene-studied
component (HGNC id or symbol), an rsID from the variation-code component, and the result
from ``valueCodeableConcept.text``. Needs the ``[fhir]`` extra (the bundle is validated with
``fhir.resources`` first). Genes the knowledge base lacks are left out; a result for a
knowledge-base gene that cannot be read is an InputError naming the entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import InputError
from advisor.extras import require
from advisor.genotype import GenotypeError, kind_of, translate
from advisor.strict_load import Limits, StrictLoadError, load_document

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase

GENOTYPE_CODE = "84413-4"
GENE_STUDIED = "48018-6"
VARIATION_CODE = "81255-2"
MAX_BYTES = 20_000_000
BUNDLE_LIMITS = Limits(max_bytes=MAX_BYTES, max_depth=40, max_values=2_000_000,
                       max_items=100_000)


def _codings(concept: Any) -> list[dict[str, Any]]:
    coding = concept.get("coding") if isinstance(concept, dict) else None
    return [c for c in coding or [] if isinstance(c, dict)]


def _codes(concept: Any) -> list[str]:
    return [c.get("code", "") for c in _codings(concept)]


def _component(obs: dict[str, Any], code: str) -> dict[str, Any] | None:
    for comp in obs.get("component") or []:
        if code in _codes(comp.get("code")):
            return comp.get("valueCodeableConcept") or {}
    return None


def genotypes_from_data(kb: KnowledgeBase, data: Any, name: str, *,
                        validated: bool = False) -> dict[str, Any]:
    """Patient-file genotypes from a parsed bundle (``validated``: the caller has validated
    it, or a bundle it is a part of, as a FHIR R4 Bundle already)."""
    require("fhir.resources", "fhir", "reading FHIR bundles")
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InputError("fhir", name, "not a FHIR Bundle (resourceType must be 'Bundle')")
    try:
        if not validated:
            get_fhir_model_class("Bundle").model_validate(data)
    except (ValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        first = " ".join(str(exc).split())[:160]
        raise InputError("fhir", name, f"not a valid FHIR R4 Bundle: {first}") from None
    by_hgnc = {g.hgnc.codes[0]: s for s, g in kb.genes.items() if g.hgnc}
    out: dict[str, Any] = {}
    for i, entry in enumerate(data.get("entry") or []):
        obs = entry.get("resource") or {}
        if obs.get("resourceType") != "Observation" or \
                GENOTYPE_CODE not in _codes(obs.get("code")):
            continue
        gene_cc = _component(obs, GENE_STUDIED)
        if gene_cc is None:
            raise InputError(f"fhir entry.{i}", name, "a genotype Observation without a "
                             "gene-studied component (LOINC 48018-6)")
        symbol = next((by_hgnc[c] for c in _codes(gene_cc) if c in by_hgnc), None)
        symbol = symbol or next((c.get("display") for c in _codings(gene_cc)
                                 if c.get("display") in kb.genes), None)
        symbol = symbol or (gene_cc.get("text") if gene_cc.get("text") in kb.genes else None)
        if symbol is None:
            continue  # a gene the knowledge base does not have
        text = (obs.get("valueCodeableConcept") or {}).get("text")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"fhir entry.{i}", name, f"{symbol}: the genotype is not given "
                             "as valueCodeableConcept.text")
        variant = next(iter(_codes(_component(obs, VARIATION_CODE))), None)
        gene = kb.genes[symbol]
        try:
            key, value = kind_of(gene).parse_exchange(gene, text, variant)
            translate(kb, key, value)
        except GenotypeError as exc:
            raise InputError(f"fhir entry.{i}", text, str(exc)) from None
        if key in out and out[key] != value:
            raise InputError(f"fhir entry.{i}", text, f"a second, different result for {key}")
        out[key] = value
    return out


def genotypes_from_bundle(kb: KnowledgeBase, path: str | Path) -> dict[str, Any]:
    """Patient-file genotypes from a FHIR bundle file (JSON)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("fhir", str(path), "file not found")
    if p.stat().st_size > MAX_BYTES:
        raise InputError("fhir", str(path), f"larger than {MAX_BYTES} bytes")
    try:  # the same strict reader as patient files: limits, no duplicate keys
        data = load_document(p.read_bytes(), BUNDLE_LIMITS, json_only=True)
    except StrictLoadError as exc:
        raise InputError("fhir", str(path), f"not a readable JSON bundle: {exc}") from None
    return genotypes_from_data(kb, data, str(path))
