"""Per-change verdicts for comparison: each row dry-run through the pipeline on its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from semgraph.exceptions import InvalidInputError, NotFoundError, UnknownTermError
from semgraph.sync.engine import map_row
from semgraph.sync.errors import RowRejectedError
from semgraph.sync.plan import plan_row
from semgraph.sync.service import SyncService, _Pending
from semgraph.sync.sources import FileOptions, read_rows
from semgraph.sync.summary import SyncSummary


def dry_run_each(
    service: SyncService, system: str, table: str, path: Path, options: FileOptions | None = None
) -> dict[int, bool]:
    """Each row of ``path`` as a change set of its own, dry-run through the per-change
    pipeline: line -> accepted. Nothing is written (the benchmark compares these verdicts
    with a batched run's)."""
    mapping = service.catalog.table(system, table)
    verdicts: dict[int, bool] = {}
    summary = SyncSummary("dry-run", system, table)
    for source in read_rows(path, options or FileOptions()):
        try:
            mapped = map_row(mapping, source.values)
            existing, matched, referenced = service._lookup(mapping, [mapped])
            plan = plan_row(
                service.ontology,
                service.catalog,
                mapping,
                mapped,
                existing.get(service._record_iri(mapping, mapped)),
                matched.get(mapped.match_value) if mapped.match_value else None,
                referenced,
                dt.datetime.now(dt.UTC),
            )
        except RowRejectedError:
            verdicts[source.line] = False
            continue
        if not plan.operations:
            verdicts[source.line] = True
            continue
        pending = [(_Pending(source, mapped), plan)]
        try:
            result = service.pipeline.dry_run(
                service._change_set(mapping, f"{path.name} lines", pending, summary)
            )
        except (InvalidInputError, NotFoundError, UnknownTermError):
            verdicts[source.line] = False
            continue
        verdicts[source.line] = not result.violations
    return verdicts
