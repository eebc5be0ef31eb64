"""``DataHealthService``: how complete, fresh and clean each class's data is, per source
system, from the graph and the sync's run log.

Per (class, system) pair that has records or sync runs:

- **completeness** of each mapped property: the share of the system's records of the
  class's entities (inactive ones left out) whose entity (golden properties) or record
  (record properties) holds it;
- **freshness**: seconds since the last time a record of it was read from the system
  (the latest record ``syncedAt`` or the end of the latest run that read records);
- **reject rate**: rejected / read records of the runs that finished in the window;
- **duplicate keys**: rows of those runs whose key an earlier row of the same run had,
  and golden entities sharing a match key value (``sgm:matchKey``) with another one;
- **master data** (per class, the same on each of its systems' rows): pairs waiting in
  the review queue for a person, and merges matching made on its own, ever and in the
  window (from the ``:DuplicateCandidate`` and ``:MergeRecord`` nodes).

Every figure is aggregated in Neo4j (``semgraph.sync.health_queries``). A property masked
for the caller's role has its completeness withheld (counting who has an e-mail is a read
of the e-mail field), as filters and aggregates on it are refused.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import neo4j

from semgraph.exceptions import UnknownTermError
from semgraph.master_data import queries as master_data_q
from semgraph.ontology.model import Ontology
from semgraph.sync import health_queries as q
from semgraph.sync.mapping import MappingCatalog, TableMapping

log = logging.getLogger("semgraph.health")
DEFAULT_WINDOW = dt.timedelta(hours=24)
_Counted = tuple[int, Any, dict[tuple[str, bool], int]]
"""Records, their last ``syncedAt``, and how many hold each (property, on the record)."""


@dataclass(frozen=True)
class FieldCompleteness:
    """One mapped property: how many of the records hold it (``share`` 0..1).

    ``present`` and ``share`` are None when ``masked`` (the caller may not read it) or when
    there are no records to count."""

    property: str
    on_record: bool
    present: int | None
    share: float | None
    masked: bool = False


@dataclass(frozen=True)
class MasterDataCounts:
    """Duplicate handling of one class: ``review_queue`` pairs wait for a person;
    ``auto_merged`` merges were made by matching alone (``auto_merged_in_window`` of them
    in the report's window)."""

    review_queue: int = 0
    auto_merged: int = 0
    auto_merged_in_window: int = 0


@dataclass(frozen=True)
class DataHealth:
    """The health of one class's data from one source system."""

    cls: str
    system: str
    records: int
    completeness: tuple[FieldCompleteness, ...]
    last_synced_at: dt.datetime | None
    freshness_seconds: float | None
    window_hours: float
    runs: int
    records_read: int
    rejected: int
    reject_rate: float | None
    """rejected / records_read over the window's runs; None when no run read a record."""
    duplicate_keys_in_runs: int
    duplicate_match_keys: int
    master_data: MasterDataCounts = MasterDataCounts()
    """The class's review queue and automatic merges (the same on each system's row)."""


@dataclass
class DataHealthService:
    """Computes ``DataHealth`` rows for the tables of ``catalog``."""

    driver: neo4j.Driver
    database: str
    ontology: Ontology
    catalog: MappingCatalog
    _cached: tuple[float, list[DataHealth]] | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _refreshing: bool = field(default=False, init=False)

    def report(
        self,
        cls: str | None = None,
        system: str | None = None,
        *,
        window: dt.timedelta = DEFAULT_WINDOW,
        role: str | None = None,
    ) -> list[DataHealth]:
        """The health of every (class, system) pair, or of those ``cls`` / ``system`` name,
        sorted by class then system. ``role`` withholds the completeness of properties
        masked for it (None: every figure, for operators and ``/metrics``).

        Raises UnknownTermError for a class or system no mapping knows (did-you-mean hint).
        """
        pairs = self._pairs()
        if cls is not None and cls not in {c for c, _ in pairs}:
            raise UnknownTermError("mapped class", cls, {c for c, _ in pairs})
        if system is not None and system not in {s for _, s in pairs}:
            raise UnknownTermError("source system", system, {s for _, s in pairs})
        chosen = {
            (c, s): tables
            for (c, s), tables in pairs.items()
            if (cls is None or c == cls) and (system is None or s == system)
        }
        now = dt.datetime.now(dt.UTC)
        with self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS
        ) as session:
            runs = {
                (r["cls"], r["system"]): r
                for r in session.run(q.RUN_TOTALS, since=(now - window).isoformat())
            }
            last_runs = {(r["cls"], r["system"]): r["finishedAt"] for r in session.run(q.LAST_RUNS)}
            classes = {c for c, _ in chosen}
            shared = self._shared_match_keys(session, classes)
            duplicates = {
                r["cls"]: MasterDataCounts(int(r["open"]), int(r["automatic"]), int(r["recent"]))
                for r in session.run(master_data_q.CLASS_COUNTS, since=now - window)
            }
            figures = {
                key: value
                for c in sorted(classes)
                for key, value in self._class_figures(session, c, pairs).items()
            }
            out = []
            for (c, s), tables in sorted(chosen.items()):
                counted = figures.get((c, s))
                run = runs.get((c, s))
                if counted is None and run is None:
                    continue  # nothing synced from this system into this class yet
                mapped = _mapped(tables)
                if counted is not None:
                    records, last, present = counted
                    counted = (records, last, {k: n for k, n in present.items() if k in mapped})
                out.append(
                    self._row(c, s, counted, run, last_runs.get((c, s)), shared, now)
                    .masked_for(self.ontology, role)
                    .health(window, duplicates.get(c, MasterDataCounts()))
                )
        return out

    def snapshot(self, max_age_s: float = 30.0) -> list[DataHealth]:
        """``report()`` of every pair, for ``/metrics``: the first call computes it; later
        calls answer at once with the last one and, once it is older than ``max_age_s``,
        refresh it in the background. A scrape never waits for the aggregates (seconds on
        a few hundred thousand records), and frequent scrapes do not each run them."""
        with self._lock:
            cached = self._cached
            if cached is not None:
                stale = time.monotonic() - cached[0] >= max_age_s
                if stale and not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, name="data-health", daemon=True).start()
                return cached[1]
        rows = self.report()
        with self._lock:
            self._cached = (time.monotonic(), rows)
        return rows

    def _refresh(self) -> None:
        try:
            rows = self.report()
            with self._lock:
                self._cached = (time.monotonic(), rows)
        except Exception as exc:  # the old figures stay; the next stale scrape tries again
            log.warning("data health not refreshed: %s", type(exc).__name__)
        finally:
            with self._lock:
                self._refreshing = False

    # --- parts ---------------------------------------------------------------------------
    def _pairs(self) -> dict[tuple[str, str], list[TableMapping]]:
        pairs: dict[tuple[str, str], list[TableMapping]] = {}
        for (system, _), table in sorted(self.catalog.tables.items()):
            pairs.setdefault((table.target_class, system), []).append(table)
        return pairs

    def _class_figures(
        self,
        session: neo4j.Session,
        cls: str,
        pairs: dict[tuple[str, str], list[TableMapping]],
    ) -> dict[tuple[str, str], _Counted]:
        """(cls, system) -> records, last syncedAt and the count of every property any
        system maps onto ``cls`` (one query for the class)."""
        mapped = _mapped([t for (c, _), tables in pairs.items() if c == cls for t in tables])
        golden = sorted(p for p, on_record in mapped if not on_record)
        record = sorted(p for p, on_record in mapped if on_record)
        found: dict[tuple[str, str], _Counted] = {}
        for row in session.run(q.class_figures(cls, golden, record)):
            present = {(p, False): int(row[f"g{i}"]) for i, p in enumerate(golden)}
            present |= {(p, True): int(row[f"r{i}"]) for i, p in enumerate(record)}
            found[(cls, str(row["system"]))] = (int(row["records"]), row["lastSynced"], present)
        return found

    def _shared_match_keys(
        self, session: neo4j.Session, classes: set[str]
    ) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        props: dict[str, set[str]] = {}
        for table in self.catalog.tables.values():
            rule = table.match_rule
            if rule is not None and table.target_class in classes:
                props.setdefault(table.target_class, set()).add(rule.target_property)
        for cls, names in sorted(props.items()):
            for prop in sorted(names):
                for r in session.run(q.shared_match_keys(cls, prop)):
                    key = (cls, r["system"])
                    found[key] = found.get(key, 0) + int(r["entities"])
        return found

    def _row(
        self,
        cls: str,
        system: str,
        figures: _Counted | None,
        run: Any,
        last_run: Any,
        shared: dict[tuple[str, str], int],
        now: dt.datetime,
    ) -> _Draft:
        records, last_synced, present = figures or (0, None, {})
        moments = [_native(m) for m in (last_synced, last_run) if m is not None]
        last = max(moments) if moments else None
        return _Draft(
            cls=cls,
            system=system,
            records=records,
            present=present,
            last_synced_at=last,
            freshness_seconds=(now - last).total_seconds() if last else None,
            runs=int(run["runs"]) if run else 0,
            records_read=int(run["records"] or 0) if run else 0,
            rejected=int(run["rejected"] or 0) if run else 0,
            duplicate_keys_in_runs=int(run["duplicateKeys"] or 0) if run else 0,
            duplicate_match_keys=shared.get((cls, system), 0),
        )


