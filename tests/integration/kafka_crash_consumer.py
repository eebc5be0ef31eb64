"""A Kafka sync consumer that dies right after a batch's Neo4j commit, before its offset
commit: ``python -m tests.integration.kafka_crash_consumer SYSTEM TABLE TOPIC GROUP REJECTS``.

The instance comes from the SEMGRAPH_* environment, as for ``semgraph sync-stream``. It
exits with code 17 and without any cleanup (``os._exit``), like a process killed there.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from semgraph.bootstrap import Container
from semgraph.config import get_settings
from semgraph.sync.kafka_source import StreamBatch, StreamOptions

CRASHED = 17


def _die(_batch: StreamBatch) -> None:
    os._exit(CRASHED)


def main(system: str, table: str, topic: str, group: str, rejects: str) -> None:
    container = Container(get_settings())
    stream = container.kafka_stream(rejects_file=Path(rejects))
    stream.on_batch_committed = _die
    stream.run(system, table, StreamOptions(topic, group, until_idle_s=20))
    sys.exit("the consumer read no message to die after")


if __name__ == "__main__":
    main(*sys.argv[1:6])
