"""Who may do what, over the running API: read-only roles write nothing (dry runs
included), refusals name role, class and property, and no rule becomes an oracle for a
value the caller may not read.

Real uvicorn + httpx against the real Neo4j (``graphql_harness.contract_app``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import neo4j
import pytest

from semgraph.changes.model import ChangeContext, ChangeSet, UpdateEntity
from semgraph.config import Settings
from semgraph.exceptions import ForbiddenError
from tests.integration.graphql_harness import ContractApp, contract_app

RESULT = "changeId committed results { shape severity focusNode }"
PROPOSE = "mutation($c: ChangeInput!) { proposeChange(change: $c) { " + RESULT + " } }"
APPLY = "mutation($c: ChangeInput!) { applyChange(change: $c) { " + RESULT + " } }"
CREDIT_RULE = "OrderOverCustomerCreditLimit"
SECRET_LIMIT = 437_123.0


@pytest.fixture(scope="module")
def env(driver: neo4j.Driver, settings: Settings) -> Iterator[ContractApp]:
    for app in contract_app(driver, settings):
        limit = {"creditLimit": SECRET_LIMIT}
        app.gql(APPLY, c=change(op("UPDATE", "Customer", app.ids["customer"], **limit)))
        yield app


def op(kind: str, cls: str, id: str, **props: Any) -> dict[str, Any]:
    return {"op": kind, "class": cls, "id": id, "properties": props}


def change(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"operations": list(operations)}


def graph_state(env: ContractApp) -> list[Any]:
    records = env.container.driver.execute_query(
        "MATCH (n) RETURN n.iri AS iri, properties(n) AS p ORDER BY iri",
        database_=env.container.settings.neo4j_database,
    ).records
    return [(r["iri"], sorted(r["p"].items())) for r in records]


@pytest.mark.parametrize("key", ["k-viewer", "k-analyst"])
def test_read_only_roles_cannot_write_or_dry_run_anything(env: ContractApp, key: str) -> None:
    caller = env.gql.as_key(key)
    role = "viewer" if key == "k-viewer" else "analyst"
    before = graph_state(env)
    attempts = [
        (op("UPDATE", "Employee", env.ids["lead"], salary=1.0), "Employee.salary"),
        (op("UPDATE", "Customer", env.ids["customer"], creditLimit=1.0), "Customer.creditLimit"),
        (op("CREATE", "Warehouse", "WH-EVIL", name="x"), "create Warehouse"),
        (op("DELETE", "Employee", env.ids["lead"]), "delete Employee"),
        (op("DELETE", "Role", env.ids["role"]), "delete Role"),
    ]
    for attempt, named in attempts:
        for mutation in (PROPOSE, APPLY):
            error = caller.error(mutation, c=change(attempt))
            assert error["extensions"]["code"] == "FORBIDDEN", error
            assert f"role `{role}`" in error["message"] and named in error["message"]
            assert "admin" in error["extensions"]["hint"], "the hint names who may"
    assert graph_state(env) == before, "nothing was written"


def test_deleting_the_finance_lead_or_her_role_is_left_to_an_administrator(
    env: ContractApp,
) -> None:
    finance = env.gql.as_key("k-mei")
    for attempt in (
        op("DELETE", "Employee", env.ids["lead"]),
        op("DELETE", "Role", env.ids["role"]),
        {
            "op": "UNLINK",
            "rel": "financeLead",
            "fromClass": "LegalEntity",
            "fromId": env.ids["le"],
            "toClass": "Employee",
            "toId": env.ids["lead"],
        },
    ):
        error = finance.error(PROPOSE, c=change(attempt))
        assert error["extensions"]["code"] == "FORBIDDEN", error
        assert "role `finance_lead`" in error["message"]
    admin = env.gql(PROPOSE, c=change(op("DELETE", "Role", env.ids["role"])))
    assert admin["proposeChange"]["committed"] is False, "an admin may (a dry run here)"


def probe(env: ContractApp, key: str, total: int, n: int) -> tuple[str, bool]:
    """One step of the attack: dry-run a confirmed order of ``total`` for the customer and
    read whether the credit-limit rule fired. Returns (the whole answer, fired)."""
    order = f"SO-PROBE-{key}-{n}"
    body = (
        env.gql.as_key(key)
        .raw(
            PROPOSE,
            {
                "c": change(
                    op(
                        "CREATE",
                        "SalesOrder",
                        order,
                        orderNumber=order,
                        status="confirmed",
                        totalAmount=float(total),
                        currency="EUR",
                        legalCountersigned=True,
                    ),
                    {
                        "op": "LINK",
                        "rel": "customer",
                        "fromClass": "SalesOrder",
                        "fromId": order,
                        "toClass": "Customer",
                        "toId": env.ids["customer"],
                    },
                )
            },
        )
        .json()
    )
    results = ((body.get("data") or {}).get("proposeChange") or {}).get("results") or []
    fired = any(r["shape"].endswith(CREDIT_RULE) for r in results)
    for error in body.get("errors") or []:  # what differs per probe is not information
        error.get("extensions", {}).pop("changeId", None)
    return json.dumps(body, sort_keys=True).replace(order, "<order>"), fired


def binary_search(env: ContractApp, key: str) -> tuple[int, set[str]]:
    """The attack from the issue: 31 dry runs narrow [0, 2^31) to the credit limit."""
    low, high, answers = 0, 2**31, set()
    for n in range(31):
        mid = (low + high) // 2
        answer, fired = probe(env, key, mid, n)
        answers.add(answer)
        low, high = (low, mid) if fired else (mid, high)
    return low, answers


def test_the_attack_finds_the_limit_for_a_role_that_may_read_it(env: ContractApp) -> None:
    found, _ = binary_search(env, "k-mei")
    assert abs(found - SECRET_LIMIT) <= 1, "the probe is real: with the right it converges"


@pytest.mark.parametrize("key", ["k-viewer", "k-analyst", "k-csm", "k-service"])
def test_binary_search_on_a_masked_credit_limit_learns_nothing(env: ContractApp, key: str) -> None:
    found, answers = binary_search(env, key)
    assert len(answers) == 1, "every probe got the same answer, whatever the order total"
    (answer,) = answers
    assert json.loads(answer)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert abs(found - SECRET_LIMIT) > 1_000_000, f"the search ended at {found}, nowhere near"


def test_the_credit_limit_jump_rule_cannot_be_probed_by_a_role_that_may_not_read_it(
    env: ContractApp,
) -> None:
    csm = env.gql.as_key("k-csm")  # updates customers, but cannot read credit limits
    answers = {
        json.dumps(
            csm.error(
                PROPOSE, c=change(op("UPDATE", "Customer", env.ids["customer"], creditLimit=value))
            )
        )
        for value in (1.0, SECRET_LIMIT, 10 * SECRET_LIMIT)
    }
    assert len(answers) == 1 and "Customer.creditLimit" in answers.pop()


def test_the_check_runs_before_any_transaction_for_every_entry_point(env: ContractApp) -> None:
    # The same pipeline object the CLI and sync use, pointed at a port nobody listens on:
    # the refusal comes before a connection is needed, so it cannot depend on the data.
    dead = neo4j.GraphDatabase.driver("bolt://127.0.0.1:9", connection_timeout=1.0)
    try:
        pipeline = dataclasses.replace(env.container.pipeline, driver=dead, prepare=None)
        viewer = ChangeContext(actor="vic", role="viewer", source_system="ERP")
        update = UpdateEntity(cls="Customer", id="C-1", properties={"creditLimit": 5.0})
        for run in (pipeline.dry_run, pipeline.apply):
            with pytest.raises(ForbiddenError, match="role `viewer` may not set Customer"):
                run(ChangeSet(context=viewer, operations=[update]))
    finally:
        dead.close()


def test_the_ontology_view_and_the_schema_say_who_may_write_what(env: ContractApp) -> None:
    query = """{ ontology { classes { name writeRights { create update delete }
        properties { name writableBy } relations { name writableBy } } } }"""
    classes = {c["name"]: c for c in env.gql.as_key("k-viewer")(query)["ontology"]["classes"]}
    assert classes["Employee"]["writeRights"]["delete"] == ["admin"]
    assert classes["SupportTicket"]["writeRights"]["create"] == ["admin", "csm", "service"]
    customer = {p["name"]: p["writableBy"] for p in classes["Customer"]["properties"]}
    assert customer["creditLimit"] == ["admin", "cfo", "finance_lead"]
    assert "csm" in customer["rating"] and "viewer" not in customer["rating"]
    described = env.gql('{ __type(name: "Customer") { description fields { name description } } }')
    assert "Created by: admin;" in described["__type"]["description"]
    limit = next(f for f in described["__type"]["fields"] if f["name"] == "creditLimit")
    assert "written by: admin, cfo, finance_lead" in limit["description"]
