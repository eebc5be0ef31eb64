"""Signed, expiring links to an alert's page and to a person's inbox (``/alerts/…``).

A link carries a JWT (HS256, PyJWT) naming the alert (or none, for the inbox), the
recipient it was sent to and an expiry; whoever opens it acts as that recipient, so
an acknowledgement through it is recorded as theirs. Links are built from the
configurable public base URL (``SEMGRAPH_ALERTS_PUBLIC_BASE_URL``), not ``localhost``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jwt

from semgraph.exceptions import InvalidInputError

_AUDIENCE = "semgraph-alert-link"


@dataclass(frozen=True)
class LinkClaim:
    """What a valid link says: the recipient, and the alert (None for an inbox link)."""

    recipient: str
    alert_id: str | None


class AlertLinks:
    """Builds and reads signed links; ``secret`` must be the same on every replica."""

    def __init__(self, secret: str, public_base_url: str, ttl_hours: float) -> None:
        self._secret = secret
        self.base_url = public_base_url.rstrip("/")
        self.ttl = dt.timedelta(hours=ttl_hours)

    def _token(self, recipient: str, alert_id: str | None) -> str:
        now = dt.datetime.now(dt.UTC)
        claims: dict[str, object] = {"sub": recipient, "aud": _AUDIENCE, "iat": now}
        claims["exp"] = now + self.ttl
        if alert_id is not None:
            claims["alert"] = alert_id
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def alert_url(self, alert_id: str, recipient: str) -> str:
        """The alert's page, for ``recipient`` (an e-mail address or employee iri)."""
        return f"{self.base_url}/alerts/view/{self._token(recipient, alert_id)}"

    def inbox_url(self, recipient: str) -> str:
        """The page listing ``recipient``'s open alerts."""
        return f"{self.base_url}/alerts/inbox/{self._token(recipient, None)}"

    def read(self, token: str) -> LinkClaim:
        """The claim of a link's token.

        Raises:
            InvalidInputError: the link was tampered with, is not ours, or has expired.
        """
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], audience=_AUDIENCE)
        except jwt.ExpiredSignatureError:
            raise InvalidInputError(
                "this alert link has expired",
                hint="open the newest alert e-mail, or ask for `semgraph alerts show`",
            ) from None
        except jwt.PyJWTError:
            raise InvalidInputError(
                "this alert link is not valid (altered, or signed with another secret)",
                hint="open the link exactly as the e-mail or webhook gave it",
            ) from None
        return LinkClaim(recipient=str(claims["sub"]), alert_id=claims.get("alert"))
