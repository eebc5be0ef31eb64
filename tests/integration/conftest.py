"""Fixtures shared by the integration tests: a webhook receiver, an SMTP server, containers."""

from __future__ import annotations

from collections.abc import Iterator

import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.ontology.schema import ensure_schema
from tests.integration.alert_harness import (
    MakeContainer,
    container_factory,
    running_receiver,
    running_smtp,
)
from tests.integration.alert_receivers import SmtpSink, WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP receiver on loopback that verifies signatures and keeps idempotency keys."""
    yield from running_receiver()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on loopback."""
    yield from running_smtp()


@pytest.fixture
def make_container(empty_db: neo4j.Driver, settings: Settings) -> Iterator[MakeContainer]:
    yield from container_factory(empty_db, settings)


@pytest.fixture
def container(empty_db: neo4j.Driver, settings: Settings) -> Iterator[Container]:
    """A container on an empty database with the ontology's schema and the alert outbox's."""
    c = Container(settings)
    ensure_schema(empty_db, c.ontology, settings.neo4j_database)
    c.alerts.ensure_schema()
    yield c
    c.close()
