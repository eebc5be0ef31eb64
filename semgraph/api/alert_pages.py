"""The alert page and the inbox page, served by semgraph itself (no Neo4j login, no script,
every asset inline, so it works offline).

A signed link (``semgraph.alerts.links``) from an e-mail or a webhook opens
``/alerts/view/<token>``: the alert in the reader's language (``?lang=zh``), its history,
its impact path as an SVG picture, and Acknowledge / Resolve buttons. Acting through the
link is recorded as the recipient it was sent to. ``/alerts/inbox/<token>`` lists that
person's open alerts, each with its own link.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from semgraph.alerts.impact_picture import impact_svg
from semgraph.alerts.links import LinkClaim
from semgraph.alerts.model import RiskAlert
from semgraph.alerts.service import AlertService
from semgraph.alerts.wording import AlertWording, Lang, money, risk_word
from semgraph.bootstrap import Container
from semgraph.exceptions import InvalidInputError, NotFoundError

router = APIRouter(prefix="/alerts", include_in_schema=False)
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
_STATUS: dict[Lang, dict[str, str]] = {
    "en": {
        "open": "open",
        "escalated": "escalated",
        "acknowledged": "acknowledged",
        "resolved": "resolved",
    },
    "zh": {"open": "未处理", "escalated": "已升级", "acknowledged": "已确认", "resolved": "已解决"},
}


def _lang(value: str | None) -> Lang:
    return "zh" if value == "zh" else "en"


def _service(request: Request) -> tuple[AlertService, AlertWording]:
    container: Container = request.app.state.container
    alerts = container.alerts
    return alerts, alerts.outbox.wording


def _refused(message: str, hint: str | None, status: int) -> HTMLResponse:
    html = _TEMPLATES.get_template("alert_refused.html").render(message=message, hint=hint)
    return HTMLResponse(html, status_code=status)


def _claim(alerts: AlertService, token: str) -> LinkClaim:
    return alerts.links.read(token)


def _alert_for(alerts: AlertService, claim: LinkClaim) -> RiskAlert:
    """The alert a link names, if it was routed to the link's recipient."""
    if claim.alert_id is None:
        raise InvalidInputError("this is an inbox link, not an alert link")
    alert = alerts.store.get(claim.alert_id)
    who = claim.recipient.lower()
    if not any(who in {(r.email or "").lower(), r.iri.lower()} for r in alert.routed_to):
        raise NotFoundError(f"alert {claim.alert_id} was not sent to {claim.recipient}")
    return alert


def _history(alert: RiskAlert, lang: Lang) -> list[tuple[str, str]]:
    zh = lang == "zh"
    rows = [(alert.opened_at.isoformat()[:19], "告警产生" if zh else "raised")]
    if alert.count > 1:
        what = f"再次触发（共 {alert.count} 次）" if zh else f"raised again ({alert.count} times)"
        rows.append((alert.last_raised_at.isoformat()[:19], what))
    if alert.escalated_at:
        rows.append((alert.escalated_at.isoformat()[:19], "已升级" if zh else "escalated"))
    if alert.acknowledged_at:
        by = alert.acknowledged_by or "-"
        rows.append(
            (
                alert.acknowledged_at.isoformat()[:19],
                f"由 {by} 确认" if zh else f"acknowledged by {by}",
            )
        )
    if alert.resolved_at:
        by = alert.resolved_by or "-"
        rows.append(
            (alert.resolved_at.isoformat()[:19], f"由 {by} 解决" if zh else f"resolved by {by}")
        )
    for d in alert.deliveries:
        when = (d.delivered_at or alert.last_raised_at).isoformat()[:19]
        channel = (
            {"email": "邮件", "webhook": "Webhook"}.get(d.channel, d.channel) if zh else d.channel
        )
        status = {"delivered": "已送达", "pending": "待发送", "dead": "发送失败"}.get(
            d.status.value, d.status.value
        )
        rows.append((when, f"{channel} → {d.target}: {status if zh else d.status.value}"))
    return sorted(rows)


