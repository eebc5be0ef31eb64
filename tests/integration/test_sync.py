"""`semgraph sync`: source-system exports land in the graph through the one door."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

from semgraph.api.app import create_app
from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.demo.loader import count_business_entities
from semgraph.ontology.schema import ensure_schema
from semgraph.sync.service import SyncService
from semgraph.sync.sources import FileOptions

SHOP = Path(__file__).parent.parent / "fixtures" / "sync" / "shop.ttl"


@pytest.fixture
def sync(container: Container) -> SyncService:
    return container.sync([SHOP], batch_size=50)


def write_csv(path: Path, rows: list[dict[str, Any]], delimiter: str = ",", **kw: Any) -> Path:
    with path.open("w", newline="", encoding=kw.get("encoding", "utf-8")) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def crm_accounts(n: int = 3) -> list[dict[str, Any]]:
    return [
        {
            "Id": f"001A{i:04d}",
            "Name": f"Acme {i} GmbH",
            "Status__c": "Active",
            "Rating__c": "Warm",
            "BillingCountryCode": "de",
            "Tax_ID__c": f"de{100000 + i}",
            "Credit_Limit__c": "50000",
        }
        for i in range(n)
    ]


def kna1(n: int = 3, limit: str = "50000") -> list[dict[str, Any]]:
    return [
        {
            "KUNNR": f"{100000 + i:010d}",
            "NAME1": f"ACME {i} GMBH",
            "LAND1": "DE",
            "STCD1": f"DE{100000 + i}",
            "SPERR": "",
            "KLIMK": limit,
        }
        for i in range(n)
    ]


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of a `semgraph` child process on the test instance."""
    return {
        **os.environ,
        "SEMGRAPH_DATA_DIR": str(settings.data_dir),
        "SEMGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
        "SEMGRAPH_NEO4J_HTTP_PORT": str(settings.neo4j_http_port),
    }


def rows(driver: neo4j.Driver, query: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in driver.execute_query(query, params).records]


def change_events(driver: neo4j.Driver) -> int:
    return int(rows(driver, "MATCH (c:ChangeEvent) RETURN count(c) AS n")[0]["n"])


