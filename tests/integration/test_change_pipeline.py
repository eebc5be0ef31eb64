"""The one write pipeline: atomic, validated inside the transaction, audited, impact-aware."""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
from pathlib import Path
from typing import Any

import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.changes.audit import AuditTrail
from semgraph.changes.model import (
    ChangeSet,
    CreateEntity,
    DeleteEntity,
    LinkEntities,
    UpdateEntity,
)
from semgraph.changes.pipeline import ChangePipeline
from semgraph.config import Settings
from semgraph.exceptions import (
    ChangeRefusedError,
    ConflictError,
    NotFoundError,
    UnknownTermError,
)
from semgraph.ontology.schema import ensure_schema
from tests.integration.world import World, contract_world, ctx, update


@pytest.fixture
def pipeline(empty_db: neo4j.Driver, settings: Settings) -> ChangePipeline:
    container = Container(settings)
    ensure_schema(empty_db, container.ontology, settings.neo4j_database)
    return container.pipeline


def snapshot(driver: neo4j.Driver) -> str:
    """Every node and relationship with all properties, in a stable order."""
    nodes = driver.execute_query(
        "MATCH (n) RETURN labels(n) AS l, properties(n) AS p ORDER BY n.iri, n.id"
    ).records
    rels = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.iri AS a, type(r) AS t, properties(r) AS p, b.iri AS b "
        "ORDER BY a, t, b"
    ).records
    return json.dumps(
        [[sorted(r["l"]), r["p"]] for r in nodes] + [dict(r) for r in rels],
        default=str,
        sort_keys=True,
    )


def test_sla_credit_change_commits_with_a_warning_and_an_impact_path(
    pipeline: ChangePipeline, empty_db: neo4j.Driver
) -> None:
    ids = contract_world(pipeline)
    result = pipeline.apply(
        update(pipeline, "ServiceLevelAgreement", ids["sla"], serviceCreditPercent=25.0)
    )
    assert result.committed
    assert result.warnings, "raising service credits is variable consideration: a risk"
    warning = result.warnings[0]
    assert warning.notify_role in {"finance_lead", "cfo"}
    assert "15.5" in (warning.accounting_ref or "")  # IFRS 15.50-59
    reached = {step["cls"] for step in result.impact}
    assert {"Contract", "PerformanceObligation", "RevenueSchedule", "Employee"} <= reached
    schedule = next(s for s in result.impact if s["cls"] == "RevenueSchedule")
    assert "ServiceLevelAgreement" in schedule["path"] and "Contract" in schedule["path"]
    stored = empty_db.execute_query(
        "MATCH (s:ServiceLevelAgreement {id: $id}) RETURN s.serviceCreditPercent AS v",
        id=ids["sla"],
    ).records[0]["v"]
    assert stored == 25.0


def test_audit_trail_answers_who_changed_this_sla_from_where_and_what_it_affected(
    pipeline: ChangePipeline, settings: Settings
) -> None:
    ids = contract_world(pipeline)
    change = update(pipeline, "ServiceLevelAgreement", ids["sla"], uptimeTarget=99.99)
    change = change.model_copy(
        update={
            "context": ctx(
                actor="li.wei@northwind.example",
                role="csm",
                source_system="CRM",
                session_id="sess-42",
                device_fingerprint="macbook-a1b2",
                reason="customer asked for four nines",
            )
        }
    )
    pipeline.apply(change)
    sla_iri = pipeline.ontology.entity_iri("ServiceLevelAgreement", ids["sla"])
    trail = AuditTrail(pipeline.driver, settings.neo4j_database).for_entity(sla_iri)
    latest = trail[0]
    assert latest.actor == "li.wei@northwind.example" and latest.role == "csm"
    assert latest.source_system == "CRM"
    assert latest.session_id == "sess-42" and latest.device_fingerprint == "macbook-a1b2"
    assert latest.reason == "customer asked for four nines"
    assert latest.before and latest.after
    assert latest.before["uptimeTarget"] == 99.9 and latest.after["uptimeTarget"] == 99.99
    impacted = {i["iri"].split("/")[-2] for i in latest.impacted}
    assert {"Contract", "RevenueSchedule"} <= impacted
    assert latest.fired, "the rule that fired is on the change event"
    detail = AuditTrail(pipeline.driver, settings.neo4j_database).for_change(latest.change_id)
    assert [t["iri"] for t in detail.touched] == [sla_iri]


