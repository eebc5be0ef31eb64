"""`semgraph demo` against the real Neo4j: consistent, deterministic, with seeded conflicts."""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import neo4j
import pytest
from typer.testing import CliRunner

from semgraph.cli.main import app
from semgraph.config import Settings
from semgraph.demo import CONFLICTS, LoadSummary, load_demo, loader
from semgraph.demo.records import Batch
from semgraph.exceptions import ConflictError
from semgraph.ontology.model import Ontology
from semgraph.ontology.schema import ensure_schema, schema_items

N = 2_000


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


def wipe(driver: neo4j.Driver, database: str) -> None:
    with driver.session(database=database) as session:
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()


@pytest.fixture(scope="module")
def loaded(driver: neo4j.Driver, settings: Settings, ontology: Ontology) -> Iterator[LoadSummary]:
    """One demo of N entities, seed 7, shared by the read-only tests of this module."""
    wipe(driver, settings.neo4j_database)
    yield load_demo(driver, ontology, settings.neo4j_database, N, 7, progress=False)
    wipe(driver, settings.neo4j_database)


def count(driver: neo4j.Driver, settings: Settings, query: str) -> int:
    records = driver.execute_query(query, database_=settings.neo4j_database).records
    return int(records[0][0])


def digest(driver: neo4j.Driver, settings: Settings) -> str:
    db = settings.neo4j_database
    nodes = driver.execute_query(
        "MATCH (n:Resource) RETURN n.id AS id, labels(n) AS l, properties(n) AS p ORDER BY id",
        database_=db,
    ).records
    rels = driver.execute_query(
        "MATCH (a:Resource)-[r]->(b:Resource) "
        "RETURN a.id, type(r), b.id ORDER BY a.id, type(r), b.id",
        database_=db,
    ).records
    text = repr([(r["id"], sorted(r["l"]), sorted(r["p"].items())) for r in nodes])
    return hashlib.sha256((text + repr([tuple(r) for r in rels])).encode()).hexdigest()


def test_load_writes_every_class_and_one_audit_event(
    loaded: LoadSummary, driver: neo4j.Driver, settings: Settings, ontology: Ontology
) -> None:
    assert count(driver, settings, "MATCH (n:Resource) RETURN count(n)") == N
    for cls in ontology.concrete_classes():
        assert count(driver, settings, f"MATCH (n:{cls.name}) RETURN count(n)") > 0, cls.name
    assert loaded.relationships == count(driver, settings, "MATCH ()-[r]->() RETURN count(r)")
    event = driver.execute_query(
        "MATCH (e:ChangeEvent {kind: 'bulk_load'}) RETURN e", database_=settings.neo4j_database
    ).records
    assert len(event) == 1
    assert event[0]["e"]["entities"] == N and event[0]["e"]["seed"] == 7
    assert event[0]["e"]["sourceSystem"] == "demo"


def test_nodes_carry_iri_and_native_types(
    loaded: LoadSummary, driver: neo4j.Driver, settings: Settings
) -> None:
    record = driver.execute_query(
        "MATCH (o:SalesOrder) RETURN o LIMIT 1", database_=settings.neo4j_database
    ).records[0]["o"]
    assert record["iri"] == f"https://semgraph.io/id/SalesOrder/{record['id']}"
    assert isinstance(record["totalAmount"], float)
    assert type(record["orderDate"]).__name__ == "Date"
    assert (
        count(driver, settings, "MATCH (e:Employee) WHERE e.hireDate IS NULL RETURN count(e)") == 0
    )


