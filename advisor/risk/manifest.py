"""The manifest of the shipped model files: each file's sha256, checked before it is used.

``models/manifest.json`` lists every model file (``.skops``) and inference table
(``.table.json``) of the bundled models folder with its sha256 and size. A consult uses a
model file only when

- its name and sha256 are in the manifest of the installed package (the shipped file, or an
  identical copy elsewhere), or
- the caller trusts files outside the manifest explicitly (``advisor consult
  --trust-models``, ``advisor app --trust-models``).

A shipped file whose content no longer matches the manifest (changed coefficients under the
same model version, a truncated file) is refused. Writing a model file or a table into the
bundled folder (``advisor model train``, ``advisor model table``) records it here
(:func:`record`), so the manifest stays current.

Before a model file from outside the manifest is used, its archive is checked without
decompressing anything (:func:`check_skops_archive`): a zip with a bounded number of
entries whose declared sizes add up to at most :data:`MAX_UNPACKED_BYTES` (Python's
:mod:`zipfile` never returns more than an entry's declared size, so this bounds what
loading can unpack).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from advisor.resources import bundled

MANIFEST_NAME = "manifest.json"
FORMAT = "advisor-model-manifest/1"
MAX_FILE_BYTES = 50_000_000  # a model file or table; the shipped ones are below 100 kB
MAX_UNPACKED_BYTES = 20_000_000  # a skops archive's entries together (shipped: ~300 kB)
MAX_ENTRIES = 1_000
MODEL_SUFFIXES = (".skops", ".table.json")


class ModelIntegrityError(ValueError):
    """A model file is not the recorded one, is not recorded, or is not a sound archive."""


def bundled_dir() -> Path:
    return bundled("models")


def _in_bundled(path: Path) -> bool:
    return path.resolve().parent == bundled_dir().resolve()


def file_sha256(path: Path | str) -> str:
    """The sha256 of a file of at most :data:`MAX_FILE_BYTES`, read in blocks."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ModelIntegrityError(f"{path.name}: larger than {MAX_FILE_BYTES:,} bytes "
                                  f"({size:,})")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path | None = None) -> dict[str, str]:
    """File name -> sha256 from a folder's manifest (the bundled one by default); empty
    when there is none."""
    path = (folder or bundled_dir()) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"expected format {FORMAT}")
        return {str(name): str(entry["sha256"]) for name, entry in data["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelIntegrityError(f"{path}: not a valid model manifest ({exc})") from None


def verify(path: Path | str, *, trust: bool) -> bool:
    """Check a model file against the manifest of the installed package: True when it is
    listed with this content; False when it is not but ``trust`` accepts it; otherwise a
    ModelIntegrityError saying why."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"risk table not found: {path} (derive it with 'advisor model table')"
            if path.name.endswith(".table.json") else f"model file not found: {path}")
    digest = file_sha256(path)
    manifest = read_manifest()
    expected = manifest.get(path.name)
    if expected == digest:
        return True
    if trust:
        return False
    if _in_bundled(path):
        what = ("is not in the manifest" if expected is None else
                f"does not match the manifest (sha256 {digest[:12]}, recorded "
                f"{expected[:12]})")
        raise ModelIntegrityError(
            f"the shipped model file {path.name} {what}: it was changed after it was "
            "recorded; reinstall the package or retrain with 'advisor model train' (or "
            "pass --trust-models to use it as it is)")
    raise ModelIntegrityError(
        f"{path} (sha256 {digest[:12]}) is not in the manifest of the shipped models; "
        "pass --trust-models to use it")


def check_skops_archive(path: Path | str) -> None:
    """A skops file is a zip archive with ``schema.json`` and a bounded unpacked size;
    checked from its directory alone, nothing is decompressed."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ModelIntegrityError(f"{path.name}: not a skops model file ({type(exc).__name__}"
                                  f": {exc})") from None
    if len(entries) > MAX_ENTRIES:
        raise ModelIntegrityError(f"{path.name}: more than {MAX_ENTRIES} archive entries")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ModelIntegrityError(
            f"{path.name}: unpacks to {unpacked:,} bytes, more than {MAX_UNPACKED_BYTES:,} "
            "(a zip bomb?)")
    if "schema.json" not in {e.filename for e in entries}:
        raise ModelIntegrityError(f"{path.name}: not a skops model file (no schema.json)")


def record(path: Path | str) -> Path | None:
    """Record a model file or table written into the bundled folder in its manifest (other
    folders have none); return the manifest's path when it was updated."""
    path = Path(path)
    if not _in_bundled(path) or not path.name.endswith(MODEL_SUFFIXES):
        return None
    manifest = bundled_dir() / MANIFEST_NAME
    files: dict[str, dict[str, object]] = {}
    if manifest.is_file():
        read_manifest()  # refuse to extend a malformed manifest
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    files[path.name] = {"sha256": file_sha256(path), "bytes": path.stat().st_size}
    manifest.write_text(json.dumps({
        "format": FORMAT,
        "note": "sha256 of every shipped model file; checked before a consult uses one "
                "(advisor.risk.manifest). Written by 'advisor model train' and "
                "'advisor model table'.",
        "files": dict(sorted(files.items()))}, indent=1) + "\n", encoding="utf-8")
    return manifest
