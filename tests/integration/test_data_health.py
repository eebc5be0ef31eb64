"""Data health as a user checks it: completeness of mapped fields, freshness, reject rate
and duplicate keys per class and source system, from the service, GraphQL and /metrics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest

from semgraph.api.app import create_app
from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.exceptions import UnknownTermError
from semgraph.services.data_health import DataHealth
from tests.integration.graphql_harness import Gql, api_settings, running
from tests.integration.test_metrics import scrape
from tests.integration.test_sync import crm_accounts, kna1, write_csv

HEALTH = """query($cls: String, $system: String) {
  dataHealth(class: $cls, system: $system) {
    class system records rejectRate runs recordsRead rejected freshnessSeconds lastSyncedAt
    duplicateKeysInRuns duplicateMatchKeys
    completeness { property onRecord present share masked }
  }
}"""


def ten_accounts_two_without_email_and_one_bad() -> list[dict[str, Any]]:
    """11 CRM rows: 10 good (rows 3 and 7 have no e-mail), the last with an unknown rating."""
    rows = crm_accounts(11)
    for i, row in enumerate(rows):
        row["Email__c"] = "" if i in (3, 7) else f"ap{i}@acme.example"
    rows[10]["Rating__c"] = "Lukewarm"
    return rows


def share(health: DataHealth, prop: str) -> float | None:
    return next(f.share for f in health.completeness if f.property == prop)


def test_completeness_freshness_and_reject_rate_of_a_crm_export(
    container: Container, tmp_path: Path
) -> None:
    before = dt.datetime.now(dt.UTC)
    path = write_csv(tmp_path / "accounts.csv", ten_accounts_two_without_email_and_one_bad())
    run = container.sync().run("CRM", "Account", [path])
    assert (run.total("created"), run.total("rejected")) == (10, 1)
    [crm] = container.data_health.report("Customer", "CRM")
    assert crm.records == 10
    assert share(crm, "email") == 0.8, "2 of 10 accounts have no e-mail"
    assert share(crm, "name") == share(crm, "taxId") == 1.0
    assert share(crm, "phone") == 0.0, "the export has no Phone column"
    assert share(crm, "reportedCreditLimit") == 1.0  # a field of the CRM record itself
    assert (crm.runs, crm.records_read, crm.rejected) == (1, 11, 1)
    assert crm.reject_rate == round(1 / 11, 6)
    assert crm.last_synced_at is not None
    assert before <= crm.last_synced_at <= dt.datetime.now(dt.UTC)
    assert crm.freshness_seconds is not None and 0 <= crm.freshness_seconds < 120
    assert crm.duplicate_keys_in_runs == crm.duplicate_match_keys == 0
    assert container.data_health.report(system="ERP") == [], "nothing synced from ERP yet"


def test_a_key_twice_in_a_run_and_golden_entities_sharing_a_tax_id_are_duplicates(
    container: Container, tmp_path: Path
) -> None:
    sync = container.sync()
    accounts = crm_accounts(3)
    no_tax = [{**accounts[0], "Tax_ID__c": ""}, accounts[1], accounts[2]]
    twice = [*no_tax, {**accounts[2], "Name": "Acme 2 AG"}]  # 001A0002 twice
    first = sync.run("CRM", "Account", [write_csv(tmp_path / "a.csv", twice)])
    assert first.duplicate_keys == 1
    # ERP knows customer 0 by tax id, under a name and country nothing matches; CRM had no
    # tax id, so ERP's row starts a golden of its own
    erp = [{**kna1(1)[0], "NAME1": "GLOBEX TRADING", "LAND1": "US"}]
    sync.run("ERP", "KNA1", [write_csv(tmp_path / "kna1.csv", erp)])
    # then CRM learns the tax id: two golden customers now share DE100000
    sync.run("CRM", "Account", [write_csv(tmp_path / "b.csv", accounts[:1])])
    by_system = {h.system: h for h in container.data_health.report("Customer")}
    assert by_system["CRM"].duplicate_keys_in_runs == 1
    assert by_system["CRM"].duplicate_match_keys == 1
    assert by_system["ERP"].duplicate_match_keys == 1
    assert by_system["ERP"].duplicate_keys_in_runs == 0
    assert by_system["CRM"].runs == 2 and by_system["CRM"].records_read == 5


def test_graphql_and_metrics_show_the_same_figures_masked_for_the_role(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "accounts.csv", ten_accounts_two_without_email_and_one_bad())
    container.sync().run("CRM", "Account", [path])
    app = create_app(settings, container, api_settings())
    with running(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        gql = Gql(client)
        [admin] = gql(HEALTH, cls="Customer", system="CRM")["dataHealth"]
        email = next(f for f in admin["completeness"] if f["property"] == "email")
        assert (email["present"], email["share"], email["masked"]) == (8, 0.8, False)
        assert (admin["records"], admin["rejected"], admin["recordsRead"]) == (10, 1, 11)
        assert admin["rejectRate"] == pytest.approx(1 / 11, abs=1e-6)
        [viewer] = gql.as_key("k-viewer")(HEALTH, cls="Customer")["dataHealth"]
        masked = {f["property"]: f for f in viewer["completeness"]}
        assert masked["email"] == {
            "property": "email",
            "onRecord": False,
            "present": None,
            "share": None,
            "masked": True,
        }, "a viewer may not read e-mails, so not who has one either"
        assert masked["name"]["share"] == 1.0
        error = gql.error(HEALTH, cls="Custmer")
        assert "`Custmer`" in error["message"]
        assert "did you mean `Customer`" in error["extensions"]["hint"]
        assert gql.as_key(None).raw(HEALTH).status_code == 401
        samples = scrape(client)
        # a push over HTTP is a run of its own in the run log
        pushed = [
            {**crm_accounts(12)[11], "Email__c": "new@acme.example"},
            {**crm_accounts(13)[12], "Rating__c": "Lukewarm"},
        ]
        push = client.post("/ingest/CRM/Account", json=pushed, headers={"X-API-Key": "k-admin"})
        assert push.status_code == 207, push.text
        [after] = gql(HEALTH, cls="Customer", system="CRM")["dataHealth"]
        assert (after["runs"], after["recordsRead"], after["rejected"]) == (2, 13, 2)
        assert after["records"] == 11
        email = next(f for f in after["completeness"] if f["property"] == "email")
        assert (email["present"], email["share"]) == (9, round(9 / 11, 6))
    pair = {("class", "Customer"), ("system", "CRM")}
    assert samples[("semgraph_data_records", frozenset(pair))] == 10
    email_key = frozenset(pair | {("property", "email")})
    assert samples[("semgraph_data_completeness_ratio", email_key)] == 0.8
    assert samples[("semgraph_data_reject_ratio", frozenset(pair))] == pytest.approx(1 / 11)
    assert samples[("semgraph_data_freshness_seconds", frozenset(pair))] < 120
    duplicates = frozenset(pair | {("kind", "run")})
    assert samples[("semgraph_data_duplicate_keys", duplicates)] == 0


def test_an_unknown_system_is_refused_with_the_known_ones(container: Container) -> None:
    with pytest.raises(UnknownTermError, match="unknown source system `SAP`") as bad:
        container.data_health.report(system="SAP")
    assert "ERP" in (bad.value.hint or "")