def test_an_entity_created_and_linked_in_one_change_is_one_entry_of_its_history(
    pipeline: ChangePipeline, settings: Settings
) -> None:
    w = World(pipeline)
    customer = w.new("Customer", name="Acme", status="active", rating="A")
    order = w.new("SalesOrder", orderNumber="SO-7", status="draft", currency="EUR")
    w.link("SalesOrder", order, "customer", "Customer", customer)
    w.commit()
    order_iri = pipeline.ontology.entity_iri("SalesOrder", order)
    audit = AuditTrail(pipeline.driver, settings.neo4j_database)
    trail = audit.for_entity(order_iri)
    assert len(trail) == 1, [(e.op, e.ops) for e in trail]
    assert trail[0].op == "create"
    assert trail[0].ops[0] == "create" and len(trail[0].ops) == 2
    assert trail[0].ops[1].startswith("link:")
    assert trail[0].after and trail[0].after["orderNumber"] == "SO-7"
    touched = audit.for_change(trail[0].change_id).touched
    assert sorted(t["iri"] for t in touched) == sorted(
        [order_iri, pipeline.ontology.entity_iri("Customer", customer)]
    )


def _as_stored(value: Any) -> Any:
    """A property value as the audit's JSON writes it, from the driver's own types."""
    if isinstance(value, list):
        return [_as_stored(v) for v in value]
    value = value.to_native() if hasattr(value, "to_native") else value
    return value.isoformat() if hasattr(value, "isoformat") else value


