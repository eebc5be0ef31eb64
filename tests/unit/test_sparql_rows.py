"""``sparql_rows.no_row`` finds a pattern empty exactly where rdflib finds no row.

Differential: each pattern is evaluated by rdflib (through ``ValidationGraph``, as
pySHACL runs the rules) with ``$this`` pre-bound, and by ``no_row`` over the same graph;
where ``no_row`` decides, the two agree. Patterns it cannot decide say so.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import Literal, Namespace
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from semgraph.validation import sparql_tuning
from semgraph.validation.rdf_view import ValidationGraph
from semgraph.validation.sparql_rows import LIMIT, UndecidedError, no_row
from semgraph.validation.triples import Triples

EX = Namespace("http://example.org/")
THIS = EX.this
PREFIX = "PREFIX ex: <http://example.org/>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"


def data_graph() -> ValidationGraph:
    g = ValidationGraph()
    for triple in [
        (THIS, EX.p, EX.a),
        (THIS, EX.p, EX.b),
        (EX.a, EX.q, Literal(1)),
        (EX.a, EX.w, Literal("x")),
        (EX.b, EX.q, Literal("x")),
        (EX.b, EX.q, Literal(Decimal("2.5"))),
        (EX.a, EX.r, EX.b),
        (THIS, EX.limit, Literal(Decimal("100"))),
    ]:
        g.add(triple)
    return g


def pattern(where: str) -> CompValue:
    """The pattern below the projection of ``SELECT * WHERE { where }``."""
    query = sparql_tuning.tune(prepareQuery(PREFIX + "SELECT * WHERE {" + where + "}"))
    algebra: CompValue = query.algebra
    while algebra.name in {"SelectQuery", "Project"}:
        algebra = dict.__getitem__(algebra, "p")
    return algebra


def rdflib_rows(g: ValidationGraph, where: str) -> int:
    text = PREFIX + "SELECT * WHERE {" + where + "}"
    return len(list(g.query(text, initBindings={"this": THIS})))


DECIDED = [
    "$this ex:p ?x . ?x ex:q ?v . FILTER (?v > 0)",
    "$this ex:p ?x . ?x ex:q ?v . FILTER (?v > 5)",
    '$this ex:p ?x . { ?x ex:q ?v } UNION { ?x ex:w ?v } FILTER (STR(?v) = "x")',
    '$this ex:p ?x . { ?x ex:q ?v } UNION { ?x ex:w ?v } FILTER (STR(?v) = "y")',
    "$this ex:p ?x . ?x ex:q ?v . BIND (?v * 2 AS ?d) FILTER (?d > 3)",
    "$this ex:p ?x . ?x ex:q ?v . BIND (?v * 2 AS ?d) FILTER (?d > 9)",
    "$this ex:p ?x . BIND (?x + 1 AS ?d) FILTER (!BOUND(?d))",  # an error leaves ?d unbound
    "$this ex:p ?x . FILTER (?nope = 1)",  # unbound: an error, false
    "$this ex:p ?x . FILTER (?nope = 1 || ?x = ex:a)",  # a true operand decides
    "$this ex:p ?x . FILTER (?nope = 1 && ?x = ex:a)",
    "$this ex:p ?x . FILTER (?x = $this)",
    "$this ex:p ?x . ?x ex:q ?v . FILTER (?v - 1 > 0)",  # a text errs
    "$this ex:p ?x . { $this ex:p ?y FILTER (?y != ?x) }",  # ?x out of the inner scope
    "$this ex:p ?x . { $this ex:p ?y } FILTER (?y != ?x)",
    "$this ex:p ?x . FILTER (?x IN (ex:a, ex:c))",
    "$this ex:p ?x . FILTER (?x NOT IN (ex:a, ex:b))",
    '$this ex:p ?x . ?x ex:q ?v . FILTER (REGEX(STR(?v), "^x"))',
    "$this ex:p ?x . ?x ex:r ?y . ?y ex:q ?v . FILTER (isNumeric(?v) && ?v > 2)",
    "$this ex:limit ?l . $this ex:p ?x . ?x ex:q ?v . FILTER (ABS(?l - ?v) > 0.01 * ?l)",
    "$this ex:limit ?l . $this ex:p ?x . ?x ex:q ?v . "
    "FILTER (ABS(?l - ?v) > 0.01 * IF(?l > ?v, ?l, ?v) && ?v > 99)",
    "$this ex:p ?x . ?x ex:q ?v . FILTER (COALESCE(?missing, ?v) = 1)",
    "$this ex:p ex:a . FILTER (true)",
    "$this ex:p ex:c . FILTER (true)",
    "$this ex:p ?x . ?x ex:q ?v . FILTER (xsd:integer(?v) = 1)",
]


@pytest.mark.parametrize("where", DECIDED)
@pytest.mark.parametrize("store", ["graph", "triples"])
def test_no_row_agrees_with_rdflib(where: str, store: str) -> None:
    g = data_graph()
    data: ValidationGraph | Triples = g
    if store == "triples":
        data = Triples()
        for triple in g:
            data.add(triple)
    assert no_row(pattern(where), data, THIS) is (rdflib_rows(g, where) == 0), where


@pytest.mark.parametrize(
    "where",
    [
        "$this ex:p ?x . ?x ex:q ?v . FILTER (?v < NOW())",  # the query's clock
        "$this ex:p ?x . FILTER (<http://example.org/fn>(?x))",  # a custom function
        '$this ex:p ?x . FILTER (?x = URI("a"))',  # the query's base
        "$this ex:p ?x . FILTER (?x = BNODE())",
        "?s ex:p ?x . FILTER (?x = ex:a)",  # no triple reached from $this
        "$this ?p ?x . FILTER (?x = ex:a)",  # a variable predicate
        "$this ex:p ?x . OPTIONAL { ?x ex:q ?v } FILTER (!BOUND(?v))",
        "$this ex:p ?x . FILTER EXISTS { ?x ex:q ?v }",
    ],
)
def test_what_no_row_cannot_follow_is_left_undecided(where: str) -> None:
    with pytest.raises(UndecidedError):
        no_row(pattern(where), data_graph(), THIS)


def test_more_rows_than_the_limit_are_left_undecided() -> None:
    g = data_graph()
    for i in range(LIMIT + 1):
        g.add((THIS, EX.many, Literal(i)))
    with pytest.raises(UndecidedError):
        no_row(pattern("$this ex:many ?v . FILTER (?v < 0)"), g, THIS)
    # a row found before the limit is found: not empty
    assert no_row(pattern("$this ex:many ?v . FILTER (?v = 3)"), g, THIS) is False


def test_a_constant_subject_is_followed_too() -> None:
    where = "ex:a ex:q ?v . $this ex:p ex:a . FILTER (?v = 1)"
    assert no_row(pattern(where), data_graph(), THIS) is False
    assert rdflib_rows(data_graph(), where) == 1
    where = "ex:c ex:q ?v . $this ex:p ex:a . FILTER (?v = 1)"
    assert no_row(pattern(where), data_graph(), THIS) is True
    assert rdflib_rows(data_graph(), where) == 0


def test_the_patterns_have_rows_and_none() -> None:
    outcomes = {rdflib_rows(data_graph(), where) == 0 for where in DECIDED}
    assert outcomes == {True, False}


def test_a_filter_remembered_by_its_values_still_tells_terms_apart() -> None:
    """A filter's verdicts are kept by the values of the variables it names, across focus
    nodes; values that are different terms (a number and its text, an IRI and a string)
    never share a verdict, and every verdict is rdflib's."""
    where = "$this ex:v ?v . FILTER (?v = 5 || isIRI(?v) || BOUND(?unbound))"
    algebra = pattern(where)
    values = [Literal(5), Literal("5"), Literal(5), EX.five, Literal(str(EX.five)), Literal(5.0)]
    for i, value in enumerate(values * 2):
        g = ValidationGraph()
        g.add((THIS, EX.v, value))
        g.add((THIS, EX.other, Literal(i)))  # a row differs beyond the filter's variables
        expected = rdflib_rows(g, where) == 0
        assert no_row(algebra, g, THIS) == expected, value
