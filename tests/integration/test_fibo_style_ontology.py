"""A FIBO FND-style module (tests/fixtures/ontologies/Contracts.rdf, RDF/XML, with a local
owl:imports, one import that is not here, restrictions, object and datatype properties)
as the ontology in force: ``semgraph load ontology`` loads it, ``semgraph import`` brings
data in through the change pipeline, and GraphQL reads it with the derived types."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import neo4j
import pytest
from fastapi import FastAPI
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from typer.testing import CliRunner

from semgraph.api.app import create_app
from semgraph.bootstrap import Container
from semgraph.cli.main import app
from semgraph.config import Settings
from semgraph.paths import REPO_ROOT
from tests.integration.alert_harness import cli_env
from tests.integration.graphql_harness import Gql, api_settings, running

CONTRACTS = REPO_ROOT / "tests" / "fixtures" / "ontologies" / "Contracts.rdf"
ID = "https://semgraph.io/id/"
CTR = Namespace("https://example.org/fibo-style/FND/Agreements/Contracts/")
DATA = """
@prefix ctr: <https://example.org/fibo-style/FND/Agreements/Contracts/> .
@prefix agr: <https://example.org/fibo-style/FND/Agreements/Agreements/> .
@prefix pty: <https://example.org/fibo-style/FND/Parties/Parties/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{id}fndagrctr__ContractParty/P-1> a ctr:ContractParty .
<{id}fndagrctr__ContractParty/P-2> a ctr:ContractParty .
<{id}fndptypty__Party/COURT-1> a pty:Party .

<{id}fndagrctr__WrittenContract/C-1> a ctr:WrittenContract ;
    ctr:hasContractNumber "CN-2026-001" ;
    ctr:hasEffectiveDate "2026-01-01T00:00:00+00:00"^^xsd:dateTime ;
    agr:hasExecutionDate "2025-12-15"^^xsd:date ;
    ctr:hasContractParty <{id}fndagrctr__ContractParty/P-1> , <{id}fndagrctr__ContractParty/P-2> ;
    ctr:hasPrincipalParty <{id}fndagrctr__ContractParty/P-1> ;
    ctr:hasGoverningJurisdictionParty <{id}fndptypty__Party/COURT-1> .

# one party only: `minQualifiedCardinality 2` on ctr:hasContractParty refuses it
<{id}fndagrctr__Contract/C-2> a ctr:Contract ;
    ctr:hasContractNumber "CN-2026-002" ;
    ctr:hasContractParty <{id}fndagrctr__ContractParty/P-1> .
""".replace("{id}", ID)
CONTRACTS_QUERY = """{ writtenContracts { totalCount edges { node {
  id hasContractNumber hasEffectiveDate hasExecutionDate
  hasContractParty { id } hasPrincipalParty { id } hasGoverningJurisdictionParty { id } } } } }"""


@pytest.fixture
def fibo(empty_db: neo4j.Driver, settings: Settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    env = cli_env(settings) | {
        "SEMGRAPH_ONTOLOGY_FILES": json.dumps([str(CONTRACTS)]),
        "SEMGRAPH_SHAPES_DIR": str(shapes),
    }
    yield env


def _cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, list(args), env=env)
    return done.exit_code, done.output


def test_a_fibo_style_module_is_loaded_imported_into_and_queried_through_graphql(
    fibo: dict[str, str], settings: Settings, empty_db: neo4j.Driver, tmp_path: Path
) -> None:
    code, output = _cli(fibo, "load", "ontology")
    assert code == 0, output
    assert "skipped import https://example.org/fibo-style/FND/Parties/Parties/" in output
    assert "not placed fndagragr__hasTerm" in output  # a bare cardinality names no kind
    assert "schema:" in output

    data = tmp_path / "contracts.ttl"
    data.write_text(DATA, encoding="utf-8")
    code, output = _cli(fibo, "import", str(data), "--role", "admin")
    assert code == 1, output  # C-2 is refused, the rest is written
    assert f"{ID}fndagrctr__Contract/C-2" in output
    rejects = data.with_name("contracts.ttl.rejects.ttl").read_text(encoding="utf-8")
    assert "C-2" in rejects and "C-1" not in rejects

    own = settings.model_copy(
        update={"ontology_files": [CONTRACTS], "shapes_dir": Path(fibo["SEMGRAPH_SHAPES_DIR"])}
    )
    container = Container(own)
    try:
        application = app_for(container)
        with running(application) as url, httpx.Client(base_url=url, timeout=30) as client:
            body = Gql(client)(CONTRACTS_QUERY)
            # a WrittenContract is a Contract: the read of the superclass lists it
            parents = Gql(client)(
                "{ contracts { totalCount edges { node { id hasContractNumber } } } }"
            )
    finally:
        container.close()
    assert parents["contracts"]["totalCount"] == 1  # C-2, a plain Contract, was refused
    assert parents["contracts"]["edges"][0]["node"] == {
        "id": "C-1",
        "hasContractNumber": "CN-2026-001",
    }
    written = body["writtenContracts"]
    assert written["totalCount"] == 1
    node = written["edges"][0]["node"]
    assert node["id"] == "C-1"
    assert node["hasContractNumber"] == "CN-2026-001"
    assert node["hasEffectiveDate"].startswith("2026-01-01T00:00")
    assert node["hasExecutionDate"] == "2025-12-15"
    assert sorted(p["id"] for p in node["hasContractParty"]) == ["P-1", "P-2"]
    assert [p["id"] for p in node["hasPrincipalParty"]] == ["P-1"]
    assert [p["id"] for p in node["hasGoverningJurisdictionParty"]] == ["COURT-1"]

    code, output = _cli(fibo, "validate")
    assert code == 0, output

    # the graph names FIBO's terms as the ontology does: the export gives back its IRIs
    exported = tmp_path / "export.ttl"
    code, output = _cli(fibo, "export", "--output", str(exported))
    assert code == 0, output
    back = Graph().parse(exported, format="turtle")
    c1 = URIRef(f"{ID}fndagrctr__WrittenContract/C-1")
    assert (c1, RDF.type, CTR.WrittenContract) in back
    assert (c1, CTR.hasContractNumber, Literal("CN-2026-001")) in back
    assert (c1, CTR.hasContractParty, URIRef(f"{ID}fndagrctr__ContractParty/P-2")) in back


def app_for(container: Container) -> FastAPI:
    return create_app(container.settings, container, api_settings())
