"""FIBO states a requirement on a super-property and data through its sub-properties:
``WrittenContract ⊑ hasPartyRole min 2 PartyRole`` while a contract states
``hasContractParty`` (⊑ hasPartyRole) and ``hasCounterparty`` (⊑ hasContractParty).
The derived integrity shapes count the sub-properties' values as OWL does, per change,
batched and whole (tests/fixtures/ontologies/Contracts.rdf, our own FIBO-style module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.changes.model import ChangeSet, CreateEntity, DeleteEntity, LinkEntities
from semgraph.config import Settings
from semgraph.exceptions import ChangeRefusedError
from semgraph.paths import REPO_ROOT
from tests.integration.world import ctx

CONTRACTS = REPO_ROOT / "tests" / "fixtures" / "ontologies" / "Contracts.rdf"
WRITTEN = "fndagrctr__WrittenContract"
PARTY = "fndagrctr__ContractParty"


@pytest.fixture
def contracts(empty_db: neo4j.Driver, settings: Settings, tmp_path: Path) -> Iterator[Container]:
    shapes = tmp_path / "shapes"  # the module's derived shapes only
    shapes.mkdir()
    own = settings.model_copy(update={"ontology_files": [CONTRACTS], "shapes_dir": shapes})
    c = Container(own)
    c.ensure_schema()
    yield c
    c.close()


def _contract(id: str, *parties: tuple[str, str, str]) -> ChangeSet:
    """A written contract and its parties: (relationship, party class, party id)."""
    ops: list[CreateEntity | LinkEntities] = [
        CreateEntity(cls=WRITTEN, id=id, properties={"fndagrctr__hasContractNumber": f"CN-{id}"})
    ]
    for rel, cls, party in parties:
        ops.append(CreateEntity(cls=cls, id=party))
        ops.append(LinkEntities(rel=rel, from_cls=WRITTEN, from_id=id, to_cls=cls, to_id=party))
    return ChangeSet(context=ctx(role="admin"), operations=ops)


def _reasons(refused: ChangeRefusedError) -> list[str]:
    return [v.message_en for v in refused.result.violations]


def test_a_super_property_requirement_is_met_through_its_sub_properties(
    contracts: Container,
) -> None:
    # two values of hasContractParty, one stated through its own sub-property
    # hasCounterparty: both `hasContractParty min 2` and `hasPartyRole min 2 PartyRole`
    # hold (a ContractParty is a PartyRole), though no hasPartyRole is stated
    done = contracts.changes.apply(
        _contract(
            "C-1",
            ("fndagrctr__hasContractParty", PARTY, "P-1"),
            ("fndagrctr__hasCounterparty", PARTY, "P-2"),
        )
    )
    assert done.committed and not done.violations
    assert contracts.validate_all("batched").outcome.conforms
    assert contracts.validate_all("whole").outcome.conforms

    # deleting the counterparty re-checks the contract along the sub-property's edge
    with pytest.raises(ChangeRefusedError) as refused:
        contracts.changes.apply(
            ChangeSet(context=ctx(role="admin"), operations=[DeleteEntity(cls=PARTY, id="P-2")])
        )
    reasons = _reasons(refused.value)
    assert any(r.startswith("written contract “hasPartyRole”: required") for r in reasons)
    assert any(r.startswith("written contract “has contract party”: required") for r in reasons)


def test_a_contract_with_neither_the_super_nor_a_sub_property_is_refused_with_the_reason(
    contracts: Container,
) -> None:
    with pytest.raises(ChangeRefusedError) as refused:
        contracts.changes.apply(_contract("C-2"))
    reasons = _reasons(refused.value)
    # the reason names the super-property and says what else would have counted
    assert (
        "written contract “hasPartyRole”: required; a PartyRole; "
        "values of “has contract party”, “has counterparty” count too"
    ) in reasons
    assert not contracts.driver.execute_query(
        f"MATCH (c:{WRITTEN} {{id: 'C-2'}}) RETURN c"
    ).records, "nothing of the refused change is written"
