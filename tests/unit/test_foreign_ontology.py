"""Ontologies of any namespace reach the model everything is derived from: a user's own
library ontology with no semgraph terms, and a FIBO-style RDF/XML module with imports
and restrictions (tests/fixtures/ontologies/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.ontology.model import Ontology
from semgraph.paths import REPO_ROOT
from semgraph.reads.model import build_model

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ontologies"
LIBRARY = FIXTURES / "library.ttl"
CONTRACTS = FIXTURES / "Contracts.rdf"
SEMGRAPH = sorted((REPO_ROOT / "ontology").glob("*.ttl"))
CTR = "https://example.org/fibo-style/FND/Agreements/Contracts/"


@pytest.fixture(scope="module")
def library() -> Ontology:
    return Ontology.load([LIBRARY])


@pytest.fixture(scope="module")
def contracts() -> Ontology:
    return Ontology.load([CONTRACTS])


def test_classes_of_another_namespace_are_named_as_the_property_graph_names_them(
    library: Ontology,
) -> None:
    assert set(library.classes) == {"lib__Work", "lib__Book", "lib__Author", "lib__Loan"}
    assert library.prefixes() == {"lib": "http://example.org/library#"}
    assert library.iri("lib__Book") == "http://example.org/library#Book"
    assert library.name_of("http://example.org/library#title") == "lib__title"
    assert library.cls("lib__Book").superclasses == ("lib__Work",)
    assert library.cls("lib__Book").label_en == "book"
    assert library.cls("lib__Book").definition_en == "A printed book the library lends."


def test_datatype_properties_are_values_and_object_properties_relationships(
    library: Ontology,
) -> None:
    book = library.datatype_properties("lib__Book")
    assert {"lib__title", "lib__isbn", "lib__pages", "id"} <= set(book)
    assert book["lib__pages"].datatype == "integer"  # xsd:nonNegativeInteger, stored as one
    assert "lib__writtenBy" not in book
    assert library.object_properties("lib__Book")["lib__writtenBy"].rel_type == "lib__writtenBy"


def test_restrictions_give_cardinalities_and_missing_domains_and_ranges(
    library: Ontology,
) -> None:
    assert library.cardinality("lib__Book", "lib__title").required
    # no rdfs:range: `someValuesFrom lib:Author` on Book says what it links to
    assert library.object_properties("lib__Book")["lib__writtenBy"].range == "lib__Author"
    # neither domain nor range: the qualified cardinality on Loan gives both
    loan_of = library.object_properties("lib__Loan")["lib__loanOf"]
    assert loan_of.range == "lib__Book"
    assert library.cardinality("lib__Loan", "lib__loanOf").min == 1
    kinds = {(a.prop, a.kind) for a in library.restrictions("lib__Book")}
    assert kinds == {("lib__title", "exact"), ("lib__writtenBy", "some")}


def test_graphql_types_take_local_names(library: Ontology) -> None:
    model = build_model(library)
    assert model["lib__Book"].name == "Book"
    assert model["lib__Book"].single_name == "book"
    writes = model["lib__Book"].relations["writtenBy"]  # fields: local names too
    assert (writes.target, writes.rel_type) == ("lib__Author", "lib__writtenBy")
    title = model["lib__Book"].scalars["title"]
    assert (title.key, title.gql) == ("lib__title", "String")  # the Neo4j key stays apart
    assert model["lib__Book"].scalars["id"].gql == "ID"
    assert "books" in model["lib__Author"].relations  # incoming writtenBy, by type name


def test_a_fibo_style_module_in_rdf_xml_with_its_local_import(contracts: Ontology) -> None:
    contract = contracts.name_of(CTR + "Contract")
    assert contract == "fndagrctr__Contract"
    # Agreements.rdf is imported from beside Contracts.rdf; Parties is not here
    assert contracts.cls(contract).superclasses == ("fndagragr__Agreement",)
    assert "fndagragr__hasExecutionDate" in contracts.datatype_properties(contract)
    assert contracts.skipped_imports() == ["https://example.org/fibo-style/FND/Parties/Parties/"]


def test_an_external_class_as_range_is_a_relationship_not_a_datatype(
    contracts: Ontology,
) -> None:
    rels = contracts.object_properties("fndagrctr__Contract")
    governing = rels["fndagrctr__hasGoverningJurisdictionParty"]
    assert governing.range == "fndptypty__Party"
    party = contracts.cls("fndptypty__Party")
    assert not party.declared  # referred to only; its module was not loaded
    assert "fndagrctr__hasGoverningJurisdictionParty" not in contracts.datatype_properties(
        "fndagrctr__Contract"
    )


def test_fibo_style_restrictions_are_kept_and_used(contracts: Ontology) -> None:
    contract = "fndagrctr__Contract"
    kinds = {(a.prop, a.kind) for a in contracts.restrictions(contract)}
    assert kinds == {
        ("fndagrctr__hasContractParty", "min"),
        ("fndagrctr__hasContractNumber", "exact"),
        ("fndagrctr__hasEffectiveDate", "max"),
        ("fndagrctr__hasPrincipalParty", "all"),
    }
    assert contracts.cardinality(contract, "fndagrctr__hasContractParty").min == 2
    assert contracts.required_properties(contract)["fndagrctr__hasContractNumber"].single
    # no domain declared: the restriction puts it on Contract (and its subclasses)
    effective = contracts.datatype_properties("fndagrctr__WrittenContract")
    assert effective["fndagrctr__hasEffectiveDate"].datatype == "dateTime"
    # no range declared: allValuesFrom gives it
    assert contracts.object_properties(contract)["fndagrctr__hasPrincipalParty"].range == (
        "fndagrctr__ContractParty"
    )
    # someValuesFrom on ContractParty gives isPartyTo its domain and range
    assert contracts.object_properties("fndagrctr__ContractParty")["fndagrctr__isPartyTo"].range
    assert contracts.restrictions("fndagrctr__WrittenContract"), "inherited axioms are listed"


def test_what_the_model_cannot_place_is_reported_with_the_reason(contracts: Ontology) -> None:
    skipped = "\n".join(contracts.skipped())
    assert "fndagragr__hasTerm: only a cardinality restriction" in skipped
    assert "fndagrctr__hasOriginalNotes: no rdfs:domain" in skipped


def test_graphql_names_are_namespaced_only_where_two_ontologies_clash() -> None:
    both = Ontology.load([*SEMGRAPH, CONTRACTS])
    model = build_model(both)
    assert model["Contract"].name == "Contract"  # semgraph's own keeps its name
    assert model["fndagrctr__Contract"].name == "fndagrctr__Contract"
    assert model["fndagrctr__WrittenContract"].name == "WrittenContract"
    assert {"Contract", "fndagrctr__Contract"} <= set(both.classes)


def test_a_foreign_ontology_needs_none_of_semgraphs_annotations(tmp_path: Path) -> None:
    path = tmp_path / "tiny.ttl"
    path.write_text(
        "@prefix ex: <http://example.org/t#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "ex:Thing a owl:Class .\n",
        encoding="utf-8",
    )
    tiny = Ontology.load([path])
    assert tiny.cls("ex__Thing").label_en == "Thing"
    assert tiny.role_keys() == {"admin"} and not tiny.declares_roles()
    assert tiny.role_model() is None  # alerts then reach no one by role


def test_without_roles_admin_may_write_every_class(library: Ontology) -> None:
    from semgraph.access.rights import WriteRights

    rights = WriteRights.of(library)
    for cls in library.classes:
        assert rights.may_create("admin", cls) and rights.may_delete("admin", cls)
        assert rights.may_update("admin", cls, "id")
    assert not rights.may_create("viewer", "lib__Book")


def test_semgraphs_own_role_model_is_read_from_the_ontology() -> None:
    own = Ontology.load(SEMGRAPH)
    model = own.role_model()
    assert model is not None
    assert (model.person, model.has_role, model.role, model.key) == (
        "Employee",
        "hasRole",
        "Role",
        "key",
    )


def test_a_class_whose_graphql_name_the_api_already_has_keeps_its_namespaced_name(
    tmp_path: Path,
) -> None:
    from semgraph.api.graphql.app_graphql import static_names

    path = tmp_path / "org.ttl"  # the W3C ORG ontology has an org:ChangeEvent
    path.write_text(
        "@prefix org: <http://www.w3.org/ns/org#> . "
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        "org:ChangeEvent a owl:Class . org:Organization a owl:Class .\n"
        "org:memberOf a owl:ObjectProperty ; rdfs:domain foaf:Agent ; "
        "rdfs:range org:Organization .\n",
        encoding="utf-8",
    )
    org = Ontology.load([path])
    model = build_model(org, static_names())
    assert model["org__ChangeEvent"].name == "org__ChangeEvent"  # semgraph's audit type
    assert model["org__Organization"].name == "Organization"
    assert model["foaf__Agent"].relations["memberOf"].target == "org__Organization"


def test_sync_refuses_an_ontology_without_system_records_with_the_reason() -> None:
    from semgraph.bootstrap import Container
    from semgraph.config import Settings
    from semgraph.exceptions import OntologyError

    container = Container(Settings(_env_file=None, ontology_files=[LIBRARY]))
    with pytest.raises(OntologyError, match="SystemRecord") as refused:
        container.sync()
    assert "semgraph import" in str(refused.value.hint)
