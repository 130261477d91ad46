"""A real browser (Debian's chromium via Playwright) against the app as ``advisor app``
serves it (the same flags): an uploaded alias bomb ends in a short error box while the
server keeps answering its health check within 2 s; a page reached through a foreign host
name (DNS rebinding) gets no WebSocket, so the app never runs for it."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from advisor.cli.app import command
from tests.browser_support import UPLOAD_TAB, open_consultation, upload_and_run
from tests.conftest import ROOT
from tests.test_browser import CHROMIUM, _free_port
from tests.test_strict_load import bomb

HEALTH_SECONDS = 2.0
REBIND_NAME = "rebind.test"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, int]]:
    port = _free_port()
    proc = subprocess.Popen(command("127.0.0.1", port), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the Streamlit app did not start") from None
                time.sleep(0.3)
        yield url, port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run",
            f"--host-resolver-rules=MAP {REBIND_NAME} 127.0.0.1"])
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


def _health_seconds(url: str) -> float:
    start = time.monotonic()
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=HEALTH_SECONDS) as r:
        assert r.read() == b"ok"
    return time.monotonic() - start


def test_alias_bomb_upload_leaves_the_server_answering(served, browser_page, tmp_path):
    url, _ = served
    page = browser_page
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(levels=12, width=9))
    open_consultation(page, url)
    upload_and_run(page, path)
    assert _health_seconds(url) < HEALTH_SECONDS
    box = page.get_by_text("Cannot run the consultation", exact=False).first
    expect(box).to_be_visible(timeout=30_000)
    text = box.inner_text()
    assert "expanded size" in text and len(text) < 800
    for _ in range(3):
        assert _health_seconds(url) < HEALTH_SECONDS


def _handshake(port: int, host: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   f"Sec-WebSocket-Version: 13\r\nOrigin: http://{host}\r\n\r\n").encode())
        return s.recv(100).split(b"\r\n")[0]


def test_websocket_refused_for_a_foreign_host_header(served):
    _, port = served
    assert b" 101 " in _handshake(port, f"127.0.0.1:{port}")
    assert b" 101 " in _handshake(port, f"localhost:{port}")
    assert b" 403 " in _handshake(port, f"{REBIND_NAME}:{port}")
    assert b" 403 " in _handshake(port, "attacker.example")


def test_dns_rebinding_page_never_gets_the_app(served, browser_page):
    _, port = served
    page = browser_page
    page.goto(f"http://{REBIND_NAME}:{port}/")
    page.wait_for_timeout(8_000)
    expect(page.get_by_role("tab", name=UPLOAD_TAB)).to_have_count(0)
    open_consultation(page, f"http://127.0.0.1:{port}/")  # the same server by its own name
