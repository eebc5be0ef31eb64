# mypy: disable-error-code="untyped-decorator"
"""Writes and their reading side: ``proposeChange``/``applyChange`` through the change
pipeline (the only door for writes), and the ``violations``, ``auditTrail`` and
``impact`` queries.

A refused ``applyChange`` is a GraphQL error with code ``CHANGE_REFUSED`` whose
``extensions`` hold ``changeId`` and ``results`` (every rule result, W3C-style, masked
for the caller), so clients that only look at errors still see why.
"""

from __future__ import annotations

import time

import neo4j
import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from semgraph.api.graphql.change_types import (
    AuditEntryView,
    ChangeInput,
    ChangeOutcome,
    ImpactStep,
    RuleResult,
    audit_entry,
    change_outcome,
    change_set,
    impact_step,
    result_extension,
    rule_result,
)
from semgraph.api.graphql.context import RequestContext
from semgraph.api.graphql.errors import PageTooLargeError
from semgraph.bootstrap import Container
from semgraph.changes.audit import AuditTrail
from semgraph.changes.model import ChangeSet
from semgraph.changes.pipeline import ChangeResult
from semgraph.exceptions import ChangeRefusedError, InvalidInputError, NotFoundError
from semgraph.graph.identifiers import ident
from semgraph.validation.neighbourhood import read_neighbourhood
from semgraph.validation.rdf_view import RdfView, ValidationGraph
from semgraph.validation.results import ValidationResult

_FOCUS_PAGE = "MATCH (n:{label}) WHERE n.iri > $after RETURN n.iri AS iri ORDER BY iri LIMIT $limit"
_ENTITY_EXISTS = "MATCH (n:Resource {iri: $iri}) RETURN count(n) > 0 AS found"
SEVERITIES = ("Violation", "Warning", "Info")


@strawberry.type(description="Current rule results for one page of entities of one class.")
class ViolationReport:
    results: list[RuleResult]
    focus_nodes: int = strawberry.field(description="How many entities were validated.")
    next_after: str | None = strawberry.field(
        description="Pass as `after` for the next page; null on the last page."
    )
    seconds: float


def _validate_page(
    c: Container, cls: str, after: str, limit: int
) -> tuple[list[ValidationResult], int, str | None]:
    """Validate up to ``limit`` entities of ``cls`` (by IRI, after ``after``) as the full
    batched validation does for one batch: their shapes' neighbourhood, one pySHACL run."""
    if cls not in c.reach.target_classes:
        return [], 0, None
    db = c.settings.neo4j_database
    with c.driver.session(database=db, default_access_mode=neo4j.READ_ACCESS) as session:
        query = _FOCUS_PAGE.format(label=ident(cls))
        iris = [r["iri"] for r in session.run(query, after=after, limit=limit)]
        if not iris:
            return [], 0, None
        nodes, edges = read_neighbourhood(session, c.reach, {cls: set(iris)}, c.ontology)
    view, data = RdfView(c.ontology), ValidationGraph()
    view.add_nodes(data, nodes)
    view.add_edges(data, edges)
    results = c.engine.validate(data, iris)
    return results, len(iris), iris[-1] if len(iris) == limit else None


def _entity_iri(c: Container, entity_type: str, entity_id: str) -> str:
    c.ontology.cls(entity_type)  # UnknownTermError with a did-you-mean hint
    return c.ontology.entity_iri(entity_type, entity_id)


