"""``advisor serve``: the CDS Hooks service for the electronic health record (the ``serve``
extra)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from advisor.cli.options import add_kb
from advisor.extras import require
from advisor.serve.findings_cache import DEFAULT_SIZE


def run(args: argparse.Namespace) -> int:
    for module in ("fastapi", "uvicorn", "jwt", "httpx", "cryptography", "fhir.resources"):
        require(module, "serve", "the CDS Hooks service")
    import uvicorn

    from advisor.errors import InputError
    from advisor.resources import kb_dir
    from advisor.serve.config import ENV, ServeConfig, load_issuers
    from advisor.serve.fhir_client import is_loopback
    from advisor.serve.links import new_key
    from advisor.serve.logs import log_config

    kb = Path(args.kb) if args.kb else kb_dir()
    if not kb.is_dir():
        raise InputError("--kb", str(kb), "knowledge-base folder does not exist")
    if args.workers < 1 or args.max_body_bytes < 1000:
        raise InputError("--workers" if args.workers < 1 else "--max-body-bytes",
                         args.workers if args.workers < 1 else args.max_body_bytes,
                         "too small")
    if args.cache_size < 0:
        raise InputError("--cache-size", args.cache_size, "must be 0 (keep none) or more")
    issuers = load_issuers(args.issuers) if args.issuers else {}
    if not issuers and not is_loopback(args.host):
        print(f"warning: serving on {args.host} without --issuers: any caller that reaches "
              "this port can use the service", file=sys.stderr)
    config = ServeConfig(kb=str(kb) if args.kb else None, base_url=args.base_url,
                         max_body_bytes=args.max_body_bytes, issuers=issuers,
                         report_key=new_key(), cache_size=args.cache_size)
    os.environ[ENV] = config.to_env()  # each worker reads its settings from here
    uvicorn.run("advisor.serve.app:app_from_env", factory=True, host=args.host,
                port=args.port, workers=args.workers, log_config=log_config(args.log_level),
                access_log=False, server_header=False, timeout_keep_alive=5)
    return 0


def register(subparsers: Any) -> None:
    """Add ``serve`` to the ``advisor`` sub-command parsers."""
    serve = subparsers.add_parser(
        "serve", help="serve the CDS Hooks 2.0 service for the electronic health record",
        description="Pharmacogenomic cards at the point of prescribing (CDS Hooks 2.0: "
                    "order-select and order-sign), the consult as JSON for other systems, and "
                    "the full report a card links to. Needs the 'serve' extra. Example: "
                    "advisor serve --port 8080 --workers 2 --issuers issuers.yaml")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1: this machine only), e.g. "
                       "--host 0.0.0.0 behind a TLS-terminating proxy with --issuers")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080), e.g. "
                       "--port 9000")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes, each with its own knowledge base (default 1), "
                       "e.g. --workers 2")
    serve.add_argument("--issuers",
                       help="allow-list of EHR issuers (YAML or JSON: issuers: {ISS: {jwks: "
                       "FILE or URL}}); every CDS call and /consult then needs a JWT signed "
                       "by one of them, e.g. --issuers issuers.yaml")
    serve.add_argument("--base-url",
                       help="the public base URL the EHR calls (the JWT aud and the report "
                       "links; default: as the request arrives), e.g. --base-url "
                       "https://cds.example.org")
    serve.add_argument("--max-body-bytes", type=int, default=2_000_000,
                       help="largest request body accepted (default 2000000; larger: 413), "
                       "e.g. --max-body-bytes 5000000")
    serve.add_argument("--cache-size", type=int, default=DEFAULT_SIZE,
                       help="findings of recently judged patients kept per worker, in memory "
                       "and without identifiers, for the repeated calls of one order (default "
                       f"{DEFAULT_SIZE}; 0 keeps none), e.g. --cache-size 0")
    serve.add_argument("--log-level", default="info",
                       choices=("debug", "info", "warning", "error"),
                       help="log level of the JSON logs on standard error (default info), "
                       "e.g. --log-level warning")
    add_kb(serve)
    serve.set_defaults(func=run)