# Each query counts the violations of one consistency rule; all must be 0.
CONSISTENCY = {
    "lineAmount = quantity × unitPrice": """
        MATCH (l:OrderLine) WHERE abs(l.lineAmount - l.quantity * l.unitPrice) > 0.005
        RETURN count(l)""",
    "order total = Σ lines": """
        MATCH (o:SalesOrder) OPTIONAL MATCH (l:OrderLine)-[:salesOrder]->(o)
        WITH o, sum(l.lineAmount) AS s, count(l) AS n
        WHERE n = 0 OR abs(o.totalAmount - s) > 0.01 RETURN count(o)""",
    "invoice amount = what it bills": """
        MATCH (i:Invoice) OPTIONAL MATCH (i)-[:invoices]->(x)
        WITH i, collect(coalesce(x.totalAmount, x.totalValue)) AS billed
        WHERE size(billed) <> 1 OR abs(i.amount - billed[0]) > 0.01 RETURN count(i)""",
    "payments ≤ invoice, paid = settled": """
        MATCH (i:Invoice) OPTIONAL MATCH (p:Payment)-[:pays]->(i)
        WITH i, sum(p.amount) AS paid
        WHERE paid > i.amount + 0.01 OR (i.status = 'paid' AND abs(paid - i.amount) > 0.01)
        RETURN count(i)""",
    "Σ allocatedPrice = contract totalValue": """
        MATCH (c:Contract) OPTIONAL MATCH (c)-[:hasObligation]->(p:PerformanceObligation)
        WITH c, sum(p.allocatedPrice) AS s WHERE abs(s - c.totalValue) > 0.01 RETURN count(c)""",
    "Σ schedules = allocatedPrice": """
        MATCH (p:PerformanceObligation) OPTIONAL MATCH (p)-[:hasRevenueSchedule]->(r)
        WITH p, sum(r.plannedAmount) AS s WHERE abs(s - p.allocatedPrice) > 0.01
        RETURN count(p)""",
    "contract: one SLA, customer, legal entity": """
        MATCH (c:Contract)
        WHERE COUNT { (c)-[:hasSla]->(:ServiceLevelAgreement) } <> 1
           OR COUNT { (c)-[:customer]->(:Customer) } <> 1
           OR COUNT { (c)-[:ownedBy]->(:LegalEntity) } <> 1
        RETURN count(c)""",
    "legal entity has a finance lead": """
        MATCH (le:LegalEntity)
        WHERE NOT EXISTS {
            (le)-[:financeLead]->(:Employee)-[:hasRole]->(:Role {key: 'finance_lead'}) }
        RETURN count(le)""",
    "customer has a CSM and an account manager": """
        MATCH (c:Customer)
        WHERE NOT EXISTS {
            (c)-[:customerSuccessManager]->(:Employee)-[:hasRole]->(:Role {key: 'csm'}) }
           OR NOT EXISTS { (c)-[:accountManager]->(:Employee) }
        RETURN count(c)""",
    "customer has a CRM record": """
        MATCH (c:Customer)
        WHERE NOT EXISTS { (c)-[:hasSystemRecord]->(r:SystemRecord {sourceSystem: 'CRM'})
                           WHERE r.externalId =~ '0015g00000[0-9A-Za-z]{5}' }
        RETURN count(c)""",
    "ERP ids are 10-digit KUNNR": """
        MATCH (r:SystemRecord {sourceSystem: 'ERP'}) WHERE NOT r.externalId =~ '[0-9]{10}'
        RETURN count(r)""",
    "SLA values follow the tier": """
        MATCH (s:ServiceLevelAgreement)
        WHERE s.uptimeTarget <> {bronze: 99.0, silver: 99.5, gold: 99.9, platinum: 99.95}[s.tier]
        RETURN count(s)""",
    "documents in the customer's currency": """
        MATCH (c:Customer)<-[:customer]-(d) WHERE (d:SalesOrder OR d:Contract)
          AND d.currency <> c.currency RETURN count(d)""",
    "customer currency = its legal entity's": """
        MATCH (c:Customer)<-[:customer]-(:SalesOrder)-[:ownedBy]->(le:LegalEntity)
        WHERE c.currency <> le.currency RETURN count(c)""",
    "dates within 2024–2026": """
        MATCH (o:SalesOrder) WHERE NOT date('2024-01-01') <= o.orderDate <= date('2026-12-31')
        RETURN count(o)""",
    "every employee but the CFO has a manager": """
        MATCH (e:Employee) WHERE NOT EXISTS { (e)-[:manager]->(:Employee) }
        RETURN count(e) - 1""",
    "order lines have an order and a product": """
        MATCH (l:OrderLine)
        WHERE NOT EXISTS { (l)-[:salesOrder]->(:SalesOrder) }
           OR NOT EXISTS { (l)-[:product]->(:Product) }
        RETURN count(l)""",
}


@pytest.mark.parametrize("rule", list(CONSISTENCY))
def test_demo_data_is_consistent(
    rule: str, loaded: LoadSummary, driver: neo4j.Driver, settings: Settings
) -> None:
    assert count(driver, settings, CONSISTENCY[rule]) == 0


