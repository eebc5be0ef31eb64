"""Customer interaction events from five channels land linked to their customers; events
that break the traceability rule are rejected with the reason, the rest commit."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.ontology.schema import ensure_schema
from semgraph.sync.service import SyncService
from tests.integration.test_sync import crm_accounts, rows, write_csv


@pytest.fixture
def sync(empty_db: neo4j.Driver, settings: Settings, tmp_path: Path) -> Any:
    """A sync service over a graph holding three CRM accounts (001A0000..001A0002)."""
    c = Container(settings)
    ensure_schema(empty_db, c.ontology, settings.neo4j_database)
    c.alerts.ensure_schema()
    service = c.sync(batch_size=50)
    service.run("CRM", "Account", [write_csv(tmp_path / "accounts.csv", crm_accounts(3))])
    yield service
    c.close()


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def web_events() -> list[dict[str, Any]]:
    good = [
        {"event_id": f"w-{i}", "crm_account_id": f"001A{i:04d}",
         "event_timestamp": "2026-11-25T10:30:00+01:00", "visitor_fingerprint": f"fp-{i}",
         "visit_id": f"v-{i}", "event_name": "page_view", "page_url": "/pricing", "revenue": ""}
        for i in range(3)
    ]  # fmt: skip
    bad = [
        {**good[0], "event_id": "w-no-time", "event_timestamp": ""},
        {**good[1], "event_id": "w-no-device", "visitor_fingerprint": ""},
        {**good[2], "event_id": "w-no-session", "visit_id": ""},
        {**good[0], "event_id": "w-no-zone", "event_timestamp": "2026-11-25T10:30:00"},
    ]
    return [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3]]


CHANNEL_FILES: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    ("MobileApp", "app_events", "app.jsonl", [
        {"messageId": f"m-{i}", "userId": f"001A{i:04d}", "timestamp": "2026-11-25T17:30:00+08:00",
         "deviceId": f"ios-{i}", "sessionId": f"s-{i}", "event": "login", "screen": "home"}
        for i in range(3)
    ]),
    ("POS", "POS_JOURNAL", "pos.csv", [
        {"STORE_ID": "S01", "RECEIPT_NO": f"{i:06d}", "LOYALTY_ACCOUNT": f"001A{i:04d}",
         "BOOKED_AT": "25.11.2026 10:30:00+01:00", "TERMINAL_ID": "T-7", "SHIFT_ID": "SH-3",
         "TXN_TYPE": "SALE", "TOTAL": "1.234,50"}
        for i in range(2)
    ]),
    ("IoTGateway", "telemetry", "iot.jsonl", [
        {"msg_id": "i-1", "account_ref": "001A0002", "ts": "2026-11-25T04:30:00-05:00",
         "device_serial": "SN-42", "connection_id": "c-1", "metric": "temperature",
         "reading": "21.5"},
    ]),
    ("PartnerAPI", "partner_calls", "partner.csv", [
        {"request_id": "p-1", "customer_ref": "001A0001", "occurred_at": "2026-11-25T09:30:00Z",
         "client_fingerprint": "partner-key-1", "partner_session": "ps-1",
         "operation": "ORDER_CREATED", "partner": "Marketplace A", "amount": "10"},
    ]),
]  # fmt: skip


def test_events_of_five_channels_land_linked_to_their_customers_in_utc(
    sync: SyncService, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    web = sync.run("WebAnalytics", "events", [write_csv(tmp_path / "web.csv", web_events())])
    assert (web.total("created"), web.total("rejected")) == (3, 4)
    for system, table, name, data in CHANNEL_FILES:
        path = tmp_path / name
        if name.endswith(".jsonl"):
            write_jsonl(path, data)
        else:
            write_csv(path, data)
        result = sync.run(system, table, [path])
        assert (result.total("created"), result.total("rejected")) == (len(data), 0), system
    found = rows(
        empty_db,
        """MATCH (e:InteractionEvent)-[:customer]->(c:Customer)
           MATCH (e)-[:hasSystemRecord]->(r:SystemRecord)
           RETURN e.channel AS channel, r.sourceSystem AS system, r.externalId AS key,
                  c.name AS customer, e.occurredAt AS at, e.deviceFingerprint AS device,
                  e.sessionId AS session""",
    )
    by_channel: dict[str, int] = {}
    for event in found:
        by_channel[event["channel"]] = by_channel.get(event["channel"], 0) + 1
        at = event["at"].to_native()
        assert at == dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC), event
        assert at.utcoffset() == dt.timedelta(0), "stored in UTC, whatever offset it came with"
        assert event["device"] and event["session"]
    assert by_channel == {"web": 3, "app": 3, "pos": 2, "iot": 1, "partner_api": 1}
    assert {e["customer"] for e in found if e["key"] == "i-1"} == {"Acme 2 GmbH"}
    assert rows(empty_db, "MATCH (e:InteractionEvent) WHERE NOT (e)-[:customer]->() RETURN e") == []


def test_three_untraceable_events_and_a_zoneless_one_are_rejected_with_their_reasons(
    sync: SyncService, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "web.csv", web_events())
    result = sync.run("WebAnalytics", "events", [source])
    rejects_path = Path(result.files[0].rejects_file or "")
    with rejects_path.open(encoding="utf-8", newline="") as handle:
        rejected = {r["event_id"]: r for r in csv.DictReader(handle)}
    assert set(rejected) == {"w-no-time", "w-no-device", "w-no-session", "w-no-zone"}
    time, device = rejected["w-no-time"], rejected["w-no-device"]
    assert (time["_reject_line"], time["_reject_field"]) == ("3", "event_timestamp")
    assert "no UTC timestamp" in time["_reject_reason"]
    assert device["_reject_field"] == "visitor_fingerprint"
    assert "no device fingerprint" in device["_reject_reason"]
    assert "no session id" in rejected["w-no-session"]["_reject_reason"]
    assert "InteractionEventTraceable" in rejected["w-no-session"]["_reject_reason"]
    zone = rejected["w-no-zone"]
    assert (zone["_reject_field"], zone["_reject_value"]) == (
        "event_timestamp",
        "2026-11-25T10:30:00",
    )
    assert "without a time zone" in zone["_reject_reason"]
    stored = rows(empty_db, "MATCH (r:SystemRecord {sourceSystem: 'WebAnalytics'}) RETURN r")
    assert len(stored) == 3, "the traceable events commit"
