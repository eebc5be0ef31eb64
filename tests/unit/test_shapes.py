"""Shapes behave as the business expects: each fires on the change it is for, not on its near-miss.

Pure pySHACL over small data graphs written the way the validator writes them: entities
at https://semgraph.io/id/<Class>/<id>, typed literals, and the change described with
sgm:pendingChange / sgm:createdIn.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from semgraph.exceptions import InvalidInputError
from semgraph.ontology import Ontology
from semgraph.shapes import ShapeSet, load_shapes
from semgraph.validation.engine import ShapeEngine, transition_shapes
from semgraph.validation.triples import Triples

SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"
S = "https://semgraph.io/shapes/"
PREFIXES = """
@prefix sg: <https://semgraph.io/ontology#> .
@prefix sgm: <https://semgraph.io/meta#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://semgraph.io/id/> .
<urn:semgraph:change:T> a sgm:Change ; sgm:actorRole "csm" ; sgm:sourceSystem "CRM" .
"""


@pytest.fixture(scope="module")
def shape_set() -> ShapeSet:
    return load_shapes(SHAPES_DIR, Ontology.load())


# Engines are long-lived in semgraph (one per process) and building one compiles every
# pass check (~1 s): the module's tests share them.
@pytest.fixture(scope="module")
def engine(shape_set: ShapeSet) -> ShapeEngine:
    return ShapeEngine(shape_set)


@pytest.fixture(scope="module")
def reference(shape_set: ShapeSet) -> ShapeEngine:
    """pySHACL given every shape: what the compiled pass checks must agree with."""
    return ShapeEngine(shape_set, pass_checks=False)


def change(entity: str, n: int, prop: str, old: str | None = None, new: str | None = None) -> str:
    """Turtle for one property change of ``entity`` (``id:Class/X``) in change T."""
    pc = f"<urn:semgraph:change:T:{n}>"
    ttl = f"{entity} sgm:pendingChange {pc} . {pc} a sgm:PropertyChange ; "
    ttl += f"sgm:inChange <urn:semgraph:change:T> ; sgm:property sg:{prop} "
    ttl += f"; sgm:oldValue {old} " if old is not None else ""
    ttl += f"; sgm:newValue {new} " if new is not None else ""
    return ttl + ".\n"


def sla(
    approval: str = "approved",
    fee: str = "10000.0",
    ssp: str = "10000.0",
    on_contract: str = "",
    **extra: str,
) -> str:
    """An SLA under contract C1; ``on_contract``: more Turtle on the contract."""
    props = "".join(f" ; sg:{k} {v}" for k, v in extra.items())
    return f"""
id:Contract\\/C1 a sg:Contract ; sg:id "C1" ; sg:contractNumber "CTR-1"^^xsd:string ;
    sg:hasSla id:ServiceLevelAgreement\\/S1 {on_contract} .
id:ServiceLevelAgreement\\/S1 a sg:ServiceLevelAgreement ; sg:id "S1" ; sg:tier "gold"^^xsd:string ;
    sg:uptimeTarget 99.9 ; sg:monthlyFee {fee} ; sg:standaloneSellingPrice {ssp} ;
    sg:approvalStatus "{approval}"^^xsd:string {props} .
