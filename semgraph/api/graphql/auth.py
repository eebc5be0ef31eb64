"""Who is calling: API key or JWT → ``Caller`` (actor, role, session, device, source).

Credentials come in ``Authorization: Bearer <jwt or key>`` or ``X-API-Key: <key>``
(over WebSocket also in the ``connection_init`` payload under the same names).
Request metadata headers: ``X-Session-Id``, ``X-Device-Fingerprint``,
``X-Source-System``. Raises ``AuthenticationError`` (code ``UNAUTHENTICATED``) for
missing, malformed, expired or unknown credentials and for roles the ontology lacks.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from semgraph.api.graphql.errors import AuthenticationError
from semgraph.api.graphql.settings import ApiSettings


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request; ``role`` is an ontology role key."""

    actor: str
    role: str
    session_id: str | None = None
    device_fingerprint: str | None = None
    source_system: str | None = None
    auth: str = "api_key"
    email: str | None = None
    """The caller's e-mail (JWT ``email`` claim, API key holder's ``email``); alerts are
    matched to routed employees by it, falling back to ``actor``."""
    expires_at: float | None = None
    """The JWT's ``exp`` (Unix seconds); a WebSocket opened with it stops working then."""

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and time.time() >= self.expires_at

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Authenticator:
    """Checks credentials against ``ApiSettings`` and the ontology's role keys."""

    def __init__(self, settings: ApiSettings, role_keys: set[str]) -> None:
        self.settings, self.role_keys = settings, role_keys

    def caller(self, headers: Mapping[str, str]) -> Caller:
        """The caller for a request's headers (lower-case names), or AuthenticationError."""
        token = headers.get("x-api-key")
        auth = headers.get("authorization", "")
        if not token and auth:
            scheme, _, value = auth.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise AuthenticationError(
                    "malformed Authorization header", hint="send `Authorization: Bearer <token>`"
                )
            token = value.strip()
        meta: dict[str, Any] = {
            "session_id": headers.get("x-session-id"),
            "device_fingerprint": headers.get("x-device-fingerprint"),
            "source_system": headers.get("x-source-system"),
        }
        if not token:
            if self.settings.anonymous_role:
                return Caller("anonymous", self.settings.anonymous_role, auth="anonymous", **meta)
            raise AuthenticationError(
                "credentials required",
                hint="send `X-API-Key: <key>` or `Authorization: Bearer <jwt>`",
            )
        if "api_key" in self.settings.auth_modes and token in self.settings.keys:
            holder = self.settings.keys[token]
            role = self._role(holder.role)
            return Caller(holder.actor, role, auth="api_key", email=holder.email, **meta)
        if "jwt" in self.settings.auth_modes and token.count(".") == 2:
            actor, role, email, exp = self._jwt(token)
            return Caller(actor, role, auth="jwt", email=email, expires_at=exp, **meta)
        raise AuthenticationError("unknown API key or malformed token")

    def _jwt(self, token: str) -> tuple[str, str, str | None, float]:
        s = self.settings
        key = (
            s.jwt_public_key
            if s.jwt_algorithm == "RS256"
            else (s.jwt_secret.get_secret_value() if s.jwt_secret else None)
        )
        if not key:
            raise AuthenticationError("JWTs are not accepted here", hint="use an API key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[s.jwt_algorithm],
                audience=s.jwt_audience,
                issuer=s.jwt_issuer,
                options={"require": ["sub", "exp"], "verify_aud": s.jwt_audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("token expired", hint="get a fresh token") from None
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"invalid token: {exc}") from None
        roles = claims.get("roles")
        role = claims.get("role") or (roles[0] if isinstance(roles, list) and roles else None)
        if not isinstance(role, str):
            raise AuthenticationError("token has no `role` claim")
        email = claims.get("email")
        mail = email if isinstance(email, str) else None
        return str(claims["sub"]), self._role(role), mail, float(claims["exp"])

    def _role(self, role: str) -> str:
        if role not in self.role_keys:
            raise AuthenticationError(
                f"unknown role `{role}`", hint="roles: " + ", ".join(sorted(self.role_keys))
            )
        return role
