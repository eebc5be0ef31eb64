"""The write path's lookups by iri seek the unique index, whatever the graph held when
Neo4j first planned them (``KEEP_PLAN`` keeps that plan for the life of the process)."""

from __future__ import annotations

from typing import Any

import neo4j

from semgraph.alerts import queries as alert_queries
from semgraph.bootstrap import Container
from semgraph.changes import queries as change_queries
from semgraph.config import Settings
from semgraph.master_data import queries as master_queries
from semgraph.rag import graph_queries
from semgraph.sync import queries as sync_queries
from semgraph.validation.neighbourhood import NODES


def _scans(plan: dict[str, Any]) -> list[str]:
    """Operators of a plan that read a whole label or index instead of seeking."""
    found = []
    operator = plan["operatorType"].split("@")[0]
    if "Scan" in operator:
        details = plan.get("args", {}).get("Details", "")
        found.append(f"{operator} {details}".strip())
    for child in plan.get("children", []):
        found += _scans(child)
    return found


def test_lookups_by_iri_with_a_class_test_seek_the_index_on_a_graph_as_a_first_sync_sees_it(
    container: Container, empty_db: neo4j.Driver
) -> None:
    # What the first batch of customers is planned against: materials, their system
    # records, and no customer yet. Unhinted, the golden-record read of master data was
    # planned as a scan of the whole iri index here, paid on every later call.
    empty_db.execute_query(
        "UNWIND range(1, 25) AS i CREATE (:Resource:Product {iri: 'urn:p:' + i}), "
        "(:Resource:SystemRecord {iri: 'urn:s:' + i})"
    )
    reach = container.reach
    queries = {
        f"neighbourhood of {cls}": reach.neighbourhood_query(cls)
        for cls in sorted(reach.target_classes)
    }
    queries["master data golden_by_iri"] = master_queries.golden_by_iri("Customer")
    queries["update_entities"] = change_queries.update_entities("Customer")
    queries["update_entity"] = change_queries.update_entity("Customer")
    # Each read or write of a batch by iri. Unhinted, the sync's foreign-key lookup (the
    # golden entity of each referenced system record) was planned once, after the master
    # tables, as a scan of the whole iri index for every row: a bench run's second pass
    # took 58.7 s instead of 6. The planner does not take that scan on every small graph,
    # so these are checked for the plan they must have, whatever it would pick.
    queries |= {
        "sync records_with_golden": sync_queries.RECORDS_WITH_GOLDEN,
        "sync golden_of_records": sync_queries.GOLDEN_OF_RECORDS,
        "lock and read": change_queries.LOCK_AND_READ_ENTITIES,
        "nodes": NODES,
        "existing entities": change_queries.EXISTING_ENTITIES,
        "link_many": change_queries.link_many("customer"),
        "unlink_many": change_queries.unlink_many("customer"),
        "change event": change_queries.RECORD_CHANGE,
        "alert context": alert_queries.ALERT_CONTEXT,
        "affected cards": graph_queries.AFFECTED_CARDS,
    }
    for cls in sorted(reach.target_classes):
        if (focus := reach.focus_query(cls)) is not None:
            queries[f"focus of {cls}"] = focus
    for rel in ("customer", "hasSystemRecord"):
        if (edge_focus := reach.edge_focus_query(rel)) is not None:
            queries[f"edge focus of {rel}"] = edge_focus
    iris = [f"urn:c:{i}" for i in range(100)]
    rows = [{"iri": i, "props": {}, "from_iri": i, "to_iri": iris[0]} for i in iris]
    params = {"iris": iris, "rows": rows, "iri": iris[0], "focus": iris, "rels": ["customer"]}
    params |= {"props": {}, "at": None, "edges": [[i, iris[0]] for i in iris]}
    params |= {"touched": [{"iri": i} for i in iris], "impacted": [], "rules": []}
    params |= {"rel_types": ["customer"], "card_classes": ["Customer"]}
    scanned = {}
    for name, query in queries.items():
        with empty_db.session() as session:
            summary = session.run("EXPLAIN " + query, params).consume()
        assert summary.plan is not None
        # MERGE cannot take a hint; the change event's rules are the published rule
        # catalogue (tens of nodes, not data), so a scan of them stays small.
        if scans := [s for s in _scans(summary.plan) if s != "NodeByLabelScan r:Rule"]:
            scanned[name] = scans
        elif "NodeUniqueIndexSeek" not in str(summary.plan):
            scanned[name] = ["no seek of the iri index"]
    assert not scanned


def test_a_database_semgraph_never_wrote_to_can_be_validated_and_paged(
    empty_db: neo4j.Driver, settings: Settings
) -> None:
    # Data loaded by other means: no constraint, no index. The hinted reads name the iri
    # index; without it Neo4j must plan them as it did before, not refuse them.
    empty_db.execute_query(
        "CREATE (:Resource:Customer {iri: $iri, id: 'C-1', name: 'Acme'})",
        iri=Container(settings).ontology.entity_iri("Customer", "C-1"),
    )
    container = Container(settings)
    try:
        page = container.changes.violations_page("Customer")
        assert page.focus_nodes == 1
        report = container.validate_all()
        assert report.focus_nodes >= 1
    finally:
        container.close()
