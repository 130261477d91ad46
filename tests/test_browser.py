"""A real browser (Debian's chromium via Playwright) drives the Streamlit app.

The app runs headless on a free local port; an HLA-B*15:02-positive patient is uploaded
and the carbamazepine 'avoid' flag must be visible. A screenshot of each page is saved to
test-artifacts/ (a CI artefact).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import ROOT

CHROMIUM = os.environ.get("ADVISOR_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
PATIENT = ROOT / "examples" / "hla-b1502-focal-dre.yaml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_consult_hla_positive_patient_shows_carbamazepine_avoid(app_url, page):
    page.goto(app_url)  # the consultation page is the default page
    page.get_by_role("tab", name="Upload patient file").click()
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(
        str(PATIENT))
    page.get_by_role("button", name="Run consultation on the file").click()
    flag = page.get_by_text("carbamazepine: avoid", exact=False).first
    expect(flag).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Drug-resistant", exact=False).first).to_be_visible()
    _shot(page, "consult.png")


def test_cohort_and_knowledge_base_pages_render(app_url, page, tmp_path):
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("sample_id,CYP2C9,HLA-B*15:02,seizure_types\nA,*1/*3,negative,focal\n"
                      "B,*3/*3,positive,focal\nC,*1/*99,negative,focal\n")
    page.goto(f"{app_url}/cohort")
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(
        str(cohort))
    page.get_by_role("button", name="Screen cohort").click()
    expect(page.get_by_text("Rows with errors").first).to_be_visible(timeout=30_000)
    _shot(page, "cohort.png")
    page.goto(f"{app_url}/knowledge-base")
    expect(page.get_by_text("sha256", exact=False).first).to_be_visible(timeout=30_000)
    _shot(page, "knowledge-base.png")
