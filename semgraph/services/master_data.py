"""``MasterDataService``: find the same customer across systems, merge, unmerge.

Matching reads the golden entities of the configured class (``ontology/master_data.yaml``)
with their system records and scores candidate pairs with Splink (``master_data.matcher``).
Each pair's score decides (``Decisions``): at or above ``auto_merge`` it merges at once;
between the thresholds it waits in the review queue for a person; below, nothing.

A merge or unmerge is one change set through ``ChangeService`` (validated, audited,
alert-checked: the cross-system rules run on the merged entity in the same change); its
score, evidence and the snapshot an unmerge restores are written in the same transaction
(``MergeLog``). A pair that a person rejected, or that was unmerged, is never merged
automatically again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import neo4j

from semgraph.changes.model import ChangeContext, ChangeSet
from semgraph.exceptions import ChangeRefusedError, ForbiddenError, InvalidInputError, NotFoundError
from semgraph.master_data import queries as q
from semgraph.master_data.decisions import Decisions
from semgraph.master_data.matcher import FEATURE_PROPERTIES, CustomerMatcher, CustomerRecord
from semgraph.master_data.merge_log import MergeLog, PendingMerge, PendingUnmerge
from semgraph.master_data.merge_plan import Edge, Snapshot, plain, plan_merge, plan_unmerge
from semgraph.master_data.normalise import normalise_name
from semgraph.master_data.outcomes import Caller, Candidate, MatchReport, MergeOutcome
from semgraph.master_data.review_queue import ReviewQueue
from semgraph.services.changes import ChangeService

PAGE = 5_000
NAME_CANDIDATES = 20
"""Existing entities the name index offers per new record (incremental matching)."""


class MasterDataService:
    """Matching, the review queue, merge and unmerge for one class."""

    def __init__(
        self,
        changes: ChangeService,
        database: str,
        decisions: Decisions,
        log: MergeLog,
        matcher: Callable[[], CustomerMatcher] = CustomerMatcher,
    ) -> None:
        self.changes = changes
        self.ontology = changes.ontology
        self.driver: neo4j.Driver = changes.pipeline.driver
        self.database = database
        self.decisions = decisions
        self.log = log
        self._matcher_factory = matcher
        self._matcher: CustomerMatcher | None = None
        self._schema_done = False
        self.cls = self.ontology.cls(decisions.cls).name
        self.queue = ReviewQueue(self.driver, database, self.cls)
        known = self.ontology.datatype_properties(self.cls)
        for prop in [*FEATURE_PROPERTIES.values(), *decisions.property_winners]:
            if prop not in known:
                raise InvalidInputError(
                    f"master_data.yaml names `{prop}`, which {self.cls} does not have",
                    hint="properties: " + ", ".join(sorted(known)),
                )

    @property
    def matcher(self) -> CustomerMatcher:
        if self._matcher is None:
            self._matcher = self._matcher_factory()
        return self._matcher

    def ensure_schema(self) -> None:
        """Constraints of the review queue and merge log, and the name index (once)."""
        if self._schema_done:
            return
        with self._session() as session:
            for statement in (*q.SCHEMA, q.name_index(self.cls), q.tax_index(self.cls)):
                session.run(statement).consume()
            session.run("CALL db.awaitIndexes(300)").consume()
        self._schema_done = True

    # --- matching ------------------------------------------------------------------------
    def match(self, caller: Caller = Caller(), *, merge: bool = True) -> MatchReport:
        """Score every golden entity against the others; merge and queue by the thresholds
        (``merge=False``: queue the pairs above ``auto_merge`` too, merge nothing)."""
        self.ensure_schema()
        started = time.perf_counter()
        records = self._all_records()
        pairs = self.matcher.pairs(records, self.decisions.review)
        report = self._decide(pairs, caller, merge)
        report.records = len(records)
        report.seconds = time.perf_counter() - started
        return report

    def match_new(self, iris: Sequence[str], caller: Caller = Caller()) -> MatchReport:
        """Match just-written golden entities against the existing ones (incremental: the
        sync calls this after each committed batch). Existing entities are found by the
        name index and by equal tax id, so the cost follows the batch, not
        the graph."""
        self.ensure_schema()
        started = time.perf_counter()
        with self._read() as session:
            new = [_record(r) for r in session.run(q.golden_by_iri(self.cls), iris=list(iris))]
            texts = [
                {"iri": r.id, "text": name.key}
                for r in new
                if (name := normalise_name(r.name)) is not None
            ]
            index = q.name_index_name(self.cls)
            found = session.run(q.NAME_NEIGHBOURS, rows=texts, index=index, limit=NAME_CANDIDATES)
            near = {rec["iri"] for rec in found}
            taxes = [r.tax_id for r in new if r.tax_id]
            near |= {rec["iri"] for rec in session.run(q.same_tax_id(self.cls), values=taxes)}
            near -= set(iris)
            existing = [
                _record(r) for r in session.run(q.golden_by_iri(self.cls), iris=sorted(near))
            ]
        pairs = self.matcher.pairs_between(new, existing, self.decisions.review)
        report = self._decide(pairs, caller, merge=True)
        report.records = len(new)
        report.seconds = time.perf_counter() - started
        return report

    def _decide(self, pairs: Iterable[Any], caller: Caller, merge: bool) -> MatchReport:
        report = MatchReport()
        into: dict[str, str] = {}  # absorbed iri -> survivor iri, within this run

        def current(iri: str) -> str:
            while iri in into:
                iri = into[iri]
            return iri

        ranked = sorted(pairs, key=lambda p: p.probability, reverse=True)
        report.pairs = len(ranked)
        decided = self.queue.decided(self.queue.key(p.left, p.right) for p in ranked)
        queue = []
        for pair in ranked:
            left, right = current(pair.left), current(pair.right)
            key = self.queue.key(pair.left, pair.right)
            if left == right or decided.get(key) in {"rejected", "merged"}:
                continue
            if merge and self.decisions.decide(pair.probability) == "merge":
                try:
                    outcome = self._merge(
                        left, right, caller, pair.probability, pair.evidence, automatic=True
                    )
                except (ChangeRefusedError, ForbiddenError) as refused:
                    report.refused.append(f"{key}: {refused.message}")
                    queue.append(pair)
                    continue
                absorbed = self.ontology.entity_iri(self.cls, outcome.absorbed)
                into[absorbed] = self.ontology.entity_iri(self.cls, outcome.survivor)
                report.merged.append(outcome)
                continue
            queue.append(pair)
        report.queued = self.queue.add(queue)
        return report

    # --- the review queue ----------------------------------------------------------------
    def candidates(self, status: str | None = "open", limit: int = 50) -> list[Candidate]:
        """Review-queue pairs, best score first (unmasked: callers mask for a role)."""
        self.ensure_schema()
        return self.queue.list(status, limit)

    def reject(self, key: str, caller: Caller = Caller()) -> Candidate:
        """A person says the pair is not one customer: it is never merged automatically."""
        found = self.queue.get(key)
        return self.queue.mark(found.left, found.right, "rejected", caller.actor, None)

    def accept(self, key: str, caller: Caller = Caller()) -> MergeOutcome:
        """A person says the pair is one customer: merge it now."""
        found = self.queue.get(key)
        return self.merge(
            found.left, found.right, caller, score=found.score, evidence=found.evidence
        )

    # --- merge and unmerge ---------------------------------------------------------------
    def merge(
        self,
        left_id: str,
        right_id: str,
        caller: Caller = Caller(),
        *,
        score: float | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> MergeOutcome:
        """Merge two golden entities (ids); the score and evidence are computed when not
        given. Raises NotFoundError, InvalidInputError, ForbiddenError (the caller's role
        may not delete the class) or ChangeRefusedError (a blocking rule)."""
        self.ensure_schema()
        iris = [self.ontology.entity_iri(self.cls, i) for i in (left_id, right_id)]
        if score is None:
            with self._read() as session:
                pair = [_record(r) for r in session.run(q.golden_by_iri(self.cls), iris=iris)]
            scored = self.matcher.pairs_between(pair[:1], pair[1:], 0.0) if len(pair) == 2 else []
            score = scored[0].probability if scored else None
            evidence = scored[0].evidence if scored else {}
        return self._merge(iris[0], iris[1], caller, score, evidence or {})

    def _merge(
        self,
        left: str,
        right: str,
        caller: Caller,
        score: float | None,
        evidence: dict[str, Any],
        *,
        automatic: bool = False,
    ) -> MergeOutcome:
        a, b = self._snapshots([left, right])
        plan = plan_merge(self.ontology, self.decisions, a, b)
        shown = "unscored" if score is None else f"score {score:.6f}"
        why = ", ".join(f"{k} {v['level']}" for k, v in sorted(evidence.items()))
        context = self._context(
            caller,
            f"master-data merge of {self.cls} {plan.absorbed.id} into "
            f"{plan.survivor.id} ({shown}); evidence: {why}"[:2000],
        )
        change = ChangeSet(context=context, operations=plan.operations)
        self.log.expect(
            change.id,
            PendingMerge(
                self.cls,
                plan.survivor.id,
                plan.absorbed.id,
                score,
                evidence,
                plan.restore_data(),
                automatic,
            ),
        )
        try:
            result = self.changes.apply(change)
        finally:
            self.log.forget(change.id)
        self.queue.mark(plan.survivor.iri, plan.absorbed.iri, "merged", caller.actor, change.id)
        return MergeOutcome(change.id, plan.survivor.id, plan.absorbed.id, score, result)

    def unmerge(
        self,
        *,
        change_id: str | None = None,
        absorbed_id: str | None = None,
        caller: Caller = Caller(),
    ) -> MergeOutcome:
        """Undo a merge (by its change id, or the id the absorbed entity had): the absorbed
        entity comes back with its properties, system records and relationships, and the
        survivor's values go back. The pair is never merged automatically again."""
        if not change_id and not absorbed_id:
            raise InvalidInputError("say which merge to undo", hint="give a change id or an id")
        with self._read() as session:
            found = session.run(q.MERGE_RECORD, change_id=change_id, absorbed=absorbed_id).single()
        if found is None or found["merge"]["status"] != "merged":
            raise NotFoundError(
                f"no merge to undo for {change_id or absorbed_id}",
                hint="a merge is undone once; list merges in the entity's audit trail",
            )
        record = found["merge"]
        restore = json.loads(record["snapshot"])
        survivor_iri = restore["survivor"]["iri"]
        (survivor_now,) = self._snapshots([survivor_iri])
        neighbours = [
            o for _, o in restore["absorbed"]["outgoing"] + restore["absorbed"]["incoming"]
        ]
        existing = self.changes.existing(neighbours)
        ops, skipped = plan_unmerge(self.ontology, restore, survivor_now, existing)
        context = self._context(
            caller,
            f"master-data unmerge of {self.cls} {record['absorbed']} from "
            f"{record['survivor']} (merge {record['changeId']})",
        )
        change = ChangeSet(context=context, operations=ops)
        self.log.expect(change.id, PendingUnmerge(record["changeId"]))
        try:
            result = self.changes.apply(change)
        finally:
            self.log.forget(change.id)
        absorbed_iri = restore["absorbed"]["iri"]
        self.queue.mark(survivor_iri, absorbed_iri, "rejected", caller.actor, change.id)
        return MergeOutcome(
            change.id, record["survivor"], record["absorbed"], record.get("score"), result, skipped
        )

    def stats(self) -> dict[str, int]:
        """Review queue size and merge counts (``dataHealth``, ``/metrics``)."""
        self.ensure_schema()
        with self._read() as session:
            counts = {r["status"]: int(r["n"]) for r in session.run(q.MERGE_COUNTS)}
        return {
            "reviewQueue": self.queue.size(),
            "merged": counts.get("merged", 0),
            "unmerged": counts.get("unmerged", 0),
        }

    def mask_evidence(self, evidence: dict[str, Any], roles: Iterable[str]) -> dict[str, Any]:
        """Evidence with the values of properties ``roles`` may not see replaced by ``***``."""
        props = self.ontology.datatype_properties(self.cls)
        roles = tuple(roles)
        out = {}
        for prop, item in evidence.items():
            visible = prop not in props or props[prop].visible_for(roles)
            out[prop] = item if visible else {**item, "left": "***", "right": "***"}
        return out

    # --- helpers -------------------------------------------------------------------------
    def _snapshots(self, iris: Sequence[str]) -> list[Snapshot]:
        with self._read() as session:
            found = {r["iri"]: r for r in session.run(q.SNAPSHOT, iris=list(iris))}
        out = []
        for iri in iris:
            rec = found.get(iri)
            if rec is None or self.cls not in rec["labels"]:
                _, _, ident = iri.rpartition("/")
                raise NotFoundError(f"{self.cls} `{ident}` does not exist")
            out.append(
                Snapshot(
                    iri,
                    self.cls,
                    {k: plain(v) for k, v in rec["props"].items()},
                    tuple(Edge(e["type"], e["other"]) for e in rec["outgoing"]),
                    tuple(Edge(e["type"], e["other"]) for e in rec["incoming"]),
                    tuple(sorted(s for s in rec["systems"] if s)),
                )
            )
        return out

    def _all_records(self) -> list[CustomerRecord]:
        out: list[CustomerRecord] = []
        after = ""
        with self._read() as session:
            while True:
                page = list(session.run(q.golden_page(self.cls), after=after, limit=PAGE))
                out += [_record(r) for r in page]
                if len(page) < PAGE:
                    return out
                after = page[-1]["iri"]

    def _context(self, caller: Caller, reason: str) -> ChangeContext:
        extra = {"session_id": caller.session_id} if caller.session_id else {}
        return ChangeContext(
            actor=caller.actor,
            role=caller.role,
            source_system="master-data",
            device_fingerprint=caller.device,
            reason=reason,
            **extra,
        )

    def _read(self) -> neo4j.Session:
        return self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS)

    def _session(self) -> neo4j.Session:
        return self.driver.session(database=self.database)


def _record(rec: Any) -> CustomerRecord:
    props = rec["props"]
    values = {attr: props.get(prop) for attr, prop in FEATURE_PROPERTIES.items()}
    records = rec["records"]
    return CustomerRecord(
        id=rec["iri"],
        systems=tuple(sorted({r["system"] for r in records if r["system"]})),
        reported_names=tuple(r["name"] for r in records if r["name"]),
        **{k: (str(v) if v is not None else None) for k, v in values.items()},
    )