def test_the_audit_after_state_of_every_entity_a_change_writes_is_what_the_graph_holds(
    pipeline: ChangePipeline, empty_db: neo4j.Driver, settings: Settings
) -> None:
    """The after-state of a change of many operations is worked out from the entities
    read before and the operations; it must be the node as Neo4j holds it afterwards:
    every property and type, the version after creates, updates, links and unlinks, a
    zoned time's offset, a removed property gone."""
    audit = AuditTrail(pipeline.driver, settings.neo4j_database)

    def check(change_id: str) -> list[dict[str, Any]]:
        touched = audit.for_change(change_id).touched
        for entry in touched:
            record = empty_db.execute_query(
                "MATCH (n:Resource {iri: $iri}) RETURN properties(n) AS p", iri=entry["iri"]
            ).records[0]
            held = {k: _as_stored(v) for k, v in record["p"].items()}
            assert entry["after"] == held, entry["iri"]
        return touched

    w = World(pipeline)
    owner = w.new("LegalEntity")
    customer = w.new(
        "Customer",
        name="Acme",
        status="active",
        email="ap@acme.example",
        creditLimit=5000.5,
        createdAt="2025-03-04T05:06:07.123456+08:00",
    )
    product = w.new("Product", name="Widget", sku="W-1", unitPrice=2.5)
    order = w.new("SalesOrder", orderDate="2026-02-28", legalCountersigned=True, totalAmount=5.0)
    w.link("SalesOrder", order, "customer", "Customer", customer)
    line = w.new("OrderLine", quantity=2.0, unitPrice=2.5, lineNumber=1)
    w.link("OrderLine", line, "product", "Product", product)
    w.link("OrderLine", line, "salesOrder", "SalesOrder", order)
    first = w.commit()
    assert first.committed
    assert len(check(first.change_id)) == 5

    statuses = pipeline.ontology.datatype_properties("SalesOrder")["status"].allowed_values
    second = pipeline.apply(
        ChangeSet(
            context=ctx(role="admin"),
            operations=[
                UpdateEntity(
                    cls="Customer",
                    id=customer,
                    properties={"creditLimit": 9000.0, "createdAt": "2024-01-02T03:04:05-05:00"},
                ),
                UpdateEntity(cls="Customer", id=customer, properties={"email": None}),
                UpdateEntity(cls="SalesOrder", id=order, properties={"status": statuses[-1]}),
                # both ends were there before: the one statement may match an edge
                LinkEntities(
                    rel="ownedBy",
                    from_cls="SalesOrder",
                    from_id=order,
                    to_cls="LegalEntity",
                    to_id=owner,
                ),
                CreateEntity(
                    cls="OrderLine",
                    id="L-2",
                    properties={"quantity": 1.0, "unitPrice": 2.5, "lineNumber": 2},
                ),
                LinkEntities(
                    rel="product",
                    from_cls="OrderLine",
                    from_id="L-2",
                    to_cls="Product",
                    to_id=product,
                ),
                LinkEntities(
                    rel="salesOrder",
                    from_cls="OrderLine",
                    from_id="L-2",
                    to_cls="SalesOrder",
                    to_id=order,
                ),
            ],
        )
    )
    assert second.committed, second.results
    check(second.change_id)
    changed = {(c["cls"], c["property"]) for c in second.changed}
    assert changed == {
        ("Customer", "creditLimit"),
        ("Customer", "createdAt"),
        ("Customer", "email"),
        ("SalesOrder", "status"),
    }
    # times are stored as zoned datetimes with the offset they were given
    held = empty_db.execute_query(
        "MATCH (n:Customer {id: $id}) RETURN valueType(n.createdAt) AS type, "
        "toString(n.createdAt) AS text, valueType(n.updatedAt) AS updated",
        id=customer,
    ).records[0]
    assert held["type"].startswith("ZONED DATETIME") and held["updated"] == held["type"]
    assert held["text"] == "2024-01-02T03:04:05-05:00"

    third = pipeline.apply(
        ChangeSet(
            context=ctx(role="admin"),
            operations=[
                LinkEntities(
                    op="unlink",
                    rel="ownedBy",
                    from_cls="SalesOrder",
                    from_id=order,
                    to_cls="LegalEntity",
                    to_id=owner,
                ),
                UpdateEntity(cls="OrderLine", id="L-2", properties={"quantity": 3.0}),
            ],
        )
    )
    assert third.committed, third.results
    check(third.change_id)


def test_blocked_change_leaves_the_graph_byte_for_byte_unchanged(
    pipeline: ChangePipeline, empty_db: neo4j.Driver
) -> None:
    w = World(pipeline)
    customer = w.new("Customer", name="Acme", status="active", rating="A")
    order = w.new(
        "SalesOrder", orderNumber="SO-1", status="draft", totalAmount=750000.0, currency="EUR"
    )
    w.link("SalesOrder", order, "customer", "Customer", customer)
    w.commit()
    before = snapshot(empty_db)
    with pytest.raises(ChangeRefusedError) as refused:
        pipeline.apply(
            update(pipeline, "SalesOrder", order, role="finance_lead", status="confirmed")
        )
    results = refused.value.result.violations
    assert results and results[0].focus_node.endswith(f"/SalesOrder/{order}")
    assert results[0].message_zh, "messages come in Chinese too"
    assert snapshot(empty_db) == before
    # the near miss: countersigned, it is accepted
    ok = pipeline.apply(
        update(
            pipeline,
            "SalesOrder",
            order,
            role="finance_lead",
            status="confirmed",
            legalCountersigned=True,
        )
    )
    assert ok.committed and not ok.violations


def test_dry_run_reports_without_writing(pipeline: ChangePipeline, empty_db: neo4j.Driver) -> None:
    ids = contract_world(pipeline)
    before = snapshot(empty_db)
    result = pipeline.dry_run(
        update(pipeline, "Contract", ids["contract"], paymentTerms="conditional_on_sla")
    )
    assert not result.committed
    assert result.warnings and result.impact
    assert snapshot(empty_db) == before