"""


SLA = "id:ServiceLevelAgreement\\/S1"
CTR = "id:Contract\\/C1"


def contract(**props: str) -> str:
    body = "".join(f" ; sg:{k} {v}" for k, v in props.items())
    return (
        f'{CTR} a sg:Contract ; sg:id "C1" ; sg:contractNumber "CTR-1" ; '
        f"sg:customer id:Customer\\/K1 {body} .\n"
        'id:Customer\\/K1 a sg:Customer ; sg:id "K1" ; sg:name "Acme" ; sg:status "active" .\n'
    )


def customer(*records: tuple[str, str, str | None], limit: str | None = None) -> str:
    ttl = 'id:Customer\\/K1 a sg:Customer ; sg:id "K1" ; sg:name "Acme" ; sg:status "active"'
    ttl += f" ; sg:creditLimit {limit}" if limit else ""
    out = ""
    for i, (system, status, reported) in enumerate(records):
        rec = f"id:SystemRecord\\/R{i}"
        ttl += f" ; sg:hasSystemRecord {rec}"
        out += f'{rec} a sg:SystemRecord ; sg:sourceSystem "{system}"^^xsd:string ; '
        out += f'sg:externalId "X{i}" ; sg:recordStatus "{status}"^^xsd:string'
        out += f" ; sg:reportedCreditLimit {reported} .\n" if reported else " .\n"
    return ttl + " .\n" + out


def order(total: str, rating: str = "A", cust_status: str = "active", **props: str) -> str:
    body = "".join(f" ; sg:{k} {v}" for k, v in props.items())
    return (
        f'id:SalesOrder\\/O1 a sg:SalesOrder ; sg:id "O1" ; sg:orderNumber "SO-1" ; '
        f'sg:totalAmount {total} ; sg:status "confirmed"^^xsd:string ; '
        f"sg:customer id:Customer\\/K1 {body} .\n"
        f'id:Customer\\/K1 a sg:Customer ; sg:id "K1" ; sg:name "Acme" ; sg:rating "{rating}" ; '
        f'sg:status "{cust_status}" ; sg:creditLimit 500000.0 .\n'
    )


ORDER = "id:SalesOrder\\/O1"
CONFIRM = change(ORDER, 1, "status", '"draft"', '"confirmed"')


def stock(quantity: str, line_status: str = "open") -> str:
    return (
        f'id:OrderLine\\/L1 a sg:OrderLine ; sg:id "L1" ; sg:quantity {quantity} ; '
        f'sg:status "{line_status}" ; sg:salesOrder {ORDER} ; sg:product id:Product\\/P1 .\n'
        f'{ORDER} a sg:SalesOrder ; sg:status "confirmed" .\n'
        'id:Product\\/P1 a sg:Product ; sg:sku "P1" .\n'
        "id:StockItem\\/A a sg:StockItem ; sg:stockOf id:Product\\/P1 ; "
        "sg:quantityOnHand 6.0 ; sg:quantityReserved 1.0 .\n"
        "id:StockItem\\/B a sg:StockItem ; sg:stockOf id:Product\\/P1 ; sg:quantityOnHand 3.0 .\n"
    ) + CONFIRM


UPTIME_UP = change(SLA, 1, "uptimeTarget", "99.5", "99.9")
SMALL = "; sg:totalValue 120000.0"
LARGE = "; sg:totalValue 2500000.0"
THRESHOLD_100K = "; sg:ownedBy id:LegalEntity\\/E1"
LEGAL_ENTITY_100K = "id:LegalEntity\\/E1 a sg:LegalEntity ; sg:materialityThreshold 100000.0 .\n"
CUSTOMER_APPROVED = "<urn:semgraph:change:T> sgm:customerApproved true .\n"
ONE_PO = "; sg:hasObligation id:PerformanceObligation\\/P1"
PARTLY_DELIVERED = (
    "id:PerformanceObligation\\/P1 a sg:PerformanceObligation ; sg:isSeries false ; "
    "sg:hasRevenueSchedule id:RevenueSchedule\\/R1 , id:RevenueSchedule\\/R2 .\n"
    'id:RevenueSchedule\\/R1 a sg:RevenueSchedule ; sg:status "recognized" .\n'
    'id:RevenueSchedule\\/R2 a sg:RevenueSchedule ; sg:status "planned" .\n'
)
CASES: list[tuple[str, str, str]] = [
    ("SlaPendingModification", sla("draft") + UPTIME_UP, sla("approved") + UPTIME_UP),
    (
        "SlaModificationApproved",
        sla() + change(SLA, 1, "approvalStatus", '"pending_customer"', '"approved"'),
        sla("pending_customer") + change(SLA, 1, "approvalStatus", '"draft"', '"pending_customer"'),
    ),
    (
        "SlaHigherTargetSamePrice",
        sla() + UPTIME_UP,
        sla() + UPTIME_UP + change(SLA, 2, "monthlyFee", "9000.0", "10000.0"),
    ),
    (
        "SlaHigherTargetSamePrice",
        sla() + change(SLA, 1, "responseTimeHours", "8.0", "4.0"),
        sla() + change(SLA, 1, "responseTimeHours", "4.0", "8.0"),
    ),
    (  # 15.50-59, materiality as data: a small contract's credit increase is not material
        "SlaCreditTermsIncreased",
        sla(serviceCreditPercent="25.0", on_contract=SMALL)
        + change(SLA, 1, "serviceCreditPercent", "10.0", "25.0"),
        sla(serviceCreditPercent="25.0", on_contract=LARGE)
        + change(SLA, 1, "serviceCreditPercent", "10.0", "25.0"),
    ),
    (
        "SlaCreditTermsMaterial",
        sla(serviceCreditPercent="8.0", on_contract=LARGE)
        + change(SLA, 1, "serviceCreditPercent", "5.0", "8.0"),
        sla(serviceCreditPercent="25.0", on_contract=SMALL)
        + change(SLA, 1, "serviceCreditPercent", "5.0", "25.0"),
    ),
    (  # the threshold is finance's: set on the legal entity, it makes a small contract material
        "SlaCreditTermsMaterial",
        sla(penaltyCap="20000.0", on_contract=SMALL + THRESHOLD_100K)
        + change(SLA, 1, "penaltyCap", None, "20000.0")
        + LEGAL_ENTITY_100K,
        sla(penaltyCap="20000.0", on_contract=SMALL + THRESHOLD_100K)
        + change(SLA, 1, "penaltyCap", "30000.0", "20000.0")
        + LEGAL_ENTITY_100K,
    ),
    (  # a typo fix in the credit formula keeps every number: no credit-terms change
        "SlaCreditTermsIncreased",
        sla(on_contract=SMALL)
        + change(SLA, 1, "creditFormula", '"10% per 0.1% below"', '"12% per 0.1% below"'),
        sla(on_contract=SMALL)
        + change(SLA, 1, "creditFormula", '"10% per 0.1% bleow"', '"10% per 0.1% below"'),
    ),
    (  # 15.21(b): a fee change on one partly delivered obligation is a cumulative catch-up
        "SlaPriceChangeCumulativeCatchUp",
        sla(fee="12000.0", ssp="10000.0", on_contract=ONE_PO)
        + change(SLA, 1, "monthlyFee", "10000.0", "12000.0")
        + PARTLY_DELIVERED,
        sla(fee="12000.0", ssp="10000.0", on_contract=ONE_PO)
        + change(SLA, 1, "monthlyFee", "10000.0", "12000.0")
        + PARTLY_DELIVERED.replace("sg:isSeries false", "sg:isSeries true"),
    ),
    (  # a draft (unsigned) contract has no revenue yet: no revenue alert on its SLA
        "SlaHigherTargetSamePrice",
        sla(on_contract='; sg:status "active"') + UPTIME_UP,
        sla(on_contract='; sg:status "draft"') + UPTIME_UP,
    ),
    (
        "SlaPendingModification",
        sla("pending_customer", on_contract='; sg:status "active"') + UPTIME_UP,
        sla("pending_customer", on_contract='; sg:status "draft"') + UPTIME_UP,
    ),
    (  # one meaning of approval: applyChange's customerApproved approves the edit
        "SlaHigherTargetSamePrice",
        sla("pending_customer") + UPTIME_UP + CUSTOMER_APPROVED,
        sla("pending_customer") + UPTIME_UP,
    ),
    (
        "SlaPendingModification",
        sla("pending_customer") + UPTIME_UP,
        sla("pending_customer") + UPTIME_UP + CUSTOMER_APPROVED,
    ),
    (  # scope agreed, price pending: 15.19 alone, not also "at the same price"
        "SlaHigherTargetSamePrice",
        sla(priceStatus='"agreed"') + UPTIME_UP,
        sla(priceStatus='"pending"') + UPTIME_UP,
    ),
    (
        "SlaDistinctAddOnAtStandalonePrice",
        sla(isDistinctAddOn="true") + f"{SLA} sgm:createdIn <urn:semgraph:change:T> .",
        sla(fee="8000.0", isDistinctAddOn="true")
        + f"{SLA} sgm:createdIn <urn:semgraph:change:T> .",
    ),
    (
        "SlaRepricedBelowStandalone",
        sla(fee="8000.0", ssp="12000.0") + change(SLA, 1, "tier", '"gold"', '"platinum"'),
        sla(fee="12000.0", ssp="12000.0") + change(SLA, 1, "tier", '"gold"', '"platinum"'),
    ),
    (
        "SlaRepricedBelowStandalone",
        sla(fee="9000.0", ssp="9000.0") + change(SLA, 1, "monthlyFee", "10000.0", "9000.0"),
        sla(fee="11000.0", ssp="9000.0") + change(SLA, 1, "monthlyFee", "10000.0", "11000.0"),
    ),
    (
        "SlaScopeAgreedPricePending",
        sla(priceStatus='"pending"') + UPTIME_UP,
        sla(priceStatus='"agreed"') + UPTIME_UP,
    ),
    (
        "ContractPaymentBecameConditional",
        contract(paymentTerms='"conditional_on_sla"')
        + change(CTR, 1, "paymentTerms", '"unconditional"', '"conditional_on_sla"'),
        contract(paymentTerms='"unconditional"')
        + change(CTR, 1, "paymentTerms", '"conditional_on_sla"', '"unconditional"'),
    ),
    (
        "ContractPaymentBecameConditional",
        contract(rightToPayment="false") + change(CTR, 1, "rightToPayment", "true", "false"),
        contract(rightToPayment="true") + change(CTR, 1, "rightToPayment", "false", "true"),
    ),
    (
        "OverTimeContractConditionalPayment",
        contract(recognitionMethod='"over_time"', paymentTerms='"conditional_on_acceptance"'),
        contract(recognitionMethod='"point_in_time"', paymentTerms='"conditional_on_acceptance"'),
    ),
    (
        "ContractTerminationOnSlaBreach",
        contract() + change(CTR, 1, "terminationOnSlaBreach", "false", "true"),
        contract() + change(CTR, 1, "terminationOnSlaBreach", "true", "false"),
    ),
    (
        "CustomerActiveInCrmBlockedInErp",
        customer(("CRM", "active", None), ("ERP", "blocked", None)),
        customer(("CRM", "active", None), ("ERP", "active", None)),
    ),
    (
        "CustomerCreditLimitDisagreement",
        customer(("ERP", "active", "120000.0"), limit="100000.0"),
        customer(("ERP", "active", "100500.0"), limit="100000.0"),
    ),
    (
        "CustomerCreditLimitDisagreement",
        customer(("ERP", "active", "120000.0"), ("Finance", "active", "100000.0")),
        customer(("ERP", "active", "100000.0"), ("Finance", "active", "100000.0")),
    ),
    (
        "InvoiceCurrencyDiffersFromContract",
        'id:Invoice\\/I1 a sg:Invoice ; sg:invoiceNumber "INV-1" ; sg:currency "USD" ; '
        f'sg:invoices {CTR} . {CTR} a sg:Contract ; sg:currency "EUR" .',
        'id:Invoice\\/I1 a sg:Invoice ; sg:invoiceNumber "INV-1" ; sg:currency "EUR" ; '
        f'sg:invoices {CTR} . {CTR} a sg:Contract ; sg:currency "EUR" .',
    ),
    (
        "OrderConfirmedForBlockedCustomer",
        order("1000.0", cust_status="blocked") + CONFIRM,
        order("1000.0", cust_status="active") + CONFIRM,
    ),
    ("OrderOverCustomerCreditLimit", order("600000.0") + CONFIRM, order("400000.0") + CONFIRM),
    ("OrderLineOversell", stock("10.0"), stock("8.0")),
    ("OrderLineOversell", stock("10.0"), stock("10.0", line_status="reserved")),
    (
        "StockReservedExceedsOnHand",
        "id:StockItem\\/A a sg:StockItem ; sg:quantityOnHand 3.0 ; sg:quantityReserved 5.0 .",
        "id:StockItem\\/A a sg:StockItem ; sg:quantityOnHand 3.0 ; sg:quantityReserved 3.0 .",
    ),
    (
        "rule/big-order-legal-countersign",
        order("600000.0", legalCountersigned="false"),
        order("600000.0", legalCountersigned="true"),
    ),
    ("rule/big-order-legal-countersign", order("600000.0"), order("600000.0", rating="B")),
    (
        "rule/quote-discount-needs-finance",
        'id:Quote\\/Q1 a sg:Quote ; sg:quoteNumber "Q-1" ; sg:discountPercent 35.0 ; '
        'sg:status "sent"^^xsd:string .',
        'id:Quote\\/Q1 a sg:Quote ; sg:quoteNumber "Q-1" ; sg:discountPercent 25.0 ; '
        'sg:status "sent"^^xsd:string .',
    ),
    (
        "rule/credit-limit-jump",
        customer(limit="160000.0")
        + change("id:Customer\\/K1", 1, "creditLimit", "100000.0", "160000.0"),
        customer(limit="140000.0")
        + change("id:Customer\\/K1", 1, "creditLimit", "100000.0", "140000.0"),
    ),
]


def flagged(shape_set: ShapeSet, body: str) -> dict[str, list[tuple[str, str]]]:
    """Shape (short IRI) → [(severity, message)] for every result on ``body``."""
    data = Graph().parse(data=PREFIXES + body, format="turtle")
    _, report, _ = validate(data, shacl_graph=shape_set.graph, allow_warnings=True)
    out: dict[str, list[tuple[str, str]]] = {}
    for result in report.subjects(SH.resultSeverity, None):
        info = shape_set.info_for(report.value(result, SH.sourceShape))  # type: ignore[arg-type]
        assert info is not None
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        message = str(report.value(result, SH.resultMessage))
        out.setdefault(info.iri.removeprefix(S), []).append((severity, message))
    return out


@pytest.mark.parametrize(("shape", "firing", "near_miss"), CASES)
def test_shape_fires_on_its_change_and_not_on_the_near_miss(
    shape_set: ShapeSet, shape: str, firing: str, near_miss: str
) -> None:
    hits = flagged(shape_set, firing)
    assert shape in hits, f"{shape} should fire; got {sorted(hits)}"
    expected = shape_set.shapes[S + shape].severity
    assert {sev for sev, _ in hits[shape]} == {expected}
    assert all("{?" not in msg for _, msg in hits[shape]), hits[shape]
    assert shape not in flagged(shape_set, near_miss)


def test_every_sla_table_row_has_a_shape(shape_set: ShapeSet) -> None:
    rows = {
        "SlaHigherTargetSamePrice": ("Warning", "medium"),
        "SlaCreditTermsIncreased": ("Warning", "medium"),
        "SlaCreditTermsMaterial": ("Warning", "high"),
        "SlaDistinctAddOnAtStandalonePrice": ("Info", "low"),
        "SlaRepricedBelowStandalone": ("Warning", "high"),
        "ContractPaymentBecameConditional": ("Warning", "highest"),
        "SlaScopeAgreedPricePending": ("Warning", "medium"),
        "ContractTerminationOnSlaBreach": ("Warning", "medium"),
        "SlaPriceChangeCumulativeCatchUp": ("Warning", "high"),  # the table's 15.21(b) case
    }
    for name, (severity, risk) in rows.items():
        info = shape_set.shapes[S + name]
        assert (info.severity, info.risk_level) == (severity, risk), name
        assert info.accounting_ref and "IFRS 15" in info.accounting_ref
        assert info.recommended_review_en and info.recommended_review_zh
    assert {"cfo", "finance_lead"} <= set(
        shape_set.shapes[S + "ContractPaymentBecameConditional"].notify_roles
    )


def test_transition_shapes_are_silent_in_a_full_validation(shape_set: ShapeSet) -> None:
    hits = flagged(
        shape_set, sla("draft", fee="8000.0", ssp="12000.0", serviceCreditPercent="15.0")
    )
    assert not {k for k in hits if k.startswith("Sla")}


def test_every_shape_carries_its_annotations(shape_set: ShapeSet) -> None:
    g = shape_set.graph
    for iri, info in shape_set.shapes.items():
        assert info.message_en and info.message_zh, iri
        assert info.severity in ("Violation", "Warning", "Info")
        assert info.risk_level in ("low", "medium", "high", "highest")
        assert info.business_area and info.notify_roles
        label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
        comment = URIRef("http://www.w3.org/2000/01/rdf-schema#comment")
        assert g.value(URIRef(iri), label) is not None, iri
        assert g.value(URIRef(iri), comment) is not None, iri


@pytest.mark.parametrize(
    ("body", "property_shape"),
    [
        ('id:Customer\\/K1 a sg:Customer ; sg:id "K1" ; sg:status "active" .', "Customer/name"),
        (
            'id:Customer\\/K1 a sg:Customer ; sg:id "K1" ; sg:name "A" ; sg:status "active" ; '
            'sg:creditLimit "lots" .',
            "Customer/creditLimit",
        ),
        (
            'id:Customer\\/K1 a sg:Customer ; sg:id "K1" ; sg:name "A" ; sg:status "zombie" .',
            "Customer/status",
        ),
        (
            'id:Contact\\/C1 a sg:Contact ; sg:id "C1" ; sg:name "Li" ; '
            "sg:customer id:Product\\/P1 ."
            " id:Product\\/P1 a sg:Product .",
            "Contact/customer",
        ),
        ('id:Customer\\/K1 a sg:Customer ; sg:name "A" ; sg:status "active" .', "Customer/id"),
    ],
)
def test_derived_integrity_shapes_refuse_what_breaks_the_ontology(
    shape_set: ShapeSet, body: str, property_shape: str
) -> None:
    data = Graph().parse(data=PREFIXES + body, format="turtle")
    _, report, _ = validate(data, shacl_graph=shape_set.graph, allow_warnings=True)
    sources = {str(s) for s in report.objects(None, SH.sourceShape)}
    assert f"{S}integrity/{property_shape}" in sources
    info = shape_set.info_for(URIRef(f"{S}integrity/{property_shape}"))
    assert info is not None and info.severity == "Violation"


def test_valid_entity_passes_integrity(shape_set: ShapeSet) -> None:
    body = (
        'id:Customer\\/K1 a sg:Customer ; sg:id "K1"^^xsd:string ; sg:name "A"^^xsd:string ; '
        'sg:status "active"^^xsd:string ; sg:rating "A" ; sg:creditLimit 10.0 .'
    )
    assert "integrity/Customer" not in flagged(shape_set, body)


def test_a_trigger_outside_the_shapes_read_paths_is_refused_with_the_paths_it_has(
    tmp_path: Path,
) -> None:
    (tmp_path / "orders.ttl").write_text(
        """@prefix sg: <https://semgraph.io/ontology#> .
