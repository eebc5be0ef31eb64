"""``AlertService``: the alerts package wired once — outbox hook, dispatcher, stream, store.

``bootstrap.Container`` builds one per process: it registers ``outbox`` in the
pipeline's ``tx_hooks`` and ``after_commit`` as (part of) its ``on_event``; the app
starts the dispatcher loop; the CLI uses ``store``.
"""

from __future__ import annotations

import secrets

import neo4j

from semgraph.alerts.channels.base import AlertChannel
from semgraph.alerts.channels.email import EmailChannel
from semgraph.alerts.channels.stream import AlertStream
from semgraph.alerts.channels.webhook import WebhookChannel
from semgraph.alerts.dispatcher import AlertDispatcher
from semgraph.alerts.escalation import Escalator
from semgraph.alerts.links import AlertLinks
from semgraph.alerts.outbox import AlertOutbox
from semgraph.alerts.routing import AlertRouter
from semgraph.alerts.settings import AlertSettings
from semgraph.alerts.store import AlertStore
from semgraph.changes.events import ChangeCommitted
from semgraph.ontology.model import Ontology


def build_channels(
    settings: AlertSettings, links: AlertLinks | None = None
) -> dict[str, AlertChannel]:
    """The channels the settings configure (webhook with a secret; e-mail with a host);
    with ``links``, each message carries signed links to the alert's page."""
    channels: dict[str, AlertChannel] = {}
    if settings.webhook_secret is not None:
        channels["webhook"] = WebhookChannel(
            settings.webhook_secret.get_secret_value(), settings.webhook_timeout_s, links=links
        )
    if settings.smtp_host:
        channels["email"] = EmailChannel(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            starttls=settings.smtp_starttls,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout_s=settings.smtp_timeout_s,
            links=links,
        )
    return channels


class AlertService:
    """Everything alerts need in one process."""

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str,
        ontology: Ontology,
        settings: AlertSettings,
        browser_base_url: str,
        *,
        worker_id: str | None = None,
        api_base_url: str = "http://127.0.0.1:8000",
    ) -> None:
        self.settings = settings
        secret = settings.link_secret.get_secret_value() if settings.link_secret else None
        self.links = AlertLinks(
            secret or secrets.token_hex(32),
            settings.public_base_url or api_base_url,
            settings.link_ttl_hours,
        )
        self.driver, self.database = driver, database
        self.router = AlertRouter(ontology)
        self.outbox = AlertOutbox(
            ontology, self.router, settings, settings.browser_url or browser_base_url
        )
        self.store = AlertStore(driver, database)
        self.stream = AlertStream()
        self.escalator = Escalator(driver, database, self.router, settings)
        self.dispatcher = AlertDispatcher(
            driver,
            database,
            settings,
            build_channels(settings, self.links),
            escalate=self.escalator.sweep,
            worker_id=worker_id,
        )

        # While the dispatcher runs here, a change's deliveries are written claimed by it
        # and sent as soon as the change commits, not at the dispatcher's next round.
        self.outbox.claimer = lambda: self.dispatcher.worker_id if self.dispatcher.running else None

    def after_commit(self, event: object) -> None:
        """Pipeline ``on_event`` handler: send the change's deliveries, publish its alerts
        live, and wake the dispatcher for deliveries written unclaimed."""
        if not isinstance(event, ChangeCommitted) or not event.warnings:
            return
        claimed = self.outbox.take_claimed(event.change_id)
        self.dispatcher.send_claimed(claimed)
        messages = self.outbox.take(event.change_id)
        for message in messages:
            self.stream.publish(message)
        if messages and not claimed:  # written unclaimed: the next round must take them
            self.dispatcher.wake()

    def delivery_problems(self) -> list[str]:
        """What would make alerts reach nobody, one line each: no channel configured, or a
        fallback role no employee holds. Start-up logs them; ``/readyz`` lists them.

        Raises:
            neo4j.exceptions.Neo4jError, ServiceUnavailable: Neo4j cannot be asked.
        """
        problems = []
        if not self.settings.webhook_urls and not self.settings.email_enabled:
            problems.append(
                "no alert channel is configured: alerts are stored and shown live, but no "
                "e-mail or webhook is sent; set SEMGRAPH_ALERTS_SMTP_HOST or "
                "SEMGRAPH_ALERTS_WEBHOOK_URLS (see docs/alerts.md)"
            )
        if self.settings.public_base_url is None:
            problems.append(
                f"SEMGRAPH_ALERTS_PUBLIC_BASE_URL is not set: alert links point at "
                f"{self.links.base_url}, which readers elsewhere may not reach"
            )
        if self.settings.link_secret is None:
            problems.append(
                "SEMGRAPH_ALERTS_LINK_SECRET is not set: alert links are signed with a key of "
                "this process alone and stop working when it restarts"
            )
        with self.driver.session(database=self.database) as session:
            problems += self.router.unreachable_fallbacks(session)  # fails fast when down
        return problems

    def ensure_schema(self) -> None:
        self.store.ensure_schema()

    def start(self) -> None:
        """Start delivering in the background (the app's start-up)."""
        self.dispatcher.start()

    def close(self) -> None:
        self.dispatcher.close()
