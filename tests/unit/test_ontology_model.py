"""The ontology files and their Python view: what every other part of semgraph relies on.

Pure rdflib, no Neo4j.
"""

from __future__ import annotations

import shutil
import time
from collections import deque
from pathlib import Path

import pytest

from semgraph.config import REPO_ROOT
from semgraph.exceptions import OntologyError, UnknownTermError
from semgraph.ontology import ID_BASE, Cardinality, Ontology

ONTOLOGY_DIR = REPO_ROOT / "ontology"
ONTOLOGY_FILES = sorted(ONTOLOGY_DIR.glob("*.ttl"))

REQUIRED_CLASSES = [
    "Customer", "Contact", "Opportunity", "Quote", "SalesOrder", "OrderLine", "Product",
    "Contract", "ServiceLevelAgreement", "ServiceCredit", "PerformanceObligation",
    "RevenueSchedule", "Invoice", "Payment", "StockItem", "Warehouse", "Employee", "Role",
    "SupportTicket", "LegalEntity", "SystemRecord",
]  # fmt: skip

PREFIXES = """
@prefix sg:   <https://semgraph.io/ontology#> .
@prefix sgm:  <https://semgraph.io/meta#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="module")
def onto() -> Ontology:
    return Ontology.load(ONTOLOGY_FILES)


def load_with_extra(tmp_path: Path, turtle: str) -> Ontology:
    """Load the real ontology plus one extra file (the one a test breaks)."""
    for f in ONTOLOGY_FILES:
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "broken.ttl").write_text(PREFIXES + turtle, encoding="utf-8")
    return Ontology.load(sorted(tmp_path.glob("*.ttl")))


# --- classes ------------------------------------------------------------------------


def test_every_business_class_is_declared_with_english_and_chinese_label_and_definition(
    onto: Ontology,
) -> None:
    for name in REQUIRED_CLASSES:
        c = onto.cls(name)
        assert c.label_en and c.label_zh, name
        assert c.definition_en and c.definition_zh, name
        assert c.business_area in {
            "sales", "service", "finance", "legal", "operations", "hr", "master-data",
        }  # fmt: skip
        assert "BusinessEntity" in c.superclasses
        assert not c.abstract


def test_business_entity_is_the_abstract_root(onto: Ontology) -> None:
    root = onto.cls("BusinessEntity")
    assert root.abstract
    assert "BusinessEntity" not in {c.name for c in onto.concrete_classes()}
    assert {"Customer", "BusinessEntity"} <= onto.labels()


def test_every_class_has_its_own_id_prefix_and_a_required_id(onto: Ontology) -> None:
    prefixes = [c.id_prefix for c in onto.concrete_classes()]
    assert all(prefixes) and len(set(prefixes)) == len(prefixes)
    for c in onto.concrete_classes():
        assert onto.cardinality(c.name, "id") == Cardinality(1, 1)
        assert onto.datatype_properties(c.name)["id"].datatype == "string"


def test_systems_of_record_are_declared_source_systems(onto: Ontology) -> None:
    keys = {s.key for s in onto.systems()}
    assert keys == {"CRM", "ERP", "HR", "WMS", "Finance"} | {
        "WebAnalytics", "MobileApp", "POS", "IoTGateway", "PartnerAPI",  # event channels
    }  # fmt: skip
    assert onto.cls("Customer").system_of_record == "CRM"
    assert onto.cls("InteractionEvent").system_of_record is None  # each channel owns its own
    assert onto.cls("StockItem").system_of_record == "WMS"
    assert onto.cls("SystemRecord").system_of_record is None


# --- properties ---------------------------------------------------------------------


def test_every_property_has_labels_and_a_definition(onto: Ontology) -> None:
    for c in onto.concrete_classes():
        props = [
            *onto.datatype_properties(c.name).values(),
            *onto.object_properties(c.name).values(),
        ]
        for p in props:
            assert p.label_en and p.label_zh and p.definition, (c.name, p.name)


def test_a_shared_property_is_one_property_on_every_class_of_its_union_domain(
    onto: Ontology,
) -> None:
    on_contract = onto.datatype_properties("Contract")["currency"]
    on_invoice = onto.datatype_properties("Invoice")["currency"]
    assert on_contract.iri == on_invoice.iri == "https://semgraph.io/ontology#currency"
    assert "currency" not in onto.datatype_properties("Product")
    assert onto.object_properties("SalesOrder")["customer"].range == "Customer"


def test_rule_fields_exist_with_their_datatypes(onto: Ontology) -> None:
    expect = {
        ("Customer", "creditLimit"): "decimal",
        ("Customer", "rating"): "string",
        ("SalesOrder", "totalAmount"): "decimal",
        ("SalesOrder", "legalCountersigned"): "boolean",
        ("SalesOrder", "orderDate"): "date",
        ("StockItem", "quantityReserved"): "decimal",
        ("Contract", "rightToPayment"): "boolean",
        ("ServiceLevelAgreement", "uptimeTarget"): "decimal",
        ("ServiceLevelAgreement", "effectiveFrom"): "date",
        ("Payment", "paidAt"): "dateTime",
        ("SystemRecord", "reportedCreditLimit"): "decimal",
    }
    for (cls, prop), datatype in expect.items():
        found = onto.property(cls, prop)
        assert getattr(found, "datatype", None) == datatype, (cls, prop)


def test_code_lists_come_from_the_property_or_from_the_class(onto: Ontology) -> None:
    assert onto.datatype_properties("Customer")["rating"].allowed_values == ("A", "B", "C", "D")
    order_status = onto.datatype_properties("SalesOrder")["status"].allowed_values
    assert order_status == ("draft", "confirmed", "shipped", "cancelled")
    customer_status = onto.datatype_properties("Customer")["status"].allowed_values
    assert customer_status is not None and "blocked" in customer_status
    terms = onto.datatype_properties("Contract")["paymentTerms"].allowed_values
    assert terms is not None and "conditional_on_sla" in terms
    assert onto.datatype_properties("Customer")["name"].allowed_values is None


def test_sensitive_fields_are_marked_with_regimes_and_roles(onto: Ontology) -> None:
    expected = {
        "Contact": {"email", "phone"},
        "Customer": {"taxId", "email", "phone", "creditLimit"},
        "Employee": {"email", "phone", "salary", "nationalId"},
        "Payment": {"bankAccount"},
    }
    for cls, names in expected.items():
        assert names <= set(onto.sensitive_properties(cls)), cls
    email = onto.sensitive_properties("Contact")["email"]
    assert email.sensitivity == "personal"
    assert set(email.privacy_regimes) == {"GDPR", "CCPA", "PIPL"}
    customer = onto.datatype_properties("Customer")
    assert not customer["creditLimit"].visible_for(["viewer"])
    assert customer["creditLimit"].visible_for(["viewer", "finance_lead"])
    assert customer["name"].visible_for([])
    every_role = {
        role
        for c in onto.concrete_classes()
        for p in onto.sensitive_properties(c.name).values()
        for role in p.visible_to
    }
    assert every_role <= onto.role_keys()
    assert "viewer" not in every_role


def test_cardinalities_from_restrictions_and_functional_properties(onto: Ontology) -> None:
    assert onto.cardinality("Contract", "customer") == Cardinality(1, 1)
    assert onto.cardinality("Contract", "currency") == Cardinality(1, 1)
    assert onto.cardinality("Contract", "endDate") == Cardinality(0, 1)
    assert onto.cardinality("Contract", "hasSla") == Cardinality(0, None)
    assert onto.cardinality("OrderLine", "salesOrder") == Cardinality(1, 1)
    assert onto.cardinality("OrderLine", "product") == Cardinality(1, 1)
    assert {"customer", "ownedBy", "contractNumber", "id"} <= set(
        onto.required_properties("Contract")
    )


def test_misspelt_names_raise_a_typed_error_with_a_suggestion(onto: Ontology) -> None:
    with pytest.raises(UnknownTermError) as err:
        onto.property("Customer", "creditLimt")
    assert err.value.suggestions[0] == "creditLimit"
    assert "did you mean `creditLimit`" in str(err.value)
    assert "on Customer" in str(err.value)
    with pytest.raises(UnknownTermError) as cls_err:
        onto.cls("Custmer")
    assert "Customer" in cls_err.value.suggestions
    with pytest.raises(UnknownTermError):
        onto.cardinality("Contract", "hasSLA")


# --- relationships and impact ---------------------------------------------------------


def test_relationships_have_neo4j_types(onto: Ontology) -> None:
    assert onto.object_properties("Contract")["hasSla"].rel_type == "hasSla"
    assert {"hasSla", "ownedBy", "financeLead", "customer"} <= onto.relationship_types()
    incoming = onto.incoming("Contract")
    assert incoming["invoices"].domain == "Invoice" and incoming["invoices"].range == "Contract"
    assert onto.object_property("invoices").ranges == ("Contract", "SalesOrder")


def impact_reach(onto: Ontology, start: str) -> dict[str, list[str]]:
    """Classes a change to ``start`` reaches, each with the class path that got there."""
    edges = onto.impact_edges()
    paths = {start: [start]}
    queue = deque([start])
    while queue:
        at = queue.popleft()
        for e in edges:
            src, dst = (e.domain, e.range) if e.impact == "forward" else (e.range, e.domain)
            if src == at and dst not in paths:
                paths[dst] = [*paths[at], dst]
                queue.append(dst)
    return paths


def test_an_sla_change_reaches_revenue_and_the_finance_lead(onto: Ontology) -> None:
    reach = impact_reach(onto, "ServiceLevelAgreement")
    assert reach["RevenueSchedule"] == [
        "ServiceLevelAgreement", "Contract", "PerformanceObligation", "RevenueSchedule",
    ]  # fmt: skip
    assert reach["Employee"] == ["ServiceLevelAgreement", "Contract", "LegalEntity", "Employee"]
    by_name = {e.name: e for e in onto.impact_edges()}
    assert by_name["hasSla"].impact == "inverse"
    assert by_name["financeLead"].impact == "forward"


# --- systems, roles, routing ----------------------------------------------------------


def test_every_mapping_target_resolves_and_each_system_has_eight_or_more(onto: Ontology) -> None:
    assert len(onto.mappings()) >= 40
    for system in onto.systems():
        assert len(onto.mappings(system.key)) >= 8, system.key
        assert system.label_en and system.label_zh and system.description
    for m in onto.mappings():
        holder = "SystemRecord" if m.on_system_record else m.target_class
        assert onto.property(holder, m.target_property)
    keys = [m for m in onto.mappings("ERP") if m.is_key]
    assert any(m.source_field == "KUNNR" and m.on_system_record for m in keys)
    sperr = next(m for m in onto.mappings("ERP") if m.source_field == "SPERR")
    assert sperr.map_code("X") == "blocked" and sperr.map_code("Q") == "Q"
    with pytest.raises(UnknownTermError):
        onto.mappings("SAP")


def test_access_roles_and_routing_rules(onto: Ontology) -> None:
    assert onto.role_keys() == {
        "viewer", "analyst", "csm", "finance_lead", "cfo", "legal", "admin", "service",
        "account_manager",
    }  # fmt: skip
    rules = onto.routing_rules_for("finance_lead")
    assert {(r.start_class, r.path) for r in rules} == {
        ("Contract", ("ownedBy", "financeLead")),
        ("Customer", ("^customer", "ownedBy", "financeLead")),  # ^: the relationship backwards
    }
    assert {r.fallback_role for r in rules} == {"cfo"}
    assert {r.for_role for r in onto.routing_rules()} >= {"finance_lead", "legal", "csm"}
    assert onto.routing_rules_for("viewer") == []


def test_entity_iris(onto: Ontology) -> None:
    assert onto.entity_iri("Contract", "CTR-1") == f"{ID_BASE}Contract/CTR-1"
    assert onto.entity_iri("Customer", "a b/c") == f"{ID_BASE}Customer/a%20b%2Fc"
    with pytest.raises(UnknownTermError):
        onto.entity_iri("Contrakt", "1")


def test_loading_is_cached_and_cheap() -> None:
    started = time.perf_counter()
    first = Ontology.load(ONTOLOGY_FILES)
    assert Ontology.load(ONTOLOGY_FILES) is first
    assert time.perf_counter() - started < 1.0


# --- broken ontology files ------------------------------------------------------------


def test_a_domain_naming_an_undeclared_class_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OntologyError) as err:
        load_with_extra(
            tmp_path,
            "sg:discountCode a owl:DatatypeProperty ; "
            "rdfs:domain sg:Coupon ; rdfs:range xsd:string .",
        )
    message = str(err.value)
    assert "broken.ttl" in message and "discountCode" in message and "Coupon" in message


def test_a_negative_cardinality_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OntologyError, match=r"broken\.ttl: `Warehouse`: .*non-negative"):
        load_with_extra(
            tmp_path,
            "sg:Warehouse rdfs:subClassOf "
            "[ a owl:Restriction ; owl:onProperty sg:city ; owl:minCardinality -1 ] .",
        )


def test_a_mapping_to_an_unknown_property_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OntologyError) as err:
        load_with_extra(
            tmp_path,
            "sgm:BadMapping a sgm:FieldMapping ; sgm:sourceSystem sgm:ERP ; "
            'sgm:sourceTable "KNA1" ; sgm:sourceField "ORT01" ; '
            "sgm:targetClass sg:Customer ; sgm:targetProperty sg:town .",
        )
    assert "BadMapping" in str(err.value) and "town" in str(err.value)


def test_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OntologyError, match="not found"):
        Ontology.load([tmp_path / "nope.ttl"])
    with pytest.raises(OntologyError, match="no ontology files"):
        Ontology.load([])


def test_unparsable_turtle_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(OntologyError, match=r"broken\.ttl"):
        load_with_extra(tmp_path, "sg:oops a ")
