"""Reads from the FHIR server a hook request names, with the bearer token it gives and no
other (CDS Hooks 2.0, "FHIR Resource Access").

- the server must be ``https`` (``http`` only on this machine's loopback addresses, for
  tests and local set-ups);
- redirects are not followed and a Bundle's ``next`` page is read only when it lies below
  the same server, so patient data and the token go to that server alone;
- every read has connect and read timeouts and a size limit.
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlsplit

from advisor.serve.discovery import PATIENT_TOKEN
from advisor.serve.errors import BadRequest, PreconditionFailed

if TYPE_CHECKING:
    import httpx

CONNECT_SECONDS = 3.0
READ_SECONDS = 10.0
MAX_RESPONSE_BYTES = 10_000_000
MAX_PAGES = 20
FHIR_JSON = "application/fhir+json"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_server(url: str) -> str:
    """The FHIR base URL without a trailing slash, if it is one the service may read."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest(f"fhirServer: not an http(s) URL ({url!r})")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise BadRequest("fhirServer: must be https (http only for a server on this machine)")
    if parts.query or parts.fragment:
        raise BadRequest("fhirServer: a base URL has no query or fragment")
    return url.rstrip("/")


class FhirReader:
    """Read-only access to one client's FHIR server for one hook request."""

    def __init__(self, client: httpx.Client, base: str, token: str):
        self.client = client
        self.base = checked_server(base)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": FHIR_JSON}

    def template(self, template: str, patient_id: str, *, required: bool) -> Any:
        """The result of a prefetch template for the patient: a resource, a Bundle with every
        page's entries, or None (a read that found nothing). A failed read of required data is
        :class:`PreconditionFailed`; of optional data, None."""
        path, _, query = template.replace(PATIENT_TOKEN, quote(patient_id, safe="")).partition("?")
        params = parse_qsl(query, keep_blank_values=True)
        try:
            first = self._get(f"{self.base}/{path}", params)
            if isinstance(first, dict) and first.get("resourceType") == "Bundle":
                return self._all_pages(first)
            return first
        except PreconditionFailed:
            if required:
                raise
            return None

    def _get(self, url: str, params: list[tuple[str, str]] | None = None) -> Any:
        import httpx

        what = url[len(self.base) + 1:].split("?")[0].split("/")[0] or "the server"
        try:
            with self.client.stream("GET", url, params=params, headers=self.headers,
                                    follow_redirects=False) as response:
                if response.status_code == 404:
                    return None
                if response.status_code != 200:
                    raise PreconditionFailed(f"the FHIR server answered {response.status_code} "
                                             f"to a read of {what}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise PreconditionFailed(f"the FHIR server's {what} answer is larger "
                                                 f"than {MAX_RESPONSE_BYTES} bytes")
        except httpx.HTTPError as exc:
            raise PreconditionFailed(f"the FHIR server could not be read ({type(exc).__name__})"
                                     ) from None
        try:
            return json.loads(bytes(body))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise PreconditionFailed(f"the FHIR server's {what} answer is not JSON") from None

    def _all_pages(self, bundle: dict[str, Any]) -> dict[str, Any]:
        entries = list(bundle.get("entry") or [])
        page = bundle
        for _ in range(MAX_PAGES):
            nxt = next_link(page)
            if nxt is None or not nxt.startswith(self.base + "/"):
                break
            page = self._get(nxt)
            if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
                break
            entries += page.get("entry") or []
        return {**bundle, "entry": entries, "link": []}

    def more_pages(self, bundle: Any) -> Any:
        """A prefetched searchset Bundle with the pages the client left on the server."""
        if isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle" and \
                next_link(bundle) is not None:
            return self._all_pages(bundle)
        return bundle


def next_link(bundle: dict[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next" and \
                isinstance(link.get("url"), str):
            return link["url"]
    return None
