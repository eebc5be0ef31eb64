"""Mappings as the sync runs them: one ``TableMapping`` per (system, table), read from
``ontology/systems.ttl`` and from mapping files a user adds, in the same vocabulary.

Beyond ``sgm:FieldMapping``'s transform, value map and key, the sync reads (all optional):

- ``sgm:datePattern "dd/MM/yyyy"`` for ``date_iso`` / ``datetime_iso`` (default ISO 8601);
- ``sgm:decimalSeparator ","`` for ``decimal`` (``1.234,56``);
- ``sgm:default "active"``: the value when the field is empty or absent;
- ``sgm:constant "active"`` (and no ``sgm:sourceField``): the value of every row;
- ``sgm:keyOrder 1``, ``2``…: several ``sgm:isKey`` fields make a composite key, joined by ``-``;
- ``sgm:matchKey true`` on a golden property (e.g. ``sg:taxId``): a row whose value equals
  an existing entity's is that entity, so a CRM account and an SAP customer with the same
  tax id become one golden customer with two system records;
- ``sgm:ReferenceMapping``: a foreign key. ``sgm:sourceField`` holds the key of a row of
  ``sgm:referencedTable`` (of the same system, or of ``sgm:referencedSystem``); the row's
  entity gets the relationship ``sgm:targetRelationship`` to that row's entity (an order's
  customer number -> ``customer``; a web event's CRM account id -> ``customer``).

The loader refuses a mapping naming an unknown system, class, property, relationship,
transform or table with ``MappingError``, whose message starts with the file and line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from semgraph.exceptions import did_you_mean
from semgraph.ontology.model import SGM, Ontology
from semgraph.ontology.terms import TRANSFORMS
from semgraph.sync.errors import MappingError
from semgraph.sync.transforms import strptime_format

KEY_SEPARATOR = "-"


@dataclass(frozen=True)
class FieldRule:
    """One source field (or constant) written to a property of the entity or its record."""

    source_field: str | None
    target_property: str
    datatype: str
    on_record: bool
    transform: str | None = None
    value_map: tuple[tuple[str, str], ...] = ()
    date_pattern: str | None = None
    decimal_separator: str = "."
    default: str | None = None
    constant: str | None = None
    allowed_values: tuple[str, ...] | None = None
    match_key: bool = False
    key_order: int = 0
    where: str = ""
    """``file:line`` of the mapping, for messages."""


@dataclass(frozen=True)
class ReferenceRule:
    """A foreign key: ``source_field`` holds a key of ``referenced_table``'s rows, a table
    of ``referenced_system`` (the mapping's own system unless it names another)."""

    source_field: str
    relationship: str
    target_class: str
    referenced_table: str
    transform: str | None = None
    where: str = ""
    referenced_system: str = ""


@dataclass(frozen=True)
class TableMapping:
    """How the rows of one source table become entities of ``target_class``."""

    system: str
    table: str
    target_class: str
    keys: tuple[FieldRule, ...]
    fields: tuple[FieldRule, ...]
    references: tuple[ReferenceRule, ...] = ()
    system_of_record: bool = True
    """False when another system owns the class: its golden values only fill gaps."""

    @property
    def match_rule(self) -> FieldRule | None:
        return next((f for f in self.fields if f.match_key), None)

    def referenced(self, relationship: str) -> tuple[str, str]:
        """(system, table) whose keys the foreign key of ``relationship`` holds."""
        ref = next(r for r in self.references if r.relationship == relationship)
        return ref.referenced_system or self.system, ref.referenced_table


@dataclass
class MappingCatalog:
    """Every table the sync knows, by (system, table)."""

    tables: dict[tuple[str, str], TableMapping] = field(default_factory=dict)
    systems: set[str] = field(default_factory=set)

    def table(self, system: str, table: str) -> TableMapping:
        """The mapping of ``system``'s ``table``.

        Raises MappingError naming the known systems or tables (with a did-you-mean hint).
        """
        if system not in self.systems:
            hint = did_you_mean(system, self.systems) or "known: " + ", ".join(sorted(self.systems))
            raise MappingError(f"unknown source system `{system}`", hint=hint)
        tables = sorted(t for s, t in self.tables if s == system)
        found = self.tables.get((system, table))
        if found is None:
            hint = did_you_mean(table, tables) or (
                f"{system} tables: "
                + ", ".join(tables)
                + "; add sgm:FieldMapping statements for it to a mapping file"
            )
            raise MappingError(f"no mapping for table `{table}` of {system}", hint=hint)
        if not found.keys:
            raise MappingError(
                f"table `{table}` of {system} has no key field",
                hint="mark the field that identifies a row with `sgm:isKey true` "
                "(targetProperty sg:externalId)",
            )
        return found


class _Source:
    """The mapping files, so an error can name the file and line of a statement."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.graph = Graph()
        self.parts: list[tuple[Path, Graph, list[str]]] = []
        for path in paths:
            part = Graph()
            try:
                part.parse(path, format="turtle")
            except Exception as exc:  # rdflib raises several unrelated types
                raise MappingError(
                    f"cannot parse Turtle: {exc}", file=str(path), hint="fix the syntax"
                ) from exc
            self.parts.append((path, part, path.read_text(encoding="utf-8").splitlines()))
            self.graph += part

    def where(self, subject: Node) -> tuple[str, int | None]:
        for path, part, lines in self.parts:
            if (subject, None, None) in part:
                name = re.split(r"[#/:]", str(subject))[-1]
                pattern = re.compile(r"^\s*(\S*[:#/])?" + re.escape(name) + r">?(\s|$)")
                line = next((i + 1 for i, text in enumerate(lines) if pattern.match(text)), None)
                return str(path), line
        return "mapping", None

    def error(self, subject: Node, message: str, hint: str | None = None) -> MappingError:
        file, line = self.where(subject)
        return MappingError(message, file=file, line=line, hint=hint)

    def location(self, subject: Node) -> str:
        file, line = self.where(subject)
        return f"{file}:{line}" if line else file


def _local(node: Node | None) -> str | None:
    if node is None:
        return None
    text = str(node)
    return re.split(r"[#/]", text)[-1] if isinstance(node, URIRef) else text


def _literal(g: Graph, s: Node, p: URIRef) -> str | None:
    value = g.value(s, p)
    return None if value is None else str(value)


def load_catalog(ontology: Ontology, paths: Sequence[Path]) -> MappingCatalog:
    """Read every ``sgm:FieldMapping`` and ``sgm:ReferenceMapping`` in ``paths``.

    ``paths`` are the ontology's own files (systems.ttl) and any user mapping files; a
    user file may declare its own ``sgm:SourceSystem``. Raises MappingError (file:line).
    """
    src = _Source(paths)
    g = src.graph
    catalog = MappingCatalog(systems={s.key for s in ontology.systems()})
    catalog.systems |= {
        k for s in g.subjects(RDF.type, SGM.SourceSystem) if (k := _local(s)) is not None
    }
    rules: dict[tuple[str, str], list[FieldRule]] = defaultdict(list)
    classes: dict[tuple[str, str], tuple[str, Node]] = {}
    for m in sorted(g.subjects(RDF.type, SGM.FieldMapping), key=str):
        system, table, cls = _table_of(src, ontology, catalog, m, classes)
        rules[(system, table)].append(_field_rule(src, ontology, m, cls))
    refs: dict[tuple[str, str], list[ReferenceRule]] = defaultdict(list)
    for m in sorted(g.subjects(RDF.type, SGM.ReferenceMapping), key=str):
        system, table, cls = _table_of(src, ontology, catalog, m, classes)
        refs[(system, table)].append(_reference_rule(src, ontology, catalog, m, cls, system))
    for (system, table), (cls, _) in sorted(classes.items()):
        fields = rules.get((system, table), [])
        keys = tuple(
            sorted(
                (f for f in fields if f.target_property == "externalId" and f.key_order > 0),
                key=lambda f: (f.key_order, f.source_field or ""),
            )
        )
        owner = ontology.cls(cls).system_of_record
        catalog.tables[(system, table)] = TableMapping(
            system=system,
            table=table,
            target_class=cls,
            keys=keys,
            fields=tuple(f for f in fields if f not in keys),
            references=tuple(refs.get((system, table), [])),
            system_of_record=owner is None or owner == system,
        )
    for references in refs.values():
        for ref in references:
            system = ref.referenced_system
            target = catalog.tables.get((system, ref.referenced_table))
            if target is None or target.target_class != ref.target_class:
                known = sorted(
                    t
                    for (s, t), tm in catalog.tables.items()
                    if s == system and tm.target_class == ref.target_class
                )
                raise MappingError(
                    f"{ref.where}: sgm:referencedTable `{ref.referenced_table}` is not a "
                    f"{system} table of {ref.target_class}",
                    hint=did_you_mean(ref.referenced_table, known)
                    or (
                        "tables of it: " + ", ".join(known)
                        if known
                        else f"map a {system} table onto {ref.target_class} first"
                    ),
                )
    return catalog


def _table_of(
    src: _Source,
    ontology: Ontology,
    catalog: MappingCatalog,
    m: Node,
    classes: dict[tuple[str, str], tuple[str, Node]],
) -> tuple[str, str, str]:
    g = src.graph
    system = _local(g.value(m, SGM.sourceSystem))
    if system is None or system not in catalog.systems:
        raise src.error(
            m,
            f"sgm:sourceSystem `{system}` is not a declared source system",
            hint=did_you_mean(system or "", catalog.systems)
            or "declare it: `sgm:MySystem a sgm:SourceSystem .`",
        )
    table = _literal(g, m, SGM.sourceTable)
    if not table:
        raise src.error(m, "has no sgm:sourceTable", hint='add `sgm:sourceTable "Account"`')
    cls = _local(g.value(m, SGM.targetClass)) or ""
    if cls not in ontology.classes or ontology.cls(cls).abstract:
        raise src.error(
            m,
            f"sgm:targetClass `{cls}` is not a class of the ontology",
            hint=did_you_mean(cls, ontology.classes)
            or "classes: " + ", ".join(c.name for c in ontology.concrete_classes()),
        )
    earlier = classes.setdefault((system, table), (cls, m))
    if earlier[0] != cls:
        raise src.error(
            m,
            f"table `{table}` of {system} maps onto {earlier[0]} at "
            f"{src.location(earlier[1])}, here onto {cls}",
            hint="one table becomes one class; split the export or fix the class",
        )
    return system, table, cls


def _field_rule(src: _Source, ontology: Ontology, m: Node, cls: str) -> FieldRule:
    g = src.graph
    prop_name = _local(g.value(m, SGM.targetProperty)) or ""
    on_class = ontology.datatype_properties(cls)
    on_record = ontology.datatype_properties("SystemRecord")
    prop = on_class.get(prop_name)
    record = False
    if prop is None or prop_name == "externalId":
        prop = on_record.get(prop_name)
        record = True
    if prop is None or prop_name in {"id", "createdAt", "updatedAt", "sourceSystem"}:
        reserved = {"id", "createdAt", "updatedAt", "sourceSystem"}
        candidates = sorted({*on_class, *on_record} - reserved)
        raise src.error(
            m,
            f"sgm:targetProperty `{prop_name}` is not a property of {cls} or SystemRecord",
            hint=did_you_mean(prop_name, candidates) or "properties: " + ", ".join(candidates),
        )
    transform = _literal(g, m, SGM.transform)
    if transform is not None and transform not in TRANSFORMS:
        raise src.error(
            m,
            f"sgm:transform `{transform}` is unknown",
            hint=did_you_mean(transform, TRANSFORMS) or "one of " + ", ".join(sorted(TRANSFORMS)),
        )
    pattern = _literal(g, m, SGM.datePattern)
    if pattern is not None:
        try:
            strptime_format(pattern)
        except ValueError as exc:
            raise src.error(m, str(exc)) from None
    separator = _literal(g, m, SGM.decimalSeparator) or "."
    if separator not in {".", ","}:
        raise src.error(m, f"sgm:decimalSeparator `{separator}` must be `.` or `,`")
    source_field = _literal(g, m, SGM.sourceField)
    constant = _literal(g, m, SGM.constant)
    if (source_field is None) == (constant is None):
        raise src.error(
            m,
            "needs exactly one of sgm:sourceField (a column) or sgm:constant (a fixed value)",
        )
    is_key = str(g.value(m, SGM.isKey)).lower() == "true"
    if is_key and prop_name != "externalId":
        raise src.error(m, "a key mapping (sgm:isKey true) must target sg:externalId")
    key_order = 0
    if is_key:
        raw_order = _literal(g, m, SGM.keyOrder) or "1"
        if not raw_order.isdigit() or int(raw_order) < 1:
            raise src.error(m, f"sgm:keyOrder `{raw_order}` must be a positive integer")
        key_order = int(raw_order)
    match = str(g.value(m, SGM.matchKey)).lower() == "true"
    if match and record:
        raise src.error(
            m, "sgm:matchKey needs a property of the entity (e.g. sg:taxId), not of its record"
        )
    values = tuple(
        sorted(
            (str(g.value(vm, SGM["from"]) or ""), str(g.value(vm, SGM.to) or ""))
            for vm in g.objects(m, SGM.valueMap)
        )
    )
    return FieldRule(
        source_field=source_field,
        target_property=prop_name,
        datatype=prop.datatype,
        on_record=record,
        transform=transform,
        value_map=values,
        date_pattern=pattern,
        decimal_separator=separator,
        default=_literal(g, m, SGM.default),
        constant=constant,
        allowed_values=prop.allowed_values,
        match_key=match,
        key_order=key_order,
        where=src.location(m),
    )


def _reference_rule(
    src: _Source, ontology: Ontology, catalog: MappingCatalog, m: Node, cls: str, system: str
) -> ReferenceRule:
    g = src.graph
    other = g.value(m, SGM.referencedSystem)
    referenced_system = _local(other) if other is not None else system
    if referenced_system is None or referenced_system not in catalog.systems:
        raise src.error(
            m,
            f"sgm:referencedSystem `{referenced_system}` is not a declared source system",
            hint=did_you_mean(referenced_system or "", catalog.systems)
            or "known: " + ", ".join(sorted(catalog.systems)),
        )
    rel = _local(g.value(m, SGM.targetRelationship)) or ""
    rels = ontology.object_properties(cls)
    if rel not in rels:
        raise src.error(
            m,
            f"sgm:targetRelationship `{rel}` is not a relationship of {cls}",
            hint=did_you_mean(rel, rels) or "relationships: " + ", ".join(rels),
        )
    source_field = _literal(g, m, SGM.sourceField)
    table = _literal(g, m, SGM.referencedTable)
    if not source_field or not table:
        raise src.error(m, "a sgm:ReferenceMapping needs sgm:sourceField and sgm:referencedTable")
    transform = _literal(g, m, SGM.transform)
    if transform is not None and transform not in {"trim", "upper", "lower"}:
        raise src.error(m, f"sgm:transform `{transform}` on a key must be trim, upper or lower")
    return ReferenceRule(
        source_field=source_field,
        relationship=rel,
        target_class=rels[rel].range,
        referenced_table=table,
        transform=transform,
        where=src.location(m),
        referenced_system=referenced_system,
    )


def mapping_files(ontology_files: Iterable[Path], extra: Iterable[Path] = ()) -> list[Path]:
    """The ontology files that hold mappings, then the user's files, in order."""
    own = [p for p in ontology_files if "sgm:FieldMapping" in p.read_text(encoding="utf-8")]
    return [*own, *extra]
