"""The alert's words and links, as pure logic: labels from the ontology in the reader's
language, the impact path in words and as SVG, and signed links that refuse tampering."""

from __future__ import annotations

import time

import pytest

from semgraph.alerts.channels.email import render_email
from semgraph.alerts.impact_picture import impact_svg
from semgraph.alerts.links import AlertLinks
from semgraph.alerts.model import AlertMessage, ChangedValue
from semgraph.alerts.wording import AlertWording, titles
from semgraph.exceptions import InvalidInputError
from semgraph.ontology import Ontology

PATHS = [
    "ServiceLevelAgreement S1",
    "ServiceLevelAgreement S1 -[hasSla]- Contract C1",
    "ServiceLevelAgreement S1 -[hasSla]- Contract C1 -[hasObligation]- PerformanceObligation P1",
]


@pytest.fixture(scope="module")
def wording() -> AlertWording:
    return AlertWording(Ontology.load())


def _message(wording: AlertWording) -> AlertMessage:
    m = AlertMessage(
        event="alert.raised", alert_id="a" * 32, occurrence=1, change_id="c" * 32,
        rule_iri="https://semgraph.io/shapes/SlaCreditTermsIncreased",
        rule_name="SlaCreditTermsIncreased", focus_iri="https://semgraph.io/id/SLA/S1",
        focus_class="ServiceLevelAgreement", severity="Warning", risk_level="medium",
        title_en="", title_zh="", message_en="credit terms changed",
        message_zh=wording.localise("抵扣条款变更（serviceCreditPercent）", "zh"),
        accounting_ref="IFRS 15.50-59", recommended_review="Re-estimate it.",
        recommended_review_zh="重新估计。", notify_roles=["finance_lead"], routed_to=[],
        impact_path=PATHS, changed_by={"actor": "ana", "role": "csm", "role_zh": "客户成功经理"},
        changed_at="2026-12-03T10:00:00+00:00", browser_url="", browser_query="",
        rule_label_en="Service credits or penalty cap increased",
        rule_label_zh="服务抵扣或赔偿上限提高", customer_name="Acme", contract_number="C-1",
        amount_at_stake=120000.0, currency="EUR", reason="outage",
        changes=[ChangedValue(property="serviceCreditPercent", label_en="service credit percent",
                              label_zh="服务抵扣比例", old="10", new="25")],
        impact_words_en=wording.impact_words(PATHS, "en"),
        impact_words_zh=wording.impact_words(PATHS, "zh"),
    )  # fmt: skip
    en, zh = titles(m)
    return m.model_copy(update={"title_en": en, "title_zh": zh})


def test_property_names_a_rule_quotes_read_as_labels_in_the_readers_language(
    wording: AlertWording,
) -> None:
    assert wording.localise("SLA: uptimeTarget tightened", "en") == "SLA: uptime target tightened"
    assert wording.localise("SLA：uptimeTarget 提高", "zh") == "SLA：可用性目标 提高"
    assert wording.localise("the status and name", "en") == "the status and name"


def test_the_impact_path_in_words_keeps_each_longest_path_once(wording: AlertWording) -> None:
    assert wording.impact_words(PATHS, "en") == [
        "Service level agreement S1 → Contract C1 → Performance obligation P1"
    ]
    assert wording.impact_words(PATHS, "zh") == ["服务等级协议 S1 → 合同 C1 → 履约义务 P1"]


def test_the_e_mail_has_a_whole_english_half_and_a_whole_chinese_half(
    wording: AlertWording,
) -> None:
    subject, body = render_email(_message(wording), "https://s.example/alerts/view/t")
    assert subject == (
        "[semgraph] [medium risk] Service credits or penalty cap increased: contract C-1 (Acme)"
    )
    english, chinese = body.split("—" * 30)
    assert "10 → 25" in english and "EUR 120,000.00" in english and "Why: outage" in english
    assert "[中风险] 服务抵扣或赔偿上限提高：合同 C-1（Acme）" in chinese
    assert "服务抵扣比例：10 → 25" in chinese and "建议复核：重新估计。" in chinese
    assert "履约义务 P1" in chinese and "客户成功经理" in chinese
    for fragment in ("risk", "Recommended", "serviceCreditPercent", "Contract", "medium"):
        assert fragment not in chinese.split("Open, acknowledge")[0], fragment
    assert "https://s.example/alerts/view/t" in body


def test_the_impact_picture_is_svg_with_escaped_text(wording: AlertWording) -> None:
    svg = impact_svg([*PATHS, "ServiceLevelAgreement S1 -[hasSla]- Contract <b>&x"], wording,
                     "zh", "影响路径")  # fmt: skip
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "合同" in svg and "履约义务" in svg and "<b>" not in svg and "&lt;b&gt;&amp;x" in svg


def test_a_signed_link_names_its_recipient_and_refuses_tampering_and_expiry() -> None:
    links = AlertLinks("k" * 32, "https://s.example/", ttl_hours=1)
    url = links.alert_url("a" * 32, "mei@example.com")
    assert url.startswith("https://s.example/alerts/view/")
    token = url.rsplit("/", 1)[1]
    claim = links.read(token)
    assert (claim.recipient, claim.alert_id) == ("mei@example.com", "a" * 32)
    assert links.read(links.inbox_url("mei@example.com").rsplit("/", 1)[1]).alert_id is None
    with pytest.raises(InvalidInputError, match="not valid"):
        links.read(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(InvalidInputError, match="not valid"):
        AlertLinks("z" * 32, "https://s.example", 1).read(token)
    short = AlertLinks("k" * 32, "https://s.example", ttl_hours=1e-7)
    stale = short.alert_url("a" * 32, "mei@example.com").rsplit("/", 1)[1]
    time.sleep(1.1)
    with pytest.raises(InvalidInputError, match="expired"):
        short.read(stale)


def test_a_risk_alert_in_the_neo4j_browser_is_captioned_by_its_english_title() -> None:
    from semgraph.browser_style import grass

    style = grass(Ontology.load())
    block = style[style.index("node.RiskAlert {") :].split("\n}", 1)[0]
    assert "caption: '{titleEn}'" in block, "the node has titleEn/titleZh, not title"
