"""``ChangeService``: what callers may do with changes — propose, apply, and read the
verdicts, impact and audit trail they leave.

Every business write enters here and goes through ``ChangePipeline`` (validate → commit →
audit → impact → alert). The change set's context carries the caller's identity (actor,
role, source system, session, device); ``guards`` run on it before anything is read, so a
rights check (per-role write rights) is one guard added by the container.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import neo4j

from semgraph.changes import queries as change_queries
from semgraph.changes.audit import AuditEntry, AuditTrail
from semgraph.changes.impact import ImpactStep
from semgraph.changes.model import ChangeContext, ChangeSet
from semgraph.changes.pipeline import ChangePipeline, ChangeResult
from semgraph.exceptions import InvalidInputError, NotFoundError
from semgraph.validation import queries as validation_queries
from semgraph.validation.focus import FocusValidator
from semgraph.validation.full import focus_page
from semgraph.validation.results import ValidationResult


class ChangeGuard(Protocol):
    """Admits a change set before the pipeline runs it, or raises a ``SemgraphError``."""

    def __call__(self, change_set: ChangeSet) -> None: ...


@dataclass(frozen=True)
class ViolationPage:
    """Current rule results of one page of a class's entities."""

    results: list[ValidationResult]
    focus_nodes: int
    next_after: str | None
    """Pass as ``after`` for the next page; None on the last page."""


class ChangeService:
    """Proposes and applies change sets, and answers what changes did and would do."""

    def __init__(
        self,
        pipeline: ChangePipeline,
        validator: FocusValidator,
        guards: Sequence[ChangeGuard] = (),
    ) -> None:
        self.pipeline = pipeline
        self.validator = validator
        self.guards = list(guards)
        self.ontology = pipeline.ontology
        self.trail = AuditTrail(pipeline.driver, pipeline.database)

    def admit(self, change_set: ChangeSet) -> None:
        """Run the guards on the change set's caller and operations (raises to refuse)."""
        for guard in self.guards:
            guard(change_set)

    def propose(self, change_set: ChangeSet) -> ChangeResult:
        """Dry run: rule results and impact of the change set; nothing is written."""
        self.admit(change_set)
        return self.pipeline.dry_run(change_set)

    def apply(self, change_set: ChangeSet) -> ChangeResult:
        """Apply atomically; see ``ChangePipeline.apply`` for the errors raised."""
        self.admit(change_set)
        return self.pipeline.apply(change_set)

    def violations_page(self, entity_type: str, after: str = "", limit: int = 100) -> ViolationPage:
        """Validate up to ``limit`` entities of ``entity_type`` (IRIs after ``after``) as
        they are now, as one batch of the full validation does.

        Raises:
            UnknownTermError: the ontology has no such class.
            InvalidInputError: ``limit`` below 1.
        """
        cls = self.ontology.cls(entity_type).name
        if limit < 1:
            raise InvalidInputError("first must be at least 1")
        if cls not in self.validator.reach.target_classes:
            return ViolationPage([], 0, None)
        with self._read() as session:
            iris = focus_page(session, cls, after, limit)
            if not iris:
                return ViolationPage([], 0, None)
            results = self.validator.validate(session, {cls: set(iris)})
        return ViolationPage(results, len(iris), iris[-1] if len(iris) == limit else None)

    def impact(self, entity_type: str, entity_id: str) -> list[ImpactStep]:
        """Entities a change to this one would impact, nearest first.

        Raises:
            UnknownTermError: unknown class. NotFoundError: no such entity.
        """
        iri = self.entity_iri(entity_type, entity_id)
        with self._read() as session:
            found = session.run(validation_queries.ENTITY_EXISTS, iri=iri).single(strict=True)
            if not found["found"]:
                raise NotFoundError(f"{entity_type} `{entity_id}` does not exist")
            return self.pipeline.impact.follow(session, {iri: self.ontology.cls(entity_type).name})

    def audit_trail(self, entity_type: str, entity_id: str, limit: int = 50) -> list[AuditEntry]:
        """Every change that touched the entity, newest first (unmasked)."""
        return self.trail.for_entity(self.entity_iri(entity_type, entity_id), limit)

    def existing(self, iris: Sequence[str]) -> set[str]:
        """Which of the entity IRIs the graph holds."""
        with self._read() as session:
            return {
                r["iri"] for r in session.run(change_queries.EXISTING_ENTITIES, iris=list(iris))
            }

    def record_bulk(self, context: ChangeContext, summary: str) -> str:
        """Record a write that bypassed the pipeline (an unchecked restore) as one change
        event; returns its id."""
        change_id = uuid.uuid4().hex
        self.pipeline.driver.execute_query(
            change_queries.RECORD_BULK,
            id=change_id,
            at=context.at,
            actor=context.actor,
            role=context.role,
            source_system=context.source_system,
            session_id=context.session_id,
            device=context.device_fingerprint,
            reason=context.reason,
            summary=summary,
            database_=self.pipeline.database,
        )
        return change_id

    def entity_iri(self, entity_type: str, entity_id: str) -> str:
        """The IRI of an entity; UnknownTermError (with a did-you-mean) for a bad class."""
        cls = self.ontology.cls(entity_type)
        return self.ontology.entity_iri(cls.name, entity_id)

    def _read(self) -> neo4j.Session:
        return self.pipeline.driver.session(
            database=self.pipeline.database, default_access_mode=neo4j.READ_ACCESS
        )
