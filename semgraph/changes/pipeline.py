"""``ChangePipeline``: the one door for writes — validate → commit → audit → impact → alert.

Everything happens inside one Neo4j transaction: the writes, the read of the affected
neighbourhood, the SHACL validation of just that neighbourhood, the change event with
before/after values, the impact paths, and (through ``TxHook``s) the alert outbox. A
Violation rolls the transaction back, so a refused change leaves the graph as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import neo4j
from neo4j.exceptions import DatabaseUnavailable, TransientError
from pydantic import BaseModel

from semgraph.access.rights import WriteRights
from semgraph.changes import queries as q
from semgraph.changes.events import ChangeCommitted, RuleViolated
from semgraph.changes.impact import ImpactAnalyzer, ImpactStep
from semgraph.changes.model import ChangeSet, resolve
from semgraph.changes.resources import prepare_resources, write_resources
from semgraph.changes.written import written_state
from semgraph.exceptions import (
    ChangeRefusedError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    SemgraphError,
)
from semgraph.graph.identifiers import KEEP_PLAN
from semgraph.metrics import CHANGE_COMMIT, CHANGE_TOTAL, CHANGE_VALIDATION, CHANGES
from semgraph.ontology.model import ID_BASE, Ontology
from semgraph.rdf.importer import GraphWrites
from semgraph.validation.engine import ShapeEngine
from semgraph.validation.focus import FocusValidator
from semgraph.validation.graph_view import read_whole_graph
from semgraph.validation.neighbourhood import (
    NODES,
    collect_focus,
    edge_focus_parts,
    find_edge_focus,
    focus_parts,
    node_record,
)
from semgraph.validation.rdf_view import NodeRecord, RdfView
from semgraph.validation.reach import ShapeReach
from semgraph.validation.results import ValidationOutcome, ValidationResult
from semgraph.validation.triples import Triples


class ChangeResult(BaseModel):
    """What a caller learns about a change set (dry run or applied)."""

    change_id: str
    committed: bool
    results: list[ValidationResult]
    impact: list[dict[str, Any]]
    touched: list[dict[str, str]]
    focus: list[str] = []
    """The focus nodes that were re-validated for this change."""
    changed: list[dict[str, Any]] = []
    """Each property an update moved: ``{iri, cls, property, old, new}`` (alerts quote it)."""
    timings_ms: dict[str, float] = {}

    @property
    def violations(self) -> list[ValidationResult]:
        """The Violations this change introduces (pre-existing ones do not block)."""
        return [r for r in self.results if r.severity == "Violation" and not r.pre_existing]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]


class TxHook(Protocol):
    """Runs inside the change's transaction after validation (e.g. the alert outbox)."""

    def __call__(
        self, tx: neo4j.Transaction, change_set: ChangeSet, result: ChangeResult
    ) -> None: ...


def record_change(outcome: str, result: ChangeResult | None = None) -> None:
    """Count one change set's outcome and observe its phases (``semgraph.metrics``)."""
    CHANGES.labels(outcome).inc()
    timings = result.timings_ms if result is not None else {}
    for histogram, phase in (
        (CHANGE_VALIDATION, "validate"),
        (CHANGE_COMMIT, "commit"),
        (CHANGE_TOTAL, "total"),
    ):
        if phase in timings:
            histogram.observe(timings[phase] / 1000)


def refused(result: ChangeResult) -> ChangeRefusedError:
    """The error ``apply`` raises on a Violation; ``.result`` carries the results."""
    first = result.violations[0]
    return ChangeRefusedError(
        f"change refused: {len(result.violations)} violation(s); first: "
        f"{first.message_en} (focus {first.focus_node}, shape {first.shape})",
        hint="fix the values named in the results, or ask the rule owner",
        result=result,
    )


class _RollbackError(Exception):
    def __init__(self, result: ChangeResult) -> None:
        self.result = result


