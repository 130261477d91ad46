"""Support for the service tests: the real server (``advisor serve`` on a free port, in its
own process), a small FHIR test server, JWTs, and the CDS Hooks 2.0 JSON Schema."""

from __future__ import annotations

import base64
import json
import math
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jsonschema import Draft202012Validator, FormatChecker

from tests import fhir_builder as fb

SCHEMA_FILE = Path(__file__).with_name("cds_hooks_2_0.schema.json")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``advisor serve`` in a subprocess; its JSON log lines are kept in ``log_file``."""

    def __init__(self, log_file: Path, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = log_file
        self._log = log_file.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "advisor.cli", "serve", "--port", str(self.port), *args],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"advisor serve exited: {log_file.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"advisor serve did not start: {log_file.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        return httpx.post(self.url + path, content=data, headers=headers, timeout=60, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=60, **kwargs)

    def log_lines(self) -> list[str]:
        """The complete lines written so far (a line being written is left out)."""
        text = self.log_file.read_text()
        return [line for line in text[:text.rfind("\n") + 1].splitlines() if line.strip()]


# --- the FHIR test server ------------------------------------------------------------------


class FhirStore:
    """Resources by patient, served with one bearer token; every request is recorded."""

    def __init__(self, token: str):
        self.token = token
        self.patients: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.jwks: dict[str, Any] | None = None
        self.page_size = 50
        self.next_url: str | None = None  # a next link to give instead of the server's own

    def add(self, pid: str, *, genotypes: list[dict[str, Any]],
            medications: list[dict[str, Any]] | None = None, kg: float | None = 70,
            gender: str = "female", birth_date: str = "1990-05-01") -> None:
        self.patients[pid] = {"patient": fb.patient(pid, gender=gender, birth_date=birth_date),
                              "genotypes": genotypes, "medications": medications or [],
                              "weight": [fb.weight(pid, kg)] if kg is not None else []}


class _Handler(BaseHTTPRequestHandler):
    store: FhirStore
    base: str

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # the standard library names it
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.store.requests.append({"path": parts.path, "query": query,
                                    "authorization": self.headers.get("Authorization")})
        if parts.path == "/jwks.json" and self.store.jwks is not None:
            self._send(200, self.store.jwks)
            return
        if self.headers.get("Authorization") != f"Bearer {self.store.token}":
            self._send(401, {"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "login"}]})
            return
        self._route(parts.path, query)

    def _route(self, path: str, query: dict[str, str]) -> None:
        segments = path.strip("/").split("/")
        if len(segments) == 3 and segments[:2] == ["fhir", "Patient"]:
            record = self.store.patients.get(segments[2])
            self._send(200, record["patient"]) if record else self._send(404, {})
            return
        record = self.store.patients.get(query.get("patient", ""))
        if record is None or len(segments) != 2:
            self._send(200, fb.bundle([]))
            return
        if segments[1] == "MedicationRequest":
            found = [m for m in record["medications"] if m["status"] == query.get("status")]
            self._send(200, fb.bundle(found))
        elif segments[1] == "Observation" and query.get("code", "").endswith("|84413-4"):
            self._send(200, self._page(record["genotypes"], query, path))
        elif segments[1] == "Observation" and query.get("code", "").endswith("|29463-7"):
            self._send(200, fb.bundle(record["weight"]))
        else:
            self._send(200, fb.bundle([]))

    def _page(self, items: list[dict[str, Any]], query: dict[str, str], path: str
              ) -> dict[str, Any]:
        page = int(query.get("page", "1"))
        size = self.store.page_size
        out = fb.bundle(items[(page - 1) * size: page * size])
        out["total"] = len(items)
        if page < math.ceil(len(items) / size):
            nxt = self.store.next_url or (
                f"{self.base}{path}?patient={query['patient']}&code={query['code']}"
                f"&page={page + 1}")
            out["link"] = [{"relation": "next", "url": nxt}]
        return out


class FhirTestServer:
    """A FHIR server on a free port of this machine, base URL ``<url>/fhir``."""

    def __init__(self, token: str):
        self.store = FhirStore(token)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        handler = type("Handler", (_Handler,), {"store": self.store, "base": self.url})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return self.url + "/fhir"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- JWTs ----------------------------------------------------------------------------------


def p384_jwk(public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The public JWK of a P-384 key as RFC 7518 6.2.1.2 writes it: each coordinate is the
    full 48 bytes, leading zeros kept (PyJWT before 2.10 dropped them in ``to_jwk`` and then
    refused its own key, about one key in 128)."""
    numbers = public.public_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes(48, "big")).rstrip(b"=").decode()

    return {"kty": "EC", "crv": "P-384", "x": b64(numbers.x), "y": b64(numbers.y)}


class Issuer:
    """An EHR that signs CDS Hooks JWTs (ES384, as the specification recommends)."""

    def __init__(self, iss: str, kid: str = "ehr-key-1",
                 key: ec.EllipticCurvePrivateKey | None = None):
        self.iss = iss
        self.kid = kid
        self.key = key or ec.generate_private_key(ec.SECP384R1())
        self.jwks = {"keys": [{**p384_jwk(self.key.public_key()), "kid": kid, "use": "sig",
                               "alg": "ES384"}]}

    def token(self, aud: str, *, exp_in: int = 300, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": self.iss, "aud": aud, "exp": now + exp_in, "iat": now,
                   "jti": str(uuid.uuid4()), **claims}
        return jwt.encode(payload, self.key, algorithm="ES384",
                          headers={"kid": self.kid, "typ": "JWT"})


# --- the specification's JSON Schema --------------------------------------------------------


def _validator(definition: str) -> Draft202012Validator:
    """A validator for one definition of the schema (``discoveryResponse``, ...)."""
    schema = json.loads(SCHEMA_FILE.read_text())
    return Draft202012Validator({"$schema": schema["$schema"], "$defs": schema["$defs"],
                                 "$ref": f"#/$defs/{definition}"},
                                format_checker=FormatChecker())


DISCOVERY = _validator("discoveryResponse")
RESPONSE = _validator("serviceResponse")


def schema_errors(validator: Draft202012Validator, data: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(data)]
