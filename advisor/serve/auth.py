"""The JWT a CDS client sends with every call (CDS Hooks 2.0, "Trusting CDS Clients"),
checked when the server is started with an allow-list of issuers.

- ``Authorization: Bearer <JWT>``; the header's ``kid`` names a key of the issuer's JWK Set,
  configured at start (a file or URL per issuer); a ``jku`` header is never fetched;
- signed with an asymmetric algorithm (never ``none``, never HMAC);
- ``iss`` on the allow-list, ``aud`` the URL of the endpoint called, ``exp`` in the future
  (a small leeway for clock skew), ``iat`` and ``jti`` present; a ``jti`` seen before (in
  this worker, until it expires) is a replay.

Any failure is :class:`~advisor.serve.errors.Unauthorized` (401).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from advisor.serve.errors import Unauthorized

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA")
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti"]


def key_set(jwks: dict[str, Any], issuer: str) -> Any:
    """A JWK Set of public keys for one issuer (ValueError naming any key that cannot be
    used, so a wrong key is found at start, not at the first 401)."""
    import jwt

    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ValueError(f"the JWK Set of {issuer} has no keys")
    if any(isinstance(k, dict) and (k.get("kty") == "oct" or "d" in k) for k in keys):
        raise ValueError(f"the JWK Set of {issuer} holds a secret or private key: give the "
                         "issuer's public keys only")
    problems = []
    for number, key in enumerate(keys, 1):
        if not isinstance(key, dict):
            problems.append(f"key {number}: not a JSON object")
            continue
        try:
            jwt.PyJWK(key)
        except (jwt.PyJWTError, TypeError, ValueError) as exc:
            name = f" ({key['kid']})" if key.get("kid") else ""
            problems.append(f"key {number}{name}: {exc}")
    if problems:
        raise ValueError(f"the JWK Set of {issuer} has keys that cannot be used: "
                         + "; ".join(problems))
    return jwt.PyJWKSet.from_dict(jwks)


class JwtCheck:
    """Checks CDS Hooks JWTs against the issuers' JWK Sets."""

    def __init__(self, issuers: dict[str, dict[str, Any]]):
        self.keys = {iss: key_set(jwks, iss) for iss, jwks in issuers.items()}
        self.declared = {iss: {k.get("kid"): k.get("alg") for k in jwks["keys"]
                               if isinstance(k, dict)} for iss, jwks in issuers.items()}
        self.seen: dict[str, float] = {}  # jti -> exp
        self.lock = threading.Lock()

    def claims(self, authorization: str | None, audience: str) -> dict[str, Any]:
        """The verified claims of the request's JWT for ``audience`` (the endpoint URL)."""
        import jwt

        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("a CDS Hooks JWT is required: Authorization: Bearer <JWT>")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise Unauthorized("the JWT cannot be read") from None
        key = self._key(issuer, header)
        try:
            claims = jwt.decode(token, key=key.key, algorithms=[header["alg"]],
                                audience=audience, issuer=issuer, leeway=LEEWAY_SECONDS,
                                options={"require": REQUIRED_CLAIMS})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the JWT has expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized(f"the JWT's aud is not this endpoint ({audience})") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the JWT is not valid ({type(exc).__name__})") from None
        self._once(str(claims["jti"]), float(claims["exp"]))
        return claims

    def _key(self, issuer: Any, header: dict[str, Any]) -> Any:
        keyset = self.keys.get(issuer) if isinstance(issuer, str) else None
        if keyset is None:
            raise Unauthorized("the JWT's issuer is not on this server's allow-list")
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise Unauthorized(f"the JWT's algorithm {alg!r} is not allowed (asymmetric "
                               "signatures only)")
        key = next((k for k in keyset.keys if k.key_id == header.get("kid")), None)
        if key is None:
            raise Unauthorized("the JWT's kid names no key of the issuer's JWK Set")
        declared = self.declared[issuer].get(key.key_id)
        if declared and declared != alg:
            raise Unauthorized("the JWT's algorithm differs from its key's")
        return key

    def _once(self, jti: str, exp: float) -> None:
        now = time.time()
        with self.lock:
            if len(self.seen) > 10_000:
                self.seen = {j: e for j, e in self.seen.items() if e + LEEWAY_SECONDS > now}
            if jti in self.seen:
                raise Unauthorized("the JWT's jti was used before (replay)")
            self.seen[jti] = exp
