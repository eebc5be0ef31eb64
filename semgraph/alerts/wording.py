"""The alert as a finance reader reads it, in English and in Chinese.

Every word a reader sees comes from the ontology or the shape: the rule's label, the
properties' labels (``serviceCreditPercent`` → "service credit percent" / "服务抵扣比例"),
the classes' labels on the impact path. Nothing here names a class or a property.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

from semgraph.alerts.model import AlertMessage, ChangedValue
from semgraph.ontology.model import Ontology

Lang = Literal["en", "zh"]
RISK_WORDS: dict[Lang, dict[str, str]] = {
    "en": {"low": "low", "medium": "medium", "high": "high", "highest": "highest"},
    "zh": {"low": "低", "medium": "中", "high": "高", "highest": "最高"},
}
_STEP = re.compile(r" -\[[^\]]+\]- ")
_WORD = re.compile(r"\b[a-z][A-Za-z]+\b")


def risk_word(risk: str, lang: Lang) -> str:
    return RISK_WORDS[lang].get(risk, risk)


class AlertWording:
    """Ontology labels, looked up once, for the texts of alerts."""

    def __init__(self, ontology: Ontology) -> None:
        self.classes = {
            name: {"en": cls.label_en, "zh": cls.label_zh} for name, cls in ontology.classes.items()
        }
        self.properties: dict[str, dict[str, str]] = {}
        for cls in ontology.classes:
            for name, prop in ontology.datatype_properties(cls).items():
                self.properties[name] = {"en": prop.label_en, "zh": prop.label_zh}
        self.relationships = {
            name: {"en": prop.label_en, "zh": prop.label_zh}
            for cls in ontology.classes
            for name, prop in ontology.object_properties(cls).items()
        }
        self.roles = {r.key: {"en": r.label_en, "zh": r.label_zh} for r in ontology.access_roles()}

    def cls(self, name: str, lang: Lang) -> str:
        return self.classes.get(name, {}).get(lang, name)

    def relationship(self, name: str, lang: Lang) -> str:
        return self.relationships.get(name, {}).get(lang, name)

    def role(self, key: str, lang: Lang) -> str:
        return self.roles.get(key, {}).get(lang, key)

    def localise(self, text: str, lang: Lang) -> str:
        """``text`` with property names a rule quoted (``uptimeTarget``) as labels."""

        def label(match: re.Match[str]) -> str:
            word = match.group(0)
            known = self.properties.get(word)
            if known is None or (lang == "en" and word.islower()):
                return word  # an English word that happens to name a property stays
            return known[lang]

        return _WORD.sub(label, text)

    def changed_values(self, rows: Iterable[dict[str, Any]], focus: str) -> list[ChangedValue]:
        """The properties of ``focus`` the change moved, old → new."""
        out = []
        for row in rows:
            if row["iri"] != focus:
                continue
            labels = self.properties.get(row["property"], {"en": row["property"]} | {"zh": ""})
            out.append(
                ChangedValue(
                    property=row["property"],
                    label_en=labels["en"],
                    label_zh=labels["zh"] or labels["en"],
                    old=_text(row["old"]),
                    new=_text(row["new"]),
                )
            )
        return out

    def impact_words(self, paths: list[str], lang: Lang) -> list[str]:
        """Each impact path that is not the start of a longer one, in words:
        "Service level agreement SLA-1 → Contract C-1 → Performance obligation PO-1"."""
        ends = [p for p in paths if not any(o != p and o.startswith(p + " -[") for o in paths)]
        return [" → ".join(self._node(n, lang) for n in _STEP.split(p)) for p in ends]

    def _node(self, node: str, lang: Lang) -> str:
        cls, _, ident = node.partition(" ")
        labels = self.classes.get(cls)
        return f"{labels[lang] if labels else cls} {ident}".strip()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def money(amount: float | None, currency: str | None) -> str:
    return "-" if amount is None else f"{currency or ''} {amount:,.2f}".strip()


def subject_of(m: AlertMessage, lang: Lang) -> str:
    """What the alert is about: "contract C-2026-001 (Acme Industrial)" / "合同 …（…）"."""
    if lang == "en":
        what = f"contract {m.contract_number}" if m.contract_number else ""
        if m.customer_name:
            what = f"{what} ({m.customer_name})" if what else f"customer {m.customer_name}"
        return what or m.focus_iri.rsplit("/", 1)[-1]
    what = f"合同 {m.contract_number}" if m.contract_number else ""
    if m.customer_name:
        what = f"{what}（{m.customer_name}）" if what else f"客户 {m.customer_name}"
    return what or m.focus_iri.rsplit("/", 1)[-1]


def titles(m: AlertMessage) -> tuple[str, str]:
    """The English and Chinese titles: risk, the rule's label, what it is about."""
    en = f"[{risk_word(m.risk_level, 'en')} risk] {m.rule_label_en}: {subject_of(m, 'en')}"
    zh = f"[{risk_word(m.risk_level, 'zh')}风险] {m.rule_label_zh}：{subject_of(m, 'zh')}"
    return en, zh


def body_lines(m: AlertMessage, lang: Lang) -> list[str]:
    """The alert's text in one language, line by line (the e-mail and the page use it)."""
    by = m.changed_by
    if lang == "en":
        lines = [m.title_en, "", m.message_en, ""]
        lines += [f"Rule: {m.rule_label_en} (risk: {risk_word(m.risk_level, 'en')})"]
        if m.customer_name:
            lines.append(f"Customer: {m.customer_name}")
        if m.contract_number:
            lines.append(f"Contract: {m.contract_number}")
        lines += [f"Changed: {c.label_en}: {c.old or '-'} → {c.new or '-'}" for c in m.changes]
        if m.amount_at_stake is not None:
            lines.append(
                f"Revenue at stake (contract value): {money(m.amount_at_stake, m.currency)}"
            )
        role = by.get("role_en") or by.get("role")
        lines.append(f"Changed by: {by.get('actor')} ({role}) at {m.changed_at[:19]} UTC")
        lines.append(f"Why: {m.reason or '(no reason given)'}")
        lines.append(f"Accounting reference: {m.accounting_ref or '-'}")
        lines.append(f"Recommended review: {m.recommended_review or '-'}")
        lines += ["", "Impact path:", *[f"  {w}" for w in m.impact_words_en[:10]]]
        return lines
    lines = [m.title_zh, "", m.message_zh, ""]
    lines += [f"规则：{m.rule_label_zh}（风险：{risk_word(m.risk_level, 'zh')}）"]
    if m.customer_name:
        lines.append(f"客户：{m.customer_name}")
    if m.contract_number:
        lines.append(f"合同：{m.contract_number}")
    lines += [f"变更：{c.label_zh}：{c.old or '-'} → {c.new or '-'}" for c in m.changes]
    if m.amount_at_stake is not None:
        lines.append(f"涉及收入（合同总额）：{money(m.amount_at_stake, m.currency)}")
    role = by.get("role_zh") or by.get("role")
    lines.append(f"变更人：{by.get('actor')}（{role}），{m.changed_at[:19]} UTC")
    lines.append(f"原因：{m.reason or '（未填写原因）'}")
    lines.append(f"会计依据：{m.accounting_ref or '-'}")
    lines.append(f"建议复核：{m.recommended_review_zh or m.recommended_review or '-'}")
    lines += ["", "影响路径：", *[f"  {w}" for w in m.impact_words_zh[:10]]]
    return lines
