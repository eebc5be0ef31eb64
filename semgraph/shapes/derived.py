"""Integrity shapes derived from the ontology in code (one source of truth, nothing hand-typed).

For every concrete class ``C`` there is a NodeShape ``<https://semgraph.io/shapes/integrity/C>``
targeting ``sg:C``, with one property shape ``…/integrity/C/<property>`` per property that
has something to check: cardinality (``sh:minCount``/``sh:maxCount``), ``sh:datatype``,
allowed codes (``sh:in``) and, for relationships, the range class (``sh:class``, or
``sh:or`` of classes for a union range or a range with subclasses). All are
``sh:Violation``: a change that breaks the ontology is refused. Messages are generated
from the ontology's en/zh labels.

A property with sub-properties (``rdfs:subPropertyOf``) is checked on its own values and
theirs, ``sh:path [ sh:alternativePath (P sub1 sub2 …) ]``: in OWL a sub-property's values
are values of P, so FIBO's "a contract has two party roles" holds for a contract that
states two ``hasContractParty`` values.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from semgraph.ontology.model import Ontology
from semgraph.ontology.terms import DatatypeProperty, ObjectProperty, OntClass
from semgraph.vocabulary import SG, SGM

SHAPES_BASE = "https://semgraph.io/shapes/"
INTEGRITY_BASE = SHAPES_BASE + "integrity/"
DERIVED_SOURCE = "<derived from ontology>"

_TYPE_EN = {
    "string": "text",
    "decimal": "a decimal number",
    "integer": "an integer",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "dateTime": "a date-time",
}
_TYPE_ZH = {
    "string": "文本",
    "decimal": "小数",
    "integer": "整数",
    "boolean": "布尔值",
    "date": "日期（YYYY-MM-DD）",
    "dateTime": "日期时间",
}


def integrity_shape_iri(cls: str) -> URIRef:
    """IRI of the derived NodeShape for class ``cls``."""
    return URIRef(INTEGRITY_BASE + cls)


def derive_integrity_shapes(ontology: Ontology) -> Graph:
    """Integrity shapes for every concrete class of ``ontology`` (a new rdflib Graph)."""
    g = Graph()
    g.bind("sh", SH)
    g.bind("sg", SG)
    g.bind("sgm", SGM)
    for cls in ontology.concrete_classes():
        _class_shape(g, ontology, cls)
    return g


def _class_shape(g: Graph, ontology: Ontology, cls: OntClass) -> None:
    node = integrity_shape_iri(cls.name)
    g.add((node, RDF.type, SH.NodeShape))
    g.add((node, SH.targetClass, URIRef(cls.iri)))
    g.add((node, SH.severity, SH.Violation))
    g.add((node, RDFS.label, Literal(f"{cls.label_en} integrity", lang="en")))
    g.add((node, RDFS.label, Literal(f"{cls.label_zh}完整性", lang="zh")))
    g.add(
        (
            node,
            RDFS.comment,
            Literal(
                f"Derived from the ontology: every {cls.label_en} must have its required "
                "properties, with the declared datatypes, codes and relationship targets.",
                lang="en",
            ),
        )
    )
    g.add((node, SH.message, Literal(f"{cls.label_en} breaks the ontology", lang="en")))
    g.add((node, SH.message, Literal(f"{cls.label_zh}不符合本体定义", lang="zh")))
    g.add((node, SGM.businessArea, Literal(cls.business_area or "master-data")))
    g.add((node, SGM.notifyRole, Literal("admin")))
    g.add((node, SGM.riskLevel, Literal("medium")))
    # The verdict depends on the node's own values and edges (a link or unlink touches
    # both ends) and on its neighbours' existence (a delete re-checks every reader).
    g.add((node, SGM.triggers, Literal("$this")))
    for name, dprop in ontology.datatype_properties(cls.name).items():
        _datatype_shape(g, ontology, cls, node, dprop, name)
    for name, oprop in ontology.object_properties(cls.name).items():
        _object_shape(g, ontology, cls, node, oprop, name)


def _datatype_shape(
    g: Graph, ontology: Ontology, cls: OntClass, node: URIRef, prop: DatatypeProperty, name: str
) -> None:
    card = ontology.cardinality(cls.name, name)
    path = _path(g, ontology, prop.iri, name)
    ps = _property_shape(g, node, cls, path, name, card.min, card.max)
    g.add((ps, SH.datatype, XSD[prop.datatype]))
    en = [_TYPE_EN.get(prop.datatype, prop.datatype)]
    zh = [_TYPE_ZH.get(prop.datatype, prop.datatype)]
    if prop.allowed_values:
        # Both the xsd:string-typed and the plain form, so data written either way matches.
        items: list[Node] = []
        for code in prop.allowed_values:
            items += [Literal(code, datatype=XSD.string), Literal(code)]
        head = BNode()
        Collection(g, head, items)
        g.add((ps, SH["in"], head))
        en.append("one of " + ", ".join(prop.allowed_values))
        zh.append("取值须为 " + "、".join(prop.allowed_values))
    subs = [ontology.datatype_property(sub) for sub in ontology.sub_properties(name)]
    _sub_property_note(en, zh, [(p.label_en, p.label_zh) for p in subs])
    _messages(g, ps, cls, prop.label_en, prop.label_zh, card.min, card.max, en, zh)


def _object_shape(
    g: Graph, ontology: Ontology, cls: OntClass, node: URIRef, prop: ObjectProperty, name: str
) -> None:
    card = ontology.cardinality(cls.name, name)
    path = _path(g, ontology, prop.iri, name)
    ps = _property_shape(g, node, cls, path, name, card.min, card.max)
    ranges = prop.ranges or (prop.range,)
    accepted = _with_subclasses(ontology, ranges)
    if len(accepted) == 1:
        g.add((ps, SH["class"], URIRef(ontology.iri(accepted[0]))))
    else:
        alternatives: list[Node] = []
        for r in accepted:
            alt = BNode()
            g.add((alt, SH["class"], URIRef(ontology.iri(r))))
            alternatives.append(alt)
        head = BNode()
        Collection(g, head, alternatives)
        g.add((ps, SH["or"], head))
    labels_en = [ontology.cls(r).label_en for r in ranges]
    labels_zh = [ontology.cls(r).label_zh for r in ranges]
    en = ["a " + " or ".join(labels_en)]
    zh = ["须指向" + "或".join(labels_zh)]
    subs = [ontology.object_property(sub) for sub in ontology.sub_properties(name)]
    _sub_property_note(en, zh, [(p.label_en, p.label_zh) for p in subs])
    _messages(g, ps, cls, prop.label_en, prop.label_zh, card.min, card.max, en, zh)


def _path(g: Graph, ontology: Ontology, iri: str, name: str) -> Node:
    """``P`` itself, or ``[ sh:alternativePath (P sub1 sub2 …) ]`` when P has sub-properties."""
    subs = ontology.sub_properties(name)
    if not subs:
        return URIRef(iri)
    head = BNode()
    Collection(g, head, [URIRef(iri), *(URIRef(ontology.iri(sub)) for sub in subs)])
    path = BNode()
    g.add((path, SH.alternativePath, head))
    return path


def _with_subclasses(ontology: Ontology, ranges: tuple[str, ...]) -> list[str]:
    """The range classes and every subclass of them: the data states an entity's own class
    only, with no ``rdfs:subClassOf`` for ``sh:class`` to follow, and a sub-property's
    values are usually of a subclass of P's range (FIBO's ContractParty is a PartyRole)."""
    found = dict.fromkeys(ranges)
    for name, c in sorted(ontology.classes.items()):
        if any(r in c.superclasses for r in ranges):
            found.setdefault(name)
    return list(found)


def _sub_property_note(en: list[str], zh: list[str], labels: list[tuple[str, str]]) -> None:
    """Say which sub-properties count too, so a refused writer knows what else satisfies P."""
    if labels:
        en.append("values of " + ", ".join(f"“{e}”" for e, _ in labels) + " count too")
        zh.append("、".join(f"「{z}」" for _, z in labels) + "的值也计入")


def _property_shape(
    g: Graph, node: URIRef, cls: OntClass, path: Node, name: str, low: int, high: int | None
) -> URIRef:
    ps = URIRef(f"{INTEGRITY_BASE}{cls.name}/{name}")
    g.add((node, SH.property, ps))
    g.add((ps, RDF.type, SH.PropertyShape))
    g.add((ps, SH.path, path))
    g.add((ps, SH.severity, SH.Violation))
    if low > 0:
        g.add((ps, SH.minCount, Literal(low)))
    if high is not None:
        g.add((ps, SH.maxCount, Literal(high)))
    return ps


def _messages(
    g: Graph,
    ps: URIRef,
    cls: OntClass,
    label_en: str,
    label_zh: str,
    low: int,
    high: int | None,
    en: list[str],
    zh: list[str],
) -> None:
    if low > 0:
        en.insert(0, "required")
        zh.insert(0, "必填")
    if high == 1:
        en.insert(1 if low else 0, "single value")
        zh.insert(1 if low else 0, "只能有一个值")
    g.add((ps, SH.message, Literal(f"{cls.label_en} “{label_en}”: {'; '.join(en)}", lang="en")))
    g.add((ps, SH.message, Literal(f"{cls.label_zh}的「{label_zh}」：{'；'.join(zh)}", lang="zh")))
