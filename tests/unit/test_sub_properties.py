"""``rdfs:subPropertyOf`` in the model and in the derived integrity shapes: a property's
sub-properties (transitively, cycles tolerated) count as its values, as in OWL."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from semgraph.exceptions import UnknownTermError
from semgraph.ontology.model import Ontology
from semgraph.paths import REPO_ROOT
from semgraph.shapes import load_shapes
from semgraph.shapes.derived import derive_integrity_shapes, integrity_shape_iri
from semgraph.shapes.read_paths import path_strings

CONTRACTS = REPO_ROOT / "tests" / "fixtures" / "ontologies" / "Contracts.rdf"
SEMGRAPH = sorted((REPO_ROOT / "ontology").glob("*.ttl"))
CYCLE = """
@prefix ex: <http://example.org/cycle#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Thing a owl:Class .
ex:a a owl:DatatypeProperty ; rdfs:domain ex:Thing ; rdfs:range xsd:string .
ex:b a owl:DatatypeProperty ; rdfs:domain ex:Thing ; rdfs:range xsd:string ;
    rdfs:subPropertyOf ex:a .
ex:c a owl:DatatypeProperty ; rdfs:domain ex:Thing ; rdfs:range xsd:string ;
    rdfs:subPropertyOf ex:b .
ex:a rdfs:subPropertyOf ex:c .
# through a property the model cannot place (no domain): d is still below a
ex:hidden rdfs:subPropertyOf ex:a .
ex:d a owl:DatatypeProperty ; rdfs:domain ex:Thing ; rdfs:subPropertyOf ex:hidden .
# a relationship below a value is not a value of it
ex:rel a owl:ObjectProperty ; rdfs:domain ex:Thing ; rdfs:range ex:Thing ;
    rdfs:subPropertyOf ex:a .
"""


@pytest.fixture(scope="module")
def contracts() -> Ontology:
    return Ontology.load([CONTRACTS])


def test_sub_properties_are_transitive_and_of_the_same_kind(contracts: Ontology) -> None:
    # hasCounterparty ⊑ hasContractParty ⊑ pty:hasPartyRole (a module not loaded)
    assert contracts.sub_properties("fndptypty__hasPartyRole") == (
        "fndagrctr__hasContractParty",
        "fndagrctr__hasCounterparty",
    )
    assert contracts.sub_properties("fndagrctr__hasContractParty") == (
        "fndagrctr__hasCounterparty",
    )
    assert contracts.sub_properties("fndagrctr__hasCounterparty") == ()
    with pytest.raises(UnknownTermError):
        contracts.sub_properties("fndagrctr__hasContractPraty")


def test_a_cycle_of_sub_properties_ends_and_makes_its_members_equivalent(tmp_path: Path) -> None:
    path = tmp_path / "cycle.ttl"
    path.write_text(CYCLE, encoding="utf-8")
    onto = Ontology.load([path])
    assert onto.sub_properties("ex__a") == ("ex__b", "ex__c", "ex__d")
    assert onto.sub_properties("ex__c") == ("ex__a", "ex__b", "ex__d")
    assert onto.sub_properties("ex__d") == ()


def test_semgraphs_own_ontology_declares_no_sub_properties() -> None:
    onto = Ontology.load(SEMGRAPH)
    names = {p.name for c in onto.classes for p in onto.object_properties(c).values()}
    names |= {p for c in onto.classes for p in onto.datatype_properties(c)}
    assert names and not any(onto.sub_properties(n) for n in names)


def test_the_derived_shape_of_a_super_property_walks_its_sub_properties_too(
    contracts: Ontology, tmp_path: Path
) -> None:
    g = derive_integrity_shapes(contracts)
    ps = URIRef(f"{integrity_shape_iri('fndagrctr__WrittenContract')}/fndptypty__hasPartyRole")
    assert path_strings(g, g.value(ps, SH.path), contracts) == [
        "fndptypty__hasPartyRole",
        "fndagrctr__hasContractParty",
        "fndagrctr__hasCounterparty",
    ]
    # per class neighbourhood, reading every alternative (not the whole graph)
    info = load_shapes(tmp_path, contracts).shapes[
        str(integrity_shape_iri("fndagrctr__WrittenContract"))
    ]
    assert info.target_class == "fndagrctr__WrittenContract" and info.whole_graph is None
    assert {"fndptypty__hasPartyRole", "fndagrctr__hasCounterparty"} <= set(info.reads)


def _flagged(contracts: Ontology, body: str) -> set[str]:
    prefixes = """
@prefix ctr: <https://example.org/fibo-style/FND/Agreements/Contracts/> .
@prefix pty: <https://example.org/fibo-style/FND/Parties/Parties/> .
@prefix id: <https://semgraph.io/id/> .
"""
    data = Graph().parse(data=prefixes + body, format="turtle")
    _, report, _ = validate(data, shacl_graph=derive_integrity_shapes(contracts))
    return {str(s).rsplit("/", 1)[-1] for s in report.objects(None, SH.sourceShape)}


def test_a_sub_propertys_values_count_for_cardinality_and_range(contracts: Ontology) -> None:
    counterparties = """
id:w a ctr:WrittenContract ; ctr:hasContractNumber "CN-1" ;
    ctr:hasCounterparty id:p1 , id:p2 .
id:p1 a ctr:ContractParty . id:p2 a ctr:ContractParty .
"""
    # two counterparties are two contract parties and two party roles: a ContractParty
    # (a subclass of PartyRole) passes the range check of the super-property
    assert not {"fndptypty__hasPartyRole", "fndagrctr__hasContractParty"} & _flagged(
        contracts, counterparties
    )
    # a sub-property's value outside the super-property's range is refused by it
    wrong = counterparties.replace("id:p2 a ctr:ContractParty", "id:p2 a pty:Party")
    assert "fndptypty__hasPartyRole" in _flagged(contracts, wrong)
    none = 'id:w a ctr:WrittenContract ; ctr:hasContractNumber "CN-1" .'
    assert "fndptypty__hasPartyRole" in _flagged(contracts, none)


def test_a_sequence_through_an_alternative_reads_every_way(contracts: Ontology) -> None:
    g = Graph().parse(
        data="""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ctr: <https://example.org/fibo-style/FND/Agreements/Contracts/> .
<urn:s> sh:path ( [ sh:alternativePath ( ctr:hasContractParty ctr:hasCounterparty ) ]
                  ctr:isPartyTo ) .
""",
        format="turtle",
    )
    assert path_strings(g, g.value(URIRef("urn:s"), SH.path), contracts) == [
        "fndagrctr__hasContractParty/fndagrctr__isPartyTo",
        "fndagrctr__hasCounterparty/fndagrctr__isPartyTo",
    ]
