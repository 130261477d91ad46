"""Links from a card to the full consult report that keep the service stateless.

The link carries the consult's inputs (the patient-file data and the FHIR genotypes),
compressed and encrypted with a key the server made at start (Fernet: AES-128-CBC with an
HMAC-SHA256, and a timestamp). Nothing is stored; the report is computed again when the link
is opened, by the same engine. A link is opaque to whoever sees it, cannot be altered, and
stops working after :data:`TTL_SECONDS` or when the server restarts with a new key.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from advisor.serve.errors import NotFound

TTL_SECONDS = 8 * 3600
MAX_TOKEN_CHARS = 20_000


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


class ReportLinks:
    def __init__(self, key: str):
        from cryptography.fernet import Fernet

        self.fernet = Fernet(key.encode("ascii"))

    def token(self, patient: dict[str, Any], genotypes: dict[str, Any]) -> str:
        raw = json.dumps({"patient": patient, "genotypes": genotypes}, separators=(",", ":"),
                         sort_keys=True).encode("utf-8")
        return self.fernet.encrypt(zlib.compress(raw, 6)).decode("ascii")

    def read(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The inputs of a link, or :class:`NotFound` (altered, foreign or expired)."""
        from cryptography.fernet import InvalidToken

        if len(token) > MAX_TOKEN_CHARS:
            raise NotFound("report link not valid")
        try:
            data = json.loads(zlib.decompress(self.fernet.decrypt(token.encode("ascii"),
                                                                  ttl=TTL_SECONDS)))
        except (InvalidToken, UnicodeEncodeError, zlib.error, ValueError):
            raise NotFound("report link not valid, or expired (links last "
                           f"{TTL_SECONDS // 3600} hours); open the card again") from None
        return data["patient"], data["genotypes"]