@dataclass
class ChangePipeline:
    """Applies change sets for one ontology and shape set against one Neo4j database."""

    driver: neo4j.Driver
    database: str
    ontology: Ontology
    engine: ShapeEngine
    reach: ShapeReach
    tx_hooks: list[TxHook] = field(default_factory=list)
    on_event: Callable[[object], None] | None = None
    max_retries: int = 3
    prepare: Callable[[], object] | None = None
    """Called before each change set; makes sure, once, that the constraints and indexes
    the write path's lookups need exist (``Container.schema_ready``). Without the change
    log's unique id, every change with an alert scanned all earlier change events."""
    max_concurrent: int = 0
    """Change sets run at once (0: no limit); the rest wait before their transaction opens,
    holding no locks (``Settings.change_concurrency``)."""
    rights: WriteRights | None = None
    """Who may write what (default: the ontology's ``access.ttl``); checked before the
    transaction opens, for dry runs too, so a refusal reads nothing."""

    def __post_init__(self) -> None:
        if self.rights is None:
            self.rights = WriteRights.of(self.ontology)
        self.view = RdfView(self.ontology)
        self.validator = FocusValidator(self.ontology, self.reach, self.engine)
        self.impact = ImpactAnalyzer(self.ontology)
        self._turns: threading.BoundedSemaphore | None = (
            threading.BoundedSemaphore(self.max_concurrent) if self.max_concurrent > 0 else None
        )

    # --- public API ----------------------------------------------------------------------
    def dry_run(self, change_set: ChangeSet) -> ChangeResult:
        """Violations, warnings and impact of a change set; nothing is written.

        Only what the caller may apply can be dry-run (``ForbiddenError`` otherwise), so a
        dry run cannot probe rules over values the caller may not read.
        """
        return self._run(change_set, commit=False)

    def apply(self, change_set: ChangeSet) -> ChangeResult:
        """Apply atomically, or raise ``ChangeRefusedError`` (nothing written) on a Violation.

        Raises:
            ChangeRefusedError: a blocking rule failed; ``.result`` holds the results.
            ConflictError: an ``expected_version`` no longer matches (retryable).
            ForbiddenError: the caller's role may not write a class or property named.
            NotFoundError / InvalidInputError / UnknownTermError: bad input, nothing written.
        """
        return self._run(change_set, commit=True)

    # --- the transaction -----------------------------------------------------------------
    def _run(self, change_set: ChangeSet, commit: bool) -> ChangeResult:
        try:
            ops = resolve(change_set, self.ontology)
            assert self.rights is not None  # set in __post_init__
            self.rights.check(change_set.context.role, ops)
            if self.prepare is not None:
                self.prepare()
            resources = prepare_resources(self.driver, self.database, ops)
            if self._turns is None:
                result = self._transact(change_set, ops, commit, resources)
            else:
                with self._turns:
                    result = self._transact(change_set, ops, commit, resources)
        except ChangeRefusedError as exc:
            record_change("refused", exc.result)
            raise
        except ConflictError:
            record_change("conflict")
            raise
        except ForbiddenError:
            record_change("forbidden")
            raise
        except SemgraphError:
            record_change("invalid")
            raise
        record_change("committed" if commit else "proposed", result)
        if commit:  # after the turn: what reacts to a commit does not hold one
            self._emit(
                ChangeCommitted(
                    change_id=change_set.id,
                    actor=change_set.context.actor,
                    role=change_set.context.role,
                    source_system=change_set.context.source_system,
                    touched=tuple((t["op"], t["cls"], t["iri"]) for t in result.touched),
                    warnings=len(result.warnings),
                    at=change_set.context.at.isoformat(),
                )
            )
        return result

    def _transact(
        self,
        change_set: ChangeSet,
        ops: list[dict[str, Any]],
        commit: bool,
        resources: GraphWrites | None,
    ) -> ChangeResult:
        for attempt in range(self.max_retries + 1):
            try:
                with self.driver.session(database=self.database) as session:
                    tx = session.begin_transaction()
                    try:
                        result = self._work(tx, change_set, ops, commit, resources)
                    except _RollbackError as rollback:
                        tx.rollback()
                        if commit:
                            self._emit(
                                RuleViolated(
                                    change_set.id,
                                    change_set.context.actor,
                                    tuple(sorted({r.shape for r in rollback.result.violations})),
                                    tuple(
                                        sorted({r.focus_node for r in rollback.result.violations})
                                    ),
                                )
                            )
                            raise refused(rollback.result) from None
                        return rollback.result
                    except BaseException:
                        tx.rollback()
                        raise
                    if commit:
                        t_commit = time.perf_counter()
                        tx.commit()
                        result.timings_ms["commit"] = (time.perf_counter() - t_commit) * 1000
                    else:
                        tx.rollback()
                        return result
                break
            except TransientError as exc:  # deadlock or lock timeout: another change won
                if isinstance(exc, DatabaseUnavailable):
                    raise  # not a conflict: the database is stopping or not started yet
                if attempt == self.max_retries:
                    raise ConflictError(
                        "another change to the same entities was committed first",
                        hint="re-read the entities and retry the change set",
                    ) from exc
                time.sleep(0.05 * (attempt + 1))
        return result

    def _emit(self, event: object) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _lock_read_and_focus(
        self,
        tx: neo4j.Transaction,
        touched_cls: dict[str, str],
        written: dict[str, str],
        created: set[str],
        deleted: set[str],
        unlinked: dict[str, set[tuple[str, str]]],
    ) -> tuple[dict[str, NodeRecord], dict[str, set[str]]]:
        """Lock and read the touched entities, and find the focus nodes that the current
        state of the written ones and the edges to remove reach, in one round trip."""
        changed: dict[str, set[str]] = defaultdict(set)
        for iri, cls in written.items():
            if iri not in created:
                changed[cls].add(iri)
        parts, node_params = focus_parts(self.reach, changed, frozenset(deleted), q.FOCUS_COLUMNS)
        edge_parts, edge_params = edge_focus_parts(self.reach, unlinked, q.FOCUS_COLUMNS)
        parts += edge_parts
        params: dict[str, Any] = {**node_params, **edge_params}
        # The usual change (one entity, or several of one class) gets one round trip; more
        # focus parts are separate statements, so plans are cached per class, not per mix.
        joined = parts if len(parts) == 1 else []
        query = KEEP_PLAN + "\nUNION ALL\n".join([q.LOCK_AND_READ_ENTITIES, *joined])
        before: dict[str, NodeRecord] = {}
        focus_records: list[Any] = []
        for record in tx.run(query, params if joined else {}, iris=sorted(touched_cls)):
            if record["kind"] == "focus":
                focus_records.append(record)
                continue
            node = node_record(record, self.ontology)
            if node is not None:
                before[node.iri] = node
        if not joined:  # after the lock: the focus walk sees the latest committed edges
            for part, (name, iris) in zip(parts, params.items(), strict=True):
                focus_records += tx.run(KEEP_PLAN + part, {name: iris})
        return before, collect_focus(focus_records, self.ontology)

    def _work(
        self,
        tx: neo4j.Transaction,
        change_set: ChangeSet,
        all_ops: list[dict[str, Any]],
        commit: bool,
        resources: GraphWrites | None,
    ) -> ChangeResult:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        ctx = change_set.context
        at = ctx.at
        # Resources outside the ontology are no class's focus nodes and impact nothing:
        # only the whole-graph shapes read them (see ``_whole_graph_results``).
        ops = [op for op in all_ops if op["op"] != "resource"]
        touched_cls: dict[str, str] = {}  # locked and read: every entity an op names
        written: dict[str, str] = {}  # whose own properties change (a link bumps its source)
        edges: dict[str, dict[str, set[tuple[str, str]]]] = {
            "link": defaultdict(set),
            "unlink": defaultdict(set),
        }
        for op in ops:
            if op["op"] in {"link", "unlink"}:
                touched_cls[op["from_iri"]] = op["from_cls"]
                touched_cls[op["to_iri"]] = op["to_cls"]
                written[op["from_iri"]] = op["from_cls"]
                edges[op["op"]][op["rel"]].add((op["from_iri"], op["to_iri"]))
            else:
                touched_cls[op["iri"]] = op["cls"]
                written[op["iri"]] = op["cls"]
        created = {op["iri"] for op in ops if op["op"] == "create"}
        deleted = {op["iri"] for op in ops if op["op"] == "delete"}
        before, focus = self._lock_read_and_focus(
            tx, touched_cls, written, created, deleted, edges["unlink"]
        )
        self._check_existence(ops, before, created)
        timings["read_before"] = (time.perf_counter() - t0) * 1000

        after = {iri: rec for iri, rec in before.items() if iri not in deleted}
        if resources is not None:
            write_resources(tx, resources, self.ontology.labels())
        if len(ops) > 1 and not deleted:
            after.update(self._write_grouped(tx, ops, before, created, at))
        else:
            for op in ops:
                after.update(self._write(tx, op, at))
        # The writes add two kinds of focus node to those found above: created entities
        # whose shapes fire on the entity itself, and the nodes with a trigger path across
        # an added edge. A path to an entity that crosses no added edge was there before
        # the change and walked above; a created entity has no edges but added ones.
        for op in ops:
            if op["op"] == "create" and op["cls"] in self.reach.self_triggered:
                focus.setdefault(op["cls"], set()).add(op["iri"])
        if edges["link"]:
            linked = find_edge_focus(tx, self.reach, edges["link"], self.ontology)
            for cls, iris in linked.items():
                focus.setdefault(cls, set()).update(iris)
        focus = {cls: iris - deleted for cls, iris in focus.items()}
        timings["write"] = (time.perf_counter() - t0) * 1000 - timings["read_before"]

        def annotate(data: Triples) -> None:
            self.view.add_change(
                data,
                change_set.id,
                {
                    "actorRole": ctx.role,
                    "sourceSystem": ctx.source_system,
                    "reason": ctx.reason,
                    "customerApproved": ctx.customer_approved,
                },
                before,
                after,
                created,
            )

        focus_iris = sorted(i for iris in focus.values() for i in iris)
        outcome = ValidationOutcome(
            results=self._mark_pre_existing(
                created,  # ``_check_existence`` made sure none was there before
                self.validator.validate(
                    tx,
                    focus,
                    # a delete can move verdicts of nodes it did not write (their edges go)
                    changed=None if deleted else set(touched_cls),
                    annotate=annotate,
                    timings=timings,
                    known=after,
                ),
            )
            + self._whole_graph_results(tx)
        )
        touched = [
            {
                "op": op["op"],
                "cls": op.get("cls") or op.get("from_cls") or "Resource",
                "iri": op.get("iri") or op["from_iri"],
            }
            for op in all_ops
        ]
        if not outcome.conforms:
            raise _RollbackError(
                ChangeResult(
                    change_id=change_set.id,
                    committed=False,
                    results=outcome.results,
                    impact=[],
                    touched=touched,
                    focus=focus_iris,
                    timings_ms=timings,
                )
            )
        t3 = time.perf_counter()
        start = {iri: touched_cls[iri] for iri in touched_cls if iri not in deleted}
        impact = self.impact.follow(tx, start)
        timings["impact"] = (time.perf_counter() - t3) * 1000
        result = ChangeResult(
            change_id=change_set.id,
            committed=commit,
            results=outcome.results,
            impact=[vars(step) for step in impact],
            touched=touched,
            focus=focus_iris,
            changed=_property_changes(before, after, created),
            timings_ms=timings,
        )
        if commit:
            t4 = time.perf_counter()
            self._record(tx, change_set, all_ops, before, after, outcome, impact)
            timings["audit"] = (time.perf_counter() - t4) * 1000
            t5 = time.perf_counter()
            for hook in self.tx_hooks:
                hook(tx, change_set, result)
            timings["hooks"] = (time.perf_counter() - t5) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        result.timings_ms.update(timings)  # the model holds its own copy of the dict
        return result

    def _whole_graph_results(self, tx: neo4j.Transaction) -> list[ValidationResult]:
        """The shapes no class neighbourhood can hold, on the whole graph as this change
        leaves it (without the change description, so ``sh:closed`` sees only the data).
        Correct for every target kind, and costs a read of the whole graph: only shape
        sets that have such shapes pay it. Violations the committed graph already had
        are marked pre-existing, as for the other shapes (only on nodes it held)."""
        if not self.engine.shape_set.whole_graph_shapes:
            return []
        results = self.engine.validate_whole_graph_shapes(read_whole_graph(tx, self.ontology))
        if not any(r.severity == "Violation" for r in results):
            return results
        with self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS
        ) as session:
            earlier = read_whole_graph(session, self.ontology)
        # A focus node the committed graph does not hold (a ``sh:targetNode`` that this
        # change creates) has no violation of its own yet: the change brings it in, as a
        # create of a business entity does, so its violations block.
        held = {str(n) for n in earlier.all_nodes()}
        known = {
            r.key
            for r in self.engine.validate_whole_graph_shapes(earlier)
            if r.severity == "Violation" and r.focus_node in held
        }
        return [
            r.model_copy(update={"pre_existing": True}) if r.key in known else r for r in results
        ]

    def _mark_pre_existing(
        self, new: set[str], results: list[ValidationResult]
    ) -> list[ValidationResult]:
        """Flag Violations the committed graph already had, so they do not block this change.

        Only computed when there are Violations (rare), by validating the same focus nodes
        in a separate read session, which sees the graph as it was before this change.
        The ``new`` entities (this change creates them) had no verdict before: their
        Violations are this change's, and a read could find nothing of them.
        """
        blocking = [r for r in results if r.severity == "Violation" and r.focus_node not in new]
        if not blocking:
            return results
        focus: dict[str, set[str]] = defaultdict(set)
        for r in blocking:
            if r.focus_class:
                focus[r.focus_class].add(r.focus_node)
        with self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS
        ) as session:
            earlier = self.validator.validate(session, dict(focus))
        known = {r.key for r in earlier if r.severity == "Violation"}
        return [
            r.model_copy(update={"pre_existing": True})
            if r.severity == "Violation" and r.key in known
            else r
            for r in results
        ]

    def _check_existence(
        self, ops: list[dict[str, Any]], before: dict[str, NodeRecord], created: set[str]
    ) -> None:
        for op in ops:
            if op["op"] == "create":
                if op["iri"] in before:
                    raise InvalidInputError(
                        f"{op['cls']} `{op['id']}` already exists", hint="use an update instead"
                    )
                continue
            iris = [op["from_iri"], op["to_iri"]] if op["op"] in {"link", "unlink"} else [op["iri"]]
            for iri in iris:
                if iri not in before and iri not in created:
                    cls, _, ident_ = iri.removeprefix(ID_BASE).partition("/")
                    raise NotFoundError(f"{cls} `{ident_}` does not exist; nothing was written")
            expected = op.get("expected_version")
            if expected is not None:
                current = before[op["iri"]].props.get("version", 0)
                if current != expected:
                    raise ConflictError(
                        f"{op['cls']} `{op['id']}` is at version {current}, not {expected}",
                        hint="another change won; re-read the entity and retry",
                    )

    def _write(self, tx: neo4j.Transaction, op: dict[str, Any], at: Any) -> dict[str, NodeRecord]:
        """Run one operation; returns the entities it wrote, as they are now."""
        kind = op["op"]
        if kind == "create":
            result = tx.run(
                q.create_entity(op["cls"]), iri=op["iri"], id=op["id"], props=op["props"], at=at
            )
        elif kind == "update":
            result = tx.run(q.update_entity(op["cls"]), iri=op["iri"], props=op["props"], at=at)
        elif kind == "delete":
            tx.run(q.delete_entity(op["cls"]), iri=op["iri"]).consume()
            return {}
        elif kind == "link":
            result = tx.run(q.link(op["rel"]), from_iri=op["from_iri"], to_iri=op["to_iri"], at=at)
        else:
            result = tx.run(
                q.unlink(op["rel"]), from_iri=op["from_iri"], to_iri=op["to_iri"], at=at
            )
        out: dict[str, NodeRecord] = {}
        for record in result:
            node = node_record(record, self.ontology)
            if node is not None:
                out[node.iri] = node
        return out

    def _write_grouped(
        self,
        tx: neo4j.Transaction,
        ops: list[dict[str, Any]],
        before: dict[str, NodeRecord],
        created: set[str],
        at: Any,
    ) -> dict[str, NodeRecord]:
        """Run many operations as one statement per (kind, class or type): creates, then
        updates, unlinks, links (the order a change set without deletes can be applied in:
        an update may follow a create of the same entity, a link needs both ends). Links
        from ``created`` entities are created rather than merged."""
        phases = {"create": 0, "update": 1, "unlink": 2, "link": 3, "link_created": 3}
        groups: dict[tuple[int, str, str], list[dict[str, Any]]] = defaultdict(list)
        edges: set[tuple[str, str, str, str]] = set()
        for op in ops:
            kind = op["op"]
            if kind in {"link", "unlink"}:
                if kind == "link" and op["from_iri"] in created:
                    kind = "link_created"
                edge = (kind, op["rel"], op["from_iri"], op["to_iri"])
                if edge in edges:
                    continue
                edges.add(edge)
                row = {"from_iri": op["from_iri"], "to_iri": op["to_iri"]}
                groups[(phases[kind], kind, op["rel"])].append(row)
            else:
                props, stamps = _split_stamps(op["props"])
                row = {"iri": op["iri"], "id": op["id"], "props": props}
                if stamps:
                    row["dt"] = stamps
                groups[(phases[kind], kind, op["cls"])].append(row)
        for (_, kind, name), rows in sorted(groups.items()):
            if kind in {"create", "update"}:
                stamped = tuple(sorted({k for row in rows for k in row.get("dt", ())}))
                make = q.create_entities if kind == "create" else q.update_entities
                query = make(name, stamped)
            elif kind == "unlink":
                query = q.unlink_many(name)
            else:
                query = q.link_many(name, new_sources=kind == "link_created")
            tx.run(query, rows=rows, at=at).consume()
        # What the statements did follows from ``before`` and the operations; only the
        # nodes where it does not (see ``written``) are read back.
        out, unsure = written_state(ops, before, created, self.ontology.classes, at)
        if unsure:
            for record in tx.run(NODES, iris=sorted(unsure)):
                node = node_record(record, self.ontology)
                if node is not None:
                    out[node.iri] = node
        return out

    def _record(
        self,
        tx: neo4j.Transaction,
        change_set: ChangeSet,
        ops: list[dict[str, Any]],
        before: dict[str, NodeRecord],
        after: dict[str, NodeRecord],
        outcome: ValidationOutcome,
        impact: list[ImpactStep],
    ) -> None:
        ctx = change_set.context
        # One TOUCHED edge per entity, with all of its operations: an order line created
        # and linked three times is one entry of its history, and its before/after once.
        touched: dict[str, dict[str, Any]] = {}
        for op in ops:
            iri = op.get("iri") or op["from_iri"]
            row = touched.get(iri)
            if row is None:
                old, new = before.get(iri), after.get(iri)
                row = touched[iri] = {
                    "iri": iri,
                    "ops": [],
                    "before": _json(old.props if old else None),
                    "after": _json(new.props if new else None),
                }
            row["ops"].append(op["op"] + (f":{op['rel']}" if "rel" in op else ""))
        touched_rows = list(touched.values())
        for row in touched_rows:
            row["op"] = _main_op(row["ops"])
        summary = ", ".join(_describe(op) for op in ops[:5])
        summary += f" (+{len(ops) - 5} more)" if len(ops) > 5 else ""
        fired = [
            {
                "iri": r.shape,
                "name": r.shape.rsplit("/", 1)[-1].rsplit("#", 1)[-1],
                "severity": r.severity,
                "focus": r.focus_node,
                "message": r.message_en,
            }
            for r in outcome.results
        ]
        tx.run(
            q.RECORD_CHANGE,
            id=change_set.id,
            at=ctx.at,
            actor=ctx.actor,
            role=ctx.role,
            source_system=ctx.source_system,
            session_id=ctx.session_id,
            device=ctx.device_fingerprint,
            reason=ctx.reason,
            summary=summary,
            touched_iris=sorted({r["iri"] for r in touched_rows}),
            results=json.dumps([r.model_dump() for r in outcome.results], ensure_ascii=False),
            impact_paths=[step.path for step in impact],
            warnings=len(outcome.warnings),
            infos=len(outcome.infos),
            touched=touched_rows,
            rules=fired,
            impacted=[{"iri": s.iri, "depth": s.depth, "path": s.path} for s in impact],
        ).consume()