def test_crm_account_and_sap_customer_become_one_golden_customer_with_two_records(
    sync: SyncService, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    crm = sync.run("CRM", "Account", [write_csv(tmp_path / "accounts.csv", crm_accounts())])
    erp = sync.run("ERP", "KNA1", [write_csv(tmp_path / "kna1.csv", kna1())])
    assert (crm.total("created"), crm.total("rejected")) == (3, 0)
    assert (erp.total("created"), erp.total("rejected")) == (3, 0)
    found = rows(
        empty_db,
        """MATCH (c:Customer)-[:hasSystemRecord]->(r:SystemRecord)
           RETURN c.id AS id, c.name AS name, c.status AS status, c.taxId AS tax,
                  collect(r.sourceSystem + ':' + r.externalId) AS records ORDER BY id""",
    )
    assert len(found) == 3, "the tax id makes the SAP customer the CRM account's golden record"
    first = found[0]
    assert sorted(first["records"]) == ["CRM:001A0000", "ERP:0000100000"]
    assert first["name"] == "Acme 0 GmbH", "CRM owns Customer: ERP's NAME1 does not overwrite"
    assert (first["status"], first["tax"]) == ("active", "DE100000")


def test_a_second_run_of_the_same_files_writes_nothing_and_records_no_change(
    sync: SyncService, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    accounts = write_csv(tmp_path / "accounts.csv", crm_accounts(120))
    first = sync.run("CRM", "Account", [accounts])
    assert first.total("created") == 120 and first.change_events >= 3  # batches of 50
    events = change_events(empty_db)
    versions = rows(empty_db, "MATCH (n:Resource) RETURN sum(n.version) AS v")[0]["v"]
    again = sync.run("CRM", "Account", [accounts])
    assert (again.total("unchanged"), again.total("created"), again.total("updated")) == (120, 0, 0)
    assert again.change_events == 0 and change_events(empty_db) == events
    assert rows(empty_db, "MATCH (n:Resource) RETURN sum(n.version) AS v")[0]["v"] == versions


def test_a_changed_row_is_an_update_with_before_and_after_in_the_audit(
    sync: SyncService, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    data = crm_accounts(2)
    sync.run("CRM", "Account", [write_csv(tmp_path / "a.csv", data)])
    data[1]["Rating__c"] = "Hot"
    changed = sync.run("CRM", "Account", [write_csv(tmp_path / "b.csv", data)])
    assert (changed.total("updated"), changed.total("unchanged")) == (1, 1)
    touched = rows(
        empty_db,
        """MATCH (e:ChangeEvent)-[t:TOUCHED]->(c:Customer) WHERE t.op = 'update'
           RETURN e.sourceSystem AS system, e.sessionId AS session, e.reason AS reason,
                  t.before AS before, t.after AS after""",
    )
    assert len(touched) == 1
    assert json.loads(touched[0]["before"])["rating"] == "B"
    assert json.loads(touched[0]["after"])["rating"] == "A"
    assert touched[0]["system"] == "CRM" and touched[0]["session"] == changed.run_id
    assert "b.csv lines 3-3" in touched[0]["reason"]


def test_a_changed_credit_limit_in_the_erp_file_raises_the_cross_system_alert(
    container: Container, sync: SyncService, tmp_path: Path
) -> None:
    sync.run("CRM", "Account", [write_csv(tmp_path / "accounts.csv", crm_accounts(2))])
    sync.run("ERP", "KNA1", [write_csv(tmp_path / "kna1.csv", kna1(2))])
    assert not [a for a in container.alerts.store.list() if "Credit" in a.rule_name]
    changed = kna1(2)
    changed[1]["KLIMK"] = "90000"
    result = sync.run("ERP", "KNA1", [write_csv(tmp_path / "kna1-2.csv", changed)])
    assert (result.total("updated"), result.total("unchanged"), result.warnings) == (1, 1, 1)
    alerts = [a for a in container.alerts.store.list() if "CreditLimit" in a.rule_iri]
    assert len(alerts) == 1
    assert "90000" in alerts[0].message_en and "Acme 1 GmbH" in alerts[0].message_en


def shop_files(tmp_path: Path) -> dict[str, Path]:
    customers = [
        {"customer_no": "C1", "name": "Müller KG", "status": "", "vat_id": "de900001"},
        {"customer_no": "C2", "name": "Zhang 张", "status": "Active", "vat_id": "CN9134"},
    ]
    products = [{"sku": "SKU-1", "title": "Widget"}, {"sku": "SKU-2", "title": "Gadget"}]
    orders = [
        {"order_no": "O1", "customer_no": "C1", "ordered": "03/11/2026", "total": "1.234,50",
         "state": ""},
        {"order_no": "", "customer_no": "C1", "ordered": "04/11/2026", "total": "10,00",
         "state": "paid"},
        {"order_no": "O3", "customer_no": "C2", "ordered": "31/02/1997", "total": "5,00",
         "state": "paid"},
        {"order_no": "O4", "customer_no": "C2", "ordered": "05/11/2026", "total": "99,90",
         "state": "sent"},
    ]  # fmt: skip
    # O1 is a draft (empty state): a confirmed order would also need stock (OrderLineOversell)
    lines = [
        {"order_no": "O1", "pos": "1", "sku": "SKU-1", "qty": "2", "price": "617,25"},
        {"order_no": "O4", "pos": "1", "sku": "SKU-2", "qty": "-3", "price": "33,30"},
        {"order_no": "O4", "pos": "2", "sku": "SKU-1", "qty": "1", "price": "99,90"},
    ]
    return {
        "customers": write_csv(tmp_path / "customers.csv", customers, ";"),
        "products": write_csv(tmp_path / "products.csv", products, ";"),
        "orders": write_csv(tmp_path / "orders.csv", orders, ";"),
        "order_lines": write_csv(tmp_path / "lines.csv", lines, ";"),
    }


def test_three_bad_rows_are_rejected_with_reasons_while_the_rest_commit(
    sync: SyncService, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    files = shop_files(tmp_path)
    options = FileOptions(delimiter=";")
    results = {t: sync.run("Shop", t, [f], options) for t, f in files.items()}
    assert {t: r.total("rejected") for t, r in results.items()} == {
        "customers": 0,
        "products": 0,
        "orders": 2,
        "order_lines": 1,
    }
    with (tmp_path / "orders.rejects.csv").open(encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle, delimiter=";"))
    assert [(r["_reject_line"], r["_reject_field"], r["_reject_value"]) for r in rejected] == [
        ("3", "order_no", ""),
        ("4", "ordered", "31/02/1997"),
    ]
    assert "missing key" in rejected[0]["_reject_reason"]
    assert "no such day" in rejected[1]["_reject_reason"]
    with (tmp_path / "lines.rejects.csv").open(encoding="utf-8") as handle:
        (line,) = list(csv.DictReader(handle, delimiter=";"))
    assert (line["_reject_line"], line["qty"]) == ("3", "-3")
    assert (line["_reject_field"], line["_reject_value"]) == ("qty", "-3")
    assert "may not be negative" in line["_reject_reason"]
    linked = rows(
        empty_db,
        """MATCH (o:SalesOrder)-[:customer]->(c:Customer)
           OPTIONAL MATCH (l:OrderLine)-[:salesOrder]->(o)
           OPTIONAL MATCH (l)-[:product]->(p:Product)
           RETURN o.orderNumber AS o, o.totalAmount AS total, o.orderDate AS date,
                  c.name AS c, collect(p.sku) AS skus ORDER BY o""",
    )
    assert [(r["o"], r["c"], sorted(r["skus"])) for r in linked] == [
        ("O1", "Müller KG", ["SKU-1"]),
        ("O4", "Zhang 张", ["SKU-1"]),
    ]
    assert linked[0]["total"] == 1234.5 and str(linked[0]["date"]) == "2026-11-03"
    # the fixed rejects file is an input as it is: only the fixed row is applied
    fixed = (tmp_path / "lines.rejects.csv").read_text(encoding="utf-8").replace(";-3;", ";3;")
    (tmp_path / "lines.rejects.csv").write_text(fixed, encoding="utf-8")
    again = sync.run("Shop", "order_lines", [tmp_path / "lines.rejects.csv"], options)
    assert (again.total("created"), again.total("rejected")) == (1, 0)


def test_utf8_bom_gb18030_and_json_lines_read_alike(
    sync: SyncService, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    row = {"customer_no": "C9", "name": "北京测试有限公司", "status": "", "vat_id": "91110000"}
    bom = write_csv(tmp_path / "bom.csv", [row], encoding="utf-8-sig")
    gbk = write_csv(tmp_path / "gb.csv", [{**row, "customer_no": "C10"}], encoding="gb18030")
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(json.dumps({**row, "customer_no": "C11", "vat_id": "X1"}) + "\nnot json\n")
    assert sync.run("Shop", "customers", [bom]).total("created") == 1
    # same tax id: the GB18030 row becomes a second record of the same customer
    assert (
        sync.run("Shop", "customers", [gbk], FileOptions(encoding="gb18030")).total("created") == 1
    )
    assert sync.run("Shop", "customers", [jsonl]).total("rejected") == 1
    names = rows(empty_db, "MATCH (c:Customer) RETURN c.name AS n")
    assert {r["n"] for r in names} == {"北京测试有限公司"} and len(names) == 2
    records = rows(empty_db, "MATCH (:Customer)-[:hasSystemRecord]->(r) RETURN count(r) AS n")
    assert records[0]["n"] == 3


def test_a_run_killed_mid_file_resumes_without_loss_or_duplicates(
    settings: Settings, container: Container, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    if not settings.managed:
        pytest.skip("the child process finds the managed test instance by its data folder")
    accounts = write_csv(tmp_path / "accounts.csv", crm_accounts(300))
    # the child kills itself (SIGKILL) right after its third batch committed
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from semgraph.bootstrap import Container\n"
        "from semgraph.config import Settings\n"
        "svc = Container(Settings()).sync(batch_size=40)\n"
        "seen = []\n"
        "def stop(line):\n"
        "    seen.append(line)\n"
        "    if len(seen) == 3: os.kill(os.getpid(), signal.SIGKILL)\n"
        "svc.on_batch = stop\n"
        "svc.run('CRM', 'Account', [Path(sys.argv[2])])\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, "-", str(accounts)],
        env=child_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -9, child.stderr[-2000:]
    landed = rows(empty_db, "MATCH (c:Customer) RETURN count(c) AS n")[0]["n"]
    assert landed == 120
    resumed = container.sync(batch_size=40).run("CRM", "Account", [accounts])
    assert resumed.files[0].resumed_after_line == 121
    assert resumed.total("created") == 180
    counts = rows(
        empty_db,
        """MATCH (c:Customer) WITH count(c) AS customers
           MATCH (r:SystemRecord) RETURN customers, count(r) AS records,
                 count(DISTINCT r.externalId) AS keys""",
    )[0]
    assert counts == {"customers": 300, "records": 300, "keys": 300}


def test_cli_sync_prints_a_json_summary_and_exits_3_on_rejects(
    settings: Settings, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    if not settings.managed:
        pytest.skip("the child process finds the managed test instance by its data folder")
    ensure_schema(empty_db, Container(settings).ontology, settings.neo4j_database)
    files = shop_files(tmp_path)
    env = child_env(settings)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "semgraph.cli.main", "sync", *args],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    ok = cli("--system", "Shop", "--table", "customers", "--mapping", str(SHOP),
             "--delimiter", ";", "--json", str(files["customers"]))  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    summary = json.loads(ok.stdout.strip().splitlines()[-1])
    assert (summary["records"], summary["created"], summary["rejected"]) == (2, 2, 0)
    cli("--system", "Shop", "--table", "products", "--mapping", str(SHOP), "--delimiter", ";",
        str(files["products"]))  # fmt: skip
    bad = cli("--system", "Shop", "--table", "orders", "--mapping", str(SHOP),
              "--delimiter", ";", "--json", str(files["orders"]))  # fmt: skip
    assert bad.returncode == 3, bad.stderr
    assert json.loads(bad.stdout.strip().splitlines()[-1])["rejected"] == 2
    unknown = cli("--system", "Shop", "--table", "order", "--mapping", str(SHOP), "x.csv")
    assert unknown.returncode == 1
    assert "no mapping for table `order` of Shop" in unknown.stderr
    assert "orders" in unknown.stderr


def test_http_ingest_answers_per_record(
    settings: Settings, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    from tests.integration.graphql_harness import api_settings, running

    sync_settings = settings.model_copy(update={"sync_mapping_files": [SHOP]})
    container = Container(sync_settings)
    ensure_schema(empty_db, container.ontology, settings.neo4j_database)
    keys = {
        "k-sync": {"actor": "shop-connector", "role": "admin"},
        "k-agent": {"actor": "sam", "role": "service"},
        "k-viewer": {"actor": "vera", "role": "viewer"},
    }
    app = create_app(sync_settings, container, api_settings(keys=keys))
    customers = [
        {"customer_no": "C1", "name": "Müller KG", "vat_id": "de1"},
        {"customer_no": "", "name": "no key"},
        {"customer_no": "C2", "name": "Zhang 张", "status": "sleeping"},
    ]
    with running(app) as base, httpx.Client(base_url=base, timeout=120) as http:
        first = http.post("/ingest/Shop/customers", json=customers, headers={"X-API-Key": "k-sync"})
        assert first.status_code == 207, first.text
        outcomes = first.json()["records"]
        assert [(o["index"], o["status"]) for o in outcomes] == [
            (0, "created"),
            (1, "rejected"),
            (2, "rejected"),
        ]
        assert "missing key" in outcomes[1]["reason"]
        assert (outcomes[2]["field"], outcomes[2]["value"]) == ("status", "sleeping")
        ndjson = "\n".join(json.dumps(c) for c in customers[:1])
        again = http.post(
            "/ingest/Shop/customers",
            content=ndjson,
            headers={"X-API-Key": "k-sync", "Content-Type": "application/x-ndjson"},
        )
        assert again.status_code == 200
        assert again.json()["records"] == [{"index": 0, "key": "C1", "status": "unchanged"}]
        viewer = http.post("/ingest/Shop/customers", json=[], headers={"X-API-Key": "k-viewer"})
        assert viewer.status_code == 403
        agent = http.post(
            "/ingest/Shop/customers", json=customers, headers={"X-API-Key": "k-agent"}
        )
        assert agent.status_code == 403, "a support agent may not create customers"
        assert "may not create Customer" in agent.json()["error"]["message"]
        unknown = http.post("/ingest/Shop/custmers", json=[], headers={"X-API-Key": "k-sync"})
        assert unknown.status_code == 400 and "customers" in unknown.json()["error"]["hint"]
    names = rows(empty_db, "MATCH (c:Customer) RETURN c.name AS n")
    assert [r["n"] for r in names] == ["Müller KG"]
    events = rows(empty_db, "MATCH (e:ChangeEvent) RETURN e.actor AS actor, e.role AS role")
    assert events == [{"actor": "shop-connector", "role": "admin"}]


@pytest.mark.parametrize(
    ("args", "demo_setting", "entities"),
    [
        (["--no-demo"], "true", 0),
        ([], "false", 0),
        (["--entities", "1000"], "true", 1000),  # the control: the same run, demo data on
    ],
    ids=["--no-demo", "SEMGRAPH_DEMO_DATA=false", "demo-on"],
)
def test_up_without_demo_data_leaves_an_empty_database_empty(
    settings: Settings, empty_db: neo4j.Driver, args: list[str], demo_setting: str, entities: int
) -> None:
    if not settings.managed:
        pytest.skip("`semgraph up` finds the managed test instance by its data folder")
    up = subprocess.run(
        [sys.executable, "-m", "semgraph.cli.main", "up", "--no-serve", *args],
        env={**child_env(settings), "SEMGRAPH_DEMO_DATA": demo_setting},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert up.returncode == 0, up.stderr[-2000:]
    assert ("demo data" in up.stdout) == bool(entities)
    ontology = Container(settings).ontology
    found = count_business_entities(empty_db, ontology, settings.neo4j_database)
    assert (found > 0) == bool(entities), found


def test_a_full_snapshot_marks_rows_gone_from_the_export_inactive_never_deletes(
    sync: SyncService, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    sync.run("CRM", "Account", [write_csv(tmp_path / "all.csv", crm_accounts(3))])
    export = write_csv(tmp_path / "now.csv", crm_accounts(3)[:2])
    snapshot = sync.run("CRM", "Account", [export], full_snapshot=True)
    assert (snapshot.inactivated, snapshot.total("unchanged")) == (1, 2)
    found = rows(
        empty_db,
        """MATCH (c:Customer)-[:hasSystemRecord]->(r:SystemRecord)
           RETURN r.externalId AS key, r.recordStatus AS status ORDER BY key""",
    )
    assert [(r["key"], r["status"]) for r in found] == [
        ("001A0000", "active"),  # the status CRM reports, on CRM's record
        ("001A0001", "active"),
        ("001A0002", "inactive"),
    ]
    again = sync.run("CRM", "Account", [export], full_snapshot=True)
    assert (again.inactivated, again.change_events) == (0, 0)


def test_dirty_order_lines_are_rejected_one_by_one_while_every_clean_line_commits(
    container: Container, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    """An SAP export where one order line in five has a negative quantity: once refusals
    are frequent, the sync gives the suspect lines a change set of their own. Every bad
    line is rejected with its line and reason, every good one commits, exactly once."""
    sync = container.sync(batch_size=10)
    write_csv(tmp_path / "kna1.csv", kna1(2))
    write_csv(tmp_path / "mara.csv", [{"MATNR": "M1", "MAKTX": "Bolt", "MEINS": "ea"}])
    orders = [
        {"VBELN": f"{i:010d}", "KUNNR": f"{100000 + i % 2:010d}", "NETWR": "10.00",
         "WAERK": "EUR", "AUDAT": "20261103", "GBSTK": "C"}
        for i in range(3)
    ]  # fmt: skip
    write_csv(tmp_path / "vbak.csv", orders)
    lines = [
        {"VBELN": f"{i % 3:010d}", "POSNR": f"{(i // 3 + 1) * 10:06d}", "MATNR": "M1",
         "KWMENG": "-2" if i % 5 == 1 else str(1 + i % 4), "NETPR": "2.50", "NETWR": ""}
        for i in range(60)
    ]  # fmt: skip
    write_csv(tmp_path / "vbap.csv", lines)
    for table, name in [("KNA1", "kna1"), ("MARA", "mara"), ("VBAK", "vbak")]:
        assert sync.run("ERP", table, [tmp_path / f"{name}.csv"]).total("rejected") == 0
    summary = sync.run("ERP", "VBAP", [tmp_path / "vbap.csv"])
    bad = {i + 2 for i in range(60) if i % 5 == 1}  # file lines (after the header)
    assert (summary.total("created"), summary.total("rejected")) == (48, 12)
    assert summary.refused_batches >= 1
    with (tmp_path / "vbap.rejects.csv").open(encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert {int(r["_reject_line"]) for r in rejected} == bad
    assert all("may not be negative" in r["_reject_reason"] for r in rejected)
    # the rule names no result path: the field is the one without which it would not fire
    assert {(r["_reject_field"], r["_reject_value"]) for r in rejected} == {("KWMENG", "-2")}
    stored = rows(empty_db, "MATCH (l:OrderLine) RETURN l.quantity AS q")
    assert len(stored) == 48 and all(r["q"] > 0 for r in stored)
