"""``ImportService``: RDF files in, through the same door as every other write.

Each business entity of the file becomes operations of a change set that
``ChangeService.apply`` validates, commits, audits, walks for impact and alerts on, with
the importer's actor, role, source system, session and device. Entities linked to one
another travel in the same change set (batches are packed from the file's connected
parts), so every accepted batch is atomic and audited. A record the rules refuse is taken
out of its batch with the reason, the rest of the batch is tried again, and the refused
records' triples go to a rejects file that can be fixed and imported again. With
``all_or_nothing`` the file is one change set: one refusal and nothing is written.

``unchecked`` (restores) writes the file with the plain RDF mapping, records one change
event and validates the whole graph after.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from semgraph.changes.model import ChangeContext, ChangeSet, LinkEntities, Operation, resolve
from semgraph.exceptions import (
    ChangeRefusedError,
    InvalidInputError,
    NotFoundError,
    SemgraphError,
    UnknownTermError,
)
from semgraph.ontology.model import Ontology
from semgraph.rdf.importer import import_graph
from semgraph.rdf.records import EntityRecord, business_records, record_triples
from semgraph.services.changes import ChangeService
from semgraph.validation.full import FullReport


@dataclass
class Rejected:
    """A record of the file that was not written, and why."""

    iri: str
    reason: str
    shape: str | None = None


@dataclass
class ImportOutcome:
    """What an import wrote and refused."""

    records: int = 0
    created: int = 0
    updated: int = 0
    change_ids: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    rejects_file: Path | None = None
    warnings: int = 0
    validation: FullReport | None = None
    """Set by an unchecked import: the full validation that followed it."""
    blank_nodes: int = 0
    """Blank nodes an unchecked import stored as genid IRIs named by their content."""


class ImportService:
    """Imports RDF graphs as change sets through ``ChangeService``."""

    def __init__(
        self,
        changes: ChangeService,
        ontology: Ontology,
        validate_all: Callable[[], FullReport],
    ) -> None:
        self.changes = changes
        self.ontology = ontology
        self.validate_all = validate_all

    def import_graph(
        self,
        graph: Graph,
        context: ChangeContext,
        *,
        rejects_file: Path,
        batch_size: int = 1000,
        all_or_nothing: bool = False,
    ) -> ImportOutcome:
        """Validate and write the business entities of ``graph``.

        Refused records are listed in ``ImportOutcome.rejected`` and their triples written
        to ``rejects_file`` (removed when nothing is refused).

        Raises:
            UnknownTermError: an unknown role. InvalidInputError: ``batch_size`` < 1.
            ConflictError: another writer kept winning; importing again is safe.
        """
        if batch_size < 1:
            raise InvalidInputError("batch size must be at least 1")
        if context.role not in self.ontology.role_keys():
            raise UnknownTermError("role", context.role, self.ontology.role_keys())
        records = business_records(graph, self.ontology)
        outcome = ImportOutcome(records=len(records))
        by_iri = {r.iri: r for r in records}
        existing = self.changes.existing([r.iri for r in records if r.problem is None])
        existing |= self.changes.existing(
            sorted({t for r in records for t in r.targets(self.ontology)} - by_iri.keys())
        )
        good: list[EntityRecord] = []
        for record in records:
            reason = record.problem or self._check(record, existing, by_iri)
            if reason:
                outcome.rejected.append(Rejected(record.iri, reason))
            else:
                good.append(record)
        if all_or_nothing:
            batches = [good] if not outcome.rejected else []
        else:
            batches = _pack(good, self.ontology, batch_size)
        carried: dict[str, list[Operation]] = defaultdict(list)
        for batch in batches:
            self._apply_batch(batch, existing, carried, context, outcome, retry=not all_or_nothing)
        if all_or_nothing and outcome.rejected:
            refused_iris = {r.iri for r in outcome.rejected}
            for record in good:
                if record.iri not in refused_iris:
                    outcome.rejected.append(
                        Rejected(record.iri, "not written: another record was refused")
                    )
        _write_rejects(graph, outcome, by_iri, rejects_file)
        return outcome

    def import_unchecked(self, graph: Graph, context: ChangeContext, source: str) -> ImportOutcome:
        """Write ``graph`` with the plain RDF mapping (no validation), record one change
        event, then validate the whole graph; ``validation`` holds its report.

        Raises:
            InvalidInputError: the caller's role is not admin.
        """
        if context.role != "admin":
            raise InvalidInputError(
                "an unchecked import bypasses every rule, so it takes the admin role",
                hint="pass --role admin, or import without --unchecked",
            )
        report = import_graph(self.changes.pipeline.driver, graph, self.changes.pipeline.database)
        change_id = self.changes.record_bulk(
            context,
            f"unchecked import of {source}: {report.triples} triples, "
            f"{report.resources} resources, {report.relationships} relationships",
        )
        return ImportOutcome(
            records=report.subjects,
            change_ids=[change_id],
            validation=self.validate_all(),
            blank_nodes=report.blank_nodes,
        )

    # --- batches -------------------------------------------------------------------------
    def _check(
        self, record: EntityRecord, existing: set[str], by_iri: dict[str, EntityRecord]
    ) -> str | None:
        """Why the record's operations cannot run (None: they can)."""
        for target in record.targets(self.ontology):
            if target not in existing and target not in by_iri:
                return f"links to {target}, which neither the file nor the graph holds"
        try:
            ops = record.operations(record.iri in existing)
            if ops:
                resolve(_change_set(ops, _PROBE), self.ontology)
        except SemgraphError as exc:
            return exc.message
        return None

    def _apply_batch(
        self,
        batch: list[EntityRecord],
        existing: set[str],
        carried: dict[str, list[Operation]],
        context: ChangeContext,
        outcome: ImportOutcome,
        *,
        retry: bool,
    ) -> None:
        """Apply one batch; records the rules refuse leave it and the rest is tried again.
        ``carried``: links of earlier batches to entities not written yet, by target."""
        pending = {r.iri: r for r in batch}
        while pending:
            later: dict[str, list[Operation]] = defaultdict(list)
            ops = _batch_operations(list(pending.values()), existing, self.ontology, later)
            ops += [op for iri in pending for op in carried.get(iri, ())]
            if not ops:
                return
            try:
                result = self.changes.apply(_change_set(ops, context))
            except ChangeRefusedError as refused:
                violations = refused.result.violations if refused.result is not None else []
                blamed = {v.focus_node: v for v in violations if v.focus_node in pending}
                if not blamed or not retry:  # a verdict moved outside the batch: refuse it
                    first = violations[0] if violations else None
                    for iri in pending:
                        v = blamed.get(iri) or first
                        outcome.rejected.append(
                            Rejected(
                                iri, v.message_en if v else refused.message, v.shape if v else None
                            )
                        )
                    return
                for iri, v in blamed.items():
                    outcome.rejected.append(Rejected(iri, v.message_en, v.shape))
                    del pending[iri]
                continue
            except NotFoundError as exc:
                for iri in pending:
                    outcome.rejected.append(Rejected(iri, exc.message))
                return
            for iri in pending:
                carried.pop(iri, None)
            for target, links in later.items():
                carried[target].extend(links)
            outcome.change_ids.append(result.change_id)
            outcome.warnings += len(result.warnings)
            for record in pending.values():
                if record.iri in existing:
                    outcome.updated += 1
                else:
                    outcome.created += 1
                    existing.add(record.iri)
            return


