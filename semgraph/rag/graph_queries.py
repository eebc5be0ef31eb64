"""Cypher the RAG layer runs against Neo4j, and the ontology-derived parameters it needs.

Every query takes the property and label whitelists as parameters built from the ontology
(``GraphVocabulary``), so a sensitive value the caller may not see is never *returned* by
Neo4j: the projections read only the keys listed for the node's class.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from semgraph.graph.identifiers import by_iri
from semgraph.ontology.model import Ontology

# Properties that name an entity to a person, in order of preference; the first one a
# class has (and that is not sensitive) is its caption. ``id`` is the fallback.
CAPTION_PROPERTIES = (
    "name",
    "subject",
    "contractNumber",
    "invoiceNumber",
    "orderNumber",
    "quoteNumber",
    "tier",
    "period",
    "sourceSystem",
    "sku",
    "code",
)

# One row per requested entity: its class, the properties the caller may see, the names of
# the masked ones that hold a value, and up to $limit one-hop neighbours (outgoing first).
# Neighbours are restricted to ontology relationship types and, with $neighbour_classes, to
# those classes for incoming relationships (cards list only business-relevant referrers).
ENTITY_FACTS = (
    """
UNWIND range(0, size($iris) - 1) AS position
MATCH (n:Resource {iri: $iris[position]}) """
    + by_iri("n")
    + """
WITH position, n, [l IN labels(n) WHERE l IN $entity_classes][0] AS cls
WHERE cls IS NOT NULL
CALL (n) {
    MATCH (n)-[r]-(m:Resource)
    WHERE type(r) IN $rel_types
    WITH n, r, m, startNode(r) = n AS outgoing,
         [l IN labels(m) WHERE l IN $classes][0] AS mcls
    WHERE mcls IS NOT NULL
      AND (outgoing OR $incoming_from IS NULL OR mcls IN $incoming_from)
    WITH r, m, outgoing, mcls
    ORDER BY outgoing DESC, type(r), m.id
    LIMIT $limit
    RETURN collect({rel: type(r), outgoing: outgoing, iri: m.iri, id: m.id, cls: mcls,
                    caption: m[coalesce($caption[mcls], 'id')]}) AS neighbours
}
RETURN position, n.iri AS iri, n.id AS id, cls,
       [k IN coalesce($visible[cls], []) WHERE n[k] IS NOT NULL
           | {key: k, value: n[k]}] AS props,
       [k IN coalesce($masked[cls], []) WHERE n[k] IS NOT NULL] AS masked,
       neighbours
ORDER BY position
"""
)

# Cards also show their neighbours' captions, so a change to an entity next to a card
# entity (an SLA's tier, a customer's name) refreshes that card too.
AFFECTED_CARDS = f"""
UNWIND $iris AS iri
MATCH (n:Resource {{iri: iri}})-[r]-(m:Resource) {by_iri("n")}
WHERE type(r) IN $rel_types AND any(l IN labels(m) WHERE l IN $card_classes)
RETURN DISTINCT m.iri AS iri
"""


def all_iris_query(classes: Iterable[str], ontology: Ontology) -> str:
    """``MATCH`` of every entity of ``classes`` (labels checked against the ontology)."""
    labels = [ontology.cls(c).name for c in classes]
    where = " OR ".join(f"n:`{label}`" for label in labels) or "false"
    return f"MATCH (n:Resource) WHERE {where} RETURN n.iri AS iri ORDER BY n.iri"


@dataclass(frozen=True)
class GraphVocabulary:
    """Query parameters derived from the ontology for one set of roles.

    ``visible``: per class, the datatype properties the roles may read in clear (``id``
    included); ``masked``: per class, the sensitive ones they may not. ``caption``: per
    class, the property that names an entity (never a sensitive one).
    """

    classes: tuple[str, ...]
    rel_types: tuple[str, ...]
    visible: dict[str, list[str]]
    masked: dict[str, list[str]]
    caption: dict[str, str]

    @classmethod
    def build(cls, ontology: Ontology, roles: Iterable[str]) -> GraphVocabulary:
        """Whitelists for callers holding ``roles`` (no roles: every sensitive field masked)."""
        held = tuple(roles)
        visible: dict[str, list[str]] = {}
        masked: dict[str, list[str]] = {}
        caption: dict[str, str] = {}
        names = tuple(c.name for c in ontology.concrete_classes())
        for name in names:
            props = ontology.datatype_properties(name)
            visible[name] = [p for p, d in props.items() if d.visible_for(held)]
            masked[name] = [p for p, d in props.items() if not d.visible_for(held)]
            public = [p for p in CAPTION_PROPERTIES if p in props and not props[p].sensitive]
            caption[name] = public[0] if public else "id"
        return cls(
            classes=names,
            rel_types=tuple(sorted(ontology.relationship_types())),
            visible=visible,
            masked=masked,
            caption=caption,
        )

    def parameters(
        self,
        iris: list[str],
        limit: int,
        *,
        entity_classes: Iterable[str] | None = None,
        incoming_from: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Parameters of ``ENTITY_FACTS`` for ``iris`` with at most ``limit`` neighbours each.

        ``entity_classes`` restricts which entities are read (default: every class);
        ``incoming_from`` restricts incoming neighbours to those classes (default: any).
        """
        return {
            "iris": iris,
            "entity_classes": list(self.classes if entity_classes is None else entity_classes),
            "classes": list(self.classes),
            "rel_types": list(self.rel_types),
            "visible": self.visible,
            "masked": self.masked,
            "caption": self.caption,
            "limit": limit,
            "incoming_from": None if incoming_from is None else list(incoming_from),
        }


def display_value(value: object) -> str:
    """A property value as text: ``true``/``false``, ISO dates, numbers without noise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(display_value(v) for v in value)
    iso = getattr(value, "iso_format", None)  # neo4j.time.Date / DateTime
    if callable(iso):
        return str(iso())
    return str(value)
