"""Logs as one JSON object per line, and the guard every request passes.

No patient data reaches a log: access lines name the route template (``/report/{token}``,
never the token), the service, the status, sizes and duration; errors name their type and
where they were raised, never their message (messages may quote request data). The guard
also limits request bodies (413 beyond the limit, declared or streamed) and answers an
unexpected error with a plain 500 after logging it so.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any

from advisor.serve.discovery import SERVICES

ACCESS = "advisor.serve.access"
ERRORS = "advisor.serve.error"
WARNINGS = "py.warnings"


def capture_warnings() -> None:
    """Send Python warnings to the ``py.warnings`` logger (and so through the JSON format,
    which withholds their text: a library's warning may quote result data)."""
    logging.captureWarnings(True)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...fields}``; an exception adds its type and
    the place it was raised, without its message; a Python warning (``py.warnings``, see
    :func:`capture_warnings`) keeps its category and place, without its text."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name}
        if record.name == WARNINGS:
            text = str(record.args[0] if record.args else record.msg)
            where, category = [*text.split(": "), "", ""][:2]
            out.update(message=f"{category or 'Warning'} (text withheld)", where=where)
        else:
            out["message"] = record.getMessage()
        out.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__
            frames = traceback.extract_tb(record.exc_info[2])
            if frames:
                out["where"] = f"{frames[-1].filename}:{frames[-1].lineno}"
        return json.dumps(out, ensure_ascii=False)


def log_config(level: str = "info") -> dict[str, Any]:
    """A logging configuration (for uvicorn) writing JSON lines to standard error."""
    handler = {"class": "logging.StreamHandler", "formatter": "json",
               "stream": "ext://sys.stderr"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": {name: {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
                    for name in ("uvicorn", "uvicorn.error", "advisor.serve", WARNINGS)}
                   | {"uvicorn.access": {"handlers": [], "level": "WARNING",
                                         "propagate": False}},
    }


class BodyTooLarge(Exception):
    pass


async def _json(send: Any, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": data})


def _count(state: dict[str, Any], message: dict[str, Any]) -> None:
    """Note a response message's status and size (and add the request id header)."""
    if message["type"] == "http.response.start":
        state["status"], state["started"] = message["status"], True
        message["headers"] = [*message.get("headers", []), (b"x-request-id",
                                                             state["id"].encode())]
    elif message["type"] == "http.response.body":
        state["out"] += len(message.get("body", b""))


class Guard:
    """ASGI middleware: size limit, access log, last-resort error answer."""

    def __init__(self, app: Any, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.access = logging.getLogger(ACCESS)
        self.errors = logging.getLogger(ERRORS)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"status": 0, "out": 0, "in": 0, "started": False,
                 "id": uuid.uuid4().hex[:16], "t0": time.perf_counter()}
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send, state)
            self._log(scope, state)
            return

        async def limited() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                state["in"] += len(message.get("body", b""))
                if state["in"] > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def counted(message: dict[str, Any]) -> None:
            _count(state, message)
            await send(message)

        try:
            await self.app(scope, limited, counted)
        except BodyTooLarge:
            if not state["started"]:
                await self._too_large(counted, state)
        except Exception:
            self.errors.error("unexpected error", exc_info=True,
                              extra={"fields": {"request_id": state["id"]}})
            if not state["started"]:
                await _json(counted, 500, {"error": "internal error; the request id is in "
                                                    "the x-request-id header"})
        finally:
            self._log(scope, state)

    async def _too_large(self, send: Any, state: dict[str, Any]) -> None:
        state["status"] = 413
        await _json(send, 413, {"error": f"request body larger than {self.max_body_bytes} "
                                         "bytes"})

    def _log(self, scope: dict[str, Any], state: dict[str, Any]) -> None:
        route = scope.get("route")
        fields = {"request_id": state["id"], "method": scope.get("method"),
                  "route": getattr(route, "path", None) or "(no route)",
                  "status": state["status"], "bytes_in": state["in"],
                  "bytes_out": state["out"],
                  "duration_ms": round((time.perf_counter() - state["t0"]) * 1000, 2)}
        service = (scope.get("path_params") or {}).get("service_id")
        if service in SERVICES:  # a caller's made-up id is not logged
            fields["service"] = service
        self.access.info("request", extra={"fields": fields})
