"""Write rights per role, read from ``ontology/access.ttl``, and the check every write passes.

A role's ``sgm:mayCreate`` / ``sgm:mayUpdate`` / ``sgm:mayDelete`` name classes (their
subclasses included); ``sgm:mayUpdateProperty`` names one property or relationship.
Three rules hold whatever the grants say:

- a role never writes a property it may not read (``sgm:visibleTo``), so a write cannot
  probe a masked value;
- deleting an entity of a class with ``sgm:deleteReservedTo`` (people, roles, legal
  entities), or unlinking a relationship with it or on an alert routing path, is left to
  the roles named there (``admin``);
- a role without grants (``viewer``, ``analyst``) writes nothing, dry runs included;
- a resource outside the ontology (``WriteResource``) is written by ``admin`` only.

An ontology that declares no roles at all (a user's own, a FIBO module) has one role,
``admin``, which may create, update and delete every class.

``WriteRights.check(role, ops)`` runs on the change set's resolved operations before the
transaction opens and raises ``ForbiddenError`` naming the role, class and property.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, NoReturn

from rdflib import URIRef

from semgraph.exceptions import ForbiddenError, OntologyError
from semgraph.ontology.model import SGM, Ontology

Action = str  # "create" | "update" | "delete"
ACTIONS: tuple[Action, ...] = ("create", "update", "delete")
# Resources outside the ontology have no class to grant rights on; like
# `semgraph import --unchecked`, writing them is the administrator's.
RESOURCE_WRITERS = ["admin"]
_PREDICATES = {"create": SGM.mayCreate, "update": SGM.mayUpdate, "delete": SGM.mayDelete}


@dataclass(frozen=True)
class RoleGrants:
    """What one role may write, as declared (classes by action, single properties)."""

    role: str
    classes: Mapping[Action, frozenset[str]]
    properties: frozenset[str]


class WriteRights:
    """Answers "may role R do this?" for one ontology. Build it with ``WriteRights.of``."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        g = ontology.graph
        by_iri = {r.iri: r.key for r in ontology.access_roles()}
        self.grants: dict[str, RoleGrants] = {}
        for iri, key in by_iri.items():
            subject = URIRef(iri)
            classes = {
                action: frozenset(self._class_name(o, iri) for o in g.objects(subject, pred))
                for action, pred in _PREDICATES.items()
            }
            props = frozenset(
                self._property_name(o, iri) for o in g.objects(subject, SGM.mayUpdateProperty)
            )
            self.grants[key] = RoleGrants(key, classes, props)
        if not ontology.declares_roles():
            every = frozenset(ontology.classes)
            self.grants["admin"] = RoleGrants("admin", dict.fromkeys(ACTIONS, every), frozenset())
        self.reserved: dict[str, frozenset[str]] = {}
        for term in set(g.subjects(SGM.deleteReservedTo, None)):
            roles = frozenset(str(o) for o in g.objects(term, SGM.deleteReservedTo))
            unknown = roles - set(self.grants)
            if unknown:
                raise OntologyError(f"{term}: sgm:deleteReservedTo names unknown role(s) {unknown}")
            self.reserved[self.ontology.name_of(str(term)) or _local(term)] = roles
        # The edges an alert is routed over, per class (Contract.customer, not every
        # customer). An inverse step (``^customer``, walked from its range back to its
        # domain) reserves the relationship on those of its domains the path goes on from.
        self.reserved_edges: dict[tuple[str, str], frozenset[str]] = {}
        admin = frozenset({"admin"})
        for rule in ontology.routing_rules():
            at = {rule.start_class}  # the classes the path may be at
            inverse: str | None = None  # the inverse step that led to ``at``
            for step in rule.path:
                rel = step.removeprefix("^")
                if step.startswith("^"):
                    at, inverse = set(ontology.object_property(rel).domains), rel
                    continue
                reached: set[str] = set()
                for cls in at:
                    prop = ontology.object_properties(cls).get(rel)
                    if prop is not None:
                        self.reserved_edges[(cls, rel)] = admin
                        if inverse is not None:
                            self.reserved_edges[(cls, inverse)] = admin
                        reached.add(prop.range)
                at, inverse = reached, None
            if inverse is not None:  # a path that ends on an inverse step
                for cls in at:
                    self.reserved_edges[(cls, inverse)] = admin
        self._check_reserved_grants()

    @staticmethod
    @cache
    def of(ontology: Ontology) -> WriteRights:
        """The rights of ``ontology`` (built once per ontology object)."""
        return WriteRights(ontology)

    # --- questions --------------------------------------------------------------------

    def may_create(self, role: str, cls: str) -> bool:
        return self._granted(role, "create", cls)

    def may_delete(self, role: str, cls: str) -> bool:
        reserved = self._reserved_for(cls)
        return self._granted(role, "delete", cls) and (reserved is None or role in reserved)

    def may_update(self, role: str, cls: str, prop: str) -> bool:
        """Whether ``role`` may set ``prop`` (a property or relationship) on a ``cls``."""
        if not self._readable(role, cls, prop):
            return False
        grants = self.grants.get(role)
        if grants is None:
            return False
        return self._granted(role, "update", cls) or prop in grants.properties

    def may_unlink(self, role: str, cls: str, rel: str) -> bool:
        edges = self.reserved_edges
        reserved = self.reserved.get(rel) or next(
            (edges[(c, rel)] for c in self._chain(cls) if (c, rel) in edges), None
        )
        return self.may_update(role, cls, rel) and (reserved is None or role in reserved)

    def may_write_any(self, role: str) -> bool:
        """False for read-only roles (no grant at all)."""
        grants = self.grants.get(role)
        return grants is not None and (
            any(grants.classes[a] for a in ACTIONS) or bool(grants.properties)
        )

    def writers(self, cls: str) -> dict[Action, list[str]]:
        """Role keys that may create / update (some property of) / delete ``cls``, sorted."""
        props = [*self.ontology.datatype_properties(cls), *self.ontology.object_properties(cls)]
        return {
            "create": sorted(r for r in self.grants if self.may_create(r, cls)),
            "update": sorted(
                r for r in self.grants if any(self.may_update(r, cls, p) for p in props)
            ),
            "delete": sorted(r for r in self.grants if self.may_delete(r, cls)),
        }

    def property_writers(self, cls: str, prop: str) -> list[str]:
        """Role keys that may set ``prop`` on ``cls``, sorted."""
        return sorted(r for r in self.grants if self.may_update(r, cls, prop))

    # --- the check --------------------------------------------------------------------

    def check(self, role: str, ops: Iterable[Mapping[str, Any]]) -> None:
        """Raise ``ForbiddenError`` for the first operation ``role`` may not perform.

        ``ops`` are ``semgraph.changes.model.resolve``'s dicts. Nothing is read from the
        graph, so the answer is the same whatever the data holds (no oracle).
        """
        ops = list(ops)
        created = {op["iri"] for op in ops if op["op"] == "create"}
        for index, op in enumerate(ops):
            kind, where = op["op"], f"operation {index + 1} ({op['op']})"
            if kind == "resource":
                if role not in RESOURCE_WRITERS:
                    self._refuse(
                        role, f"write {op['iri']}, outside the ontology", where, RESOURCE_WRITERS
                    )
                continue
            if kind in {"link", "unlink"}:
                cls, rel = op["from_cls"], op["rel"]
                if kind == "unlink":
                    allowed = self.may_unlink(role, cls, rel)
                else:  # linking from an entity created in the same change set is creating it
                    allowed = self.may_update(role, cls, rel) or (
                        op["from_iri"] in created and self.may_create(role, cls)
                    )
                if not allowed:
                    allowed_roles = self._unlinkers(cls, rel, kind)
                    self._refuse(role, f"{kind} {cls}.{rel}", where, allowed_roles)
                continue
            cls = op["cls"]
            if kind == "delete":
                if not self.may_delete(role, cls):
                    self._refuse(role, f"delete {cls}", where, self.writers(cls)["delete"])
                continue
            if kind == "create" and not self.may_create(role, cls):
                self._refuse(role, f"create {cls}", where, self.writers(cls)["create"])
            for prop in sorted(op.get("props", {})):
                ok = (
                    self._readable(role, cls, prop)
                    if kind == "create"
                    else self.may_update(role, cls, prop)
                )
                if not ok:
                    self._refuse(role, f"set {cls}.{prop}", where, self.property_writers(cls, prop))
            if kind == "update" and not op.get("props") and not self.writers(cls)["update"]:
                self._refuse(role, f"update {cls}", where, [])

    # --- internals --------------------------------------------------------------------

    def _refuse(self, role: str, what: str, where: str, allowed: list[str]) -> NoReturn:
        who = ", ".join(allowed) if allowed else "no role"
        raise ForbiddenError(
            f"{where}: role `{role}` may not {what}",
            hint=f"roles that may: {who}; see `ontology {{ classes {{ writeRights }} }}`",
        )

    def _unlinkers(self, cls: str, rel: str, kind: str) -> list[str]:
        if kind == "unlink":
            return sorted(r for r in self.grants if self.may_unlink(r, cls, rel))
        return self.property_writers(cls, rel)

    def _chain(self, cls: str) -> tuple[str, ...]:
        found = self.ontology.cls(cls)
        return (found.name, *found.superclasses)

    def _granted(self, role: str, action: Action, cls: str) -> bool:
        grants = self.grants.get(role)
        return grants is not None and any(c in grants.classes[action] for c in self._chain(cls))

    def _reserved_for(self, cls: str) -> frozenset[str] | None:
        return next((self.reserved[c] for c in self._chain(cls) if c in self.reserved), None)

    def _readable(self, role: str, cls: str, prop: str) -> bool:
        datatype = self.ontology.datatype_properties(cls).get(prop)
        return datatype is None or datatype.visible_for((role,))

    def _class_name(self, term: Any, where: str) -> str:
        name = self.ontology.name_of(str(term))
        if name is None or name not in self.ontology.classes:
            raise OntologyError(f"{where}: write grant names `{term}`, not an ontology class")
        return name

    def _property_name(self, term: Any, where: str) -> str:
        name = self.ontology.name_of(str(term)) or ""
        known = {p.name for c in self.ontology.concrete_classes() for p in self._props(c.name)}
        if name not in known:
            raise OntologyError(f"{where}: sgm:mayUpdateProperty names `{term}`, not a property")
        return name

    def _props(self, cls: str) -> list[Any]:
        return [
            *self.ontology.datatype_properties(cls).values(),
            *self.ontology.object_properties(cls).values(),
        ]

    def _check_reserved_grants(self) -> None:
        """A non-reserved role granted a reserved delete is a data error, not a silent no."""
        classes = self.ontology.classes
        for grants in self.grants.values():
            for granted, cls in (
                (g, c) for g in grants.classes["delete"] for c in self.reserved if c in classes
            ):
                reserved = self.reserved[cls]
                covers = granted == cls or granted in classes[cls].superclasses
                if covers and grants.role not in reserved:
                    raise OntologyError(
                        f"role `{grants.role}` is granted sgm:mayDelete {granted}, "
                        f"but deletes of {cls} are reserved to {', '.join(sorted(reserved))}",
                        hint="remove the grant from ontology/access.ttl",
                    )


def _local(term: Any) -> str:
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
