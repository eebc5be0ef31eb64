"""Compiled pass checks clear only what pySHACL clears: same results, result for result.

Differential: generated entities of every class of the ontology, good and bad (missing
required values, two values of a single-valued property, a text where a number belongs,
an unknown code, a relationship to an entity of the wrong class or to one the graph does
not hold), are validated by an engine with the pass checks and by one that gives pySHACL
every shape; both must report the same results, field by field.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, SH, Graph, Literal, URIRef
from rdflib.term import Node

from semgraph.bootstrap import reach_for
from semgraph.exceptions import ShapeEvaluationError
from semgraph.ontology import Ontology
from semgraph.shapes import ShapeSet, load_shapes
from semgraph.validation.engine import ShapeEngine
from semgraph.validation.focus import FocusValidator
from semgraph.validation.passes import compile_pass_check
from semgraph.validation.rdf_view import EdgeRecord, NodeRecord, RdfView, ValidationGraph
from semgraph.validation.sparql_passes import SparqlPassCheck, compile_sparql_pass

SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


@pytest.fixture(scope="module")
def shape_set(ontology: Ontology) -> ShapeSet:
    return load_shapes(SHAPES_DIR, ontology)


# Engines are long-lived in semgraph (one per process) and building one compiles every
# pass check (~1 s): the module's tests share them.
@pytest.fixture(scope="module")
def checked(shape_set: ShapeSet) -> ShapeEngine:
    """The engine as semgraph runs it: compiled pass checks first, pySHACL for the rest."""
    return ShapeEngine(shape_set)


@pytest.fixture(scope="module")
def reference(shape_set: ShapeSet) -> ShapeEngine:
    """pySHACL given every shape: what the pass checks must agree with."""
    return ShapeEngine(shape_set, pass_checks=False)


GOOD: dict[str, list[Any]] = {
    "string": ["Berg GmbH", "北京贸易有限公司", ""],
    "decimal": [Decimal("12.50"), 0, -3.25, 100000],
    "integer": [1, 0, 42],
    "boolean": [True, False],
    "date": [dt.date(2026, 2, 28), "2026-02-28"],
    "dateTime": [dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)],
}
BAD: list[Any] = ["not a number", 3.5, True, "2026-02-31", dt.date(2026, 1, 1), 7, None]


def value(rnd: random.Random, datatype: str, codes: tuple[str, ...]) -> Any:
    if codes and rnd.random() < 0.8:
        return rnd.choice(codes)
    if rnd.random() < 0.75:
        return rnd.choice(GOOD.get(datatype, ["x"]))
    return rnd.choice(BAD)


def entities(
    ontology: Ontology, seed: int, per_class: int
) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """Entities of every concrete class, each property good most of the time."""
    rnd = random.Random(seed)
    classes = [c.name for c in ontology.concrete_classes()]
    iris = {
        cls: [ontology.entity_iri(cls, f"{cls[:3]}-{seed}-{i}") for i in range(per_class)]
        for cls in classes
    }
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    for cls in classes:
        for iri in iris[cls]:
            props: dict[str, Any] = {"iri": iri, "version": 1}
            for name, prop in ontology.datatype_properties(cls).items():
                card = ontology.cardinality(cls, name)
                roll = rnd.random()
                if (roll < 0.1 and card.min) or (roll < 0.3 and not card.min):
                    continue  # a value missing (a required one now and then)
                codes = tuple(prop.allowed_values or ())
                props[name] = value(rnd, prop.datatype, codes)
                if rnd.random() < 0.05:  # a second value
                    props[name] = [props[name], value(rnd, prop.datatype, codes)]
            for name, oprop in ontology.object_properties(cls).items():
                card = ontology.cardinality(cls, name)
                if rnd.random() < (0.1 if card.min else 0.5):
                    continue
                ranges = list(oprop.ranges or (oprop.range,))
                for _ in range(2 if rnd.random() < 0.05 else 1):
                    roll = rnd.random()
                    if roll < 0.08:  # the wrong class
                        target_cls = rnd.choice(classes)
                    elif roll < 0.12:  # an entity outside the graph read
                        edges.append(EdgeRecord(iri, name, f"{iri}-missing"))
                        continue
                    else:
                        target_cls = rnd.choice(ranges)
                    if target_cls in iris:  # not an abstract range
                        edges.append(EdgeRecord(iri, name, rnd.choice(iris[target_cls])))
            nodes.append(NodeRecord(iri, cls, props))
    return nodes, edges


def fields(results: list[Any]) -> list[dict[str, Any]]:
    out = [r.model_dump() for r in results]
    for data in out:
        if data.get("terms"):
            data["terms"]["messages"] = sorted(data["terms"]["messages"])
    return sorted(out, key=repr)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pass_checks_leave_every_result_pyshacl_reports(
    ontology: Ontology,
    shape_set: ShapeSet,
    checked: ShapeEngine,
    reference: ShapeEngine,
    seed: int,
) -> None:
    nodes, edges = entities(ontology, seed, per_class=12)
    data = ValidationGraph()
    view = RdfView(ontology)
    view.add_nodes(data, nodes)
    view.add_edges(data, edges)
    created = {n.iri for n in nodes[::3]}
    view.add_change(data, f"T{seed}", {"sourceSystem": "ERP"}, {}, {}, created)
    focus = [n.iri for n in nodes]
    compiled = {iri for iri in shape_set.shapes if checked.pass_check(iri) is not None}
    assert len(compiled) >= 10, "the derived integrity shapes compile"

    expected = reference.validate(data, focus)
    assert fields(checked.validate(data, focus)) == fields(expected)
    components = {
        str(r.source_constraint_component).rsplit("#", 1)[-1]
        for r in expected
        if r.shape in compiled
    }
    # the data exercises every compiled component, good and bad
    assert {
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
        "DatatypeConstraintComponent",
        "InConstraintComponent",
        "ClassConstraintComponent",
    } <= components
    failing = {r.focus_node for r in expected if r.shape in compiled}
    assert len(failing) < len(nodes), "some entities conform"
    changed = set(focus[::3])
    assert fields(checked.validate(data, focus, changed)) == fields(
        reference.validate(data, focus, changed)
    )


SHAPE = URIRef("http://example.org/S")


def shape_with(*extra: tuple[Any, Any]) -> Graph:
    g = Graph()
    prop = URIRef("http://example.org/S-p")
    g.add((SHAPE, SH.property, prop))
    g.add((prop, SH.path, URIRef("http://example.org/p")))
    for predicate, obj in extra:
        g.add((prop, predicate, obj))
    return g


@pytest.mark.parametrize(
    ("extra", "compiles"),
    [
        ((SH.minCount, Literal(1)), True),
        ((SH.datatype, URIRef("http://www.w3.org/2001/XMLSchema#string")), True),
        # constraints the check does not decide, or decides no better than pySHACL: left
        ((SH.pattern, Literal("^a")), False),
        ((SH.deactivated, Literal(True)), False),
        ((SH.datatype, URIRef("http://www.w3.org/2001/XMLSchema#gYear")), False),
        ((SH.minCount, Literal("1")), False),
    ],
)
def test_only_shapes_a_lookup_decides_are_compiled(extra: tuple[Any, Any], compiles: bool) -> None:
    assert (compile_pass_check(shape_with(extra), SHAPE) is not None) is compiles


RULE = "https://semgraph.io/shapes/rule/"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
VALUES: list[Node] = [
    Literal(5),
    Literal(0),
    Literal(-2),
    Literal(Decimal("-0.5")),
    Literal(Decimal("600000.50")),
    Literal("abc"),  # rdflib orders a text against a number: "abc" > 0 holds there
    Literal("-5", datatype=URIRef(XSD_NS + "string")),
    Literal("confirmed"),
    Literal("confirmed", lang="en"),
    Literal(True),
    Literal(-3.5),  # a double: not compared here
    Literal("x", datatype=URIRef(XSD_NS + "integer")),  # ill-typed
    URIRef("https://semgraph.io/id/Thing/1"),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_sparql_pass_checks_clear_only_where_pyshacl_reports_nothing(
    checked: ShapeEngine, reference: ShapeEngine, value: Node
) -> None:
    """The YAML rules compile to SPARQL pass checks; on every kind of value of the
    properties their conditions compare, the results are pySHACL's given every shape."""
    sg = "https://semgraph.io/ontology#"
    line, order = (
        URIRef("https://semgraph.io/id/OrderLine/L1"),
        URIRef("https://semgraph.io/id/SalesOrder/O1"),
    )
    data = ValidationGraph()
    data.add((line, RDF.type, URIRef(sg + "OrderLine")))
    data.add((line, URIRef(sg + "quantity"), value))
    data.add((line, URIRef(sg + "unitPrice"), Literal(Decimal("1.50"))))
    data.add((order, RDF.type, URIRef(sg + "SalesOrder")))
    data.add((order, URIRef(sg + "totalAmount"), value))
    data.add((order, URIRef(sg + "status"), value))
    focus = [str(line), str(order)]
    for rule in ("order-line-negative-quantity", "sales-order-negative-total"):
        assert isinstance(checked.pass_check(RULE + rule), SparqlPassCheck), rule
    expected = reference.validate(data, focus)
    assert fields(checked.validate(data, focus)) == fields(expected)
    cleared = checked._clears(RULE + "order-line-negative-quantity", data, line)
    if value in (Literal(5), Literal(0)):
        assert cleared  # a good quantity needs no pySHACL run
    if value == Literal(-2):
        assert not cleared
        assert any(r.shape == RULE + "order-line-negative-quantity" for r in expected)


