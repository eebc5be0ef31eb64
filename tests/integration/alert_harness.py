"""Shared pieces of the alert tests: running receivers, a container factory, helpers.

The test modules wrap the generators in two-line fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import neo4j

from semgraph.alerts import AlertSettings, Delivery
from semgraph.bootstrap import Container
from semgraph.changes.model import ChangeSet
from semgraph.config import Settings
from semgraph.ontology.schema import ensure_schema
from tests.integration.alert_receivers import SmtpSink, WebhookReceiver
from tests.integration.world import update

SECRET = "whsec-test-0123456789"
REPO = Path(__file__).resolve().parents[2]
MakeContainer = Callable[..., Container]


def running_receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(SECRET).start()
    yield r
    r.stop()


def running_smtp() -> Iterator[SmtpSink]:
    s = SmtpSink().start()
    yield s
    s.stop()


def container_factory(empty_db: neo4j.Driver, settings: Settings) -> Iterator[MakeContainer]:
    made: list[Container] = []

    def make(receiver: WebhookReceiver | None, smtp: SmtpSink | None, **kw: Any) -> Container:
        options: dict[str, Any] = {
            "webhook_timeout_s": 2.0,
            "smtp_timeout_s": 2.0,
            "backoff_base_s": 0.05,
            "backoff_cap_s": 0.2,
            "poll_interval_s": 0.2,
            "claim_lease_s": 3.0,
        }
        alert_settings = AlertSettings(
            _env_file=None,
            webhook_urls=[receiver.url] if receiver else [],
            webhook_secret=SECRET,
            smtp_host="127.0.0.1" if smtp else None,
            smtp_port=smtp.port if smtp else 25,
            smtp_from="semgraph@northwind.example",
            **(options | kw),
        )
        c = Container(settings, alert_settings)
        ensure_schema(empty_db, c.ontology, settings.neo4j_database)
        c.alerts.ensure_schema()
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def all_deliveries(c: Container) -> list[Delivery]:
    return [d for a in c.alerts.store.list() for d in c.alerts.store.get(a.id).deliveries]


def credit_change(c: Container, sla: str, value: float) -> ChangeSet:
    return update(c.pipeline, "ServiceLevelAgreement", sla, serviceCreditPercent=value)


def alert_pairs(warnings: list[Any]) -> set[tuple[str, str]]:
    return {(w.shape, w.focus_node) for w in warnings}


def cli_env(settings: Settings) -> dict[str, str]:
    env = {"COLUMNS": "200"}
    if settings.managed:
        env |= {
            "SEMGRAPH_DATA_DIR": str(settings.data_dir),
            "SEMGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
            "SEMGRAPH_NEO4J_HTTP_PORT": str(settings.neo4j_http_port),
        }
    else:
        assert settings.neo4j_uri and settings.neo4j_password
        env |= {
            "SEMGRAPH_NEO4J_URI": settings.neo4j_uri,
            "SEMGRAPH_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        }
    return env
