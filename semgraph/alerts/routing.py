"""Who receives an alert: the ontology's routing rules (``ontology/access.ttl``) as Cypher.

A rule says: for role R, take the focus entity's ``start_class`` entity (an SLA's
contract), follow ``path`` (``ownedBy`` → ``financeLead``) and notify the employee
reached; if nobody is reached, notify every holder of ``fallback_role``. The start entity
is the nearest one over the ontology's impact relationships, so an SLA, a performance
obligation or a revenue schedule all find their contract without code per class.
"""

from __future__ import annotations

from semgraph.alerts.model import Recipient
from semgraph.graph.identifiers import ident
from semgraph.ontology.model import Ontology, RoutingRule
from semgraph.validation.neighbourhood import Runner

# The role model of access.ttl: (:Employee)-[:hasRole]->(:Role {key}).
PERSON_CLASS = "Employee"
ROLE_CLASS = "Role"
HAS_ROLE = "hasRole"
MAX_HOPS_TO_START = 4


def split_roles(notify_role: str | None) -> list[str]:
    """A result's ``notify_role`` may name several roles (``"csm, finance_lead"``)."""
    if not notify_role:
        return []
    return sorted({r.strip() for r in notify_role.replace(";", ",").split(",") if r.strip()})


class AlertRouter:
    """Resolves roles to employees for one focus entity, inside any transaction."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        ontology.cls(PERSON_CLASS)
        ontology.cls(ROLE_CLASS)
        has_role = ontology.object_properties(PERSON_CLASS)[HAS_ROLE].rel_type
        self._holders = (
            f"MATCH (e:{ident(PERSON_CLASS)})-[:{ident(has_role)}]->"
            f"(:{ident(ROLE_CLASS)} {{key: $role}}) "
            "RETURN e.iri AS iri, e.name AS name, e.email AS email ORDER BY e.iri LIMIT 50"
        )
        types = sorted({e.rel_type for e in ontology.impact_edges()})
        self._walk = "|".join(ident(t) for t in types)
        self._queries = {r.for_role: self._route_query(r) for r in ontology.routing_rules()}

    def _route_query(self, rule: RoutingRule) -> str:
        start = ident(self.ontology.cls(rule.start_class).name)
        cls, steps = rule.start_class, []
        for name in rule.path:  # check the path against the ontology once, at start-up
            prop = self.ontology.object_properties(cls)[name]
            steps.append(f"-[:{ident(prop.rel_type)}]->")
            cls = prop.range
        hops = "()".join(steps)
        return (
            "MATCH (f:Resource {iri: $focus})\n"
            "CALL (f) {\n"
            f"  MATCH (f) WHERE f:{start} RETURN f AS s, 0 AS hops\n"
            "  UNION\n"
            f"  MATCH p = SHORTEST 1 (f)-[:{self._walk}]-{{1,{MAX_HOPS_TO_START}}}(s:{start})\n"
            "  RETURN s, length(p) AS hops\n"
            "}\n"
            "WITH s ORDER BY hops LIMIT 1\n"
            f"MATCH (s){hops}(e:{ident(cls)})\n"
            "RETURN DISTINCT e.iri AS iri, e.name AS name, e.email AS email ORDER BY iri"
        )

    def route(self, tx: Runner, focus_iri: str, roles: list[str]) -> list[Recipient]:
        """Recipients for each role: by the role's rule, else its fallback role's holders.

        A role without a rule goes to every holder of that role.
        """
        found: dict[str, Recipient] = {}
        for role in roles:
            rule = self.ontology.routing_rule(role)
            people: list[Recipient] = []
            if rule is not None:
                people = [
                    Recipient(role=role, via="route", **dict(rec))
                    for rec in tx.run(self._queries[role], focus=focus_iri)
                ]
            if not people:
                fallback = rule.fallback_role if rule is not None else role
                people = self.holders(tx, fallback, for_role=role, via=f"fallback:{fallback}")
            for person in people:
                found.setdefault(person.iri, person)
        return sorted(found.values(), key=lambda r: r.iri)

    def holders(self, tx: Runner, role_key: str, *, for_role: str, via: str) -> list[Recipient]:
        """Every employee holding the role ``role_key``."""
        return [
            Recipient(role=for_role, via=via, **dict(rec))
            for rec in tx.run(self._holders, role=role_key)
        ]

    def escalation_roles(self, roles: list[str]) -> list[str]:
        """The roles an unacknowledged alert for ``roles`` escalates to (the fallbacks)."""
        out = []
        for role in roles:
            rule = self.ontology.routing_rule(role)
            if rule is not None and rule.fallback_role != role:
                out.append(rule.fallback_role)
        return sorted(set(out))