@pytest.mark.parametrize(
    ("query", "compiles"),
    [
        ("SELECT $this WHERE { $this <http://example.org/p> ?x . FILTER (?x < 0) }", True),
        ("SELECT $this WHERE { $this ex:p ?x }", False),  # a prefix pySHACL declares
        ("SELECT $this WHERE { $this $PATH ?x }", False),
        ("SELECT ?s WHERE { ?s <http://example.org/p> ?x }", False),  # no $this to bind
        ("ASK { $this <http://example.org/p> ?x }", False),
    ],
)
def test_only_sparql_a_lookup_can_decide_is_compiled(query: str, compiles: bool) -> None:
    g = Graph()
    constraint = URIRef("http://example.org/S-sparql")
    g.add((SHAPE, SH.sparql, constraint))
    g.add((constraint, SH.ask if query.startswith("ASK") else SH.select, Literal(query)))
    assert (compile_sparql_pass(g, SHAPE) is not None) is compiles
    g.add((SHAPE, SH.deactivated, Literal(True)))
    assert compile_sparql_pass(g, SHAPE) is None


@pytest.mark.parametrize("status", ["shipped", "confirmed"])
def test_a_shape_reading_a_linked_entitys_value_is_decided_through_the_link(
    checked: ShapeEngine, reference: ShapeEngine, status: str
) -> None:
    """OrderLineOversell (hand-written, prefixed names) needs the line's order to be
    confirmed: a line of a shipped order is cleared without pySHACL, a line of a confirmed
    one is not, and the results are pySHACL's given every shape either way."""
    sg = "https://semgraph.io/ontology#"
    line = URIRef("https://semgraph.io/id/OrderLine/L1")
    order = URIRef("https://semgraph.io/id/SalesOrder/O1")
    product = URIRef("https://semgraph.io/id/Product/P1")
    data = ValidationGraph()
    for triple in [
        (line, RDF.type, URIRef(sg + "OrderLine")),
        (line, URIRef(sg + "quantity"), Literal(10)),
        (line, URIRef(sg + "salesOrder"), order),
        (line, URIRef(sg + "product"), product),
        (order, RDF.type, URIRef(sg + "SalesOrder")),
        (order, URIRef(sg + "status"), Literal(status)),
        (product, RDF.type, URIRef(sg + "Product")),
        (line, URIRef("https://semgraph.io/meta#createdIn"), URIRef("urn:semgraph:change:T")),
    ]:
        data.add(triple)
    oversell = "https://semgraph.io/shapes/OrderLineOversell"
    assert isinstance(checked.pass_check(oversell), SparqlPassCheck)
    assert checked._clears(oversell, data, line) is (status == "shipped")
    expected = reference.validate(data, [str(line)])
    assert fields(checked.validate(data, [str(line)])) == fields(expected)
    assert any(r.shape == oversell for r in expected) is (status == "confirmed")