CONFLICT_QUERIES = {
    "erp_blocked_while_crm_active": """
        MATCH (c:Customer {status: 'active'})-[:hasSystemRecord]->(:SystemRecord
              {sourceSystem: 'ERP', recordStatus: 'blocked'})
        WHERE EXISTS { (c)-[:hasSystemRecord]->(:SystemRecord
              {sourceSystem: 'CRM', recordStatus: 'active'}) }
        RETURN count(DISTINCT c)""",
    "credit_limit_mismatch": """
        MATCH (c:Customer)-[:hasSystemRecord]->(r:SystemRecord)
        WHERE r.reportedCreditLimit <> c.creditLimit RETURN count(DISTINCT c)""",
    "large_order_without_countersign": """
        MATCH (o:SalesOrder {status: 'confirmed'})-[:customer]->(:Customer {rating: 'A'})
        WHERE o.totalAmount > 500000 AND NOT o.legalCountersigned RETURN count(o)""",
    "invoice_currency_mismatch": """
        MATCH (i:Invoice)-[:invoices]->(c:Contract) WHERE i.currency <> c.currency
        RETURN count(i)""",
    "order_line_over_stock": """
        MATCH (l:OrderLine)-[:salesOrder]->(:SalesOrder {status: 'confirmed'}),
              (l)-[:product]->(p:Product)<-[:stockOf]-(s:StockItem)
        WITH l, sum(s.quantityOnHand - s.quantityReserved) AS available
        WHERE l.quantity > available RETURN count(l)""",
}


@pytest.mark.parametrize("kind", list(CONFLICTS))
def test_seeded_conflicts_exist_at_the_documented_rate(
    kind: str, loaded: LoadSummary, driver: neo4j.Driver, settings: Settings
) -> None:
    found = count(driver, settings, CONFLICT_QUERIES[kind])
    assert found == loaded.conflicts[kind] >= 1
    assert found / loaded.customers <= 0.05  # a handful, not the norm


def test_loads_are_deterministic_and_refuse_a_non_empty_database(
    empty_db: neo4j.Driver, settings: Settings, ontology: Ontology
) -> None:
    db = settings.neo4j_database
    load_demo(empty_db, ontology, db, 1_000, 11, progress=False)
    first = digest(empty_db, settings)
    with pytest.raises(ConflictError, match="already holds 1,000 business entities"):
        load_demo(empty_db, ontology, db, 1_000, 11, progress=False)
    again = load_demo(empty_db, ontology, db, 1_000, 11, progress=False, existing="replace")
    assert again.replaced == 1_000
    assert digest(empty_db, settings) == first
    load_demo(empty_db, ontology, db, 1_000, 12, progress=False, existing="replace")
    assert digest(empty_db, settings) != first
    assert count(empty_db, settings, "MATCH (n:Resource) RETURN count(n)") == 1_000


