"""E-mail channel: a bilingual plain-text message over SMTP (STARTTLS and login optional).

The Message-ID is derived from the delivery's idempotency key, so a retried send is the
same message to mail systems that de-duplicate by Message-ID.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from semgraph.alerts.channels.base import DeliveryError
from semgraph.alerts.model import AlertMessage, ClaimedDelivery


def render_email(message: AlertMessage) -> tuple[str, str]:
    """Subject and plain-text body (English, then Chinese) of an alert message."""
    again = f" (#{message.occurrence})" if message.occurrence > 1 else ""
    prefix = "ESCALATED: " if message.event == "alert.escalated" else ""
    subject = f"[semgraph] {prefix}{message.title_en}{again}"
    by = message.changed_by
    lines = [
        message.title_en,
        message.title_zh,
        "",
        message.message_en,
        message.message_zh,
        "",
        f"Risk / 风险: {message.risk_level}    Rule / 规则: {message.rule_name}",
        f"Accounting reference / 会计依据: {message.accounting_ref or '-'}",
        f"Recommended review / 建议复核: {message.recommended_review or '-'}",
        f"Changed by / 变更人: {by.get('actor')} ({by.get('role')}) "
        f"from {by.get('source_system')} at {message.changed_at}",
        f"Change / 变更: {message.change_id}   Alert / 告警: {message.alert_id}"
        f"   Occurrence / 次数: {message.occurrence}",
        "",
        "Impact path / 影响路径:",
        *[f"  - {path}" for path in message.impact_path[:20]],
        "",
        "Open the impact view in the Neo4j Browser / 在 Neo4j Browser 中查看影响路径:",
        message.browser_url,
        "",
        "Acknowledge / 确认: semgraph alerts ack " + message.alert_id,
    ]
    return subject, "\n".join(lines) + "\n"


class EmailChannel:
    """Sends one message per delivery; 5xx replies are final, the rest is retried."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = False,
        user: str | None = None,
        password: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.user, self.timeout_s = starttls, user, timeout_s
        self._password = password

    def send(self, delivery: ClaimedDelivery) -> None:
        subject, body = render_email(delivery.message)
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = delivery.target
        msg["Subject"] = subject
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = f"<{delivery.idempotency_key}@semgraph.alerts>"
        msg["X-Semgraph-Alert"] = delivery.message.alert_id
        msg["X-Semgraph-Rule"] = delivery.message.rule_name
        msg["X-Semgraph-Idempotency-Key"] = delivery.idempotency_key
        msg.set_content(body, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self._password or "")
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"SMTP refused {delivery.target}: {codes}", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:  # includes timeouts
            raise DeliveryError(f"SMTP {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        pass
