"""The mapping engine: systems.ttl and user mapping files executed on source rows (no I/O)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from semgraph.config import get_settings
from semgraph.ontology.graph_loader import default_files
from semgraph.ontology.model import TRANSFORMS, Ontology
from semgraph.sync.engine import map_row
from semgraph.sync.errors import MappingError, RowRejectedError
from semgraph.sync.mapping import MappingCatalog, load_catalog, mapping_files
from semgraph.sync.transforms import parse_date, parse_decimal, parse_yes_no, strptime_format

PREFIXES = """@prefix sg:   <https://semgraph.io/ontology#> .
@prefix sgm:  <https://semgraph.io/meta#> .
@prefix map:  <https://semgraph.io/meta/mapping/> .
"""


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


@pytest.fixture(scope="module")
def catalog(ontology: Ontology) -> MappingCatalog:
    return load_catalog(ontology, mapping_files(default_files(get_settings().ontology_dir)))


def user_catalog(ontology: Ontology, tmp_path: Path, body: str) -> MappingCatalog:
    path = tmp_path / "shop.ttl"
    path.write_text(PREFIXES + "sgm:Shop a sgm:SourceSystem .\n" + body, encoding="utf-8")
    return load_catalog(ontology, [path])


# --- transforms ---------------------------------------------------------------------------


TRANSFORM_CASES = [
    ("trim", "Customer", "name", "  Acme  ", "Acme"),
    ("upper", "Customer", "country", " de ", "DE"),
    ("lower", "Customer", "email", " A@B.COM ", "a@b.com"),
    ("decimal", "Customer", "creditLimit", "1,234.50", 1234.5),
    ("integer", "OrderLine", "lineNumber", "000042", 42),
    ("cents_to_decimal", "Invoice", "amount", "123456", 1234.56),
    ("date_iso", "Employee", "hireDate", "2026-11-03", dt.date(2026, 11, 3)),
    (
        "datetime_iso",
        "Payment",
        "paidAt",
        "2026-11-25T09:30:00Z",
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC),
    ),
    (
        "datetime_utc",
        "InteractionEvent",
        "occurredAt",
        "2026-11-25T17:30:00+08:00",
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC),
    ),
    ("yes_no_boolean", "SalesOrder", "legalCountersigned", "X", True),
]


def test_the_cases_cover_every_declared_transform() -> None:
    assert {case[0] for case in TRANSFORM_CASES} == TRANSFORMS


@pytest.mark.parametrize(("name", "cls", "prop", "raw", "expected"), TRANSFORM_CASES)
def test_each_transform_maps_a_source_value(
    ontology: Ontology, tmp_path: Path, name: str, cls: str, prop: str, raw: str, expected: object
) -> None:
    table = user_catalog(
        ontology,
        tmp_path,
        f'map:k a sgm:FieldMapping ; sgm:sourceSystem sgm:Shop ; sgm:sourceTable "T" ;'
        f' sgm:sourceField "K" ; sgm:targetClass sg:{cls} ; sgm:targetProperty sg:externalId ;'
        " sgm:isKey true .\n"
        f'map:v a sgm:FieldMapping ; sgm:sourceSystem sgm:Shop ; sgm:sourceTable "T" ;'
        f' sgm:sourceField "V" ; sgm:targetClass sg:{cls} ; sgm:targetProperty sg:{prop} ;'
        f' sgm:transform "{name}" .\n',
    ).table("Shop", "T")
    assert map_row(table, {"K": "1", "V": raw}).golden == {prop: expected}


def test_datetime_iso_reads_utc_and_offsets() -> None:
    from semgraph.sync.transforms import parse_datetime

    assert parse_datetime("2026-11-25T09:30:00Z") == dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
    assert parse_datetime("2026-11-25 09:30:00").tzinfo == dt.UTC
    with_offset = parse_datetime("2026-11-25T10:30:00+01:00")
    assert with_offset == dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)


def test_date_patterns_as_exports_write_them() -> None:
    assert strptime_format("dd/MM/yyyy") == "%d/%m/%Y"
    assert parse_date("03/11/2026", "dd/MM/yyyy") == dt.date(2026, 11, 3)
    assert parse_date("20261103", "yyyyMMdd") == dt.date(2026, 11, 3)
    with pytest.raises(ValueError, match=r"dd/MM/yyyy \(no such day\)"):
        parse_date("31/02/1997", "dd/MM/yyyy")
    with pytest.raises(ValueError, match="datePattern"):
        parse_date("03/11/2026")
    with pytest.raises(ValueError, match="unknown letter `Q`"):
        strptime_format("yyyy-Q")


def test_decimal_commas_grouping_and_sap_trailing_minus() -> None:
    assert parse_decimal("1.234,56", ",") == parse_decimal("1,234.56")
    assert str(parse_decimal("1 234,5", ",")) == "1234.5"
    assert str(parse_decimal("100-")) == "-100"
    with pytest.raises(ValueError, match="not a number"):
        parse_decimal("12abc")
    assert parse_yes_no("no") is False
    with pytest.raises(ValueError, match="yes/no"):
        parse_yes_no("maybe")


# --- systems.ttl as shipped ---------------------------------------------------------------


def test_crm_account_row_maps_value_maps_and_record_fields(catalog: MappingCatalog) -> None:
    row = {
        "Id": "001A",
        "Name": " Acme GmbH ",
        "Status__c": "Churned",
        "Rating__c": "hot",
        "BillingCountryCode": "de",
        "Tax_ID__c": "de123",
        "Credit_Limit__c": "50000",
        "Unmapped": "ignored",
    }
    mapped = map_row(catalog.table("CRM", "Account"), row)
    assert mapped.key == "001A"
    assert mapped.golden["status"] == "inactive"  # value map after `lower`
    assert mapped.golden["rating"] == "A"
    assert mapped.golden["name"] == "Acme GmbH"
    assert mapped.record == {
        "externalId": "001A",
        "reportedName": " Acme GmbH ",
        "reportedCreditLimit": 50000.0,
        "recordStatus": "inactive",
    }
    assert mapped.match_value == "DE123"


def test_kna1_constant_and_empty_code_value_map(catalog: MappingCatalog) -> None:
    table = catalog.table("ERP", "KNA1")
    assert not table.system_of_record, "Customer is owned by CRM; ERP fills gaps"
    mapped = map_row(table, {"KUNNR": " 0000100001 ", "NAME1": "ACME", "SPERR": ""})
    assert mapped.key == "0000100001"
    assert mapped.golden["status"] == "active"  # sgm:constant
    assert mapped.record["recordStatus"] == "active"  # "" -> active
    blocked = map_row(table, {"KUNNR": "1", "NAME1": "ACME", "SPERR": "x"})
    assert blocked.record["recordStatus"] == "blocked"


def test_vbak_sap_date_and_foreign_key(catalog: MappingCatalog) -> None:
    row = {
        "VBELN": "4711",
        "KUNNR": " 0000100001 ",
        "AUDAT": "20261103",
        "NETWR": "12,5",
        "WAERK": "eur",
        "GBSTK": "c",
    }
    mapped = map_row(catalog.table("ERP", "VBAK"), {**row, "NETWR": "12.5"})
    assert mapped.golden["orderDate"] == dt.date(2026, 11, 3)
    assert mapped.golden["status"] == "shipped"
    assert mapped.references == {"customer": ("KNA1", "0000100001")}
    with pytest.raises(RowRejectedError) as bad:
        map_row(catalog.table("ERP", "VBAK"), {**row, "AUDAT": "19970231"})
    assert bad.value.field == "AUDAT" and bad.value.value == "19970231"
    assert "yyyyMMdd" in bad.value.reason


def test_vbap_composite_key_and_two_foreign_keys(catalog: MappingCatalog) -> None:
    mapped = map_row(
        catalog.table("ERP", "VBAP"),
        {"VBELN": "4711", "POSNR": "000010", "MATNR": "M-1", "KWMENG": "3", "NETPR": "9.5"},
    )
    assert mapped.key == "4711-000010"
    assert mapped.golden["lineNumber"] == 10
    assert mapped.references == {"salesOrder": ("VBAK", "4711"), "product": ("MARA", "M-1")}


def test_missing_key_and_unknown_code_are_rejected_with_field_and_reason(
    catalog: MappingCatalog,
) -> None:
    with pytest.raises(RowRejectedError, match="missing key") as missing:
        map_row(catalog.table("CRM", "Account"), {"Id": "  ", "Name": "x"})
    assert missing.value.field == "Id"
    with pytest.raises(RowRejectedError) as code:
        map_row(catalog.table("CRM", "Account"), {"Id": "1", "Status__c": "sleeping"})
    assert code.value.field == "Status__c"
    assert "prospect, active, blocked, inactive" in code.value.reason


# --- user mapping files ---------------------------------------------------------------------


def test_user_mapping_defaults_decimal_comma_and_date_pattern(
    ontology: Ontology, tmp_path: Path
) -> None:
    table = user_catalog(
        ontology,
        tmp_path,
        """