def _property_changes(
    before: dict[str, NodeRecord], after: dict[str, NodeRecord], created: set[str]
) -> list[dict[str, Any]]:
    out = []
    for iri, new in sorted(after.items()):
        old = before.get(iri)
        if old is None or iri in created:
            continue
        for name in sorted(set(old.props) | set(new.props)):
            if name in {"iri", "version", "updatedAt"} or name.startswith("_"):
                continue
            was, now = old.props.get(name), new.props.get(name)
            if was != now:
                out.append({"iri": iri, "cls": new.cls, "property": name, "old": was, "new": now})
    return out


def _main_op(ops: list[str]) -> str:
    """What a change did to an entity, in one word: its create, delete or update if it had
    one (the links of a created entity are part of its creation), else its first link."""
    for kind in ("create", "delete", "update"):
        if kind in ops:
            return kind
    return ops[0]


def _describe(op: dict[str, Any]) -> str:
    if op["op"] == "resource":
        return f"resource {op['iri']}"
    if "rel" in op:
        source, target = str(op["from_iri"]), str(op["to_iri"])
        return (
            f"{op['op']} {source.rsplit('/', 1)[-1]} -[{op['rel']}]-> {target.rsplit('/', 1)[-1]}"
        )
    return f"{op['op']} {op['cls']} {op['id']}"


def _split_stamps(props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """``props`` apart from its datetimes of a fixed whole-minute offset, and those as ISO
    text (``queries.create_entities`` sets them in Cypher). A named zone is kept as the
    value: its text would lose the zone's name."""
    stamps: dict[str, str] = {}
    rest: dict[str, Any] = {}
    for name, value in props.items():
        if isinstance(value, dt.datetime) and isinstance(value.tzinfo, dt.timezone):
            offset = value.utcoffset()
            if offset is not None and not offset.microseconds and not offset.seconds % 60:
                stamps[name] = value.isoformat()
                continue
        rest[name] = value
    return rest, stamps


def _json(props: dict[str, Any] | None) -> str | None:
    if props is None:
        return None
    return json.dumps({k: _plain(v) for k, v in sorted(props.items())}, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
