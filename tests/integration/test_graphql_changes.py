"""Writes over GraphQL go through the change pipeline: proposals write nothing, a Violation
refuses the change with its results, a commit is audited with the request's metadata;
alerts are visible to whom they were routed; values are masked per role.

Real uvicorn + httpx against the real Neo4j (``graphql_harness.contract_app``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import neo4j
import pytest

from semgraph.api.graphql.masking import ResultMasker
from semgraph.changes.model import ChangeContext, ChangeSet, UpdateEntity
from semgraph.config import Settings
from tests.integration.graphql_harness import ContractApp, contract_app
from tests.integration.world import World

OUTCOME = """
  changeId committed conforms
  results { focusNode path value shape severity messageEn messageZh riskLevel accountingRef
            notifyRole preExisting masked }
  violations { shape messageEn }
  impact { iri class via depth path }
  touched { op class iri }
"""
PROPOSE = "mutation($c: ChangeInput!) { proposeChange(change: $c) { " + OUTCOME + " } }"
APPLY = "mutation($c: ChangeInput!) { applyChange(change: $c) { " + OUTCOME + " } }"
SLA = "query($id: ID!) { serviceLevelAgreement(id: $id) { serviceCreditPercent } }"
AUDIT = """query($t: String!, $id: ID!) { auditTrail(entityType: $t, id: $id) {
  changeId actor role sourceSystem sessionId deviceFingerprint reason summary op
  before after maskedFields fired { rule severity } impacted { iri depth } } }"""
ALERTS = """query($s: String) { riskAlerts(status: $s) { id status ruleIri focusIri
  messageEn masked acknowledgedBy routedTo { email role via } } }"""


@pytest.fixture(scope="module")
def env(driver: neo4j.Driver, settings: Settings) -> Iterator[ContractApp]:
    yield from contract_app(driver, settings)


def update(cls: str, id: str, **props: Any) -> dict[str, Any]:
    return {"operations": [{"op": "UPDATE", "class": cls, "id": id, "properties": props}]}


def big_order(env: ContractApp, credit_limit: float = 500000.0) -> str:
    """A draft order of 750,000 for the A-rated customer (credit limit set)."""
    w = World(env.container.pipeline)
    limit = {"creditLimit": credit_limit}
    w.ops.append(UpdateEntity(cls="Customer", id=env.ids["customer"], properties=limit))
    order = w.new(
        "SalesOrder", orderNumber="SO-750", status="draft", totalAmount=750000.0, currency="EUR"
    )
    w.link("SalesOrder", order, "customer", "Customer", env.ids["customer"])
    w.commit()
    return order


def test_propose_change_reports_warnings_and_impact_and_writes_nothing(env: ContractApp) -> None:
    csm = env.gql.as_key("k-csm")
    out = csm(PROPOSE, c=update("ServiceLevelAgreement", env.ids["sla"], serviceCreditPercent=25))
    proposal = out["proposeChange"]
    assert proposal["committed"] is False and proposal["conforms"] is True
    warnings = [r for r in proposal["results"] if r["severity"] == "Warning"]
    assert warnings and any(
        r["accountingRef"] and "IFRS 15" in r["accountingRef"] for r in warnings
    )
    assert all(r["messageEn"] and r["messageZh"] and r["riskLevel"] for r in warnings)
    assert {"Contract", "PerformanceObligation", "RevenueSchedule"} <= {
        s["class"] for s in proposal["impact"]
    }
    assert any("RevenueSchedule" in s["path"] for s in proposal["impact"])
    sla = csm(SLA, id=env.ids["sla"])["serviceLevelAgreement"]
    assert sla["serviceCreditPercent"] == 10.0, "a proposal writes nothing"


def test_apply_change_is_refused_on_a_violation_with_the_structured_results(
    env: ContractApp,
) -> None:
    order = big_order(env)
    finance = env.gql.as_key("k-finance")
    change = update("SalesOrder", order, status="confirmed")
    proposal = finance(PROPOSE, c=change)["proposeChange"]
    assert proposal["conforms"] is False and proposal["violations"]

    error = finance.error(APPLY, c=change)
    ext = error["extensions"]
    assert ext["code"] == "CHANGE_REFUSED" and ext["hint"] and ext["changeId"]
    blocking = [r for r in ext["results"] if r["severity"] == "Violation" and not r["preExisting"]]
    assert blocking and blocking[0]["shape"].endswith("big-order-legal-countersign")
    assert blocking[0]["messageEn"] and "SO-750" in blocking[0]["messageEn"]
    assert blocking[0]["focusNode"].endswith("/SalesOrder/" + order)
    assert {"shape", "path", "value", "messageZh", "riskLevel", "notifyRole"} <= set(blocking[0])
    status = finance("query($id: ID!) { salesOrder(id: $id) { status } }", id=order)
    assert status["salesOrder"]["status"] == "draft", "nothing was written"


def test_apply_change_commits_and_records_the_request_metadata(env: ContractApp) -> None:
    headers = {
        "X-API-Key": "k-csm",
        "X-Session-Id": "sess-gql-42",
        "X-Device-Fingerprint": "laptop-9c1e",
        "X-Source-System": "CRM",
    }
    change = update("ServiceLevelAgreement", env.ids["sla"], serviceCreditPercent=25)
    change["reason"] = "customer asked for higher credits"
    body = env.gql.raw(APPLY, {"c": change}, headers=headers).json()
    assert not body.get("errors"), body
    applied = body["data"]["applyChange"]
    assert applied["committed"] is True and applied["touched"][0]["class"] == (
        "ServiceLevelAgreement"
    )

    trail = env.gql(AUDIT, t="ServiceLevelAgreement", id=env.ids["sla"])["auditTrail"]
    entry = trail[0]
    assert entry["changeId"] == applied["changeId"]
    assert (entry["actor"], entry["role"], entry["sourceSystem"]) == (
        "ana.lima@northwind.example",
        "csm",
        "CRM",
    )
    assert (entry["sessionId"], entry["deviceFingerprint"]) == ("sess-gql-42", "laptop-9c1e")
    assert entry["reason"] == "customer asked for higher credits"
    assert entry["before"]["serviceCreditPercent"] == 10.0
    assert entry["after"]["serviceCreditPercent"] == 25.0
    assert entry["fired"] and entry["impacted"]


def test_audit_trail_masks_sensitive_values_for_roles_without_the_right(env: ContractApp) -> None:
    contract = env.ids["contract"]
    env.gql(APPLY, c=update("Contract", contract, totalValue=130000))
    viewer = env.gql.as_key("k-viewer")(AUDIT, t="Contract", id=contract)["auditTrail"][0]
    assert viewer["before"]["totalValue"] is None and viewer["after"]["totalValue"] is None
    assert "totalValue" in viewer["maskedFields"]
    assert viewer["after"]["status"] == "active", "other fields stay readable"
    admin = env.gql(AUDIT, t="Contract", id=contract)["auditTrail"][0]
    assert admin["after"]["totalValue"] == 130000.0 and not admin["maskedFields"]


def test_rule_messages_that_read_a_masked_field_are_masked(env: ContractApp) -> None:
    order = big_order(env, credit_limit=400000.0)
    change = update("SalesOrder", order, status="confirmed")
    proposal = env.gql.as_key("k-mei")(PROPOSE, c=change)["proposeChange"]["results"]
    finance = next(r for r in proposal if r["shape"].endswith("OrderOverCustomerCreditLimit"))
    assert "400000" in finance["messageEn"] and not finance["masked"]
    # Nobody who may not read credit limits may dry-run orders (test_write_rights); where
    # such a verdict reaches them anyway (audit, alerts), the masker hides its values.
    ctx = ChangeContext(actor="mei", role="finance_lead")
    op = UpdateEntity(cls="SalesOrder", id=order, properties={"status": "confirmed"})
    results = env.container.pipeline.dry_run(ChangeSet(context=ctx, operations=[op])).results
    verdict = next(r for r in results if r.shape.endswith("OrderOverCustomerCreditLimit"))
    masker = ResultMasker(env.container.ontology, env.container.shapes)
    csm, masked = masker.result(verdict, ("csm",))
    assert masked and "400000" not in csm.message_en + csm.message_zh
    assert "[REDACTED]" in csm.message_en and csm.value is None


def test_impact_follows_the_business_paths(env: ContractApp) -> None:
    steps = env.gql(
        'query($id: ID!) { impact(entityType: "ServiceLevelAgreement", id: $id) '
        "{ iri class via depth path } }",
        id=env.ids["sla"],
    )["impact"]
    assert [s["depth"] for s in steps] == sorted(s["depth"] for s in steps)
    assert {"Contract", "PerformanceObligation", "RevenueSchedule"} <= {s["class"] for s in steps}


BAD = [
    (update("ServiceLevelAgreement", "sla-x", serviceCredits=1), "UNKNOWN_TERM", "did you mean"),
    (update("Contract", "C-none", status="active"), "NOT_FOUND", None),
    (update("Contrakt", "C-1", status="active"), "UNKNOWN_TERM", "Contract"),
    ({"operations": [{"op": "UPDATE", "class": "Contract"}]}, "INVALID_INPUT", "class and id"),
    ({"operations": []}, "INVALID_INPUT", None),
]


@pytest.mark.parametrize(("change", "code", "hint"), BAD)
def test_bad_input_returns_its_error_code(
    env: ContractApp, change: dict[str, Any], code: str, hint: str | None
) -> None:
    error = env.gql.error(APPLY, c=change)
    assert error["extensions"]["code"] == code, error
    if hint:
        assert hint in error["extensions"].get("hint", ""), error


def test_bad_values_and_stale_versions(env: ContractApp) -> None:
    bad_date = update("Contract", env.ids["contract"], startDate="31/01/2026")
    error = env.gql.error(APPLY, c=bad_date)
    assert (
        error["extensions"]["code"] == "INVALID_INPUT"
        and "YYYY-MM-DD" in (error["extensions"]["hint"])
    )
    stale = update("Contract", env.ids["contract"], status="active")
    stale["operations"][0]["expectedVersion"] = 999
    assert env.gql.error(APPLY, c=stale)["extensions"]["code"] == "CONFLICT"
    unknown = env.gql.error('query { impact(entityType: "Contract", id: "no-such") { iri } }')
    assert unknown["extensions"]["code"] == "NOT_FOUND"


def test_violations_lists_current_rule_results_of_one_class_capped_like_a_page(
    env: ContractApp,
) -> None:
    query = """query($t: String!, $s: String, $n: Int!) { violations(entityType: $t,
      severity: $s, first: $n) { results { focusNode severity } focusNodes nextAfter } }"""
    report = env.gql(query, t="SalesOrder", s=None, n=10)["violations"]
    assert report["focusNodes"] >= 1 and report["nextAfter"] is None
    big = env.gql.error(query, t="SalesOrder", s=None, n=100000)
    assert big["extensions"]["code"] == "PAGE_TOO_LARGE"
    bad = env.gql.error(query, t="SalesOrder", s="Fatal", n=10)
    assert bad["extensions"]["code"] == "INVALID_INPUT"
    typo = env.gql.error(query, t="SalesOrdr", s=None, n=10)
    assert typo["extensions"]["code"] == "UNKNOWN_TERM"


def test_alerts_are_visible_to_whom_they_were_routed_and_ack_then_resolve(
    env: ContractApp,
) -> None:
    env.gql.as_key("k-csm")(
        APPLY, c=update("ServiceLevelAgreement", env.ids["sla"], serviceCreditPercent=30)
    )
    everything = env.gql(ALERTS, s="open")["riskAlerts"]
    assert everything, "admin sees every alert"
    mine = env.gql.as_key("k-mei")(ALERTS, s="open")["riskAlerts"]
    assert mine and all(
        any(r["email"] == "mei.chen@northwind.example" for r in a["routedTo"]) for a in mine
    )
    assert {a["id"] for a in mine} <= {a["id"] for a in everything}
    other_lead = env.gql.as_key("k-finance")
    assert other_lead(ALERTS, s=None)["riskAlerts"] == [], "not routed to this finance lead"

    ack = """mutation($id: String!) {
      acknowledgeAlert(id: $id, note: "looking") { status acknowledgedBy } }"""
    resolve = "mutation($id: String!) { resolveAlert(id: $id) { status } }"
    alert = mine[0]["id"]
    not_yours = other_lead.error(ack, id=alert)
    assert not_yours["extensions"]["code"] == "NOT_FOUND"
    # Not yours, unknown, or a prefix of a real id: one answer, with the id given back.
    for probe in ("0" * 32, alert[:6], alert[:31]):
        answer = other_lead.error(ack, id=probe)
        assert answer == {**not_yours, "message": not_yours["message"].replace(alert, probe)}
    assert env.gql.as_key("k-mei").error(ack, id=alert[:8])["extensions"]["code"] == "NOT_FOUND"
    done = env.gql.as_key("k-mei")(ack, id=alert)["acknowledgeAlert"]
    assert done == {"status": "acknowledged", "acknowledgedBy": "mei.chen@northwind.example"}
    again = env.gql.as_key("k-mei").error(ack, id=alert)
    assert again["extensions"]["code"] == "INVALID_INPUT"
    assert env.gql.as_key("k-mei")(resolve, id=alert)["resolveAlert"]["status"] == "resolved"
    bad = env.gql.error(ALERTS, s="closed")
    assert bad["extensions"]["code"] == "INVALID_INPUT"
