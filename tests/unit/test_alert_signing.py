"""Webhook signatures, retry backoff and stream filtering: pure logic, no I/O."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from semgraph.alerts.channels.stream import AlertStream
from semgraph.alerts.channels.webhook import sign, verify_signature
from semgraph.alerts.dispatcher import backoff_ms
from semgraph.alerts.model import AlertMessage, Recipient
from semgraph.alerts.routing import split_roles
from semgraph.alerts.settings import AlertSettings
from semgraph.exceptions import ConfigurationError

SECRET = "whsec-unit"


def test_a_receiver_accepts_our_signature_and_rejects_tampering_and_replays() -> None:
    body = b'{"alert_id":"a1","risk_level":"high"}'
    now = time.time()
    ts = str(int(now))
    signature = sign(SECRET, ts, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify_signature(SECRET, ts, body, signature, now=now)
    assert not verify_signature(SECRET, ts, body.replace(b"high", b"low"), signature, now=now)
    assert not verify_signature("another-secret", ts, body, signature, now=now)
    assert not verify_signature(SECRET, ts, body, signature, now=now + 301), "replayed late"
    assert not verify_signature(SECRET, "not-a-time", body, signature, now=now)


def test_backoff_doubles_from_the_base_up_to_the_cap_with_bounded_jitter() -> None:
    settings = AlertSettings(_env_file=None, backoff_base_s=1.0, backoff_cap_s=8.0)
    rng = random.Random(7)
    for attempt, nominal in [(1, 1000), (2, 2000), (3, 4000), (4, 8000), (9, 8000)]:
        delay = backoff_ms(attempt, settings, rng)
        assert 0.75 * nominal <= delay <= 1.25 * nominal


def test_webhook_urls_without_a_secret_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="WEBHOOK_SECRET"):
        AlertSettings(_env_file=None, webhook_urls=["http://x"])
    configured = AlertSettings(_env_file=None, webhook_secret="s3cr3t")
    assert "s3cr3t" not in repr(configured), "secrets never show in logs"


def test_notify_role_annotations_may_name_several_roles() -> None:
    assert split_roles("csm, finance_lead") == ["csm", "finance_lead"]
    assert split_roles("finance_lead") == ["finance_lead"]
    assert split_roles(None) == []


def _message(risk: str, roles: list[str]) -> AlertMessage:
    return AlertMessage(
        event="alert.raised", alert_id="a" * 32, occurrence=1, change_id="c1",
        rule_iri="https://semgraph.io/shapes/R", rule_name="R", focus_iri="f", focus_class="X",
        severity="Warning", risk_level=risk, title_en="t", title_zh="t", message_en="m",
        message_zh="m", notify_roles=roles,
        routed_to=[Recipient(iri="e", role=roles[0], via="route")],
        impact_path=[], changed_by={}, changed_at="", browser_url="", browser_query="",
    )  # fmt: skip


def test_stream_subscribers_get_only_their_role_and_risk_level() -> None:
    stream = AlertStream()

    async def scenario() -> list[list[str]]:
        finance = stream.subscribe(role="finance_lead")
        urgent = stream.subscribe(min_severity="high")
        stream.publish(_message("medium", ["finance_lead"]))
        stream.publish(_message("highest", ["legal"]))
        await asyncio.sleep(0.01)
        got = []
        for sub in (finance, urgent):
            items = []
            while not sub._sub.queue.empty():
                items.append((await anext(sub)).risk_level)
            got.append(items)
            sub.close()
        return got

    assert asyncio.run(scenario()) == [["medium"], ["highest"]]
    assert stream.subscriber_count == 0
