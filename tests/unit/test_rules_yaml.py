"""Business rules in YAML compile to SHACL, and every mistake is reported with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import SH

from semgraph.exceptions import InvalidInputError
from semgraph.ontology import Ontology
from semgraph.shapes.rules_errors import RuleFileError
from semgraph.shapes.rules_yaml import compile_rules, compile_rules_text

RULES = Path(__file__).resolve().parents[2] / "shapes" / "rules" / "approvals.yaml"
DATA = """
@prefix sg: <https://semgraph.io/ontology#> . @prefix sgm: <https://semgraph.io/meta#> .
@prefix id: <https://semgraph.io/id/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


def rule(when: str, applies_to: str = "SalesOrder", extra: str = "") -> str:
    return f"""rules:
  - id: r1
    name: test rule
    applies_to: {applies_to}
    when:
{when}
    severity: warning
    risk: medium
    notify: finance_lead
    area: sales
    message: {{en: "flagged", zh: "已标记"}}
{extra}"""


def fires(ontology: Ontology, yaml_text: str, data: str) -> bool:
    compiled = compile_rules_text(yaml_text, "t.yaml", ontology)
    g = Graph().parse(data=DATA + data, format="turtle")
    _, report, _ = validate(g, shacl_graph=compiled.graph, allow_warnings=True)
    return any(True for _ in report.subjects(SH.resultSeverity, None))


def test_example_rules_compile_with_metadata(ontology: Ontology) -> None:
    compiled = compile_rules(RULES, ontology)
    ids = [r.id for r in compiled.rules]
    assert ids[0] == "big-order-legal-countersign" and len(ids) >= 3
    big = compiled.rules[0]
    assert (big.target_class, big.severity, big.risk, big.notify_roles) == (
        "SalesOrder", "Violation", "high", ("legal",),
    )  # fmt: skip
    assert big.reads == ("customer",)
    assert "{?m" in big.message_en and "{?m" in big.message_zh
    ticket = next(r for r in compiled.rules if r.target_class == "SupportTicket")
    assert ticket.reads == ("contract", "contract/hasSla")


ORDER = (
    'id:SalesOrder\\/O1 a sg:SalesOrder ; sg:totalAmount {total} ; sg:status "confirmed" ; '
    "sg:customer id:Customer\\/K1 {extra} . id:Customer\\/K1 a sg:Customer ; "
    'sg:rating "{rating}"^^xsd:string ; sg:creditLimit 100.0 .'
)


@pytest.mark.parametrize(
    ("condition", "firing", "near_miss"),
    [
        ('field: totalAmount\n      op: ">"\n      value: 500', "600.0", "500.0"),
        ('field: totalAmount\n      op: ">="\n      value: 500', "500.0", "499.0"),
        ('field: totalAmount\n      op: "<"\n      value: 500', "499.0", "500.0"),
        ('field: totalAmount\n      op: "<="\n      value: 500', "500.0", "501.0"),
        ('field: totalAmount\n      op: "="\n      value: 500', "500.0", "501.0"),
        ('field: totalAmount\n      op: "!="\n      value: 500', "501.0", "500.0"),
        ("field: totalAmount\n      op: in\n      value: [1, 500]", "500.0", "2.0"),
        ('field: totalAmount\n      op: "not in"\n      value: [1, 500]', "2.0", "500.0"),
    ],
)
def test_comparison_ops(ontology: Ontology, condition: str, firing: str, near_miss: str) -> None:
    text = rule("      " + condition)
    assert fires(ontology, text, ORDER.format(total=firing, rating="A", extra=""))
    assert not fires(ontology, text, ORDER.format(total=near_miss, rating="A", extra=""))


def test_dotted_paths_and_nesting(ontology: Ontology) -> None:
    text = rule(
        "      any:\n        - field: customer.rating\n          op: '='\n          value: A\n"
        "        - not:\n            field: customer.creditLimit\n            op: exists"
    )
    assert fires(ontology, text, ORDER.format(total="1.0", rating="A", extra=""))
    assert not fires(ontology, text, ORDER.format(total="1.0", rating="B", extra=""))


def test_exists_and_missing(ontology: Ontology) -> None:
    missing = rule("      field: legalCountersigned\n      op: missing")
    assert fires(ontology, missing, ORDER.format(total="1.0", rating="A", extra=""))
    signed = ORDER.format(total="1.0", rating="A", extra="; sg:legalCountersigned true")
    assert not fires(ontology, missing, signed)
    assert fires(ontology, rule("      field: legalCountersigned\n      op: exists"), signed)


CHANGE = (
    "id:Customer\\/K1 a sg:Customer ; sg:creditLimit {new} ; sgm:pendingChange <urn:c:1> . "
    "<urn:c:1> sgm:property sg:creditLimit ; sgm:oldValue {old} ; sgm:newValue {new} ."
)


