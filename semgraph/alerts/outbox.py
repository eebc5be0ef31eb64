"""``AlertOutbox``: the pipeline hook that turns Warnings into stored alerts and deliveries.

It runs inside the change's transaction (a ``TxHook``), so the alert, its links and its
pending deliveries commit or roll back together with the change: a committed change
always has its alert, and a refused one never does. Nothing is sent here; the
dispatcher sends what this writes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import neo4j

from semgraph.alerts import queries as q
from semgraph.alerts.browser_link import browser_url, impact_view_query
from semgraph.alerts.model import AlertMessage, ClaimedDelivery, Recipient
from semgraph.alerts.routing import AlertRouter, split_roles
from semgraph.alerts.settings import AlertSettings
from semgraph.alerts.wording import AlertWording, titles
from semgraph.changes.model import ChangeSet
from semgraph.changes.pipeline import ChangeResult
from semgraph.metrics import ALERTS_RAISED
from semgraph.ontology.model import Ontology
from semgraph.validation.results import ValidationResult

_REMEMBERED_CHANGES = 1000  # after-commit hand-over; a rolled-back change is never taken


def idempotency_key(message: AlertMessage, channel: str, target: str) -> str:
    """Stable per (alert, event, change, channel, target): retries reuse it."""
    raw = "|".join((message.alert_id, message.event, message.change_id, channel, target))
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def delivery_rows(
    message: AlertMessage, recipients: list[Recipient], settings: AlertSettings
) -> list[dict[str, Any]]:
    """One pending delivery per webhook URL, and one e-mail per recipient with an address."""
    targets = [("webhook", url) for url in settings.webhook_urls]
    if settings.email_enabled:
        emails = sorted({r.email for r in recipients if r.email})
        targets += [("email", email) for email in emails]
    payload = message.model_dump_json()
    return [
        {
            "id": uuid.uuid4().hex,
            "key": idempotency_key(message, channel, target),
            "channel": channel,
            "target": target,
            "event": message.event,
            "change_id": message.change_id,
            "payload": payload,
        }
        for channel, target in targets
    ]


def rule_name(rule_iri: str) -> str:
    return rule_iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


class AlertOutbox:
    """``TxHook`` for ``ChangePipeline.tx_hooks``; ``take(change_id)`` after the commit."""

    def __init__(
        self,
        ontology: Ontology,
        router: AlertRouter,
        settings: AlertSettings,
        browser_base_url: str,
    ) -> None:
        self.ontology = ontology
        self.router = router
        self.settings = settings
        self.browser_base_url = browser_base_url
        self.wording = AlertWording(ontology)
        self._raised: OrderedDict[str, list[AlertMessage]] = OrderedDict()
        self._claimed: OrderedDict[str, list[ClaimedDelivery]] = OrderedDict()
        self.claimer: Callable[[], str | None] | None = None
        """Worker id to write new deliveries claimed by (a running local dispatcher)."""
        self._lock = threading.Lock()

    def __call__(self, tx: neo4j.Transaction, change_set: ChangeSet, result: ChangeResult) -> None:
        seen: set[tuple[str, str]] = set()
        warnings = []
        for warning in result.warnings:
            if (warning.shape, warning.focus_node) in seen:
                continue  # one alert per rule and entity, however many results it gave
            seen.add((warning.shape, warning.focus_node))
            warnings.append(warning)
        messages = self._raise_all(tx, change_set, result, warnings) if warnings else []
        for message in messages:
            ALERTS_RAISED.labels(message.risk_level).inc()
        with self._lock:  # a retried transaction overwrites its own earlier attempt
            self._raised[change_set.id] = messages
            while len(self._raised) > _REMEMBERED_CHANGES:
                self._raised.popitem(last=False)
            while len(self._claimed) > _REMEMBERED_CHANGES:
                self._claimed.popitem(last=False)

    def take(self, change_id: str) -> list[AlertMessage]:
        """The messages a committed change raised (once; for the live stream)."""
        with self._lock:
            return self._raised.pop(change_id, [])

    def take_claimed(self, change_id: str) -> list[ClaimedDelivery]:
        """The deliveries a committed change wrote already claimed by ``claimer()`` (once)."""
        with self._lock:
            return self._claimed.pop(change_id, [])

    def _raise_all(
        self,
        tx: neo4j.Transaction,
        change_set: ChangeSet,
        result: ChangeResult,
        warnings: list[ValidationResult],
    ) -> list[AlertMessage]:
        """Two round trips for all of a change's alerts: route them and open (or find and
        lock) each open alert, then write alerts, messages and deliveries."""
        roles = [split_roles(w.notify_role) for w in warnings]
        routed = self.router.route_many(
            tx, [(w.focus_node, w.focus_class, r) for w, r in zip(warnings, roles, strict=True)]
        )
        opened = {
            rec["key"]: (rec["id"], rec["count"])
            for rec in tx.run(
                q.OPEN_ALERTS,
                change_id=change_set.id,
                alerts=[
                    {
                        "key": f"{w.shape}|{w.focus_node}",
                        "first": {
                            "id": uuid.uuid4().hex,
                            "ruleIri": w.shape,
                            "ruleName": rule_name(w.shape),
                            "focusIri": w.focus_node,
                            "focusClass": w.focus_class,
                            "severity": w.severity,
                        },
                    }
                    for w in warnings
                ],
            )
        }
        about = {
            rec["iri"]: dict(rec)
            for rec in tx.run(q.ALERT_CONTEXT, focus=sorted({w.focus_node for w in warnings}))
        }
        rows, messages = [], []
        for w, role_list, recipients in zip(warnings, roles, routed, strict=True):
            alert_id, count = opened[f"{w.shape}|{w.focus_node}"]
            message = self._message(
                change_set, result, w, role_list, recipients, alert_id, count + 1
            )
            message = self._worded(message, w, result, about.get(w.focus_node, {}))
            messages.append(message)
            rows.append(
                {
                    "id": alert_id,
                    "rule_iri": w.shape,
                    "focus_iri": w.focus_node,
                    "latest": {
                        "titleEn": message.title_en,
                        "titleZh": message.title_zh,
                        "riskLevel": message.risk_level,
                        "businessArea": w.business_area,
                        "messageEn": message.message_en,
                        "messageZh": message.message_zh,
                        "accountingRef": w.accounting_ref,
                        "recommendedReview": w.recommended_review,
                        "recommendedReviewZh": w.recommended_review_zh,
                        "ruleLabelEn": message.rule_label_en,
                        "ruleLabelZh": message.rule_label_zh,
                        "customerName": message.customer_name,
                        "contractNumber": message.contract_number,
                        "amountAtStake": message.amount_at_stake,
                        "currency": message.currency,
                        "reason": message.reason,
                        "changesJson": json.dumps(
                            [c.model_dump() for c in message.changes], ensure_ascii=False
                        ),
                        "impactWordsEn": message.impact_words_en,
                        "impactWordsZh": message.impact_words_zh,
                        "notifyRoles": role_list,
                        "impactPaths": message.impact_path,
                        "routedTo": [r.email or r.iri for r in recipients],
                        "lastMessage": message.model_dump_json(),
                        "browserQuery": message.browser_query,
                        "browserUrl": message.browser_url,
                    },
                    "impacted": [
                        {"iri": s["iri"], "depth": s["depth"], "path": s["path"]}
                        for s in sorted(result.impact, key=lambda s: (s["depth"], s["path"]))
                    ],
                    "recipients": [
                        {"iri": r.iri, "role": r.role, "via": r.via} for r in recipients
                    ],
                    "deliveries": delivery_rows(message, recipients, self.settings),
                }
            )
        claim_by = self.claimer() if self.claimer is not None else None
        tx.run(
            q.RAISE_ALERTS,
            change_id=change_set.id,
            alerts=rows,
            claim_by=claim_by,
            lease_ms=int(self.settings.claim_lease_s * 1000),
        ).consume()
        claimed = [
            ClaimedDelivery(
                id=d["id"],
                idempotency_key=d["key"],
                channel=d["channel"],
                target=d["target"],
                attempts=1,
                message=message,
            )
            for row, message in zip(rows, messages, strict=True)
            for d in row["deliveries"]
        ]
        with self._lock:
            self._claimed[change_set.id] = claimed if claim_by is not None else []
        return messages

    def _worded(
        self, m: AlertMessage, w: ValidationResult, result: ChangeResult, about: dict[str, Any]
    ) -> AlertMessage:
        """``m`` with what a finance reader needs, in both languages (see ``wording``)."""
        role = m.changed_by.get("role", "")
        value = about.get("value")
        worded = m.model_copy(
            update={
                "rule_label_en": w.rule_label_en or m.rule_name,
                "rule_label_zh": w.rule_label_zh or w.rule_label_en or m.rule_name,
                "customer_name": about.get("customerName"),
                "contract_number": about.get("contractNumber"),
                "amount_at_stake": float(value) if value is not None else None,
                "currency": about.get("currency"),
                "changes": self.wording.changed_values(result.changed, w.focus_node),
                "recommended_review_zh": w.recommended_review_zh,
                "message_en": self.wording.localise(w.message_en, "en"),
                "message_zh": self.wording.localise(w.message_zh, "zh"),
                "impact_words_en": self.wording.impact_words(m.impact_path, "en"),
                "impact_words_zh": self.wording.impact_words(m.impact_path, "zh"),
                "changed_by": m.changed_by
                | {
                    "role_en": self.wording.role(role, "en"),
                    "role_zh": self.wording.role(role, "zh"),
                },
            }
        )
        title_en, title_zh = titles(worded)
        return worded.model_copy(update={"title_en": title_en, "title_zh": title_zh})

    def _message(
        self,
        change_set: ChangeSet,
        result: ChangeResult,
        w: ValidationResult,
        roles: list[str],
        recipients: list[Recipient],
        alert_id: str,
        occurrence: int,
    ) -> AlertMessage:
        ctx = change_set.context
        risk = w.risk_level or "medium"
        name = rule_name(w.shape)
        focus_id = w.focus_node.rsplit("/", 1)[-1]
        what = f"{w.focus_class or 'entity'} {focus_id}"
        impact = sorted(result.impact, key=lambda s: (s["depth"], s["path"]))
        query = impact_view_query(alert_id, self.ontology)
        return AlertMessage(
            event="alert.raised" if occurrence == 1 else "alert.updated",
            alert_id=alert_id,
            occurrence=occurrence,
            change_id=change_set.id,
            rule_iri=w.shape,
            rule_name=name,
            focus_iri=w.focus_node,
            focus_class=w.focus_class,
            severity=w.severity,
            risk_level=risk,
            business_area=w.business_area,
            title_en=f"[{risk} risk] {name}: {what}",  # until worded
            title_zh=f"[{risk}] {name}：{what}",
            message_en=w.message_en,
            message_zh=w.message_zh,
            accounting_ref=w.accounting_ref,
            recommended_review=w.recommended_review,
            notify_roles=roles,
            routed_to=recipients,
            impact_path=[s["path"] for s in impact],
            changed_by={
                "actor": ctx.actor,
                "role": ctx.role,
                "source_system": ctx.source_system,
                "session_id": ctx.session_id,
            },
            changed_at=ctx.at.isoformat(),
            reason=ctx.reason,
            browser_url=browser_url(self.browser_base_url, query),
            browser_query=query,
        )