@prefix sgm: <https://semgraph.io/meta#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
<https://semgraph.io/shapes/OrderWatch> a sh:NodeShape ;
    sh:targetClass sg:SalesOrder ; sh:severity sh:Warning ;
    sgm:riskLevel "low" ; sgm:businessArea "sales" ; sgm:notifyRole "admin" ;
    sgm:triggers "$this" , "product" ;
    sh:message "Order watched"@en , "订单已关注"@zh ;
    sh:sparql [ a sh:SPARQLConstraint ; sgm:reads "customer" ;
        sh:select "SELECT $this WHERE { $this <https://semgraph.io/ontology#customer> ?c }" ] .
""",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as info:
        load_shapes(tmp_path, Ontology.load())
    text = str(info.value)
    assert "sgm:triggers `product`" in text and "(customer)" in text
    assert "orders.ttl" in text


def test_transition_shapes_declare_their_triggers_and_state_shapes_do_not_narrow(
    shape_set: ShapeSet,
) -> None:
    # Every shipped transition shape says where its change must happen, so incremental
    # validation re-checks only what can fire; a narrowed state shape would miss verdicts.
    transitions = transition_shapes(shape_set)
    assert transitions
    for iri in transitions:
        assert shape_set.shapes[iri].triggers, iri
    oversell = shape_set.shapes[S + "OrderLineOversell"]
    assert oversell.triggers == ("$this", "salesOrder")
    for iri, info in shape_set.shapes.items():
        if iri not in transitions and info.triggers is not None:
            # only shapes whose verdict depends on the focus node's own values and edges
            assert info.triggers == ("$this",), iri


def test_a_message_quoting_a_chinese_name_stays_the_english_message(
    engine: ShapeEngine,
) -> None:
    """pySHACL drops the language tags of filled-in messages; the English one that quotes
    a Chinese customer name must still be served as English, and the Chinese as Chinese."""
    body = customer(("CRM", "active", None), ("ERP", "blocked", None)).replace(
        '"Acme"', '"苏州星辰医药有限公司"'
    )
    data = Graph().parse(data=PREFIXES + body, format="turtle")
    results = engine.validate(data, ["https://semgraph.io/id/Customer/K1"])
    [hit] = [r for r in results if r.shape == S + "CustomerActiveInCrmBlockedInErp"]
    assert hit.message_en.startswith("Customer 苏州星辰医药有限公司 is active in CRM")
    assert hit.message_zh.startswith("客户 苏州星辰医药有限公司 在 CRM")


USER_SHAPES = """@prefix sg: <https://semgraph.io/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/user#> .
ex:OnNode a sh:PropertyShape ; sh:targetNode ex:n1 ; sh:path ex:p ; sh:minCount 1 .
ex:Both a sh:NodeShape ; sh:targetClass sg:Customer ; sh:targetNode ex:n2 ;
    sh:property [ sh:path sg:name ; sh:minCount 1 ] .
