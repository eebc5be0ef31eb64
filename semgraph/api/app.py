"""The application factory: ``create_app(settings)`` builds the same app for every host.

``uvicorn semgraph.api.app:create_app --factory``, ``semgraph up`` and the tests all get
an app whose lifespan starts the container's background work (alert delivery and
escalation, the entity-card updater) and stops it, with the driver, on shutdown.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from semgraph import __version__
from semgraph.api import alert_pages, health, ingest
from semgraph.api.graphql.app_graphql import mount_graphql
from semgraph.api.graphql.settings import ApiSettings
from semgraph.bootstrap import Container
from semgraph.config import Settings, get_settings
from semgraph.mcp.transports import mount_mcp, running_sessions
from semgraph.metrics import watch_data_health, watch_neo4j, watch_sync_breaker
from semgraph.sync.breaker import BreakerState


def create_app(
    settings: Settings | None = None,
    container: Container | None = None,
    api_settings: ApiSettings | None = None,
) -> FastAPI:
    """Build the FastAPI app; the container (driver, ontology, services) is created once.

    ``api_settings`` (default: the settings' ``api``, ``SEMGRAPH_API_*``) configures
    ``/graphql`` and ``/mcp`` (the MCP tools run the same schema as the caller).
    """
    container = container or Container(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What exists at start (ontology, shapes, the generated schema) lives as long as
        # the process: freeze it out of the cyclic collector, whose full passes over it
        # otherwise pause every request in flight (~0.3 s on a busy 2-core machine).
        gc.collect()
        gc.freeze()
        container.start()
        await asyncio.to_thread(container.warn_alert_problems)
        try:
            async with running_sessions(mcp):
                yield
        finally:
            gc.unfreeze()
            await app.state.graphql.reader.close()
            app.state.graphql.workers.close()
            container.close()

    app = FastAPI(title="semgraph", version=__version__, lifespan=lifespan)
    app.state.container = container
    app.include_router(health.router)
    app.include_router(alert_pages.router)
    app.include_router(ingest.router)
    watch_neo4j(container.neo4j_problem)
    watch_sync_breaker(lambda: container.sync_breaker.state, list(BreakerState))
    watch_data_health(container.data_health_now)
    mount_graphql(app, container, api_settings or container.settings.api)
    mcp = mount_mcp(app, app.state.graphql_schema, app.state.graphql)
    return app
