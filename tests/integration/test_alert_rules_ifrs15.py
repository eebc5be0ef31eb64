"""The SLA and contract rules follow the brief's IFRS 15 table, against the real Neo4j:
each test names the paragraph it implements and checks the rule, its risk and its
accounting reference on the alert stored for the change (the contract world: contract
C-2026-001 of EUR 120,000, over time, one stand-ready series obligation, approved SLA).
"""

from __future__ import annotations

from typing import Any

from semgraph.changes.model import ChangeSet, UpdateEntity
from semgraph.changes.pipeline import ChangeResult
from semgraph.validation.results import ValidationResult
from tests.integration.alert_harness import MakeContainer
from tests.integration.world import World, contract_world, ctx

SHAPES = "https://semgraph.io/shapes/"


def _apply(
    c: Any, cls: str, id: str, approved: bool = False, role: str = "csm", **props: Any
) -> ChangeResult:
    change = ChangeSet(
        context=ctx(role=role, customer_approved=approved, reason="test"),
        operations=[UpdateEntity(cls=cls, id=id, properties=props)],
    )
    result: ChangeResult = c.pipeline.apply(change)
    return result


def _rules(result: ChangeResult) -> dict[str, ValidationResult]:
    return {w.shape.removeprefix(SHAPES): w for w in result.warnings}


def _alerted(c: Any, rule: str) -> tuple[str, str | None]:
    alert = next(a for a in c.alerts.store.list() if a.rule_iri == SHAPES + rule)
    return alert.risk_level, alert.accounting_ref


def _sla(c: Any, ids: dict[str, str], approved: bool = False, **props: Any) -> ChangeResult:
    return _apply(c, "ServiceLevelAgreement", ids["sla"], approved, **props)


