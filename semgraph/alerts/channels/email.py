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
from semgraph.alerts.links import AlertLinks
from semgraph.alerts.model import AlertMessage, ClaimedDelivery
from semgraph.alerts.wording import body_lines


def render_email(
    message: AlertMessage, page_url: str | None = None, inbox_url: str | None = None
) -> tuple[str, str]:
    """Subject and plain-text body of an alert message: English in full, then Chinese in
    full, then the signed links to the alert's page and the reader's inbox."""
    again = f" (#{message.occurrence})" if message.occurrence > 1 else ""
    prefix = "ESCALATED / 已升级: " if message.event == "alert.escalated" else ""
    subject = f"[semgraph] {prefix}{message.title_en}{again}"
    lines = [*body_lines(message, "en"), "", "—" * 30, "", *body_lines(message, "zh"), ""]
    if page_url:
        lines += [
            "Open, acknowledge or resolve / 查看、确认或解决:",
            page_url,
            "",
        ]
    if inbox_url:
        lines += ["Your open alerts / 您的未结告警:", inbox_url, ""]
    lines.append(f"Alert / 告警: {message.alert_id}   Change / 变更: {message.change_id}")
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
        links: AlertLinks | None = None,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.links = links
        self.starttls, self.user, self.timeout_s = starttls, user, timeout_s
        self._password = password

    def send(self, delivery: ClaimedDelivery) -> None:
        page = inbox = None
        if self.links is not None:  # signed for this recipient: acting through it is theirs
            page = self.links.alert_url(delivery.message.alert_id, delivery.target)
            inbox = self.links.inbox_url(delivery.target)
        subject, body = render_email(delivery.message, page, inbox)
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
