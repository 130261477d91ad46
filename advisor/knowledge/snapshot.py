"""The knowledge base's YAML files as parsed, kept beside them as JSON, so that loading does
not parse YAML again (about 0.2 s of every command's start).

The build writes it into the installed knowledge base (``setup.py``). It holds, per file, the
SHA-256 of the file's bytes and what :func:`~advisor.knowledge.yaml_io.read_yaml` gave for
them. The loader takes a file from it only when the file's bytes hash the same, and parses
the YAML otherwise: an edited file is always read from its YAML, and a copy that cannot be
read is ignored. A file whose values JSON does not carry exactly (a YAML date) is left out,
and so is a file that does not parse (the loader reports it). This module imports only
:mod:`advisor.knowledge.yaml_io`, so the build can run it without the package's
dependencies.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from advisor.knowledge.yaml_io import read_yaml

SNAPSHOT = "_parsed.json"
FORMAT = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same types all the way down (``1 == 1.0 == True`` is not enough),
    with mappings' keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _carried(value: Any) -> bool:
    """Whether JSON gives ``value`` back exactly."""
    try:
        return _same(json.loads(json.dumps(value, allow_nan=False)), value)
    except (TypeError, ValueError):  # a date, a non-text key, NaN
        return False


def build_snapshot(root: Path) -> dict[str, Any]:
    """The snapshot of every YAML file under ``root``."""
    files: dict[str, Any] = {}
    for path in sorted(root.rglob("*.yaml")):
        try:
            value = read_yaml(path)
        except ValueError:
            continue
        if _carried(value):
            files[path.relative_to(root).as_posix()] = {"sha256": sha256(path.read_bytes()),
                                                        "data": value}
    return {"format": FORMAT, "files": files}


def write_snapshot(root: Path) -> Path:
    """Write the snapshot of the knowledge base at ``root`` into it; its path."""
    target = root / SNAPSHOT
    target.write_text(json.dumps(build_snapshot(root), ensure_ascii=False,
                                 separators=(",", ":"), allow_nan=False), encoding="utf-8")
    return target


def read_snapshot(root: Path) -> dict[str, dict[str, Any]]:
    """The snapshot's files (relative path -> ``{"sha256", "data"}``) of the knowledge base at
    ``root``; empty when it has none or it cannot be read."""
    try:
        doc = json.loads((root / SNAPSHOT).read_bytes())
    except (OSError, ValueError):
        return {}
    files = doc.get("files") if isinstance(doc, dict) and doc.get("format") == FORMAT else None
    if not isinstance(files, dict):
        return {}
    return {rel: entry for rel, entry in files.items()
            if isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
            and "data" in entry}