def test_ifrs15_50_59_a_credit_increase_on_a_small_contract_is_medium_not_high(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    rules = _rules(_sla(c, ids, serviceCreditPercent=25.0))
    assert "SlaCreditTermsIncreased" in rules and "SlaCreditTermsMaterial" not in rules
    assert _alerted(c, "SlaCreditTermsIncreased") == (
        "medium",
        "IFRS 15.50-59; ASC 606-10-32-5 to 32-14",
    )


def test_ifrs15_50_59_materiality_is_the_threshold_finance_sets_on_the_legal_entity(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    _apply(c, "LegalEntity", ids["le"], role="finance_lead", materialityThreshold=100000.0)
    rules = _rules(_sla(c, ids, serviceCreditPercent=12.0))
    assert "SlaCreditTermsMaterial" in rules and "SlaCreditTermsIncreased" not in rules
    risk, ref = _alerted(c, "SlaCreditTermsMaterial")
    assert risk == "high" and ref and ref.startswith("IFRS 15.50-59")
    assert "120000" in rules["SlaCreditTermsMaterial"].message_en, "the contract value"


def test_ifrs15_21b_a_price_change_on_a_single_partly_delivered_obligation_is_a_catch_up(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    w = World(c.pipeline)
    later = w.new("RevenueSchedule", period="2026-Q2", plannedAmount=30000.0, status="planned")
    w.link("PerformanceObligation", ids["po"], "hasRevenueSchedule", "RevenueSchedule", later)
    w.commit()
    _apply(c, "PerformanceObligation", ids["po"], role="finance_lead", isSeries=False)
    _apply(c, "RevenueSchedule", ids["schedule"], role="finance_lead", status="recognized")
    rules = _rules(_sla(c, ids, monthlyFee=11000.0, standaloneSellingPrice=11000.0))
    assert "SlaPriceChangeCumulativeCatchUp" in rules, sorted(rules)
    assert _alerted(c, "SlaPriceChangeCumulativeCatchUp") == (
        "high",
        "IFRS 15.21(b); ASC 606-10-25-13(b)",
    )


def test_ifrs15_9_an_unsigned_draft_contract_raises_no_revenue_alert(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    _apply(c, "Contract", ids["contract"], status="draft")
    result = _sla(c, ids, uptimeTarget=99.99, serviceCreditPercent=30.0, monthlyFee=8000.0)
    assert result.committed and not result.warnings, sorted(_rules(result))
    assert c.alerts.store.list() == []


def test_ifrs15_18_customer_approval_means_the_same_for_approval_status_and_customer_approved(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    _sla(c, ids, approvalStatus="pending_customer")
    pending = _rules(_sla(c, ids, uptimeTarget=99.95))
    assert set(pending) == {"SlaPendingModification"}, "one-sided edit: no conclusion yet"
    assert _alerted(c, "SlaPendingModification") == ("medium", "IFRS 15.18-19; ASC 606-10-25-10")
    approved = _rules(_sla(c, ids, approved=True, uptimeTarget=99.99))
    assert "SlaPendingModification" not in approved, "applyChange's customerApproved approves it"
    assert "SlaHigherTargetSamePrice" in approved
    risk, ref = _alerted(c, "SlaHigherTargetSamePrice")
    assert risk == "medium" and ref and "15.22(b)" in ref


def test_ifrs15_50_a_credit_formula_typo_fix_and_a_description_edit_change_no_terms(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    first = _rules(_sla(c, ids, creditFormula="10% of monthly fee per 0.1% below target"))
    assert "SlaCreditTermsIncreased" in first, "a new formula is a credit-terms change"
    typo = _sla(c, ids, creditFormula="10% of the monthly fee per 0.1 % below target")
    assert not typo.warnings, sorted(_rules(typo))
    described = _sla(c, ids, description="Gold support, 24x7, EU data centres")
    assert described.committed and not described.warnings


def test_ifrs15_19_scope_agreed_price_pending_is_one_alert_not_also_same_price(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    rules = _rules(_sla(c, ids, uptimeTarget=99.95, priceStatus="pending"))
    assert "SlaScopeAgreedPricePending" in rules and "SlaHigherTargetSamePrice" not in rules
    risk, ref = _alerted(c, "SlaScopeAgreedPricePending")
    assert risk == "medium" and ref and ref.startswith("IFRS 15.19")
    assert "待定" in rules["SlaScopeAgreedPricePending"].message_zh
    assert "pending" not in rules["SlaScopeAgreedPricePending"].message_zh


def test_ifrs15_21a_a_fee_cut_without_a_tier_change_is_a_concession_reallocated(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    rules = _rules(_sla(c, ids, monthlyFee=8000.0))
    assert "SlaRepricedBelowStandalone" in rules
    assert _alerted(c, "SlaRepricedBelowStandalone") == (
        "high",
        "IFRS 15.21(a)-(b); ASC 606-10-25-13",
    )
    assert "月费由" in rules["SlaRepricedBelowStandalone"].message_zh
    assert "monthly fee" not in rules["SlaRepricedBelowStandalone"].message_zh


def test_ifrs15_35_38_conditional_payment_reaches_cfo_and_finance_lead_at_highest(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    rules = _rules(_apply(c, "Contract", ids["contract"], paymentTerms="conditional_on_sla"))
    hit = rules["ContractPaymentBecameConditional"]
    assert hit.notify_role == "cfo, finance_lead"
    assert _alerted(c, "ContractPaymentBecameConditional") == (
        "highest",
        "IFRS 15.35-38; ASC 606-10-25-27 to 25-30",
    )
    assert "conditional_on_sla" not in hit.message_zh and "达成 SLA" in hit.message_zh
    state = rules["OverTimeContractConditionalPayment"]  # 15.35-37, the state check
    assert state.risk_level == "high" and "conditional_on_sla" not in state.message_zh


def test_ifrs15_11_a_termination_right_on_sla_breach_goes_to_legal_and_finance(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    rules = _rules(_apply(c, "Contract", ids["contract"], terminationOnSlaBreach=True))
    assert rules["ContractTerminationOnSlaBreach"].notify_role == "finance_lead, legal"
    assert _alerted(c, "ContractTerminationOnSlaBreach") == (
        "medium",
        "IFRS 15.11; ASC 606-10-25-3",
    )
