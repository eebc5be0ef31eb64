"""``AlertSettings``: how alerts are delivered, read from ``SEMGRAPH_ALERTS_*`` and ``.env``.

Lists take JSON in the environment, e.g.
``SEMGRAPH_ALERTS_WEBHOOK_URLS='["https://hooks.example/semgraph"]'``. Secrets are
``SecretStr``: they never appear in ``repr``, logs or error messages.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from semgraph.exceptions import ConfigurationError


class AlertSettings(BaseSettings):
    """Channels, retry policy, escalation and dispatcher timing of risk alerts."""

    model_config = SettingsConfigDict(
        env_prefix="SEMGRAPH_ALERTS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- e-mail (SMTP) ------------------------------------------------------------------
    smtp_host: str | None = Field(default=None, description="No host: no e-mail deliveries.")
    smtp_port: int = 25
    smtp_from: str = "semgraph-alerts@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 10.0

    # --- webhooks -----------------------------------------------------------------------
    webhook_urls: list[str] = Field(default_factory=list)
    webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key shared with every webhook receiver."
    )
    webhook_timeout_s: float = 5.0

    # --- retries and escalation ---------------------------------------------------------
    max_attempts: int = Field(default=6, ge=1, description="Then the delivery is dead-lettered.")
    backoff_base_s: float = Field(default=1.0, gt=0)
    backoff_cap_s: float = Field(default=300.0, gt=0)
    escalation_minutes: float = Field(
        default=30.0, ge=0, description="Unacknowledged high/highest alerts escalate after this."
    )
    escalate_levels: list[str] = Field(default_factory=lambda: ["high", "highest"])

    # --- dispatcher ---------------------------------------------------------------------
    poll_interval_s: float = Field(default=2.0, gt=0, description="Safety-net poll interval.")
    claim_lease_s: float = Field(
        default=60.0, gt=0, description="A claim older than this is taken over by another worker."
    )
    batch_size: int = Field(default=64, ge=1)
    record_linger_s: float = Field(
        default=0.05,
        ge=0,
        lt=5,
        description="How long a sent delivery's outcome waits for others to share its "
        "transaction (its receiver already has it; 0: record each at once).",
    )
    send_concurrency: int = Field(default=8, ge=1)
    # --- the alert page (signed links in e-mails and webhooks) --------------------------
    public_base_url: str | None = Field(
        default=None,
        description="Where readers reach semgraph, e.g. https://semgraph.northwind.example; "
        "alert links are built from it (default: the API's own host and port).",
    )
    link_secret: SecretStr | None = Field(
        default=None,
        description="Signs alert links; the same on every replica (default: a random one "
        "per process, so links stop working when it restarts).",
    )
    link_ttl_hours: float = Field(default=168.0, gt=0, description="How long a link works.")
    browser_url: str | None = Field(
        default=None, description="Neo4j Browser base URL in alert links (default: managed)."
    )

    @model_validator(mode="after")
    def _webhooks_need_a_secret(self) -> AlertSettings:
        if self.webhook_urls and self.webhook_secret is None:
            raise ConfigurationError(
                "SEMGRAPH_ALERTS_WEBHOOK_URLS is set but SEMGRAPH_ALERTS_WEBHOOK_SECRET is not",
                hint="set a shared secret; receivers verify the X-Semgraph-Signature with it",
            )
        if self.link_secret is not None and len(self.link_secret.get_secret_value()) < 32:
            raise ConfigurationError(
                "SEMGRAPH_ALERTS_LINK_SECRET is shorter than 32 characters",
                hint="use a long random value, e.g. `python -c 'import secrets; "
                "print(secrets.token_hex(32))'`",
            )
        timeouts = [self.webhook_timeout_s] if self.webhook_urls else []
        timeouts += [self.smtp_timeout_s] if self.smtp_host else []
        if self.claim_lease_s <= max(timeouts, default=0.0):
            raise ConfigurationError(
                f"claim_lease_s ({self.claim_lease_s}) must be longer than the channel "
                f"timeouts ({max(timeouts)} s)",
                hint="otherwise a slow send could be taken over and sent twice",
            )
        return self

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)
