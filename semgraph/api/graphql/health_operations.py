# mypy: disable-error-code="untyped-decorator"
"""``dataHealth``: completeness, freshness, reject rate, duplicate keys, the review queue
and automatic merges per class and source system (one call on ``DataHealthService``,
semgraph.services.data_health).

Any authenticated caller may read it, as any entity read; the completeness of a property
masked for the caller's role is withheld (``masked: true``), as aggregates on it are.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from semgraph.api.graphql.context import RequestContext
from semgraph.api.graphql.page_types import DateTime
from semgraph.exceptions import InvalidInputError
from semgraph.services.data_health import DataHealth

MAX_WINDOW_HOURS = 24 * 366


@strawberry.type(description="How many of the records hold one mapped property.")
class FieldCompletenessView:
    property: str
    on_record: bool = strawberry.field(
        description="True for a property of the system record, false for the golden entity's."
    )
    present: int | None = strawberry.field(description="Null when masked for your role.")
    share: float | None = strawberry.field(description="present / records, 0..1.")
    masked: bool


@strawberry.type(
    name="MasterDataHealth",
    description="Duplicate handling of the class (the same on each of its systems' rows).",
)
class MasterDataHealthView:
    review_queue: int = strawberry.field(
        description="Duplicate candidate pairs waiting in the review queue for a person."
    )
    auto_merged: int = strawberry.field(
        description="Merges matching made on its own (score at or above auto_merge), ever."
    )
    auto_merged_in_window: int = strawberry.field(
        description="Of those, the ones made in the last `windowHours`."
    )


@strawberry.type(name="DataHealth", description="The health of one class's data from one system.")
class DataHealthView:
    cls: str = strawberry.field(name="class")
    system: str
    records: int = strawberry.field(description="The system's records of the class, not inactive.")
    completeness: list[FieldCompletenessView]
    last_synced_at: DateTime | None = strawberry.field(
        description="Last time a record was read from the system (UTC)."
    )
    freshness_seconds: float | None = strawberry.field(description="Seconds since lastSyncedAt.")
    window_hours: float = strawberry.field(description="The window runs are counted over.")
    runs: int = strawberry.field(description="Sync runs that finished in the window.")
    records_read: int
    rejected: int
    reject_rate: float | None = strawberry.field(
        description="rejected / recordsRead; null when no run in the window read a record."
    )
    duplicate_keys_in_runs: int = strawberry.field(
        description="Rows of the window's runs whose key an earlier row of the run had."
    )
    duplicate_match_keys: int = strawberry.field(
        description="Golden entities with a record of the system sharing a match key "
        "(e.g. taxId) with another entity: duplicates the sync could not merge."
    )
    master_data: MasterDataHealthView


def _view(h: DataHealth) -> DataHealthView:
    return DataHealthView(
        cls=h.cls,
        system=h.system,
        records=h.records,
        completeness=[
            FieldCompletenessView(
                property=f.property,
                on_record=f.on_record,
                present=f.present,
                share=f.share,
                masked=f.masked,
            )
            for f in h.completeness
        ],
        last_synced_at=DateTime(h.last_synced_at.isoformat()) if h.last_synced_at else None,
        freshness_seconds=h.freshness_seconds,
        window_hours=h.window_hours,
        runs=h.runs,
        records_read=h.records_read,
        rejected=h.rejected,
        reject_rate=h.reject_rate,
        duplicate_keys_in_runs=h.duplicate_keys_in_runs,
        duplicate_match_keys=h.duplicate_match_keys,
        master_data=MasterDataHealthView(
            review_queue=h.master_data.review_queue,
            auto_merged=h.master_data.auto_merged,
            auto_merged_in_window=h.master_data.auto_merged_in_window,
        ),
    )


@strawberry.type
class HealthQueries:
    @strawberry.field(
        description="Data health per class and source system (filter by either): "
        "completeness of mapped fields, freshness, reject rate and duplicate keys of the "
        "sync runs of the last `windowHours`."
    )
    async def data_health(
        self,
        info: Info,
        cls: Annotated[str | None, strawberry.argument(name="class")] = None,
        system: str | None = None,
        window_hours: float = 24.0,
    ) -> list[DataHealthView]:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        if not 0 < window_hours <= MAX_WINDOW_HOURS:
            raise InvalidInputError(
                f"windowHours must be more than 0 and at most {MAX_WINDOW_HOURS}",
                hint="e.g. 24 for the last day",
            )
        service = ctx.services.container.data_health
        rows = await ctx.services.workers.read(
            lambda: service.report(
                cls, system, window=dt.timedelta(hours=window_hours), role=caller.role
            )
        )
        return [_view(r) for r in rows]
