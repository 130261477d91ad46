"""``advisor app``: serve the Streamlit app of the installed package.

By default the app listens on 127.0.0.1 (this machine only). Streamlit answers any ``Host``
header unless ``server.allowedHosts`` lists the names it may be reached by; with the list,
a WebSocket connection (the channel every page runs over) whose ``Host`` is not listed is
refused, which defeats DNS rebinding (a hostile web page whose own name resolves to the
app's address). So:

- bound to a loopback address, the app accepts only ``localhost``, ``127.0.0.1`` and
  ``::1`` (plus any ``--allow-host``);
- bound beyond this machine (``--host 0.0.0.0`` or an interface address), ``--allow-host``
  is required, naming every host name users type; the app should then sit behind an
  authenticating HTTPS reverse proxy, which also checks ``Host`` for the HTTP routes
  (health, static files) that Streamlit serves to any host.

XSRF protection and CORS stay on, tracebacks are never shown in the page, and
``--trust-models`` lets consults use risk-model files outside the manifest of the shipped
models (as ``advisor consult --trust-models``).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from advisor.errors import InputError
from advisor.extras import require

# The deployment settings of .streamlit/config.toml, passed as flags so that an installed
# package (which has no .streamlit folder) runs with the same ones.
SETTINGS = {"server.headless": "true", "server.enableXsrfProtection": "true",
            "server.enableCORS": "true", "server.maxUploadSize": "50",
            "browser.gatherUsageStats": "false", "client.showErrorDetails": "none",
            "client.toolbarMode": "minimal", "logger.level": "warning"}
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
TRUST_ENV = "ADVISOR_TRUST_MODELS"  # read by the app's pages (advisor.ui.common)
SCRIPT = Path(__file__).resolve().parents[1] / "ui" / "app.py"


def is_local(host: str) -> bool:
    """Whether an address to bind is this machine only (a loopback address)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, allow: list[str] | None) -> list[str]:
    """The Host names the app accepts; beyond this machine ``allow`` must name them."""
    names = [name.strip() for name in allow or [] if name.strip()]
    if "*" in names:
        raise InputError("--allow-host", "*", "name the hosts; '*' would accept any Host "
                         "header (no DNS-rebinding protection)")
    if is_local(host):
        return list(dict.fromkeys([*LOCAL_NAMES, *names]))
    if not names:
        raise InputError("--host", host, "serving beyond this machine needs --allow-host "
                         "with each host name users type (e.g. --allow-host "
                         "advisor.example.org), behind an authenticating HTTPS reverse proxy")
    return names


def command(host: str, port: int, allow: list[str] | None = None) -> list[str]:
    """The ``streamlit run`` command line for the app with the deployment settings."""
    hosts = allowed_hosts(host, allow)
    flags = [f"--{k}={v}" for k, v in {**SETTINGS, "server.address": host,
                                         "server.port": str(port)}.items()]
    flags += [f"--server.allowedHosts={name}" for name in hosts]
    return [sys.executable, "-m", "streamlit", "run", str(SCRIPT), *flags]


def run(args: argparse.Namespace) -> int:
    cmd = command(args.host, args.port, args.allow_host)
    require("streamlit", "app", "the browser app")
    env = {**os.environ, TRUST_ENV: "1" if args.trust_models else "0"}
    return subprocess.call(cmd, env=env)


def register(subparsers: Any) -> None:
    """Add ``app`` to the ``advisor`` sub-command parsers."""
    app = subparsers.add_parser(
        "app", help="serve the browser app (Streamlit) on this machine",
        description="Serve the consultation, cohort and knowledge-base pages. Example: "
                    "advisor app --port 8501")
    app.add_argument("--host", default="127.0.0.1",
                     help="address to bind (default 127.0.0.1: this machine only); any other "
                     "address needs --allow-host, e.g. --host 0.0.0.0 --allow-host "
                     "advisor.example.org behind an authenticating proxy")
    app.add_argument("--port", type=int, default=8501, help="port (default 8501), e.g. --port 8502")
    app.add_argument("--allow-host", action="append", metavar="NAME",
                     help="a host name the app may be reached by (repeat for several); "
                     "WebSocket connections with any other Host header are refused, e.g. "
                     "--allow-host advisor.example.org")
    app.add_argument("--trust-models", action="store_true",
                     help="let consults use risk-model files outside the manifest of the "
                     "shipped models ($ADVISOR_MODELS), e.g. --trust-models")
    app.set_defaults(func=run)
