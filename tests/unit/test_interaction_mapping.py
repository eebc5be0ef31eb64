"""Interaction events from five channels: channels.ttl executed on source rows (no I/O)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from semgraph.config import get_settings
from semgraph.ontology.graph_loader import default_files
from semgraph.ontology.model import Ontology
from semgraph.sync.engine import map_row
from semgraph.sync.errors import MappingError, RowRejectedError
from semgraph.sync.mapping import MappingCatalog, load_catalog, mapping_files
from semgraph.sync.transforms import parse_utc_datetime

UTC = dt.UTC


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


@pytest.fixture(scope="module")
def catalog(ontology: Ontology) -> MappingCatalog:
    return load_catalog(ontology, mapping_files(default_files(get_settings().ontology_dir)))


# One row of each channel's export: (system, table, row, key, the UTC time it says).
CHANNEL_ROWS = [
    (
        "WebAnalytics",
        "events",
        {"event_id": "w-1", "crm_account_id": "001A", "event_timestamp": "2026-11-25T09:30:00Z",
         "visitor_fingerprint": "fp-web", "visit_id": "v-9", "event_name": "Purchase",
         "page_url": "/checkout", "revenue": "99.90"},
        "w-1",
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    ),
    (
        "MobileApp",
        "app_events",
        {"messageId": "m-1", "userId": "001A", "timestamp": "2026-11-25T17:30:00+08:00",
         "deviceId": "ios-1", "sessionId": "s-1", "event": "login", "screen": "home"},
        "m-1",
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    ),
    (
        "POS",
        "POS_JOURNAL",
        {"STORE_ID": "S01", "RECEIPT_NO": "000123", "LOYALTY_ACCOUNT": "001A",
         "BOOKED_AT": "25.11.2026 10:30:00+01:00", "TERMINAL_ID": "T-7", "SHIFT_ID": "SH-3",
         "TXN_TYPE": "sale", "TOTAL": "1.234,50"},
        "S01-000123",
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    ),
    (
        "IoTGateway",
        "telemetry",
        {"msg_id": "i-1", "account_ref": "001A", "ts": "2026-11-25T04:30:00-05:00",
         "device_serial": "SN-42", "connection_id": "c-1", "metric": "temperature",
         "reading": "21.5"},
        "i-1",
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    ),
    (
        "PartnerAPI",
        "partner_calls",
        {"request_id": "p-1", "customer_ref": "001A", "occurred_at": "2026-11-25T09:30:00Z",
         "client_fingerprint": "partner-key-1", "partner_session": "ps-1",
         "operation": "ORDER_CREATED", "partner": "Marketplace A", "amount": "10"},
        "p-1",
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("system", "table", "row", "key", "at"), CHANNEL_ROWS)
def test_each_channel_maps_an_event_in_utc_linked_to_its_crm_customer(
    catalog: MappingCatalog, system: str, table: str, row: dict[str, str], key: str, at: object
) -> None:
    mapping = catalog.table(system, table)
    assert mapping.target_class == "InteractionEvent"
    assert mapping.referenced("customer") == ("CRM", "Account")
    mapped = map_row(mapping, row)
    assert mapped.key == key
    assert mapped.golden["occurredAt"] == at
    assert mapped.golden["deviceFingerprint"] and mapped.golden["sessionId"]
    assert mapped.references == {"customer": ("Account", "001A")}


def test_the_five_channels_are_the_ontologys_channel_codes(
    catalog: MappingCatalog, ontology: Ontology
) -> None:
    codes = ontology.datatype_properties("InteractionEvent")["channel"].allowed_values
    assert codes == ("web", "app", "pos", "iot", "partner_api")
    seen = {map_row(catalog.table(s, t), r).golden["channel"] for s, t, r, _, _ in CHANNEL_ROWS}
    assert seen == set(codes)


def test_pos_codes_and_decimal_comma(catalog: MappingCatalog) -> None:
    pos = map_row(catalog.table("POS", "POS_JOURNAL"), CHANNEL_ROWS[2][2])
    assert (pos.golden["eventType"], pos.golden["eventValue"]) == ("purchase", 1234.5)


def test_a_time_without_a_zone_is_refused_and_offsets_become_utc(
    catalog: MappingCatalog,
) -> None:
    assert parse_utc_datetime("2026-11-25T10:30:00+01:00") == dt.datetime(
        2026, 11, 25, 9, 30, tzinfo=UTC
    )
    assert parse_utc_datetime("2026-11-25T10:30:00+01:00").utcoffset() == dt.timedelta(0)
    with pytest.raises(ValueError, match="without a time zone"):
        parse_utc_datetime("2026-11-25T09:30:00")
    web = CHANNEL_ROWS[0][2]
    with pytest.raises(RowRejectedError) as bad:
        map_row(
            catalog.table("WebAnalytics", "events"), {**web, "event_timestamp": "2026-11-25 09:30"}
        )
    assert bad.value.field == "event_timestamp" and bad.value.value == "2026-11-25 09:30"
    assert "without a time zone" in bad.value.reason and "+08:00" in bad.value.reason


def test_missing_fingerprint_or_session_maps_nothing_for_the_shape_to_refuse(
    catalog: MappingCatalog,
) -> None:
    web = {**CHANNEL_ROWS[0][2], "visitor_fingerprint": "", "visit_id": " "}
    mapped = map_row(catalog.table("WebAnalytics", "events"), web)
    assert "deviceFingerprint" not in mapped.golden and "sessionId" not in mapped.golden


def test_loader_refuses_an_unknown_referenced_system(ontology: Ontology, tmp_path: Path) -> None:
    path = tmp_path / "kiosk.ttl"
    path.write_text(
        "@prefix sg: <https://semgraph.io/ontology#> .\n"
        "@prefix sgm: <https://semgraph.io/meta#> .\n"
        "@prefix map: <https://semgraph.io/meta/mapping/> .\n"
        "sgm:Kiosk a sgm:SourceSystem .\n"
        'map:k a sgm:FieldMapping ; sgm:sourceSystem sgm:Kiosk ; sgm:sourceTable "taps" ;'
        ' sgm:sourceField "id" ; sgm:targetClass sg:InteractionEvent ;'
        " sgm:targetProperty sg:externalId ; sgm:isKey true .\n"
        'map:c a sgm:ReferenceMapping ; sgm:sourceSystem sgm:Kiosk ; sgm:sourceTable "taps" ;'
        ' sgm:sourceField "account" ; sgm:targetClass sg:InteractionEvent ;'
        " sgm:targetRelationship sg:customer ; sgm:referencedSystem sgm:CMR ;"
        ' sgm:referencedTable "Account" .\n',
        encoding="utf-8",
    )
    with pytest.raises(MappingError, match="`CMR` is not a declared source system") as bad:
        load_catalog(ontology, [path])
    assert "CRM" in (bad.value.hint or "")
    assert str(path) in bad.value.message
