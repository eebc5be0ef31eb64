"""The API's worker pools: writes never queue behind reads, and an unreachable Neo4j is
reported within about a second instead of after the driver's 30 s of retries.

A local listening socket stands in for the Bolt port (only its reachability matters
here); the blocking calls are plain functions.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from semgraph.api.graphql.workers import Workers
from semgraph.exceptions import Neo4jUnavailableError


@pytest.fixture
def port() -> Iterator[tuple[socket.socket, int]]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener, listener.getsockname()[1]
    listener.close()


def test_a_write_runs_while_every_read_thread_hangs(port: tuple[socket.socket, int]) -> None:
    workers = Workers(f"bolt://127.0.0.1:{port[1]}", reads=2, writes=1, probe_every_s=0.2)
    release = threading.Event()

    async def scenario() -> str:
        reads = [asyncio.create_task(workers.read(release.wait, 30)) for _ in range(4)]
        await asyncio.sleep(0.1)
        written = await asyncio.wait_for(workers.write(lambda: "committed"), 5)
        assert not any(r.done() for r in reads), "the reads are still stuck"
        release.set()
        await asyncio.gather(*reads)
        return written

    try:
        assert asyncio.run(scenario()) == "committed"
    finally:
        release.set()
        workers.close()


def test_an_unreachable_server_fails_fast_even_for_a_call_already_hanging(
    port: tuple[socket.socket, int],
) -> None:
    listener, number = port
    workers = Workers(f"bolt://127.0.0.1:{number}", probe_every_s=0.2)
    release = threading.Event()

    async def scenario() -> float:
        hanging = asyncio.create_task(workers.read(release.wait, 30))
        await asyncio.sleep(0.3)
        listener.close()  # the server goes away while the call hangs in its retries
        start = time.monotonic()
        with pytest.raises(Neo4jUnavailableError):
            await hanging
        waited = time.monotonic() - start
        with pytest.raises(Neo4jUnavailableError):  # and new calls do not start at all
            await workers.read(lambda: "never")
        return waited

    try:
        waited = asyncio.run(scenario())
    finally:
        release.set()
        workers.close()
    assert waited < 5, f"answered after {waited:.1f} s, not after the driver's retries"
