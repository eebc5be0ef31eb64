"""``Neo4jGraphExpander``: facts and one-hop neighbours of the entities behind the passages.

For the entity IRIs the top passages link (and entity ids written in the question, such as
``CTR-000123``), one Cypher query reads each entity's properties and up to
``neighbour_limit`` neighbours. Sensitive properties the role may not see are never read
from Neo4j: they appear as facts whose value is ``[REDACTED]``. Predicates carry the
ontology's labels, in Chinese when the question is mostly Chinese.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from semgraph.ontology.model import Ontology
from semgraph.rag.chunking import is_cjk_text
from semgraph.rag.graph_queries import ENTITY_FACTS, GraphVocabulary, display_value
from semgraph.rag.redaction import MASK
from semgraph.rag.types import GraphFact, Passage

log = logging.getLogger(__name__)

# Internal bookkeeping properties that say nothing about the business.
_SKIPPED = frozenset({"id", "version"})


class Neo4jGraphExpander:
    """A ``GraphExpander`` reading the live graph for callers holding ``role``.

    ``role`` None means an anonymous caller: every sensitive field is masked. At most
    ``max_entities`` entities are expanded (passage order first, then question ids).
    When Neo4j does not answer, ``expand`` logs a warning and returns no facts, so
    retrieval still works (``last_error`` then holds the reason).
    """

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str,
        ontology: Ontology,
        role: str | None = None,
        *,
        neighbour_limit: int = 20,
        max_entities: int = 10,
        timeout_s: float = 5.0,
    ) -> None:
        self.driver = driver
        self.database = database
        self.ontology = ontology
        self.role = role
        self.neighbour_limit = neighbour_limit
        self.max_entities = max_entities
        self.timeout_s = timeout_s
        self.vocabulary = GraphVocabulary.build(ontology, () if role is None else (role,))
        self.last_error: str | None = None
        prefixes = {
            c.id_prefix: c.name for c in ontology.concrete_classes() if c.id_prefix is not None
        }
        self._prefix_class = prefixes
        alternatives = "|".join(sorted(map(re.escape, prefixes), key=len, reverse=True))
        self._id_pattern = re.compile(rf"\b(?:{alternatives})-[A-Za-z0-9_.-]*[0-9]\b")

    # --- GraphExpander ---------------------------------------------------------------------
    def expand(self, question: str, passages: Sequence[Passage]) -> list[GraphFact]:
        """Facts about the passages' entities; citations name the passages linking each."""
        citations: dict[str, list[int]] = {}
        for passage in passages:
            for iri in passage.entities:
                citations.setdefault(iri, []).append(passage.citation)
        for iri in self.entities_in(question):
            citations.setdefault(iri, [])
        iris = list(citations)[: self.max_entities]
        if not iris:
            return []
        rows = self._read(iris)
        zh = is_cjk_text(question)
        facts: list[GraphFact] = []
        for row in rows:
            facts.extend(self._facts(row, citations.get(row["iri"], []), zh))
        return facts

    def entities_in(self, question: str) -> list[str]:
        """IRIs of the entity ids written in ``question`` (``CTR-000123`` → a Contract IRI)."""
        found: list[str] = []
        for match in self._id_pattern.finditer(question):
            entity_id = match.group()
            cls = self._prefix_class.get(entity_id.split("-", 1)[0])
            if cls is not None:
                iri = self.ontology.entity_iri(cls, entity_id)
                if iri not in found:
                    found.append(iri)
        return found

    # --- internals -------------------------------------------------------------------------
    def _read(self, iris: list[str]) -> list[dict[str, Any]]:
        params = self.vocabulary.parameters(iris, self.neighbour_limit)
        try:
            records = self.driver.execute_query(
                neo4j.Query(ENTITY_FACTS, timeout=self.timeout_s),
                params,
                database_=self.database,
                routing_=neo4j.RoutingControl.READ,
            ).records
        except (ServiceUnavailable, SessionExpired, Neo4jError, OSError) as exc:
            self.last_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            log.warning("graph expansion skipped, Neo4j did not answer: %s", self.last_error)
            return []
        self.last_error = None
        return [record.data() for record in records]

    def _facts(self, row: dict[str, Any], cites: list[int], zh: bool) -> list[GraphFact]:
        cls = self.ontology.cls(row["cls"])
        props = self.ontology.datatype_properties(cls.name)
        roles = () if self.role is None else (self.role,)
        label = f"{cls.label_zh if zh else cls.label_en} {row['id']}"

        def fact(predicate: str, value: str, target: str | None = None) -> GraphFact:
            return GraphFact(
                entity_iri=row["iri"],
                label=label,
                predicate=predicate,
                value=value,
                target_iri=target,
                citations=cites,
            )

        facts: list[GraphFact] = []
        for item in row["props"]:
            prop = props.get(item["key"])
            # Neo4j returned only whitelisted keys; checking again costs nothing.
            if prop is None or item["key"] in _SKIPPED or not prop.visible_for(roles):
                continue
            facts.append(fact(prop.label_zh if zh else prop.label_en, display_value(item["value"])))
        for key in row["masked"]:
            prop = props[key]
            facts.append(fact(prop.label_zh if zh else prop.label_en, MASK))
        for n in row["neighbours"]:
            rel = self.ontology.object_property(n["rel"])
            rel_label = rel.label_zh if zh else rel.label_en
            predicate = rel_label if n["outgoing"] else f"{rel_label} ←"
            other = self.ontology.cls(n["cls"])
            name = other.label_zh if zh else other.label_en
            caption = display_value(n["caption"]) if n["caption"] is not None else ""
            value = f"{name} {n['id']}" + (
                f" ({caption})" if caption and caption != n["id"] else ""
            )
            facts.append(fact(predicate, value, n["iri"]))
        return facts
