"""Write rights per role (``ontology/access.ttl``): who may create, update, delete what.

Pure logic over the shipped ontology files and a few edited copies; no Neo4j. The
pipeline's refusal before any read is specified in tests/integration/test_write_rights.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from semgraph.access import WriteRights
from semgraph.browser_style import grass
from semgraph.changes.model import ChangeContext, ChangeSet, resolve
from semgraph.config import REPO_ROOT
from semgraph.exceptions import ForbiddenError, OntologyError
from semgraph.ontology import Ontology

ONTOLOGY_FILES = sorted((REPO_ROOT / "ontology").glob("*.ttl"))


@pytest.fixture(scope="module")
def onto() -> Ontology:
    return Ontology.load(ONTOLOGY_FILES)


@pytest.fixture(scope="module")
def rights(onto: Ontology) -> WriteRights:
    return WriteRights.of(onto)


def ops(onto: Ontology, role: str, *operations: dict[str, Any]) -> list[dict[str, Any]]:
    change = ChangeSet.model_validate(
        {"context": ChangeContext(actor="t", role=role), "operations": list(operations)}
    )
    return resolve(change, onto)


def forbidden(rights: WriteRights, onto: Ontology, role: str, *operations: dict[str, Any]) -> str:
    with pytest.raises(ForbiddenError) as caught:
        rights.check(role, ops(onto, role, *operations))
    return str(caught.value)


UPDATE_SALARY = {"op": "update", "class": "Employee", "id": "E-1", "properties": {"salary": 1.0}}
SET_LIMIT = {"op": "update", "class": "Customer", "id": "C-1", "properties": {"creditLimit": 9.0}}


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_viewer_and_analyst_are_read_only(rights: WriteRights, onto: Ontology, role: str) -> None:
    assert not rights.may_write_any(role)
    for op in (
        UPDATE_SALARY,
        SET_LIMIT,
        {"op": "create", "class": "Warehouse", "id": "W-9"},
        {"op": "delete", "class": "Warehouse", "id": "W-1"},
    ):
        message = forbidden(rights, onto, role, op)
        assert f"role `{role}`" in message and op["class"] in message


def test_the_refusal_names_role_class_property_and_who_may(
    rights: WriteRights, onto: Ontology
) -> None:
    message = forbidden(rights, onto, "csm", SET_LIMIT)
    assert "role `csm` may not set Customer.creditLimit" in message
    assert "admin, cfo, finance_lead" in message, "the hint says who may"


def test_a_role_never_writes_a_property_it_may_not_read(
    rights: WriteRights, onto: Ontology
) -> None:
    # csm may update customers but cannot read creditLimit (financial) ...
    assert rights.may_update("csm", "Customer", "rating")
    assert not rights.may_update("csm", "Customer", "creditLimit")
    # ... nor the tax id (personal data outside the csm's sgm:visibleTo)
    tax = {"op": "update", "class": "Customer", "id": "C-1", "properties": {"taxId": "DE1"}}
    assert "may not set Customer.taxId" in forbidden(rights, onto, "csm", tax)
    rights.check("finance_lead", ops(onto, "finance_lead", SET_LIMIT))


def test_a_single_property_grant_covers_that_property_only(
    rights: WriteRights, onto: Ontology
) -> None:
    sign = {"op": "update", "class": "SalesOrder", "id": "SO-1"}
    rights.check("legal", ops(onto, "legal", {**sign, "properties": {"legalCountersigned": True}}))
    message = forbidden(rights, onto, "legal", {**sign, "properties": {"totalAmount": 1.0}})
    assert "SalesOrder.totalAmount" in message


def test_deletes_of_people_roles_and_routing_data_are_admin_only(
    rights: WriteRights, onto: Ontology
) -> None:
    for cls in ("Employee", "Contact", "Role", "LegalEntity"):
        assert rights.writers(cls)["delete"] == ["admin"], cls
    unlink = {
        "op": "unlink",
        "rel": "customer",
        "from_cls": "Contract",
        "from_id": "K-1",
        "to_cls": "Customer",
        "to_id": "C-1",
    }
    assert "unlink Contract.customer" in forbidden(rights, onto, "csm", unlink)
    rights.check("admin", ops(onto, "admin", unlink))
    # the same relationship off the routing path stays the csm's to change
    ticket = {**unlink, "from_cls": "SupportTicket", "from_id": "T-1"}
    rights.check("csm", ops(onto, "csm", ticket))


def test_linking_from_an_entity_created_in_the_same_change_needs_only_the_create_right(
    rights: WriteRights, onto: Ontology
) -> None:
    create = {"op": "create", "class": "SupportTicket", "id": "T-9", "properties": {}}
    link = {
        "op": "link",
        "rel": "customer",
        "from_cls": "SupportTicket",
        "from_id": "T-9",
        "to_cls": "Customer",
        "to_id": "C-1",
    }
    rights.check("service", ops(onto, "service", create, link))
    rights.check("service", ops(onto, "service", link))  # service updates tickets anyway
    order_link = {**link, "from_cls": "SalesOrder", "from_id": "SO-1"}
    assert "link SalesOrder.customer" in forbidden(rights, onto, "service", order_link)


@pytest.mark.parametrize("granted", ["Employee", "BusinessEntity"])
def test_a_grant_of_a_reserved_delete_is_an_ontology_error(tmp_path: Path, granted: str) -> None:
    for f in ONTOLOGY_FILES:
        shutil.copy(f, tmp_path / f.name)
    access = tmp_path / "access.ttl"
    access.write_text(access.read_text() + f"\nsgm:CsmRole sgm:mayDelete sg:{granted} .\n")
    onto = Ontology.load(sorted(tmp_path.glob("*.ttl")))
    with pytest.raises(OntologyError, match="reserved to admin"):
        WriteRights(onto)


def test_a_grant_naming_an_unknown_class_is_an_ontology_error(tmp_path: Path) -> None:
    for f in ONTOLOGY_FILES:
        shutil.copy(f, tmp_path / f.name)
    access = tmp_path / "access.ttl"
    access.write_text(access.read_text() + "\nsgm:CsmRole sgm:mayCreate sg:Custmer .\n")
    with pytest.raises(OntologyError, match="Custmer"):
        WriteRights(Ontology.load(sorted(tmp_path.glob("*.ttl"))))


def test_the_browser_style_draws_admin_only_classes_with_a_thick_border(onto: Ontology) -> None:
    style = grass(onto)

    def block(label: str) -> str:
        return style.split(f"node.{label} {{", 1)[1].split("}", 1)[0]

    assert "border-width: 6px" in block("Employee") and "border-width: 6px" in block("Role")
    assert "border-width: 2px" in block("SupportTicket")