@dataclass
class _Draft:
    """A row being assembled: counts first, then masking, then the final ``DataHealth``."""

    cls: str
    system: str
    records: int
    present: dict[tuple[str, bool], int]
    last_synced_at: dt.datetime | None
    freshness_seconds: float | None
    runs: int
    records_read: int
    rejected: int
    duplicate_keys_in_runs: int
    duplicate_match_keys: int
    hidden: frozenset[str] = frozenset()

    def masked_for(self, ontology: Ontology, role: str | None) -> _Draft:
        if role is not None:
            golden = ontology.datatype_properties(self.cls)
            on_record = ontology.datatype_properties("SystemRecord")
            self.hidden = frozenset(
                p
                for p, is_record in self.present
                if not (on_record if is_record else golden)[p].visible_for((role,))
            )
        return self

    def health(self, window: dt.timedelta, master_data: MasterDataCounts) -> DataHealth:
        fields = tuple(
            FieldCompleteness(p, is_record, None, None, masked=True)
            if p in self.hidden
            else FieldCompleteness(
                p, is_record, n, round(n / self.records, 6) if self.records else None
            )
            for (p, is_record), n in sorted(self.present.items())
        )
        return DataHealth(
            cls=self.cls,
            system=self.system,
            records=self.records,
            completeness=fields,
            last_synced_at=self.last_synced_at,
            freshness_seconds=self.freshness_seconds,
            window_hours=window.total_seconds() / 3600,
            runs=self.runs,
            records_read=self.records_read,
            rejected=self.rejected,
            reject_rate=round(self.rejected / self.records_read, 6) if self.records_read else None,
            duplicate_keys_in_runs=self.duplicate_keys_in_runs,
            duplicate_match_keys=self.duplicate_match_keys,
            master_data=master_data,
        )


def _mapped(tables: list[TableMapping]) -> set[tuple[str, bool]]:
    """(property, on the record) of every field the tables map, keys left out."""
    return {(f.target_property, f.on_record) for t in tables for f in t.fields}


def _native(value: Any) -> dt.datetime:
    native: dt.datetime = value.to_native() if hasattr(value, "to_native") else value
    return native if native.tzinfo else native.replace(tzinfo=dt.UTC)