CREDIT = "https://semgraph.io/shapes/CustomerCreditLimitDisagreement"
LIMITS: list[Node | None] = [
    Literal(Decimal("100000")),
    Literal(Decimal("100500.00")),  # within 1 %: rounding, not a disagreement
    Literal(120000),  # an integer 20 % higher
    Literal(Decimal("99000")),  # exactly 1 % lower: not more than 1 %
    Literal("a lot"),  # a text: the arithmetic errs, the filter is false
    Literal("x", datatype=URIRef(XSD_NS + "decimal")),  # ill-typed
    Literal(1.0e5),  # a double
    None,  # not reported
]


@pytest.mark.parametrize("golden", [Literal(Decimal("100000")), None], ids=["golden", "none"])
@pytest.mark.parametrize("erp", LIMITS, ids=repr)
def test_a_rule_comparing_two_systems_figures_is_decided_row_by_row(
    checked: ShapeEngine, reference: ShapeEngine, erp: Node | None, golden: Node | None
) -> None:
    """CustomerCreditLimitDisagreement compares every system's credit limit with the
    golden record's and each other system's by arithmetic: the pass check enumerates
    those rows and evaluates the filter as rdflib does. A customer whose systems agree is
    cleared without pySHACL; the results are pySHACL's given every shape whatever the
    values."""
    sg = "https://semgraph.io/ontology#"
    customer = URIRef("https://semgraph.io/id/Customer/C1")
    data = ValidationGraph()
    data.add((customer, RDF.type, URIRef(sg + "Customer")))
    data.add((customer, URIRef(sg + "name"), Literal("Berg GmbH")))
    if golden is not None:
        data.add((customer, URIRef(sg + "creditLimit"), golden))
    reported = {"CRM": Literal(Decimal("100000")), "ERP": erp}
    for system, limit in reported.items():
        record = URIRef(f"https://semgraph.io/id/SystemRecord/{system}-1")
        data.add((customer, URIRef(sg + "hasSystemRecord"), record))
        data.add((record, RDF.type, URIRef(sg + "SystemRecord")))
        data.add((record, URIRef(sg + "sourceSystem"), Literal(system)))
        if limit is not None:
            data.add((record, URIRef(sg + "reportedCreditLimit"), limit))
    assert isinstance(checked.pass_check(CREDIT), SparqlPassCheck)
    cleared = checked._clears(CREDIT, data, customer)
    try:
        expected = reference.validate(data, [str(customer)])
    except ShapeEvaluationError as exc:  # rdflib fails on ill-typed arithmetic
        assert not cleared
        with pytest.raises(ShapeEvaluationError) as raised:
            checked.validate(data, [str(customer)])
        assert str(raised.value) == str(exc)
        return
    assert fields(checked.validate(data, [str(customer)])) == fields(expected)
    fires = any(r.shape == CREDIT for r in expected)
    assert not (cleared and fires)
    if erp in (Literal(Decimal("100000")), Literal(Decimal("100500.00")), None):
        assert cleared and not fires  # systems that agree need no pySHACL run
    if erp == Literal(120000):
        assert fires