ex:Person a rdfs:Class , sh:NodeShape ; sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .
ex:Objects a sh:NodeShape ; sh:targetObjectsOf ex:knows ; sh:nodeKind sh:IRI .
[] a sh:NodeShape ; sh:targetSubjectsOf ex:knows ; sh:severity ex:Critical ;
    sh:sparql [ sh:prefixes ex:Prefixes ;
        sh:select "SELECT $this WHERE { $this ex2:bad true }" ] .
ex:Prefixes owl:imports ex:Ontology .
ex:Ontology sh:declare [ sh:prefix "ex2" ; sh:namespace "http://example.org/two#" ] .
"""


def test_every_target_kind_loads_without_annotations_and_none_is_dropped(
    tmp_path: Path,
) -> None:
    (tmp_path / "user.ttl").write_text(USER_SHAPES, encoding="utf-8")
    shapes = load_shapes(tmp_path, Ontology.load())
    user = {iri: i for iri, i in shapes.shapes.items() if not iri.startswith("https://semgraph")}
    named = {iri for iri in user if iri.startswith("http://example.org/user#")}
    assert named == {
        f"http://example.org/user#{n}" for n in ("OnNode", "Both", "Person", "Objects")
    }
    assert len(user) == 5  # the blank-node shape with targetSubjectsOf too
    assert all(info.target_class is None and info.whole_graph for info in user.values())
    assert all(info.severity == "Violation" and not info.notify_roles for info in user.values())
    custom = next(i for i in user.values() if i.severity_iri.endswith("#Critical"))
    assert custom.severity == "Violation"  # a shape's own severity blocks, as sh:conforms counts it


def test_user_shapes_run_on_the_whole_graph_with_their_targets(tmp_path: Path) -> None:
    (tmp_path / "user.ttl").write_text(USER_SHAPES, encoding="utf-8")
    engine = ShapeEngine(load_shapes(tmp_path, Ontology.load()))
    data = Graph().parse(
        data="""@prefix ex: <http://example.org/user#> . @prefix ex2: <http://example.org/two#> .
        ex:n1 ex:q 1 . ex:a ex:knows _:b . ex:a ex2:bad true . ex:s a ex:Person .""",
        format="turtle",
    )
    found = {
        (r.focus_node if not r.focus_is_blank else "_:", r.source_constraint_component)
        for r in engine.validate_whole_graph_shapes(data)
    }
    assert found == {
        ("http://example.org/user#n1", str(SH.MinCountConstraintComponent)),
        ("http://example.org/user#n2", str(SH.MinCountConstraintComponent)),  # targetNode too
        ("_:", str(SH.NodeKindConstraintComponent)),
        ("http://example.org/user#s", str(SH.MinCountConstraintComponent)),
        ("http://example.org/user#a", str(SH.SPARQLConstraintComponent)),
    }


def test_an_unknown_ontology_class_is_refused_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "typo.ttl").write_text(
        """@prefix sg: <https://semgraph.io/ontology#> . @prefix sh: <http://www.w3.org/ns/shacl#> .
