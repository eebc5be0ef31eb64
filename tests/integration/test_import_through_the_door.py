"""``semgraph import`` is a writer like any other: each business entity of the file is
validated, committed, audited and alerted on through the change pipeline.

A record that breaks a Violation shape is refused (exit 1, named with its shape and the
rejects file) and nothing of it is written; a valid file's entities show the import in
their GraphQL ``auditTrail`` and raise the alerts an equal GraphQL change raises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import neo4j
from typer.testing import CliRunner

from semgraph.changes.model import ChangeSet, CreateEntity
from semgraph.cli.main import app
from semgraph.config import Settings
from tests.integration.alert_harness import (
    SECRET,
    MakeContainer,
    alert_pairs,
    cli_env,
    credit_change,
)
from tests.integration.alert_receivers import WebhookReceiver
from tests.integration.graphql_harness import Gql, build_app, running
from tests.integration.world import contract_world, ctx

PREFIXES = """@prefix sg: <https://semgraph.io/ontology#> .
"""
AUDIT = """query($t: String!, $id: ID!) { auditTrail(entityType: $t, id: $id) {
  changeId actor role sourceSystem sessionId deviceFingerprint reason op after } }"""


def _iri(cls: str, entity_id: str) -> str:
    return f"https://semgraph.io/id/{cls}/{entity_id}"


def _import(
    settings: Settings, path: Path, *args: str, webhook: str | None = None
) -> tuple[int, str]:
    env = cli_env(settings)
    if webhook:  # the deployment's alert channels, as the server has them
        env |= {
            "SEMGRAPH_ALERTS_WEBHOOK_URLS": json.dumps([webhook]),
            "SEMGRAPH_ALERTS_WEBHOOK_SECRET": SECRET,
        }
    done = CliRunner().invoke(app, ["import", str(path), *args], env=env)
    return done.exit_code, done.output


def _exists(driver: neo4j.Driver, iri: str) -> bool:
    records = driver.execute_query(
        "MATCH (n:Resource {iri: $iri}) RETURN count(n) AS n", iri=iri
    ).records
    return bool(records[0]["n"])


def test_a_record_that_breaks_a_violation_shape_is_refused_named_and_not_written(
    make_container: MakeContainer, empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    c = make_container(None, None)
    # the shape a GraphQL change creating the same customer would break
    dry = c.pipeline.dry_run(
        ChangeSet(
            context=ctx(role="admin"),
            operations=[CreateEntity(cls="Customer", id="C-BAD", properties={"status": "active"})],
        )
    )
    shape = dry.violations[0].shape
    path = tmp_path / "customers.ttl"
    path.write_text(
        PREFIXES
        + """
<https://semgraph.io/id/Customer/C-OK> a sg:Customer ; sg:name "Acme" ; sg:status "active" .
<https://semgraph.io/id/Customer/C-BAD> a sg:Customer ; sg:status "active" .
""",
        encoding="utf-8",
    )
    code, output = _import(settings, path, "--role", "admin")

    assert code != 0, output
    rejects = path.with_name("customers.ttl.rejects.ttl")
    assert _iri("Customer", "C-BAD") in output
    assert shape.rsplit("/", 1)[-1].rsplit("#", 1)[-1] in output, output
    assert str(rejects) in output
    assert not _exists(empty_db, _iri("Customer", "C-BAD")), "nothing of the refused record"
    assert _exists(empty_db, _iri("Customer", "C-OK")), "the valid record is written"
    refused = rejects.read_text(encoding="utf-8")
    assert "C-BAD" in refused and "C-OK" not in refused.split("\n\n", 1)[-1]


def test_all_or_nothing_writes_nothing_when_one_record_is_refused(
    make_container: MakeContainer, empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    make_container(None, None)
    path = tmp_path / "customers.ttl"
    path.write_text(
        PREFIXES
        + """
<https://semgraph.io/id/Customer/C-OK> a sg:Customer ; sg:name "Acme" ; sg:status "active" .
<https://semgraph.io/id/Customer/C-BAD> a sg:Customer ; sg:status "active" .
""",
        encoding="utf-8",
    )
    code, output = _import(settings, path, "--all-or-nothing")

    assert code != 0, output
    assert not _exists(empty_db, _iri("Customer", "C-OK"))
    assert not _exists(empty_db, _iri("Customer", "C-BAD"))


def test_a_valid_import_is_audited_per_entity_and_raises_the_alert_a_graphql_change_would(
    make_container: MakeContainer,
    receiver: WebhookReceiver,
    empty_db: neo4j.Driver,
    settings: Settings,
    tmp_path: Path,
) -> None:
    c = make_container(receiver, None)
    ids = contract_world(c.pipeline)
    c.publish_rules()
    expected = alert_pairs(c.pipeline.dry_run(credit_change(c, ids["sla"], 25.0)).warnings)
    assert expected, "raising service credits warns finance"
    path = tmp_path / "erp.ttl"
    path.write_text(
        PREFIXES
        + f"""
<{_iri("ServiceLevelAgreement", ids["sla"])}> a sg:ServiceLevelAgreement ;
    sg:serviceCreditPercent 25.0 .
<{_iri("Customer", "C-NEW")}> a sg:Customer ; sg:name "Globex" ; sg:status "active" .
""",
        encoding="utf-8",
    )
    code, output = _import(
        settings,
        path,
        *("--actor", "erp-loader", "--role", "admin", "--source-system", "ERP"),
        webhook=receiver.url,
    )
    assert code == 0, output

    alerts = c.alerts.store.list()
    assert {(a.rule_iri, a.focus_iri) for a in alerts} == expected
    assert any(r.email == "mei.chen@northwind.example" for a in alerts for r in a.routed_to)
    report = c.dispatcher.drain()
    assert report.dead == 0, report.errors
    assert {r.payload["alert_id"] for r in receiver.processed.values()} == {a.id for a in alerts}

    with running(build_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as client:
        gql = Gql(client)
        sla = gql(AUDIT, t="ServiceLevelAgreement", id=ids["sla"])["auditTrail"][0]
        new = gql(AUDIT, t="Customer", id="C-NEW")["auditTrail"][0]
    for entry in (sla, new):
        assert (entry["actor"], entry["role"], entry["sourceSystem"]) == (
            "erp-loader",
            "admin",
            "ERP",
        )
        assert entry["sessionId"] and entry["deviceFingerprint"].startswith("cli@")
        assert entry["reason"] == "import of erp.ttl"
    assert sla["changeId"] == new["changeId"], "one file, one atomic change"
    assert sla["after"]["serviceCreditPercent"] == 25.0
    assert new["op"] == "create" and new["after"]["name"] == "Globex"


def test_a_file_with_no_triples_is_refused_with_what_to_do_instead(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    plain = tmp_path / "customers.json"  # a plain JSON export, no @context: not JSON-LD
    plain.write_text(json.dumps([{"customer_no": "C1", "name": "Müller KG"}]))
    empty = tmp_path / "empty.ttl"
    empty.write_text("# nothing here\n")
    for path, says in ((plain, "not JSON-LD"), (empty, "read as turtle")):
        done = subprocess.run(
            [sys.executable, "-m", "semgraph.cli.main", "import", str(path)],
            env={**os.environ, **cli_env(settings)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        said = " ".join(done.stderr.split())
        assert done.returncode == 1, said
        assert f"{path}: holds no RDF triples" in said and says in said
        assert "semgraph sync --system S --table T FILE" in said, "what to do instead"
        assert "0 records" not in said and "Traceback" not in said
    assert empty_db.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"] == 0
