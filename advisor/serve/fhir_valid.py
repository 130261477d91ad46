"""FHIR R4 validation of the resources a CDS Hooks request brings (the R4B models of
``fhir.resources``: the same for the resources read here), with every error named by where
it is in the request.

An EHR sends the same kinds of resource for patient after patient: the same genotype
Observation, the same drug order, with another id and another patient reference. A resource
found valid is remembered by a digest of its content with those two left out
(:data:`PATIENT_REFERENCE`); another resource with that content is valid when its own id and patient
reference are, which the models' own types for these two elements check. Only digests are
kept (no patient data), for the :data:`REMEMBERED` most recent; Patient resources, whose
content is the patient's identity, are always validated whole.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from advisor.serve.errors import BadRequest

REMEMBERED = 4096  # digests of valid resources kept per worker
# the reference to the patient of each kind of resource read, left out of the digest
PATIENT_REFERENCE = {"Observation": "subject", "MedicationRequest": "subject",
                     "AllergyIntolerance": "patient"}
UNREMEMBERED = {"Patient"}


def fhir_valid(kind: str, data: Any, where: str) -> None:
    """Validate a FHIR R4 resource. A Bundle's entries' resources are validated each by the
    model of its resourceType, as the Bundle model does (and the Bundle without them by the
    Bundle model), which costs less than the Bundle model's own look-up of each entry's
    model."""
    if not isinstance(data, dict) or data.get("resourceType") != kind:
        raise BadRequest(f"{where}: not a FHIR {kind} (resourceType must be {kind!r})")
    _no_null_properties(data, where)
    entries = data.get("entry") if kind == "Bundle" else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("resource"), dict) for e in entries):
        _validate(kind, data, where, kind)
        return
    _validate(kind, {**data, "entry": [{k: v for k, v in e.items() if k != "resource"}
                                       for e in entries]}, where, kind)
    for i, entry in enumerate(entries):
        resource = entry["resource"]
        _validate(resource.get("resourceType"), resource, where, kind, f"entry.{i}.resource.")


def first_error(exc: Exception, inside: str = "") -> str:
    """The first error of a validation, with its path (``inside``: the path of the validated
    data in what is named)."""
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{inside}{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
    text = " ".join(f"{type(exc).__name__} {exc}".split())[:160]
    return f"{inside.rstrip('.')}: {text}" if inside else text


class _Valid:
    """Digests of the most recent resources found valid (see the module's text)."""

    def __init__(self, size: int = REMEMBERED):
        self.size = size
        self.digests: OrderedDict[bytes, None] = OrderedDict()

    def __contains__(self, digest: bytes) -> bool:
        if digest in self.digests:
            self.digests.move_to_end(digest)
            return True
        return False

    def add(self, digest: bytes) -> None:
        self.digests[digest] = None
        if len(self.digests) > self.size:
            self.digests.popitem(last=False)


VALID = _Valid()


def _validate(kind: Any, data: dict[str, Any], where: str, what: str, inside: str = ""
              ) -> None:
    """Validate ``data`` by the model of ``kind``: an error names the place in ``what`` (the
    resource at ``where``) where it is (``inside`` it: the path of ``data`` there)."""
    from fhir.resources.R4B import get_fhir_model_class

    digest = _digest(kind, data)
    if digest is not None and digest in VALID:
        _check_masked(kind, data, where, what, inside)
        return
    try:
        get_fhir_model_class(kind).model_validate(data)
    except Exception as exc:  # the models also fail with KeyError on some malformed input
        raise BadRequest(f"{where}: not a valid FHIR R4 {what}: "
                         f"{first_error(exc, inside)}") from None
    if digest is not None:
        VALID.add(digest)


def _digest(kind: Any, data: dict[str, Any]) -> bytes | None:
    """The digest of a resource's content without its id and patient reference (None: not
    remembered)."""
    if not isinstance(kind, str) or kind in UNREMEMBERED:
        return None
    masked = dict(data)
    if "id" in masked:
        masked["id"] = ""
    name = PATIENT_REFERENCE.get(kind)
    if name is not None and isinstance(ref := masked.get(name), dict) and "reference" in ref:
        masked[name] = {**ref, "reference": ""}
    text = json.dumps(masked, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{kind}\n{text}".encode()).digest()


def _check_masked(kind: str, data: dict[str, Any], where: str, what: str, inside: str
                  ) -> None:
    """Validate the elements a digest leaves out, by the models' own types for them."""
    checks = [("id", data["id"], _element(kind, "id"))] if "id" in data else []
    name = PATIENT_REFERENCE.get(kind)
    if name is not None and isinstance(ref := data.get(name), dict) and "reference" in ref:
        checks.append((f"{name}.reference", ref["reference"], _element("Reference",
                                                                        "reference")))
    for path, value, adapter in checks:
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            raise BadRequest(f"{where}: not a valid FHIR R4 {what}: {inside}{path}: "
                             f"{exc.errors()[0]['msg']}") from None


@cache
def _element(kind: str, name: str) -> TypeAdapter:
    """The validator of one element of a model, as the model declares it."""
    from fhir.resources.R4B import get_fhir_model_class

    return TypeAdapter(get_fhir_model_class(kind).model_fields[name].annotation)


def _no_null_properties(data: Any, where: str) -> None:
    """FHIR JSON has no null properties (a null only pads an array of primitives to line up
    with its ``_`` extensions); the models would let them through. (The walk keeps no path;
    the path of a null found is looked up again.)"""
    stack = [data]
    while stack:
        node = stack.pop()
        values = node.values() if isinstance(node, dict) else node
        for value in values:
            if value is None:
                raise BadRequest(f"{_null_path(data, where)}: null is not allowed in FHIR JSON")
            if isinstance(value, dict | list):
                stack.append(value)


def _null_path(data: Any, where: str) -> str:
    """The path of the first null under ``data`` (depth first)."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        if value is None:
            return f"{where}.{key}"
        if isinstance(value, dict | list) and (found := _null_path(value, f"{where}.{key}")):
            return found
    return ""
