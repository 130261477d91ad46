"""A real browser (Debian's chromium via Playwright) drives the Streamlit app.

The app runs headless on a free local port. For three example patients, at 1400 px and at
390 px wide, a patient file is uploaded and the consultation run; then:
- the summary's avoid list is in view without scrolling;
- no raw '{', 'None' or 'nan' appears anywhere on the page (every tab), and no header,
  label or column name is in snake_case;
- the downloads (HTML, PDF, Markdown, JSON, FHIR) are there.
The cohort page runs the bundled example cohort; the knowledge-base page renders.

Screenshots go to test-artifacts/ (a CI artefact); with ADVISOR_SCREENSHOTS=docs they go to
docs/screenshots/ instead, and the consultation of the HLA-B*15:02 example at 1400 px
refreshes the README's docs/screenshot-consult.png. The browser is /usr/bin/chromium or
$ADVISOR_CHROMIUM; without it every test here fails with one line that names it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser_support import open_consultation, upload_and_run
from tests.conftest import ROOT

CHROMIUM = Path(os.environ.get("ADVISOR_CHROMIUM", "/usr/bin/chromium"))
TO_DOCS = os.environ.get("ADVISOR_SCREENSHOTS") == "docs"
SHOTS = ROOT / "docs" / "screenshots" if TO_DOCS else ROOT / "test-artifacts"
README_SHOT = ROOT / "docs" / "screenshot-consult.png"
PATIENTS = ["hla-b1502-focal-dre", "valproate-lamotrigine-gge", "child-dravet-gaba"]
VIEWPORTS = {"desktop": (1400, 1000), "phone": (390, 844)}
TABS = ["Flags", "Doses", "Regimens", "ILAE status and risk", "Genotypes",
        "Safety and advice", "References"]
DOWNLOADS = ["HTML", "PDF", "Markdown", "JSON", "FHIR"]
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
RAW = re.compile(r"\{|\bNone\b|\bnan\b|\bNaN\b")
# an icon is a ligature word, e.g. 'arrow_downward' (aria-hidden, not to translate)
ICON = "[aria-hidden=true][translate=no]"
# every text node of the main area (all tabs) except style sheets and icon names
PAGE_TEXT = """() => { const out = []; const main = document.querySelector('[data-testid=stMain]');
  const walk = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) { const p = walk.currentNode.parentElement;
    if (p && !['STYLE', 'SCRIPT'].includes(p.tagName) && !p.closest('ICON'))
      out.push(walk.currentNode.nodeValue); }
  return out.join(' '); }""".replace("ICON", ICON)
HEADERS = """() => [...document.querySelectorAll(
  '[data-testid=stMain] :is(h1, h2, h3, h4, h5, h6, th, [role=columnheader], [role=tab], ' +
  'label, summary, [data-testid=stMetricLabel])')].map(e => { const c = e.cloneNode(true);
    c.querySelectorAll('ICON').forEach(i => i.remove()); return c.textContent.trim(); })"""
HEADERS = HEADERS.replace("ICON", ICON)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"no browser at {CHROMIUM}: install Debian's chromium (apt-get install "
                    "chromium) or set ADVISOR_CHROMIUM to a Chromium binary", pytrace=False)
    with sync_playwright() as p:
        try:
            launched = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
        except Exception as exc:  # a broken binary: one line, not a traceback
            pytest.fail(f"the browser at {CHROMIUM} does not start: "
                        f"{str(exc).splitlines()[0]}", pytrace=False)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def app_url(browser) -> Iterator[str]:
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


def _page(browser: Browser, viewport: str) -> Page:
    width, height = VIEWPORTS[viewport]
    page = browser.new_page(viewport={"width": width, "height": height})
    # a shared CI machine can take longer than Playwright's 30 s to rerun the app after an
    # upload (one lowest-versions run timed out waiting for the run button)
    page.set_default_timeout(90_000)
    return page


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def _consult(page: Page, url: str, patient: str) -> None:
    open_consultation(page, url)
    upload_and_run(page, ROOT / "examples" / f"{patient}.yaml")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("patient", PATIENTS)
def test_consultation_leads_with_the_avoid_list(browser, app_url, patient, viewport):
    page = _page(browser, viewport)
    _consult(page, app_url, patient)
    avoid = page.locator("[data-testid='stAlertContentError']").filter(has_text="Avoid")
    expect(avoid).to_be_visible(timeout=60_000)
    page.wait_for_timeout(500)
    scrolled = page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop")
    first = avoid.locator("li").first.bounding_box()
    height = VIEWPORTS[viewport][1]
    assert scrolled == 0 and first is not None
    assert 0 <= first["y"] and first["y"] + first["height"] <= height, first
    for label in DOWNLOADS:
        expect(page.get_by_role("button", name=label, exact=True)).to_be_visible()
    if TO_DOCS and viewport == "desktop" and patient == PATIENTS[0]:
        page.screenshot(path=str(README_SHOT))
    _shot(page, f"consult-{patient}-{viewport}.png")
    page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("patient", PATIENTS)
def test_no_raw_values_or_code_names_on_any_tab(browser, app_url, patient, viewport):
    page = _page(browser, viewport)
    _consult(page, app_url, patient)
    expect(page.locator("[data-testid='stAlertContentError']").first).to_be_visible(
        timeout=60_000)
    for tab in TABS:  # each tab shown once, so that its tables and charts are drawn
        page.get_by_role("tab", name=tab, exact=True).click()
        page.wait_for_timeout(300)
    text = page.evaluate(PAGE_TEXT)
    assert "carbamazepine" in text and "References" in text
    raw = sorted({m.group(0) for m in RAW.finditer(text)})
    assert not raw, [text[max(0, m.start() - 60):m.end() + 60] for m in RAW.finditer(text)][:3]
    headers = page.evaluate(HEADERS)
    assert headers and not [h for h in headers if SNAKE.search(h)], \
        [h for h in headers if SNAKE.search(h)]
    page.close()


def test_cohort_example_and_knowledge_base_pages(browser, app_url):
    page = _page(browser, "desktop")
    page.goto(f"{app_url}/cohort")
    page.get_by_role("button", name="Try the example cohort").click()
    heading = page.get_by_text("Samples per drug and action").first
    expect(heading).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Samples with an actionable result")).to_be_visible()
    page.wait_for_timeout(1000)
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")
    _shot(page, "cohort.png")
    page.goto(f"{app_url}/knowledge-base")
    expect(page.get_by_text("sha256", exact=False).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Labelled maintenance doses")).to_be_visible()
    page.wait_for_timeout(1500)  # the tables are drawn after the text
    _shot(page, "knowledge-base.png")
    page.close()