def test_unknown_property_is_refused_with_a_suggestion(
    pipeline: ChangePipeline, empty_db: neo4j.Driver
) -> None:
    ids = contract_world(pipeline)
    before = snapshot(empty_db)
    with pytest.raises(UnknownTermError) as err:
        pipeline.apply(update(pipeline, "Customer", ids["customer"], creditLimt=5))
    assert "creditLimit" in (err.value.hint or "")
    with pytest.raises(UnknownTermError) as err2:
        pipeline.apply(update(pipeline, "Custmer", ids["customer"], name="x"))
    assert "Customer" in (err2.value.hint or "")
    assert snapshot(empty_db) == before


def test_missing_entity_is_not_found_and_nothing_is_written(
    pipeline: ChangePipeline, empty_db: neo4j.Driver
) -> None:
    ids = contract_world(pipeline)
    before = snapshot(empty_db)
    change = ChangeSet(
        context=ctx(role="admin"),
        operations=[
            UpdateEntity(cls="Customer", id=ids["customer"], properties={"name": "renamed"}),
            DeleteEntity(cls="Contract", id="NO-SUCH-CONTRACT"),
        ],
    )
    with pytest.raises(NotFoundError, match="NO-SUCH-CONTRACT"):
        pipeline.apply(change)
    assert snapshot(empty_db) == before


