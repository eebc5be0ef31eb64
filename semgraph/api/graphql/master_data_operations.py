# mypy: disable-error-code="untyped-decorator"
"""``duplicateCandidates``, ``mergeEntities``, ``unmergeEntity``: each one call on
``MasterDataService`` (semgraph.services.master_data); merges go through the one door.

Evidence quotes the compared values of both sides; a value of a property the caller's
role may not see (``sgm:visibleTo``) is ``***``, as in every other answer.
"""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from semgraph.api.graphql.auth import Caller as ApiCaller
from semgraph.api.graphql.context import RequestContext
from semgraph.api.graphql.errors import PageTooLargeError
from semgraph.master_data.outcomes import Caller, Candidate, MergeOutcome
from semgraph.services.master_data import MasterDataService


@strawberry.type(description="Two golden entities that may be one, and why Splink thinks so.")
class DuplicateCandidate:
    key: str = strawberry.field(description="Pass to `mergeEntities` or the CLI's review.")
    entity_type: str
    left: str
    right: str
    score: float = strawberry.field(description="Match probability, 0..1.")
    status: str = strawberry.field(description="open, merged or rejected.")
    evidence: JSON = strawberry.field(
        description="Per compared property: both normalised values (masked for the "
        "caller's role), the comparison level and its match weight."
    )


@strawberry.type(description="A merge or unmerge as committed: one change event.")
class MergeResult:
    change_id: str
    survivor: str
    absorbed: str
    score: float | None
    warnings: list[str] = strawberry.field(
        description="Rules the merged entity now breaks (e.g. active in CRM, blocked in ERP); "
        "each raised its alert."
    )
    skipped: list[str] = strawberry.field(description="Unmerge: what could not be put back.")


def _candidate(c: Candidate, service: MasterDataService, caller: ApiCaller) -> DuplicateCandidate:
    return DuplicateCandidate(
        key=c.key,
        entity_type=c.cls,
        left=c.left,
        right=c.right,
        score=c.score,
        status=c.status,
        evidence=cast(JSON, service.mask_evidence(c.evidence, caller.roles)),
    )


def _result(o: MergeOutcome) -> MergeResult:
    return MergeResult(
        change_id=o.change_id,
        survivor=o.survivor,
        absorbed=o.absorbed,
        score=o.score,
        warnings=o.warnings,
        skipped=o.skipped,
    )


def _who(caller: ApiCaller) -> Caller:
    return Caller(
        actor=caller.actor,
        role=caller.role,
        session_id=caller.session_id,
        device=caller.device_fingerprint or "unknown",
    )


@strawberry.type
class MasterDataQueries:
    @strawberry.field(
        description="The review queue: pairs scored between the review and auto-merge "
        "thresholds (ontology/master_data.yaml), best first; `status` open, merged, rejected."
    )
    async def duplicate_candidates(
        self, info: Info, status: str | None = "open", first: int = 50
    ) -> list[DuplicateCandidate]:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        if not 1 <= first <= ctx.services.settings.max_page_size:
            raise PageTooLargeError(f"first must be 1..{ctx.services.settings.max_page_size}")
        service = ctx.services.container.master_data
        found = await ctx.services.workers.read(service.candidates, status, first)
        return [_candidate(c, service, caller) for c in found]


@strawberry.type
class MasterDataMutations:
    @strawberry.mutation(
        description="Merge two golden entities (ids) into one: surviving values, system "
        "records and relationships move to the survivor; the change event records the score "
        "and evidence. Needs the right to delete the class (admin)."
    )
    async def merge_entities(self, info: Info, left: str, right: str) -> MergeResult:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        service = ctx.services.container.master_data
        outcome = await ctx.services.workers.write(_merge, service, left, right, _who(caller))
        return _result(outcome)

    @strawberry.mutation(
        description="Undo a merge, by its change id or the absorbed entity's id: everything "
        "comes back as it was, and the pair is never merged automatically again."
    )
    async def unmerge_entity(
        self, info: Info, change_id: str | None = None, absorbed_id: str | None = None
    ) -> MergeResult:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        service = ctx.services.container.master_data
        outcome = await ctx.services.workers.write(
            _unmerge, service, change_id, absorbed_id, _who(caller)
        )
        return _result(outcome)


def _merge(service: MasterDataService, left: str, right: str, who: Caller) -> MergeOutcome:
    return service.merge(left, right, who)


def _unmerge(
    service: MasterDataService, change_id: str | None, absorbed_id: str | None, who: Caller
) -> Any:
    return service.unmerge(change_id=change_id, absorbed_id=absorbed_id, caller=who)
