"""Impact analysis: follow the relationships the ontology marks as carrying business impact.

``sgm:impactFlows sgm:Forward`` on ``domain -[p]-> range`` means a change to the domain
entity impacts the range entity; ``sgm:Inverse`` the other way round. From an SLA this
reaches its Contract, the Contract's performance obligations and revenue schedules, and
the owning legal entity's finance lead.
"""

from __future__ import annotations

from dataclasses import dataclass

from semgraph.graph.identifiers import KEEP_PLAN, by_iri, ident
from semgraph.ontology.model import Ontology
from semgraph.validation.neighbourhood import Runner, business_class

MAX_DEPTH = 5
MAX_FANOUT = 200  # per hop: a hub (a legal entity with 100k contracts) must not explode


@dataclass(frozen=True)
class ImpactStep:
    iri: str
    cls: str
    via: str  # relationship type walked to get here
    depth: int
    path: str  # human-readable path from the changed entity


class ImpactAnalyzer:
    """Walks impact edges from changed entities, breadth first, one query per hop."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        # Classes an impact edge can leave (forward as domain, inverse as range): only
        # their entities are walked further, so a frontier of revenue schedules and
        # finance leads costs no round trip that could only come back empty.
        self._walked_on = {
            name
            for name in ontology.classes
            if any(p.impact == "forward" for p in ontology.object_properties(name).values())
            or any(p.impact == "inverse" for p in ontology.incoming(name).values())
        }
        forward = sorted({p.rel_type for p in ontology.impact_edges() if p.impact == "forward"})
        inverse = sorted({p.rel_type for p in ontology.impact_edges() if p.impact == "inverse"})
        branches = []
        if forward:
            types = "|".join(ident(t) for t in forward)
            branches.append(f"MATCH (n)-[r:{types}]->(m) RETURN r, m")
        if inverse:
            types = "|".join(ident(t) for t in inverse)
            branches.append(f"MATCH (n)<-[r:{types}]-(m) RETURN r, m")
        self._hop = KEEP_PLAN + (
            f"UNWIND $iris AS iri MATCH (n:Resource {{iri: iri}}) {by_iri('n')}\n"
            "CALL (n) {\n  " + "\n  UNION\n  ".join(branches) + f"\n}}\n"
            "RETURN n.iri AS source, type(r) AS rel, m.iri AS iri, "
            "[l IN labels(m) WHERE l <> 'Resource'] AS labels "
            f"LIMIT {MAX_FANOUT * 20}"
        )

    def follow(self, tx: Runner, start: dict[str, str]) -> list[ImpactStep]:
        """Impacted entities reachable from ``start`` (iri → class), nearest first."""
        seen = set(start)
        paths = {iri: f"{cls} {iri.rsplit('/', 1)[-1]}" for iri, cls in start.items()}
        frontier = sorted(iri for iri, cls in start.items() if cls in self._walked_on)
        steps: list[ImpactStep] = []
        for depth in range(1, MAX_DEPTH + 1):
            if not frontier:
                break
            fanout: dict[str, int] = {}
            next_frontier: list[str] = []
            for record in tx.run(self._hop, iris=frontier):
                iri, source = record["iri"], record["source"]
                cls = business_class(record["labels"], self.ontology)
                if iri in seen or cls is None or fanout.get(source, 0) >= MAX_FANOUT:
                    continue
                fanout[source] = fanout.get(source, 0) + 1
                seen.add(iri)
                paths[iri] = f"{paths[source]} -[{record['rel']}]- {cls} {iri.rsplit('/', 1)[-1]}"
                steps.append(ImpactStep(iri, cls, record["rel"], depth, paths[iri]))
                if cls in self._walked_on:
                    next_frontier.append(iri)
            frontier = next_frontier
        return steps
