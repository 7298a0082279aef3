"""The Temporal UI as a campaign manager sees it after `gyde dev`: a headless Chromium (Debian's
`chromium` + `chromedriver`, driven by Selenium) opens the one-time sign-in link, lists one
campaign's clients with a `CampaignId` filter, opens a client workflow and finds its input
decoded by the api's codec (the server only ever holds ciphertext).

Runs the UI's part of the embedded stack as `gyde dev` starts it (Temporal dev server, the UI's
front door, the api with its codec) and one client workflow of a campaign, started as
CampaignWorkflow starts its children; the full stack's campaigns are tests/e2e's other tests. Skips, saying why, only when Chromium is
missing and GYDE_REQUIRE_SERVICES is unset; CI installs it (.ci/run).
With GYDE_UPDATE_SCREENSHOT=1 the screenshot is also written to docs/temporal-ui-decoded.png.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from settings import PROJECT_ROOT, Settings
from stack.supervisor import Supervisor, free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
DECODED_FIELD = "ring_timeout_seconds"  # a field of ClientTask: visible only once decrypted
SCREENSHOT = PROJECT_ROOT / "docs" / "temporal-ui-decoded.png"


def _require_browser() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    reason = "Chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver)"
    if os.environ.get("GYDE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and GYDE_REQUIRE_SERVICES=1 requires the browser test to run")
    pytest.skip(reason)


def _browse(link: str, ui: str, campaign_id: str, workflow_id: str, shot: Path) -> dict[str, object]:
    """Selenium, synchronous: sign in, filter, open the client, read its input."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,1300"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        wait = WebDriverWait(driver, 45)
        driver.get(link)
        wait.until(lambda d: d.current_url.startswith(ui))
        landed = driver.current_url
        query = quote(f'CampaignId="{campaign_id}"')
        driver.get(f"{ui}/namespaces/default/workflows?query={query}")
        row = wait.until(ec.element_to_be_clickable((By.PARTIAL_LINK_TEXT, workflow_id)))
        listed = driver.find_element(By.TAG_NAME, "body").text
        row.click()
        wait.until(lambda d: DECODED_FIELD in d.find_element(By.TAG_NAME, "body").text)
        page = driver.find_element(By.TAG_NAME, "body").text
        driver.save_screenshot(str(shot))
        return {"landed": landed, "listed": listed, "page": page}
    finally:
        driver.quit()


@pytest.mark.timeout(240)
async def test_the_sign_in_link_makes_the_ui_decode_a_client_workflow_input(tmp_path: Path) -> None:
    _require_browser()
    from temporalio.common import SearchAttributePair, TypedSearchAttributes

    import temporal_client
    from db.migrate import upgrade
    from domain.ids import outreach_workflow_id
    from domain.messages import ClientTask
    from stack.processes import stack_env, start_temporal
    from stack.supervisor import Service
    from stack.ui_signin import signin_link, ui_origin
    from workflows import search_attributes as sa
    from workflows.outreach import ClientOutreachWorkflow

    settings = Settings(
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
        api_port=free_port(),
        task_queue=f"ui-{free_port()}",
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'ui.db'}"
    supervisor = Supervisor(quiet=True, log_dir=tmp_path)
    campaign_id, client_id, broker_id = f"ui-{datetime.now(UTC):%H%M%S}", "cli-ui-00001", "brk-ui-001"
    workflow_id = outreach_workflow_id(campaign_id, client_id)
    try:
        # The UI's part of the stack: Temporal + the UI's front door, and the api with the codec.
        await upgrade(url)
        assert await start_temporal(settings, supervisor, tmp_path / "temporal.db")
        env = stack_env(settings, url, free_port())
        api = [sys.executable, "-m", "cli.main", "api"]
        await supervisor.start(Service("api", api, settings.api_port, env))
        # One client of a campaign, started as CampaignWorkflow starts its children (no worker
        # is needed: its encrypted input is in the history from the first event).
        client = await temporal_client.connect(settings)
        await client.start_workflow(
            ClientOutreachWorkflow.run,
            ClientTask(campaign_id=campaign_id, client_id=client_id, broker_id=broker_id),
            id=workflow_id,
            task_queue=settings.task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.CAMPAIGN_ID, campaign_id),
                    SearchAttributePair(sa.BROKER_ID, broker_id),
                ]
            ),
            static_summary=f"Outreach to client {client_id}",
        )
        for _ in range(300):  # until visibility lists it
            if (await client.count_workflows(f'CampaignId = "{campaign_id}"')).count:
                break
            await asyncio.sleep(0.1)
        link = await signin_link(settings, url)
        shot = tmp_path / "ui.png"
        seen = await asyncio.to_thread(_browse, link, ui_origin(settings), campaign_id, workflow_id, shot)
    finally:
        await supervisor.stop()
    assert str(seen["landed"]).startswith(f"{ui_origin(settings)}/namespaces/default/workflows")
    assert workflow_id in str(seen["listed"])
    page = str(seen["page"])
    assert DECODED_FIELD in page and broker_id in page
    assert "Codec Server could not connect" not in page
    assert shot.stat().st_size > 10_000
    if os.environ.get("GYDE_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, SCREENSHOT)
