"""The IRI ↔ name and literal ↔ value codecs are exact inverses (no Neo4j needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import XSD, Literal, URIRef

from semgraph.exceptions import InvalidInputError, UnknownTermError
from semgraph.rdf.importer import parse_file
from semgraph.rdf.literals import (
    decode_literal,
    decode_property,
    encode_literal,
    encode_property,
    from_native,
    make_literal,
    to_native,
)
from semgraph.rdf.names import NAME_PATTERN, SG, WELL_KNOWN_PREFIXES, PrefixRegistry, split_iri

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
NAMESPACES = st.sampled_from(
    [SG, *WELL_KNOWN_PREFIXES.values(), "http://example.org/", "urn:x:", "https://semgraph.io/id/"]
)
IRIS = st.one_of(
    st.builds(lambda ns, local: ns + local, NAMESPACES, TEXT),
    st.builds(lambda ns, local: ns + local, NAMESPACES, st.from_regex(r"[A-Za-z_][\w]{0,150}")),
    TEXT,
)
LANGS = st.sampled_from(["en", "zh", "en-GB", "zh-Hans", "de-CH-1996"])
OFFSETS = st.integers(-14 * 4, 14 * 4).map(lambda q: dt.timezone(dt.timedelta(minutes=15 * q)))
LITERALS = st.one_of(
    TEXT.map(Literal),
    TEXT.map(lambda s: Literal(s, datatype=XSD.string)),
    st.builds(lambda s, lang: Literal(s, lang=lang), TEXT, LANGS),
    st.integers().map(Literal),
    st.booleans().map(Literal),
    st.floats(allow_nan=False).map(Literal),
    st.decimals(allow_nan=False, allow_infinity=False).map(Literal),
    st.dates().map(Literal),
    st.datetimes(timezones=OFFSETS).map(Literal),
    st.datetimes().map(Literal),
    st.builds(lambda s, dtype: Literal(s, datatype=dtype), TEXT, IRIS.map(URIRef)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(IRIS, max_size=8))
def test_every_iri_gets_a_safe_name_that_decodes_back_exactly(iris: list[str]) -> None:
    registry = PrefixRegistry()
    registry.needs(iris)
    for iri in iris:
        name = registry.to_name(iri)
        assert NAME_PATTERN.fullmatch(name), name
        assert registry.to_iri(name) == iri
    # a fresh registry loaded from the stored bindings decodes the same names
    reloaded = PrefixRegistry(registry.bindings())
    assert [reloaded.to_iri(registry.to_name(i)) for i in iris] == iris


@given(IRIS)
def test_split_keeps_the_whole_iri(iri: str) -> None:
    namespace, local = split_iri(iri)
    assert namespace + local == iri
    assert len(local) <= 100


def test_sg_terms_are_bare_and_other_namespaces_prefixed() -> None:
    registry = PrefixRegistry()
    iris = [SG + "creditLimit", SG + "Customer", "http://www.w3.org/2000/01/rdf-schema#label"]
    registry.needs([*iris, "http://example.org/thing", SG + "id", SG + "a__b"])
    assert [registry.to_name(i) for i in iris] == ["creditLimit", "Customer", "rdfs__label"]
    assert registry.to_name("http://example.org/thing") == "ns0__thing"
    assert registry.to_name(SG + "id") == "sg__id"  # `id` and `iri` keys are reserved
    assert registry.to_name(SG + "a__b") == "sg__a__b"


def test_prefixes_bound_by_a_file_are_reused_when_free() -> None:
    registry = PrefixRegistry()
    registry.needs(["http://example.org/a", "http://other.org/b"], {"ex": "http://example.org/"})
    assert registry.to_name("http://example.org/a") == "ex__a"
    assert registry.to_name("http://other.org/b") == "ns0__b"
    registry.needs(["http://third.org/c"], {"rdf": "http://third.org/"})  # taken: generated
    assert registry.to_name("http://third.org/c") == "ns1__c"
    assert registry.added == {
        "ex": "http://example.org/",
        "ns0": "http://other.org/",
        "ns1": "http://third.org/",
    }


@pytest.mark.parametrize("name", ["sg__creditLimit", "Resource", "a b", "x`y", "", "ok\n"])
def test_names_the_codec_never_produces_are_rejected(name: str) -> None:
    with pytest.raises(InvalidInputError):
        PrefixRegistry().to_iri(name)


def test_unknown_prefix_is_a_typed_error_with_a_hint() -> None:
    with pytest.raises(UnknownTermError) as err:
        PrefixRegistry().to_iri("rdfx__type")
    assert "did you mean `rdf`" in str(err.value)


def test_encoding_an_unregistered_namespace_says_what_to_do() -> None:
    with pytest.raises(InvalidInputError, match="no prefix registered"):
        PrefixRegistry().to_name("http://example.org/a")


@settings(max_examples=300, deadline=None)
@given(LITERALS)
def test_native_values_are_lossless_and_everything_else_encodes_exactly(lit: Literal) -> None:
    registry = PrefixRegistry()
    if lit.datatype is not None:
        registry.needs([str(lit.datatype)])
    native = to_native(lit)
    if native is not None:
        assert from_native(native, lit.datatype) == lit
    assert decode_literal(encode_literal(lit, registry), registry) == lit


@settings(max_examples=200, deadline=None)
@given(st.sets(LITERALS, min_size=1, max_size=5))
def test_a_property_stores_every_value_of_a_predicate(lits: set[Literal]) -> None:
    registry = PrefixRegistry()
    registry.needs([str(lit.datatype) for lit in lits if lit.datatype is not None])
    keys = encode_property("p", list(lits), registry)
    stored = {k: v for k, v in keys.items() if v is not None}
    assert set(decode_property("p", stored, registry)) == lits


def test_business_values_stay_native() -> None:
    registry = PrefixRegistry()
    assert encode_property("creditLimit", [Literal(Decimal("12.5"))], registry) == {
        "creditLimit": 12.5,
        "_dt_creditLimit": "xsd__decimal",
        "_lit_creditLimit": None,
    }
    assert encode_property("tier", [Literal("A"), Literal("B")], registry)["tier"] == ["A", "B"]
    assert encode_property("n", [Literal(7)], registry)["n"] == 7
    when = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert encode_property("at", [Literal(when)], registry)["at"] == when


def test_what_native_values_would_lose_is_encoded() -> None:
    registry = PrefixRegistry()
    registry.needs(["http://example.org/dt/money"])
    cases = {
        Literal("客户", lang="zh"): "@zh 客户",
        Literal("1.50", datatype=XSD.decimal): "^^xsd__decimal 1.50",  # trailing zero
        Literal(2**70): f"^^xsd__integer {2**70}",  # beyond 64 bits
        Literal("2025-01-01T00:00:00", datatype=XSD.dateTime): (
            "^^xsd__dateTime 2025-01-01T00:00:00"  # no time zone
        ),
        Literal("9", datatype=URIRef("http://example.org/dt/money")): "^^ns0__money 9",
    }
    for lit, encoded in cases.items():
        assert to_native(lit) is None
        assert encode_property("p", [lit], registry)["_lit_p"] == [encoded]
    mixed = encode_property("p", [Literal("a"), Literal(1)], registry)
    assert mixed["p"] is None
    assert mixed["_lit_p"] == ['"a', "^^xsd__integer 1"]


def test_malformed_encoded_literal_is_rejected() -> None:
    with pytest.raises(InvalidInputError):
        decode_literal("no tag here", PrefixRegistry())


def test_an_ill_typed_literal_keeps_the_lexical_form_the_file_has(tmp_path: Path) -> None:
    # rdflib alone reads "none"^^xsd:boolean as "false", a valid boolean SHACL would accept
    data = tmp_path / "data.ttl"
    data.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<urn:x> <urn:flag> "none"^^xsd:boolean , "1"^^xsd:boolean ; '
        '<urn:n> "01"^^xsd:integer , "aldi"^^xsd:integer .\n',
        encoding="utf-8",
    )
    graph = parse_file(data)
    flags = {(str(o), bool(o.ill_typed)) for o in graph.objects(None, URIRef("urn:flag"))}
    assert flags == {("none", True), ("true", False)}  # well-typed forms normalised as usual
    numbers = {str(o) for o in graph.objects(None, URIRef("urn:n"))}
    assert numbers == {"1", "aldi"}
    registry = PrefixRegistry()
    stored = encode_property("flag", sorted(graph.objects(None, URIRef("urn:flag"))), registry)
    back = decode_property("flag", stored, registry)
    assert {str(lit) for lit in back} == {"none", "true"}
    assert make_literal("none", None, str(XSD.boolean)).ill_typed
    assert str(make_literal("1", None, str(XSD.boolean))) == "true"
