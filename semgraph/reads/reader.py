"""``GraphReader``: runs the read side's one Cypher statement per request on the async
driver. Neo4j errors become typed errors: ``Neo4jUnavailableError`` (503 + retry
advice) and ``QueryTimeoutError``."""

from __future__ import annotations

import asyncio
from typing import Any

import neo4j
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired

from semgraph.exceptions import Neo4jUnavailableError, QueryTimeoutError


class GraphReader:
    """Owns the async Neo4j driver used for reads (pool size from ``Settings``)."""

    def __init__(self, driver_factory: Any, database: str, timeout_s: float) -> None:
        self._factory = driver_factory
        self._driver: neo4j.AsyncDriver | None = None
        self.database, self.timeout_s = database, timeout_s

    @property
    def driver(self) -> neo4j.AsyncDriver:
        if self._driver is None:
            self._driver = self._factory()
        return self._driver

    async def single_row(self, query: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run one read statement and return its single row as a dict.

        Raises Neo4jUnavailableError when Neo4j cannot be reached and QueryTimeoutError
        past the configured timeout.
        """
        try:
            async with asyncio.timeout(self.timeout_s):
                async with self.driver.session(
                    database=self.database, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    result = await session.run(neo4j.Query(query, timeout=self.timeout_s), params)
                    record = await result.single(strict=True)
                    return dict(record)
        except TimeoutError:
            raise QueryTimeoutError(
                f"the query ran past {self.timeout_s:g} s", hint="narrow the filter or page size"
            ) from None
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise Neo4jUnavailableError(
                "the graph database is unavailable", hint="retry in a few seconds"
            ) from exc
        except ClientError as exc:
            if "Timeout" in (exc.code or ""):
                raise QueryTimeoutError(f"the query ran past {self.timeout_s:g} s") from exc
            raise

    async def close(self) -> None:
        if self._driver is not None:
            await self._driver.close()
            self._driver = None
