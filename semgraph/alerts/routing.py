"""Who receives an alert: the ontology's routing rules (``ontology/access.ttl``) as Cypher.

A rule says: for role R, take the focus entity's ``start_class`` entity (an SLA's
contract), follow ``path`` (``ownedBy`` → ``financeLead``; ``^customer`` walks a
relationship backwards) and notify the employee reached. A role may have several rules
(one from a contract, one from a customer): its alert goes to everyone they reach, and
only if they reach nobody to every holder of ``fallback_role``. The start entity is the
nearest one over the ontology's impact relationships, so an SLA, a performance
obligation or a revenue schedule all find their contract without code per class.
"""

from __future__ import annotations

from typing import Any

from semgraph.alerts.model import Recipient
from semgraph.graph.identifiers import KEEP_PLAN, by_iri, ident
from semgraph.ontology.model import Ontology, RoutingRule
from semgraph.validation.neighbourhood import Runner

MAX_HOPS_TO_START = 4
# Holders of a role when the ontology has no role model (``Ontology.role_model``): nobody.
_NO_HOLDERS = "UNWIND [] AS e RETURN e AS iri, e AS name, e AS email"


def split_roles(notify_role: str | None) -> list[str]:
    """A result's ``notify_role`` may name several roles (``"csm, finance_lead"``)."""
    if not notify_role:
        return []
    return sorted({r.strip() for r in notify_role.replace(";", ",").split(",") if r.strip()})


class AlertRouter:
    """Resolves roles to employees for one focus entity, inside any transaction."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self.role_model = ontology.role_model()
        self._holders = self._holders_query("role")
        types = sorted({e.rel_type for e in ontology.impact_edges()})
        # no impact relationship: the walk must still parse, and matches nothing
        self._walk = "|".join(ident(t) for t in types) or ident("_noImpact")
        self._rules: dict[str, list[RoutingRule]] = {}
        for rule in ontology.routing_rules():
            self._rules.setdefault(rule.for_role, []).append(rule)
        self._queries = {rule.iri: self._route_query(rule) for rule in ontology.routing_rules()}
        self._reach = self._class_reach()

    def _class_reach(self) -> dict[str, set[str]]:
        """The classes within ``MAX_HOPS_TO_START`` impact relationships of each class.

        A rule runs only for focus entities whose class can reach its start class: the
        search from an SLA for a customer (no impact relationship touches one) would walk
        every contract of its legal entity and find nothing."""
        near: dict[str, set[str]] = {}
        for edge in self.ontology.impact_edges():
            near.setdefault(edge.domain, set()).add(edge.range)
            near.setdefault(edge.range, set()).add(edge.domain)
        reach: dict[str, set[str]] = {}
        for cls in self.ontology.classes:
            seen, frontier = {cls}, {cls}
            for _ in range(MAX_HOPS_TO_START):
                frontier = {n for c in frontier for n in near.get(c, ())} - seen
                seen |= frontier
            reach[cls] = seen
        return reach

    def rules_for(self, role: str, focus_class: str | None) -> list[RoutingRule]:
        """The rules of ``role`` that can route an alert about a ``focus_class`` entity
        (every rule of the role when the class is unknown)."""
        rules = self._rules.get(role, [])
        if focus_class is None or focus_class not in self._reach:
            return rules
        return [r for r in rules if r.start_class in self._reach[focus_class]]

    def fallback_role(self, role: str) -> str:
        """Who gets a ``role`` alert that its rules route to nobody (the role itself when
        it has no rule)."""
        rules = self._rules.get(role)
        return rules[0].fallback_role if rules else role

    def _holders_query(self, param: str) -> str:
        m = self.role_model
        if m is None:
            return _NO_HOLDERS
        return KEEP_PLAN + (
            f"MATCH (e:{ident(m.person)})-[:{ident(m.has_role)}]->"
            f"(:{ident(m.role)} {{{ident(m.key)}: ${param}}}) "
            "RETURN e.iri AS iri, e.name AS name, e.email AS email ORDER BY e.iri LIMIT 50"
        )

    def _route_query(self, rule: RoutingRule) -> str:
        """One statement per role: ``$focus`` (a list of iris) → (focus, recipient) rows."""
        start = ident(self.ontology.cls(rule.start_class).name)
        steps = []
        for step in rule.path:  # the ontology checked each step when it was loaded
            name = step.removeprefix("^")
            prop = self.ontology.object_property(name)
            rel = ident(prop.rel_type)
            steps.append(f"<-[:{rel}]-" if step.startswith("^") else f"-[:{rel}]->")
        # the ontology checked that every rule ends at the role model's person class
        cls = self.role_model.person if self.role_model is not None else rule.start_class
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
            f"MATCH (f:Resource {{iri: focus}}) {by_iri('f')}\n"
            + "\n".join(searches)
            + f"\nWITH focus, coalesce({', '.join(found)}) AS s WHERE s IS NOT NULL\n"
            f"MATCH (s){hops}(e:{ident(cls)})\n"
            "RETURN DISTINCT focus, e.iri AS iri, e.name AS name, e.email AS email "
            "ORDER BY focus, iri"
        )

    def route_many(
        self, tx: Runner, requests: list[tuple[str, str | None, list[str]]]
    ) -> list[list[Recipient]]:
        """Recipients per (focus iri, focus class, roles): everyone each role's rules
        reach, else the holders of its fallback role (a role without a rule goes to every
        holder of that role); one entry per person. One statement per rule, for all its
        focus entities; one per fallback needed."""
        by_rule: dict[str, tuple[str, set[str]]] = {}
        for focus, cls, roles in requests:
            for role in roles:
                for rule in self.rules_for(role, cls):
                    by_rule.setdefault(rule.iri, (role, set()))[1].add(focus)
        routed: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for iri, (role, focuses) in sorted(by_rule.items()):
            for rec in tx.run(self._queries[iri], focus=sorted(focuses)):
                routed.setdefault((role, rec["focus"]), []).append(
                    {"iri": rec["iri"], "name": rec["name"], "email": rec["email"]}
                )
        held: dict[str, list[dict[str, Any]]] = {}
        out: list[list[Recipient]] = []
        for focus, _cls, roles in requests:
            people: dict[str, Recipient] = {}
            for role in roles:
                rows, via = routed.get((role, focus), []), "route"
                if not rows:
                    fallback = self.fallback_role(role)
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
        return sorted({self.fallback_role(r) for r in roles if self.fallback_role(r) != r})

    def _holding(self) -> str:
        m = self.role_model
        return "no role model in the ontology" if m is None else f"{m.person}.{m.has_role}"

    def unreachable_fallbacks(self, tx: Runner) -> list[str]:
        """One line per role whose fallback nobody holds: its alerts that find no one
        reach no one (start-up logs these, ``/readyz`` lists them)."""
        out = []
        for role in sorted(self._rules):
            fallback = self.fallback_role(role)
            if not list(tx.run(self._holders, role=fallback)):
                out.append(
                    f"`{role}` alerts that routing reaches nobody fall back to `{fallback}`, "
                    f"which no employee holds, so they reach no one: give an Employee the "
                    f"`{fallback}` role ({self._holding()})"
                )
        return out
