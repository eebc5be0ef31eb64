"""The finance lead's alert in a real browser: Debian's Chromium (``/usr/bin/chromium``,
installed by ``.ci/run``), driven by Playwright, never a downloaded browser.

The signed link comes from the e-mail the SMTP sink on loopback received; the page is
served by semgraph itself (no Neo4j login), in English and in Chinese, with the impact
path drawn as SVG; pressing Acknowledge is recorded as the e-mail's recipient, and
``riskAlerts`` then shows the alert acknowledged by her. Screenshots go to ``docs/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from semgraph.api.app import create_app
from semgraph.changes.model import ChangeSet, UpdateEntity
from tests.integration.alert_harness import REPO, MakeContainer
from tests.integration.alert_receivers import SmtpSink
from tests.integration.graphql_harness import PEOPLE_KEYS, Gql, _free_port, api_settings, running
from tests.integration.world import contract_world, ctx

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
LEAD = "mei.chen@northwind.example"
LINK_SECRET = "link-secret-for-the-alert-page-tests-0123"
ALERTS = """{ riskAlerts { id status acknowledgedBy titleZh customerName recommendedReviewZh } }"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_the_finance_lead_opens_her_e_mail_link_sees_the_alert_and_acknowledges_it(
    make_container: MakeContainer, smtp: SmtpSink
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    port = _free_port()
    c = make_container(
        None, smtp, public_base_url=f"http://127.0.0.1:{port}", link_secret=LINK_SECRET
    )
    ids = contract_world(c.pipeline)
    c.pipeline.apply(
        ChangeSet(
            context=ctx(reason="Customer negotiated higher credits after the March outage"),
            operations=[
                UpdateEntity(
                    cls="ServiceLevelAgreement",
                    id=ids["sla"],
                    properties={"serviceCreditPercent": 25.0},
                )
            ],
        )
    )
    c.dispatcher.drain()
    mail = [m for rcpt, m in smtp.messages if LEAD in rcpt]
    assert mail, "the finance lead got an e-mail"
    body = mail[0].get_content()
    link = re.search(rf"http://127\.0\.0\.1:{port}/alerts/view/\S+", body)
    assert link, body
    inbox = re.search(rf"http://127\.0\.0\.1:{port}/alerts/inbox/\S+", body)
    assert inbox, body

    app = create_app(c.settings, c, api_settings(keys=PEOPLE_KEYS))
    with running(app, port=port) as url, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1300})
        page.goto(link.group(0))
        title = page.locator("#title").inner_text()
        assert title.startswith("[") and "risk]" in title and "C-2026-001" in title
        assert "Acme Industrial" in title
        picture = page.locator("#impact svg")
        assert picture.count() == 1
        drawn = page.locator("#impact svg text").all_text_contents()
        assert "Contract" in drawn and "Revenue schedule" in drawn, drawn
        assert "25" in page.locator("body").inner_text(), "old → new credit percent"
        page.screenshot(path=str(REPO / "docs" / "alert-page-en.png"), full_page=True)

        page.click("#lang-zh")
        zh_title = page.locator("#title").inner_text()
        assert "风险]" in zh_title and "合同 C-2026-001" in zh_title
        zh_drawn = page.locator("#impact svg text").all_text_contents()
        assert "合同" in zh_drawn and "收入确认计划" in zh_drawn, zh_drawn
        assert "影响路径" in page.locator("body").inner_text()
        page.screenshot(path=str(REPO / "docs" / "alert-page-zh.png"), full_page=True)

        page.click("#acknowledge")
        assert LEAD in page.locator("#acknowledged").inner_text()
        assert page.locator("#acknowledge").count() == 0, "nothing left to acknowledge"
        page.goto(inbox.group(0))
        listed = page.locator("#inbox a").all_text_contents()
        assert any("C-2026-001" in t for t in listed), listed
        browser.close()

        with httpx.Client(base_url=url, timeout=30) as client:
            mine = Gql(client, "k-mei")(ALERTS)["riskAlerts"]
    acked = [a for a in mine if a["status"] == "acknowledged"]
    assert [a["acknowledgedBy"] for a in acked] == [LEAD], mine
    assert acked[0]["customerName"] == "Acme Industrial" and acked[0]["recommendedReviewZh"]
    assert "合同 C-2026-001" in acked[0]["titleZh"]


def test_a_tampered_link_is_refused_with_a_reason(
    make_container: MakeContainer, smtp: SmtpSink
) -> None:
    c = make_container(None, smtp, link_secret=LINK_SECRET)
    app = create_app(c.settings, c, api_settings(keys=PEOPLE_KEYS))
    good = c.alerts.links.alert_url("0" * 32, LEAD)
    with running(app) as url, httpx.Client(base_url=url) as client:
        path = good.split("/alerts/", 1)[1]
        response = client.get("/alerts/" + path[:-3] + "abc")
    assert response.status_code == 403
    assert "not valid" in response.text