@strawberry.type
class ChangeQueries:
    @strawberry.field(
        description="Current rule results (Violation, Warning, Info) for up to `first` "
        "entities of one class, paged by `after`; the rules' values are masked for the "
        "caller. Runs SHACL on demand, so it is capped like a page."
    )
    async def violations(
        self,
        info: Info,
        entity_type: str,
        severity: str | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> ViolationReport:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        c = ctx.services.container
        c.ontology.cls(entity_type)
        cap = ctx.services.settings.max_page_size
        if first > cap:
            raise PageTooLargeError(f"first={first} is above the maximum {cap}")
        if first < 1:
            raise InvalidInputError("first must be at least 1")
        if severity is not None and severity not in SEVERITIES:
            raise InvalidInputError(
                f"unknown severity `{severity}`", hint="use " + ", ".join(SEVERITIES)
            )
        start = time.perf_counter()
        results, count, next_after = await ctx.services.workers.read(
            _validate_page, c, entity_type, after or "", first
        )
        masker = ctx.services.masker
        return ViolationReport(
            results=[
                rule_result(r, masker, caller)
                for r in results
                if severity is None or r.severity == severity
            ],
            focus_nodes=count,
            next_after=next_after,
            seconds=round(time.perf_counter() - start, 3),
        )

    @strawberry.field(
        description="Every change that touched the entity, newest first: who, when, from "
        "which system/session/device, before/after (masked), rules fired, impact."
    )
    async def audit_trail(
        self, info: Info, entity_type: str, id: strawberry.ID, limit: int = 50
    ) -> list[AuditEntryView]:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        c = ctx.services.container
        iri = _entity_iri(c, entity_type, str(id))
        if not 1 <= limit <= ctx.services.settings.max_page_size:
            raise PageTooLargeError(f"limit must be 1..{ctx.services.settings.max_page_size}")
        trail = AuditTrail(c.driver, c.settings.neo4j_database)
        entries = await ctx.services.workers.read(trail.for_entity, iri, limit)
        return [audit_entry(e, iri, ctx.services.masker, caller) for e in entries]

    @strawberry.field(
        description="Entities a change to this one would impact, over the ontology's "
        "impact relationships, nearest first (NOT_FOUND for an unknown entity)."
    )
    async def impact(self, info: Info, entity_type: str, id: strawberry.ID) -> list[ImpactStep]:
        ctx: RequestContext = info.context
        ctx.require_caller()
        c = ctx.services.container
        iri = _entity_iri(c, entity_type, str(id))

        def follow() -> list[ImpactStep]:
            db = c.settings.neo4j_database
            with c.driver.session(database=db, default_access_mode=neo4j.READ_ACCESS) as s:
                if not s.run(_ENTITY_EXISTS, iri=iri).single(strict=True)["found"]:
                    raise NotFoundError(f"{entity_type} `{id}` does not exist")
                steps = c.pipeline.impact.follow(s, {iri: entity_type})
            return [impact_step(vars(step)) for step in steps]

        return await ctx.services.workers.read(follow)


def _dry_run(c: Container, change: ChangeSet) -> ChangeResult:
    return c.pipeline.dry_run(change)  # in the worker: the first use builds the pipeline


def _apply(c: Container, change: ChangeSet) -> ChangeResult:
    return c.pipeline.apply(change)


@strawberry.type
class ChangeMutations:
    @strawberry.mutation(
        description="Dry run: the rule results and impact the change would have; nothing is "
        "written."
    )
    async def propose_change(self, info: Info, change: ChangeInput) -> ChangeOutcome:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        c = ctx.services.container
        result = await ctx.services.workers.write(_dry_run, c, change_set(change, caller))
        return change_outcome(result, ctx.services.masker, caller)

    @strawberry.mutation(
        description="Apply atomically. A Violation refuses it (nothing written): error "
        "CHANGE_REFUSED with `extensions.results`. Actor, role, source system, session and "
        "device are taken from the request and recorded in the audit trail."
    )
    async def apply_change(self, info: Info, change: ChangeInput) -> ChangeOutcome:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        c = ctx.services.container
        try:
            result = await ctx.services.workers.write(_apply, c, change_set(change, caller))
        except ChangeRefusedError as refused:
            outcome = change_outcome(refused.result, ctx.services.masker, caller)
            first = outcome.violations[0] if outcome.violations else None
            message = f"change refused: {len(outcome.violations)} violation(s)" + (
                f"; first: {first.message_en} (focus {first.focus_node})" if first else ""
            )
            raise GraphQLError(
                message,
                original_error=refused,
                extensions={
                    "code": refused.code,
                    "hint": refused.hint,
                    "changeId": outcome.change_id,
                    "results": [result_extension(r) for r in outcome.results],
                },
            ) from None
        return change_outcome(result, ctx.services.masker, caller)
