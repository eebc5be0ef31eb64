"""The batch validator's compiled checks give pySHACL's verdicts, result for result.

Differential: generated entities of every class of the ontology, good and bad (missing
required values, two values of a single-valued property, a text where a number belongs,
an unknown code, a relationship to an entity of the wrong class or to one the graph does
not hold), are validated once by pySHACL alone (``ShapeEngine.validate``) and once by
``BatchValidator``; both must report the same results: focus nodes, paths, values,
shapes, components, severities and messages.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from semgraph.ontology import Ontology
from semgraph.shapes import ShapeSet, load_shapes
from semgraph.validation.batch import BatchValidator
from semgraph.validation.engine import ShapeEngine, result_order
from semgraph.validation.rdf_view import EdgeRecord, NodeRecord, RdfView, ValidationGraph
from semgraph.validation.results import ValidationResult

SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


@pytest.fixture(scope="module")
def shape_set(ontology: Ontology) -> ShapeSet:
    return load_shapes(SHAPES_DIR, ontology)


@pytest.fixture(scope="module")
def engine(shape_set: ShapeSet) -> ShapeEngine:
    return ShapeEngine(shape_set)


GOOD: dict[str, list[Any]] = {
    "string": ["Berg GmbH", "北京贸易有限公司", ""],
    "decimal": [Decimal("12.50"), 0, -3.25, 100000],
    "integer": [1, 0, 42],
    "boolean": [True, False],
    "date": [dt.date(2026, 2, 28), "2026-02-28"],
    "dateTime": [dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)],
}
BAD: list[Any] = ["not a number", 3.5, True, "2026-02-31", dt.date(2026, 1, 1), 7]


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
                if roll < 0.1 and card.min:
                    continue  # a required value missing
                if roll < 0.3 and not card.min:
                    continue
                codes = tuple(prop.allowed_values or ())
                props[name] = value(rnd, prop.datatype, codes)
                if rnd.random() < 0.05:  # a second value
                    props[name] = [props[name], value(rnd, prop.datatype, codes)]
            for name, oprop in ontology.object_properties(cls).items():
                card = ontology.cardinality(cls, name)
                if rnd.random() < (0.1 if card.min else 0.5):
                    continue
                ranges = list(oprop.ranges or (oprop.range,))
                count = 2 if rnd.random() < 0.05 else 1
                for _ in range(count):
                    roll = rnd.random()
                    if roll < 0.08:  # the wrong class
                        target_cls = rnd.choice(classes)
                    elif roll < 0.12:  # an entity outside the graph read
                        edges.append(EdgeRecord(iri, name, f"{iri}-missing"))
                        continue
                    else:
                        target_cls = rnd.choice(ranges)
                    if target_cls not in iris:
                        continue  # an abstract range: no entity of exactly that class
                    edges.append(EdgeRecord(iri, name, rnd.choice(iris[target_cls])))
            nodes.append(NodeRecord(iri, cls, props))
    return nodes, edges


def earlier(props: dict[str, Any]) -> dict[str, Any]:
    """The same values with every number a little smaller (and some much smaller)."""
    out = dict(props)
    for name, v in props.items():
        if isinstance(v, int | float | Decimal) and not isinstance(v, bool) and name != "version":
            out[name] = v / 3 if isinstance(v, int | float) and v > 10 else v - 1
    return out


def comparable(results: list[ValidationResult]) -> list[dict[str, Any]]:
    """Every field of every result; results equal in the engine's order (two components
    of one property shape failing on one node) are ordered by component and value term."""
    out = []
    for r in results:
        data = r.model_dump()
        data["terms"] = (
            None
            if r.terms is None
            else {
                **r.terms.model_dump(),
                "messages": sorted(r.terms.messages),
            }
        )
        out.append(data)
    return sorted(
        out,
        key=lambda d: (
            *result_order(ValidationResult(**{k: v for k, v in d.items() if k != "terms"})),
            d["source_constraint_component"] or "",
            d["value_term"] or "",
        ),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_validator_reports_what_pyshacl_reports(
    ontology: Ontology, engine: ShapeEngine, seed: int
) -> None:
    nodes, edges = entities(ontology, seed, per_class=12)
    data = ValidationGraph()
    view = RdfView(ontology)
    view.add_nodes(data, nodes)
    view.add_edges(data, edges)
    # the change being validated: a third of the entities created, a third updated (each
    # numeric value was different before), so transition shapes have something to see
    created = {n.iri for n in nodes[::3]}
    before = {n.iri: NodeRecord(n.iri, n.cls, earlier(n.props)) for n in nodes[1::3]}
    after = {n.iri: n for n in nodes}
    view.add_change(data, f"T{seed}", {"sourceSystem": "ERP"}, before, after, created)
    focus = [n.iri for n in nodes]
    batch = BatchValidator(engine)
    assert batch.compiled, "the derived integrity shapes compile"
    assert batch.sparql, "the SPARQL shapes run batched"

    expected = engine.validate(data, focus)
    got = batch.validate(data, focus)
    assert comparable(got) == comparable(expected)
    violations = [r for r in expected if r.shape in batch.compiled]
    components = {
        r.source_constraint_component.rsplit("#", 1)[-1]
        for r in violations
        if r.source_constraint_component
    }
    # the generated data exercises every compiled component, good and bad
    assert {
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
        "DatatypeConstraintComponent",
        "InConstraintComponent",
        "ClassConstraintComponent",
    } <= components
    assert len({r.focus_node for r in violations}) < len(nodes), "some entities conform"
    sparql = [r for r in expected if r.shape in batch.sparql]
    assert {r.severity for r in sparql} == {"Violation", "Warning"}, "SPARQL shapes fired"
    assert len({r.shape for r in sparql}) >= 4

    # only some focus nodes changed: untouched ones skip the shapes of their own change
    changed = set(focus[::3])
    assert comparable(batch.validate(data, focus, changed)) == comparable(
        engine.validate(data, focus, changed)
    )


def test_each_shape_has_one_way_and_only_provable_ones_leave_pyshacl(
    shape_set: ShapeSet, engine: ShapeEngine
) -> None:
    batch = BatchValidator(engine)
    assert not set(batch.compiled) & set(batch.sparql)
    assert all("/integrity/" in iri for iri in batch.compiled)
    assert "https://semgraph.io/shapes/OrderLineOversell" in batch.sparql
    assert any("/rule/" in iri for iri in batch.sparql)
    # a shape with a property constraint pySHACL must evaluate is left to it
    assert "https://semgraph.io/shapes/StockReservedExceedsOnHand" not in batch.compiled
    assert "https://semgraph.io/shapes/StockReservedExceedsOnHand" not in batch.sparql


@pytest.mark.parametrize(
    ("where", "batched"),
    [
        ("?x WHERE { $this ex:p ?x . FILTER NOT EXISTS { $this ex:q ?x } }", True),
        ("?x WHERE { { $this ex:p ?x } { $this ex:q ?y } OPTIONAL { $this ex:r ?z } }", True),
        # inside the WHERE clause: evaluated with each focus node bound, as pre-binding does
        ("?x WHERE { { $this ex:p ?x } UNION { $this ex:q ?x } }", True),
        # around it, over all focus nodes at once, these would mix them up: pySHACL runs them
        ("(COUNT(?x) AS ?n) WHERE { $this ex:p ?x } GROUP BY $this", False),
        ("?x WHERE { $this ex:p ?x } LIMIT 1", False),
        ("?x WHERE { $this ex:p $currentShape }", False),
    ],
)
def test_a_sparql_constraint_runs_batched_only_where_it_provably_equals_pre_binding(
    where: str, batched: bool
) -> None:
    from rdflib import BNode, Graph, Literal
    from rdflib.namespace import SH

    from semgraph.validation.batched_sparql import _prepare

    g = Graph()
    constraint = BNode()
    prefixes = BNode()
    declaration = BNode()
    g.add((constraint, SH.prefixes, prefixes))
    g.add((prefixes, SH.declare, declaration))
    g.add((declaration, SH.prefix, Literal("ex")))
    g.add((declaration, SH.namespace, Literal("http://example.org/")))
    g.add((constraint, SH.select, Literal(f"SELECT $this {where}")))
    assert (_prepare(g, constraint) is not None) is batched
