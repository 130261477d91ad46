"""Errors the service answers with an HTTP status and ``{"error": message}``. The message
goes to the caller only, never to the logs (it may quote the caller's data)."""

from __future__ import annotations


class ServiceError(Exception):
    """An error answered with ``status``."""

    status = 400

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class BadRequest(ServiceError):
    """Malformed JSON, CDS Hooks request or FHIR resource (400)."""

    status = 400


class Unauthorized(ServiceError):
    """No JWT, or one that is not signed by an allowed issuer for this endpoint (401)."""

    status = 401


class NotFound(ServiceError):
    """An unknown service, or a report link that is invalid or has expired (404)."""

    status = 404


class PreconditionFailed(ServiceError):
    """Data the service needs was neither prefetched nor readable from the client's FHIR
    server (412, CDS Hooks 2.0 "Providing FHIR Resources to a CDS Service")."""

    status = 412
