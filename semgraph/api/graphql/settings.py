"""Settings of the GraphQL API, read from ``SEMGRAPH_API_*`` variables and ``.env``.

``SEMGRAPH_API_KEYS`` is a JSON object mapping each API key to its holder, e.g.
``{"k-123": {"actor": "crm-sync", "role": "service"}}`` (a bare role string works too:
``{"k-123": "analyst"}``). JWTs are accepted when ``jwt_secret`` (HS256) or
``jwt_public_key`` (RS256) is set; the role comes from the ``role`` claim (or the first
entry of ``roles``) and the actor from ``sub``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiKeyHolder(BaseModel):
    """Who presents an API key: the actor name recorded on changes and the role."""

    actor: str
    role: str
    email: str | None = None


class ApiSettings(BaseSettings):
    """Authentication, limits and developer switches of ``/graphql``."""

    model_config = SettingsConfigDict(
        env_prefix="SEMGRAPH_API_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    keys: dict[str, ApiKeyHolder] = Field(default_factory=dict)
    auth_modes: list[Literal["api_key", "jwt"]] = Field(
        default_factory=lambda: ["api_key", "jwt"]  # type: ignore[arg-type]
    )
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    anonymous_role: str | None = Field(
        default=None, description="Role of callers without credentials; None refuses them."
    )

    dev_mode: bool = Field(default=False, description="Serve GraphiQL at GET /graphql.")
    introspection: bool = True
    max_depth: int = 8
    max_aliases: int = 30
    max_tokens: int = 2000
    max_query_bytes: int = Field(
        default=100_000,
        description="Longest query text accepted (comments count; tokens do not see them).",
    )
    max_variable_depth: int = Field(default=32, description="Deepest nesting of variables.")
    max_page_size: int = 500
    default_page_size: int = 20
    timeout_s: float = 10.0
    read_workers: int = Field(default=16, description="Threads for blocking reads.")
    write_workers: int = Field(default=8, description="Threads for changes (never behind reads).")
    direct_reads: bool = Field(
        default=True,
        description="Build entity-read responses straight from the Cypher result "
        "(direct_reads); off runs every field through the per-field executor.",
    )

    @field_validator("keys", mode="before")
    @classmethod
    def _bare_roles(cls, value: object) -> object:
        if isinstance(value, dict):
            return {
                k: {"actor": f"api-key:{k[:4]}…", "role": v} if isinstance(v, str) else v
                for k, v in value.items()
            }
        return value
