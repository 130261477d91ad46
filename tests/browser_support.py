"""Browser-test steps shared by the Playwright tests."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

UPLOADS = 3  # tries; each waits up to WAIT_MS for the run button
WAIT_MS = 30_000
FIRST_RUN_MS = 120_000  # the app's first run on a cold, busy machine (a CI rehearsal: > 30 s)


def upload_and_run(page: Page, path: Path) -> None:
    """Upload a patient file on the consultation page and press its run button.

    An upload made while the app's first run is still rendering can be lost (the run button
    then never appears), so the file is uploaded again, up to :data:`UPLOADS` times, before
    the step fails. The page's first run may be slow: its upload tab is awaited up to
    :data:`FIRST_RUN_MS`, and once more after a reload (a CI rehearsal saw one page load
    among dozens never render its tabs)."""
    button = page.get_by_role("button", name="Run consultation on the file")
    tab = page.get_by_role("tab", name="Upload patient file")
    try:
        tab.wait_for(state="visible", timeout=FIRST_RUN_MS)
    except PlaywrightTimeout:
        page.reload()
        tab.wait_for(state="visible", timeout=FIRST_RUN_MS)
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
