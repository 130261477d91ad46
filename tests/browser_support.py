"""Browser-test steps shared by the Playwright tests."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

UPLOADS = 3  # tries; each waits up to WAIT_MS for the run button
WAIT_MS = 30_000
FIRST_RUN_MS = 120_000  # the app's first run on a cold, busy machine (a CI rehearsal: > 30 s)
UPLOAD_TAB = "Upload patient file"


def open_consultation(page: Page, url: str) -> None:
    """Open the consultation page (the app's default page) at ``url`` and wait until its
    patient tabs are drawn.

    The first run may be slow: the upload tab is awaited up to :data:`FIRST_RUN_MS`, and once
    more after a reload. CI rehearsals on Python 3.12 saw two page loads among dozens stop
    after the 'Patient' panel's title and never draw its tabs (once in each browser-test
    module); a reload of such a page starts a new session."""
    page.goto(url)
    tab = page.get_by_role("tab", name=UPLOAD_TAB)
    try:
        tab.wait_for(state="visible", timeout=FIRST_RUN_MS)
    except PlaywrightTimeout:
        page.reload()
        tab.wait_for(state="visible", timeout=FIRST_RUN_MS)


def upload_and_run(page: Page, path: Path) -> None:
    """Upload a patient file on the open consultation page and press its run button.

    An upload made while the app's first run is still rendering can be lost (the run button
    then never appears), so the file is uploaded again, up to :data:`UPLOADS` times, before
    the step fails."""
    button = page.get_by_role("button", name="Run consultation on the file")
    tab = page.get_by_role("tab", name=UPLOAD_TAB)
    for _ in range(UPLOADS):
        tab.click()
        page.locator("[data-testid='stFileUploader'] input[type='file']").first \
            .set_input_files(str(path))
        try:
            button.wait_for(state="visible", timeout=WAIT_MS)
        except PlaywrightTimeout:
            continue
        button.click()
        return
    raise AssertionError(f"no run button after {UPLOADS} uploads of {path.name}")
