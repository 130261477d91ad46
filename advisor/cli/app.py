"""``advisor app``: serve the Streamlit app of the installed package on this machine."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from advisor.extras import require

# The deployment settings of .streamlit/config.toml, passed as flags so that an installed
# package (which has no .streamlit folder) runs with the same ones.
SETTINGS = {"server.headless": "true", "server.enableXsrfProtection": "true",
            "server.maxUploadSize": "50", "browser.gatherUsageStats": "false",
            "client.showErrorDetails": "none", "client.toolbarMode": "minimal",
            "logger.level": "warning"}


def run(args: argparse.Namespace) -> int:
    require("streamlit", "app", "the browser app")
    script = Path(__file__).resolve().parents[1] / "ui" / "app.py"
    flags = [f"--{k}={v}" for k, v in {**SETTINGS, "server.address": args.host,
                                         "server.port": str(args.port)}.items()]
    return subprocess.call([sys.executable, "-m", "streamlit", "run", str(script), *flags])


def register(subparsers: Any) -> None:
    """Add ``app`` to the ``advisor`` sub-command parsers."""
    app = subparsers.add_parser(
        "app", help="serve the browser app (Streamlit) on this machine",
        description="Serve the consultation, cohort and knowledge-base pages. Example: "
                    "advisor app --port 8501")
    app.add_argument("--host", default="127.0.0.1",
                     help="address to bind (default 127.0.0.1: this machine only), e.g. "
                     "--host 0.0.0.0 behind an authenticating proxy")
    app.add_argument("--port", type=int, default=8501, help="port (default 8501), e.g. --port 8502")
    app.set_defaults(func=run)
