# mypy: disable-error-code="untyped-decorator"
"""The hand-written root operations: ontology view for tools, and the composition of the
query, mutation and subscription roots from their modules (``change_operations``,
``alert_operations``, ``rag_operations``, ``subscriptions``)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from semgraph.api.graphql.alert_operations import AlertMutations, AlertQueries
from semgraph.api.graphql.change_operations import ChangeMutations, ChangeQueries
from semgraph.api.graphql.context import RequestContext
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


@strawberry.type(description="A relationship of an ontology class (outgoing).")
class OntologyRelation:
    name: str
    range: str
    label_en: str
    definition: str
    impact: str | None


@strawberry.type(description="An ontology class, as GraphQL type of the same name.")
class OntologyClass:
    name: str
    label_en: str
    label_zh: str
    definition_en: str
    system_of_record: str | None
    properties: list[OntologyProperty]
    relations: list[OntologyRelation]


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

    @strawberry.field(description="The concrete classes.")
    def classes(self, info: Info) -> list[OntologyClass]:
        ctx: RequestContext = info.context
        onto = ctx.services.container.ontology
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
                    )
                    for r in onto.object_properties(c.name).values()
                ],
            )
            for c in onto.concrete_classes()
        ]

    @strawberry.field(description="Field mappings, all or of one source system (CRM, ERP, …).")
    def mappings(self, info: Info, system: str | None = None) -> list[SystemMapping]:
        ctx: RequestContext = info.context
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
class StaticQuery(ChangeQueries, AlertQueries, RagQueries):
    @strawberry.field(description="The ontology the schema was generated from.")
    def ontology(self) -> OntologyView:
        return OntologyView(version="0.1.0")


@strawberry.type(description="Every write goes through the change pipeline.")
class Mutation(ChangeMutations, AlertMutations):
    pass
