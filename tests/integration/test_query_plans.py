"""The write path's lookups by iri seek the unique index, whatever the graph held when
Neo4j first planned them (``KEEP_PLAN`` keeps that plan for the life of the process)."""

from __future__ import annotations

from typing import Any

import neo4j

from semgraph.bootstrap import Container
from semgraph.changes import queries as change_queries
from semgraph.master_data import queries as master_queries


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
    iris = [f"urn:c:{i}" for i in range(100)]
    params = {"iris": iris, "rows": [{"iri": i, "props": {}} for i in iris], "iri": iris[0]}
    params |= {"props": {}, "at": None}
    scanned = {}
    for name, query in queries.items():
        with empty_db.session() as session:
            summary = session.run("EXPLAIN " + query, params).consume()
        assert summary.plan is not None
        if scans := _scans(summary.plan):
            scanned[name] = scans
    assert not scanned