def _page(alert: RiskAlert, wording: AlertWording, lang: Lang, token: str) -> str:
    zh = lang == "zh"
    title = alert.title_zh if zh else alert.title_en
    picture = impact_svg(alert.impact_path, wording, lang, "影响路径" if zh else "Impact path")
    context: dict[str, Any] = {
        "lang": lang,
        "token": token,
        "title": title,
        "alert": alert,
        "status": _STATUS[lang][alert.status.value],
        "risk": risk_word(alert.risk_level, lang),
        "message": alert.message_zh if zh else alert.message_en,
        "rule": alert.rule_label_zh if zh else alert.rule_label_en,
        "review": (alert.recommended_review_zh or alert.recommended_review)
        if zh
        else alert.recommended_review,
        "at_stake": money(alert.amount_at_stake, alert.currency)
        if alert.amount_at_stake is not None
        else None,
        "changes": [
            (c.label_zh if zh else c.label_en, c.old or "-", c.new or "-") for c in alert.changes
        ],
        "impact_words": alert.impact_words_zh if zh else alert.impact_words_en,
        "picture": Markup(picture),  # safe: every text in it went through html.escape
        "history": _history(alert, lang),
        "can_ack": alert.status.value in {"open", "escalated"},
        "can_resolve": alert.status.value != "resolved",
    }
    return _TEMPLATES.get_template("alert_page.html").render(**context)


@router.get("/view/{token}", response_class=HTMLResponse)
async def alert_page(request: Request, token: str, lang: str | None = None) -> Response:
    """The alert a signed link names, in English or (``?lang=zh``) Chinese."""
    alerts, wording = _service(request)
    try:
        alert = await asyncio.to_thread(lambda: _alert_for(alerts, _claim(alerts, token)))
    except (InvalidInputError, NotFoundError) as exc:
        return _refused(exc.message, exc.hint, 403 if isinstance(exc, InvalidInputError) else 404)
    return HTMLResponse(_page(alert, wording, _lang(lang), token))


async def _act(
    request: Request, token: str, action: Literal["acknowledge", "resolve"], note: str, lang: str
) -> Response:
    alerts, _ = _service(request)
    try:
        claim = _claim(alerts, token)
        alert = await asyncio.to_thread(_alert_for, alerts, claim)
    except (InvalidInputError, NotFoundError) as exc:
        return _refused(exc.message, exc.hint, 403)
    act = alerts.store.acknowledge if action == "acknowledge" else alerts.store.resolve
    try:
        await asyncio.to_thread(act, alert.id, claim.recipient, note)
    except InvalidInputError as exc:  # already acknowledged or resolved
        return _refused(exc.message, exc.hint, 409)
    return RedirectResponse(f"/alerts/view/{token}?lang={_lang(lang)}", status_code=303)


@router.post("/view/{token}/acknowledge")
async def acknowledge(
    request: Request, token: str, note: str = Form(""), lang: str = Form("en")
) -> Response:
    """Acknowledge as the link's recipient (stops escalation)."""
    return await _act(request, token, "acknowledge", note, lang)


@router.post("/view/{token}/resolve")
async def resolve(
    request: Request, token: str, note: str = Form(""), lang: str = Form("en")
) -> Response:
    """Resolve as the link's recipient."""
    return await _act(request, token, "resolve", note, lang)


@router.get("/inbox/{token}", response_class=HTMLResponse)
async def inbox(request: Request, token: str, lang: str | None = None) -> Response:
    """The open alerts routed to the link's recipient, newest first."""
    alerts, _ = _service(request)
    chosen = _lang(lang)

    def rows() -> tuple[str, list[dict[str, str]]]:
        claim = _claim(alerts, token)
        out = []
        for a in alerts.store.list_routed_to(claim.recipient, open_only=True):
            out.append(
                {
                    "title": a.title_zh if chosen == "zh" else a.title_en,
                    "status": _STATUS[chosen][a.status.value],
                    "at": a.last_raised_at.isoformat()[:19],
                    "url": alerts.links.alert_url(a.id, claim.recipient) + f"?lang={chosen}",
                }
            )
        return claim.recipient, out

    try:
        who, items = await asyncio.to_thread(rows)
    except InvalidInputError as exc:
        return _refused(exc.message, exc.hint, 403)
    html = _TEMPLATES.get_template("alert_inbox.html").render(
        lang=chosen, who=who, items=items, token=token
    )
    return HTMLResponse(html)
