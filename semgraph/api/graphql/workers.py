"""Where the API's blocking work runs: one thread pool for reads, another for writes, and a
Neo4j reachability probe that answers ``NEO4J_UNAVAILABLE`` within about a second.

The sync driver's managed transactions retry a dead server for 30 s;
in one shared pool such reads held every thread, and a change queued behind them waited
a minute for its 503. Here a slow or hanging read can only fill the read pool, and while
any call runs the server's Bolt port is probed every ``probe_every_s``: when nothing
answers, the request gets ``Neo4jUnavailableError`` at once (the thread finishes on its
own, its result dropped), and further calls fail fast until a probe succeeds again.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

from semgraph.exceptions import Neo4jUnavailableError

T = TypeVar("T")


class Workers:
    """Runs blocking calls off the event loop, reads and writes in separate pools."""

    def __init__(
        self,
        bolt_uri: str,
        *,
        reads: int = 16,
        writes: int = 8,
        probe_every_s: float = 1.0,
        probe_timeout_s: float = 0.5,
    ) -> None:
        parts = urlsplit(bolt_uri)
        self.address = (parts.hostname or "localhost", parts.port or 7687)
        self.probe_every_s, self.probe_timeout_s = probe_every_s, probe_timeout_s
        self._reads = ThreadPoolExecutor(reads, thread_name_prefix="api-read")
        self._writes = ThreadPoolExecutor(writes, thread_name_prefix="api-write")
        self._checked_at = 0.0
        self._down = False

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the read pool. Raises Neo4jUnavailableError within ~1 s of an
        outage; whatever ``fn`` raises otherwise."""
        return await self._run(self._reads, fn, args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the write pool (never queued behind reads)."""
        return await self._run(self._writes, fn, args)

    def close(self) -> None:
        self._reads.shutdown(wait=False, cancel_futures=True)
        self._writes.shutdown(wait=False, cancel_futures=True)

    async def _run(self, pool: ThreadPoolExecutor, fn: Callable[..., T], args: Any) -> T:
        if self._down or time.monotonic() - self._checked_at > self.probe_every_s:
            await self._probe()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(pool, functools.partial(fn, *args))
        while True:
            done, _ = await asyncio.wait({future}, timeout=self.probe_every_s)
            if done:
                return future.result()
            try:
                await self._probe()
            except Neo4jUnavailableError:
                future.add_done_callback(_drop)
                raise

    async def _probe(self) -> None:
        """Open (and close) a TCP connection to the Bolt port; Neo4jUnavailableError if none."""
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(*self.address), self.probe_timeout_s
            )
        except (OSError, TimeoutError):
            self._down = True
            raise Neo4jUnavailableError(
                "the graph database is unavailable", hint="retry in a few seconds"
            ) from None
        writer.close()
        self._down, self._checked_at = False, time.monotonic()


def _drop(future: Future[Any] | asyncio.Future[Any]) -> None:
    """Collect an abandoned call's outcome, so asyncio does not log it as never retrieved."""
    if not future.cancelled():
        future.exception()
