"""RDF → Neo4j → RDF is lossless, against the real test Neo4j.

Specification: export(import(G)) is isomorphic to G for any graph without blank nodes;
blank nodes come back as genid IRIs; names from data never change a query; importing
twice changes nothing; a bad file is reported with its line and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from semgraph.config import Settings
from semgraph.exceptions import InvalidInputError
from semgraph.rdf import export_graph, export_rdf, import_file, import_graph
from semgraph.rdf.exporter import deskolemize
from semgraph.rdf.importer import GENID
from semgraph.rdf.names import SG

ID = "https://semgraph.io/id/"
EX = "http://example.org/"
# Valid IRIs (rdflib cannot compare others) that would still break naive Cypher; the
# hostile-IRI test below also covers spaces, quotes and backticks.
NODES = [
    f"{ID}Customer/c1",
    f"{ID}Customer/c2",
    f"{ID}Contract/k-1",
    EX + "a%20b",
    EX + "x')-[:X]-(n)DETACH+DELETE+n//",
    "urn:isbn:0451450523",
    EX + "ünï/κόσμε",
]
PREDICATES = [
    SG + "creditLimit",
    SG + "name",
    SG + "hasSla",
    str(RDFS.label),
    EX + "p']-()DELETE+n//",
    EX + "has:colon",
    "http://xmlns.com/foaf/0.1/knows",
]
CLASSES = [SG + "Customer", SG + "Contract", EX + "Weird(Class):X", str(RDFS.Class)]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
OFFSETS = st.integers(-14 * 4, 14 * 4).map(lambda q: dt.timezone(dt.timedelta(minutes=15 * q)))
LITERALS = st.one_of(
    TEXT.map(Literal),
    st.builds(lambda s, lang: Literal(s, lang=lang), TEXT, st.sampled_from(["en", "zh-Hans"])),
    st.integers(-(2**70), 2**70).map(Literal),
    st.booleans().map(Literal),
    st.floats(allow_nan=False).map(Literal),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(Literal),
    st.dates().map(Literal),
    st.datetimes(timezones=OFFSETS).map(Literal),
    st.datetimes().map(Literal),
    TEXT.map(lambda s: Literal(s, datatype=URIRef(EX + "dt/code"))),
)
IRI_NODES = st.sampled_from(NODES).map(URIRef)
TRIPLES = st.one_of(
    st.tuples(IRI_NODES, st.sampled_from(PREDICATES).map(URIRef), LITERALS),
    st.tuples(IRI_NODES, st.sampled_from(PREDICATES).map(URIRef), IRI_NODES),
    st.tuples(IRI_NODES, st.just(RDF.type), st.sampled_from(CLASSES).map(URIRef)),
)
HYPOTHESIS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def graph_of(triples: list[tuple[URIRef, URIRef, URIRef | Literal | BNode]]) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def wipe(driver: neo4j.Driver, database: str) -> None:
    driver.execute_query("MATCH (n) DETACH DELETE n", database_=database)


@HYPOTHESIS
@given(st.lists(TRIPLES, max_size=25))
def test_graphs_without_blank_nodes_round_trip_isomorphic(
    empty_db: neo4j.Driver, settings: Settings, triples: list
) -> None:
    db = settings.neo4j_database
    wipe(empty_db, db)
    graph = graph_of(triples)
    import_graph(empty_db, graph, db, batch_size=7)  # small batches: many transactions
    assert isomorphic(export_graph(empty_db, db), graph)


@HYPOTHESIS
@given(st.lists(TRIPLES, max_size=12), st.lists(st.tuples(IRI_NODES, LITERALS), max_size=4))
def test_blank_nodes_come_back_skolemised(
    empty_db: neo4j.Driver, settings: Settings, triples: list, bnode_props: list
) -> None:
    db = settings.neo4j_database
    wipe(empty_db, db)
    graph = graph_of(triples)
    for i, (iri, value) in enumerate(bnode_props):
        blank = BNode()
        graph.add((iri, URIRef(SG + "hasAddress"), blank))
        graph.add((blank, URIRef(SG + "line"), value))
        graph.add((blank, URIRef(SG + "rank"), Literal(i)))
    report = import_graph(empty_db, graph, db)
    assert report.blank_nodes == len(bnode_props)
    exported = export_graph(empty_db, db)
    genids = {n for t in exported for n in t if isinstance(n, URIRef) and n.startswith(GENID)}
    assert len(genids) == len(bnode_props)
    assert isomorphic(deskolemize(exported), graph)
    # named by content: the same graph, or its deskolemised export, imports as a no-op
    import_graph(empty_db, graph, db)
    import_graph(empty_db, deskolemize(exported), db)
    assert set(export_graph(empty_db, db)) == set(exported)


def test_rdf_xml_with_blank_nodes_round_trips_through_deskolemize(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    db = settings.neo4j_database
    source = tmp_path / "nested.ttl"
    source.write_text(
        f"""
        @prefix sg: <{SG}> .
        @prefix ex: <{EX}> .
        ex:c1 sg:hasAddress [ sg:line "Rue 1" ; ex:geo [ ex:lat 1.5 ; ex:lon 2.5 ] ] ;
              ex:tags ( "a" "b" "c" ) .
        [] a ex:Orphan ; ex:note "no subject points here" .
        """,
        encoding="utf-8",
    )
    original = Graph().parse(source)
    # a genid of the uuid kind older imports minted: its hex may start with a digit
    legacy = URIRef(GENID + "0f3e9a")
    import_graph(empty_db, graph_of([(legacy, URIRef(EX + "p"), Literal("old"))]), db)
    report = import_file(empty_db, source, db)
    assert report.blank_nodes == 2 + 3 + 1  # address and its geo, list cells, orphan

    exported = tmp_path / "out.rdf"
    with exported.open("wb") as sink:
        export_rdf(empty_db, sink, db, format="xml", deskolemized=True)
    node_ids = {
        value
        for element in ElementTree.parse(exported).iter()
        for key, value in element.attrib.items()
        if key == f"{{{RDF}}}nodeID"
    }
    assert len(node_ids) == 7
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9._-]*", n) for n in node_ids), node_ids
    assert "b0f3e9a" in node_ids
    read_back = Graph().parse(exported, format="xml")
    expected = original + graph_of([(BNode(), URIRef(EX + "p"), Literal("old"))])
    assert isomorphic(read_back, expected)

    before = set(export_graph(empty_db, db))
    import_file(empty_db, source, db)  # the same file again
    assert set(export_graph(empty_db, db)) == before


def test_business_entities_get_class_labels_ids_and_native_values(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "customers.ttl"
    path.write_text(
        """
        @prefix sg: <https://semgraph.io/ontology#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix ex: <http://example.org/> .
        <https://semgraph.io/id/Customer/c1> a sg:Customer ;
            sg:name "Acme" ; sg:creditLimit 500000.0 ; sg:rating "A", "B" ;
            sg:since "2024-01-31"^^xsd:date ; sg:active true ;
            rdfs:label "Acme"@en, "艾克米"@zh ; ex:tag "x" ;
            sg:hasContract <https://semgraph.io/id/Contract/k1> .
        """,
        encoding="utf-8",
    )
    db = settings.neo4j_database
    import_file(empty_db, path, db)
    record = empty_db.execute_query(
        "MATCH (c:Resource:Customer {id: 'c1'})-[:hasContract]->(k:Resource {id: 'k1'}) "
        "RETURN c, k",
        database_=db,
    ).records[0]
    customer = dict(record["c"])
    assert customer["name"] == "Acme"
    assert customer["creditLimit"] == 500000.0
    assert customer["rating"] == ["A", "B"]
    assert customer["since"].to_native() == dt.date(2024, 1, 31)
    assert customer["active"] is True
    assert customer["ex__tag"] == "x"
    assert customer["_lit_rdfs__label"] == ["@en Acme", "@zh 艾克米"]
    prefixes = empty_db.execute_query(
        "MATCH (p:_NsPrefix {prefix: 'ex'}) RETURN p.namespace AS ns", database_=db
    ).records
    assert prefixes[0]["ns"] == EX
    assert isomorphic(export_graph(empty_db, db), Graph().parse(path))


@pytest.mark.parametrize(
    ("suffix", "fmt"), [(".ttl", "turtle"), (".rdf", "xml"), (".jsonld", "json-ld"), (".nt", "nt")]
)
def test_every_file_format_imports_and_exports(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path, suffix: str, fmt: str
) -> None:
    graph = Graph()
    customer = URIRef(ID + "Customer/c9")
    graph.add((customer, RDF.type, URIRef(SG + "Customer")))
    graph.add((customer, URIRef(SG + "creditLimit"), Literal(Decimal("1200.5"))))
    graph.add((customer, RDFS.label, Literal("Nine", lang="en")))
    graph.add((customer, URIRef(SG + "hasSla"), URIRef(ID + "Sla/s1")))
    path = tmp_path / f"data{suffix}"
    graph.serialize(path, format=fmt)
    db = settings.neo4j_database
    import_file(empty_db, path, db)
    for out_format in ("turtle", "nt", "json-ld", "xml"):
        buffer = io.BytesIO()
        report = export_rdf(empty_db, buffer, db, format=out_format)
        assert report.triples == len(graph)
        parsed = Graph().parse(data=buffer.getvalue(), format=out_format)
        assert isomorphic(parsed, graph), out_format


def test_importing_twice_changes_nothing(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "twice.ttl"
    path.write_text(
        f'<{ID}Customer/c1> a <{SG}Customer> ; <{SG}knows> <{EX}b> ; <{EX}p> "v"@en, 1 .\n',
        encoding="utf-8",
    )
    db = settings.neo4j_database
    count = "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
    import_file(empty_db, path, db)
    first = empty_db.execute_query(count, database_=db).records[0]
    before = export_graph(empty_db, db)
    import_file(empty_db, path, db)
    assert empty_db.execute_query(count, database_=db).records[0] == first
    assert isomorphic(export_graph(empty_db, db), before)


def test_hostile_iris_are_data_not_cypher(empty_db: neo4j.Driver, settings: Settings) -> None:
    db = settings.neo4j_database
    bait = URIRef(EX + "bait")
    empty_db.execute_query("CREATE (:Bait {keep: true})", database_=db)
    graph = Graph()
    for text in ["`) DETACH DELETE n //", "a b", "x'y\"z", "}) MATCH (m) DETACH DELETE m //"]:
        graph.add((bait, URIRef(EX + text), Literal(text)))
        graph.add((bait, URIRef(EX + text), URIRef(EX + "o" + text)))
        graph.add((bait, RDF.type, URIRef(EX + "C" + text)))
    import_graph(empty_db, graph, db)
    assert (
        empty_db.execute_query("MATCH (b:Bait) RETURN count(b) AS n", database_=db).records[0]["n"]
        == 1
    )
    # rdflib cannot canonicalise invalid IRIs; without blank nodes, equal sets suffice.
    assert set(export_graph(empty_db, db)) == set(graph)


def test_a_malformed_file_names_file_and_line_and_writes_nothing(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text(f'<{EX}a> <{EX}p> "ok" .\n<{EX}b> <{EX}p> "missing dot"\n<{EX}c> .\n')
    db = settings.neo4j_database
    with pytest.raises(InvalidInputError) as err:
        import_file(empty_db, path, db)
    assert str(path) in str(err.value)
    assert err.value.line is not None
    assert (
        empty_db.execute_query("MATCH (n) RETURN count(n) AS n", database_=db).records[0]["n"] == 0
    )


def test_missing_files_and_unknown_formats_are_clear_errors(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    db = settings.neo4j_database
    with pytest.raises(InvalidInputError, match="file not found"):
        import_file(empty_db, tmp_path / "nope.ttl", db)
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(InvalidInputError, match="cannot tell the RDF format"):
        import_file(empty_db, tmp_path / "data.csv", db)
    with pytest.raises(InvalidInputError, match="unknown RDF format") as err:
        import_file(empty_db, tmp_path / "data.csv", db, format="turtel")
    assert "turtle" in str(err.value)
    with pytest.raises(InvalidInputError, match="unknown export format"):
        export_rdf(empty_db, io.BytesIO(), db, format="yaml")


def test_values_written_by_other_code_are_exported_natively(
    empty_db: neo4j.Driver, settings: Settings
) -> None:
    db = settings.neo4j_database
    empty_db.execute_query(
        "CREATE (:Resource:Customer {iri: $iri, id: 'c5', creditLimit: 10.5, tier: 'A', "
        "_internal: 1, loc: point({x: 1, y: 2})})",
        iri=ID + "Customer/c5",
        database_=db,
    )
    buffer = io.BytesIO()
    report = export_rdf(empty_db, buffer, db, format="nt")
    c5 = URIRef(ID + "Customer/c5")
    expected = graph_of(
        [
            (c5, RDF.type, URIRef(SG + "Customer")),
            (c5, URIRef(SG + "creditLimit"), Literal(10.5)),
            (c5, URIRef(SG + "tier"), Literal("A")),
        ]
    )
    assert isomorphic(Graph().parse(data=buffer.getvalue(), format="nt"), expected)
    assert len(report.skipped) == 1 and "loc" in report.skipped[0]


def test_decimal_values_keep_their_datatype(empty_db: neo4j.Driver, settings: Settings) -> None:
    db = settings.neo4j_database
    c = URIRef(ID + "Customer/c1")
    graph = graph_of(
        [
            (c, URIRef(SG + "creditLimit"), Literal(Decimal("99.5"))),
            (c, URIRef(SG + "score"), Literal(99.5)),
            (c, URIRef(SG + "code"), Literal("7", datatype=XSD.string)),
        ]
    )
    import_graph(empty_db, graph, db)
    assert isomorphic(export_graph(empty_db, db), graph)


def test_a_graph_a_format_cannot_express_is_refused_clearly(
    empty_db: neo4j.Driver, settings: Settings
) -> None:
    db = settings.neo4j_database
    graph = graph_of([(URIRef(EX + "a"), URIRef(EX + "p/"), Literal("x"))])
    import_graph(empty_db, graph, db)
    with pytest.raises(InvalidInputError, match="cannot be written as xml"):
        export_rdf(empty_db, io.BytesIO(), db, format="xml")
    buffer = io.BytesIO()
    export_rdf(empty_db, buffer, db, format="turtle")
    assert isomorphic(Graph().parse(data=buffer.getvalue(), format="turtle"), graph)
