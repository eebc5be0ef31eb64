"""Open a Neo4j driver for the configured server (managed or given by ``SEMGRAPH_NEO4J_URI``).

Nothing here assumes the database is local: with ``SEMGRAPH_NEO4J_URI`` set, semgraph talks
to any Bolt or routing (``neo4j://``) endpoint with the given credentials.
"""

from __future__ import annotations

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable

from semgraph.config import Settings
from semgraph.exceptions import ConfigurationError, Neo4jUnavailableError
from semgraph.neo4j_server import ManagedServer


def credentials(settings: Settings) -> tuple[str, str]:
    """User and password for the configured server."""
    if settings.managed:
        return settings.neo4j_user, ManagedServer(settings).password()
    if settings.neo4j_password is None:
        raise ConfigurationError(
            "SEMGRAPH_NEO4J_URI is set but SEMGRAPH_NEO4J_PASSWORD is not",
            hint="set SEMGRAPH_NEO4J_PASSWORD (and SEMGRAPH_NEO4J_USER if not `neo4j`)",
        )
    return settings.neo4j_user, settings.neo4j_password.get_secret_value()


def open_driver(settings: Settings, *, verify: bool = True) -> neo4j.Driver:
    """A connected driver; the caller closes it.

    Raises:
        Neo4jUnavailableError: the server does not answer (with advice on what to start).
        ConfigurationError: the credentials are missing or wrong.
    """
    user, password = credentials(settings)
    driver = neo4j.GraphDatabase.driver(
        settings.bolt_uri,
        auth=(user, password),
        max_connection_pool_size=settings.neo4j_pool_size,
        connection_acquisition_timeout=30.0,
        notifications_min_severity="OFF",
    )
    if verify:
        try:
            driver.verify_connectivity()
        except ServiceUnavailable as exc:
            driver.close()
            hint = (
                "start it with `semgraph neo4j start` (or `make up`)"
                if settings.managed
                else "check SEMGRAPH_NEO4J_URI and that the server is up"
            )
            raise Neo4jUnavailableError(
                f"Neo4j at {settings.bolt_uri} is not reachable", hint=hint
            ) from exc
        except AuthError as exc:
            driver.close()
            raise ConfigurationError(
                f"Neo4j at {settings.bolt_uri} refused the credentials for `{user}`",
                hint="check SEMGRAPH_NEO4J_USER / SEMGRAPH_NEO4J_PASSWORD",
            ) from exc
    return driver
