"""The service's settings, made once by ``advisor serve`` and handed to every worker
(through the environment variable :data:`ENV`, which uvicorn's worker processes inherit).

The allow-list of issuers is a YAML or JSON file::

    issuers:
      https://ehr.example.org:                 # the JWT's iss
        jwks: ehr-jwks.json                    # a file (relative to this one) ...
      https://other.example.org:
        jwks: https://other.example.org/.well-known/jwks.json   # ... or an https URL

Each JWK Set is read at start (a URL once, with a timeout) and must hold public keys only.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from advisor.errors import InputError
from advisor.serve.findings_cache import DEFAULT_SIZE

ENV = "ADVISOR_SERVE_CONFIG"
DEFAULT_MAX_BODY_BYTES = 2_000_000
JWKS_TIMEOUT_SECONDS = 10.0
MAX_JWKS_BYTES = 1_000_000


@dataclass(frozen=True)
class ServeConfig:
    kb: str | None = None  # knowledge-base folder (None: $ADVISOR_KB or the bundled one)
    base_url: str | None = None  # public base URL: JWT aud and report links
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    issuers: dict[str, dict[str, Any]] = field(default_factory=dict)  # iss -> JWK Set
    report_key: str = ""  # key of the report links
    cache_size: int = DEFAULT_SIZE  # findings kept per worker (advisor.serve.findings_cache)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ServeConfig:
        text = (environ if environ is not None else os.environ).get(ENV)
        if not text:
            raise RuntimeError(f"{ENV} is not set: start the service with 'advisor serve'")
        return cls(**json.loads(text))


def load_issuers(path: str | Path) -> dict[str, dict[str, Any]]:
    """The allow-list file -> ``{issuer: JWK Set}`` (InputError naming the problem)."""
    import yaml

    from advisor.serve.auth import key_set

    file = Path(path)
    if not file.is_file():
        raise InputError("--issuers", str(path), "file not found")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError("--issuers", str(path), f"not YAML or JSON ({type(exc).__name__})"
                         ) from None
    issuers = data.get("issuers") if isinstance(data, dict) else None
    if not isinstance(issuers, dict) or not issuers:
        raise InputError("--issuers", str(path), "needs a non-empty 'issuers' mapping of "
                         "issuer -> {jwks: file or URL}")
    out: dict[str, dict[str, Any]] = {}
    for iss, entry in issuers.items():
        where = entry.get("jwks") if isinstance(entry, dict) else None
        if not isinstance(where, str) or not where:
            raise InputError(f"issuers.{iss}.jwks", where, "give a JWK Set file or https URL")
        jwks = _read_jwks(file.parent, where, str(iss))
        try:
            key_set(jwks, str(iss))
        except ValueError as exc:
            raise InputError(f"issuers.{iss}.jwks", where, str(exc)) from None
        out[str(iss)] = jwks
    return out


def _read_jwks(base: Path, where: str, issuer: str) -> dict[str, Any]:
    if where.startswith(("https://", "http://")):
        return _fetch_jwks(where, issuer)
    path = Path(where) if Path(where).is_absolute() else base / where
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"issuers.{issuer}.jwks", where,
                         f"cannot read a JSON JWK Set ({type(exc).__name__})") from None


def _fetch_jwks(url: str, issuer: str) -> dict[str, Any]:
    import httpx

    from advisor.serve.fhir_client import is_loopback

    host = httpx.URL(url).host
    if url.startswith("http://") and not is_loopback(host):
        raise InputError(f"issuers.{issuer}.jwks", url, "a JWK Set URL must be https")
    try:
        response = httpx.get(url, timeout=JWKS_TIMEOUT_SECONDS, follow_redirects=False,
                             headers={"Accept": "application/json"})
        data = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        raise InputError(f"issuers.{issuer}.jwks", url,
                         f"cannot read the JWK Set ({type(exc).__name__})") from None
    if not isinstance(data, dict) or len(response.content) > MAX_JWKS_BYTES:
        raise InputError(f"issuers.{issuer}.jwks", url, f"answered {response.status_code} "
                         f"without a JWK Set of at most {MAX_JWKS_BYTES} bytes")
    return data
