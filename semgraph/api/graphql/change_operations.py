# mypy: disable-error-code="untyped-decorator"
"""Writes and their reading side: ``proposeChange``/``applyChange`` and the
``violations``, ``auditTrail`` and ``impact`` queries, each one call on
``ChangeService`` (semgraph.services.changes), the only door for writes.

A refused ``applyChange`` is a GraphQL error with code ``CHANGE_REFUSED`` whose
``extensions`` hold ``changeId`` and ``results`` (every rule result, W3C-style, masked
for the caller), so clients that only look at errors still see why.
"""

from __future__ import annotations

import time

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
from semgraph.exceptions import ChangeRefusedError, InvalidInputError

SEVERITIES = ("Violation", "Warning", "Info")


@strawberry.type(description="Current rule results for one page of entities of one class.")
class ViolationReport:
    results: list[RuleResult]
    focus_nodes: int = strawberry.field(description="How many entities were validated.")
    next_after: str | None = strawberry.field(
        description="Pass as `after` for the next page; null on the last page."
    )
    seconds: float


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
        changes = ctx.services.container.changes
        changes.ontology.cls(entity_type)
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
        page = await ctx.services.workers.read(
            changes.violations_page, entity_type, after or "", first
        )
        masker = ctx.services.masker
        return ViolationReport(
            results=[
                rule_result(r, masker, caller)
                for r in page.results
                if severity is None or r.severity == severity
            ],
            focus_nodes=page.focus_nodes,
            next_after=page.next_after,
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
        changes = ctx.services.container.changes
        iri = changes.entity_iri(entity_type, str(id))
        if not 1 <= limit <= ctx.services.settings.max_page_size:
            raise PageTooLargeError(f"limit must be 1..{ctx.services.settings.max_page_size}")
        entries = await ctx.services.workers.read(changes.audit_trail, entity_type, str(id), limit)
        return [audit_entry(e, iri, ctx.services.masker, caller) for e in entries]

    @strawberry.field(
        description="Entities a change to this one would impact, over the ontology's "
        "impact relationships, nearest first (NOT_FOUND for an unknown entity)."
    )
    async def impact(self, info: Info, entity_type: str, id: strawberry.ID) -> list[ImpactStep]:
        ctx: RequestContext = info.context
        ctx.require_caller()
        steps = await ctx.services.workers.read(
            ctx.services.container.changes.impact, entity_type, str(id)
        )
        return [impact_step(vars(step)) for step in steps]


@strawberry.type
class ChangeMutations:
    @strawberry.mutation(
        description="Dry run: the rule results and impact the change would have; nothing is "
        "written."
    )
    async def propose_change(self, info: Info, change: ChangeInput) -> ChangeOutcome:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        changes = ctx.services.container.changes
        result = await ctx.services.workers.write(
            changes.propose, change_set(change, caller, ctx.services.write_names)
        )
        return change_outcome(result, ctx.services.masker, caller)

    @strawberry.mutation(
        description="Apply atomically. A Violation refuses it (nothing written): error "
        "CHANGE_REFUSED with `extensions.results`. Actor, role, source system, session and "
        "device are taken from the request and recorded in the audit trail."
    )
    async def apply_change(self, info: Info, change: ChangeInput) -> ChangeOutcome:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        changes = ctx.services.container.changes
        try:
            result = await ctx.services.workers.write(
                changes.apply, change_set(change, caller, ctx.services.write_names)
            )
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
