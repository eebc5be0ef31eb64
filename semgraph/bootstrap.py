"""Wire semgraph's dependencies once; the app, the CLI and the tests build the same objects."""

from __future__ import annotations

import threading
from functools import cached_property

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from semgraph.config import Settings
from semgraph.graph.connection import open_driver
from semgraph.ontology.model import Ontology


class Container:
    """Holds the long-lived objects of one semgraph process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._driver: neo4j.Driver | None = None
        self._lock = threading.Lock()

    @cached_property
    def ontology(self) -> Ontology:
        return Ontology.load(sorted(self.settings.ontology_dir.glob("*.ttl")))

    @property
    def driver(self) -> neo4j.Driver:
        """The Neo4j driver, opened on first use (the app starts even while Neo4j is down)."""
        with self._lock:
            if self._driver is None:
                self._driver = open_driver(self.settings, verify=False)
            return self._driver

    def neo4j_problem(self) -> str | None:
        """None when Neo4j answers a trivial query, else a short reason."""
        try:
            self.driver.execute_query(
                "RETURN 1", database_=self.settings.neo4j_database, timeout_=3.0
            )
        except (ServiceUnavailable, SessionExpired, Neo4jError, OSError) as exc:
            return type(exc).__name__ + ": " + str(exc).splitlines()[0][:200]
        except Exception as exc:  # a missing password file etc. must not crash readiness
            return type(exc).__name__ + ": " + str(exc).splitlines()[0][:200]
        return None

    def close(self) -> None:
        with self._lock:
            if self._driver is not None:
                self._driver.close()
                self._driver = None