map:k a sgm:FieldMapping ; sgm:sourceSystem sgm:Shop ; sgm:sourceTable "staff" ;
    sgm:sourceField "nr" ; sgm:targetClass sg:Employee ; sgm:targetProperty sg:externalId ;
    sgm:isKey true .
map:s a sgm:FieldMapping ; sgm:sourceSystem sgm:Shop ; sgm:sourceTable "staff" ;
    sgm:sourceField "status" ; sgm:default "active" ;
    sgm:targetClass sg:Employee ; sgm:targetProperty sg:status .
map:c a sgm:FieldMapping ; sgm:sourceSystem sgm:Shop ; sgm:sourceTable "staff" ;
    sgm:sourceField "pay" ; sgm:transform "decimal" ; sgm:decimalSeparator "," ;
    sgm:targetClass sg:Employee ; sgm:targetProperty sg:salary .
map:d a sgm:FieldMapping ; sgm:sourceSystem sgm:Shop ; sgm:sourceTable "staff" ;
    sgm:sourceField "seit" ; sgm:transform "date_iso" ; sgm:datePattern "dd/MM/yyyy" ;
    sgm:targetClass sg:Employee ; sgm:targetProperty sg:hireDate .
""",
    ).table("Shop", "staff")
    mapped = map_row(table, {"nr": "7", "status": "", "pay": "71.500,75", "seit": "01/02/2020"})
    assert mapped.golden == {
        "status": "active",
        "salary": 71500.75,
        "hireDate": dt.date(2020, 2, 1),
    }
    with pytest.raises(RowRejectedError, match="no such day"):
        map_row(table, {"nr": "8", "seit": "31/02/1997"})


@pytest.mark.parametrize(
    ("statement", "message", "hint"),
    [
        ("sgm:targetClass sg:Custmer ; sgm:targetProperty sg:name", "`Custmer`", "Customer"),
        ("sgm:targetClass sg:Customer ; sgm:targetProperty sg:nmae", "`nmae`", "name"),
        (
            'sgm:targetClass sg:Customer ; sgm:targetProperty sg:name ; sgm:transform "trimm"',
            "`trimm`",
            "trim",
        ),
        (
            "sgm:targetClass sg:Customer ; sgm:targetProperty sg:name ; "
            'sgm:datePattern "dd.MM.JJJJ"',
            "unknown letter",
            None,
        ),
    ],
)
def test_loader_refuses_unknown_terms_with_the_line_to_fix(
    ontology: Ontology, tmp_path: Path, statement: str, message: str, hint: str | None
) -> None:
    with pytest.raises(MappingError) as refused:
        user_catalog(
            ontology,
            tmp_path,
            "\n\nmap:bad a sgm:FieldMapping ;\n"
            f'    sgm:sourceSystem sgm:Shop ; sgm:sourceTable "T" ; sgm:sourceField "F" ;\n'
            f"    {statement} .\n",
        )
    assert str(tmp_path / "shop.ttl") + ":7:" in refused.value.message  # 4 prefix lines + 2
    assert message in refused.value.message
    if hint:
        assert hint in (refused.value.hint or "")


def test_loader_refuses_unknown_system_relationship_and_table(
    ontology: Ontology, tmp_path: Path
) -> None:
    with pytest.raises(MappingError, match="`Shp` is not a declared source system"):
        user_catalog(
            ontology,
            tmp_path,
            'map:a a sgm:FieldMapping ; sgm:sourceSystem sgm:Shp ; sgm:sourceTable "T" ;'
            ' sgm:sourceField "F" ; sgm:targetClass sg:Customer ; sgm:targetProperty sg:name .\n',
        )
    key = (
        'map:k a sgm:FieldMapping ; sgm:sourceSystem sgm:Shop ; sgm:sourceTable "orders" ;'
        ' sgm:sourceField "id" ; sgm:targetClass sg:SalesOrder ; sgm:targetProperty sg:externalId ;'
        " sgm:isKey true .\n"
    )
    with pytest.raises(MappingError, match="`custmer` is not a relationship of SalesOrder"):
        user_catalog(
            ontology,
            tmp_path,
            key + "map:r a sgm:ReferenceMapping ; sgm:sourceSystem sgm:Shop ; sgm:sourceTable "
            '"orders" ; sgm:sourceField "c" ; sgm:targetClass sg:SalesOrder ;'
            ' sgm:targetRelationship sg:custmer ; sgm:referencedTable "customers" .\n',
        )
    with pytest.raises(MappingError, match="`customers` is not a Shop table of Customer"):
        user_catalog(
            ontology,
            tmp_path,
            key + "map:r a sgm:ReferenceMapping ; sgm:sourceSystem sgm:Shop ; sgm:sourceTable "
            '"orders" ; sgm:sourceField "c" ; sgm:targetClass sg:SalesOrder ;'
            ' sgm:targetRelationship sg:customer ; sgm:referencedTable "customers" .\n',
        )
    catalog = user_catalog(ontology, tmp_path, key)
    with pytest.raises(MappingError, match="no mapping for table `order`") as table:
        catalog.table("Shop", "order")
    assert "orders" in (table.value.hint or "")
