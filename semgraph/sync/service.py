"""``SyncService``: files of a source system's table, through the one door, in batches.

Each batch of rows becomes one change set: one transaction, one pySHACL run over all its
focus nodes, one change event with before/after of every entity it touched. When a
Violation refuses the batch, the rows whose entities the Violation is about are rejected
and the rest are applied again; a refusal that names no row's entity splits the batch in
halves until it does. A row that maps to what the graph already holds writes nothing.

After each committed batch a checkpoint records the file's last committed line, so a
killed run resumes after it; a batch committed just before the kill is simply seen as
unchanged when it is read again (upserts are idempotent), so nothing is lost or doubled.

Every call to Neo4j goes through the process's circuit breaker (``sync/breaker.py``): a
file sync waits behind it while Neo4j is away and goes on with the batch it was at when
Neo4j returns (``max_wait_s`` bounds the wait); an HTTP push stops at once and says which
records were kept, not kept, or of unknown outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import neo4j

from semgraph.changes.model import (
    ChangeContext,
    ChangeSet,
    CreateEntity,
    Operation,
    UpdateEntity,
    resolve_properties,
)
from semgraph.changes.pipeline import ChangePipeline, ChangeResult
from semgraph.exceptions import (
    ChangeRefusedError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    SemgraphError,
    UnknownTermError,
)
from semgraph.graph.props import decode_props
from semgraph.ontology.model import Ontology
from semgraph.sync import BATCH_SIZE, DOUBTFUL_SHARE, MATCH_GROUP, REFUSED_SHARE
from semgraph.sync import queries as q
from semgraph.sync.breaker import BreakerState, CircuitBreaker
from semgraph.sync.checkpoint import checkpoint_file, read_checkpoint, write_checkpoint
from semgraph.sync.engine import MappedRow, map_row
from semgraph.sync.errors import RowRejectedError, SyncUnavailableError
from semgraph.sync.mapping import MappingCatalog, TableMapping
from semgraph.sync.pause import through_breaker, waiting
from semgraph.sync.plan import SYSTEM_RECORD, Existing, RowPlan, plan_row, record_id
from semgraph.sync.run_log import RunLog
from semgraph.sync.sources import FileOptions, RejectsFile, SourceRow, read_rows, rejects_path
from semgraph.sync.summary import FileSummary, SyncSummary
from semgraph.validation.rdf_view import NodeRecord

log = logging.getLogger("semgraph.sync")
MAX_OPERATIONS = 9_000  # a change set holds at most 10,000


@dataclass
class _Pending:
    source: SourceRow
    mapped: MappedRow


@dataclass
class SyncService:
    """Runs table syncs for one ontology, mapping catalog and change pipeline."""

    pipeline: ChangePipeline
    driver: neo4j.Driver
    database: str
    ontology: Ontology
    catalog: MappingCatalog
    checkpoint_dir: Path
    batch_size: int = BATCH_SIZE
    role: str = "admin"
    """The role of a file sync's change sets (the local operator's, as for ``import``);
    an HTTP push runs as its caller's role, within that role's write rights."""
    on_batch: Callable[[int], None] | None = None
    """Called with the file's committed line after each batch (tests stop a run here)."""
    after_commit: Callable[[str, list[str], str], None] | None = None
    """Called with the table's class, golden IRIs of new records and the run's role once
    committed batches have created ``match_group`` of them, and with the rest when the run
    ends (failed or not): master data matches them before the run returns."""
    match_group: int = MATCH_GROUP
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    """Shared by every source of the process that writes to this Neo4j."""
    max_wait_s: float = 300.0
    """How long a file sync waits behind the breaker for Neo4j before it stops."""

    def __post_init__(self) -> None:
        self._indexed: set[tuple[str, str]] = set()
        self.run_log = RunLog(self.driver, self.database)

    # --- public API --------------------------------------------------------------------
    def run(
        self,
        system: str,
        table: str,
        files: Sequence[Path],
        options: FileOptions | None = None,
        *,
        rejects_dir: Path | None = None,
        run_id: str | None = None,
        resume: bool = True,
        full_snapshot: bool = False,
    ) -> SyncSummary:
        """Sync ``files`` (exports of ``system``'s ``table``) into the graph.

        Rows that cannot be mapped or that break a Violation rule go to a rejects file
        beside each input (``NAME.rejects.EXT``, or in ``rejects_dir``); the run goes on.
        With ``full_snapshot`` the files are the whole table: the system's records of the
        table's class whose key no file holds get ``recordStatus`` inactive (never deleted).
        Raises MappingError for an unknown system or table, InvalidInputError for an
        unreadable file, SyncWaitExceededError when Neo4j stayed away longer than
        ``max_wait_s``; what was committed before stays committed.
        """
        mapping = self.catalog.table(system, table)
        options = options or FileOptions()
        summary = SyncSummary(run_id or uuid.uuid4().hex[:16], system, table)
        started = time.perf_counter()
        seen: set[str] | None = set() if full_snapshot else None
        status = "failed"
        try:
            for path in files:
                summary.files.append(
                    self._sync_file(
                        mapping, Path(path), options, rejects_dir, summary, resume, seen
                    )
                )
            if seen is not None:
                summary.inactivated = self._wait(
                    lambda: self._inactivate_missing(mapping, seen, summary),
                    lambda: f"{system}.{table} (full snapshot)",
                )
            status = "completed"
        finally:
            self._match(mapping, summary)
            summary.seconds = time.perf_counter() - started
            self.run_log.record(mapping, summary, status)
        return summary

    def _inactivate_missing(
        self, mapping: TableMapping, seen: set[str], summary: SyncSummary
    ) -> int:
        """Mark the system's records of the table's class that no file named inactive."""
        prefix = f"{mapping.system}.{mapping.target_class}."  # plan.record_id's prefix
        with self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS
        ) as session:
            active = [
                (r["iri"], r["id"])
                for r in session.run(q.ACTIVE_RECORDS, system=mapping.system, prefix=prefix)
            ]
        missing = [ident for iri, ident in active if iri not in seen]
        at = dt.datetime.now(dt.UTC).isoformat()
        for start in range(0, len(missing), self.batch_size):
            part = missing[start : start + self.batch_size]
            context = ChangeContext(
                actor=summary.actor or f"sync:{mapping.system}",
                role=summary.role or self.role,
                source_system=mapping.system,
                session_id=summary.run_id,
                device_fingerprint=summary.device or f"host:{socket.gethostname()}",
                reason=f"full snapshot of {mapping.system}.{mapping.table}: "
                f"{len(part)} records no longer in the export",
            )
            operations: list[Operation] = [
                UpdateEntity(
                    cls=SYSTEM_RECORD,
                    id=ident,
                    properties={"recordStatus": "inactive", "syncedAt": at},
                )
                for ident in part
            ]
            self.pipeline.apply(ChangeSet(context=context, operations=operations))
            summary.change_events += 1
        return len(missing)

    def run_records(
        self,
        system: str,
        table: str,
        records: Sequence[Mapping[str, Any]],
        *,
        source: str = "http",
        run_id: str | None = None,
        actor: str | None = None,
        device: str | None = None,
        role: str | None = None,
        positions: Sequence[int] | None = None,
        position_name: str = "lines",
    ) -> tuple[SyncSummary, list[dict[str, Any]]]:
        """Sync records given in memory (an HTTP push, a batch of stream messages); returns
        the summary and one outcome per record, in order: ``{"index", "status", "key"?,
        "field"?, "value"?, "reason"?}`` with status created, updated, unchanged or rejected.

        ``positions`` (one per record, e.g. Kafka offsets; default: the indexes) are what the
        change events' reason cites as ``{source} {position_name} first-last``. Raises
        SyncUnavailableError when Neo4j is unavailable (or the breaker open): the records
        stop there, and its ``summary`` and ``outcomes`` say which were written; the others
        are ``not_kept``, those of a batch whose commit outcome is not known ``unknown``
        (nothing is kept for later). Raises
        MappingError for an unknown system or table, ForbiddenError when ``role`` may not
        write the table's records (``check_may_sync``).
        """
        if positions is not None and len(positions) != len(records):
            raise ValueError("one position per record")
        mapping = self.catalog.table(system, table)
        if role is not None:
            self.check_may_sync(role, system, table)
        summary = SyncSummary(run_id or uuid.uuid4().hex[:16], system, table)
        summary.actor, summary.device, summary.role = actor, device, role
        result = FileSummary(source, statuses={})
        summary.files.append(result)
        rejected: dict[int, dict[str, Any]] = {}
        keys: dict[int, str] = {}

        def reject(row: SourceRow, field_name: str, value: str, reason: str) -> None:
            result.rejected += 1
            rejected[row.line] = {"field": field_name, "value": value, "reason": reason}

        started = time.perf_counter()
        pending: list[_Pending] = []
        for index, values in enumerate(records):
            result.rows += 1
            line = positions[index] if positions is not None else index
            row = SourceRow(line, dict(values) if isinstance(values, Mapping) else {})
            if not row.values:
                reject(row, "", str(values)[:200], "not a JSON object")
                continue
            try:
                mapped = map_row(mapping, row.values)
            except RowRejectedError as bad:
                reject(row, bad.field, bad.value, bad.reason)
                continue
            keys[index] = mapped.key
            summary.saw_key(mapped.key)
            pending.append(_Pending(row, mapped))
        in_flight: set[int] = set()
        down: SyncUnavailableError | None = None
        try:
            for start in range(0, len(pending), self.batch_size):
                carry = pending[start : start + self.batch_size]
                while carry:
                    in_flight = {p.source.line for p in carry}
                    where = f"{source} {position_name}"
                    carry = through_breaker(
                        self.breaker,
                        partial(self._apply_batch, mapping, where, carry, result, summary, reject),
                    )
        except SyncUnavailableError as unavailable:
            down = unavailable
        self._match(mapping, summary)
        summary.seconds = time.perf_counter() - started
        if down is None:  # a push an outage cut short is sent again, and counts then
            self.run_log.record(mapping, summary, "completed")
        statuses = result.statuses or {}
        outcomes: list[dict[str, Any]] = []
        for index in range(len(records)):
            entry: dict[str, Any] = {"index": index}
            line = positions[index] if positions is not None else index
            if index in keys:
                entry["key"] = keys[index]
            if line in rejected:
                entry |= {"status": "rejected", **rejected[line]}
            elif line in statuses:
                entry["status"] = statuses[line]
            elif down is None:
                entry["status"] = "unchanged"
            elif down.commit_unknown and line in in_flight:
                entry["status"] = "unknown"
            else:
                entry["status"] = "not_kept"
            outcomes.append(entry)
        if down is not None:
            down.summary, down.outcomes = summary, outcomes
            raise down
        return summary, outcomes

    def check_may_sync(self, role: str, system: str, table: str) -> None:
        """Raise ``ForbiddenError`` unless ``role`` may create the table's golden records and
        system records (``ontology/access.ttl``); each change set is checked in full too."""
        mapping = self.catalog.table(system, table)
        rights = self.pipeline.rights
        assert rights is not None
        for cls in (mapping.target_class, SYSTEM_RECORD):
            if not rights.may_create(role, cls):
                allowed = ", ".join(rights.writers(cls)["create"]) or "none"
                raise ForbiddenError(
                    f"role `{role}` may not sync {system}.{table}: it may not create {cls}",
                    hint=f"use a key of a role that may (roles: {allowed})",
                )

    # --- one file ------------------------------------------------------------------------
    def _sync_file(
        self,
        mapping: TableMapping,
        path: Path,
        options: FileOptions,
        rejects_dir: Path | None,
        summary: SyncSummary,
        resume: bool,
        seen: set[str] | None = None,
    ) -> FileSummary:
        checkpoint = checkpoint_file(self.checkpoint_dir, mapping.system, mapping.table, path)
        done_through = read_checkpoint(checkpoint) if resume else 0
        if seen is not None and done_through:  # the rows before the checkpoint count too
            for source in read_rows(path, options):
                if source.line > done_through:
                    break
                try:
                    seen.add(self._record_iri(mapping, map_row(mapping, source.values)))
                except RowRejectedError:
                    continue
        result = FileSummary(str(path), resumed_after_line=done_through)
        rejects = RejectsFile(
            rejects_path(path, rejects_dir),
            options.format_of(path),
            options,
            resumed=done_through > 0,
        )
        pending: list[_Pending] = []

        def reject(source: SourceRow, field_name: str, value: str, reason: str) -> None:
            result.rejected += 1
            rejects.write(source, field_name, value, reason)

        def flush(rows: list[_Pending]) -> None:
            carry = rows
            while carry:
                carry = self._apply_waiting(mapping, path, carry, result, summary, reject)
                committed = (carry[0].source.line - 1) if carry else rows[-1].source.line
                write_checkpoint(checkpoint, committed, summary.run_id)
                if self.on_batch is not None:
                    self.on_batch(committed)

        try:
            for source in read_rows(path, options, done_through):
                result.rows += 1
                if not source.values:
                    reject(source, "", source.raw or "", "not a JSON object")
                    continue
                if "__extra__" in source.values:
                    reject(source, "", "", "more cells than the header has columns")
                    continue
                try:
                    mapped = map_row(mapping, source.values)
                except RowRejectedError as bad:
                    reject(source, bad.field, bad.value, bad.reason)
                    continue
                summary.saw_key(mapped.key)
                pending.append(_Pending(source, mapped))
                if seen is not None:
                    seen.add(self._record_iri(mapping, mapped))
                if len(pending) >= self.batch_size:
                    flush(pending)
                    pending = []
            if pending:
                flush(pending)
        finally:
            rejects.close()
        checkpoint.unlink(missing_ok=True)  # the file is done: a re-run reads it all again
        if rejects.count:
            result.rejects_file = str(rejects.path)
        return result

    # --- one batch -----------------------------------------------------------------------
    def _wait(self, call: Callable[[], Any], where: Callable[[], str]) -> Any:
        return waiting(self.breaker, call, max_wait_s=self.max_wait_s, where=where)

    def _apply_waiting(
        self,
        mapping: TableMapping,
        path: Path,
        rows: list[_Pending],
        result: FileSummary,
        summary: SyncSummary,
        reject: Callable[[SourceRow, str, str, str], None],
    ) -> list[_Pending]:
        """``_apply_batch`` behind the breaker: while Neo4j is away the batch waits, and is
        read and planned again when it returns. An attempt's rejects and statuses count only
        when it completes; rows a failed attempt committed keep their status (the retry
        reads them as unchanged)."""
        committed: dict[int, str] = {}

        def attempt() -> list[_Pending]:
            scratch = FileSummary(result.file, statuses={})
            rejects: list[tuple[SourceRow, str, str, str]] = []
            try:
                carry = self._apply_batch(
                    mapping,
                    f"{path.name} lines",
                    rows,
                    scratch,
                    summary,
                    lambda *r: rejects.append(r),
                )
            except BaseException:
                committed.update(
                    (line, s) for line, s in (scratch.statuses or {}).items() if s != "unchanged"
                )
                raise
            for line, status in (scratch.statuses or {}).items():
                result.mark(line, committed.get(line, status) if status == "unchanged" else status)
            for row in rejects:
                reject(*row)
            return carry

        return waiting(
            self.breaker,
            attempt,
            max_wait_s=self.max_wait_s,
            where=lambda: (
                f"{mapping.system}.{mapping.table} {path.name} from line {rows[0].source.line}"
            ),
        )

    def _apply_batch(
        self,
        mapping: TableMapping,
        where: str,
        rows: list[_Pending],
        result: FileSummary,
        summary: SyncSummary,
        reject: Callable[[SourceRow, str, str, str], None],
    ) -> list[_Pending]:
        """Apply as many rows of ``rows`` as can go into one change set, in order; returns
        the rows left for the next one (rows touching an entity an earlier row touches)."""
        t0 = time.perf_counter()
        synced_at = dt.datetime.now(dt.UTC)
        self._ensure_index(mapping)  # here, so it waits behind the breaker like the batch
        existing, matched, referenced = self._lookup(mapping, [p.mapped for p in rows])
        planned: list[tuple[_Pending, RowPlan]] = []
        busy: set[str] = set()
        matches: set[str] = set()
        operations = 0
        carry: list[_Pending] = []
        for pos, pending in enumerate(rows):
            row = pending.mapped
            rec_iri = self._record_iri(mapping, row)
            try:
                plan = plan_row(
                    self.ontology,
                    self.catalog,
                    mapping,
                    row,
                    existing.get(rec_iri),
                    matched.get(row.match_value) if row.match_value else None,
                    referenced,
                    synced_at,
                )
            except RowRejectedError as bad:
                reject(pending.source, bad.field, bad.value, bad.reason)
                continue
            new_match = row.match_value is not None and plan.created and row.match_value in matches
            if (
                (plan.touched & busy and plan.operations)
                or new_match
                or (operations + len(plan.operations) > MAX_OPERATIONS)
            ):
                carry = rows[pos:]
                break
            if not plan.operations:
                result.mark(pending.source.line, "unchanged")
                continue
            busy |= {plan.golden_iri, rec_iri}
            if row.match_value is not None:
                matches.add(row.match_value)
            operations += len(plan.operations)
            planned.append((pending, plan))
        # refusals are frequent in this run (dirty data): worth telling suspects apart
        frequent = summary.refused_batches * REFUSED_SHARE >= max(summary.batches, 1)
        doubtful = self._doubtful(planned) if frequent else set()
        if doubtful and len(doubtful) * DOUBTFUL_SHARE <= len(planned):
            # rows a rule may refuse on their own values go in a change set of their own:
            # a refusal of the batch would roll back and re-run the rows beside them
            clean = [p for i, p in enumerate(planned) if i not in doubtful]
            self._commit(mapping, where, clean, result, summary, reject)
            suspects = [planned[i] for i in sorted(doubtful)]
            self._commit(mapping, where, suspects, result, summary, reject)
        else:
            self._commit(mapping, where, planned, result, summary, reject)
        summary.batch_ms.append((time.perf_counter() - t0) * 1000)
        return carry

    def _doubtful(self, planned: list[tuple[_Pending, RowPlan]]) -> set[int]:
        """The positions of planned rows whose new entities a rule may refuse on their own
        values (``FocusValidator.doubtful``), or whose values the change set would refuse."""
        nodes: dict[str, int] = {}
        records: list[NodeRecord] = []
        out: set[int] = set()
        for i, (_, plan) in enumerate(planned):
            for op in plan.operations:
                if not isinstance(op, CreateEntity):
                    continue
                iri = self.ontology.entity_iri(op.cls, op.id)
                try:
                    props = resolve_properties(self.ontology, op.cls, op.properties, "sync")
                except SemgraphError:
                    out.add(i)
                    continue
                nodes[iri] = i
                records.append(NodeRecord(iri, op.cls, {**props, "id": op.id, "iri": iri}))
        doubtful = self.pipeline.validator.doubtful(records) if records else set()
        return out | {nodes[iri] for iri in doubtful}

    def _culprit(
        self, mapping: TableMapping, plan: RowPlan, violations: list[Any], source: SourceRow
    ) -> tuple[str, str]:
        """For a rule that names no ``sh:resultPath`` (the YAML rules): the row's source
        field whose value the rule needs, i.e. without it the rule's compiled check clears
        the entity the row writes; ``("", "")`` when no single field is."""
        writes = {
            self.ontology.entity_iri(op.cls, op.id): op
            for op in plan.operations
            if isinstance(op, CreateEntity | UpdateEntity)
        }
        for v in violations:
            op = writes.get(v.focus_node)
            if op is None:
                continue
            try:
                props = resolve_properties(self.ontology, op.cls, op.properties, "sync")
            except SemgraphError:
                continue
            entity = NodeRecord(v.focus_node, op.cls, {**props, "iri": v.focus_node})
            if self.pipeline.validator.cleared_alone(v.shape, entity):
                continue  # the rule reads more than the row's own values
            for rule in mapping.fields:
                name = rule.target_property
                if not rule.source_field or name not in props:
                    continue
                without = {k: x for k, x in entity.props.items() if k != name}
                if self.pipeline.validator.cleared_alone(
                    v.shape, NodeRecord(entity.iri, entity.cls, without)
                ):
                    return rule.source_field, str(source.values.get(rule.source_field, ""))
        return "", ""

    def _commit(
        self,
        mapping: TableMapping,
        where: str,
        planned: list[tuple[_Pending, RowPlan]],
        result: FileSummary,
        summary: SyncSummary,
        reject: Callable[[SourceRow, str, str, str], None],
    ) -> None:
        """One change set for ``planned``; refused rows are rejected, the rest retried."""
        work = [planned] if planned else []
        while work:
            group = work.pop()
            try:
                outcome = self.pipeline.apply(self._change_set(mapping, where, group, summary))
            except ChangeRefusedError as refused:
                summary.refused_batches += 1
                blamed = self._blame(group, refused.result)
                if blamed:
                    for i in sorted(blamed):
                        pending, plan = group[i]
                        mine = [
                            v for v in refused.result.violations if v.focus_node in plan.touched
                        ]
                        field_name, value = _source_field(
                            mapping, mine, pending.source
                        ) or self._culprit(mapping, plan, mine, pending.source)
                        reasons = sorted(
                            {f"{v.message_en} (rule {v.shape.rsplit('/', 1)[-1]})" for v in mine}
                        )
                        reject(pending.source, field_name, value, "; ".join(reasons))
                    rest = [g for i, g in enumerate(group) if i not in blamed]
                    if rest:
                        work.append(rest)
                    continue
                self._split_or_reject(group, work, reject, str(refused.message))
                continue
            except (InvalidInputError, NotFoundError, UnknownTermError) as bad:
                self._split_or_reject(group, work, reject, bad.message)
                continue
            summary.batches += 1
            log.debug("batch of %d rows: %s", len(group), outcome.timings_ms)
            summary.change_events += 1
            summary.warnings += len(outcome.warnings)
            for pending, plan in group:
                result.mark(pending.source.line, "created" if plan.created else "updated")
            summary.unmatched += sorted({plan.golden_iri for _, plan in group if plan.created})
            if len(summary.unmatched) >= self.match_group:
                self._match(mapping, summary)

    def _match(self, mapping: TableMapping, summary: SyncSummary) -> None:
        """Hand the run's unmatched new golden IRIs to ``after_commit`` (master data)."""
        new, summary.unmatched = summary.unmatched, []
        if self.after_commit is None or not new:
            return
        if self.breaker.state is not BreakerState.CLOSED:  # Neo4j is away: do not wait on it
            log.warning("%d new records left unmatched: Neo4j is unavailable", len(new))
            return
        try:
            self.after_commit(mapping.target_class, new, summary.role or self.role)
        except (SemgraphError, neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError) as failed:
            # the records are committed; `semgraph master-data match` catches up
            log.warning("matching %d new records failed: %s", len(new), failed)

    @staticmethod
    def _split_or_reject(
        group: list[tuple[_Pending, RowPlan]],
        work: list[list[tuple[_Pending, RowPlan]]],
        reject: Callable[[SourceRow, str, str, str], None],
        reason: str,
    ) -> None:
        if len(group) == 1:
            reject(group[0][0].source, "", "", reason)
            return
        half = len(group) // 2
        work.extend([group[half:], group[:half]])

    @staticmethod
    def _blame(group: list[tuple[_Pending, RowPlan]], result: ChangeResult | None) -> set[int]:
        if result is None:
            return set()
        focus = {v.focus_node for v in result.violations}
        return {i for i, (_, plan) in enumerate(group) if plan.touched & focus}

    def _change_set(
        self,
        mapping: TableMapping,
        where: str,
        group: list[tuple[_Pending, RowPlan]],
        summary: SyncSummary,
    ) -> ChangeSet:
        first, last = group[0][0].source.line, group[-1][0].source.line
        context = ChangeContext(
            actor=summary.actor or f"sync:{mapping.system}",
            role=summary.role or self.role,
            source_system=mapping.system,
            session_id=summary.run_id,
            device_fingerprint=summary.device or f"host:{socket.gethostname()}",
            reason=(
                f"sync {mapping.system}.{mapping.table} {where} {first}-{last} "
                f"({len(group)} records, run {summary.run_id})"
            ),
        )
        return ChangeSet(
            context=context, operations=[op for _, plan in group for op in plan.operations]
        )

    # --- lookups -------------------------------------------------------------------------
    def _record_iri(self, mapping: TableMapping, row: MappedRow) -> str:
        return self.ontology.entity_iri(
            SYSTEM_RECORD, record_id(mapping.system, mapping.target_class, row.key)
        )

    def _lookup(
        self, mapping: TableMapping, rows: Iterable[MappedRow]
    ) -> tuple[dict[str, Existing], dict[str, Existing], dict[str, str]]:
        rows = list(rows)
        rels = sorted({r.relationship for r in mapping.references})
        record_iris = sorted({self._record_iri(mapping, r) for r in rows})
        ref_iris = sorted(
            {
                self.ontology.entity_iri(
                    SYSTEM_RECORD,
                    record_id(
                        system,
                        self.catalog.tables[(system, table)].target_class,
                        key,
                    ),
                )
                for r in rows
                for rel, (table, key) in r.references.items()
                for system in (mapping.referenced(rel)[0],)
            }
        )
        existing: dict[str, Existing] = {}
        matched: dict[str, Existing] = {}
        referenced: dict[str, str] = {}
        with self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS
        ) as session:
            for rec in session.run(q.RECORDS_WITH_GOLDEN, iris=record_iris, rels=rels):
                existing[rec["iri"]] = Existing(
                    rec["golden_iri"],
                    decode_props(rec["golden"]),
                    decode_props(rec["record"]),
                    {rel: target for rel, target in rec["links"]},
                )
            if ref_iris:
                for rec in session.run(q.GOLDEN_OF_RECORDS, iris=ref_iris):
                    referenced[rec["iri"]] = rec["golden_iri"]
            match_rule = mapping.match_rule
            values = sorted({r.match_value for r in rows if r.match_value is not None})
            if match_rule is not None and values:
                query = q.golden_by_match(mapping.target_class, match_rule.target_property)
                for rec in session.run(query, values=values, rels=rels):
                    matched.setdefault(
                        rec["value"],
                        Existing(
                            rec["golden_iri"],
                            decode_props(rec["golden"]),
                            None,
                            {rel: target for rel, target in rec["links"]},
                        ),
                    )
        return existing, matched, referenced

    def _ensure_index(self, mapping: TableMapping) -> None:
        rule = mapping.match_rule
        if rule is None or (mapping.target_class, rule.target_property) in self._indexed:
            return
        with self.driver.session(database=self.database) as session:
            session.run(q.match_index(mapping.target_class, rule.target_property)).consume()
        self._indexed.add((mapping.target_class, rule.target_property))


def _source_field(
    mapping: TableMapping, violations: list[Any], source: SourceRow
) -> tuple[str, str] | None:
    """The source column a Violation's ``sh:resultPath`` comes from, and its value; None
    when no violation has a path to a mapped field."""
    for v in violations:
        prop = (v.path or "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        for rule in mapping.fields:
            if rule.target_property == prop and rule.source_field:
                return rule.source_field, str(source.values.get(rule.source_field, ""))
    return None
