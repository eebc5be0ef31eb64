"""Loading ontologies into Neo4j: browsable, idempotent, derived schema, offline imports."""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

import neo4j
import pytest

from semgraph.config import Settings
from semgraph.exceptions import InvalidInputError
from semgraph.ontology.graph_loader import default_files, load_ontology
from semgraph.ontology.model import Ontology
from semgraph.ontology.schema import ensure_schema


def _ontology_snapshot(driver: neo4j.Driver) -> str:
    nodes = driver.execute_query(
        "MATCH (t:OntologyTerm) RETURN t.iri AS iri, labels(t) AS l, properties(t) AS p "
        "ORDER BY iri"
    ).records
    rels = driver.execute_query(
        "MATCH (a:OntologyTerm)-[r]->(b) RETURN a.iri AS a, type(r) AS t, b.iri AS b "
        "ORDER BY a, t, b"
    ).records
    return json.dumps([dict(r) for r in nodes] + [dict(r) for r in rels], default=str)


def test_own_ontology_is_browsable_and_loading_twice_changes_nothing(
    empty_db: neo4j.Driver, settings: Settings
) -> None:
    files = default_files(settings.ontology_dir)
    first = load_ontology(empty_db, files, settings.neo4j_database)
    assert first.changed and first.ontology_iri == "https://semgraph.io/ontology"
    assert first.classes >= 21 and first.mappings >= 40
    snapshot = _ontology_snapshot(empty_db)
    second = load_ontology(empty_db, files, settings.neo4j_database)
    assert not second.changed
    assert _ontology_snapshot(empty_db) == snapshot
    # people can walk the ontology in the Browser: SLA's properties, labels in Chinese,
    # and how an ERP field maps onto Customer
    sla = empty_db.execute_query(
        "MATCH (c:OntologyClass {name: 'ServiceLevelAgreement'})<-[:DOMAIN]-(p) "
        "RETURN c.label_zh AS zh, collect(p.name) AS props"
    ).records[0]
    assert sla["zh"] and "uptimeTarget" in sla["props"]
    mapped = empty_db.execute_query(
        "MATCH (s:SourceSystem)<-[:FROM_SYSTEM]-(m:FieldMapping)-[:MAPS_TO_CLASS]->"
        "(:OntologyClass {name: 'Customer'}) RETURN DISTINCT s.name AS system"
    ).records
    assert {"CRM", "ERP"} <= {r["system"] for r in mapped}


def test_schema_is_derived_from_the_ontology_and_idempotent(
    empty_db: neo4j.Driver, settings: Settings
) -> None:
    ontology = Ontology.load(default_files(settings.ontology_dir))
    ensure_schema(empty_db, ontology, settings.neo4j_database)
    ensure_schema(empty_db, ontology, settings.neo4j_database)
    names = {r["name"] for r in empty_db.execute_query("SHOW CONSTRAINTS YIELD name").records}
    expected = {f"sg_{c.name}_id" for c in ontology.concrete_classes()} | {"resource_iri"}
    assert expected <= names
    with pytest.raises(neo4j.exceptions.ConstraintError):
        empty_db.execute_query("CREATE (:Resource:Customer {iri: 'a', id: 'C1'})")
        empty_db.execute_query("CREATE (:Resource:Customer {iri: 'b', id: 'C1'})")


def test_third_party_ontology_with_unreachable_imports_loads_offline(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    # TopQuadrant's DASH vocabulary as shipped inside the pySHACL package: real-world
    # Turtle whose owl:imports point at the web. Copied alone, so that no local file can
    # stand in for the import.
    dash = tmp_path / "dash.ttl"
    dash.write_bytes((resources.files("pyshacl") / "assets" / "dash.ttl").read_bytes())
    started = time.monotonic()
    report = load_ontology(empty_db, [dash], settings.neo4j_database)
    assert time.monotonic() - started < 60
    assert report.classes > 10 and report.properties > 10
    assert report.skipped_imports, "its imports are reported as skipped, not fetched"
    assert all(i.startswith("http") for i in report.skipped_imports)
    count = empty_db.execute_query(
        "MATCH (:Ontology {iri: $iri})<-[:DEFINED_IN]-(c:OntologyClass) RETURN count(c) AS n",
        iri=report.ontology_iri,
    ).records[0]["n"]
    assert count == report.classes


def test_a_term_removed_from_the_file_leaves_the_graph_on_reload(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "tiny.ttl"
    header = (
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://example.org/tiny> a owl:Ontology .\n"
        "<https://example.org/tiny#A> a owl:Class ; rdfs:label 'A'@en .\n"
    )
    source.write_text(header + "<https://example.org/tiny#B> a owl:Class .\n")
    load_ontology(empty_db, [source], settings.neo4j_database)
    source.write_text(header)
    load_ontology(empty_db, [source], settings.neo4j_database)
    names = {
        r["n"] for r in empty_db.execute_query("MATCH (c:OntologyClass) RETURN c.name AS n").records
    }
    assert names == {"A"}


def test_malformed_ontology_names_file_and_line_and_writes_nothing(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n\n"
        '<https://x.org/A> a owl:Class .\n<https://x.org/B> a "unterminated .\n'
    )
    with pytest.raises(InvalidInputError) as err:
        load_ontology(empty_db, [broken], settings.neo4j_database)
    assert "broken.ttl" in str(err.value)
    assert empty_db.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"] == 0
