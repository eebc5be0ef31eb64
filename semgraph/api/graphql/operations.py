# mypy: disable-error-code="untyped-decorator"
"""The hand-written root operations: ontology view for tools, and the composition of the
query, mutation and subscription roots from their modules (``change_operations``,
``alert_operations``, ``rag_operations``, ``health_operations``, ``master_data_operations``,
``subscriptions``)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from semgraph.access.rights import WriteRights
from semgraph.api.graphql.alert_operations import AlertMutations, AlertQueries
from semgraph.api.graphql.change_operations import ChangeMutations, ChangeQueries
from semgraph.api.graphql.context import RequestContext
from semgraph.api.graphql.health_operations import HealthQueries
from semgraph.api.graphql.master_data_operations import MasterDataMutations, MasterDataQueries
from semgraph.api.graphql.rag_operations import RagQueries
from semgraph.api.graphql.subscriptions import Subscription

__all__ = ["Mutation", "StaticQuery", "Subscription"]


@strawberry.type(description="A datatype property of an ontology class.")
class OntologyProperty:
    name: str
    datatype: str
    label_en: str
    label_zh: str
    definition: str
    sensitive: bool
    visible_to: list[str]
    allowed_values: list[str] | None
    writable_by: list[str] = strawberry.field(
        description="Role keys that may set this property (never one it is masked for)."
    )


@strawberry.type(description="A relationship of an ontology class (outgoing).")
class OntologyRelation:
    name: str
    range: str
    label_en: str
    definition: str
    impact: str | None
    writable_by: list[str] = strawberry.field(
        description="Role keys that may link or unlink this relationship from the class."
    )


@strawberry.type(description="An ontology class, as GraphQL type of the same name.")
class OntologyClass:
    name: str
    label_en: str
    label_zh: str
    definition_en: str
    system_of_record: str | None
    properties: list[OntologyProperty]
    relations: list[OntologyRelation]
    write_rights: WriteRightsView


@strawberry.type(description="Which roles may create, update and delete entities of a class.")
class WriteRightsView:
    create: list[str]
    update: list[str] = strawberry.field(description="Roles that may set some property.")
    delete: list[str]


@strawberry.type(description="One source field mapped onto a canonical property.")
class SystemMapping:
    system: str
    source_table: str
    source_field: str
    target_class: str
    target_property: str
    transform: str | None
    is_key: bool


@strawberry.type(description="The ontology, for tools.")
class OntologyView:
    version: str

    @strawberry.field(description="The concrete classes, with who may write what.")
    def classes(self, info: Info) -> list[OntologyClass]:
        ctx: RequestContext = info.context
        ctx.require_caller()
        onto = ctx.services.container.ontology
        rights = WriteRights.of(onto)
        return [
            OntologyClass(
                name=c.name,
                label_en=c.label_en,
                label_zh=c.label_zh,
                definition_en=c.definition_en,
                system_of_record=c.system_of_record,
                properties=[
                    OntologyProperty(
                        name=p.name,
                        datatype=p.datatype,
                        label_en=p.label_en,
                        label_zh=p.label_zh,
                        definition=p.definition,
                        sensitive=p.sensitive,
                        visible_to=list(p.visible_to),
                        allowed_values=list(p.allowed_values) if p.allowed_values else None,
                        writable_by=rights.property_writers(c.name, p.name),
                    )
                    for p in onto.datatype_properties(c.name).values()
                ],
                relations=[
                    OntologyRelation(
                        name=r.name,
                        range=r.range,
                        label_en=r.label_en,
                        definition=r.definition,
                        impact=r.impact,
                        writable_by=rights.property_writers(c.name, r.name),
                    )
                    for r in onto.object_properties(c.name).values()
                ],
                write_rights=WriteRightsView(**rights.writers(c.name)),
            )
            for c in onto.concrete_classes()
        ]

    @strawberry.field(description="Field mappings, all or of one source system (CRM, ERP, …).")
    def mappings(self, info: Info, system: str | None = None) -> list[SystemMapping]:
        ctx: RequestContext = info.context
        ctx.require_caller()
        return [
            SystemMapping(
                system=m.system,
                source_table=m.source_table,
                source_field=m.source_field,
                target_class=m.target_class,
                target_property=m.target_property,
                transform=m.transform,
                is_key=m.is_key,
            )
            for m in ctx.services.container.ontology.mappings(system)
        ]


@strawberry.type
class StaticQuery(ChangeQueries, AlertQueries, RagQueries, HealthQueries, MasterDataQueries):
    @strawberry.field(description="The ontology the schema was generated from.")
    def ontology(self) -> OntologyView:
        return OntologyView(version="0.1.0")


@strawberry.type(description="Every write goes through the change pipeline.")
class Mutation(ChangeMutations, AlertMutations, MasterDataMutations):
    pass