@pytest.mark.parametrize(
    ("condition", "old", "new", "expected"),
    [
        ("op: changed", "1.0", "2.0", True),
        ("op: increased", "1.0", "2.0", True),
        ("op: increased", "2.0", "1.0", False),
        ("op: decreased", "2.0", "1.0", True),
        ('op: increased\n      by_more_than: "50%"', "100.0", "160.0", True),
        ('op: increased\n      by_more_than: "50%"', "100.0", "140.0", False),
        ("op: increased\n      by_more_than: 10", "100.0", "105.0", False),
        ("op: changed\n      to: 2.0", "1.0", "2.0", True),
        ("op: changed\n      to: 3.0", "1.0", "2.0", False),
    ],
)
def test_transition_ops(
    ontology: Ontology, condition: str, old: str, new: str, expected: bool
) -> None:
    text = rule("      field: creditLimit\n      " + condition, applies_to="Customer")
    assert fires(ontology, text, CHANGE.format(old=old, new=new)) is expected
    # In a full validation (no change described) transition rules never fire.
    plain = f"id:Customer\\/K1 a sg:Customer ; sg:creditLimit {new} ."
    assert not fires(ontology, text, plain)


def problems(ontology: Ontology, text: str) -> list[str]:
    with pytest.raises(RuleFileError) as info:
        compile_rules_text(text, "rules/x.yaml", ontology)
    assert isinstance(info.value, InvalidInputError)
    return [str(p) for p in info.value.problems]


def test_unknown_field_names_line_and_suggestion(ontology: Ontology) -> None:
    text = rule("      field: creditLimt\n      op: exists", applies_to="Customer")
    assert problems(ontology, text) == [
        "rules/x.yaml:6: unknown field `creditLimt` on Customer; did you mean `creditLimit`?"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (rule("      field: status\n      op: exists", applies_to="Custmer"),
         "rules/x.yaml:4: unknown class `Custmer`; did you mean `Customer`?"),
        (rule("      field: status\n      op: '=='\n      value: x"),
         "rules/x.yaml:7: unknown op `==`"),
        (rule("      field: totalAmount\n      op: '>'\n      value: lots"),
         "rules/x.yaml:8: value `lots` is not a number"),
        (rule("      field: customer.rating\n      op: '='\n      value: Z"),
         "rules/x.yaml:8: `Z` is not a valid `rating`"),
        (rule("      field: status\n      op: exists").replace("finance_lead", "finance"),
         "rules/x.yaml:10: unknown role `finance` for notify; did you mean `finance_lead`?"),
        (rule("      field: status\n      op: exists") + "  - id: r1\n",
         "rules/x.yaml:13: rule is missing `name`"),
    ],
)  # fmt: skip
def test_errors_point_at_the_line(ontology: Ontology, text: str, expected: str) -> None:
    assert any(p.startswith(expected) for p in problems(ontology, text)), problems(ontology, text)


def test_duplicate_ids_and_all_errors_reported_together(ontology: Ontology) -> None:
    one = rule("      field: status\n      op: exists")
    body = one.split("rules:\n", 1)[1]
    found = problems(ontology, one + body + body.replace("status", "statuz"))
    assert any("duplicate rule id `r1` (first at line 2)" in p for p in found)
    assert any("unknown field `statuz`" in p for p in found)


def test_broken_file_never_yields_partial_rules(ontology: Ontology, tmp_path: Path) -> None:
    good = rule("      field: status\n      op: exists")
    bad = good.split("rules:\n", 1)[1].replace("id: r1", "id: r2").replace("status", "nope")
    path = tmp_path / "mixed.yaml"
    path.write_text(good + bad)
    with pytest.raises(RuleFileError):
        compile_rules(path, ontology)
    path.write_text("rules: [unclosed\n")
    with pytest.raises(RuleFileError, match=r"mixed\.yaml:2: not valid YAML"):
        compile_rules(path, ontology)


@pytest.mark.parametrize(
    ("when", "triggers"),
    [
        # a state rule can fire on any change of what it reads
        ("      {field: customer.rating, op: '=', value: A}", None),
        # the order's own status must change for this one to hold
        ("      all: [{field: status, op: changed, to: confirmed}, {field: customer.rating, "
         "op: '=', value: A}]", ("$this",)),
        # …or the customer's credit limit
        ("      {field: customer.creditLimit, op: decreased}", ("customer",)),
        ("      any: [{field: status, op: changed}, {field: customer.creditLimit, "
         "op: increased}]", ("$this", "customer")),
        # one branch of `any` holds without a change: no narrowing
        ("      any: [{field: status, op: changed}, {field: totalAmount, op: '>', "
         "value: 5}]", None),
        ("      not: {field: status, op: changed}", None),
    ],
)  # fmt: skip
def test_rules_that_need_a_change_say_where_it_must_happen(
    ontology: Ontology, when: str, triggers: tuple[str, ...] | None
) -> None:
    compiled = compile_rules_text(rule(when), "t.yaml", ontology)
    assert compiled.rules[0].triggers == triggers
