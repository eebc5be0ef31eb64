"""GraphiQL as a developer opens it after ``semgraph up``: served by the app with no CDN,
the local key already in the Headers tab, the example query runs. Debian's Chromium
(installed by ``.ci/run``) driven by playwright; every request that leaves the app is
blocked, so the page must work offline. Skipped where Chromium is absent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import neo4j
import pytest

from semgraph.api.app import create_app
from semgraph.bootstrap import Container
from semgraph.config import Settings
from tests.integration.graphql_harness import PEOPLE_KEYS, api_settings, running, wipe
from tests.integration.world import contract_world

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def url(driver: neo4j.Driver, settings: Settings) -> Iterator[str]:
    wipe(driver, settings)
    container = Container(settings)
    container.ensure_schema()
    container.publish_rules()
    contract_world(container.pipeline)
    app = create_app(settings, container, api_settings(keys=PEOPLE_KEYS, ide_api_key="k-admin"))
    with running(app) as base:
        yield base
    wipe(driver, settings)


def test_the_page_and_its_assets_come_from_the_app(url: str) -> None:
    page = httpx.get(url + "/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "unpkg" not in page.text and "cdn" not in page.text
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js"):
        assert httpx.get(f"{url}/static/graphiql/{asset}").status_code == 200
    assert '\\"X-API-Key\\": \\"k-admin\\"' in page.text, "pre-filled for this machine"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed")
def test_graphiql_loads_offline_and_runs_the_example_query(
    url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from playwright.sync_api import Route, sync_playwright

    app_host = urlsplit(url).netloc
    blocked: list[str] = []

    def only_the_app(route: Route) -> None:
        if urlsplit(route.request.url).netloc == app_host:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", only_the_app)
            page.goto(url + "/graphql", wait_until="load")
            page.wait_for_selector(".graphiql-container", timeout=30_000)
            assert "query Customers" in page.locator(".graphiql-query-editor").inner_text()
            headers_tab = page.locator(".graphiql-editor-tool .graphiql-editor").last
            assert "k-admin" in headers_tab.inner_text()
            page.locator(".graphiql-execute-button").click()
            result = page.locator(".result-window")
            page.wait_for_function(
                "() => document.querySelector('.result-window')?.innerText.includes('totalCount')",
                timeout=30_000,
            )
            text = result.inner_text()
            page.screenshot(path=str(tmp_path_factory.mktemp("graphiql") / "graphiql.png"))
        finally:
            browser.close()
    assert '"errors"' not in text, text
    assert "Acme Industrial" in text, text
    assert blocked == [], f"the page tried to reach the internet: {blocked}"
