"""The sync's run log: each run of a table leaves one ``(:SyncRun)`` node with its counts.

Data health reads it for reject rates and for keys seen twice in a run (the graph itself
only holds what was accepted). Recording never fails a sync: a run whose log cannot be
written (Neo4j gone mid-run) is logged as a warning and the run's own outcome stands.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from semgraph.sync import queries as q
from semgraph.sync.mapping import TableMapping
from semgraph.sync.summary import SyncSummary

log = logging.getLogger("semgraph.sync")


@dataclass
class RunLog:
    """Writes ``SyncRun`` nodes to ``database``."""

    driver: neo4j.Driver
    database: str
    _schema_done: bool = field(default=False, init=False)

    def record(self, mapping: TableMapping, summary: SyncSummary, status: str) -> None:
        """Record ``summary`` (``status``: completed or failed) of a run of ``mapping``."""
        finished = dt.datetime.now(dt.UTC)
        run = {
            "runId": summary.run_id,
            "system": mapping.system,
            "sourceTable": mapping.table,
            "targetClass": mapping.target_class,
            "status": status,
            "source": ", ".join(f.file for f in summary.files)[:500],
            "startedAt": summary.started_at.isoformat(),
            "finishedAt": finished.isoformat(),
            "records": summary.total("rows"),
            "created": summary.total("created"),
            "updated": summary.total("updated"),
            "unchanged": summary.total("unchanged"),
            "rejected": summary.total("rejected"),
            "duplicateKeys": summary.duplicate_keys,
            "inactivated": summary.inactivated,
            "changeEvents": summary.change_events,
        }
        try:
            with self.driver.session(database=self.database) as session:
                if not self._schema_done:
                    for statement in q.RUN_LOG_SCHEMA:
                        session.run(statement).consume()
                    self._schema_done = True
                session.run(q.RECORD_RUN, run=run).consume()
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            log.warning(
                "run %s of %s.%s is not in the run log (%s): data health misses its counts",
                summary.run_id,
                mapping.system,
                mapping.table,
                type(exc).__name__,
            )