def test_cli_loads_and_prints_a_summary(
    empty_db: neo4j.Driver, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if settings.managed:
        monkeypatch.setenv("SEMGRAPH_DATA_DIR", str(settings.data_dir))
        monkeypatch.setenv("SEMGRAPH_NEO4J_BOLT_PORT", str(settings.neo4j_bolt_port))
        monkeypatch.setenv("SEMGRAPH_NEO4J_HTTP_PORT", str(settings.neo4j_http_port))
    else:
        monkeypatch.setenv("SEMGRAPH_NEO4J_URI", settings.bolt_uri)
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        monkeypatch.setenv("SEMGRAPH_NEO4J_PASSWORD", password)
    result = CliRunner().invoke(app, ["demo", "--entities", "1000", "--seed", "5", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "loaded 1,000 entities" in result.output
    assert "seeded conflicts" in result.output
    again = CliRunner().invoke(app, ["demo", "--entities", "1000"])
    assert again.exit_code != 0
    assert isinstance(again.exception, ConflictError)


def test_a_bulk_load_ends_with_the_full_derived_schema_online(
    empty_db: neo4j.Driver, settings: Settings, ontology: Ontology
) -> None:
    db = settings.neo4j_database
    ensure_schema(empty_db, ontology, db)  # as after `semgraph load ontology`
    load_demo(empty_db, ontology, db, 1_000, 3, progress=False)
    assert gc.isenabled()  # paused while loading only
    indexes = {
        r["name"]: r["state"]
        for r in empty_db.execute_query("SHOW INDEXES YIELD name, state", database_=db).records
    }
    for item in schema_items(ontology):
        assert indexes.get(item.name) == "ONLINE", item.name
    records = empty_db.execute_query("SHOW CONSTRAINTS YIELD name", database_=db).records
    constraints = {r["name"] for r in records}
    assert {i.name for i in schema_items(ontology) if i.kind == "CONSTRAINT"} <= constraints


def test_a_failed_bulk_load_leaves_the_full_derived_schema_in_place(
    empty_db: neo4j.Driver, settings: Settings, ontology: Ontology, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load drops the derived indexes and constraints while it writes; when it fails
    half-way, what it wrote is still indexed and its ids still unique."""
    db = settings.neo4j_database
    real = loader.generate_units

    def bad_row_in_the_second_unit(*args: object, **kwargs: object) -> Iterator[list[Batch]]:
        units = real(*args, **kwargs)  # type: ignore[arg-type]
        yield next(units)
        chunk = next(units)
        chunk[-1].rows[0]["props"]["id"] = {"not": "a property value"}  # Neo4j refuses it
        yield chunk

    monkeypatch.setattr(loader, "generate_units", bad_row_in_the_second_unit)
    with pytest.raises(neo4j.exceptions.Neo4jError):
        load_demo(empty_db, ontology, db, 1_000, 3, progress=False)
    assert gc.isenabled()  # the load pauses Python's cycle collector, and only while it runs
    indexes = {
        r["name"]: r["state"]
        for r in empty_db.execute_query("SHOW INDEXES YIELD name, state", database_=db).records
    }
    assert {i.name: indexes.get(i.name) for i in schema_items(ontology)} == {
        i.name: "ONLINE" for i in schema_items(ontology)
    }
    written = empty_db.execute_query("MATCH (c:Customer) RETURN count(c) AS n", database_=db)
    assert written.records[0]["n"] > 0  # the batches before the bad one were written
    with pytest.raises(neo4j.exceptions.ConstraintError):
        empty_db.execute_query(
            "MATCH (c:Customer) WITH c LIMIT 1 "
            "CREATE (:Resource:Customer {id: c.id, iri: c.iri + '#2'})",
            database_=db,
        )


def test_parallel_writers_load_the_same_graph_as_one(
    empty_db: neo4j.Driver, settings: Settings, ontology: Ontology
) -> None:
    db = settings.neo4j_database
    one = load_demo(empty_db, ontology, db, 3_000, 4, progress=False, writers=1)
    first = digest(empty_db, settings)
    three = load_demo(
        empty_db, ontology, db, 3_000, 4, progress=False, existing="replace",
        writers=3, customers_per_chunk=5,
    )  # fmt: skip
    assert digest(empty_db, settings) == first
    assert three.relationships == one.relationships


def _touch_both(
    tx: neo4j.Transaction, first: str, second: str, name: str, state: dict[str, Any]
) -> int:
    """Write probe ``first`` then probe ``second``; the first attempt of each caller waits
    at the barrier in between, so that two callers in opposite orders deadlock."""
    state["attempts"][name] += 1
    touch = "MATCH (p:DeadlockProbe {k: $k}) SET p.by = coalesce(p.by, []) + $name"
    tx.run(touch, k=first, name=name).consume()
    if state["attempts"][name] == 1:
        state["barrier"].wait(timeout=30)
    tx.run(touch, k=second, name=name).consume()
    return int(state["attempts"][name])


def test_a_deadlock_victim_is_written_again_at_once_and_both_commit(
    empty_db: neo4j.Driver, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    db = settings.neo4j_database
    empty_db.execute_query(
        "CREATE (:DeadlockProbe {k: 'a'}), (:DeadlockProbe {k: 'b'})", database_=db
    )
    state = {"attempts": Counter(), "barrier": threading.Barrier(2)}
    results: dict[str, int] = {}
    caplog.set_level(logging.DEBUG, logger="semgraph.demo.loader")

    def writer(name: str, first: str, second: str) -> None:
        with empty_db.session(database=db) as session:
            results[name] = loader.write_settling_deadlocks(
                session, _touch_both, first, second, name, state
            )

    threads = [
        threading.Thread(target=writer, args=("one", "a", "b")),
        threading.Thread(target=writer, args=("two", "b", "a")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Both committed, each once: every probe was written by both, and only by them.
    probes = empty_db.execute_query(
        "MATCH (p:DeadlockProbe) RETURN p.k AS k, p.by AS by ORDER BY k", database_=db
    ).records
    assert [(r["k"], sorted(r["by"])) for r in probes] == [
        ("a", ["one", "two"]),
        ("b", ["one", "two"]),
    ]
    # Neo4j chose one victim, which ran again (not through the driver's 1 s retry).
    assert sorted(results.values()) == [1, 2]
    assert any("deadlock" in r.getMessage() for r in caplog.records if r.name == loader.__name__)
    assert not [
        r for r in caplog.records if r.name.startswith("neo4j") and r.levelno >= logging.WARNING
    ]


def test_a_batch_that_a_rerun_cannot_mend_fails_at_once(
    empty_db: neo4j.Driver, settings: Settings
) -> None:
    runs = Counter[str]()

    def broken(tx: neo4j.Transaction) -> None:
        runs["broken"] += 1
        tx.run("RETURN 1 / 0").consume()

    with (
        empty_db.session(database=settings.neo4j_database) as session,
        pytest.raises(neo4j.exceptions.ClientError, match="/ by zero"),
    ):
        loader.write_settling_deadlocks(session, broken)
    assert runs["broken"] == 1
