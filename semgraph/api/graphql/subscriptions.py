# mypy: disable-error-code="untyped-decorator"
"""``graphql-transport-ws`` subscriptions and their authentication.

Clients authenticate in ``connection_init``: the payload carries the same names as the
HTTP headers (``X-API-Key`` or ``Authorization: Bearer …``, optionally
``X-Session-Id``, ``X-Device-Fingerprint``, ``X-Source-System``); headers of the
upgrade request count too, the payload wins. Bad or missing credentials close the
socket with 4403 before any subscription starts.

- ``riskAlerts(role, minSeverity)``: alerts committed from now on, at or above a risk
  level. Admin may ask for any role (default: all); anyone else gets their own role and
  only alerts routed to them (see ``alert_operations``); messages masked as in queries.
- ``changes(entityType)``: every committed change that touched an entity of that class.
  Live only: what this process commits while the client listens.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.types import Info

from semgraph.alerts.model import RISK_ORDER
from semgraph.api.graphql.alert_operations import AlertEvent, alert_event, routed_to_caller
from semgraph.api.graphql.auth import Caller
from semgraph.api.graphql.change_types import TouchedEntity
from semgraph.api.graphql.context import RequestContext
from semgraph.api.graphql.errors import AuthenticationError
from semgraph.api.graphql.request_body import decode_request
from semgraph.exceptions import ForbiddenError, InvalidInputError, SemgraphError

T = TypeVar("T")


def _checked(check: Callable[[], T]) -> T:
    """Run a subscription's argument checks with the error codes queries have (strawberry's
    subscription path does not pass through the ``ErrorCodes`` extension)."""
    try:
        return check()
    except SemgraphError as exc:
        extensions: dict[str, Any] = {"code": exc.code}
        if exc.hint:
            extensions["hint"] = exc.hint
        raise GraphQLError(exc.message, original_error=exc, extensions=extensions) from None


class AuthenticatingRouter(GraphQLRouter[RequestContext, None]):
    """GraphQLRouter that authenticates WebSocket clients on ``connection_init`` and
    checks HTTP bodies (``request_body``) before strawberry reads them."""

    max_query_bytes = 100_000
    max_variable_depth = 32

    def decode_json(self, data: str | bytes) -> object:
        return decode_request(data, self.max_query_bytes, self.max_variable_depth)

    async def on_ws_connect(self, context: RequestContext) -> Any:
        headers: dict[str, str] = {}
        if context.request is not None:
            headers.update({k.lower(): v for k, v in context.request.headers.items()})
        params = context.connection_params or {}
        if isinstance(params, dict):
            headers.update({str(k).lower(): str(v) for k, v in params.items() if v is not None})
        try:
            context.caller = context.services.authenticator.caller(headers)
        except AuthenticationError as exc:
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from None
        return {"actor": context.caller.actor, "role": context.caller.role}


@strawberry.type(description="A committed change, as the `changes` subscription sends it.")
class ChangeEvent:
    change_id: str
    actor: str
    role: str
    source_system: str
    at: str
    warnings: int
    touched: list[TouchedEntity]


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Risk alerts as they are raised, at or above `minSeverity` (risk level: "
        "low, medium, high, highest). Non-admin callers: their own role, alerts routed to them."
    )
    async def risk_alerts(
        self, info: Info, role: str | None = None, min_severity: str | None = None
    ) -> AsyncGenerator[AlertEvent, None]:
        ctx: RequestContext = info.context

        def check() -> tuple[Caller, str | None]:
            caller = ctx.require_caller()
            if min_severity is not None and min_severity not in RISK_ORDER:
                raise InvalidInputError(
                    f"unknown risk level `{min_severity}`", hint="use " + ", ".join(RISK_ORDER)
                )
            if not caller.is_admin:
                if role not in (None, caller.role):
                    raise ForbiddenError(
                        f"role `{caller.role}` may not subscribe to `{role}` alerts",
                        hint="omit `role`, or ask an admin",
                    )
                return caller, caller.role
            if role is not None and role not in ctx.services.container.ontology.role_keys():
                raise InvalidInputError(f"unknown role `{role}`")
            return caller, role

        caller, listen_role = _checked(check)
        masker = ctx.services.masker
        async with ctx.services.container.alerts.stream.subscribe(listen_role, min_severity) as sub:
            async for message in sub:
                _checked(ctx.require_caller)  # the token may have expired since
                if caller.is_admin or routed_to_caller(message.routed_to, caller):
                    yield alert_event(message, masker, caller)

    @strawberry.subscription(
        description="Committed changes that touched an entity of `entityType` (all if omitted)."
    )
    async def changes(
        self, info: Info, entity_type: str | None = None
    ) -> AsyncGenerator[ChangeEvent, None]:
        ctx: RequestContext = info.context

        def check() -> None:
            ctx.require_caller()
            if entity_type is not None:
                ctx.services.container.ontology.cls(entity_type)

        _checked(check)
        async with ctx.services.container.change_stream.subscribe(entity_type) as sub:
            async for event in sub:
                _checked(ctx.require_caller)
                yield ChangeEvent(
                    change_id=event.change_id,
                    actor=event.actor,
                    role=event.role,
                    source_system=event.source_system,
                    at=event.at,
                    warnings=event.warnings,
                    touched=[
                        TouchedEntity(op=op, class_=cls, iri=iri) for op, cls, iri in event.touched
                    ],
                )