def test_rows_a_rule_may_refuse_on_their_own_values_are_told_apart(
    ontology: Ontology, shape_set: ShapeSet, checked: ShapeEngine
) -> None:
    """``FocusValidator.doubtful`` (the sync gives such rows a change set of their own):
    order lines with a negative or a missing quantity or a text line number are doubted,
    good ones are not, and none for lacking a relationship the row does not carry (its
    order, which the OrderLine shape requires)."""
    focus = FocusValidator(ontology, reach_for(ontology, shape_set), checked)
    lines = {
        "good": {"quantity": 3, "unitPrice": 9.5, "lineNumber": 10},
        "negative": {"quantity": -2, "unitPrice": 9.5, "lineNumber": 20},
        "zero": {"quantity": 0, "unitPrice": 9.5, "lineNumber": 30},
        "missing": {"unitPrice": 9.5, "lineNumber": 40},
        "text": {"quantity": 1, "unitPrice": 9.5, "lineNumber": "fifty"},
    }
    nodes = [
        NodeRecord(
            ontology.entity_iri("OrderLine", name), "OrderLine", {"id": name, "iri": "x", **props}
        )
        for name, props in lines.items()
    ]
    doubted = focus.doubtful(nodes)
    assert doubted == {ontology.entity_iri("OrderLine", n) for n in ("negative", "missing", "text")}
    engine = focus.engine
    checks = focus._own_value_checks("OrderLine")
    assert engine.pass_check(RULE + "order-line-negative-quantity") in checks
    oversell = engine.pass_check("https://semgraph.io/shapes/OrderLineOversell")
    assert oversell is not None and oversell not in checks  # it reads links


@pytest.mark.parametrize("seed", [4, 5])
def test_what_no_shape_reads_where_it_sits_is_left_out_and_no_verdict_moves(
    ontology: Ontology,
    shape_set: ShapeSet,
    checked: ShapeEngine,
    reference: ShapeEngine,
    seed: int,
) -> None:
    """``FocusValidator.triples``: a neighbour's properties that no shape may read beyond
    its focus node get no triple (the derived shapes read a focus node's own values), the
    focus nodes keep all they may be checked on, and every result, pass checks and pySHACL
    alike, is what the whole neighbourhood gives."""
    focus = FocusValidator(ontology, reach_for(ontology, shape_set), checked)
    at_focus, beyond = focus.reads(["OrderLine"])
    assert at_focus is not None and beyond is not None, "the repo's shapes name what they read"
    assert at_focus("lineNumber")  # the OrderLine shape checks a line's own number
    assert not at_focus("email")  # no shape of an order line reads an email
    assert beyond("quantity")  # the oversell rule reads the product's other lines
    assert not beyond("lineNumber") and not beyond("email")
    assert focus.reads(["Customer"])[1] is not None and focus.reads(["Customer"])[1]("creditLimit")
    nodes, edges = entities(ontology, seed, per_class=12)
    whole = ValidationGraph()
    focus.view.add_nodes(whole, nodes)
    focus.view.add_edges(whole, edges)
    iris = {n.iri for n in nodes[::2]}
    cut = focus.triples(nodes, edges, iris)
    assert len(cut) < len(whole)
    for engine in (focus.engine, reference):
        expected = engine.validate(whole, sorted(iris))
        assert fields(engine.validate(cut, sorted(iris))) == fields(expected)
        rules = {r.shape.rsplit("/", 1)[-1] for r in expected}
        assert "OrderLine" in rules and len(rules) > 3, rules
