"""How the bulk loader packs demo rows, and how the generator groups them into units."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from semgraph.demo import generate
from semgraph.demo.generator import generate_units
from semgraph.demo.packing import columns_of, pack_rows
from semgraph.demo.queries import create_batch
from semgraph.demo.records import Batch, Link
from semgraph.exceptions import InvalidInputError, UnknownTermError
from semgraph.ontology.model import Ontology


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


PAY = Link("pays", "pays", "Invoice")


def test_rows_become_lists_in_one_column_order_with_iso_temporals(ontology: Ontology) -> None:
    paid = datetime(2024, 9, 13, 17, 57, 45, tzinfo=UTC)
    batch = Batch(
        "Payment",
        [
            {"props": {"id": "PAY-1", "amount": 1.5, "paidAt": paid}, "links": {"pays": "INV-1"}},
            {"props": {"id": "PAY-2", "method": "card"}, "links": {}},
        ],
        (PAY,),
    )
    columns = columns_of(ontology, batch)
    assert columns.props == ("id", "amount", "paidAt", "method")
    assert columns.parse == (None, None, "datetime", None)
    assert pack_rows(columns, batch.rows, [{"INV-1": "4:db:17"}]) == [
        ["PAY-1", 1.5, "2024-09-13T17:57:45+00:00", None, "4:db:17"],
        ["PAY-2", None, None, "card", None],
    ]


def test_packed_rows_print_as_their_count_only(ontology: Ontology) -> None:
    """The driver formats each statement's parameters for its debug log even when that
    log is off: packed rows make that cheap and keep personal data out of it."""
    batch = Batch("Contact", [{"props": {"id": "CON-1", "email": "li.wei@example.com"}}])
    packed = pack_rows(columns_of(ontology, batch), batch.rows, [])
    assert packed == [["CON-1", "li.wei@example.com"]]
    assert repr({"rows": packed}) == "{'rows': <1 row>}"


def test_links_travel_as_element_ids_and_an_unwritten_end_is_refused(ontology: Ontology) -> None:
    credits = Link("hasServiceCredit", "hasServiceCredit", "ServiceCredit", many=True)
    batch = Batch(
        "ServiceLevelAgreement",
        [{"props": {"id": "SLA-1"}, "links": {"hasServiceCredit": ["SCR-1", "SCR-2"]}}],
        (credits,),
    )
    columns = columns_of(ontology, batch)
    ends = [{"SCR-1": "4:db:1", "SCR-2": "4:db:2"}]
    assert pack_rows(columns, batch.rows, ends) == [["SLA-1", ["4:db:1", "4:db:2"]]]
    statement = create_batch(ontology, columns)
    assert "WHERE elementId(t) = other" in statement
    with pytest.raises(InvalidInputError, match="links to SCR-2, which was not written"):
        pack_rows(columns, batch.rows, [{"SCR-1": "4:db:1"}])


def test_dates_travel_as_iso_dates_and_are_parsed_by_the_statement(ontology: Ontology) -> None:
    batch = Batch("Invoice", [{"props": {"id": "INV-1", "issueDate": date(2024, 4, 1)}}])
    columns = columns_of(ontology, batch)
    assert pack_rows(columns, [{"props": batch.rows[0]["props"], "links": {}}], []) == [
        ["INV-1", "2024-04-01"]
    ]
    statement = create_batch(ontology, columns)
    assert "issueDate`: date(row[1])" in statement
    assert "iri: $iri + row[0]" in statement


def test_a_property_the_class_does_not_have_is_refused(ontology: Ontology) -> None:
    batch = Batch("Payment", [{"props": {"id": "PAY-1", "colour": "red"}, "links": {}}])
    with pytest.raises(UnknownTermError, match="colour"):
        columns_of(ontology, batch)


def test_units_hold_the_same_batches_whatever_the_chunk_size(ontology: Ontology) -> None:
    def flat(units: list[list[Batch]]) -> dict[str, object]:
        # Invoices of orders and of contracts are two slots, so their order interleaves
        # differently per chunk size; the entities themselves must not change.
        return {row["props"]["id"]: row for unit in units for b in unit for row in b.rows}

    small = list(generate_units(2_000, 5, ontology, customers_per_chunk=7))
    large = list(generate_units(2_000, 5, ontology, customers_per_chunk=500))
    assert len(small) > len(large) >= 2
    assert flat(small) == flat(large)
    assert [b.rows for b in generate(2_000, 5, ontology)] == [
        b.rows for unit in large for b in unit
    ]


def test_chunks_link_only_to_master_data_and_their_own_earlier_rows(ontology: Ontology) -> None:
    units = list(generate_units(2_000, 9, ontology, customers_per_chunk=10))
    master = {row["props"]["id"] for batch in units[0] for row in batch.rows}
    for unit in units[1:]:
        seen = set(master)
        for batch in unit:
            for row in batch.rows:
                seen.add(row["props"]["id"])
                for link in batch.links:
                    value = row["links"].get(link.key)
                    for target in value if link.many else [value]:
                        assert target is None or target in seen, (batch.cls, link.key, target)
