"""Who receives an alert: the ontology's routing rules (``ontology/access.ttl``) as Cypher.

A rule says: for role R, take the focus entity's ``start_class`` entity (an SLA's
contract), follow ``path`` (``ownedBy`` → ``financeLead``) and notify the employee
reached; if nobody is reached, notify every holder of ``fallback_role``. The start entity
is the nearest one over the ontology's impact relationships, so an SLA, a performance
obligation or a revenue schedule all find their contract without code per class.
"""

from __future__ import annotations

from typing import Any

from semgraph.alerts.model import Recipient
from semgraph.graph.identifiers import KEEP_PLAN, ident
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
        self._holders = self._holders_query("role")
        types = sorted({e.rel_type for e in ontology.impact_edges()})
        self._walk = "|".join(ident(t) for t in types)
        self._rules = {r.for_role: r for r in ontology.routing_rules()}
        self._queries = {role: self._route_query(r) for role, r in self._rules.items()}

    def _holders_query(self, param: str) -> str:
        has_role = self.ontology.object_properties(PERSON_CLASS)[HAS_ROLE].rel_type
        return KEEP_PLAN + (
            f"MATCH (e:{ident(PERSON_CLASS)})-[:{ident(has_role)}]->"
            f"(:{ident(ROLE_CLASS)} {{key: ${param}}}) "
            "RETURN e.iri AS iri, e.name AS name, e.email AS email ORDER BY e.iri LIMIT 50"
        )

    def _route_query(self, rule: RoutingRule) -> str:
        """One statement per role: ``$focus`` (a list of iris) → (focus, recipient) rows."""
        start = ident(self.ontology.cls(rule.start_class).name)
        cls, steps = rule.start_class, []
        for name in rule.path:  # check the path against the ontology once, at start-up
            prop = self.ontology.object_properties(cls)[name]
            steps.append(f"-[:{ident(prop.rel_type)}]->")
            cls = prop.range
        hops = "()".join(steps)
        # The nearest start entity, depth by depth: each depth is searched only if the
        # ones before found nothing, and stops at its first match. (A SHORTEST path to an
        # unbound end finds the shortest path to *every* start entity in reach: through a
        # legal entity, every contract — 700 ms per alert at 1M entities.)
        walk = f"-[:{self._walk}]-"
        searches, found = [f"OPTIONAL CALL (f) {{ WITH f WHERE f:{start} RETURN f AS s0 }}"], ["s0"]
        for depth in range(1, MAX_HOPS_TO_START + 1):
            none_yet = " AND ".join(f"{v} IS NULL" for v in found)
            pattern = "(f)" + "()".join([walk] * depth) + f"(s:{start})"
            searches.append(
                f"OPTIONAL CALL (f, {', '.join(found)}) {{ WITH f WHERE {none_yet} "
                f"MATCH {pattern} RETURN s AS s{depth} LIMIT 1 }}"
            )
            found.append(f"s{depth}")
        return KEEP_PLAN + (
            "UNWIND $focus AS focus\n"
            "MATCH (f:Resource {iri: focus})\n"
            + "\n".join(searches)
            + f"\nWITH focus, coalesce({', '.join(found)}) AS s WHERE s IS NOT NULL\n"
            f"MATCH (s){hops}(e:{ident(cls)})\n"
            "RETURN DISTINCT focus, e.iri AS iri, e.name AS name, e.email AS email "
            "ORDER BY focus, iri"
        )

    def route_many(
        self, tx: Runner, requests: list[tuple[str, list[str]]]
    ) -> list[list[Recipient]]:
        """Recipients per (focus iri, roles): by each role's rule, else the holders of its
        fallback role (a role without a rule goes to every holder of that role). One
        statement per role with a rule, for all its focus entities; one per fallback needed."""
        by_role: dict[str, set[str]] = {}
        for focus, roles in requests:
            for role in roles:
                if role in self._rules:
                    by_role.setdefault(role, set()).add(focus)
        routed: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for role, focuses in sorted(by_role.items()):
            for rec in tx.run(self._queries[role], focus=sorted(focuses)):
                routed.setdefault((role, rec["focus"]), []).append(
                    {"iri": rec["iri"], "name": rec["name"], "email": rec["email"]}
                )
        held: dict[str, list[dict[str, Any]]] = {}
        out: list[list[Recipient]] = []
        for focus, roles in requests:
            people: dict[str, Recipient] = {}
            for role in roles:
                rows, via = routed.get((role, focus), []), "route"
                if not rows:
                    rule = self._rules.get(role)
                    fallback = rule.fallback_role if rule is not None else role
                    if fallback not in held:
                        held[fallback] = [dict(r) for r in tx.run(self._holders, role=fallback)]
                    rows, via = held[fallback], f"fallback:{fallback}"
                for row in rows:
                    person = Recipient(role=role, via=via, **row)
                    people.setdefault(person.iri, person)
            out.append(sorted(people.values(), key=lambda r: r.iri))
        return out

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
