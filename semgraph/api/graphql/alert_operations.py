# mypy: disable-error-code="untyped-decorator"
"""Risk alerts over GraphQL: the ``riskAlerts`` query, ``acknowledgeAlert`` and
``resolveAlert`` (calls on ``AlertInbox``), and the types the ``riskAlerts``
subscription shares.

Who sees which alert is ``AlertInbox``'s rule (semgraph.services.alerts): ``admin`` sees
every alert, anyone else those routed to their e-mail (JWT ``email`` claim or the API key
holder's ``email``), else their actor; any other is ``NOT_FOUND``. Messages
of rules that read a field masked for the caller are masked (``masking``); so are
recipients' e-mails when the caller's role may not see employees' e-mails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from semgraph.alerts.model import AlertMessage, Recipient, RiskAlert
from semgraph.api.graphql.auth import Caller
from semgraph.api.graphql.context import RequestContext
from semgraph.api.graphql.errors import PageTooLargeError
from semgraph.api.graphql.masking import ResultMasker, class_of_iri
from semgraph.api.graphql.page_types import DateTime
from semgraph.services.alerts import routed_to


def routed_to_caller(recipients: Sequence[Recipient], caller: Caller) -> bool:
    """Whether the caller is among the recipients (``AlertInbox``'s rule)."""
    return routed_to(recipients, caller)


@strawberry.type(description="An employee an alert was routed to, and why.")
class AlertRecipient:
    iri: str
    name: str | None
    email: str | None = strawberry.field(description="Null when masked for the caller.")
    role: str
    via: str = strawberry.field(description="route, fallback:<role> or escalation.")


def _recipients(
    recipients: Sequence[Recipient], masker: ResultMasker, caller: Caller
) -> list[AlertRecipient]:
    out = []
    for r in recipients:
        cls = class_of_iri(r.iri)
        visible = cls is None or masker.field_visible(cls, "email", caller.roles)
        out.append(
            AlertRecipient(
                iri=r.iri, name=r.name, email=r.email if visible else None, role=r.role, via=r.via
            )
        )
    return out


def _texts(
    rule_iri: str, en: str, zh: str, masker: ResultMasker, caller: Caller
) -> tuple[str, str, bool]:
    if not masker.rule_hidden(rule_iri, caller.roles):
        return en, zh, False
    return masker.masked_text(rule_iri, "en", en), masker.masked_text(rule_iri, "zh", zh), True


@strawberry.type(
    name="RiskAlert", description="A stored risk alert (status open → acknowledged → resolved)."
)
class RiskAlertView:
    id: str
    status: str
    rule_iri: str
    rule_name: str
    focus_iri: str
    focus_class: str | None
    severity: str
    risk_level: str
    title_en: str
    title_zh: str
    message_en: str
    message_zh: str
    masked: bool
    accounting_ref: str | None
    recommended_review: str | None
    count: int
    first_change_id: str
    last_change_id: str
    opened_at: DateTime
    last_raised_at: DateTime
    acknowledged_at: DateTime | None
    acknowledged_by: str | None
    resolved_at: DateTime | None
    resolved_by: str | None
    escalated_at: DateTime | None
    routed_to: list[AlertRecipient]
    impact_path: list[str]
    browser_url: str
    recommended_review_zh: str | None = None
    customer_name: str | None = None
    contract_number: str | None = None
    impact_words_en: list[str] = strawberry.field(default_factory=list)
    impact_words_zh: list[str] = strawberry.field(default_factory=list)


def _iso(at: dt.datetime) -> DateTime:
    return DateTime(at.isoformat())


def alert_view(a: RiskAlert, masker: ResultMasker, caller: Caller) -> RiskAlertView:
    en, zh, masked = _texts(a.rule_iri, a.message_en, a.message_zh, masker, caller)
    return RiskAlertView(
        id=a.id,
        status=a.status.value,
        rule_iri=a.rule_iri,
        rule_name=a.rule_name,
        focus_iri=a.focus_iri,
        focus_class=a.focus_class,
        severity=a.severity,
        risk_level=a.risk_level,
        title_en=a.title_en,
        title_zh=a.title_zh,
        message_en=en,
        message_zh=zh,
        masked=masked,
        accounting_ref=a.accounting_ref,
        recommended_review=a.recommended_review,
        count=a.count,
        first_change_id=a.first_change_id,
        last_change_id=a.last_change_id,
        opened_at=_iso(a.opened_at),
        last_raised_at=_iso(a.last_raised_at),
        acknowledged_at=_iso(a.acknowledged_at) if a.acknowledged_at else None,
        acknowledged_by=a.acknowledged_by,
        resolved_at=_iso(a.resolved_at) if a.resolved_at else None,
        resolved_by=a.resolved_by,
        escalated_at=_iso(a.escalated_at) if a.escalated_at else None,
        routed_to=_recipients(a.routed_to, masker, caller),
        impact_path=a.impact_path,
        browser_url=a.browser_url,
        recommended_review_zh=a.recommended_review_zh,
        customer_name=a.customer_name,
        contract_number=a.contract_number,
        impact_words_en=a.impact_words_en,
        impact_words_zh=a.impact_words_zh,
    )


@strawberry.type(description="A live alert notification (raised, raised again, escalated).")
class AlertEvent:
    event: str
    alert_id: str
    occurrence: int
    change_id: str
    rule_iri: str
    rule_name: str
    focus_iri: str
    focus_class: str | None
    severity: str
    risk_level: str
    title_en: str
    title_zh: str
    message_en: str
    message_zh: str
    masked: bool
    accounting_ref: str | None
    recommended_review: str | None
    notify_roles: list[str]
    routed_to: list[AlertRecipient]
    impact_path: list[str]
    changed_by: JSON
    changed_at: str
    browser_url: str
    recommended_review_zh: str | None = None
    customer_name: str | None = None
    contract_number: str | None = None
    impact_words_en: list[str] = strawberry.field(default_factory=list)
    impact_words_zh: list[str] = strawberry.field(default_factory=list)


def alert_event(m: AlertMessage, masker: ResultMasker, caller: Caller) -> AlertEvent:
    en, zh, masked = _texts(m.rule_iri, m.message_en, m.message_zh, masker, caller)
    return AlertEvent(
        event=m.event,
        alert_id=m.alert_id,
        occurrence=m.occurrence,
        change_id=m.change_id,
        rule_iri=m.rule_iri,
        rule_name=m.rule_name,
        focus_iri=m.focus_iri,
        focus_class=m.focus_class,
        severity=m.severity,
        risk_level=m.risk_level,
        title_en=m.title_en,
        title_zh=m.title_zh,
        message_en=en,
        message_zh=zh,
        masked=masked,
        accounting_ref=m.accounting_ref,
        recommended_review=m.recommended_review,
        notify_roles=m.notify_roles,
        routed_to=_recipients(m.routed_to, masker, caller),
        impact_path=m.impact_path,
        changed_by=cast(JSON, dict(m.changed_by)),
        changed_at=m.changed_at,
        browser_url=m.browser_url,
        recommended_review_zh=m.recommended_review_zh,
        customer_name=m.customer_name,
        contract_number=m.contract_number,
        impact_words_en=m.impact_words_en,
        impact_words_zh=m.impact_words_zh,
    )


@strawberry.type
class AlertQueries:
    @strawberry.field(
        description="Stored risk alerts, newest first: all for admin, else those routed to "
        "the caller. `severity` is the risk level (low, medium, high, highest)."
    )
    async def risk_alerts(
        self,
        info: Info,
        status: str | None = None,
        severity: str | None = None,
        first: int = 50,
    ) -> list[RiskAlertView]:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        if not 1 <= first <= ctx.services.settings.max_page_size:
            raise PageTooLargeError(f"first must be 1..{ctx.services.settings.max_page_size}")
        inbox = ctx.services.container.alert_inbox
        alerts = await ctx.services.workers.read(inbox.list, caller, status, severity, first)
        return [alert_view(a, ctx.services.masker, caller) for a in alerts]


@strawberry.type
class AlertMutations:
    @strawberry.mutation(description="open/escalated → acknowledged (stops escalation).")
    async def acknowledge_alert(self, info: Info, id: str, note: str = "") -> RiskAlertView:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        inbox = ctx.services.container.alert_inbox
        alert = await ctx.services.workers.write(inbox.acknowledge, caller, id, note)
        return alert_view(alert, ctx.services.masker, caller)

    @strawberry.mutation(description="→ resolved; the rule firing again opens a new alert.")
    async def resolve_alert(self, info: Info, id: str, note: str = "") -> RiskAlertView:
        ctx: RequestContext = info.context
        caller = ctx.require_caller()
        inbox = ctx.services.container.alert_inbox
        alert = await ctx.services.workers.write(inbox.resolve, caller, id, note)
        return alert_view(alert, ctx.services.masker, caller)