<https://semgraph.io/shapes/Typo> a sh:NodeShape ; sh:targetClass sg:Custmer ;
    sh:property [ sh:path sg:name ; sh:minCount 1 ] .
""",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as info:
        load_shapes(tmp_path, Ontology.load())
    assert "unknown target class `Custmer`" in str(info.value)
    assert "Customer" in str(info.value)


def test_only_the_literal_true_turns_a_shacl_switch_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # rdflib reads "1"^^xsd:boolean as true; SHACL (and the W3C test uniqueLang-002) does not
    (tmp_path / "user.ttl").write_text(
        """@prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix ex: <http://example.org/user#> .
        ex:One a sh:PropertyShape ; sh:targetNode ex:i ; sh:path ex:message ;
            sh:uniqueLang "1"^^xsd:boolean .
        ex:True a sh:PropertyShape ; sh:targetNode ex:i ; sh:path ex:label ; sh:uniqueLang true .
        """,
        encoding="utf-8",
    )
    engine = ShapeEngine(load_shapes(tmp_path, Ontology.load()))
    data = Graph().parse(
        data="""@prefix ex: <http://example.org/user#> .
        ex:i ex:message "HI"@en, "Hi"@en ; ex:label "a"@en, "b"@en .""",
        format="turtle",
    )
    fired = {r.shape for r in engine.validate_whole_graph_shapes(data)}
    assert fired == {"http://example.org/user#True"}
    assert "is not `true`, so SHACL leaves the constraint off" in caplog.text


def _results(engine: ShapeEngine, data: Graph | Triples, focus: list[str]) -> list[str]:
    return sorted(repr(r.model_dump()) for r in engine.validate(data, focus))


@pytest.mark.parametrize(("shape", "firing", "near_miss"), CASES)
def test_the_data_graph_cut_to_what_shapes_read_gives_the_same_results(
    engine: ShapeEngine, reference: ShapeEngine, shape: str, firing: str, near_miss: str
) -> None:
    """A neighbourhood reaches pySHACL cut to the predicates the shapes left to run can
    read (``validation/reads.py``), after the compiled pass checks cleared what they could
    (``passes.py``, ``sparql_passes.py``): the results are those of pySHACL given every
    shape and the whole graph, on the data that makes each shape fire and its near miss."""
    for body in (firing, near_miss):
        whole = Graph().parse(data=PREFIXES + body, format="turtle")
        triples = Triples()
        for triple in whole:
            triples.add(triple)
        focus = sorted({str(s) for s, _, o in whole.triples((None, RDF.type, None))})
        expected = _results(reference, whole, focus)
        assert _results(engine, triples, focus) == expected
        if body is firing:
            assert any(f"'shape': '{S}{shape}'" in r for r in expected)


def test_a_shapes_reads_leave_out_what_no_shape_reads(
    shape_set: ShapeSet, engine: ShapeEngine
) -> None:
    reads = engine.reads([S + "OrderLineOversell"])
    assert reads.covers("https://semgraph.io/ontology#quantityOnHand")  # a neighbour's, in SPARQL
    assert reads.covers(str(RDF.type))
    assert not reads.covers("https://semgraph.io/ontology#sku")
    assert not any(engine.reads([iri]).everything for iri in shape_set.shapes)