def test_concurrent_changes_to_one_entity_one_wins_the_other_conflicts(
    pipeline: ChangePipeline, empty_db: neo4j.Driver
) -> None:
    ids = contract_world(pipeline)
    version = empty_db.execute_query(
        "MATCH (c:Customer {id: $id}) RETURN c.version AS v", id=ids["customer"]
    ).records[0]["v"]
    outcomes: list[Any] = []
    barrier = threading.Barrier(2)

    def attempt(name: str) -> None:
        change = ChangeSet(
            context=ctx(),
            operations=[
                UpdateEntity(
                    cls="Customer",
                    id=ids["customer"],
                    properties={"name": name},
                    expected_version=version,
                )
            ],
        )
        barrier.wait()
        try:
            outcomes.append(pipeline.apply(change))
        except ConflictError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("Acme One", "Acme Two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(o, ConflictError) for o in outcomes) == 1
    winner = next(o for o in outcomes if not isinstance(o, ConflictError))
    name = empty_db.execute_query(
        "MATCH (c:Customer {id: $id}) RETURN c.name AS n", id=ids["customer"]
    ).records[0]["n"]
    assert name in {"Acme One", "Acme Two"} and winner.committed


def test_a_violation_the_graph_already_had_does_not_block_an_unrelated_change(
    pipeline: ChangePipeline, empty_db: neo4j.Driver
) -> None:
    w = World(pipeline)
    customer = w.new("Customer", name="Acme", status="active", rating="A")
    order = w.new(
        "SalesOrder", orderNumber="SO-9", status="draft", totalAmount=900000.0, currency="EUR"
    )
    w.link("SalesOrder", order, "customer", "Customer", customer)
    w.commit()
    # Imported data (bulk loads bypass per-change checks) already breaks the approval rule.
    empty_db.execute_query("MATCH (o:SalesOrder {id: $id}) SET o.status = 'confirmed'", id=order)
    result = pipeline.apply(update(pipeline, "SalesOrder", order, role="cfo", currency="USD"))
    assert result.committed and not result.violations
    flagged = [r for r in result.results if r.pre_existing]
    assert flagged and flagged[0].focus_node.endswith(f"/SalesOrder/{order}")
    # …but a change that introduces a new violation is still refused.
    with pytest.raises(ChangeRefusedError):
        pipeline.apply(
            update(
                pipeline,
                "SalesOrder",
                order,
                role="cfo",
                legalCountersigned=None,
                totalAmount=-5.0,
                currency=None,
            )
        )


def inventory_world(pipeline: ChangePipeline) -> dict[str, str]:
    """A draft order for 8 routers, 10 in stock."""
    w = World(pipeline)
    ids = {
        "product": w.new("Product", name="Edge router", sku="RT-100"),
        "warehouse": w.new("Warehouse", name="Hamburg", code="HAM"),
        "stock": w.new("StockItem", quantityOnHand=10.0),
        "customer": w.new("Customer", name="Acme", status="active", rating="B"),
        "order": w.new(
            "SalesOrder", orderNumber="SO-77", status="draft", totalAmount=800.0, currency="EUR"
        ),
        "line": w.new("OrderLine", quantity=8.0, unitPrice=100.0),
    }
    w.link("StockItem", ids["stock"], "stockOf", "Product", ids["product"])
    w.link("StockItem", ids["stock"], "storedIn", "Warehouse", ids["warehouse"])
    w.link("SalesOrder", ids["order"], "customer", "Customer", ids["customer"])
    w.link("OrderLine", ids["line"], "salesOrder", "SalesOrder", ids["order"])
    w.link("OrderLine", ids["line"], "product", "Product", ids["product"])
    w.commit()
    return ids


def test_a_stock_count_does_not_recheck_order_lines_but_confirming_the_order_does(
    pipeline: ChangePipeline,
) -> None:
    ids = inventory_world(pipeline)
    # The WMS counts fewer routers than the draft order needs: the count is the truth, it
    # commits, and the oversell check (which fires on order changes) is not run for it.
    count = pipeline.apply(
        update(pipeline, "StockItem", ids["stock"], role="admin", quantityOnHand=5.0)
    )
    assert count.committed and not count.violations
    assert count.focus == [f"https://semgraph.io/id/StockItem/{ids['stock']}"]
    # Confirming the order now promises 8 of 5: refused, naming the line (reached from the
    # order through the shape's `salesOrder` trigger).
    with pytest.raises(ChangeRefusedError) as info:
        pipeline.apply(update(pipeline, "SalesOrder", ids["order"], role="cfo", status="confirmed"))
    fired = {(r.shape.rsplit("/", 1)[-1], r.focus_node) for r in info.value.result.violations}
    assert ("OrderLineOversell", f"https://semgraph.io/id/OrderLine/{ids['line']}") in fired


def test_a_new_order_line_rechecks_itself_not_its_order_or_the_orders_other_lines(
    pipeline: ChangePipeline,
) -> None:
    """A new edge changes nothing on its target: the order's own shapes and its other
    lines read nothing the new line's `salesOrder` edge moved (a sync of a million lines
    would otherwise re-check every order and every earlier line of it)."""
    ids = inventory_world(pipeline)
    w = World(pipeline)
    second = w.new("OrderLine", quantity=1.0, unitPrice=100.0)
    w.link("OrderLine", second, "salesOrder", "SalesOrder", ids["order"])
    w.link("OrderLine", second, "product", "Product", ids["product"])
    result = w.commit()
    assert result.focus == [f"https://semgraph.io/id/OrderLine/{second}"]


def test_a_shape_reading_incoming_edges_rechecks_the_target_of_a_new_edge(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    shapes = tmp_path / "shapes"
    shutil.copytree(settings.shapes_dir, shapes)
    (shapes / "one_order.ttl").write_text(
        """@prefix sg: <https://semgraph.io/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/one-order#> .
ex:OneOpenOrder a sh:NodeShape ; sh:targetClass sg:Customer ;
    sh:property [ sh:path [ sh:inversePath sg:customer ] ; sh:maxCount 1 ;
                  sh:message "A customer has at most one order" ] .
""",
        encoding="utf-8",
    )
    container = Container(settings.model_copy(update={"shapes_dir": shapes}))
    ensure_schema(empty_db, container.ontology, settings.neo4j_database)
    pipeline = container.pipeline
    ids = inventory_world(pipeline)
    w = World(pipeline)
    order = w.new("SalesOrder", orderNumber="SO-78", status="draft", currency="EUR")
    w.link("SalesOrder", order, "customer", "Customer", ids["customer"])
    with pytest.raises(ChangeRefusedError) as refused:
        w.commit()
    focus = {r.focus_node for r in refused.value.result.violations}
    assert focus == {f"https://semgraph.io/id/Customer/{ids['customer']}"}


def test_deleting_an_entity_rechecks_everything_that_pointed_at_it(
    pipeline: ChangePipeline, empty_db: neo4j.Driver
) -> None:
    ids = inventory_world(pipeline)
    before = snapshot(empty_db)
    with pytest.raises(ChangeRefusedError) as info:
        pipeline.apply(
            ChangeSet(
                context=ctx(role="admin"),
                operations=[DeleteEntity(cls="Product", id=ids["product"])],
            )
        )
    focus = {r.focus_node for r in info.value.result.violations}
    assert f"https://semgraph.io/id/StockItem/{ids['stock']}" in focus  # stockOf is required
    assert f"https://semgraph.io/id/OrderLine/{ids['line']}" in focus  # product is required
    assert snapshot(empty_db) == before


def test_the_first_change_on_a_bare_database_creates_the_schema_its_lookups_need(
    empty_db: neo4j.Driver, settings: Settings
) -> None:
    """A service started against a database nobody ran `semgraph up` on still gets the
    change log's unique ids (and the rest): without them, raising an alert scanned every
    earlier change event."""

    def constraints() -> set[str]:
        return {r["name"] for r in empty_db.execute_query("SHOW CONSTRAINTS YIELD name").records}

    assert "change_event_id" not in constraints()
    pipeline = Container(settings).pipeline
    world = contract_world(pipeline)
    assert {"change_event_id", "rule_iri", "risk_alert_open_key"} <= constraints()
    plan = empty_db.execute_query(
        "EXPLAIN MATCH (c:ChangeEvent {id: $id}) RETURN c", id="x"
    ).summary.plan
    assert "NodeUniqueIndexSeek" in json.dumps(plan), plan
    assert pipeline.apply(
        update(pipeline, "ServiceLevelAgreement", world["sla"], uptimeTarget=99.5)
    )


@pytest.mark.parametrize("limit", [1, 0])
def test_change_sets_beyond_the_concurrency_limit_wait_their_turn_and_all_commit(
    empty_db: neo4j.Driver, settings: Settings, limit: int
) -> None:
    container = Container(settings.model_copy(update={"change_concurrency": max(limit, 1)}))
    ensure_schema(empty_db, container.ontology, settings.neo4j_database)
    pipeline = container.pipeline
    if limit == 0:  # the reference: no limit, so the test can see transactions overlap
        pipeline = dataclasses.replace(pipeline, max_concurrent=0, tx_hooks=[])
    worlds = [contract_world(pipeline) for _ in range(4)]
    inside, most, lock = [0], [0], threading.Lock()

    def slow_hook(tx: Any, change_set: Any, result: Any) -> None:  # runs in the transaction
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        threading.Event().wait(0.2)
        with lock:
            inside[0] -= 1

    pipeline.tx_hooks.append(slow_hook)
    results: list[Any] = []
    barrier = threading.Barrier(len(worlds))

    def apply(sla: str) -> None:
        change = update(pipeline, "ServiceLevelAgreement", sla, serviceCreditPercent=30.0)
        barrier.wait()
        results.append(pipeline.apply(change))

    threads = [threading.Thread(target=apply, args=(w["sla"],)) for w in worlds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == len(worlds) and all(r.committed for r in results)
    credits = empty_db.execute_query(
        "MATCH (s:ServiceLevelAgreement) WHERE s.id IN $ids RETURN s.serviceCreditPercent AS p",
        ids=[w["sla"] for w in worlds],
    ).records
    assert [r["p"] for r in credits] == [30.0] * len(worlds)
    if limit == 1:
        assert most[0] == 1, "one change set at a time"
    else:
        assert most[0] > 1, "without a limit the four transactions overlap"
    container.close()