_PROBE = ChangeContext(actor="import", role="admin")


def _change_set(ops: list[Operation], context: ChangeContext) -> ChangeSet:
    return ChangeSet(context=context, operations=ops)


def _batch_operations(
    batch: list[EntityRecord],
    existing: set[str],
    ontology: Ontology,
    later: dict[str, list[Operation]],
) -> list[Operation]:
    """Entities first, then links (a link needs both ends). A link to an entity not
    written yet goes to ``later``, by target, for the batch that writes it."""
    in_batch = {r.iri for r in batch}
    entities: list[Operation] = []
    links: list[Operation] = []
    for record in batch:
        skip = {t for t in record.targets(ontology) if t not in in_batch and t not in existing}
        for op in record.operations(record.iri in existing, skip):
            (links if op.op in {"link", "unlink"} else entities).append(op)
        for op in record.operations(True, frozenset()):
            if isinstance(op, LinkEntities):
                target = ontology.entity_iri(op.to_cls, op.to_id)
                if target in skip:
                    later[target].append(op)
    return entities + links


def _pack(
    records: list[EntityRecord], ontology: Ontology, batch_size: int
) -> list[list[EntityRecord]]:
    """Batches of about ``batch_size`` records; records linked to one another (a
    connected part of the file) share a batch unless the part alone is too big."""
    parent = {r.iri: r.iri for r in records}

    def root(iri: str) -> str:
        while parent[iri] != iri:
            parent[iri] = parent[parent[iri]]
            iri = parent[iri]
        return iri

    for record in records:
        for target in record.targets(ontology):
            if target in parent:
                parent[root(record.iri)] = root(target)
    parts: dict[str, list[EntityRecord]] = defaultdict(list)
    for record in _targets_first(records, ontology):
        parts[root(record.iri)].append(record)
    batches: list[list[EntityRecord]] = []
    current: list[EntityRecord] = []
    for part in parts.values():
        if current and len(current) + len(part) > batch_size:
            batches.append(current)
            current = []
        current.extend(part)
        while len(current) > batch_size:
            batches.append(current[:batch_size])
            current = current[batch_size:]
    if current:
        batches.append(current)
    return batches


def _targets_first(records: list[EntityRecord], ontology: Ontology) -> list[EntityRecord]:
    """The records with the entities they link to before them (a cycle is cut anywhere),
    so a part split over batches has its links' targets written first."""
    by_iri = {r.iri: r for r in records}
    order: list[EntityRecord] = []
    seen: set[str] = set()
    for start in records:
        stack: list[tuple[EntityRecord, int]] = [(start, 0)]
        if start.iri in seen:
            continue
        seen.add(start.iri)
        while stack:
            record, index = stack.pop()
            targets = record.targets(ontology)
            while index < len(targets) and (targets[index] not in by_iri or targets[index] in seen):
                index += 1
            if index < len(targets):
                stack.append((record, index + 1))
                seen.add(targets[index])
                stack.append((by_iri[targets[index]], 0))
            else:
                order.append(record)
    return order


def _write_rejects(
    graph: Graph, outcome: ImportOutcome, by_iri: dict[str, EntityRecord], path: Path
) -> None:
    if not outcome.rejected:
        path.unlink(missing_ok=True)
        return
    rejected = [by_iri[r.iri] for r in outcome.rejected if r.iri in by_iri]
    lines = [
        f"# {r.iri}: {r.reason}" + (f" (shape {r.shape})" if r.shape else "")
        for r in outcome.rejected
    ]
    body = record_triples(graph, rejected).serialize(format="turtle")
    path.write_text(
        "\n".join(["# records semgraph import refused, and why", *lines, "", body]),
        encoding="utf-8",
    )
    outcome.rejects_file = path
