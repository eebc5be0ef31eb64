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
        self._holders = self._holders_query("role")
        types = sorted({e.rel_type for e in ontology.impact_edges()})
        self._walk = "|".join(ident(t) for t in types)
        self._rules = {r.for_role: r for r in ontology.routing_rules()}
        self._queries = {role: self._route_query(r) for role, r in self._rules.items()}

    def _holders_query(self, param: str) -> str:
        has_role = self.ontology.object_properties(PERSON_CLASS)[HAS_ROLE].rel_type
        return (
            f"MATCH (e:{ident(PERSON_CLASS)})-[:{ident(has_role)}]->"
            f"(:{ident(ROLE_CLASS)} {{key: ${param}}}) "
            "RETURN e.iri AS iri, e.name AS name, e.email AS email ORDER BY e.iri LIMIT 50"
        )

    def _route_query(self, rule: RoutingRule, param: str = "focus") -> str:
        start = ident(self.ontology.cls(rule.start_class).name)
        cls, steps = rule.start_class, []
        for name in rule.path:  # check the path against the ontology once, at start-up
            prop = self.ontology.object_properties(cls)[name]
            steps.append(f"-[:{ident(prop.rel_type)}]->")
            cls = prop.range
        hops = "()".join(steps)
        return (
            f"MATCH (f:Resource {{iri: ${param}}})\n"
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

    def route_many(
        self, tx: Runner, requests: list[tuple[str, list[str]]]
    ) -> list[list[Recipient]]:
        """``route`` for several (focus iri, roles) at once, in one round trip: each
        role's routing rule and its fallback role's holders are read together."""
        parts: list[str] = []
        params: dict[str, str] = {}
        wanted: list[list[tuple[str, str | None, str]]] = []  # per request: role, route, fallback
        holder_params: dict[str, str] = {}  # fallback role -> its parameter name
        for i, (focus, roles) in enumerate(requests):
            params[f"focus{i}"] = focus
            mine = []
            for role in roles:
                rule = self._rules.get(role)
                fallback = rule.fallback_role if rule is not None else role
                route_key = None
                if rule is not None:
                    route_key = f"route{len(parts)}"
                    parts.append(
                        f"CALL () {{ {self._route_query(rule, f'focus{i}')} }}\n"
                        f"RETURN '{route_key}' AS key, iri, name, email"
                    )
                if fallback not in holder_params:
                    name = holder_params[fallback] = f"role{len(holder_params)}"
                    params[name] = fallback
                    parts.append(
                        f"CALL () {{ {self._holders_query(name)} }}\n"
                        f"RETURN '{name}' AS key, iri, name, email"
                    )
                mine.append((role, route_key, fallback))
            wanted.append(mine)
        found: dict[str, list[dict[str, str | None]]] = {}
        if parts:
            for rec in tx.run("\nUNION ALL\n".join(parts), params):
                found.setdefault(rec["key"], []).append(
                    {"iri": rec["iri"], "name": rec["name"], "email": rec["email"]}
                )
        out: list[list[Recipient]] = []
        for mine in wanted:
            people: dict[str, Recipient] = {}
            for role, route_key, fallback in mine:
                rows = found.get(route_key, []) if route_key else []
                via = "route"
                if not rows:
                    rows, via = found.get(holder_params[fallback], []), f"fallback:{fallback}"
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
